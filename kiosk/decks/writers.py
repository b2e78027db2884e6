"""Which processes still have a deck file open for writing (Linux, via /proc).

Editing the live deck folder directly is allowed for development, but a file that some process
is still writing must never be loaded: an editor or a copy that pauses mid-file can leave valid
YAML that says something else ("Do not wear compression stockings" without its condition).
The watcher's settle time cannot tell a pause from an end; the kernel can. So before loading,
the reloader asks: does any process hold a file inside the deck open with O_WRONLY or O_RDWR?

The scan reads `/proc/<pid>/fd/*` links and `/proc/<pid>/fdinfo/<fd>` flags. It only runs when
the folder's signature changed and a load is due, so its cost (a few ms for a few hundred
processes) is paid once per edit, not per frame.

Limits, documented in docs/deploy.md: only processes whose /proc entries we may read are seen
(our own user's; run editors and sync tools as the kiosk user), and a writer on another machine
(a network share) is invisible. Publishing (`kiosk publish`) has neither limit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
# O_ACCMODE bits of the `flags:` line in fdinfo (octal): 1 = O_WRONLY, 2 = O_RDWR.
_ACCESS_MODE = 0o3


@dataclass(frozen=True)
class Writer:
    pid: int
    path: str
    command: str

    def __str__(self) -> str:
        return f"{self.path} is open for writing by process {self.pid} ({self.command})"


def supported(proc: Path = PROC) -> bool:
    """True where open files can be seen (Linux with /proc mounted)."""
    return (proc / "self" / "fd").is_dir()


def open_for_writing(roots: Iterable[Path], proc: Path = PROC) -> list[Writer]:
    """Every file under one of `roots` that a process has open for writing. Never raises;
    processes that vanish or that we may not look at are skipped."""
    prefixes = tuple(
        {str(Path(root).resolve()).rstrip("/") + "/" for root in roots if Path(root).exists()}
    )
    if not prefixes:
        return []
    found: list[Writer] = []
    try:
        pids = [name for name in os.listdir(proc) if name.isdigit()]
    except OSError:
        return []
    for pid in pids:
        fd_dir = proc / pid / "fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # gone, or another user's process
            continue
        for fd in fds:
            try:
                target = os.readlink(fd_dir / fd)
            except OSError:
                continue
            if not target.startswith(prefixes) or target.endswith(" (deleted)"):
                continue
            if _writable(proc / pid / "fdinfo" / fd):
                found.append(Writer(int(pid), target, _command(proc / pid)))
    return found


def _writable(fdinfo: Path) -> bool:
    try:
        text = fdinfo.read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags:"):
            try:
                return int(line.split()[1], 8) & _ACCESS_MODE != 0
            except (IndexError, ValueError):
                return False
    return False


def _command(process: Path) -> str:
    try:
        return (process / "comm").read_text(encoding="utf-8", errors="replace").strip() or "?"
    except OSError:
        return "?"
