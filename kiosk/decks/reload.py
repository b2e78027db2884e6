"""Safe hot reload of the deck folder while the kiosk runs.

Staff edit slides in place and fleets sync the folder with git, rsync or Syncthing, so the
files are often half-written or half-copied when we look. The rules:

- Detect changes by polling a cheap signature (name, mtime, size, inode of every file), not
  with inotify: it works the same on every filesystem, including network shares.
- Load only after the signature has stayed the same for `settle_seconds` (an editor saving,
  a sync tool copying many files), and load beside the running deck.
- If the files changed while loading, throw the result away: a whole deck or nothing.
- A broken deck right after a change is "not yet" for `grace_seconds`; after that it is
  reported once and the running deck stays until the files change again.
- Nothing here raises: a folder vanishing mid-sync or a bug in a checker becomes a problem
  message, and the visitor keeps seeing the last good deck.

- With `start` (the kiosk uses `kiosk.loader.LoadJob`), loading runs in a child process and
  `poll()` only looks at it: the screen loop keeps drawing, answering touches and pinging
  the watchdog while a deck, however hostile, is being read and checked.

No pygame here: checks that need it (images decode, text fits) are passed in as `check`, or
done by the loader child.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.model import Deck
from kiosk.decks.writers import open_for_writing
from kiosk.loader.protocol import LoadOutcome

log = logging.getLogger(__name__)

# Walking more than this many entries every second would cost real CPU on a small board;
# a deck has a few dozen. Past it the scan refuses rather than slowing the kiosk down.
MAX_ENTRIES = 5000

# Names that editors and sync tools write while they work, never content: vim's swap files
# and its "4913" write test, emacs lock (`.#x`) and autosave (`#x#`) files, backups (`x~`),
# Syncthing's `.syncthing.x.tmp`, rsync's `.x.AbC123`, browsers' and curl's `.part`.
_TEMP_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload")
_TEMP_NAMES = frozenset({"4913"})

# One file as seen by the scan: (where/relative path, mtime_ns, size, inode).
Entry = tuple[str, int, int, int]


def is_temporary(name: str) -> bool:
    """True for hidden files and the temp files editors and sync tools leave while writing."""
    return (
        name.startswith(".")
        or name in _TEMP_NAMES
        or name.endswith(_TEMP_SUFFIXES)
        or (name.startswith("#") and name.endswith("#"))
    )


@dataclass(frozen=True)
class Snapshot:
    """What the deck and assets folders look like now, or why they could not be looked at.

    Two equal snapshots mean "nothing changed". The inode is part of each entry because git,
    rsync, Syncthing and most editors replace a file by renaming a new one over it: that
    changes the inode even when the new file has the same size and lands within the
    filesystem's mtime granularity (2 s on FAT, 1 s on some network shares).
    """

    entries: tuple[Entry, ...] = ()
    error: str | None = None


class _TooManyEntriesError(Exception):
    pass


def scan(folder: Path, limit: int = MAX_ENTRIES) -> Snapshot:
    """The signature of `folder` and of the `assets/` folder beside it. Never raises."""
    entries: list[Entry] = []
    budget = [limit]
    try:
        _walk(folder, "deck:", entries, budget, root=True)
        assets = folder.parent / "assets"
        if assets.is_dir():
            _walk(assets, "assets:", entries, budget, root=False)
    except FileNotFoundError:
        return Snapshot(error=f"{folder}: deck folder not found (removed, or being replaced?)")
    except NotADirectoryError:
        return Snapshot(error=f"{folder}: is not a folder")
    except _TooManyEntriesError:
        return Snapshot(
            error=f"{folder}: more than {limit} files in the deck and assets folders; "
            "reloading is paused (is the deck folder set to the right place?)"
        )
    except OSError as error:
        return Snapshot(error=f"{folder}: cannot look at the deck folder: {error}")
    entries.sort()
    return Snapshot(tuple(entries))


def _walk(top: Path, label: str, entries: list[Entry], budget: list[int], *, root: bool) -> None:
    # Iterative, so a deep tree cannot exhaust the stack; the budget bounds it in breadth too.
    pending = [(top, "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            listing = list(os.scandir(directory))
        except (FileNotFoundError, NotADirectoryError):
            if root and directory == top:
                raise
            continue  # a subfolder removed mid-sync: its absence is the change
        except PermissionError:
            if root and directory == top:
                raise
            # An unreadable subfolder (lost+found on a mounted assets disk) must not block
            # reloading; note it so that it becoming readable still counts as a change.
            entries.append((f"{label}{prefix}", -1, -1, -1))
            continue
        for entry in listing:
            budget[0] -= 1
            if budget[0] < 0:
                raise _TooManyEntriesError
            if is_temporary(entry.name):
                continue
            relative = f"{prefix}{entry.name}"
            try:
                # Symlinked folders are not followed: they could loop or point at a whole disk.
                if entry.is_dir(follow_symlinks=False):
                    pending.append((Path(entry.path), relative + "/"))
                    if root and not prefix and entry.name.endswith((".yaml", ".yml")):
                        # A folder named like a section file is a change the loader must
                        # refuse; its mtime is left out (its files speak for themselves).
                        entries.append((f"{label}{relative}/", 0, 0, entry.inode()))
                elif entry.is_dir():
                    continue  # a symlinked folder: not followed (it could loop)
                else:
                    # Files, and also FIFOs, sockets, devices and symlinks: one appearing is a
                    # change the loader must judge (and refuse). stat() never opens a file, so
                    # it cannot block on a FIFO; it follows a symlink to what it points at.
                    try:
                        info = entry.stat()
                    except OSError:
                        info = entry.stat(follow_symlinks=False)  # a dangling or looping link
                    entries.append((label + relative, info.st_mtime_ns, info.st_size, info.st_ino))
            except FileNotFoundError:
                continue  # deleted between listing and stat: leaving it out is the truth


def _no_problems(deck: Deck) -> list[str]:
    return []


class PendingLoad(Protocol):
    """A load running elsewhere (`kiosk.loader.LoadJob`): polled, never waited for."""

    def poll(self) -> LoadOutcome | None: ...

    def cancel(self) -> None: ...


def judge(
    folder: Path, deck: Deck | None, problems: Sequence[str], check: Callable[[Deck], list[str]]
) -> Deck | list[str]:
    """The deck if it may be shown, else every reason why not: what the loader found, an
    empty deck, then `check` (never raises: a bug in a check is a reason too)."""
    if deck is None or problems:
        return list(problems) or [f"{folder}: the deck cannot be loaded"]
    if not deck.slides:
        return [f"{folder}: the deck has no slides"]
    try:
        found = [str(problem) for problem in check(deck)]
    except Exception as error:
        return [f"{folder}: cannot check the deck: {_describe(error)}"]
    return found or deck


def load_and_judge(
    folder: Path, load: Callable[[Path], Deck], check: Callable[[Deck], list[str]]
) -> Deck | list[str]:
    """`judge` of what `load` makes of `folder`, in this process (tools, tests, start-up)."""
    try:
        deck = load(folder)
    except DeckError as error:
        return [str(problem) for problem in error.errors] or [str(error)]
    except LoadProblemsError as error:
        return list(error.problems) or [f"{folder}: the deck cannot be loaded"]
    except Exception as error:  # the screen must go on whatever went wrong
        return [f"{folder}: cannot load the deck: {_describe(error)}"]
    return judge(folder, deck, (), check)


class LoadProblemsError(Exception):
    """A `load` function's way to say why a deck cannot be shown (`file:line: ...` each)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


