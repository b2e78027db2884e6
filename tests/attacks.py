"""Hostile deck files, shared by the loader tests and the benchmark: each is a way a synced
folder has hurt (or could hurt) the screen. Bytes are built here by hand on purpose: they
are attacks on the parsers, so they must not come from a library that writes valid files."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DECK_YAML = "title: Hostile deck\nlanguages: [en]\n"


def image_section(image: str) -> str:
    return (
        "section: Care\nslides:\n"
        "  - id: walk\n    kind: bullets\n    title: Walk every day\n"
        "    bullets: [Walk, Raise your legs]\n"
        "  - id: picture\n    kind: text-image\n    title: A picture\n"
        f"    body: Short text.\n    image: {image}\n"
    )


PLAIN_SECTION = (
    "section: Care\nslides:\n"
    "  - id: walk\n    kind: bullets\n    title: Walk every day\n"
    "    bullets: [Walk, Raise your legs]\n"
    "  - id: rest\n    kind: callout\n    title: Rest with your legs up\n"
    "    body: Raise your legs above your heart for a while each day.\n"
)


def make_deck(root: Path, section: str = PLAIN_SECTION, *, fonts: bool = True) -> Path:
    """A small valid deck in `root/slides`, with the bundled fonts in `root/assets/fonts`."""
    folder = root / "slides"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "deck.yaml").write_text(DECK_YAML, encoding="utf-8")
    (folder / "10-care.yaml").write_text(section, encoding="utf-8")
    if fonts:
        shutil.copytree(ROOT / "assets" / "fonts", root / "assets" / "fonts", dirs_exist_ok=True)
    return folder


def png(width: int, height: int, *, body: bytes = b"") -> bytes:
    """A PNG signature and IHDR claiming width×height, then `body` (an IDAT, or nothing)."""
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13)
        + ihdr
        + struct.pack(">I", zlib.crc32(ihdr))
        + body
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# -- the attacks from the issue --------------------------------------------------------------

# 123 bytes: `height` before `width`, which the old regex-based header check did not match.
SVG_HEIGHT_FIRST = (
    b'<svg xmlns="http://www.w3.org/2000/svg" height="60000" width="60000">'
    b'<rect width="60000" height="60000" fill="#123"/></svg>'
)
SVG_VIEWBOX_ONLY = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 60000 60000">'
    b'<rect width="10" height="10"/></svg>'
)
SVG_SINGLE_QUOTES = (
    b"<svg xmlns='http://www.w3.org/2000/svg' width='60000' height='60000'>"
    b"<rect width='10' height='10'/></svg>"
)
# An XML comment hides a second <svg> from an XML parser but not from nanosvg.
SVG_SMUGGLED = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<!-- > <svg width="60000" height="60000"> --><rect width="5" height="5"/></svg>'
)
SVG_ENTITIES = (
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY w "60000">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="&w;" height="&w;"/>'
)


def gif_claiming(width: int, height: int, total: int = 35) -> bytes:
    """A GIF whose screen and first image claim width×height, padded to `total` bytes."""
    size = struct.pack("<HH", width, height)
    data = b"GIF89a" + size + b"\x00\x00\x00" + b"\x2c\x00\x00\x00\x00" + size + b"\x00"
    data += b"\x02\x02\x44\x01\x00\x3b"
    return data + b"\x00" * (total - len(data))


@dataclass(frozen=True)
class Attack:
    name: str
    # Writes the hostile thing into the deck folder; returns the file the problem must name.
    plant: Callable[[Path], str]


def _image(name: str, data: bytes) -> Callable[[Path], str]:
    def plant(folder: Path) -> str:
        (folder / "10-care.yaml").write_text(image_section(f"images/{name}"), encoding="utf-8")
        (folder / "images").mkdir(exist_ok=True)
        (folder / "images" / name).write_bytes(data)
        return f"images/{name}"

    return plant


def _yaml_thing(make: Callable[[Path], None]) -> Callable[[Path], str]:
    def plant(folder: Path) -> str:
        make(folder / "20-x.yaml")
        return "20-x.yaml"

    return plant


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def _folder(path: Path) -> None:
    path.mkdir()


def _socket(path: Path) -> None:
    # Bound and left behind, as a crashed program would; the test closes nothing, the
    # tmp folder goes away with it.
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.close()


def _outside(path: Path) -> None:
    secret = path.parent.parent / "outside.yaml"  # beside slides/ and assets/, in neither
    secret.write_text(PLAIN_SECTION.replace("walk", "stolen"), encoding="utf-8")
    path.symlink_to(secret)


def _megabyte(path: Path) -> None:
    _long_body(path, 1_000_000)


def _long_body(path: Path, size: int) -> None:
    body = "word " * (size // 5)
    path.write_text(
        f"section: Long\nslides:\n  - id: long\n    kind: callout\n    title: Long\n    body: {body}\n",
        encoding="utf-8",
    )


def _corrupt_font(folder: Path) -> str:
    font = folder.parent / "assets" / "fonts" / "AtkinsonHyperlegible-Regular.woff"
    font.write_bytes(b"wOFF" + os.urandom(2000))
    return "AtkinsonHyperlegible-Regular.woff"


def _missing_font(folder: Path) -> str:
    (folder.parent / "assets" / "fonts" / "AtkinsonHyperlegible-Bold.woff").unlink()
    return "AtkinsonHyperlegible-Bold.woff"


ATTACKS = [
    Attack("svg-height-before-width", _image("valves.svg", SVG_HEIGHT_FIRST)),
    Attack("svg-viewbox-only", _image("valves.svg", SVG_VIEWBOX_ONLY)),
    Attack("svg-single-quotes", _image("valves.svg", SVG_SINGLE_QUOTES)),
    Attack("svg-smuggled-in-comment", _image("valves.svg", SVG_SMUGGLED)),
    Attack("svg-entities", _image("valves.svg", SVG_ENTITIES)),
    Attack("gif-named-png-65535", _image("photo.png", gif_claiming(65535, 65535))),
    Attack("png-truncated", _image("photo.png", png(640, 480)[:20])),
    Attack("png-header-only", _image("photo.png", png(640, 480))),
    Attack(
        "png-cut-in-pixels",
        _image(
            "photo.png", png(640, 480, body=png_chunk(b"IDAT", zlib.compress(bytes(9000))[:40]))
        ),
    ),
    Attack("random-bytes", _image("photo.png", bytes(range(256)) * 4 + b"\x89PNG")),
    Attack("fifo-yaml", _yaml_thing(_fifo)),
    Attack("symlink-to-dev-zero", _yaml_thing(_dev_zero)),
    Attack("folder-named-yaml", _yaml_thing(_folder)),
    Attack("socket-named-yaml", _yaml_thing(_socket)),
    Attack("symlink-leaving-deck", _yaml_thing(_outside)),
    Attack("one-megabyte-body", _yaml_thing(_megabyte)),
    # Under the size limit: read, parsed and laid out (it cannot fit on a slide) in the child.
    Attack("quarter-megabyte-body", _yaml_thing(lambda p: _long_body(p, 250_000))),
    Attack("corrupt-font", _corrupt_font),
    Attack("missing-font", _missing_font),
]
