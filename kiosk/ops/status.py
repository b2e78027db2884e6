"""The kiosk's status file: how other processes (staff console, metrics exporter) see the screen.

The drawing process writes `state_dir()/status.json` every STATUS_SECONDS, atomically (a
temporary file renamed over the old one), so a reader never sees half a file. Readers only
read: if they crash or hang, the screen does not notice. Counters count up from the start of
the kiosk process (Prometheus-style: a restart resets them, `started_at` says when).

Schema (version 1), all times are Unix seconds:

    schema, screen, pid, version, started_at, updated_at, uptime_seconds,
    screen_size: [w, h],
    deck: {version, hash, title, slides, languages, source, folder},
    slide: {index, id, title}, mode ("attract"|"browsing"|"rest"), language, larger_text,
    overlay ("none"|"menu"|"keypad"),
    last_frame_at, frames_drawn,
    last_reload: {at, result ("ok"|"refused"), problems} | null,
    errors: [{at, level, message}]  (the newest MAX_ERRORS warnings and errors since start),
    counters: {reloads: {result: n}, fallbacks, slides_skipped, larger_text, language_switches,
               sessions, views: [{slide, language, mode, views, seconds}],
               answers: [{question, language, answered, right_first}],
               ratings: [{topic, language, rating ("helpful"|"somewhat"|"not_helpful"), count}],

               listens: [{slide, language, listens}], listening_sessions},
    schedule: {hours, resting},
    memory_bytes, cpu_seconds
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kiosk.paths import state_dir
from kiosk.statefile import DamagedStateError, describe, move_aside, read_state_file

log = logging.getLogger(__name__)

SCHEMA = 1
# Often enough that "last frame 10 s ago" means something, rarely enough to cost nothing.
STATUS_SECONDS = 2.0
MAX_ERRORS = 20
# Longer messages are cut: a status file must stay small whatever a deck error says.
MAX_MESSAGE = 500
# What a reader takes at most: a status file is a few kB, whatever stands in its place.
MAX_STATUS_BYTES = 1024 * 1024


def default_status_path(environ: Mapping[str, str] = os.environ) -> Path:
    return state_dir(environ) / "status.json"


class RecentErrors(logging.Handler):
    """Keeps the newest warnings and errors logged since start, for the status file."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        super().__init__(level=logging.WARNING)
        self._wall = wall
        self.entries: deque[dict[str, Any]] = deque(maxlen=MAX_ERRORS)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not break logging
            message = str(record.msg)
        self.entries.append(
            {"at": record.created, "level": record.levelname, "message": message[:MAX_MESSAGE]}
        )


class StatusWriter:
    """Writes the status file atomically; never raises (a full disk is logged once)."""

    def __init__(self, path: Path, *, interval: float = STATUS_SECONDS) -> None:
        self.path = path
        self.interval = interval
        self._next = 0.0
        self._warned = False
        self.writes = 0

    def due(self, now: float) -> bool:
        """True when `now` (monotonic) has reached the next write time."""
        return now >= self._next

    def next_due(self) -> float:
        """The monotonic time of the next write (the loop sleeps until then)."""
        return self._next

    def write(self, status: Mapping[str, Any], now: float) -> bool:
        self._next = now + self.interval
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # A folder, pipe or link in its place would fail every write (or mislead a
            # reader): moved aside once, then the file is written as usual.
            odd = _odd(self.path)
            if odd is not None:
                move_aside(self.path, odd)
            data = json.dumps(status, ensure_ascii=False, separators=(",", ":"))
            handle, temporary = tempfile.mkstemp(
                prefix=".status.", suffix=".tmp", dir=self.path.parent
            )
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(data)
                os.chmod(temporary, 0o644)  # readable by a console running as another user
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except (OSError, TypeError, ValueError) as error:
            if not self._warned:
                self._warned = True
                log.warning("cannot write the status file %s: %s", self.path, error)
            return False
        if self._warned:
            self._warned = False
            log.info("status file %s is written again", self.path)
        self.writes += 1
        return True


def _odd(path: Path) -> str | None:
    try:
        return describe(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


class StatusDamagedError(ValueError):
    """The status file is there but is not one (a pipe, a link, not JSON, another schema)."""


def load_status(path: Path) -> dict[str, Any] | None:
    """The last status the kiosk wrote; None when there is none; StatusDamagedError when
    something else stands there. Read as hostile input: never through a link, never
    blocking on a pipe, at most MAX_STATUS_BYTES."""
    try:
        raw = read_state_file(path, limit=MAX_STATUS_BYTES)
    except DamagedStateError as error:
        raise StatusDamagedError(f"{path} {error}") from None
    except OSError as error:
        raise StatusDamagedError(f"{path} cannot be read: {error}") from None
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise StatusDamagedError(f"{path} is not JSON") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise StatusDamagedError(f"{path} is not a version {SCHEMA} status file")
    return data


def read_status(path: Path) -> dict[str, Any] | None:
    """The last status the kiosk wrote, or None if there is none (or it is not a status file)."""
    try:
        return load_status(path)
    except StatusDamagedError:
        return None


def process_memory_bytes() -> int:
    """Resident memory of this process now (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            resident_pages = int(handle.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return resident_pages * os.sysconf("SC_PAGE_SIZE")
