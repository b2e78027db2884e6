"""The statistics file: its SQLite schema, the writer thread that fills it, read-only queries.

The file lives in the state folder next to the kiosk's log. The writer thread owns the only
connection that writes (WAL mode, so reports never block it); reports open the file
read-only and never create it.

Times are local minutes (what staff read) with their UTC offset beside them (`utc_offset`,
"+01:00"; NULL in rows an older kiosk wrote), so the hour repeated when clocks go back is
two hours, not one: `datetime(minute || utc_offset)` is the UTC minute.

The file is read as hostile input: a link, a pipe or a folder in its place is never opened
(SQLite would follow a link, and block on a pipe), and a file that is not a database or is
corrupt is moved aside (`stats.sqlite3.damaged-<time>`, with a warning) and started afresh,
instead of losing every later view to it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.paths import state_dir
from kiosk.statefile import describe, move_aside

log = logging.getLogger(__name__)

# Bounded so a stuck disk costs at most a few MB of memory; the oldest rows go first.
MAX_QUEUE = 10_000
# Several views per commit spare the SD card; a crash loses at most this much.
FLUSH_SECONDS = 10.0
# A failed disk is retried this often (and once more on close), not on every flush.
RETRY_SECONDS = 60.0
# Shorter than this, a view is a visitor flicking past: counted, but flagged as skipped.
SKIP_SECONDS = 1.0

# Version 1 (the first release) had no `skipped` column, version 2 no `utc_offset`;
# `_migrate` adds them to old files.
SCHEMA_VERSION = 3
# New tables (answers, helpfulness) need no new version: older kiosks ignore them and
# `_migrate` creates them where missing.
# What "Was this helpful?" records, in the order of its faces.
RATINGS = ("helpful", "somewhat", "not_helpful")
TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS views (
        minute TEXT NOT NULL,               -- when the view started, e.g. 2026-11-24 09:41
        slide_id TEXT NOT NULL,
        mode TEXT NOT NULL,                 -- attract | browsing (| rest, outside hours)
        language TEXT NOT NULL,
        dwell_seconds REAL NOT NULL,
        skipped INTEGER NOT NULL DEFAULT 0, -- 1: on screen for less than a second
        utc_offset TEXT                     -- of `minute`, e.g. +01:00; NULL: not recorded
    )""",
    """CREATE TABLE IF NOT EXISTS sessions (
        minute TEXT NOT NULL,               -- when the visitor first touched the screen
        seconds REAL NOT NULL,              -- until the kiosk went back to attract mode
        slides INTEGER NOT NULL,            -- different slides shown while browsing
        languages TEXT NOT NULL,            -- e.g. "en,es"
        utc_offset TEXT                     -- of `minute`, e.g. +01:00; NULL: not recorded
    )""",
    # Questions and "Was this helpful?": counts per hour, never a row per visitor. Without a
    # rowid the rows are kept in key order, so nothing tells which answers came together.
    """CREATE TABLE IF NOT EXISTS answers (
        hour TEXT NOT NULL,                 -- e.g. 2026-11-24 09
        question TEXT NOT NULL,             -- the check slide's id
        language TEXT NOT NULL,
        answered INTEGER NOT NULL,          -- visitors who answered it
        right_first INTEGER NOT NULL,       -- of them, right at the first (and only) tap
        PRIMARY KEY (hour, question, language)
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS helpfulness (
        hour TEXT NOT NULL,
        topic TEXT NOT NULL,                -- the topic's title in the deck's default language
        language TEXT NOT NULL,
        rating TEXT NOT NULL,               -- helpful | somewhat | not_helpful
        count INTEGER NOT NULL,
        PRIMARY KEY (hour, topic, language, rating)
    ) WITHOUT ROWID""",
    # Read-aloud: one row per slide read aloud, and one per listening mode a visitor started
    # with a tap on Listen. To the hour: a reading is a shorter, rarer event than a view,
    # and minutes would come closer to telling one visitor from another.
    """CREATE TABLE IF NOT EXISTS listens (
        hour TEXT NOT NULL,                 -- when the reading started, e.g. 2026-11-24 09
        slide_id TEXT NOT NULL,
        language TEXT NOT NULL,
        mode TEXT NOT NULL                  -- browsing | attract (decks that read in attract)
    )""",
    """CREATE TABLE IF NOT EXISTS listening_sessions (
        hour TEXT NOT NULL,                 -- when the visitor tapped Listen
        language TEXT NOT NULL
    )""",
)
# Columns named, so a file written by a newer kiosk (more columns) still takes our rows.
INSERT = {
    "views": "INSERT INTO views "
    "(minute, slide_id, mode, language, dwell_seconds, skipped, utc_offset) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "sessions": "INSERT INTO sessions (minute, seconds, slides, languages, utc_offset) "
    "VALUES (?, ?, ?, ?, ?)",
    # Added to the hour's counts: a row is a count, not an event.
    "answers": "INSERT INTO answers (hour, question, language, answered, right_first) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (hour, question, language) DO UPDATE SET "
    "answered = answered + excluded.answered, right_first = right_first + excluded.right_first",
    "helpfulness": "INSERT INTO helpfulness (hour, topic, language, rating, count) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (hour, topic, language, rating) DO UPDATE SET "
    "count = count + excluded.count",
    "listens": "INSERT INTO listens (hour, slide_id, language, mode) VALUES (?, ?, ?, ?)",
    "listening_sessions": "INSERT INTO listening_sessions (hour, language) VALUES (?, ?)",
}

Row = tuple[str, tuple[object, ...]]  # (table, values)


