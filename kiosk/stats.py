"""Anonymous view statistics for clinic staff: which slides are seen, for how long, in which
mode and language, and how many visitor sessions there were.

Nothing personal is kept: no touch positions, no free text, no device ids, times rounded to
the minute. Recording never blocks the render loop: `observe` only appends to a bounded
in-memory queue; a background thread writes batches to SQLite and swallows disk trouble.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sqlite3
import statistics
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from kiosk.logs import state_dir

log = logging.getLogger(__name__)

SCHEMA_VERSION = "1"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS views (
    minute TEXT NOT NULL,          -- when the view started, e.g. 2026-11-24 09:41
    slide_id TEXT NOT NULL,
    mode TEXT NOT NULL,            -- attract | browsing
    language TEXT NOT NULL,
    dwell_seconds REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    minute TEXT NOT NULL,          -- when the visitor first touched the screen
    seconds REAL NOT NULL,         -- until the kiosk went back to attract mode
    slides INTEGER NOT NULL,       -- slides shown while browsing
    languages TEXT NOT NULL        -- e.g. "en,es"
);
"""
MAX_QUEUE = 10_000
FLUSH_SECONDS = 2.0


def default_stats_path(environ: Mapping[str, str] = os.environ) -> Path:
    return state_dir(environ) / "stats.sqlite3"


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass
class _Session:
    minute: str
    started: float
    slides: int = 0
    languages: set[str] = field(default_factory=set)


class StatsRecorder:
    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.path = path
        self._clock = clock
        self._wall = wall
        # deque.append is atomic and maxlen drops the oldest rows if the disk is stuck.
        self._queue: deque[tuple[str, tuple[object, ...]]] = deque(maxlen=MAX_QUEUE)
        self.dropped = 0
        self._current: tuple[str, str, str] | None = None
        self._started = 0.0
        self._started_minute = ""
        self._session: _Session | None = None
        self._wake = threading.Event()
        self._stop = False
        self._warned = False
        self._thread = threading.Thread(target=self._write_loop, name="kiosk-stats", daemon=True)
        self._thread.start()

    # -- the render loop's side: cheap, never blocks ------------------------------------------

    def observe(self, slide_id: str, mode: str, language: str) -> None:
        """What is on screen now. Records only when it changes."""
        seen = (slide_id, mode, language)
        if seen == self._current:
            return
        now = self._clock()
        self._finish_view(now)
        previous_mode = self._current[1] if self._current else "attract"
        if mode == "browsing" and previous_mode != "browsing":
            self._session = _Session(_minute(self._wall()), now)
        elif mode != "browsing" and self._session is not None:
            self._finish_session(now)
        if mode == "browsing" and self._session is not None:
            self._session.slides += 1
            self._session.languages.add(language)
        self._current = seen
        self._started = now
        self._started_minute = _minute(self._wall())

    def _finish_view(self, now: float) -> None:
        if self._current is None:
            return
        slide_id, mode, language = self._current
        dwell = round(max(0.0, now - self._started), 1)
        self._put("views", (self._started_minute, slide_id, mode, language, dwell))

    def _finish_session(self, now: float) -> None:
        session = self._session
        self._session = None
        if session is not None:
            seconds = round(now - session.started, 1)
            languages = ",".join(sorted(session.languages))
            self._put("sessions", (session.minute, seconds, session.slides, languages))

    def _put(self, table: str, row: tuple[object, ...]) -> None:
        if len(self._queue) == MAX_QUEUE:
            self.dropped += 1
        self._queue.append((table, row))

    def close(self) -> None:
        """Record the view on screen now, write everything, stop the writer."""
        now = self._clock()
        self._finish_view(now)
        self._finish_session(now)
        self._current = None
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=10)

    # -- the writer thread ----------------------------------------------------------------

    def _write_loop(self) -> None:
        connection = self._connect()
        try:
            while True:
                self._wake.wait(FLUSH_SECONDS)
                self._wake.clear()
                self._flush(connection)
                if self._stop:
                    self._flush(connection)
                    return
        finally:
            if connection is not None:
                connection.close()

    def _connect(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=5)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            connection.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,)
            )
            connection.commit()
            return connection
        except (sqlite3.Error, OSError) as error:
            self._warn(error)
            return None

    def _flush(self, connection: sqlite3.Connection | None) -> None:
        batch = []
        while self._queue:
            batch.append(self._queue.popleft())
        if not batch or connection is None:
            return
        try:
            with connection:
                for table, row in batch:
                    marks = ", ".join("?" * len(row))
                    connection.execute(f"INSERT INTO {table} VALUES ({marks})", row)
        except (sqlite3.Error, OSError) as error:
            self._warn(error)

    def _warn(self, error: Exception) -> None:
        if not self._warned:  # once: a full or read-only disk must not flood the log
            log.warning("view statistics are not being saved to %s: %s", self.path, error)
            self._warned = True


