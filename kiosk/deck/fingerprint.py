"""A deck's content fingerprint: the same files give the same hash on every screen.

Screens of a fleet publish the same synced deck at different moments, so publish times and
version ids differ from screen to screen; the fingerprint does not. Metrics and the console
compare screens by it. It covers the deck folder and the `assets/` folder beside it, file names
and bytes, skipping the temporary files editors and sync tools leave behind.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

# Hash at most this much: a deck is a few MB; a wrong folder must not hash a whole disk.
MAX_BYTES = 512 * 1024 * 1024


def _files(top: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    if not top.is_dir():
        return found
    for directory, folders, names in os.walk(top):  # does not follow symlinked folders
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in names:
            if name.startswith(".") or name.endswith(("~", ".tmp", ".swp", ".part")):
                continue
            path = Path(directory) / name
            try:
                if stat.S_ISREG(path.stat().st_mode):
                    found.append((path.relative_to(top).as_posix(), path))
            except OSError:
                continue
    return sorted(found)


def deck_fingerprint(folder: Path) -> str:
    """sha256 (hex, first 16 digits) of every regular file under `folder` and `../assets`."""
    digest = hashlib.sha256()
    budget = MAX_BYTES
    for label, top in (("deck", folder), ("assets", folder.parent / "assets")):
        for relative, path in _files(top):
            digest.update(f"{label}/{relative}\0".encode())
            try:
                with path.open("rb") as handle:
                    while budget > 0 and (chunk := handle.read(min(1 << 20, budget))):
                        budget -= len(chunk)
                        digest.update(chunk)
            except OSError:
                digest.update(b"\0unreadable\0")
            digest.update(b"\0")
    return digest.hexdigest()[:16]
