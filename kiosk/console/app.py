"""The staff console's web app (Starlette): routes, security rules and page assembly.

Starlette is a small, well-kept ASGI toolkit: routing, forms, cookies, static files and an
in-process test client, without an ORM or a front-end build. Pages are rendered on the server
with Jinja2 (auto-escaping on) and work without JavaScript; one small script of our own adds
the live preview while typing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.console import charts, editing
from kiosk.console.auth import (
    USER_NAME,
    LoginLimiter,
    Session,
    SessionStore,
    check_password,
    read_users,
    tokens_equal,
)
from kiosk.console.decks import DeckHome, PublishError, git_managed, validation_problems
from kiosk.console.previews import PreviewCache
from kiosk.console.uploads import UploadError, store_image
from kiosk.deck.fingerprint import deck_fingerprint
from kiosk.deck.model import LANGUAGE_NAMES
from kiosk.ops import pin as staff_pin
from kiosk.ops.status import STATUS_SECONDS, read_status

log = logging.getLogger("kiosk.console")

HERE = Path(__file__).parent
SESSION_COOKIE = "cvi_console"
LOGIN_COOKIE = "cvi_console_login"
# Forms are small; only the image upload may be larger (capped by ConsoleSettings.max_upload).
MAX_FORM_BYTES = 256 * 1024
UPLOAD_PATH = "/edit/images"
DEFAULT_SIZE = (1920, 1080)
# The status file is rewritten every STATUS_SECONDS; three missed writes mean the loop is gone.
STALE_SECONDS = 3 * STATUS_SECONDS + 4
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Images (SVG can carry script and style): drawn, never run, even when opened directly.
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@dataclass
class ConsoleSettings:
    home: Path
    bundled: Path
    users_path: Path
    status_path: Path
    stats_path: Path
    cache_dir: Path
    audit_path: Path
    pin_path: Path | None = None
    max_upload: int = 8 * 1024 * 1024
    secure_cookies: bool = False
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time


@dataclass
class State:
    settings: ConsoleSettings
    decks: DeckHome
    sessions: SessionStore
    limiter: LoginLimiter
    previews: PreviewCache


# `kiosk validate`'s answer depends only on the files, which the fingerprint covers (deck and
# assets): remember it, so pages show problems without a 1.5 s check each time.
_validated: dict[str, list[str]] = {}
_validated_lock = threading.Lock()


# -- middleware ------------------------------------------------------------------------------


class SecurityHeaders:
    """Strict headers on every response; pages are never cached (they show live state)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])]
                names = {k.lower() for k, _ in headers}
                extra = {
                    b"x-frame-options": b"DENY",
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"cross-origin-opener-policy": b"same-origin",
                    b"cross-origin-resource-policy": b"same-origin",
                    b"permissions-policy": b"camera=(), microphone=(), geolocation=()",
                }
                if b"content-security-policy" not in names:
                    extra[b"content-security-policy"] = CSP.encode()
                if b"cache-control" not in names:
                    extra[b"cache-control"] = b"no-store"
                headers.extend(extra.items())
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuses request bodies over the cap (413) before they are read, and stops counting
    ones that lie about their length or stream without one."""

    def __init__(self, app: ASGIApp, max_upload: int) -> None:
        self.app = app
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload + 64 * 1024 if scope["path"] == UPLOAD_PATH else MAX_FORM_BYTES
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope, receive, send, limit)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, counting, send)
        except _BodyTooLargeError:
            await _too_large(scope, receive, send, limit)


class _BodyTooLargeError(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = PlainTextResponse(
        f"Too large: this form accepts at most {limit // 1024} KB.", status_code=413
    )
    await response(scope, receive, send)


# -- helpers ---------------------------------------------------------------------------------

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["weekdays"] = editing.DAYS


def _readable_time(text: object) -> str:
    """ "2026-11-25T16:13:03+00:00" -> "2026-11-25 16:13 UTC" (anything else unchanged)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


templates.env.filters["when"] = _readable_time


def _state(request: Request) -> State:
    state: State = request.app.state.console
    return state


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _audit(state: State, who: str, action: str, **details: str) -> None:
    record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "who": who, "action": action}
    record.update(details)
    path = state.settings.audit_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
    except OSError as error:
        log.warning("cannot write the console audit log %s: %s", path, error)


def _audit_entries(state: State, limit: int = 50) -> list[dict[str, str]]:
    try:
        lines = state.settings.audit_path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    entries = []
    for line in reversed(lines[-limit:]):
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict):
                entries.append({str(k): str(v) for k, v in entry.items()})
    return entries


