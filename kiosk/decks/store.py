"""A deck home: the published versions of a deck and the link that says which one is live.

A *deck home* (default `$XDG_DATA_HOME/cvi-kiosk/decks`) looks like this:

    versions/<id>/slides/          one immutable snapshot per publish
    versions/<id>/assets/
    versions/<id>/published.json   id, created (UTC), who, note, deck hash, slide count, source
    current -> versions/<id>       the live one; a relative symlink, switched atomically
    history.jsonl                  one line per publish or rollback (who, when, what)
    .lock                          held by the one publish or rollback running

This module reads and changes that layout; kiosk.decks.publish decides when (publish and
roll back), kiosk.decks.copying makes the snapshots.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk import paths
from kiosk.atomic import fsync_dir, remove_tree, replace_symlink, write_all
from kiosk.statefile import DamagedStateError, read_state_file

log = logging.getLogger(__name__)

VERSIONS = "versions"
CURRENT = "current"
HISTORY = "history.jsonl"
RECORD = "published.json"
KEEP_VERSIONS = 20
LOCK_WAIT_SECONDS = 120.0
MAX_RECORD_BYTES = 64 * 1024  # published.json is a few hundred bytes


class PublishError(Exception):
    """The deck was not published; `problems` says why, one `file: message` line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class PublishedVersion:
    id: str
    created: str  # UTC, ISO 8601
    who: str
    note: str
    deck_hash: str
    slide_count: int
    source: str
    path: Path  # versions/<id>
    # Publish order in this home (1, 2, …): versions are listed by it, not by the wall clock,
    # which may step back or publish twice in one second.
    sequence: int = 0

    def record(self) -> dict[str, object]:
        return {
            "id": self.id,
            "created": self.created,
            "who": self.who,
            "note": self.note,
            "deck_hash": self.deck_hash,
            "slide_count": self.slide_count,
            "source": self.source,
            "sequence": self.sequence,
        }


def default_home(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_DATA_HOME/cvi-kiosk/decks`, or `~/.local/share/cvi-kiosk/decks`."""
    return paths.deck_home(environ)


def is_deck_home(path: Path) -> bool:
    """True for a folder that holds a `current` link (what `kiosk run --deck` follows)."""
    return os.path.lexists(Path(path) / CURRENT)


def deck_folder(version: PublishedVersion) -> Path:
    """The `slides/` folder of a published version (its `assets/` is beside it)."""
    return version.path / "slides"


# -- reading -------------------------------------------------------------------------------


def read_version(path: Path) -> PublishedVersion:
    """The version stored in `path` (a `versions/<id>` folder). Raises ValueError if unreadable.
    Read as hostile input: a pipe or link in its place, or numbers like 1e999, are unreadable."""
    try:
        raw = read_state_file(path / RECORD, limit=MAX_RECORD_BYTES)
        if raw is None:
            raise ValueError("it is missing")
        data = json.loads(raw.decode("utf-8"))
        return PublishedVersion(
            id=str(data["id"]),
            created=str(data["created"]),
            who=str(data["who"]),
            note=str(data.get("note", "")),
            deck_hash=str(data["deck_hash"]),
            slide_count=int(data["slide_count"]),
            source=str(data.get("source", "")),
            path=path,
            sequence=int(data.get("sequence", 0)),
        )
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        OverflowError,
        RecursionError,
        DamagedStateError,
    ) as error:
        raise ValueError(f"{path / RECORD}: cannot read the version record: {error}") from None


def list_versions(home: Path) -> list[PublishedVersion]:
    """Every readable version, newest first."""
    folder = Path(home) / VERSIONS
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        if name.startswith(".") or not (folder / name).is_dir():
            continue
        try:
            found.append(read_version(folder / name))
        except ValueError as error:
            log.warning("%s", error)
    found.sort(key=lambda v: (v.sequence, v.created, v.id), reverse=True)
    return found


def current_version(home: Path) -> PublishedVersion | None:
    """The version `current` points at, or None (nothing published, or a dangling link)."""
    name = current_id(home)
    if name is None:
        return None
    try:
        return read_version(Path(home) / VERSIONS / name)
    except ValueError:
        return None


def current_id(home: Path) -> str | None:
    """The id `current` names (without reading the version), or None."""
    try:
        target = os.readlink(Path(home) / CURRENT)
    except OSError:
        return None
    return Path(target).name or None


def history(home: Path) -> list[dict[str, object]]:
    """What was published or rolled back, oldest first (unreadable lines are skipped)."""
    try:
        raw = read_state_file(Path(home) / HISTORY, limit=64 * 1024 * 1024)
        lines = (raw or b"").decode("utf-8", errors="replace").splitlines()
    except (OSError, DamagedStateError) as error:
        if not isinstance(error, FileNotFoundError):
            log.warning("%s cannot be read: %s", Path(home) / HISTORY, error)
        return []
    entries = []
    for line in lines:
        with contextlib.suppress(ValueError, RecursionError):
            value = json.loads(line)
            if isinstance(value, dict):
                entries.append(value)
    return entries


# -- changing (under the lock) ---------------------------------------------------------------


def new_version_id(home: Path, created: datetime, digest: str) -> str:
    base = f"{created:%Y%m%dT%H%M%SZ}-{digest[:8]}"
    candidate, n = base, 1
    while os.path.lexists(home / VERSIONS / candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def point_current(home: Path, version_id: str) -> None:
    """Make `versions/<version_id>` the live version (the link is switched atomically)."""
    replace_symlink(home / CURRENT, f"{VERSIONS}/{version_id}")


def append_history(
    home: Path, action: str, version_id: str, who: str, note: str, clock: Callable[[], float]
) -> None:
    entry = {
        "at": datetime.fromtimestamp(clock(), UTC).isoformat(timespec="seconds"),
        "action": action,
        "id": version_id,
        "who": who,
        "note": note,
    }
    fd = os.open(home / HISTORY, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        write_all(fd, (json.dumps(entry) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def freeze(top: Path) -> None:
    """Read-only files and folders below `top` (the caller seals `top` itself once it is
    renamed into place): a published version is never edited in place."""
    for folder, _dirs, files in os.walk(top, topdown=False):
        for name in files:
            os.chmod(Path(folder) / name, 0o444)
        fsync_dir(Path(folder))
        if Path(folder) != top:
            os.chmod(folder, 0o555)


def remove_leftovers(home: Path) -> None:
    # Temporary folders of a publish that was cut off (power loss); we hold the lock, so no
    # publish is using them now.
    for entry in home.iterdir():
        if entry.name.startswith((".incoming-", ".current-")):
            if entry.is_symlink() or entry.is_file():
                entry.unlink()
            else:
                remove_tree(entry)


def prune(home: Path, keep: int, protect: set[str]) -> None:
    versions = list_versions(home)
    live = current_id(home)
    for old in versions[max(keep, 1) :]:
        if old.id in protect or old.id == live:
            continue
        log.info("removing old version %s", old.id)
        remove_tree(old.path)


@contextlib.contextmanager
def locked(home: Path) -> Iterator[None]:
    """One publish or rollback at a time per home (git-sync and the staff console may race)."""
    fd = os.open(home / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PublishError(
                        [f"{home}: another publish has been running for "
                         f"{LOCK_WAIT_SECONDS:.0f} s; try again later"]
                    ) from None  # fmt: skip
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing releases the lock
