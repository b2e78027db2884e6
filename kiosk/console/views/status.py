"""The Status page: is the screen drawing, what it shows, and its recent errors."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kiosk.console import editing
from kiosk.console.auth import Session
from kiosk.console.state import state_of
from kiosk.console.views.common import age, clock, render
from kiosk.ops.status import STATUS_SECONDS, read_status

# The status file is rewritten every STATUS_SECONDS; three missed writes mean the loop is gone.
STALE_SECONDS = 3 * STATUS_SECONDS + 4


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
            "reason": f"The kiosk last wrote its status {age(now - updated)} ago: it has "
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
            "reason": f"The kiosk is running but drew its last frame {age(now - frame)} ago.",
        }
    return {
        "ok": True,
        "headline": "Drawing",
        "reason": f"Last frame {age(now - frame)} ago." if frame else "Running.",
    }


async def status_page(request: Request, session: Session) -> Response:
    state = state_of(request)
    status = read_status(state.settings.status_path)
    now = state.settings.wall()
    live = state.decks.current()
    idle = 90.0
    if live is not None:
        with contextlib.suppress(editing.EditError):
            settings = editing.read_settings(live.folder / "deck.yaml")
            if settings.idle_timeout.isdigit():
                idle = float(settings.idle_timeout)
    errors = list(reversed(status.get("errors", []))) if status else []
    for error in errors:
        error["when"] = clock(error.get("at"))
    context = {
        "status": status,
        "verdict": verdict(status, now, idle),
        "live": live,
        "errors": errors,
        "uptime": age(float(status.get("uptime_seconds", 0))) if status else "",
        "updated": age(now - float(status.get("updated_at", 0))) if status else "",
        "reload_at": clock((status.get("last_reload") or {}).get("at")) if status else "",
        "out_of_date": bool(
            status and live and (status.get("deck") or {}).get("hash") not in ("", live.hash)
        ),
    }
    return render(request, "status.html", context, session)
