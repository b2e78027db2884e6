"""The Staff PIN page: the PIN that opens the kiosk's staff menu on the screen."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from kiosk.console import audit
from kiosk.console.auth import Session
from kiosk.console.state import state_of
from kiosk.console.views.common import redirect, redirect_error, render, text
from kiosk.ops import pin as staff_pin

log = logging.getLogger("kiosk.console")


async def pin_page(request: Request, session: Session) -> Response:
    context = {
        "error": request.query_params.get("error", ""),
        # The browser's own check says what the server's does: one rule, from kiosk.ops.pin.
        "pin_min": staff_pin.MIN_DIGITS,
        "pin_max": staff_pin.MAX_DIGITS,
        "pin_pattern": f"[0-9]{{{staff_pin.MIN_DIGITS},{staff_pin.MAX_DIGITS}}}",
    }
    return render(request, "pin.html", context, session)


async def set_pin(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    pin, again = text(form, "pin", 20), text(form, "pin_again", 20)
    error = ""
    try:
        staff_pin.check_pin_format(pin)
    except staff_pin.PinError as problem:
        error = f"{str(problem)[:1].upper()}{str(problem)[1:]}."
    if not error and pin != again:
        error = "The two PINs are not the same."
    if error:
        return redirect_error("/pin", error)
    await run_in_threadpool(staff_pin.set_pin, pin, state.settings.pin_path)
    log.info("staff PIN changed by %s", session.user)
    audit.record(state.settings.audit_path, session.user, "staff-pin")
    return redirect("/pin", "The new staff PIN is saved.")