def _page(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    session: Session | None,
    status_code: int = 200,
) -> Response:
    state = _state(request)
    full = {
        "user": session.user if session else None,
        "csrf": session.csrf if session else "",
        "git_root": _git_root(state),
        "screen_folder": _screen_elsewhere(state),
        "flash": request.query_params.get("done", "")[:200],
        "path": request.url.path,
        **context,
    }
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def _screen_elsewhere(state: State) -> Path | None:
    """The folder the screen shows, when it is not in this deck home (publishing here would
    not change what it shows); None when it follows the home or nothing is known."""
    status = read_status(state.settings.status_path)
    folder = (status.get("deck") or {}).get("folder") if status else None
    if not isinstance(folder, str) or not folder:
        return None
    shown = Path(folder)
    if shown.resolve().is_relative_to(state.decks.home.resolve()):
        return None
    return shown


def _git_root(state: State) -> Path | None:
    """Where git manages the deck: the deck home, or the folder the screen shows."""
    shown = _screen_elsewhere(state)
    return state.decks.git_root() or (git_managed(shown) if shown is not None else None)


def _redirect(path: str, done: str = "") -> RedirectResponse:
    target = f"{path}?{urlencode({'done': done})}" if done else path
    return RedirectResponse(target, status_code=303)


def _same_origin(request: Request) -> bool:
    """Browsers send Origin (and Sec-Fetch-Site) on POST; another site's is refused. With
    Referrer-Policy same-origin, our own pages' forms carry our origin, never "null"."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser (or a very old one): the CSRF token still decides
    return urlsplit(origin).netloc == request.headers.get("host", "")


Endpoint = Callable[[Request, Session], Awaitable[Response]]
FormEndpoint = Callable[[Request, Session, FormData], Awaitable[Response]]


def page(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """A GET page for logged-in staff; others go to the login page."""

    async def wrapped(request: Request) -> Response:
        session = _state(request).sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return _redirect("/login")
        return await endpoint(request, session)

    return wrapped


def action(
    endpoint: FormEndpoint, *, writes_deck: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """A POST for logged-in staff: same origin and the session's CSRF token, or 403."""

    async def wrapped(request: Request) -> Response:
        state = _state(request)
        session = state.sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return PlainTextResponse("Log in first.", status_code=401)
        if not _same_origin(request):
            return PlainTextResponse("Refused: the form came from another site.", status_code=403)
        form = await request.form(max_files=1, max_fields=200, max_part_size=MAX_FORM_BYTES)
        try:
            return await _checked(request, state, session, form, endpoint, writes_deck)
        finally:
            await form.close()  # uploaded files are spooled to disk: let them go now

    return wrapped


async def _checked(
    request: Request,
    state: State,
    session: Session,
    form: FormData,
    endpoint: FormEndpoint,
    writes_deck: bool,
) -> Response:
    token = form.get("csrf")
    if not isinstance(token, str) or not tokens_equal(token, session.csrf):
        return PlainTextResponse(
            "Refused: the form is out of date or was not sent by this console "
            "(reload the page and try again).",
            status_code=403,
        )
    if writes_deck and (managed := _git_root(state)) is not None:
        return PlainTextResponse(
            f"The deck is managed by git in {managed}: change it there; "
            "the console shows it read-only.",
            status_code=409,
        )
    return await endpoint(request, session, form)


def _text(form: FormData, name: str, limit: int = 20_000) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


async def _problems(state: State, folder: Path) -> list[str]:
    """`kiosk validate`'s messages for the folder, remembered by content fingerprint."""
    key = await run_in_threadpool(deck_fingerprint, folder)
    with _validated_lock:
        cached = _validated.get(key)
    if cached is not None:
        return cached
    found = await run_in_threadpool(validation_problems, folder)
    with _validated_lock:
        if len(_validated) > 64:
            _validated.clear()
        _validated[key] = found
    return found


def _screen_size(state: State) -> tuple[int, int]:
    status = read_status(state.settings.status_path)
    size = status.get("screen_size") if status else None
    if (
        isinstance(size, list)
        and len(size) == 2
        and all(isinstance(n, int) and 320 <= n <= 8192 for n in size)
    ):
        return size[0], size[1]
    return DEFAULT_SIZE


# -- login -----------------------------------------------------------------------------------


