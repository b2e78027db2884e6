"""Atomic publishing: a deck goes live only as a whole, finished, checked, immutable snapshot.

A *deck home* (default `$XDG_DATA_HOME/cvi-kiosk/decks`) looks like this:

    versions/<id>/slides/          one immutable snapshot per publish
    versions/<id>/assets/
    versions/<id>/published.json   id, created (UTC), who, note, deck hash, slide count, source
    current -> versions/<id>       the live one; a relative symlink, switched atomically
    history.jsonl                  one line per publish or rollback (who, when, what)

`publish()` copies the editing folder into a temporary folder inside the home (same
filesystem, so the final rename is atomic), fsyncs it, refuses it if the source changed while
being copied or a file was still open for writing, validates the *copy* with the same checks
as `kiosk validate`, renames it into `versions/` and points `current` at it with a new symlink
renamed over the old one. A power cut at any moment leaves either the old or the new version
current, never a mix. The kiosk (`kiosk run --deck HOME`) notices `current` switch.

Every way of editing ends here: `kiosk publish`, the git-sync unit, rsync/Syncthing recipes
(docs/deploy.md) and the staff console all call these functions.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk import paths
from kiosk.atomic import fsync_dir, remove_tree, write_all, write_durably
from kiosk.deck.fingerprint import deck_fingerprint
from kiosk.decks.reload import is_temporary, scan
from kiosk.decks.writers import open_for_writing
from kiosk.loader.check import validation_problems

log = logging.getLogger(__name__)

VERSIONS = "versions"
CURRENT = "current"
HISTORY = "history.jsonl"
RECORD = "published.json"
KEEP_VERSIONS = 20
# A deck is a few dozen YAML files and pictures; anything far beyond this is a wrong folder.
MAX_FILES = 2000
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
LOCK_WAIT_SECONDS = 120.0
_CHUNK = 1024 * 1024

Validator = Callable[[Path], list[str]]


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


def source_deck(source: Path) -> Path:
    """The deck folder a source names: the folder itself, or its `slides/` (a checkout)."""
    source = Path(source)
    if not (source / "deck.yaml").exists() and (source / "slides" / "deck.yaml").is_file():
        return source / "slides"
    return source


# -- reading -------------------------------------------------------------------------------


def read_version(path: Path) -> PublishedVersion:
    """The version stored in `path` (a `versions/<id>` folder). Raises ValueError if unreadable."""
    try:
        data = json.loads((path / RECORD).read_text(encoding="utf-8"))
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
    except (OSError, ValueError, KeyError, TypeError) as error:
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


# -- publishing ----------------------------------------------------------------------------


def publish(
    source: Path,
    home: Path,
    *,
    who: str,
    note: str = "",
    keep: int = KEEP_VERSIONS,
    force: bool = False,
    validate: Validator | None = None,
    protect: Sequence[str] = (),
    clock: Callable[[], float] = time.time,
) -> PublishedVersion:
    """Copy, check and switch to a new version of the deck in `source` (a `slides/` folder
    with `assets/` beside it). Old versions beyond the `keep` newest are removed, except the
    live one, the one live just before and `protect` (callers add their kiosk's last good one).
    Returns the new current version; when the deck is identical to the current one (same
    hash) and not `force`, returns the current one unchanged.
    Raises PublishError with every problem found; then nothing live has changed."""
    slides = source_deck(source)
    if not slides.is_dir():
        raise PublishError([f"{slides}: deck folder not found"])
    home = Path(home)
    validate = validate or validation_problems
    live = home / CURRENT
    if os.path.lexists(live) and not live.is_symlink():
        raise PublishError([f"{live}: is a real folder, not the link publishing switches; move "
                            "it out of the deck home"])  # fmt: skip
    home.mkdir(parents=True, exist_ok=True)
    (home / VERSIONS).mkdir(exist_ok=True)
    with _locked(home):
        _remove_leftovers(home)
        staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=home))
        try:
            digest = _snapshot(slides, staging)
            current = current_version(home)
            if current is not None and current.deck_hash == digest and not force:
                log.info("deck unchanged: %s is already current", current.id)
                return current
            problems = [_relative(p, staging) for p in validate(staging / "slides")]
            if problems:
                raise PublishError(problems)
            created = datetime.fromtimestamp(clock(), UTC)
            version_id = _new_id(home, created, digest)
            record = {
                "id": version_id,
                "created": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "who": who,
                "note": note,
                "deck_hash": digest,
                "slide_count": _slide_count(staging / "slides"),
                "source": str(slides.resolve()),
                "sequence": max((v.sequence for v in list_versions(home)), default=0) + 1,
            }
            write_durably(staging / RECORD, json.dumps(record, indent=2) + "\n")
            _freeze(staging)
            target = home / VERSIONS / version_id
            # Moving a folder to another parent rewrites its "..": it must stay writable
            # until it is in place (root would not notice; the kiosk user would).
            os.rename(staging, target)
            os.chmod(target, 0o555)
            fsync_dir(home / VERSIONS)
        except BaseException:
            remove_tree(staging)
            raise
        previous = current_id(home)
        _point_current(home, version_id)
        _append_history(home, "publish", version_id, who, note, clock)
        version = read_version(target)
        log.info("published %s (%d slides) by %s", version_id, version.slide_count, who)
        _prune(home, keep, {version_id, *(p for p in (previous,) if p), *protect})
        return version


def rollback(
    home: Path,
    version_id: str,
    *,
    who: str,
    note: str = "",
    validate: Validator | None = None,
    clock: Callable[[], float] = time.time,
) -> PublishedVersion:
    """Make an earlier version current again (it is re-checked first: the kiosk's rules may
    have become stricter since it was published)."""
    home = Path(home)
    folder = home / VERSIONS / version_id
    if not version_id or "/" in version_id or version_id.startswith(".") or not folder.is_dir():
        known = ", ".join(v.id for v in list_versions(home)[:5]) or "none"
        raise PublishError([f"{home}: no version {version_id!r} (newest: {known})"])
    with _locked(home):
        try:
            version = read_version(folder)
        except ValueError as error:
            raise PublishError([str(error)]) from None
        check = validate or validation_problems
        problems = [_relative(p, folder) for p in check(folder / "slides")]
        if problems:
            raise PublishError(problems)
        _point_current(home, version_id)
        _append_history(home, "rollback", version_id, who, note, clock)
    log.info("rolled back to %s by %s", version_id, who)
    return version


def history(home: Path) -> list[dict[str, object]]:
    """What was published or rolled back, oldest first (unreadable lines are skipped)."""
    try:
        lines = (Path(home) / HISTORY).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict):
                entries.append(value)
    return entries


def wait_until_still(
    source: Path,
    seconds: float,
    *,
    limit: float = 600.0,
    poll: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Wait until the deck in `source` (and its assets) has not changed for `seconds`, for
    a sync tool that writes many files one after another. False if it never settled within
    `limit` seconds."""
    slides = source_deck(source)
    started = clock()
    seen = scan(slides)
    still_since = started
    while clock() - still_since < seconds:
        if clock() - started > limit:
            return False
        sleep(poll)
        now = scan(slides)
        if now != seen:
            seen, still_since = now, clock()
    return True


# -- copying ---------------------------------------------------------------------------------


def copy_deck(slides: Path, destination: Path) -> str:
    """Copy `slides/` and the `assets/` beside it into `destination/slides` and
    `destination/assets`, fsynced, and return the deck hash. Raises PublishError if a file is
    unusable, still being written, or the source changed while it was being copied."""
    return _snapshot(source_deck(slides), destination)


def _snapshot(slides: Path, destination: Path) -> str:
    roots = [("slides", slides)]
    assets = slides.parent / "assets"
    if assets.is_dir():
        roots.append(("assets", assets))
    busy = open_for_writing([root for _, root in roots])
    if busy:
        raise PublishError([f"{w}; publish again once it is saved" for w in busy])
    before = scan(slides)
    if before.error is not None:
        raise PublishError([before.error])
    problems: list[str] = []
    budget = _Budget()
    for label, root in roots:
        _copy_tree(root, destination / label, label, root.resolve(), problems, budget)
    if problems:
        raise PublishError(problems)
    after = scan(slides)
    if after != before or open_for_writing([root for _, root in roots]):
        raise PublishError(
            [f"{slides}: files changed while they were being copied; publish again once the "
             "editing or syncing has finished"]
        )  # fmt: skip
    fsync_dir(destination)
    # The same fingerprint the kiosk reports for what it shows, so the console and metrics
    # can tell which published version a screen is on.
    return deck_fingerprint(destination / "slides")


@dataclass
class _Budget:
    files: int = 0
    total: int = 0


def _copy_tree(
    top: Path,
    destination: Path,
    label: str,
    boundary: Path,
    problems: list[str],
    budget: _Budget,
) -> None:
    pending = [(top, destination, "")]
    while pending:
        folder, target, prefix = pending.pop()
        target.mkdir(parents=True, exist_ok=True)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as error:
            problems.append(f"{label}/{prefix}: cannot read the folder: {error.strerror}")
            continue
        for entry in entries:
            if is_temporary(entry.name):
                continue  # editor swap files and sync tools' partial files are never content
            name = f"{label}/{prefix}{entry.name}"
            try:
                info = os.stat(entry.path)  # follows a symlink, checked below
            except OSError as error:
                problems.append(f"{name}: cannot read: {error.strerror or error}")
                continue
            if entry.is_symlink():
                real = Path(entry.path).resolve()
                if not real.is_relative_to(boundary):
                    problems.append(f"{name}: is a link to {real}, outside {label}/; copy the "
                                    "file into the deck instead")  # fmt: skip
                    continue
                if stat.S_ISDIR(info.st_mode):
                    problems.append(f"{name}: linked folders are not published; use a real folder")
                    continue
            if stat.S_ISDIR(info.st_mode):
                pending.append((Path(entry.path), target / entry.name, f"{prefix}{entry.name}/"))
                continue
            if not stat.S_ISREG(info.st_mode):
                problems.append(f"{name}: {_kind(info.st_mode)}, not a file; remove it")
                continue
            budget.files += 1
            budget.total += info.st_size
            if budget.files > MAX_FILES:
                problems.append(f"{label}/: more than {MAX_FILES} files; is this the deck folder?")
                return
            if info.st_size > MAX_FILE_BYTES or budget.total > MAX_TOTAL_BYTES:
                problems.append(
                    f"{name}: too large ({info.st_size / 1e6:.0f} MB; files up to "
                    f"{MAX_FILE_BYTES // 2**20} MB, {MAX_TOTAL_BYTES // 2**20} MB in all)"
                )
                continue
            _copy_file(Path(entry.path), target / entry.name, name, info, problems)


def _copy_file(
    source: Path, target: Path, name: str, before: os.stat_result, problems: list[str]
) -> None:
    """Copy one file, or add why it could not be copied whole to `problems`."""
    # O_NONBLOCK: if the file was swapped for a FIFO after the stat, opening must not hang.
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        problems.append(f"{name}: cannot open: {error.strerror or error}")
        return
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or opened.st_ino != before.st_ino:
            problems.append(f"{name}: was replaced while being copied; publish again")
            return
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            copied = 0
            while chunk := os.read(fd, _CHUNK):
                copied += len(chunk)
                if copied > MAX_FILE_BYTES:
                    problems.append(f"{name}: grew past {MAX_FILE_BYTES // 2**20} MB while copying")
                    return
                write_all(out, chunk)
            os.fsync(out)
        finally:
            os.close(out)
        after = os.fstat(fd)
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or (
            copied != after.st_size
        ):
            problems.append(f"{name}: changed while being copied; publish again once it is saved")
            return
    except OSError as error:
        problems.append(f"{name}: cannot copy: {error.strerror or error}")
        return
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


# -- helpers -----------------------------------------------------------------------------------


def _relative(problem: str, root: Path) -> str:
    # Problems name the temporary copy's paths; staff know the files by their deck names.
    return str(problem).replace(f"{root}/", "").replace(str(root), "")


def _slide_count(slides: Path) -> int:
    from kiosk.deck.content import DeckError, load_deck

    try:
        return len(load_deck(slides).slides)
    except DeckError:
        return 0


def _new_id(home: Path, created: datetime, digest: str) -> str:
    base = f"{created:%Y%m%dT%H%M%SZ}-{digest[:8]}"
    candidate, n = base, 1
    while os.path.lexists(home / VERSIONS / candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _point_current(home: Path, version_id: str) -> None:
    # A new link renamed over the old one: readers see the old target or the new, never none.
    link = home / f".current-{os.getpid()}-{version_id}"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    os.symlink(f"{VERSIONS}/{version_id}", link)
    os.replace(link, home / CURRENT)
    fsync_dir(home)


def _append_history(
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


def _freeze(top: Path) -> None:
    """Read-only files and folders below `top` (the caller seals `top` itself once it is
    renamed into place): a published version is never edited in place."""
    for folder, _dirs, files in os.walk(top, topdown=False):
        for name in files:
            os.chmod(Path(folder) / name, 0o444)
        fsync_dir(Path(folder))
        if Path(folder) != top:
            os.chmod(folder, 0o555)


def _remove_leftovers(home: Path) -> None:
    # Temporary folders of a publish that was cut off (power loss); we hold the lock, so no
    # publish is using them now.
    for entry in home.iterdir():
        if entry.name.startswith((".incoming-", ".current-")):
            if entry.is_symlink() or entry.is_file():
                entry.unlink()
            else:
                remove_tree(entry)


def _prune(home: Path, keep: int, protect: set[str]) -> None:
    versions = list_versions(home)
    live = current_id(home)
    for old in versions[max(keep, 1) :]:
        if old.id in protect or old.id == live:
            continue
        log.info("removing old version %s", old.id)
        remove_tree(old.path)


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
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
