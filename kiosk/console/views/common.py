"""What every page shares: the templates, page assembly, redirects, form fields and times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from kiosk.console import editing
from kiosk.console.auth import Session
from kiosk.console.state import git_root, screen_elsewhere, state_of

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES))
templates.env.globals["weekdays"] = editing.DAYS


def readable_time(text: object) -> str:
    """ "2026-11-25T16:13:03+00:00" -> "2026-11-25 16:13 UTC" (anything else unchanged)."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


templates.env.filters["when"] = readable_time


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    session: Session | None,
    status_code: int = 200,
) -> Response:
    """The template `name` with what every page shows (user, CSRF token, git and flash)."""
    state = state_of(request)
    full = {
        "user": session.user if session else None,
        "csrf": session.csrf if session else "",
        "git_root": git_root(state),
        "screen_folder": screen_elsewhere(state),
        "flash": request.query_params.get("done", "")[:200],
        "path": request.url.path,
        **context,
    }
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def redirect(path: str, done: str = "") -> RedirectResponse:
    """303 to `path`, with `done` shown there as the green sentence."""
    target = f"{path}?{urlencode({'done': done})}" if done else path
    return RedirectResponse(target, status_code=303)


def redirect_error(path: str, error: str, status_code: int = 303) -> RedirectResponse:
    return RedirectResponse(f"{path}?{urlencode({'error': error})}", status_code=status_code)


def text(form: FormData, name: str, limit: int = 20_000) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def clock(at: object) -> str:
    if not isinstance(at, int | float):
        return ""
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S")


def problem_lines(problems: list[str], file: str, index: int | None = None) -> list[str]:
    """The problems about one section file (and one slide in it, when `index` is given)."""
    mine = []
    for line in problems:
        if f"/{file}:" not in line:
            continue
        if index is not None and f"slides[{index}]" not in line:
            continue
        mine.append(line)
    return mine