def default_stats_path(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_STATE_HOME/cvi-kiosk/stats.sqlite3`, or `~/.local/state/cvi-kiosk/...`; next to
    the kiosk's log file."""
    return state_dir(environ) / "stats.sqlite3"


def minute_of(moment: datetime) -> str:
    """The minute a row is filed under: rounded down, nothing finer is ever kept."""
    return moment.strftime("%Y-%m-%d %H:%M")


def offset_of(moment: datetime) -> str | None:
    """The UTC offset of a local time, as SQLite reads it ("+01:00"); None when unknown
    (a naive datetime)."""
    offset = moment.utcoffset()
    if offset is None:
        return None
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# Order rows by the moment they stand for (UTC where the offset is known), then as written.
IN_TIME_ORDER = "ORDER BY datetime(minute || COALESCE(utc_offset, '')), minute, rowid"


def hour_of(moment: datetime) -> str:
    """The hour answers, ratings and readings aloud are counted under: nothing finer is kept
    for them."""
    return moment.strftime("%Y-%m-%d %H")


# -- writing (the writer thread) -----------------------------------------------------------


class Writer:
    """The writer thread. Everything but `wake`, `stopping` and `lost` is touched by that
    thread only (an sqlite3 connection must stay on the thread that opened it)."""

    def __init__(self, path: Path, queue: deque[Row]) -> None:
        self.path = path
        self.wake = threading.Event()
        self.stopping = False
        self.lost = 0
        self._queue = queue
        self._connection: sqlite3.Connection | None = None
        # Rows taken from the queue but not yet saved: kept for the retry after a disk error.
        self._unsent: list[Row] = []
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
            self._connection = open_for_writing(self.path)
        except (sqlite3.Error, OSError) as error:
            self._failed(error)

    def _write(self, connection: sqlite3.Connection, rows: Sequence[Row]) -> None:
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


# What SQLite says of a file that is not a database, or one whose pages are broken.
_DAMAGE_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB
_SIDE_FILES = ("-wal", "-shm", "-journal")


def refuse_odd_file(path: Path) -> str | None:
    """Why the statistics file's name holds something SQLite must not open (a link, a pipe, a
    folder, a device), or None (a regular file, or nothing yet)."""
    try:
        return describe(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


def _move_damaged_aside(path: Path, reason: str) -> None:
    aside = move_aside(path, reason)
    if aside is None:
        return
    for suffix in _SIDE_FILES:  # its journal belongs to it, not to the fresh file
        side = path.with_name(path.name + suffix)
        if os.path.lexists(side):
            with contextlib.suppress(OSError):
                os.rename(side, aside.with_name(aside.name + suffix))


def open_for_writing(path: Path) -> sqlite3.Connection:
    """The writer's connection, the schema brought up to date. A damaged file (not a
    database, corrupt, or no regular file at all) is moved aside and a fresh one begun."""
    path.parent.mkdir(parents=True, exist_ok=True)
    odd = refuse_odd_file(path)
    if odd is not None:
        _move_damaged_aside(path, odd)
    try:
        return _open(path)
    except sqlite3.DatabaseError as error:
        if getattr(error, "sqlite_errorcode", None) not in _DAMAGE_CODES:
            raise  # a full or read-only disk, a lock: not the file's fault; retried later
        _move_damaged_aside(path, f"SQLite says: {error}")
    return _open(path)


def _open(path: Path) -> sqlite3.Connection:
    # Autocommit mode: transactions are explicit, so schema changes are atomic too.
    connection = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        # Readers (`kiosk stats`) then never block the writer, nor the writer them.
        connection.execute("PRAGMA journal_mode=WAL")
        _migrate(connection)
        # A file whose first page reads but whose tables do not is damaged too.
        verdict = connection.execute("PRAGMA quick_check(1)").fetchone()
        if verdict is None or verdict[0] != "ok":
            error = sqlite3.DatabaseError(f"quick_check: {verdict and verdict[0]}")
            error.sqlite_errorcode = 11
            raise error
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
        # Version 2 rows keep NULL: their offset was never recorded, and a guess from today's
        # zone would be wrong for the repeated hour, the very rows it is for.
        for table in ("views", "sessions"):
            have = {info[1] for info in connection.execute(f"PRAGMA table_info({table})")}
            if "utc_offset" not in have:
                connection.execute(f"ALTER TABLE {table} ADD COLUMN utc_offset TEXT")
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


# -- reading (reports) ---------------------------------------------------------------------


def query(path: Path, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
    """Rows from the statistics file, opened read-only (never created, never changed)."""
    if not path.exists():
        raise FileNotFoundError(path)
    odd = refuse_odd_file(path)
    if odd is not None:  # a pipe would block the report, a link lead anywhere
        raise sqlite3.DatabaseError(f"{path} {odd}")
    # A URI, percent-encoded by as_uri(), so "?" or "#" in a folder name cannot break it.
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


def has_column(path: Path, table: str, column: str) -> bool:
    """Whether the statistics file's `table` has `column` (older files lack newer ones)."""
    return any(row[1] == column for row in query(path, f"PRAGMA table_info({table})"))


def since_clause(since: datetime | None) -> tuple[str, tuple[str, ...]]:
    """The WHERE clause and its arguments for rows from `since` on (all rows for None)."""
    return ("WHERE minute >= ?", (minute_of(since),)) if since else ("", ())


def since_hour_clause(since: datetime | None) -> tuple[str, tuple[str, ...]]:
    """`since_clause` for the tables counted by the hour."""
    return ("WHERE hour >= ?", (hour_of(since),)) if since else ("", ())


def has_table(path: Path, name: str) -> bool:
    """Whether the file has table `name` (a file from an older kiosk may not)."""
    rows = query(path, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    return bool(rows)