async def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(24)
    response = _page(request, "login.html", {"login_token": token, "error": ""}, None)
    _set_cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
    return response


def _set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=_state(request).settings.secure_cookies,
        path="/",
    )


async def login(request: Request) -> Response:
    state = _state(request)
    if not _same_origin(request):
        return PlainTextResponse("Refused: the form came from another site.", status_code=403)
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    name = _text(form, "user", 64).strip().lower()
    password = _text(form, "password", 300)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    token = _text(form, "login_token", 100)
    if not cookie or not tokens_equal(cookie, token):
        return PlainTextResponse(
            "Refused: the login form is out of date (reload the page).", status_code=403
        )
    client = _client(request)
    keys = (f"user:{name}", f"address:{client}")

    def again(error: str, status_code: int) -> Response:
        response = _page(
            request, "login.html", {"login_token": token, "error": error}, None, status_code
        )
        return response

    wait = state.limiter.locked(*keys)
    if wait > 0:
        log.warning("console login refused (locked out): user=%s from=%s", name, client)
        minutes = max(1, round(wait / 60))
        return again(f"Too many wrong passwords. Try again in about {minutes} minutes.", 429)
    users = await run_in_threadpool(read_users, state.settings.users_path)
    ok = bool(USER_NAME.fullmatch(name)) and await run_in_threadpool(
        check_password, users, name, password
    )
    if not ok:
        state.limiter.failed(*keys)
        log.warning("console login failed: user=%s from=%s", name, client)
        return again("Wrong name or password.", 401)
    state.limiter.succeeded(*keys)
    session_token, _ = state.sessions.create(name)
    log.info("console login: user=%s from=%s", name, client)
    response = _redirect("/")
    _set_cookie(request, response, SESSION_COOKIE, session_token)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


