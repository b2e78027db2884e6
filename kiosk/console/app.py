"""The staff console's web app (Starlette): the URL map, the middleware and the app's state.

Starlette is a small, well-kept ASGI toolkit: routing, forms, cookies, static files and an
in-process test client, without an ORM or a front-end build. Pages are rendered on the server
with Jinja2 (auto-escaping on) and work without JavaScript; one small script of our own adds
the live preview while typing. The pages are in `views/`, the security rules in `security.py`,
what the app holds in `state.py`, and the child processes in `workers/`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from kiosk.console.auth import LoginLimiter, SessionStore
from kiosk.console.decks import DeckHome
from kiosk.console.previews import PreviewCache
from kiosk.console.security import UPLOAD_PATH, BodyLimit, SecurityHeaders, action, page
from kiosk.console.state import ConsoleSettings, State
from kiosk.console.views import edit, images, login, pin, previews, publish, stats, status

STATIC = Path(__file__).resolve().parent / "static"
SLIDE = "/edit/slide/{file}/{slide}"


def routes() -> list[BaseRoute]:
    """Every URL of the console; a form that changes the deck says so (`writes_deck`)."""
    return [
        Route("/", page(status.status_page)),
        Route("/login", login.login_page, methods=["GET"]),
        Route("/login", login.login, methods=["POST"]),
        Route("/logout", action(login.logout), methods=["POST"]),
        Route("/previews", page(previews.previews_page)),
        Route("/preview-img/{key}/{name:path}", previews.preview_image),
        Route("/stats", page(stats.stats_page)),
        Route("/stats/chart/{name}.svg", page(stats.stats_chart)),
        Route("/stats/{table}.csv", page(stats.stats_csv)),
        Route("/edit", page(edit.edit_page)),
        Route("/edit/add", action(edit.add_slide, writes_deck=True), methods=["POST"]),
        Route("/edit/discard", action(edit.discard_draft, writes_deck=True), methods=["POST"]),
        Route("/edit/settings", page(edit.settings_page), methods=["GET"]),
        Route("/edit/settings", action(edit.save_settings, writes_deck=True), methods=["POST"]),
        Route(UPLOAD_PATH, page(images.images_page), methods=["GET"]),
        Route(UPLOAD_PATH, action(images.upload_image, writes_deck=True), methods=["POST"]),
        Route(
            "/edit/images-pending",
            action(images.resolve_upload, writes_deck=True),
            methods=["POST"],
        ),
        Route("/edit/images/{name}", page(images.draft_image)),
        Route(SLIDE, page(edit.slide_page), methods=["GET"]),
        Route(SLIDE, action(edit.save_slide, writes_deck=True), methods=["POST"]),
        Route(SLIDE + "/preview", action(edit.live_preview), methods=["POST"]),
        Route(SLIDE + "/move", action(edit.move_slide, writes_deck=True), methods=["POST"]),
        Route(SLIDE + "/delete", action(edit.delete_slide, writes_deck=True), methods=["POST"]),
        Route("/publish", page(publish.publish_page), methods=["GET"]),
        Route("/publish", action(publish.publish_draft, writes_deck=True), methods=["POST"]),
        Route("/publish/rebase", action(publish.rebase_draft, writes_deck=True), methods=["POST"]),
        Route("/rollback", action(publish.rollback, writes_deck=True), methods=["POST"]),
        Route("/pin", page(pin.pin_page), methods=["GET"]),
        Route("/pin", action(pin.set_pin), methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]


log = logging.getLogger("kiosk.console")


async def file_problem(request: Request, error: Exception) -> Response:
    """A file the console could not read or write: one sentence naming it, never a bare
    "Internal Server Error" (a correct install never gets here; a broken one says why)."""
    log.exception("console request %s %s failed", request.method, request.url.path)
    where = getattr(error, "filename", None) or "a file of the deck home"
    why = getattr(error, "strerror", None) or str(error)
    return PlainTextResponse(
        f"That did not work: the console could not use {where} ({why}). The deck home "
        "and everything in it must belong to the user the console runs as (docs/deploy.md, "
        "section 1); IT can fix it with chown -R.",
        status_code=500,
    )


def create_app(settings: ConsoleSettings) -> Starlette:
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.cache_dir, 0o700)
    app = Starlette(routes=routes(), exception_handlers={OSError: file_problem})
    app.state.console = State(
        settings=settings,
        decks=DeckHome(settings.home, settings.bundled),
        sessions=SessionStore(clock=settings.clock),
        limiter=LoginLimiter(clock=settings.clock),
        previews=PreviewCache(settings.cache_dir / "previews"),
    )
    app.add_middleware(BodyLimit, max_upload=settings.max_upload)
    app.add_middleware(SecurityHeaders)
    return app


__all__ = ["ConsoleSettings", "create_app"]