# -- reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlideSummary:
    slide_id: str
    attract_views: int
    browsing_views: int
    median_dwell: float  # seconds, browsing views only
    total_dwell: float
    languages: str


@dataclass(frozen=True)
class SessionSummary:
    count: int
    median_seconds: float
    median_slides: float
    per_day: dict[str, int]


def _rows(path: Path, columns: str, table: str, since: datetime | None) -> list[tuple[Any, ...]]:
    """Rows of a table (read-only), optionally only from `since` on, oldest first."""
    if not path.exists():
        raise FileNotFoundError(path)
    where, args = ("WHERE minute >= ?", (_minute(since),)) if since else ("", ())
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        query = f"SELECT {columns} FROM {table} {where} ORDER BY minute"
        return connection.execute(query, args).fetchall()
    finally:
        connection.close()


def summary(path: Path, since: datetime | None = None) -> list[SlideSummary]:
    rows = _rows(path, "slide_id, mode, language, dwell_seconds", "views", since)
    by_slide: dict[str, list[tuple[str, str, float]]] = {}
    for slide_id, mode, language, dwell in rows:
        by_slide.setdefault(slide_id, []).append((mode, language, dwell))
    out = []
    for slide_id, views in sorted(by_slide.items()):
        browsing = [dwell for mode, _, dwell in views if mode == "browsing"]
        out.append(
            SlideSummary(
                slide_id=slide_id,
                attract_views=sum(1 for mode, _, _ in views if mode == "attract"),
                browsing_views=len(browsing),
                median_dwell=statistics.median(browsing) if browsing else 0.0,
                total_dwell=round(sum(browsing), 1),
                languages=",".join(sorted({language for _, language, _ in views})),
            )
        )
    return out


def sessions_summary(path: Path, since: datetime | None = None) -> SessionSummary:
    rows = _rows(path, "minute, seconds, slides", "sessions", since)
    per_day: dict[str, int] = {}
    for minute, _, _ in rows:
        per_day[minute[:10]] = per_day.get(minute[:10], 0) + 1
    return SessionSummary(
        count=len(rows),
        median_seconds=statistics.median([r[1] for r in rows]) if rows else 0.0,
        median_slides=statistics.median([r[2] for r in rows]) if rows else 0.0,
        per_day=per_day,
    )


CSV_COLUMNS = ("minute", "slide_id", "mode", "language", "dwell_seconds")


def export_csv(path: Path, out: TextIO, since: datetime | None = None) -> int:
    """One row per view. Returns the number of rows written."""
    rows = _rows(path, ", ".join(CSV_COLUMNS), "views", since)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return len(rows)


def stats_main(argv: Sequence[str] | None = None) -> int:
    """`kiosk stats`: a table for staff, or CSV."""
    parser = argparse.ArgumentParser(prog="kiosk stats", description="anonymous view statistics")
    parser.add_argument(
        "--db", type=Path, default=None, help="statistics file (default: state dir)"
    )
    parser.add_argument("--since", type=datetime.fromisoformat, default=None, help="YYYY-MM-DD")
    parser.add_argument(
        "--csv", default=None, metavar="FILE", help="write one row per view; - for stdout"
    )
    args = parser.parse_args(argv)
    path = args.db or default_stats_path()
    if not path.exists():
        print(
            f"kiosk stats: no statistics yet ({path} does not exist; "
            "the kiosk creates it when it runs)",
            file=sys.stderr,
        )
        return 1
    if args.csv:
        if args.csv == "-":
            count = export_csv(path, sys.stdout, args.since)
        else:
            with open(args.csv, "w", newline="", encoding="utf-8") as out:
                count = export_csv(path, out, args.since)
            print(f"wrote {count} views to {args.csv}")
        return 0
    slides = summary(path, args.since)
    sessions = sessions_summary(path, args.since)
    width = max([len("slide"), *(len(s.slide_id) for s in slides)])
    print(f"{'slide':<{width}}  attract views  browsing views  median s  languages")
    for s in slides:
        print(
            f"{s.slide_id:<{width}}  {s.attract_views:>13}  {s.browsing_views:>14}  "
            f"{s.median_dwell:>8.1f}  {s.languages}"
        )
    print(
        f"\nvisitor sessions: {sessions.count}, median {sessions.median_seconds:.0f} s, "
        f"median {sessions.median_slides:.0f} slides per session"
    )
    return 0
