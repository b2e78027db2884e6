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
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from kiosk.ops.stats.store import RATINGS, SKIP_SECONDS

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
VIEW_COLUMNS = ("minute", "slide_id", "mode", "language", "dwell_seconds")
SESSION_COLUMNS = ("minute", "seconds", "slides", "languages")
# Dark blue on white: 10:1 contrast, also for readers with colour-vision deficiencies.
INK = "#1b2a4a"
BAR = "#1f5fa8"
SECOND_BAR = "#b35c00"
THIRD_BAR = "#6b6b6b"
RATING_WORDS = {"helpful": "Helpful", "somewhat": "Somewhat", "not_helpful": "Not helpful"}


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
class QuestionFigures:
    """One question in one language: visitors who answered, and who were right at once."""

    question: str
    language: str
    answered: int
    right_first: int

    @property
    def label(self) -> str:
        return f"{self.question} ({self.language})"

    @property
    def percent(self) -> int | None:
        return round(100 * self.right_first / self.answered) if self.answered else None


@dataclass
class TopicFigures:
    """One topic's "Was this helpful?" answers, all languages together."""

    topic: str
    counts: dict[str, int]  # rating -> count, every rating of RATINGS

    @property
    def total(self) -> int:
        return sum(self.counts.values())


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
    answers: list[QuestionFigures] = field(default_factory=list)
    helpfulness: list[TopicFigures] = field(default_factory=list)


def _hour_bounds(first: date, last: date) -> tuple[str, str]:
    return f"{first:%Y-%m-%d} 00", f"{last + timedelta(days=1):%Y-%m-%d} 00"


def _tables(path: Path) -> set[str]:
    """The tables in the file: one from a kiosk before questions has no answers table."""
    return {str(name) for (name,) in _rows(path, "SELECT name FROM sqlite_master", ())}


def _answers(
    path: Path, first: date, last: date, order: Sequence[str]
) -> tuple[list[QuestionFigures], list[TopicFigures]]:
    tables = _tables(path)
    low, high = _hour_bounds(first, last)
    answers: list[QuestionFigures] = []
    if "answers" in tables:
        answers = [
            QuestionFigures(str(q), str(lang), int(n), int(right))  # type: ignore[call-overload]
            for q, lang, n, right in _rows(
                path,
                "SELECT question, language, SUM(answered), SUM(right_first) FROM answers "
                "WHERE hour >= ? AND hour < ? GROUP BY question, language",
                (low, high),
            )
        ]
    rank = {slide_id: position for position, slide_id in enumerate(order)}
    answers.sort(key=lambda a: (rank.get(a.question, len(rank)), a.question, a.language))
    topics: dict[str, TopicFigures] = {}
    if "helpfulness" in tables:
        for topic, rating, n in _rows(
            path,
            "SELECT topic, rating, SUM(count) FROM helpfulness WHERE hour >= ? AND hour < ? "
            "GROUP BY topic, rating",
            (low, high),
        ):
            if rating in RATINGS:
                figures = topics.setdefault(
                    str(topic), TopicFigures(str(topic), dict.fromkeys(RATINGS, 0))
                )
                figures.counts[str(rating)] = int(n)  # type: ignore[call-overload]
    return answers, [topics[name] for name in sorted(topics)]


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
    answers, helpfulness = _answers(path, first, last, order)
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
        answers=answers,
        helpfulness=helpfulness,
    )


