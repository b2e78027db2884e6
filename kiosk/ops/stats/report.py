"""Reports on the statistics file for staff: views per slide, visitor sessions, CSV.

Every report opens the file read-only (kiosk.ops.stats.store.query), so staff can run them
while the kiosk is writing and as a user who cannot write.
"""

from __future__ import annotations

import contextlib
import csv
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from kiosk.ops.stats.recorder import ATTRACT, BROWSING
from kiosk.ops.stats.store import (
    IN_TIME_ORDER,
    RATINGS,
    SKIP_SECONDS,
    has_column,
    has_table,
    hour_of,
    query,
    since_clause,
    since_hour_clause,
)


@dataclass(frozen=True)
class SlideSummary:
    """One slide's views. Dwell figures are for browsing only: in attract mode the slide's
    own duration decides, not the visitor."""

    slide_id: str
    attract_views: int
    browsing_views: int  # including skipped ones
    skipped_views: int  # browsing views shorter than a second (flicking past)
    median_dwell: float | None  # seconds, browsing views not skipped; None if there were none
    total_dwell: float  # seconds, all browsing views
    languages: tuple[str, ...]  # in any mode, sorted


@dataclass(frozen=True)
class SessionSummary:
    """Visitor sessions: first touch until the kiosk went back to attract mode."""

    count: int
    median_seconds: float | None
    median_slides: float | None
    per_day: dict[str, int]  # "YYYY-MM-DD" -> sessions started that day, oldest first


@dataclass(frozen=True)
class QuestionSummary:
    """One question in one language: how many visitors answered, how many were right at
    the first tap (a question answers once per visit, so the first tap is the only one)."""

    question: str  # the check slide's id
    language: str
    answered: int
    right_first: int


@dataclass(frozen=True)
class TopicRatings:
    """One topic's "Was this helpful?" answers, all languages together."""

    topic: str
    helpful: int
    somewhat: int
    not_helpful: int

    @property
    def total(self) -> int:
        return self.helpful + self.somewhat + self.not_helpful


def summary(path: Path, since: datetime | None = None) -> list[SlideSummary]:
    """Per slide id (sorted), the views from `since` on (default: all)."""
    where, args = since_clause(since)
    # `dwell_seconds < 1` rather than the `skipped` column: it also reads version 1 files.
    rows = query(
        path,
        f"SELECT slide_id, mode, language, dwell_seconds FROM views {where} "
        "ORDER BY minute, rowid",
        args,
    )
    by_slide: dict[str, list[tuple[str, str, float]]] = {}
    for slide_id, mode, language, dwell in rows:
        by_slide.setdefault(slide_id, []).append((mode, language, dwell))
    out = []
    for slide_id, views in sorted(by_slide.items()):
        browsing = [dwell for mode, _, dwell in views if mode == BROWSING]
        read = [dwell for dwell in browsing if dwell >= SKIP_SECONDS]
        out.append(
            SlideSummary(
                slide_id=slide_id,
                attract_views=sum(1 for mode, _, _ in views if mode == ATTRACT),
                browsing_views=len(browsing),
                skipped_views=len(browsing) - len(read),
                median_dwell=statistics.median(read) if read else None,
                total_dwell=round(sum(browsing), 1),
                languages=tuple(sorted({language for _, language, _ in views})),
            )
        )
    return out


def sessions_summary(path: Path, since: datetime | None = None) -> SessionSummary:
    """Visitor sessions that started from `since` on (default: all)."""
    where, args = since_clause(since)
    rows = query(
        path, f"SELECT minute, seconds, slides FROM sessions {where} ORDER BY minute", args
    )
    per_day: dict[str, int] = {}
    for minute, _, _ in rows:
        per_day[minute[:10]] = per_day.get(minute[:10], 0) + 1
    return SessionSummary(
        count=len(rows),
        median_seconds=statistics.median(r[1] for r in rows) if rows else None,
        median_slides=statistics.median(r[2] for r in rows) if rows else None,
        per_day=per_day,
    )


def answers_summary(path: Path, since: datetime | None = None) -> list[QuestionSummary]:
    """Per question and language (sorted), the answers counted from `since`'s hour on."""
    if not has_table(path, "answers"):
        return []  # a file from a kiosk before questions
    where, args = since_hour_clause(since)
    rows = query(
        path,
        f"SELECT question, language, SUM(answered), SUM(right_first) FROM answers {where} "
        "GROUP BY question, language ORDER BY question, language",
        args,
    )
    return [QuestionSummary(q, lang, int(n), int(right)) for q, lang, n, right in rows]


