"""The copy engine: a deck folder (and the `assets/` beside it) copied whole, fsynced and
checked, or refused with every reason.

A copy is refused when a file is still open for writing, the source changes while it is
copied, a link points outside the deck, a file is special (FIFO, device) or the deck is far
larger than any real deck. Publishing (kiosk.decks.publish) and the last good deck
(kiosk.decks.lastgood) both copy with it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from kiosk.atomic import fsync_dir, write_all
from kiosk.deck.fingerprint import deck_fingerprint
from kiosk.decks.reload import is_temporary, scan
from kiosk.decks.store import PublishError
from kiosk.decks.writers import open_for_writing

# A deck is a few dozen YAML files and pictures; anything far beyond this is a wrong folder.
MAX_FILES = 2000
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
_CHUNK = 1024 * 1024


def source_deck(source: Path) -> Path:
    """The deck folder a source names: the folder itself, or its `slides/` (a checkout)."""
    source = Path(source)
    if not (source / "deck.yaml").exists() and (source / "slides" / "deck.yaml").is_file():
        return source / "slides"
    return source


def copy_deck(slides: Path, destination: Path) -> str:
    """Copy `slides/` and the `assets/` beside it into `destination/slides` and
    `destination/assets`, fsynced, and return the deck hash. Raises PublishError if a file is
    unusable, still being written, or the source changed while it was being copied."""
    return snapshot(source_deck(slides), destination)


def snapshot(slides: Path, destination: Path) -> str:
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
