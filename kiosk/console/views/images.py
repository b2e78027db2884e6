"""The Pictures page: the draft's images, uploading one, and showing one (never run)."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from kiosk.console.auth import Session
from kiosk.console.security import IMAGE_CSP
from kiosk.console.state import State, state_of
from kiosk.console.uploads import UploadError, store_image
from kiosk.console.views.common import redirect, redirect_error, render
from kiosk.deck.images import IMAGE_SUFFIXES

log = logging.getLogger("kiosk.console")


def draft_images(state: State) -> list[str]:
    """The draft's pictures as slides name them ("images/leg-veins.svg"), sorted: every
    name the deck loader accepts (so an uploaded GIF or WebP is listed and can be chosen)."""
    folder = state.decks.draft_assets / "images"
    if not folder.is_dir():
        return []
    return sorted(
        f"images/{p.name}"
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES
    )


async def images_page(request: Request, session: Session) -> Response:
    state = state_of(request)
    state.decks.ensure_draft()
    context = {
        "images": draft_images(state),
        "max_mb": state.settings.max_upload // (1024 * 1024),
        "error": request.query_params.get("error", "")[:300],
    }
    return render(request, "images.html", context, session)


async def upload_image(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    upload = form.get("image")
    if not isinstance(upload, UploadFile):
        return redirect_error("/edit/images", "Choose a file to upload.")
    data = await upload.read(state.settings.max_upload + 1)
    try:
        name = await run_in_threadpool(
            store_image,
            state.decks.draft_assets / "images",
            upload.filename or "",
            data,
            state.settings.max_upload,
        )
    except UploadError as error:
        log.warning("image upload refused (%s) from %s: %s", upload.filename, session.user, error)
        return redirect_error("/edit/images", str(error), 413 if error.too_large else 303)
    log.info("image uploaded to the draft: %s by %s", name, session.user)
    return redirect("/edit/images", f"Added images/{name}: choose it on a slide.")


async def draft_image(request: Request, session: Session) -> Response:
    state = state_of(request)
    name = request.path_params["name"]
    if f"images/{name}" not in draft_images(state):
        return PlainTextResponse("No such image.", status_code=404)
    path = state.decks.inside(state.decks.draft_assets / "images", name)
    media = "image/svg+xml" if name.endswith(".svg") else None
    return FileResponse(path, media_type=media, headers={"Content-Security-Policy": IMAGE_CSP})
