"""Anonymous view statistics for clinic staff: which slides are seen, for how long, in which
mode and language, and how many visitor sessions there were.

Nothing personal is kept: no touch positions, no free text, no device ids, times rounded down
to the minute. Recording never blocks the render loop: `StatsRecorder.observe` only appends to
a bounded in-memory deque; a daemon thread writes batches to SQLite and survives disk trouble
(read-only, full, unplugged) by logging once and keeping the newest rows for a later retry.

Reports (`summary`, `sessions_summary`, `export_csv`, `kiosk stats`) open the file read-only,
so staff can run them while the kiosk is writing (WAL mode) and as a user who cannot write.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import logging
import os
import re
import sqlite3
import statistics
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from kiosk.ops.config import SCREEN_NAME, ConfigError, default_screen_name, load_config
from kiosk.paths import state_dir

log = logging.getLogger(__name__)

ATTRACT = "attract"
BROWSING = "browsing"

# Bounded so a stuck disk costs at most a few MB of memory; the oldest rows go first.
MAX_QUEUE = 10_000
# Several views per commit spare the SD card; a crash loses at most this much.
FLUSH_SECONDS = 10.0
# A failed disk is retried this often (and once more on close), not on every flush.
RETRY_SECONDS = 60.0
# Shutdown must not hang on a stuck disk: systemd would kill the kiosk anyway.
CLOSE_SECONDS = 5.0
# Shorter than this, a view is a visitor flicking past: counted, but flagged as skipped.
SKIP_SECONDS = 1.0

# Version 1 (the first release) had no `skipped` column; `_migrate` adds it to old files.
SCHEMA_VERSION = 2
TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS views (
        minute TEXT NOT NULL,               -- when the view started, e.g. 2026-11-24 09:41
        slide_id TEXT NOT NULL,
        mode TEXT NOT NULL,                 -- attract | browsing (| rest, outside hours)
        language TEXT NOT NULL,
        dwell_seconds REAL NOT NULL,
        skipped INTEGER NOT NULL DEFAULT 0  -- 1: on screen for less than a second
    )""",
    """CREATE TABLE IF NOT EXISTS sessions (
        minute TEXT NOT NULL,               -- when the visitor first touched the screen
        seconds REAL NOT NULL,              -- until the kiosk went back to attract mode
        slides INTEGER NOT NULL,            -- different slides shown while browsing
        languages TEXT NOT NULL             -- e.g. "en,es"
    )""",
)
# Columns named, so a file written by a newer kiosk (more columns) still takes our rows.
INSERT = {
    "views": "INSERT INTO views (minute, slide_id, mode, language, dwell_seconds, skipped) "
    "VALUES (?, ?, ?, ?, ?, ?)",
    "sessions": "INSERT INTO sessions (minute, seconds, slides, languages) VALUES (?, ?, ?, ?)",
}

_Row = tuple[str, tuple[object, ...]]  # (table, values)