def helpfulness_summary(path: Path, since: datetime | None = None) -> list[TopicRatings]:
    """Per topic (sorted), the "Was this helpful?" answers from `since`'s hour on."""
    if not has_table(path, "helpfulness"):
        return []
    where, args = since_hour_clause(since)
    rows = query(
        path,
        f"SELECT topic, rating, SUM(count) FROM helpfulness {where} GROUP BY topic, rating",
        args,
    )
    counts: dict[str, dict[str, int]] = {}
    for topic, rating, n in rows:
        counts.setdefault(topic, dict.fromkeys(RATINGS, 0))[rating] = int(n)
    return [
        TopicRatings(topic, c["helpful"], c["somewhat"], c["not_helpful"])
        for topic, c in sorted(counts.items())
    ]


RESULTS_CSV_COLUMNS = ("hour", "kind", "name", "language", "outcome", "count")


def export_results_csv(
    path: Path, out: TextIO, since: datetime | None = None, *, screen: str | None = None
) -> int:
    """The hourly counts of answers and ratings, one count per row (long format, so a
    spreadsheet pivots it and a fleet's files concatenate): kind `question` with outcome
    `answered` or `right_first`, kind `topic` with a rating. Returns the number of rows."""
    where, args = since_hour_clause(since)
    rows: list[tuple[object, ...]] = []
    if has_table(path, "answers"):
        for hour, question, language, answered, right in query(
            path,
            f"SELECT hour, question, language, answered, right_first FROM answers {where}",
            args,
        ):
            rows.append((hour, "question", question, language, "answered", answered))
            rows.append((hour, "question", question, language, "right_first", right))
    if has_table(path, "helpfulness"):
        rows.extend(
            (hour, "topic", topic, language, rating, n)
            for hour, topic, language, rating, n in query(
                path,
                f"SELECT hour, topic, language, rating, count FROM helpfulness {where}",
                args,
            )
        )
    rows.sort(key=lambda row: (str(row[0]), str(row[1]), str(row[2]), str(row[3])))
    writer = csv.writer(out, lineterminator="\n")
    if screen is None:
        writer.writerow(RESULTS_CSV_COLUMNS)
        writer.writerows(rows)
    else:
        writer.writerow(("screen", *RESULTS_CSV_COLUMNS))
        writer.writerows((screen, *row) for row in rows)
    return len(rows)


@dataclass(frozen=True)
class ListenSummary:
    """Read-aloud: slides read aloud per slide and language, and listening modes started."""

    listens: dict[tuple[str, str], int]  # (slide id, language) -> readings, sorted by slide
    sessions: int  # listening modes started by a tap on Listen
    sessions_by_language: dict[str, int]


def listens_summary(path: Path, since: datetime | None = None) -> ListenSummary:
    """Readings and listening sessions from `since` on; empty for a file an older kiosk
    wrote (it has no such tables, and reports never change the file)."""
    where, args = ("WHERE hour >= ?", (hour_of(since),)) if since else ("", ())
    listens: dict[tuple[str, str], int] = {}
    by_language: dict[str, int] = {}
    if has_table(path, "listens"):
        rows = query(
            path,
            f"SELECT slide_id, language, COUNT(*) FROM listens {where} "
            "GROUP BY slide_id, language ORDER BY slide_id, language",
            args,
        )
        listens = {(slide, language): count for slide, language, count in rows}
    if has_table(path, "listening_sessions"):
        rows = query(
            path,
            f"SELECT language, COUNT(*) FROM listening_sessions {where} "
            "GROUP BY language ORDER BY language",
            args,
        )
        by_language = {language: count for language, count in rows}
    return ListenSummary(listens, sum(by_language.values()), by_language)


CSV_COLUMNS = ("minute", "slide_id", "mode", "language", "dwell_seconds", "utc_offset")


def export_csv(
    path: Path, out: TextIO, since: datetime | None = None, *, screen: str | None = None
) -> int:
    """One row per view, oldest first, with a header row. Returns the number of views.
    With `screen`, every row starts with that screen's name, so files from a fleet can be
    concatenated (minus their headers) into one table."""
    where, args = since_clause(since)
    # A file from before version 3 has no offsets: the column stays empty, rows in order.
    if has_column(path, "views", "utc_offset"):
        columns, order = ", ".join(CSV_COLUMNS), IN_TIME_ORDER
    else:
        columns, order = ", ".join(CSV_COLUMNS[:-1]) + ", NULL", "ORDER BY minute, rowid"
    rows = query(path, f"SELECT {columns} FROM views {where} {order}", args)
    writer = csv.writer(out, lineterminator="\n")
    if screen is None:
        writer.writerow(CSV_COLUMNS)
        writer.writerows(rows)
    else:
        writer.writerow(("screen", *CSV_COLUMNS))
        writer.writerows((screen, *row) for row in rows)
    return len(rows)


