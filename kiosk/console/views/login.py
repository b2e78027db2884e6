"""Logging in and out: a login form with its own token (a cookie and a field that must
match), the rate limit, and the session cookie."""

from __future__ import annotations

import logging
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from kiosk.console.auth import USER_NAME, Session, check_password, read_users, tokens_equal
from kiosk.console.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    client_address,
    cross_site,
    same_origin,
    set_cookie,
)
from kiosk.console.state import state_of
from kiosk.console.views.common import redirect, render, text

log = logging.getLogger("kiosk.console")


async def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"login_token": token, "error": ""}, None)
    set_cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
    return response


async def login(request: Request) -> Response:
    state = state_of(request)
    if not same_origin(request):
        return cross_site()
    form = await request.form(max_files=0, max_fields=10, max_part_size=4096)
    name = text(form, "user", 64).strip().lower()
    password = text(form, "password", 300)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    token = text(form, "login_token", 100)
    if not cookie or not tokens_equal(cookie, token):
        return PlainTextResponse(
            "Refused: the login form is out of date (reload the page).", status_code=403
        )
    client = client_address(request)
    keys = (f"user:{name}", f"address:{client}")

    def again(error: str, status_code: int) -> Response:
        context = {"login_token": token, "error": error}
        return render(request, "login.html", context, None, status_code)

    wait = state.limiter.begin(*keys)  # counted now, before the costly check
    if wait > 0:
        log.warning("console login refused (locked out): user=%s from=%s", name, client)
        minutes = max(1, round(wait / 60))
        return again(f"Too many wrong passwords. Try again in about {minutes} minutes.", 429)
    try:
        async with state.hashing.slot() as admitted:
            if not admitted:
                log.warning("console login refused (busy): user=%s from=%s", name, client)
                return again("The console is busy checking other logins. Try again.", 429)
            users = await run_in_threadpool(read_users, state.settings.users_path)
            ok = bool(USER_NAME.fullmatch(name)) and await run_in_threadpool(
                check_password, users, name, password
            )
    finally:
        state.limiter.done(*keys)
    if not ok:
        state.limiter.failed(*keys)
        log.warning("console login failed: user=%s from=%s", name, client)
        return again("Wrong name or password.", 401)
    state.limiter.succeeded(*keys)
    session_token, _ = state.sessions.create(name)
    log.info("console login: user=%s from=%s", name, client)
    response = redirect("/")
    set_cookie(request, response, SESSION_COOKIE, session_token)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


async def logout(request: Request, session: Session, form: FormData) -> Response:
    state_of(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    log.info("console logout: user=%s", session.user)
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
