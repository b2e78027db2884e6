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
from kiosk.ops.stats.store import SKIP_SECONDS, has_table, hour_of, query, since_clause


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


CSV_COLUMNS = ("minute", "slide_id", "mode", "language", "dwell_seconds")


def export_csv(
    path: Path, out: TextIO, since: datetime | None = None, *, screen: str | None = None
) -> int:
    """One row per view, oldest first, with a header row. Returns the number of views.
    With `screen`, every row starts with that screen's name, so files from a fleet can be
    concatenated (minus their headers) into one table."""
    where, args = since_clause(since)
    rows = query(
        path, f"SELECT {', '.join(CSV_COLUMNS)} FROM views {where} ORDER BY minute, rowid", args
    )
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