def answers_csv_text(path: Path, first: date, last: date) -> str:
    """The hourly counts of answers and ratings in the range, one count per row, in the
    same columns as `kiosk stats --answers-csv`."""
    tables = _tables(path)
    low, high = _hour_bounds(first, last)
    rows: list[tuple[object, ...]] = []
    if "answers" in tables:
        for hour, question, language, answered, right in _rows(
            path,
            "SELECT hour, question, language, answered, right_first FROM answers "
            "WHERE hour >= ? AND hour < ?",
            (low, high),
        ):
            rows.append((hour, "question", question, language, "answered", answered))
            rows.append((hour, "question", question, language, "right_first", right))
    if "helpfulness" in tables:
        rows.extend(
            (hour, "topic", topic, language, rating, n)
            for hour, topic, language, rating, n in _rows(
                path,
                "SELECT hour, topic, language, rating, count FROM helpfulness "
                "WHERE hour >= ? AND hour < ?",
                (low, high),
            )
        )
    rows.sort(key=lambda row: tuple(str(cell) for cell in row[:4]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("hour", "kind", "name", "language", "outcome", "count"))
    writer.writerows(rows)
    return out.getvalue()


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


def _values(
    axes: Any, bars: Any, labels: Sequence[str], series: str, color: str = INK, **style: Any
) -> None:
    """The counts beside (or inside) bars, each marked `value-SERIES-N` in the SVG so a test
    can read the numbers the chart shows."""
    texts = axes.bar_label(bars, labels=list(labels), color=color, fontsize=9, **style)
    for n, text in enumerate(texts):
        text.set_gid(f"value-{series}-{n}")


def answer_bars(data: Report) -> str:
    """Per question and language: answered, and right at the first tap, side by side."""
    answers = data.answers
    figure = _figure(max(2.2, 0.55 * len(answers) + 1.4))
    axes = figure.add_subplot()
    height = 0.4
    answered = axes.barh(
        [n - height / 2 for n in range(len(answers))],
        [a.answered for a in answers],
        height,
        color=BAR,
        label="answered",
    )
    right = axes.barh(
        [n + height / 2 for n in range(len(answers))],
        [a.right_first for a in answers],
        height,
        color=SECOND_BAR,
        label="right at the first tap",
    )
    axes.set_yticks(list(range(len(answers))), [a.label for a in answers])
    axes.invert_yaxis()
    _values(axes, answered, [str(a.answered) for a in answers], "answered", padding=3)
    _values(axes, right, [str(a.right_first) for a in answers], "right", padding=3)
    axes.set_xlabel("visitors", color=INK)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(left=0, right=max([a.answered for a in answers] + [1]) * 1.1)
    title = "Answers to the questions"
    axes.set_title(title, color=INK, loc="left", fontsize=12)
    # Under the axes, where it never covers a bar.
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncols=2, frameon=False, fontsize=9)
    _style(axes)
    return _svg(figure, title)


def helpful_bars(data: Report) -> str:
    """Per topic: helpful, somewhat, not helpful, stacked, each part with its count."""
    topics = data.helpfulness
    figure = _figure(max(2.2, 0.45 * len(topics) + 1.6))
    axes = figure.add_subplot()
    left = [0] * len(topics)
    for rating, color in zip(RATINGS, (BAR, SECOND_BAR, THIRD_BAR), strict=True):
        values = [t.counts[rating] for t in topics]
        bars = axes.barh(
            list(range(len(topics))), values, left=left, color=color, label=RATING_WORDS[rating]
        )
        # A count inside each part that has one; empty parts get no "0" label over others.
        labels = [str(v) if v else "" for v in values]
        _values(axes, bars, labels, rating, color="white", label_type="center")
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(list(range(len(topics))), [t.topic for t in topics])
    axes.invert_yaxis()
    axes.set_xlabel("answers", color=INK)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    title = "Was this helpful? per topic"
    axes.set_title(title, color=INK, loc="left", fontsize=12)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=3, frameon=False, fontsize=9)
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
    if name == "answers" and data.answers:
        return answer_bars(data)
    if name == "helpful" and data.helpfulness:
        return helpful_bars(data)
    if name == "larger-text" and larger_text is not None and any(larger_text):
        used, sessions = larger_text
        return horizontal_bars(
            ["sessions", "used A+"],
            [sessions, used],
            "Larger text (A+) since the kiosk started",
            "count",
        )
    return None
