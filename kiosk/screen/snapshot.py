"""The last first frame: a picture on screen while the loader child checks the deck.

A kiosk that starts (after a boot, a crash, an update) shows nothing until the limited loader
child has read, decoded and checked the deck: 0.4 s here, 1-2 s on a Raspberry Pi, several
seconds when a broken deck sends it to the last good one. So the first frame the kiosk drew is
kept in the state folder, and the next start shows it as soon as the window is open. It is a
picture of a deck that was checked and shown before, drawn by the kiosk itself; the kiosk's
own first frame replaces it moments later (the same picture, when nothing changed).

The file is this process's own data, never a deck file, and is never decoded: a header line
(size, deck, kiosk version, the pixels' length and CRC-32), then raw RGB rows of exactly that
size. It is read as hostile input (kiosk.statefile): never through a link, never blocking on
a pipe, checked whole. A damaged one (cut short, a flipped byte, not this file at all) is moved
aside with a warning and written again after the first frame; one for another screen size or
an older kiosk is simply not shown. It is rewritten only when the deck, the screen size or the
kiosk changed, so an SD card is not written at every start.
"""

from __future__ import annotations

import json
import logging
import zlib
from pathlib import Path
from typing import Any

import pygame

from kiosk.atomic import write_atomic
from kiosk.statefile import DamagedStateError, move_aside, read_state_file

log = logging.getLogger(__name__)

MAGIC = b"cvi-kiosk first frame 2\n"
_OLDER = b"cvi-kiosk first frame "  # an older kiosk's picture: outdated, not damaged
_HEADER_BYTES = 512  # the JSON line after MAGIC is far shorter
# The largest screen the kiosk draws on (8K); a bigger file is not a first frame.
_MAX_PIXELS = 7680 * 4320


def snapshot_path(state: Path) -> Path:
    return state / "first-frame.rgb"


def _header(size: tuple[int, int], pixels: bytes, fingerprint: str, version: str) -> bytes:
    fields = {
        "width": size[0],
        "height": size[1],
        "deck": fingerprint,
        "kiosk": version,
        "length": len(pixels),
        "crc32": zlib.crc32(pixels),
    }
    return MAGIC + json.dumps(fields, sort_keys=True).encode() + b"\n"


class _OutdatedError(Exception):
    """Written by an older kiosk: not shown, rewritten, not reported as damage."""


def _parse(data: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    """(header fields, header bytes, pixels) of a whole kept file, checked; raises
    DamagedStateError naming what is wrong, _OutdatedError for an older kiosk's file."""
    if not data.startswith(MAGIC):
        if data.startswith(_OLDER):
            raise _OutdatedError
        raise DamagedStateError("it does not start like a kept first frame")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + _HEADER_BYTES)
    if end < 0:
        raise DamagedStateError("its header line has no end")
    try:
        fields = json.loads(data[len(MAGIC) : end])
    except (ValueError, RecursionError):
        raise DamagedStateError("its header is not JSON") from None
    if not isinstance(fields, dict):
        raise DamagedStateError("its header is not a JSON object")
    numbers = [fields.get(k) for k in ("width", "height", "length", "crc32")]
    checked = [n for n in numbers if type(n) is int and n >= 0]
    if len(checked) != len(numbers):
        raise DamagedStateError("its header lacks a size, length or checksum")
    width, height, length, crc = checked
    pixels = data[end + 1 :]
    if length != width * height * 3 or len(pixels) != length:
        raise DamagedStateError(
            f"it holds {len(pixels)} bytes of pixels where its header says {length}"
        )
    if zlib.crc32(pixels) != crc:
        raise DamagedStateError("its pixels do not match their checksum")
    return fields, data[: end + 1], pixels


def _read(path: Path) -> tuple[dict[str, Any], bytes, bytes] | None:
    """The kept file, checked whole; None when missing or outdated. A damaged one (or
    whatever stands in its place: a pipe, a folder, a link) is moved aside."""
    try:
        data = read_state_file(path, limit=len(MAGIC) + _HEADER_BYTES + _MAX_PIXELS * 3)
        if data is None:
            return None
        return _parse(data)
    except _OutdatedError:
        return None
    except DamagedStateError as error:
        move_aside(path, str(error))
        return None


def load_first_frame(path: Path, size: tuple[int, int]) -> pygame.Surface | None:
    """The saved picture, if there is one for a screen of this `size`; else None."""
    kept = _read(path)
    if kept is None:
        return None
    fields, _, pixels = kept
    if (fields["width"], fields["height"]) != size:
        log.debug("no start-up picture from %s: it is for another screen size", path)
        return None
    return pygame.image.frombuffer(pixels, size, "RGB")


def save_first_frame(
    path: Path, picture: pygame.Surface, *, fingerprint: str, version: str
) -> bool:
    """Keep `picture` for the next start, unless the one kept is for the same deck, screen
    size and kiosk version, and whole. Atomic (a start never reads half a file). True if
    written."""
    pixels = pygame.image.tobytes(picture, "RGB")
    header = _header(picture.get_size(), pixels, fingerprint, version)
    try:
        kept = _read(path)
    except OSError:
        kept = None
    if kept is not None and kept[1] == header:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, header + pixels, mode=0o600, durable=False)
    except OSError as error:  # a full or read-only disk costs the next start its picture only
        log.warning("could not keep the first frame for the next start: %s", error)
        return False
    return True
