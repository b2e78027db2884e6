"""The console's security rules in one place: response headers, the body size cap, cookies,
the same-origin and CSRF checks, and the decorators every page and form goes through.

A page (`page`) needs a session; a form (`action`) also needs the same origin and the
session's CSRF token, and one that changes the deck (`writes_deck`) is refused while git
manages it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kiosk.console.auth import Session, tokens_equal
from kiosk.console.state import State, git_root, state_of

SESSION_COOKIE = "cvi_console"
LOGIN_COOKIE = "cvi_console_login"
# Forms are small; only the image upload may be larger (capped by ConsoleSettings.max_upload).
MAX_FORM_BYTES = 256 * 1024
UPLOAD_PATH = "/edit/images"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Images (SVG can carry script and style): drawn, never run, even when opened directly.
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

Endpoint = Callable[[Request, Session], Awaitable[Response]]
FormEndpoint = Callable[[Request, Session, FormData], Awaitable[Response]]
Handler = Callable[[Request], Awaitable[Response]]


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


# -- requests --------------------------------------------------------------------------------


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=state_of(request).settings.secure_cookies,
        path="/",
    )


def same_origin(request: Request) -> bool:
    """Browsers send Origin (and Sec-Fetch-Site) on POST; another site's is refused. With
    Referrer-Policy same-origin, our own pages' forms carry our origin, never "null"."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser (or a very old one): the CSRF token still decides
    return urlsplit(origin).netloc == request.headers.get("host", "")


def cross_site() -> Response:
    return PlainTextResponse("Refused: the form came from another site.", status_code=403)


def session_of(request: Request) -> Session | None:
    # The Status page reloads itself every 10 s with ?auto=1: that is not someone working.
    automatic = request.method == "GET" and request.query_params.get("auto") == "1"
    return state_of(request).sessions.get(
        request.cookies.get(SESSION_COOKIE), activity=not automatic
    )


# -- decorators ------------------------------------------------------------------------------


def page(endpoint: Endpoint) -> Handler:
    """A GET page for logged-in staff; others go to the login page."""

    async def wrapped(request: Request) -> Response:
        session = session_of(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        return await endpoint(request, session)

    return wrapped


def action(endpoint: FormEndpoint, *, writes_deck: bool = False) -> Handler:
    """A POST for logged-in staff: same origin and the session's CSRF token, or 403."""

    async def wrapped(request: Request) -> Response:
        state = state_of(request)
        session = session_of(request)
        if session is None:
            return PlainTextResponse("Log in first.", status_code=401)
        if not same_origin(request):
            return cross_site()
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
    if writes_deck and (managed := git_root(state)) is not None:
        return PlainTextResponse(
            f"The deck is managed by git in {managed}: change it there; "
            "the console shows it read-only.",
            status_code=409,
        )
    return await endpoint(request, session, form)
