"""Open deck files without letting the file decide what happens.

A deck folder is synced from elsewhere, so any name in it may be a named pipe (reading blocks
for ever), a device (/dev/zero reads for ever), a folder called `x.yaml`, a socket, or a
symlink pointing anywhere on the disk. `read_deck_file` looks before it reads: it resolves
the path, insists it stays inside the deck's own folders, insists on a regular file (checked
with `stat` before opening and with `fstat` on the open descriptor, so a swap in between is
caught), opens with O_NONBLOCK, and counts bytes while reading instead of trusting the size
`stat` reported. No pygame, no decoding.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

_CHUNK = 65536


class FileRefusedError(Exception):
    """This file will not be read; `str()` is the reason, written for a person."""


class FileTooLargeError(FileRefusedError):
    """Larger than the limit (said by `stat`, or found while reading)."""


def describe_mode(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file (also used for the
    kiosk's own state files, kiosk.statefile)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISLNK(mode):
        return "is a symbolic link, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is not a regular file"


def _kind(mode: int) -> str | None:
    problem = describe_mode(mode)
    if problem is None or stat.S_ISDIR(mode):
        return problem
    return f"{problem}; it was not read"


def read_at_most(fd: int, limit: int) -> bytes | None:
    """Every byte of `fd` when there are at most `limit`, None when there are more (it stops
    reading at `limit` + 1). OSError as the reads raise it."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            return None


def resolve_inside(path: Path, roots: Sequence[Path]) -> Path:
    """`path` with every symlink and `..` resolved, if it stays inside one of `roots`."""
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        if os.path.islink(path):
            raise FileRefusedError(
                f"is a symlink to {os.readlink(path)}, which does not exist"
            ) from None
        raise FileRefusedError("file not found") from None
    except (OSError, RuntimeError) as error:  # a symlink loop, a permission problem
        reason = getattr(error, "strerror", None) or error
        raise FileRefusedError(f"cannot be followed: {reason}") from None
    real_roots = [root.resolve() for root in roots]
    if not any(resolved.is_relative_to(root) for root in real_roots):
        names = " or ".join(f"{root.name}/" for root in real_roots)
        raise FileRefusedError(
            f"leads to {resolved}, outside the deck (symlinks must stay inside {names})"
        )
    return resolved


def read_deck_file(path: Path, *, limit: int, roots: Sequence[Path]) -> bytes:
    """The bytes of a regular file inside `roots`, at most `limit` of them, or FileRefusedError."""
    resolved = resolve_inside(path, roots)
    try:
        info = os.stat(resolved)
    except OSError as error:
        raise FileRefusedError(f"cannot be read: {error.strerror or error}") from None
    problem = _kind(info.st_mode)
    if problem is not None:
        raise FileRefusedError(problem)
    if info.st_size > limit:
        raise FileTooLargeError(f"file is {info.st_size} bytes; the limit is {limit} bytes")
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(resolved, flags)
    except OSError as error:
        raise FileRefusedError(f"cannot be opened: {error.strerror or error}") from None
    try:
        problem = _kind(os.fstat(fd).st_mode)  # swapped for something else since the stat?
        if problem is not None:
            raise FileRefusedError(problem)
        try:
            data = read_at_most(fd, limit)
        except BlockingIOError:
            raise FileRefusedError("would block while being read; it was not read") from None
        except OSError as error:
            raise FileRefusedError(f"cannot be read: {error.strerror or error}") from None
        if data is None:
            raise FileTooLargeError(f"file is larger than the limit of {limit} bytes")
        return data
    finally:
        os.close(fd)


__all__ = [
    "FileRefusedError",
    "FileTooLargeError",
    "describe_mode",
    "read_at_most",
    "read_deck_file",
    "resolve_inside",
]
