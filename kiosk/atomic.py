"""Writing files so that a power cut leaves the old file or the new one, never half of each.

Every file the kiosk and its tools write goes through here, with one policy:
- the data is written to a temporary file in the same folder, fsynced, then renamed over the
  target (`os.replace` is atomic on POSIX), and the folder is fsynced so the rename survives;
- the file's mode is given by the caller (0644 unless it holds a secret: 0600), set before
  the rename, so the file is never visible with other modes;
- a failure removes the temporary file and raises; the old file is untouched.

Symbolic links that say which copy is live (a deck home's `current`, the last good deck) are
switched the same way: a new link under a temporary name, renamed over the old one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

PUBLIC = 0o644
SECRET = 0o600


def write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (a write may be short)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a rename, a new file) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as error:  # some filesystems cannot sync a directory; the data is synced
        if error.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


def write_atomic(
    path: Path,
    data: bytes | str,
    *,
    mode: int = PUBLIC,
    durable: bool = True,
    check: Callable[[Path], None] | None = None,
) -> None:
    """Replace `path` with `data` atomically. `durable=False` skips the fsyncs, for files
    rewritten every few seconds whose loss in a power cut costs nothing (the status file).
    `check` is called with the finished temporary file before the rename (an upload decoded
    in a child process); if it raises, nothing is replaced."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            os.fchmod(fd, mode)
            write_all(fd, raw)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        if check is not None:
            check(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if durable:
        fsync_dir(path.parent)


def replace_symlink(link: Path, target: str) -> None:
    """Point `link` at `target` (relative to the link's folder) atomically and durably:
    readers see the old target or the new one, never no link. The temporary link is named
    `.<link name>-<pid>-<random>`, so a clean-up after a power cut can find it."""
    while True:
        temporary = link.with_name(f".{link.name}-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            os.symlink(target, temporary)
            break
        except FileExistsError:
            continue
    try:
        os.replace(temporary, link)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_dir(link.parent)


def write_durably(path: Path, data: bytes | str, *, mode: int = PUBLIC) -> None:
    """Write a new file in a folder nobody reads yet (a version being staged): in place,
    fsynced; the folder's own rename makes it visible atomically."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        write_all(fd, raw)
        os.fsync(fd)
    finally:
        os.close(fd)


def _walk_dirs(top: Path) -> Iterator[Path]:
    for folder, _dirs, _files in os.walk(top):
        yield Path(folder)


def remove_tree(top: Path) -> None:
    """Remove a folder even when it was sealed read-only (a published version)."""
    if not os.path.lexists(top):
        return
    if top.is_symlink() or not top.is_dir():
        top.unlink()
        return
    for folder in _walk_dirs(top):
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o755)
    shutil.rmtree(top, ignore_errors=True)
