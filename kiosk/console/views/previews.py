"""The Previews page: every slide of the live deck or the draft, drawn at the screen's size
by the render worker, and the preview images themselves."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from kiosk.console.auth import Session
from kiosk.console.security import IMAGE_CSP, session_of
from kiosk.console.state import State, screen_size, state_of
from kiosk.console.views.common import render


def _preview_folder(state: State, which: str) -> Path:
    if which == "draft":
        return state.decks.ensure_draft()
    return state.decks.live_folder() or state.decks.ensure_draft()


async def previews_page(request: Request, session: Session) -> Response:
    state = state_of(request)
    which = "draft" if request.query_params.get("deck") == "draft" else "live"
    folder = _preview_folder(state, which)
    size = screen_size(state)
    key, manifest = await run_in_threadpool(state.previews.request, folder, size)
    context = {
        "which": which,
        "key": key,
        "manifest": manifest,
        "size": size,
        "has_live": state.decks.current() is not None,
    }
    return render(request, "previews.html", context, session)


async def preview_image(request: Request) -> Response:
    state = state_of(request)
    if session_of(request) is None:
        return PlainTextResponse("Log in first.", status_code=401)
    path = state.previews.file(request.path_params["key"], request.path_params["name"])
    if path is None:
        return PlainTextResponse("No such preview.", status_code=404)
    headers = {"Cache-Control": "private, max-age=86400", "Content-Security-Policy": IMAGE_CSP}
    return FileResponse(path, media_type="image/png", headers=headers)