class DeckWatcher:
    """Watches a deck folder and hands over a new, fully checked deck when the files change.

    Call `poll()` on every pass of the loop; it does nothing until `next_due()`.
    """

    def __init__(
        self,
        folder: Path,
        current: Deck,
        *,
        clock: Callable[[], float],
        load: Callable[[Path], Deck] = load_deck,
        check: Callable[[Deck], list[str]] = _no_problems,
        poll_seconds: float = 1.0,
        settle_seconds: float = 1.5,
        grace_seconds: float = 10.0,
        start: Callable[[Path], PendingLoad] | None = None,
        writers: Callable[[Sequence[Path]], Sequence[object]] = open_for_writing,
    ) -> None:
        self._folder = Path(folder)
        self._start = start
        self._job: PendingLoad | None = None
        self._job_snapshot: Snapshot | None = None
        self._stopping: list[PendingLoad] = []  # cancelled jobs, polled until reaped
        # A file some process still has open for writing is never loaded (kiosk.decks.writers):
        # a pause mid-write looks exactly like a finished file to the settle timer.
        self._writers = writers
        self._waiting_for: str | None = None
        self.last_outcome: LoadOutcome | None = None  # the child's last answer, with its costs
        self._deck = current
        self._clock = clock
        self._load = load
        self._check = check
        self._poll_seconds = poll_seconds
        self._settle_seconds = settle_seconds
        self._grace_seconds = grace_seconds
        # While a broken version is within its grace time, look again this often even if the
        # signature stays the same: on coarse-mtime filesystems a fix can be invisible to it.
        self._retry_seconds = max(poll_seconds, settle_seconds)
        self._problems: tuple[str, ...] = ()

        now = clock()
        snapshot = scan(self._folder)
        # The caller just loaded `current` from these files, so they are the running version.
        # A snapshot that failed is not a version: leave it pending so it is retried/reported.
        self._accepted: Snapshot | None = snapshot if snapshot.error is None else None
        self._handled: Snapshot | None = self._accepted  # the version dealt with for good
        self._seen = snapshot  # the latest scan
        self._changed_at = now  # when `_seen` was first seen: settle and grace count from here
        self._retry_at = now  # earliest next attempt at `_seen` after a "not yet"
        self._next_scan = now + poll_seconds

    # -- read side -------------------------------------------------------------------------

    @property
    def deck(self) -> Deck:
        """The newest good deck: the starting one, or the last one `poll()` returned."""
        return self._deck

    @property
    def problems(self) -> tuple[str, ...]:
        """Errors of the latest version that failed for good (`file:line: ...`); () when fine."""
        return self._problems

    @property
    def loading(self) -> bool:
        """True while a load runs in the child (the screen loop keeps going meanwhile)."""
        return self._job is not None

    @property
    def pending(self) -> bool:
        """True while a changed version is waiting to settle, load or pass its grace time."""
        return self._seen != self._handled

    def next_due(self) -> float:
        """When `poll()` next has work to do; before that it returns at once."""
        if self.pending:
            return min(self._next_scan, self._attempt_at())
        return self._next_scan

    def wake(self) -> None:
        """Look at the folder on the next poll (SIGHUP); a change still has to settle."""
        self._next_scan = float("-inf")

    # -- polling ---------------------------------------------------------------------------

    def poll(self) -> Deck | None:
        """A new, fully valid deck to swap in (each one returned once), else None. Never raises."""
        try:
            now = self._clock()
            if self._stopping:
                self._stopping = [job for job in self._stopping if job.poll() is None]
            if self._job is not None:
                return self._poll_job(now)
            if now < self.next_due():
                return None
            return self._poll(now)
        except Exception as error:
            # Only a bug in this module gets here; keep the kiosk showing the last good deck.
            self._next_scan = self._safe_now() + self._poll_seconds
            self._drop_job()
            problems = (f"{self._folder}: reload failed: {_describe(error)}",)
            self._handled = self._seen
            if problems != self._problems:  # a bug that repeats must not flood the log
                self._problems = problems
                log.error("%s", problems[0], exc_info=True)
            return None

    def _poll(self, now: float) -> Deck | None:
        self._observe(now)
        if not self.pending or now < self._attempt_at():
            return None
        return self._attempt()

    def _observe(self, now: float) -> None:
        snapshot = scan(self._folder)
        self._next_scan = now + self._poll_seconds
        if snapshot != self._seen:
            self._seen = snapshot
            self._changed_at = now
            self._retry_at = now

    def _attempt_at(self) -> float:
        return max(self._changed_at + self._settle_seconds, self._retry_at)

    def _attempt(self) -> Deck | None:
        snapshot = self._seen
        deck: Deck | None = None
        if snapshot.error is not None:
            errors = [snapshot.error]
        elif snapshot == self._accepted:
            # Back to the files of the running deck (an edit undone): nothing to load.
            self._handled = snapshot
            if self._problems:
                log.info("deck files are back to the running version; problems cleared")
            self._problems = ()
            return None
        elif self._still_written():
            return None
        elif self._start is not None:
            # Start the child and come back on later passes: poll() must never wait for it.
            self._job = self._start(self._folder)
            self._job_snapshot = snapshot
            return None
        else:
            deck, errors = self._load_and_check()
            return self._conclude(snapshot, deck, errors)
        return self._conclude(snapshot, deck, errors, loaded=False)

    def close(self) -> None:
        """Stop a load in progress and reap it (the kiosk is shutting down)."""
        self._drop_job()
        for job in self._stopping:
            while job.poll() is None:  # killed already: this takes a few milliseconds
                time.sleep(0.005)
        self._stopping = []

    def _drop_job(self) -> None:
        if self._job is not None:
            self._job.cancel()
            self._stopping.append(self._job)
            self._job = None

    def _poll_job(self, now: float) -> Deck | None:
        if now >= self._next_scan:
            self._observe(now)
            if self._seen != self._job_snapshot:
                # The files moved on: this load can only give an outdated mix. Start over
                # once they settle.
                log.debug("deck folder changed while loading; stopping that load")
                self._drop_job()
                return None
        assert self._job is not None and self._job_snapshot is not None
        outcome = self._job.poll()
        if outcome is None:
            return None
        self._job = None
        self.last_outcome = outcome
        snapshot = self._job_snapshot
        log.debug(
            "loader finished in %.2f s, peak memory %d MB",
            outcome.seconds,
            outcome.peak_rss_bytes // 2**20,
        )
        judged = judge(self._folder, outcome.deck, outcome.problems, self._check)
        if isinstance(judged, Deck):
            return self._conclude(snapshot, judged, [])
        return self._conclude(snapshot, None, judged)

    def _conclude(
        self, snapshot: Snapshot, deck: Deck | None, errors: list[str], *, loaded: bool = True
    ) -> Deck | None:
        if loaded:
            after = scan(self._folder)
            if after != snapshot or self._still_written():
                # Files moved under the loader: what it read may mix two versions.
                log.debug("deck folder changed while loading; waiting for it to settle")
                now = self._clock()
                self._seen = after
                self._changed_at = now
                self._retry_at = now
                return None
        now = self._clock()
        if deck is not None and not errors:
            self._deck = deck
            self._accepted = snapshot
            self._handled = snapshot
            self._problems = ()
            log.info("deck reloaded: %d slides", len(deck.slides))
            return deck
        give_up_at = self._changed_at + self._grace_seconds
        if now >= give_up_at:
            self._give_up(snapshot, errors)
        else:
            log.debug("deck not ready yet (%d problem(s)); retrying", len(errors))
            self._retry_at = min(now + self._retry_seconds, give_up_at)
        return None

    def _still_written(self) -> bool:
        """True (and the version stays pending, its grace not counting) while a process has a
        deck file open for writing."""
        busy = self._writers([self._folder, self._folder.parent / "assets"])
        if not busy:
            self._waiting_for = None
            return False
        described = str(busy[0])
        if described != self._waiting_for:  # once per writer, not once per second
            self._waiting_for = described
            log.info("deck not loaded yet: %s", described)
        now = self._clock()
        self._changed_at = now
        self._retry_at = now + self._poll_seconds
        return True

    def _load_and_check(self) -> tuple[Deck | None, list[str]]:
        judged = load_and_judge(self._folder, self._load, self._check)
        return (judged, []) if isinstance(judged, Deck) else (None, judged)

    def _give_up(self, snapshot: Snapshot, errors: list[str]) -> None:
        """Keep the running deck until the files change again, and say why, once per version."""
        self._handled = snapshot
        self._problems = tuple(errors)
        log.error(
            "deck in %s not reloaded, still showing the previous version; %d problem(s):\n  %s",
            self._folder,
            len(errors),
            "\n  ".join(errors),
        )

    def _safe_now(self) -> float:
        try:
            return self._clock()
        except Exception:
            return self._next_scan


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
