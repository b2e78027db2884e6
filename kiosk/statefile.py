"""The kiosk's own state files, read as hostile input.

The state folder (first-frame picture, PIN guard, start attempts, status, statistics) is
written by the kiosk, but a power cut, a full SD card, a sync tool or a person with a shell
can leave anything there: a symlink loop, a named pipe (reading it blocks for ever), a
folder, a file of the right name but the wrong content. Whatever it is must not stop or
hang the screen:

- `read_state_file` opens without following a symlink and without blocking (O_NOFOLLOW |
  O_NONBLOCK), insists on a regular file with `fstat` on the open descriptor, and reads at
  most a limit of bytes. Anything else raises `DamagedStateError` with the reason.
- `move_aside` renames a damaged file (or whatever stands in its place) to
  `<name>.damaged-<UTC time>` with a logged warning, so the kiosk can write a fresh one and
  IT can still look at what was there.

"Missing" and "damaged" are different answers: a missing file is `None`, a damaged one an
error, and callers report them differently.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.deck.files import describe_mode, read_at_most

log = logging.getLogger(__name__)


class DamagedStateError(Exception):
    """A state file that is there but cannot be used; `str()` says why, for a person."""


def describe(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISLNK(mode):
        return "is a symbolic link (state files are never links)"
    return describe_mode(mode)


def open_state_file(path: Path) -> int | None:
    """A read-only descriptor on the regular file at `path`, None when nothing is there.
    Never follows a link, never blocks on a pipe; raises DamagedStateError otherwise."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as error:
        # ELOOP: the name is a symlink (O_NOFOLLOW); ENXIO: a socket; EACCES, EISDIR ...
        try:
            kind = describe(os.lstat(path).st_mode)
        except OSError:
            kind = None
        raise DamagedStateError(kind or f"cannot be opened: {error.strerror or error}") from None
    try:
        kind = describe(os.fstat(fd).st_mode)
    except OSError as error:
        os.close(fd)
        raise DamagedStateError(f"cannot be examined: {error.strerror or error}") from None
    if kind is not None:
        os.close(fd)
        raise DamagedStateError(kind)
    # Back to blocking reads: a regular file never blocks, and partial reads are simpler.
    os.set_blocking(fd, True)
    return fd


def read_state_file(path: Path, *, limit: int) -> bytes | None:
    """The bytes of the regular file at `path` (at most `limit`), None when it is missing.
    Raises DamagedStateError for a link, a pipe, a folder, a device or a file too large."""
    fd = open_state_file(path)
    if fd is None:
        return None
    try:
        data = read_at_most(fd, limit)
    except OSError as error:
        raise DamagedStateError(f"cannot be read: {error.strerror or error}") from None
    finally:
        os.close(fd)
    if data is None:
        raise DamagedStateError(f"is larger than the {limit} bytes it can be")
    return data


def damaged_name(path: Path, wall: Callable[[], float] = time.time) -> Path:
    """`<name>.damaged-<UTC time>` beside `path` (a number added if that is taken)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(wall()))
    candidate = path.with_name(f"{path.name}.damaged-{stamp}")
    number = 1
    while os.path.lexists(candidate):
        number += 1
        candidate = path.with_name(f"{path.name}.damaged-{stamp}-{number}")
    return candidate


def move_aside(path: Path, reason: str, *, wall: Callable[[], float] = time.time) -> Path | None:
    """Rename whatever is at `path` to `<name>.damaged-<time>` and log a warning naming the
    reason; the caller then writes a fresh file. Returns the new name (None if the rename
    failed too: a read-only disk; the caller carries on without the file)."""
    aside = damaged_name(path, wall)
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning(
            "%s is damaged (%s) and cannot be moved aside (%s); carrying on without it",
            path,
            reason,
            error.strerror or error,
        )
        return None
    log.warning("%s was damaged (%s); moved aside to %s and rebuilt", path, reason, aside.name)
    return aside


def check_folder(path: Path) -> str | None:
    """Why `path` is not a usable folder (a link loop, a file, missing), or None. Follows
    links but never loops (`os.stat` reports ELOOP instead of raising RuntimeError)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        return f"cannot be followed: {error.strerror or error}"
    if not stat.S_ISDIR(mode):
        return describe(mode) or "is not a folder"
    return None


__all__ = [
    "DamagedStateError",
    "check_folder",
    "damaged_name",
    "describe",
    "move_aside",
    "open_state_file",
    "read_state_file",
]