def parse_since(text: str, today: date | None = None) -> datetime:
    """The start of the day `--since` names: today, yesterday, 7d (the last 7 days, today
    included) or a date such as 2026-11-24. Raises ValueError with a sentence otherwise."""
    today = today or date.today()
    word = text.strip().lower()
    day: date | None = None
    if word == "today":
        day = today
    elif word == "yesterday":
        day = today - timedelta(days=1)
    elif re.fullmatch(r"[0-9]{1,4}d", word):
        day = today - timedelta(days=max(int(word[:-1]) - 1, 0))
    else:
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(word)
    if day is None:
        raise ValueError(
            f"--since {text!r} is not a day the kiosk knows; use today, yesterday, "
            "a number of days such as 7d, or a date such as 2026-11-24."
        )
    return datetime.combine(day, datetime.min.time())


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def print_table(
    slides: Sequence[SlideSummary],
    sessions: SessionSummary,
    out: TextIO,
    listens: ListenSummary | None = None,
) -> None:
    """The plain-text report `kiosk stats` prints."""
    header = ("slide id", "attract views", "browsing views", "median dwell s", "languages")
    cells = [
        (
            s.slide_id,
            str(s.attract_views),
            str(s.browsing_views),
            _seconds(s.median_dwell),
            ",".join(s.languages),
        )
        for s in slides
    ]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header) - 1)]
    for row in [header, *cells]:
        # Ids left-aligned, numbers right-aligned under their headings; languages last.
        first = row[0].ljust(widths[0])
        numbers = (row[i].rjust(widths[i]) for i in range(1, len(widths)))
        print("  ".join([first, *numbers, row[-1]]).rstrip(), file=out)
    if not slides:
        print("(no views recorded in this period)", file=out)
    line = f"visitor sessions: {sessions.count}"
    if sessions.median_seconds is not None and sessions.median_slides is not None:
        line += (
            f", median length {sessions.median_seconds:.0f} s, "
            f"median {sessions.median_slides:g} slides per session"
        )
    print(f"\n{line}", file=out)
    if listens is not None and (listens.listens or listens.sessions):
        print_listens(listens, out)


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "-"


def print_results(
    answers: Sequence[QuestionSummary], topics: Sequence[TopicRatings], out: TextIO
) -> None:
    """The questions and "Was this helpful?" part of `kiosk stats`."""
    print("\nquestions (answered, right at the first tap):", file=out)
    if not answers:
        print("(no answers recorded in this period)", file=out)
    width = max((len(f"{a.question} ({a.language})") for a in answers), default=0)
    for a in answers:
        name = f"{a.question} ({a.language})".ljust(width)
        print(
            f"  {name}  {a.answered:>5} answered  {a.right_first:>5} right  "
            f"({_percent(a.right_first, a.answered)})",
            file=out,
        )
    print("\nwas this helpful? (helpful / somewhat / not helpful):", file=out)
    if not topics:
        print("(no ratings recorded in this period)", file=out)
    width = max((len(t.topic) for t in topics), default=0)
    for t in topics:
        print(
            f"  {t.topic.ljust(width)}  {t.helpful:>5} / {t.somewhat:>5} / {t.not_helpful:>5}",
            file=out,
        )


def print_listens(listens: ListenSummary, out: TextIO) -> None:
    """Read-aloud, after the views: readings per slide and language, listening sessions
    (`kiosk stats` leaves it out for a period in which nothing was read aloud)."""
    languages = sorted({language for _slide, language in listens.listens})
    print("\nread aloud (Listen):", file=out)
    if listens.listens:
        slides = sorted({slide for slide, _language in listens.listens})
        header = ("slide id", *languages)
        cells = [
            (slide, *(str(listens.listens.get((slide, lang), 0)) for lang in languages))
            for slide in slides
        ]
        widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]
        for row in [header, *cells]:
            first = row[0].ljust(widths[0])
            numbers = (row[i].rjust(widths[i]) for i in range(1, len(row)))
            print("  ".join([first, *numbers]).rstrip(), file=out)
    shares = ", ".join(f"{lang} {n}" for lang, n in listens.sessions_by_language.items())
    line = f"listening sessions: {listens.sessions}"
    print(f"{line} ({shares})" if shares else line, file=out)
