"""The bundled assets: every illustration draws in pygame, is self-contained and simple enough for
nanosvg; the bundled fonts load and really contain the Spanish letters; the licences are there."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

ASSETS = Path(__file__).resolve().parents[2] / "assets"
IMAGES = ASSETS / "images"
FONTS = ASSETS / "fonts"

SVGS = sorted(IMAGES.glob("*.svg"))
REQUIRED_SVGS = {
    "vein-valves.svg",
    "legs-raised.svg",
    "compression-stocking.svg",
    "walking.svg",
    "leg-veins.svg",
}
# Elements nanosvg cannot draw, or that pull in something from outside the file.
FORBIDDEN_ELEMENTS = {
    "text",
    "tspan",
    "textPath",
    "image",
    "use",
    "style",
    "script",
    "filter",
    "foreignObject",
    "mask",
    "pattern",
}
ALLOWED_SIZES = {(1600, 1200), (1200, 1200)}

FONT_FILES = {
    "regular": FONTS / "AtkinsonHyperlegible-Regular.woff",
    "bold": FONTS / "AtkinsonHyperlegible-Bold.woff",
    "italic": FONTS / "AtkinsonHyperlegible-Italic.woff",
}
SPANISH_SAMPLE = "Hinchazón ¿Qué? ñ á é í ó ú ü ¡Sí! Ñ Á É Í Ó Ú Ü"
# Each accented letter must look different from its plain letter (not dropped, not a box).
ACCENTED = {
    "á": "a",
    "é": "e",
    "í": "i",
    "ó": "o",
    "ú": "u",
    "ü": "u",
    "ñ": "n",
    "Á": "A",
    "É": "E",
    "Í": "I",
    "Ó": "O",
    "Ú": "U",
    "Ü": "U",
    "Ñ": "N",
    "¿": "?",
    "¡": "!",
}
NOT_IN_FONT = "\ue000"  # a private-use code point: the font draws its "missing glyph" box


@pytest.fixture(scope="module", autouse=True)
def _fonts() -> Iterator[None]:
    """pygame.font for this module only; leave it as other test modules had it."""
    was_on = pygame.font.get_init()
    pygame.font.init()
    yield
    if not was_on:
        pygame.font.quit()


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _glyph(font: pygame.font.Font, text: str) -> bytes:
    return pygame.image.tobytes(font.render(text, True, (255, 255, 255), (0, 0, 0)), "RGB")


# --- illustrations ---------------------------------------------------------------------------


def test_the_illustrations_are_all_there() -> None:
    names = {path.name for path in SVGS}
    assert names >= REQUIRED_SVGS, f"missing: {sorted(REQUIRED_SVGS - names)}"


@pytest.mark.parametrize("path", SVGS, ids=lambda p: p.name)
def test_svg_has_matching_size_and_viewbox(path: Path) -> None:
    root = ET.parse(path).getroot()
    assert _local(root.tag) == "svg"
    width, height = int(root.attrib["width"]), int(root.attrib["height"])
    assert (width, height) in ALLOWED_SIZES
    assert root.attrib["viewBox"].split() == ["0", "0", str(width), str(height)]


@pytest.mark.parametrize("path", SVGS, ids=lambda p: p.name)
def test_svg_is_self_contained_and_simple(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert "<!DOCTYPE" not in source and "<!ENTITY" not in source
    root = ET.fromstring(source)
    for element in root.iter():
        name = _local(element.tag)
        assert name not in FORBIDDEN_ELEMENTS, f"<{name}> in {path.name}"
        for attribute, value in element.attrib.items():
            assert _local(attribute) not in {
                "href",
                "style",
                "filter",
                "class",
            }, f"{attribute}= on <{name}> in {path.name}"
            assert not re.search(r"url\(\s*['\"]?(?!#)", value), f"external url() in {path.name}"
            if attribute != "xmlns":
                assert "://" not in value, f"external reference in {path.name}: {value}"


@pytest.mark.parametrize("path", SVGS, ids=lambda p: p.name)
def test_svg_draws_in_pygame_on_a_transparent_background(path: Path) -> None:
    surface = pygame.image.load(str(path))
    root = ET.parse(path).getroot()
    assert surface.get_size() == (int(root.attrib["width"]), int(root.attrib["height"]))
    assert surface.get_flags() & pygame.SRCALPHA, "no alpha channel: background not transparent"
    w, h = surface.get_size()
    drawn = pygame.mask.from_surface(surface, 127).count() / (w * h)
    # Enough ink to be a picture, and enough left clear to sit on the slide's own background.
    assert 0.05 < drawn < 0.75, f"{path.name}: {drawn:.0%} of the pixels are drawn"
    corners = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)]
    assert sum(surface.get_at(corner).a == 0 for corner in corners) >= 3


def test_every_illustration_has_alt_text_in_the_readme() -> None:
    readme = (IMAGES / "README.md").read_text(encoding="utf-8")
    assert "MIT" in readme
    for path in SVGS:
        assert f"`{path.name}`" in readme, f"{path.name} is not described in README.md"


# --- fonts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("style", sorted(FONT_FILES))
def test_bundled_font_renders_spanish(style: str) -> None:
    path = FONT_FILES[style]
    assert path.is_file(), f"missing {path.name}"
    font = pygame.font.Font(path, 48)
    surface = font.render(SPANISH_SAMPLE, True, (255, 255, 255))
    assert surface.get_width() > 400 and surface.get_height() >= 40
    missing = _glyph(font, NOT_IN_FONT)
    for accented, plain in ACCENTED.items():
        glyph = _glyph(font, accented)
        assert glyph != missing, f"{path.name} has no glyph for {accented!r}"
        assert glyph != _glyph(font, plain), f"{path.name} draws {accented!r} like {plain!r}"


def test_bold_is_bolder_than_regular() -> None:
    regular = pygame.font.Font(FONT_FILES["regular"], 48).render("Hinchazón", True, (255, 255, 255))
    bold = pygame.font.Font(FONT_FILES["bold"], 48).render("Hinchazón", True, (255, 255, 255))
    ink = [pygame.mask.from_surface(s, 127).count() for s in (regular, bold)]
    assert ink[1] > ink[0] * 1.15


def test_font_licence_sits_next_to_the_fonts() -> None:
    licence = (FONTS / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Braille Institute" in licence
    assert (FONTS / "README.md").is_file()
