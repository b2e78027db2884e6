"""The last first frame: a picture on screen while the loader child checks the deck.

A kiosk that starts (after a boot, a crash, an update) shows nothing until the limited loader
child has read, decoded and checked the deck: 0.4 s here, 1-2 s on a Raspberry Pi, several
seconds when a broken deck sends it to the last good one. So the first frame the kiosk drew is
kept in the state folder, and the next start shows it as soon as the window is open. It is a
picture of a deck that was checked and shown before, drawn by the kiosk itself; the kiosk's
own first frame replaces it moments later (the same picture, when nothing changed).

The file is this process's own data, never a deck file, and is never decoded: a header line,
then raw RGB rows of exactly the size the header and the screen agree on. Anything else in it
is ignored. It is rewritten only when the deck, the screen size or the kiosk changed, so an SD
card is not written at every start.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

import pygame

log = logging.getLogger(__name__)

MAGIC = b"cvi-kiosk first frame 1\n"
_HEADER_BYTES = 512  # the JSON line after MAGIC is far shorter


def snapshot_path(state: Path) -> Path:
    return state / "first-frame.rgb"


def _header(size: tuple[int, int], fingerprint: str, version: str) -> bytes:
    fields = {"width": size[0], "height": size[1], "deck": fingerprint, "kiosk": version}
    return MAGIC + json.dumps(fields, sort_keys=True).encode() + b"\n"


def _read_header(stream: BinaryIO) -> bytes:
    magic = stream.readline(len(MAGIC) + 1)
    if magic != MAGIC:
        return b""
    line = stream.readline(_HEADER_BYTES)
    return magic + line if line.endswith(b"\n") else b""


def load_first_frame(path: Path, size: tuple[int, int]) -> pygame.Surface | None:
    """The saved picture, if there is one for a screen of this `size`; else None."""
    try:
        with open(path, "rb") as stream:
            header = _read_header(stream)
            if not header:
                return None
            fields = json.loads(header[len(MAGIC) :])
            if (fields.get("width"), fields.get("height")) != size:
                return None
            wanted = size[0] * size[1] * 3
            pixels = stream.read(wanted + 1)
    except (OSError, ValueError, AttributeError) as error:  # AttributeError: JSON not an object
        log.debug("no start-up picture from %s: %s", path, error)
        return None
    if len(pixels) != wanted:  # cut short, or more than the header said
        log.debug("no start-up picture from %s: %d bytes of pixels", path, len(pixels))
        return None
    return pygame.image.frombuffer(pixels, size, "RGB")


def save_first_frame(
    path: Path, picture: pygame.Surface, *, fingerprint: str, version: str
) -> bool:
    """Keep `picture` for the next start, unless the one kept is for the same deck, screen
    size and kiosk version. Atomic (a start never reads half a file). True if written."""
    header = _header(picture.get_size(), fingerprint, version)
    try:
        with open(path, "rb") as stream:
            if _read_header(stream) == header:
                return False
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".first-frame-", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(header)
                out.write(pygame.image.tobytes(picture, "RGB"))
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:  # a full or read-only disk costs the next start its picture only
        log.warning("could not keep the first frame for the next start: %s", error)
        return False
    return True