async def logout(request: Request, session: Session, form: FormData) -> Response:
    _state(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    log.info("console logout: user=%s", session.user)
    response = _redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- status ----------------------------------------------------------------------------------


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def verdict(status: Mapping[str, Any] | None, now: float, idle_timeout: float) -> dict[str, Any]:
    """Is the screen drawing? `ok` plus one sentence. The kiosk draws only when something
    changes, so a still slide is fine for a while; a stale status file never is."""
    if status is None:
        return {
            "ok": False,
            "headline": "NOT drawing",
            "reason": "There is no status file: the kiosk is not running on this machine "
            "(or runs as another user).",
        }
    updated = float(status.get("updated_at") or 0)
    frame = float(status.get("last_frame_at") or 0)
    if now - updated > STALE_SECONDS:
        return {
            "ok": False,
            "headline": "NOT drawing",
            "reason": f"The kiosk last wrote its status {_age(now - updated)} ago: it has "
            "stopped or is stuck.",
        }
    if status.get("mode") == "rest":
        return {
            "ok": True,
            "headline": "Resting",
            "reason": "Outside clinic hours: the screen is still on purpose until someone "
            "touches it.",
        }
    # Attract mode changes slide every few seconds; a visitor may read one slide until the
    # idle timeout sends the kiosk back to the loop.
    limit = idle_timeout + 60
    if frame and now - frame > limit:
        return {
            "ok": False,
            "headline": "NOT drawing",
            "reason": f"The kiosk is running but drew its last frame {_age(now - frame)} ago.",
        }
    return {
        "ok": True,
        "headline": "Drawing",
        "reason": f"Last frame {_age(now - frame)} ago." if frame else "Running.",
    }


async def status_page(request: Request, session: Session) -> Response:
    state = _state(request)
    status = read_status(state.settings.status_path)
    now = state.settings.wall()
    live = state.decks.current()
    idle = 90.0
    if live is not None:
        with contextlib.suppress(editing.EditError):
            settings = editing.read_settings(state.decks.live_folder() / "deck.yaml")  # type: ignore[operator]
            if settings.idle_timeout.isdigit():
                idle = float(settings.idle_timeout)
    errors = list(reversed(status.get("errors", []))) if status else []
    for error in errors:
        error["when"] = _clock(error.get("at"))
    context = {
        "status": status,
        "verdict": verdict(status, now, idle),
        "live": live,
        "errors": errors,
        "uptime": _age(float(status.get("uptime_seconds", 0))) if status else "",
        "updated": _age(now - float(status.get("updated_at", 0))) if status else "",
        "reload_at": _clock((status.get("last_reload") or {}).get("at")) if status else "",
        "out_of_date": bool(
            status and live and (status.get("deck") or {}).get("hash") not in ("", live.hash)
        ),
    }
    return _page(request, "status.html", context, session)


def _clock(at: object) -> str:
    if not isinstance(at, int | float):
        return ""
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S")


# -- previews --------------------------------------------------------------------------------


def _preview_folder(state: State, which: str) -> Path:
    if which == "draft":
        return state.decks.ensure_draft()
    return state.decks.live_folder() or state.decks.ensure_draft()


async def previews_page(request: Request, session: Session) -> Response:
    state = _state(request)
    which = "draft" if request.query_params.get("deck") == "draft" else "live"
    folder = _preview_folder(state, which)
    size = _screen_size(state)
    key, manifest = await run_in_threadpool(state.previews.request, folder, size)
    context = {
        "which": which,
        "key": key,
        "manifest": manifest,
        "size": size,
        "has_live": state.decks.current() is not None,
    }
    return _page(request, "previews.html", context, session)


async def preview_image(request: Request) -> Response:
    state = _state(request)
    if state.sessions.get(request.cookies.get(SESSION_COOKIE)) is None:
        return PlainTextResponse("Log in first.", status_code=401)
    path = state.previews.file(request.path_params["key"], request.path_params["name"])
    if path is None:
        return PlainTextResponse("No such preview.", status_code=404)
    headers = {"Cache-Control": "private, max-age=86400", "Content-Security-Policy": IMAGE_CSP}
    return FileResponse(path, media_type="image/png", headers=headers)


# -- statistics ------------------------------------------------------------------------------


def _range(request: Request, today: date) -> tuple[date, date, str]:
    """The chosen days (default: the last 30), and a sentence if the input was not usable."""
    default = (today - timedelta(days=29), today)
    try:
        first = date.fromisoformat(request.query_params.get("from") or default[0].isoformat())
        last = date.fromisoformat(request.query_params.get("to") or default[1].isoformat())
    except ValueError:
        return *default, "Dates are written as YYYY-MM-DD; showing the last 30 days."
    if first > last:
        return *default, "The first day is after the last; showing the last 30 days."
    if (last - first).days > 3660:
        return *default, "Choose at most ten years; showing the last 30 days."
    return first, last, ""


def _deck_order(state: State) -> list[str]:
    folder = state.decks.live_folder() or state.decks.ensure_draft()
    langs = editing.languages(folder / "deck.yaml")
    order: list[str] = []
    for name in sorted(p.name for p in folder.glob("*.yaml") if p.name != "deck.yaml"):
        with contextlib.suppress(editing.EditError):
            order.extend(s.id for s in editing.read_slides(folder / name, langs))
    return order


def _larger_text(status: Mapping[str, Any] | None) -> tuple[int, int] | None:
    counters = status.get("counters") if status else None
    if not isinstance(counters, dict):
        return None
    used, sessions = counters.get("larger_text"), counters.get("sessions")
    if isinstance(used, int) and isinstance(sessions, int):
        return used, sessions
    return None


async def stats_page(request: Request, session: Session) -> Response:
    state = _state(request)
    first, last, warning = _range(request, date.today())
    query = urlencode({"from": first.isoformat(), "to": last.isoformat()})
    status = read_status(state.settings.status_path)
    try:
        order = await run_in_threadpool(_deck_order, state)
        data = await run_in_threadpool(charts.report, state.settings.stats_path, first, last, order)
        unavailable = ""
    except charts.StatsUnavailableError as error:
        data, unavailable = None, str(error)
    context = {
        "first": first,
        "last": last,
        "warning": warning,
        "query": query,
        "data": data,
        "unavailable": unavailable,
        "larger_text": _larger_text(status),
        "started": _clock(status.get("started_at")) if status else "",
    }
    return _page(request, "stats.html", context, session)


async def stats_chart(request: Request, session: Session) -> Response:
    state = _state(request)
    first, last, _ = _range(request, date.today())
    name = request.path_params["name"]
    try:
        order = await run_in_threadpool(_deck_order, state)
        data = await run_in_threadpool(charts.report, state.settings.stats_path, first, last, order)
    except charts.StatsUnavailableError as error:
        return PlainTextResponse(str(error), status_code=404)
    larger = _larger_text(read_status(state.settings.status_path))
    svg = await run_in_threadpool(charts.chart, name, data, larger)
    if svg is None:
        return PlainTextResponse("No such chart.", status_code=404)
    headers = {"Content-Security-Policy": IMAGE_CSP, "Cache-Control": "private, max-age=60"}
    return Response(svg, media_type="image/svg+xml", headers=headers)


async def stats_csv(request: Request, session: Session) -> Response:
    state = _state(request)
    table = request.path_params["table"]
    if table not in ("views", "sessions"):
        return PlainTextResponse("No such table.", status_code=404)
    first, last, _ = _range(request, date.today())
    try:
        text = await run_in_threadpool(
            charts.csv_text, state.settings.stats_path, table, first, last
        )
    except charts.StatsUnavailableError as error:
        return PlainTextResponse(str(error), status_code=404)
    filename = f"kiosk-{table}-{first:%Y%m%d}-{last:%Y%m%d}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# -- editing ---------------------------------------------------------------------------------


def _slides_by_file(state: State) -> tuple[list[str], list[dict[str, Any]], str]:
    draft = state.decks.ensure_draft()
    langs = editing.languages(draft / "deck.yaml")
    files = []
    problem = ""
    for name in state.decks.section_files():
        try:
            data = editing.load(draft / name)
            section = data.get("section") if isinstance(data, Mapping) else None
            files.append(
                {
                    "name": name,
                    "section": editing._text(section, langs[0]) or name,
                    "slides": editing.read_slides(draft / name, langs),
                }
            )
        except editing.EditError as error:
            problem = str(error)
    return langs, files, problem


def _problem_lines(problems: list[str], file: str, index: int | None = None) -> list[str]:
    """The problems about one section file (and one slide in it, when `index` is given)."""
    mine = []
    for line in problems:
        if f"/{file}:" not in line:
            continue
        if index is not None and f"slides[{index}]" not in line:
            continue
        mine.append(line)
    return mine


async def edit_page(request: Request, session: Session) -> Response:
    state = _state(request)
    langs, files, problem = await run_in_threadpool(_slides_by_file, state)
    problems = await _problems(state, state.decks.draft)
    context = {
        "langs": langs,
        "files": files,
        "problem": problem,
        "problems": problems,
        "base": state.decks.draft_base(),
        "live": state.decks.current(),
        "changed": await run_in_threadpool(state.decks.draft_changed),
        "kinds": editing.TEMPLATE_KINDS,
    }
    return _page(request, "edit.html", context, session)


def _images(state: State) -> list[str]:
    folder = state.decks.draft_assets / "images"
    if not folder.is_dir():
        return []
    return sorted(
        f"images/{p.name}"
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in (".png", ".jpg", ".jpeg", ".svg")
    )


def _slide_or_404(state: State, file: str, slide_id: str) -> tuple[Path, editing.SlideText]:
    path = state.decks.section_path(file)  # ValueError for any name not in the deck
    langs = editing.languages(state.decks.draft / "deck.yaml")
    for slide in editing.read_slides(path, langs):
        if slide.id == slide_id:
            return path, slide
    raise ValueError(f"there is no slide {slide_id!r} in {file}")


async def slide_page(request: Request, session: Session) -> Response:
    state = _state(request)
    file, slide_id = request.path_params["file"], request.path_params["slide"]
    try:
        _, slide = _slide_or_404(state, file, slide_id)
    except (ValueError, editing.EditError) as error:
        return PlainTextResponse(str(error), status_code=404)
    problems = await _problems(state, state.decks.draft)
    size = _screen_size(state)
    # The draft's whole-deck previews, when drawn already, hold this slide as saved.
    key = await run_in_threadpool(state.previews.key, state.decks.draft, size)
    drawn = state.previews.manifest(key) or {}
    mine = [shot for shot in drawn.get("slides", []) if shot.get("id") == slide_id]
    if mine:
        preview: dict[str, Any] = {**drawn, "slides": mine, "problems": []}
    else:
        key, preview = await run_in_threadpool(
            state.previews.live, state.decks.draft, size, slide_id
        )
    context = {
        "slide": slide,
        "langs": editing.languages(state.decks.draft / "deck.yaml"),
        "problems": _problem_lines(problems, file, slide.index),
        "file_problems": [p for p in problems if f"/{file}:" not in p][:10],
        "images": _images(state),
        "preview_key": key,
        "preview": preview,
        "error": request.query_params.get("error", "")[:300],
    }
    return _page(request, "slide.html", context, session)


def _edit_form(form: FormData, langs: list[str]) -> dict[str, str]:
    fields = {}
    for lang in langs:
        for part in ("title", "body", "bullets"):
            fields[f"{part}.{lang}"] = _text(form, f"{part}.{lang}")
    return fields


def _chosen_image(state: State, form: FormData) -> str | None:
    """The picked image, only if it is one of the draft's images ("" = no picture)."""
    if "image" not in form:
        return None
    image = _text(form, "image", 200)
    if image and image not in _images(state):
        raise editing.EditError("choose one of the deck's images")
    return image


def _apply_image(path: Path, slide_id: str, image: str | None) -> None:
    if image is None:
        return
    data = editing.load(path)
    for slide in data.get("slides", []):
        if isinstance(slide, Mapping) and slide.get("id") == slide_id:
            if image:
                slide["image"] = image  # type: ignore[index]
            elif "image" in slide:
                del slide["image"]  # type: ignore[attr-defined]
    editing.save(path, data)


async def save_slide(request: Request, session: Session, form: FormData) -> Response:
    state = _state(request)
    file, slide_id = request.path_params["file"], request.path_params["slide"]
    try:
        path, _ = _slide_or_404(state, file, slide_id)
        langs = editing.languages(state.decks.draft / "deck.yaml")
        image = _chosen_image(state, form)
        editing.edit_slide(path, slide_id, langs, _edit_form(form, langs))
        _apply_image(path, slide_id, image)
    except ValueError as error:
        target = f"/edit/slide/{file}/{slide_id}"
        if not isinstance(error, editing.EditError):
            return PlainTextResponse(str(error), status_code=404)
        return RedirectResponse(f"{target}?{urlencode({'error': str(error)})}", status_code=303)
    log.info("draft edited: slide %s in %s by %s", slide_id, file, session.user)
    return _redirect(f"/edit/slide/{file}/{slide_id}", "Saved to the draft.")


async def live_preview(request: Request, session: Session, form: FormData) -> Response:
    """The slide as the form says now, drawn from a scratch copy of the draft (nothing is
    saved): JSON with the problems and one image URL per language."""
    state = _state(request)
    file, slide_id = request.path_params["file"], request.path_params["slide"]
    try:
        _slide_or_404(state, file, slide_id)
    except (ValueError, editing.EditError) as error:
        return JSONResponse({"error": str(error)}, status_code=404)
    langs = editing.languages(state.decks.draft / "deck.yaml")
    scratch = Path(tempfile.mkdtemp(prefix="preview.", dir=state.settings.cache_dir))
    try:
        shutil.copytree(state.decks.draft, scratch / "slides")
        # The images are only read: the scratch deck shares the draft's assets.
        (scratch / "assets").symlink_to(state.decks.draft_assets.resolve())
        try:
            image = _chosen_image(state, form)
            editing.edit_slide(scratch / "slides" / file, slide_id, langs, _edit_form(form, langs))
            _apply_image(scratch / "slides" / file, slide_id, image)
        except editing.EditError as error:
            return JSONResponse({"error": str(error), "problems": [], "images": {}})
        key, manifest = await run_in_threadpool(
            state.previews.live, scratch / "slides", _screen_size(state), slide_id
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    slides = manifest.get("slides") or []
    images = {
        lang: f"/preview-img/{key}/{name}"
        for lang, name in (slides[0]["files"].items() if slides else [])
    }
    return JSONResponse({"error": "", "problems": manifest.get("problems", []), "images": images})


async def add_slide(request: Request, session: Session, form: FormData) -> Response:
    state = _state(request)
    file, slide_id = _text(form, "file", 100), _text(form, "id", 100).strip()
    try:
        path = state.decks.section_path(file)
        langs, files, _ = _slides_by_file(state)
        taken = {s.id for f in files for s in f["slides"]}
        editing.add_slide(path, slide_id, _text(form, "kind", 40), langs, taken)
    except ValueError as error:
        return _redirect("/edit", f"Not added: {error}.")
    log.info("draft edited: slide %s added to %s by %s", slide_id, file, session.user)
    return _redirect(f"/edit/slide/{file}/{slide_id}", "Added from the template: write its text.")


async def move_slide(request: Request, session: Session, form: FormData) -> Response:
    state = _state(request)
    file, slide_id = request.path_params["file"], request.path_params["slide"]
    step = -1 if _text(form, "direction", 10) == "up" else 1
    try:
        path, _ = _slide_or_404(state, file, slide_id)
        editing.move_slide(path, slide_id, step)
    except ValueError as error:
        return _redirect("/edit", f"Not moved: {error}.")
    return _redirect("/edit", f"Moved {slide_id} {'up' if step < 0 else 'down'}.")


async def delete_slide(request: Request, session: Session, form: FormData) -> Response:
    state = _state(request)
    file, slide_id = request.path_params["file"], request.path_params["slide"]
    try:
        path, _ = _slide_or_404(state, file, slide_id)
        editing.delete_slide(path, slide_id)
    except ValueError as error:
        return _redirect("/edit", f"Not deleted: {error}.")
    log.info("draft edited: slide %s deleted from %s by %s", slide_id, file, session.user)
    return _redirect("/edit", f"Deleted {slide_id} from the draft.")


async def discard_draft(request: Request, session: Session, form: FormData) -> Response:
    state = _state(request)
    await run_in_threadpool(state.decks.reset_draft)
    log.info("draft discarded by %s", session.user)
    return _redirect("/edit", "The draft now matches the live deck again.")


async def settings_page(request: Request, session: Session) -> Response:
    state = _state(request)
    deck_yaml = state.decks.ensure_draft() / "deck.yaml"
    problems = await _problems(state, state.decks.draft)
    context = {
        "settings": editing.read_settings(deck_yaml),
        "language_names": LANGUAGE_NAMES,
        "problems": _problem_lines(problems, "deck.yaml"),
        "error": request.query_params.get("error", "")[:300],
    }
    return _page(request, "settings.html", context, session)


async def save_settings(request: Request, session: Session, form: FormData) -> Response:
    state = _state(request)
    deck_yaml = state.decks.ensure_draft() / "deck.yaml"
    days = tuple(day for day in editing.DAYS if form.get(f"day.{day}") == "on")
    settings = editing.DeckSettings(
        idle_timeout=_text(form, "idle_timeout", 10).strip(),
        always_open=form.get("always_open") == "on",
        opens=_text(form, "open", 10).strip(),
        closes=_text(form, "close", 10).strip(),
        days=days,
        outside_hours=_text(form, "outside_hours", 10),
        take_home_urls=tuple(
            (language, _text(form, f"take_home_url.{language}", 400).strip())
            for language, _ in editing.read_settings(deck_yaml).take_home_urls
        ),
    )
    try:
        editing.edit_settings(deck_yaml, settings)
    except editing.EditError as error:
        return RedirectResponse(
            f"/edit/settings?{urlencode({'error': str(error)})}", status_code=303
        )
    log.info("draft edited: deck settings by %s", session.user)
    return _redirect("/edit/settings", "Saved to the draft.")


async def images_page(request: Request, session: Session) -> Response:
    state = _state(request)
    state.decks.ensure_draft()
    context = {
        "images": _images(state),
        "max_mb": state.settings.max_upload // (1024 * 1024),
        "error": request.query_params.get("error", "")[:300],
    }
    return _page(request, "images.html", context, session)


async def upload_image(request: Request, session: Session, form: FormData) -> Response:
    state = _state(request)
    upload = form.get("image")
    if not isinstance(upload, UploadFile):
        return RedirectResponse("/edit/images?error=Choose+a+file+to+upload.", status_code=303)
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
        return RedirectResponse(
            f"/edit/images?{urlencode({'error': str(error)})}",
            status_code=413 if error.too_large else 303,
        )
    log.info("image uploaded to the draft: %s by %s", name, session.user)
    return _redirect("/edit/images", f"Added images/{name}: choose it on a slide.")


async def draft_image(request: Request, session: Session) -> Response:
    state = _state(request)
    name = request.path_params["name"]
    if f"images/{name}" not in _images(state):
        return PlainTextResponse("No such image.", status_code=404)
    path = state.decks.inside(state.decks.draft_assets / "images", name)
    media = "image/svg+xml" if name.endswith(".svg") else None
    return FileResponse(path, media_type=media, headers={"Content-Security-Policy": IMAGE_CSP})


# -- publishing ------------------------------------------------------------------------------


async def publish_page(request: Request, session: Session) -> Response:
    state = _state(request)
    state.decks.ensure_draft()
    problems = await _problems(state, state.decks.draft)
    context = {
        "versions": state.decks.versions(),
        "live": state.decks.current(),
        "problems": problems,
        "changed": await run_in_threadpool(state.decks.draft_changed),
        "audit": _audit_entries(state),
        "error_lines": [],
    }
    return _page(request, "publish.html", context, session)


async def publish_draft(request: Request, session: Session, form: FormData) -> Response:
    state = _state(request)
    note = editing.one_line(_text(form, "note", 300))
    state.decks.ensure_draft()
    problems = await _problems(state, state.decks.draft)
    if not problems:
        try:
            version = await run_in_threadpool(
                lambda: state.decks.publish(who=session.user, note=note)
            )
        except PublishError as error:
            problems = error.problems
    if problems:
        log.warning("publish refused for %s: %d problem(s)", session.user, len(problems))
        context = {
            "versions": state.decks.versions(),
            "live": state.decks.current(),
            "problems": problems,
            "changed": True,
            "audit": _audit_entries(state),
            "error_lines": problems,
        }
        return _page(request, "publish.html", context, session, status_code=409)
    log.info("published version %s by %s (%s)", version.id, session.user, note or "no note")
    _audit(state, session.user, "publish", version=version.id, note=note)
    return _redirect("/publish", f"Version {version.id} is live.")


async def rollback(request: Request, session: Session, form: FormData) -> Response:
    state = _state(request)
    version_id = _text(form, "version", 100)
    try:
        version = await run_in_threadpool(
            lambda: state.decks.rollback(version_id, who=session.user)
        )
    except PublishError as error:
        return PlainTextResponse(" ".join(error.problems), status_code=404)
    log.info("rolled back to version %s by %s", version.id, session.user)
    _audit(state, session.user, "rollback", version=version.id)
    return _redirect("/publish", f"Version {version.id} is live again.")


# -- staff PIN -------------------------------------------------------------------------------


async def pin_page(request: Request, session: Session) -> Response:
    return _page(request, "pin.html", {"error": request.query_params.get("error", "")}, session)


async def set_pin(request: Request, session: Session, form: FormData) -> Response:
    state = _state(request)
    pin, again = _text(form, "pin", 20), _text(form, "pin_again", 20)
    error = ""
    try:
        staff_pin.check_pin_format(pin)
    except staff_pin.PinError as problem:
        error = f"{str(problem)[:1].upper()}{str(problem)[1:]}."
    if not error and pin != again:
        error = "The two PINs are not the same."
    if error:
        return RedirectResponse(f"/pin?{urlencode({'error': error})}", status_code=303)
    await run_in_threadpool(staff_pin.set_pin, pin, state.settings.pin_path)
    log.info("staff PIN changed by %s", session.user)
    _audit(state, session.user, "staff-pin")
    return _redirect("/pin", "The new staff PIN is saved.")


# -- the app ---------------------------------------------------------------------------------


def create_app(settings: ConsoleSettings) -> Starlette:
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.cache_dir, 0o700)
    slide = "/edit/slide/{file}/{slide}"
    routes = [
        Route("/", page(status_page)),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", action(logout), methods=["POST"]),
        Route("/previews", page(previews_page)),
        Route("/preview-img/{key}/{name:path}", preview_image),
        Route("/stats", page(stats_page)),
        Route("/stats/chart/{name}.svg", page(stats_chart)),
        Route("/stats/{table}.csv", page(stats_csv)),
        Route("/edit", page(edit_page)),
        Route("/edit/add", action(add_slide, writes_deck=True), methods=["POST"]),
        Route("/edit/discard", action(discard_draft, writes_deck=True), methods=["POST"]),
        Route("/edit/settings", page(settings_page), methods=["GET"]),
        Route("/edit/settings", action(save_settings, writes_deck=True), methods=["POST"]),
        Route(UPLOAD_PATH, page(images_page), methods=["GET"]),
        Route(UPLOAD_PATH, action(upload_image, writes_deck=True), methods=["POST"]),
        Route("/edit/images/{name}", page(draft_image)),
        Route(slide, page(slide_page), methods=["GET"]),
        Route(slide, action(save_slide, writes_deck=True), methods=["POST"]),
        Route(slide + "/preview", action(live_preview), methods=["POST"]),
        Route(slide + "/move", action(move_slide, writes_deck=True), methods=["POST"]),
        Route(slide + "/delete", action(delete_slide, writes_deck=True), methods=["POST"]),
        Route("/publish", page(publish_page), methods=["GET"]),
        Route("/publish", action(publish_draft, writes_deck=True), methods=["POST"]),
        Route("/rollback", action(rollback, writes_deck=True), methods=["POST"]),
        Route("/pin", page(pin_page), methods=["GET"]),
        Route("/pin", action(set_pin), methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)
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


__all__ = ["ConsoleSettings", "create_app", "verdict"]
