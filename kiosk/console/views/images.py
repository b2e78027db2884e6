"""The Pictures page: the draft's images, uploading one, and showing one (never run)."""

from __future__ import annotations

import logging
import re
import secrets
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from kiosk.console import editing
from kiosk.console.auth import Session
from kiosk.console.security import IMAGE_CSP
from kiosk.console.state import State, state_of
from kiosk.console.uploads import ASK, KEEP_BOTH, REPLACE, NameTakenError, UploadError, store_image
from kiosk.console.views.common import redirect, redirect_error, render, text
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


def slides_using(state: State, image: str) -> list[str]:
    """ "Section: slide title" of every draft slide showing `image` ("images/x.svg")."""
    draft = state.decks.ensure_draft()
    langs = editing.languages(draft / "deck.yaml")
    found: list[str] = []
    for name in state.decks.section_files():
        try:
            slides = editing.read_slides(draft / name, langs)
        except editing.EditError:
            continue
        found.extend(s.title[langs[0]] or s.id for s in slides if s.image == image)
    return found


def _pending_folder(state: State) -> Path:
    return state.settings.cache_dir / "pending-uploads"


async def images_page(request: Request, session: Session) -> Response:
    state = state_of(request)
    state.decks.ensure_draft()
    context = {
        "images": draft_images(state),
        "max_mb": state.settings.max_upload // (1024 * 1024),
        "error": request.query_params.get("error", "")[:300],
        "taken": None,
    }
    return render(request, "images.html", context, session)


async def upload_image(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    upload = form.get("image")
    if not isinstance(upload, UploadFile):
        return redirect_error("/edit/images", "Choose a file to upload.")
    data = await upload.read(state.settings.max_upload + 1)
    return await _store(request, session, state, upload.filename or "", data, ASK)


async def resolve_upload(request: Request, session: Session, form: FormData) -> Response:
    """The choice for an upload whose name was taken: keep both, or replace."""
    state = state_of(request)
    token = text(form, "pending", 64)
    choice = text(form, "choice", 20)
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token) or choice not in (KEEP_BOTH, REPLACE):
        return redirect_error("/edit/images", "That upload is no longer waiting; upload it again.")
    folder = _pending_folder(state)
    try:
        data = (folder / f"{token}.bin").read_bytes()
        filename = (folder / f"{token}.name").read_text(encoding="utf-8")
    except OSError:
        return redirect_error("/edit/images", "That upload is no longer waiting; upload it again.")
    (folder / f"{token}.bin").unlink(missing_ok=True)
    (folder / f"{token}.name").unlink(missing_ok=True)
    return await _store(request, session, state, filename, data, choice)


async def _store(
    request: Request, session: Session, state: State, filename: str, data: bytes, if_taken: str
) -> Response:
    try:
        name = await run_in_threadpool(
            store_image,
            state.decks.draft_assets / "images",
            filename,
            data,
            state.settings.max_upload,
            if_taken,
        )
    except NameTakenError as taken:
        # Keep the bytes aside (the browser cannot send the file again by itself).
        folder = _pending_folder(state)
        folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(24)
        (folder / f"{token}.bin").write_bytes(data)
        (folder / f"{token}.name").write_text(filename, encoding="utf-8")
        context = {
            "images": draft_images(state),
            "max_mb": state.settings.max_upload // (1024 * 1024),
            "error": "",
            "taken": {
                "name": taken.name,
                "token": token,
                "used_on": slides_using(state, taken.name),
            },
        }
        return render(request, "images.html", context, session, status_code=409)
    except UploadError as error:
        log.warning("image upload refused (%s) from %s: %s", filename, session.user, error)
        return redirect_error("/edit/images", str(error), 413 if error.too_large else 303)
    log.info("image uploaded to the draft: %s by %s", name, session.user)
    if if_taken == REPLACE:
        return redirect("/edit/images", f"Replaced images/{name} on every slide that shows it.")
    return redirect("/edit/images", f"Added images/{name}: choose it on a slide.")


async def draft_image(request: Request, session: Session) -> Response:
    state = state_of(request)
    name = request.path_params["name"]
    if f"images/{name}" not in draft_images(state):
        return PlainTextResponse("No such image.", status_code=404)
    path = state.decks.inside(state.decks.draft_assets / "images", name)
    media = "image/svg+xml" if name.endswith(".svg") else None
    return FileResponse(path, media_type=media, headers={"Content-Security-Policy": IMAGE_CSP})
