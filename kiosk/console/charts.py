"""Statistics for the console: read-only queries over a date range, and SVG charts.

Only what the kiosk already records (kiosk.ops.stats) is shown; nothing new is collected. Charts are
drawn by matplotlib (the well-kept standard for static charts; the Agg backend needs no screen)
straight to SVG, which stays sharp on a tablet and needs no JavaScript.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from kiosk.ops.stats.store import SKIP_SECONDS

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
VIEW_COLUMNS = ("minute", "slide_id", "mode", "language", "dwell_seconds")
SESSION_COLUMNS = ("minute", "seconds", "slides", "languages")
# Dark blue on white: 10:1 contrast, also for readers with colour-vision deficiencies.
INK = "#1b2a4a"
BAR = "#1f5fa8"
SECOND_BAR = "#b35c00"


class StatsUnavailableError(Exception):
    """There is no statistics file yet, or it cannot be read; the message says which."""


def _rows(path: Path, sql: str, args: Sequence[object]) -> list[tuple[object, ...]]:
    if not path.is_file():
        raise StatsUnavailableError(
            f"no statistics yet: {path} does not exist (the kiosk creates it)"
        )
    try:
        # Read-only URI: the console can never create, lock for writing or change the file.
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=2)
        try:
            return connection.execute(sql, args).fetchall()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise StatsUnavailableError(f"cannot read {path} as view statistics: {error}") from None


def _bounds(first: date, last: date) -> tuple[str, str]:
    return f"{first:%Y-%m-%d} 00:00", f"{last + timedelta(days=1):%Y-%m-%d} 00:00"


@dataclass
class SlideFigures:
    slide_id: str
    browsing: int = 0
    attract: int = 0
    reading: list[float] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        return statistics.median(self.reading) if self.reading else None


@dataclass
class Report:
    first: date
    last: date
    slides: list[SlideFigures]
    sessions: int
    by_hour: list[int]
    by_weekday: list[int]
    view_languages: dict[str, int]
    session_languages: dict[str, int]
    median_session_seconds: float | None


def report(path: Path, first: date, last: date, order: Sequence[str] = ()) -> Report:
    """Figures for the days `first`..`last` (inclusive); slides in deck `order` where known."""
    low, high = _bounds(first, last)
    views = _rows(
        path,
        "SELECT slide_id, mode, language, dwell_seconds FROM views "
        "WHERE minute >= ? AND minute < ?",
        (low, high),
    )
    sessions = _rows(
        path,
        "SELECT minute, seconds, languages FROM sessions WHERE minute >= ? AND minute < ?",
        (low, high),
    )
    slides: dict[str, SlideFigures] = {}
    languages: Counter[str] = Counter()
    for slide_id, mode, language, dwell in views:
        figures = slides.setdefault(str(slide_id), SlideFigures(str(slide_id)))
        if mode == "browsing":
            figures.browsing += 1
            languages[str(language)] += 1
            if isinstance(dwell, int | float) and dwell >= SKIP_SECONDS:
                figures.reading.append(float(dwell))
        elif mode == "attract":
            figures.attract += 1
    rank = {slide_id: position for position, slide_id in enumerate(order)}
    ordered = sorted(slides.values(), key=lambda f: (rank.get(f.slide_id, len(rank)), f.slide_id))
    by_hour = [0] * 24
    by_weekday = [0] * 7
    session_languages: Counter[str] = Counter()
    lengths = []
    for minute, seconds, langs in sessions:
        try:
            moment = datetime.strptime(str(minute), "%Y-%m-%d %H:%M")
        except ValueError:
            continue
        by_hour[moment.hour] += 1
        by_weekday[moment.weekday()] += 1
        lengths.append(float(seconds))  # type: ignore[arg-type]
        for code in str(langs).split(","):
            if code:
                session_languages[code] += 1
    return Report(
        first=first,
        last=last,
        slides=ordered,
        sessions=len(lengths),
        by_hour=by_hour,
        by_weekday=by_weekday,
        view_languages=dict(languages.most_common()),
        session_languages=dict(session_languages.most_common()),
        median_session_seconds=statistics.median(lengths) if lengths else None,
    )


def csv_text(path: Path, table: str, first: date, last: date) -> str:
    """The raw rows of `views` or `sessions` in the range, as CSV with a header row."""
    columns = {"views": VIEW_COLUMNS, "sessions": SESSION_COLUMNS}[table]
    low, high = _bounds(first, last)
    rows = _rows(
        path,
        f"SELECT {', '.join(columns)} FROM {table} WHERE minute >= ? AND minute < ? "
        "ORDER BY minute, rowid",
        (low, high),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def _figure(height: float) -> Figure:
    figure = Figure(figsize=(8, height), dpi=96, layout="constrained")
    figure.patch.set_facecolor("white")
    return figure


def _svg(figure: Figure, title: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Title": title, "Date": None})
    return buffer.getvalue()


def _style(axes: object) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)  # type: ignore[attr-defined]
    axes.tick_params(colors=INK, labelsize=10)  # type: ignore[attr-defined]


def horizontal_bars(
    labels: Sequence[str], values: Sequence[float], title: str, unit: str, *, counts: bool = True
) -> str:
    figure = _figure(max(2.0, 0.3 * len(labels) + 1.2))
    axes = figure.add_subplot()
    positions = range(len(labels))
    bars = axes.barh(list(positions), list(values), color=BAR)
    axes.set_yticks(list(positions), list(labels))
    axes.invert_yaxis()
    axes.set_xlabel(unit, color=INK)
    axes.set_title(title, color=INK, loc="left", fontsize=12)
    axes.bar_label(bars, fmt="%g", padding=3, color=INK, fontsize=9)
    if counts:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(left=0, right=max([*values, 1]) * 1.08)
    _style(axes)
    return _svg(figure, title)


def columns(labels: Sequence[str], values: Sequence[float], title: str, unit: str) -> str:
    figure = _figure(3.2)
    axes = figure.add_subplot()
    axes.bar(list(labels), list(values), color=BAR)
    axes.set_ylabel(unit, color=INK)
    axes.set_title(title, color=INK, loc="left", fontsize=12)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _style(axes)
    return _svg(figure, title)


def chart(name: str, data: Report, larger_text: tuple[int, int] | None = None) -> str | None:
    """One of the console's charts as SVG text, or None for an unknown name."""
    if name == "views":
        return horizontal_bars(
            [s.slide_id for s in data.slides],
            [s.browsing for s in data.slides],
            "Views by visitors per slide",
            "views while browsing",
        )
    if name == "reading":
        # Only slides someone read: no bar is not the same as a bar of zero seconds.
        read = [s for s in data.slides if s.median is not None]
        return horizontal_bars(
            [s.slide_id for s in read],
            [round(s.median or 0.0, 1) for s in read],
            "Median reading time per slide",
            "seconds (views of 1 s or more)",
            counts=False,
        )
    if name == "hours":
        return columns(
            [f"{h:02d}" for h in range(24)], data.by_hour, "Sessions by hour", "sessions"
        )
    if name == "weekdays":
        return columns(list(WEEKDAYS), data.by_weekday, "Sessions by weekday", "sessions")
    if name == "languages":
        return horizontal_bars(
            list(data.view_languages),
            list(data.view_languages.values()),
            "Language of views while browsing",
            "views",
        )
    if name == "larger-text" and larger_text is not None and any(larger_text):
        used, sessions = larger_text
        return horizontal_bars(
            ["sessions", "used A+"],
            [sessions, used],
            "Larger text (A+) since the kiosk started",
            "count",
        )
    return None
