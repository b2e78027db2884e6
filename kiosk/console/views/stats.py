"""The Statistics page: views and visits over chosen days, its charts and its CSV files."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from kiosk.console import charts, editing
from kiosk.console.auth import Session
from kiosk.console.security import IMAGE_CSP
from kiosk.console.state import State, state_of
from kiosk.console.views.common import clock, render
from kiosk.ops.status import read_status


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
    state = state_of(request)
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
        "started": clock(status.get("started_at")) if status else "",
    }
    return render(request, "stats.html", context, session)


async def stats_chart(request: Request, session: Session) -> Response:
    state = state_of(request)
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
    state = state_of(request)
    table = request.path_params["table"]
    if table not in ("views", "sessions", "answers"):
        return PlainTextResponse("No such table.", status_code=404)
    first, last, _ = _range(request, date.today())
    try:
        if table == "answers":
            text = await run_in_threadpool(
                charts.answers_csv_text, state.settings.stats_path, first, last
            )
        else:
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