def default_stats_path(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_STATE_HOME/cvi-kiosk/stats.sqlite3`, or `~/.local/state/cvi-kiosk/...`; next to
    the kiosk's log file."""
    return state_dir(environ) / "stats.sqlite3"


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass
class _Session:
    minute: str
    started: float
    slide_ids: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)


class StatsRecorder:
    """Records what the kiosk shows. `observe` is for the render loop; `close` at shutdown."""

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
        # deque.append/popleft are atomic, so the two threads share no lock at all; maxlen
        # drops the oldest rows when the writer cannot keep up.
        self._queue: deque[_Row] = deque(maxlen=MAX_QUEUE)
        self._dropped = 0
        self._closed = False
        self._current: tuple[str, str, str] | None = None
        self._started = 0.0
        self._started_minute = ""
        self._session: _Session | None = None
        # Running totals of what was recorded since start, for the status file and metrics:
        # (slide, mode, language) -> [views, seconds] (the order `observe` sees them in).
        # Bounded by slides × modes × languages.
        self._totals: dict[tuple[str, str, str], list[float]] = {}
        self.sessions_recorded = 0
        self._writer = _Writer(path, self._queue)
        self._writer.thread.start()

    @property
    def dropped(self) -> int:
        """Rows lost because the disk was stuck or failing (0 in normal operation)."""
        return self._dropped + self._writer.lost

    def totals(self) -> list[dict[str, object]]:
        """Views and reading seconds recorded since start, by slide, language and mode: the
        same rows the database got, so a fleet's sums match its screens' statistics."""
        return [
            {"slide": s, "language": lang, "mode": m, "views": int(v), "seconds": round(t, 1)}
            for (s, m, lang), (v, t) in sorted(self._totals.items())
        ]

    # -- the render loop's side: memory only, never blocks, never raises --------------------

    def observe(self, slide_id: str, mode: str, language: str) -> None:
        """What is on screen now. Cheap enough to call every frame: only a change of slide,
        mode or language records anything (the view that ends, with its dwell time)."""
        seen = (slide_id, mode, language)
        if seen == self._current or self._closed:
            return
        now = self._clock()
        minute = _minute(self._wall())
        self._finish_view(now)
        was_browsing = self._current is not None and self._current[1] == BROWSING
        if mode == BROWSING:
            # The first touch in attract mode wakes the kiosk: a visitor's session begins.
            session = self._session
            if session is None or not was_browsing:
                session = self._session = _Session(minute, now)
            session.slide_ids.add(slide_id)
            session.languages.add(language)
        else:
            self._finish_session(now)
        self._current = seen
        self._started = now
        self._started_minute = minute

    def flush(self) -> None:
        """Ask the writer to save what is queued now, without waiting for it."""
        self._writer.wake.set()

    def close(self) -> None:
        """Record the view (and session) on screen now, save everything, stop the writer.
        Waits at most CLOSE_SECONDS; calling it again does nothing."""
        if self._closed:
            return
        now = self._clock()
        self._finish_view(now)
        self._finish_session(now)
        self._closed = True
        # Set after the last rows are queued: the writer drains once more when it sees it.
        self._writer.stopping = True
        self._writer.wake.set()
        self._writer.thread.join(timeout=CLOSE_SECONDS)
        if self._writer.thread.is_alive():
            log.warning("view statistics: the disk did not answer; the last rows may be lost")
        if self.dropped:
            log.warning("view statistics: %d rows were lost to disk trouble", self.dropped)

    def _finish_view(self, now: float) -> None:
        if self._current is None:
            return
        slide_id, mode, language = self._current
        dwell = round(max(0.0, now - self._started), 1)
        # Judged on the rounded value, so `skipped` always agrees with `dwell_seconds < 1`.
        skipped = int(dwell < SKIP_SECONDS)
        total = self._totals.setdefault(self._current, [0, 0.0])
        total[0] += 1
        total[1] += dwell
        self._put("views", (self._started_minute, slide_id, mode, language, dwell, skipped))

    def _finish_session(self, now: float) -> None:
        session, self._session = self._session, None
        if session is not None:
            seconds = round(max(0.0, now - session.started), 1)
            languages = ",".join(sorted(session.languages))
            self.sessions_recorded += 1
            self._put("sessions", (session.minute, seconds, len(session.slide_ids), languages))

    def _put(self, table: str, values: tuple[object, ...]) -> None:
        if len(self._queue) == MAX_QUEUE:
            self._dropped += 1  # the append below pushes the oldest row out
        self._queue.append((table, values))


class _Writer:
    """The writer thread. Everything but `wake`, `stopping` and `lost` is touched by that
    thread only (an sqlite3 connection must stay on the thread that opened it)."""

    def __init__(self, path: Path, queue: deque[_Row]) -> None:
        self.path = path
        self.wake = threading.Event()
        self.stopping = False
        self.lost = 0
        self._queue = queue
        self._connection: sqlite3.Connection | None = None
        # Rows taken from the queue but not yet saved: kept for the retry after a disk error.
        self._unsent: list[_Row] = []
        self._retry_at = 0.0
        self._warned = False
        self.thread = threading.Thread(target=self._run, name="kiosk-stats", daemon=True)

    def _run(self) -> None:
        try:
            # Open the file at once, so a disk problem shows in the log when the kiosk starts.
            self._connect()
            while True:
                self.wake.wait(FLUSH_SECONDS)
                self.wake.clear()
                # Read before draining: every row queued before `stopping` was set is drained.
                stopping = self.stopping
                self._save(final=stopping)
                if stopping:
                    return
        except Exception as error:  # a bug here must not take the kiosk down; say so once
            self._warn(error)
        finally:
            # Whatever could not be saved by now is gone with the process: count it.
            self.lost += len(self._unsent)
            self._unsent.clear()
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _save(self, *, final: bool) -> None:
        while self._queue:
            self._unsent.append(self._queue.popleft())
        excess = len(self._unsent) - MAX_QUEUE
        if excess > 0:
            del self._unsent[:excess]
            self.lost += excess
        if not self._unsent:
            return
        if self._connection is None:
            if not final and time.monotonic() < self._retry_at:
                return
            self._connect()
            if self._connection is None:
                return
        try:
            self._write(self._connection, self._unsent)
        except (sqlite3.Error, OSError) as error:
            # Drop the connection too: the file may have gone (unplugged stick, deleted).
            self._connection.close()
            self._connection = None
            self._failed(error)
            return
        self._unsent.clear()

    def _connect(self) -> None:
        try:
            self._connection = _open_for_writing(self.path)
        except (sqlite3.Error, OSError) as error:
            self._failed(error)

    def _write(self, connection: sqlite3.Connection, rows: Sequence[_Row]) -> None:
        """All rows in one transaction: on error nothing is half-written and all are retried."""
        connection.execute("BEGIN")
        try:
            for table, sql in INSERT.items():
                connection.executemany(sql, [values for name, values in rows if name == table])
            connection.execute("COMMIT")
        except BaseException:
            _roll_back(connection)
            raise

    def _failed(self, error: Exception) -> None:
        self._retry_at = time.monotonic() + RETRY_SECONDS
        self._warn(error)

    def _warn(self, error: Exception) -> None:
        if not self._warned:  # once: a full or read-only disk must not flood the log
            self._warned = True
            log.warning(
                "view statistics are not being saved to %s (the kiosk carries on): %s",
                self.path,
                error,
            )


def _open_for_writing(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Autocommit mode: transactions are explicit, so schema changes are atomic too.
    connection = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        # Readers (`kiosk stats`) then never block the writer, nor the writer them.
        connection.execute("PRAGMA journal_mode=WAL")
        _migrate(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def _migrate(connection: sqlite3.Connection) -> None:
    """Create missing tables and bring an older file up to SCHEMA_VERSION, in one go."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in TABLES:
            connection.execute(statement)
        # Checked by column, not by version number: the change is made exactly when needed.
        columns = {info[1] for info in connection.execute("PRAGMA table_info(views)")}
        if "skipped" not in columns:  # a version 1 file
            connection.execute("ALTER TABLE views ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0")
            connection.execute(f"UPDATE views SET skipped = dwell_seconds < {SKIP_SECONDS}")
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        # Never lowered: a file a newer kiosk wrote stays marked as such.
        version = max(int(row[0]) if row else 0, SCHEMA_VERSION)
        connection.execute(
            "INSERT INTO meta (key, value) VALUES ('schema', ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(version),),
        )
        connection.execute("COMMIT")
    except BaseException:
        _roll_back(connection)
        raise


def _roll_back(connection: sqlite3.Connection) -> None:
    # A failed COMMIT may already have ended the transaction; the original error matters more.
    if connection.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            connection.execute("ROLLBACK")


# -- reports -------------------------------------------------------------------------------


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


def _query(path: Path, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """Rows from the statistics file, opened read-only (never created, never changed)."""
    if not path.exists():
        raise FileNotFoundError(path)
    # A URI, percent-encoded by as_uri(), so "?" or "#" in a folder name cannot break it.
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def _since(since: datetime | None) -> tuple[str, tuple[str, ...]]:
    return ("WHERE minute >= ?", (_minute(since),)) if since else ("", ())


def summary(path: Path, since: datetime | None = None) -> list[SlideSummary]:
    """Per slide id (sorted), the views from `since` on (default: all)."""
    where, args = _since(since)
    # `dwell_seconds < 1` rather than the `skipped` column: it also reads version 1 files.
    rows = _query(
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
    where, args = _since(since)
    rows = _query(
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


CSV_COLUMNS = ("minute", "slide_id", "mode", "language", "dwell_seconds")


def export_csv(
    path: Path, out: TextIO, since: datetime | None = None, *, screen: str | None = None
) -> int:
    """One row per view, oldest first, with a header row. Returns the number of views.
    With `screen`, every row starts with that screen's name, so files from a fleet can be
    concatenated (minus their headers) into one table."""
    where, args = _since(since)
    rows = _query(
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


def print_table(slides: Sequence[SlideSummary], sessions: SessionSummary, out: TextIO) -> None:
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


def _screen_argument(text: str) -> str:
    if not SCREEN_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"a screen name is 1 to 63 letters, digits, dots, dashes or underscores, got {text!r}"
        )
    return text


def _screen_name() -> str:
    """This screen's name as the kiosk and its metrics use it (kiosk.toml, else host name)."""
    try:
        return load_config().screen_name
    except ConfigError as error:
        print(f"kiosk stats: {error} Using the host name.", file=sys.stderr)
        return default_screen_name()


def stats_main(argv: Sequence[str] | None = None) -> int:
    """`kiosk stats [--db PATH] [--since YYYY-MM-DD] [--csv FILE|-]`: a table, or CSV."""
    parser = argparse.ArgumentParser(
        prog="kiosk stats",
        description="Anonymous view statistics: views per slide and visitor sessions.",
    )
    parser.add_argument(
        "--db", type=Path, default=None, help="statistics file (default: the state directory)"
    )
    parser.add_argument(
        "--since",
        default=None,
        metavar="DAY",
        help="from this day on: today, yesterday, 7d (the last 7 days) or a date like 2026-11-24",
    )
    parser.add_argument(
        "--csv", default=None, metavar="FILE", help="write one row per view instead; - for stdout"
    )
    parser.add_argument(
        "--screen",
        type=_screen_argument,
        default=None,
        metavar="NAME",
        help="screen name for the CSV's first column (default: this machine's, from kiosk.toml)",
    )
    args = parser.parse_args(argv)
    try:
        args.since = parse_since(args.since) if args.since is not None else None
    except ValueError as error:
        print(f"kiosk stats: {error}", file=sys.stderr)
        return 2
    path: Path = args.db or default_stats_path()
    if not path.exists():
        print(
            f"kiosk stats: no statistics yet: {path} does not exist (the kiosk creates it "
            "when it runs)",
            file=sys.stderr,
        )
        return 1
    screen: str = args.screen or _screen_name()
    try:
        if args.csv == "-":
            export_csv(path, sys.stdout, args.since, screen=screen)
        elif args.csv:
            try:
                out = open(args.csv, "w", newline="", encoding="utf-8")  # noqa: SIM115
            except OSError as error:
                print(f"kiosk stats: cannot write {args.csv}: {error}", file=sys.stderr)
                return 1
            with out:
                count = export_csv(path, out, args.since, screen=screen)
            print(f"wrote {count} views to {args.csv}")
        else:
            print_table(summary(path, args.since), sessions_summary(path, args.since), sys.stdout)
    except sqlite3.Error as error:
        print(f"kiosk stats: cannot read {path} as view statistics: {error}", file=sys.stderr)
        return 1
    return 0
