"""Every bundled SVG drawn at every size the kiosk draws it at, checked against the same
drawing made another way (at the file's own size, then scaled down), so a rasteriser
defect such as a stray line shows as ink where the reference has none.

nanosvg drew a straight line across assets/images/diagnosis.svg at the 4K picture size
(1458 px wide) from its dashed strokes; the bundled pictures now draw dashes as pieces."""

from __future__ import annotations

import io
from pathlib import Path

import pygame
import pytest

from kiosk.deck.images import DEFAULT_LIMITS, decode
from kiosk.loader.check import STANDARD_SIZES
from kiosk.screen.layout import largest_image_box

IMAGES = Path(__file__).resolve().parents[2] / "assets" / "images"
SVGS = sorted(IMAGES.glob("*.svg"))
SIZES = STANDARD_SIZES  # the sizes `kiosk validate` checks every deck at


def _fits() -> list[tuple[int, int]]:
    """The boxes the loader scales pictures into: each checked screen's, and all of them at
    once (a kiosk checked for several sizes decodes for the largest box of each side)."""
    boxes = [largest_image_box(w, h) for w, h in SIZES]
    every = (max(w for w, _ in boxes), max(h for _, h in boxes))
    return sorted({*boxes, every})


@pytest.fixture(scope="module", autouse=True)
def display() -> None:
    pygame.display.init()
    pygame.display.set_mode((1, 1))


def _surface(rgba: bytes, size: tuple[int, int]) -> pygame.Surface:
    return pygame.image.frombytes(rgba, size, "RGBA")


@pytest.mark.parametrize("path", SVGS, ids=lambda p: p.name)
def test_every_svg_draws_without_strays_at_every_kiosk_size(path: Path) -> None:
    data = path.read_bytes()
    native = pygame.image.load(io.BytesIO(data), "image.svg").convert(32, pygame.SRCALPHA)
    for fit in _fits():
        drawn = decode(data, DEFAULT_LIMITS, fit)
        size = (drawn.width, drawn.height)
        reference = pygame.transform.smoothscale(native, size)
        image = _surface(drawn.rgba, size)
        # Solid ink in one where the other has (next to) nothing, both ways: a stray line
        # of ink, or a line cut through a shape.
        strays = _strays(image, reference) + _strays(reference, image)
        assert (
            strays <= size[0] * size[1] // 5000
        ), f"{path.name} at {size[0]}×{size[1]} draws {strays} pixels unlike the reference"


def _strays(one: pygame.Surface, other: pygame.Surface) -> int:
    ink = pygame.mask.from_surface(one, 200)
    covered = pygame.mask.from_surface(other, 16)
    for dx, dy in ((1, 0), (0, 1), (-1, 0), (0, -1)):
        covered.draw(covered, (dx, dy))  # a pixel of slack for edges placed differently
    ink.erase(covered, (0, 0))
    return int(ink.count())


@pytest.mark.parametrize("path", SVGS, ids=lambda p: p.name)
def test_no_bundled_svg_uses_dashes(path: Path) -> None:
    """nanosvg's dashed strokes are what drew the stray line: draw dashes as pieces."""
    assert "stroke-dasharray" not in path.read_text(encoding="utf-8"), path.name
