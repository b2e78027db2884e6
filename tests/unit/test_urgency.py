"""Triage a visitor who cannot read can follow: `urgency:` bands, checked on real pixels.

Each level (emergency, today, routine) has its own band colour, its own picture on the band,
its own slide picture, and an emergency band shows the number to call in large digits, at
every checked screen size, in both languages and both text sizes."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.model import Deck, Urgency
from kiosk.loader.check import STANDARD_SIZES
from kiosk.screen.layout import MAX_TITLE_FRACTION, URGENCY_ROLES, Rect, Role, Screen, ShapeKind
from kiosk.screen.presentation import paginate
from kiosk.screen.render import FontBook, font_dirs
from kiosk.screen.render.slides import SlideRenderer
from tests.unit.test_render import contrast

DECK_DIR = Path(__file__).resolve().parents[2] / "slides"
SIZES = STANDARD_SIZES  # the sizes `kiosk validate` checks every deck at
# The bundled deck's triage slides, one per level.
BUNDLED = {
    Urgency.EMERGENCY: "emergency",
    Urgency.TODAY: "call-the-same-day",
    Urgency.ROUTINE: "talk-with-your-provider",
}


@pytest.fixture(scope="module")
def deck() -> Deck:
    return load_deck(DECK_DIR)


@pytest.fixture(scope="module")
def fonts(deck: Deck) -> FontBook:
    pygame.display.init()
    pygame.display.set_mode((1, 1))
    return FontBook(font_dirs(deck.root))


def _index(deck: Deck, slide_id: str) -> int:
    return next(n for n, s in enumerate(deck.slides) if s.id == slide_id)


def test_the_bundled_when_to_call_slides_carry_the_three_levels_and_pictures(deck):
    slides = {level: deck.slides[_index(deck, name)] for level, name in BUNDLED.items()}
    assert {level: s.urgency for level, s in slides.items()} == {u: u for u in Urgency}
    pictures = {s.image for s in slides.values()}
    assert len(pictures) == 3 and None not in pictures, "each level needs its own picture"
    assert all(s.emergency_number == "911" for s in slides.values())


def _band_pixels(surface: pygame.Surface, band: Rect, step: int) -> Counter[tuple[int, int, int]]:
    return Counter(
        tuple(surface.get_at((x, y))[:3])
        for y in range(band.y, band.bottom, step)
        for x in range(band.x, band.right, step)
    )


@pytest.mark.parametrize("larger", [False, True], ids=["normal", "A+"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_each_level_is_drawn_distinctly_on_pixels(deck, fonts, size, larger):
    """Every page of each level's slide (A+ may re-flow one onto several), both languages."""
    screen = Screen(*size).larger() if larger else Screen(*size)
    pages, levels = [], []
    for level, slide_id in BUNDLED.items():
        slide = deck.slides[_index(deck, slide_id)]
        shown = paginate(slide, deck.languages, screen, fonts) if larger else (slide,)
        assert all(page.urgency is level for page in shown), "every page keeps its band"
        pages += shown
        levels += [level] * len(shown)
    renderer = SlideRenderer(dataclasses.replace(deck, slides=tuple(pages)), screen, fonts)
    theme = deck.theme
    seen_bands: dict[Urgency, tuple[int, int, int]] = {}
    masks: dict[Urgency, bytes] = {}
    for index, level in enumerate(levels):
        fill_role, ink_role = URGENCY_ROLES[level]
        fill, ink = getattr(theme, fill_role.value), getattr(theme, ink_role.value)
        for language in deck.languages:
            plan = renderer.plan(index, language)
            band = next(s for s in plan.shapes if s.kind is ShapeKind.BAND)
            # Across the top of the content, full width, above the title.
            assert band.rect.y == screen.content.y and band.rect.w == screen.content.w
            title = next(line for line in plan.lines if line.role is Role.TEXT)
            assert title.y >= band.rect.bottom
            surface = renderer.surface(index, language)
            pixels = _band_pixels(surface, band.rect, max(2, screen.shorter // 300))
            ground, _ = pixels.most_common(1)[0]
            assert ground == fill, (level, language, ground)
            strongest = max(pixels, key=lambda c: contrast(c, ground))
            # AAA for the words on the band, measured on what was drawn.
            assert contrast(strongest, ground) >= 7.0, (level, language)
            assert ink in pixels, "the band's words and picture are in the band's text colour"
            on_band = [line for line in plan.lines if line.role is ink_role]
            assert on_band, "the level is said in words too"
            for line in on_band:
                width = fonts.width(line.text, line.size, line.bold)
                box = Rect(line.x, line.y, width, fonts.line_height(line.size, line.bold))
                assert box.inside(band.rect), (level, language, line.text, size)
                assert line.size >= screen.min_body
            if level is Urgency.EMERGENCY:
                number = on_band[0]
                assert number.text == "911"
                # The largest text on the slide; in A+ (which does not grow it) still larger
                # than any title of the normal layout.
                largest = max(line.size for line in plan.lines)
                if larger:
                    largest = round(screen.shorter * MAX_TITLE_FRACTION)
                assert number.size >= largest, "the largest text"
            picture = next(s for s in plan.shapes if s.role is ink_role).rect
            assert picture.inside(band.rect)
            data = pygame.image.tobytes(
                surface.subsurface(pygame.Rect(picture.x, picture.y, picture.w, picture.h)), "RGB"
            )
            # Where the picture has the band's ink: its shape, whatever the colours.
            masks[level] = bytes(data[n : n + 3] == bytes(ink) for n in range(0, len(data), 3))
            assert any(masks[level]), (level, language)
        seen_bands[level] = ground
    assert len(set(seen_bands.values())) == 3
    # Three different pictures on the bands, not one icon in three colours.
    assert len(set(masks.values())) == 3


def test_the_deck_number_is_drawn_on_emergency_bands(deck_copy: Path, fonts):
    deck_yaml = deck_copy / "deck.yaml"
    deck_yaml.write_text(deck_yaml.read_text() + 'emergency_number: "112"\n')
    deck = load_deck(deck_copy)
    assert deck.emergency_number == "112"
    index = _index(deck, "emergency")
    for size in SIZES:
        plan = SlideRenderer(deck, Screen(*size), fonts).plan(index, "es")
        assert next(ln.text for ln in plan.lines if ln.role is Role.EMERGENCY_TEXT) == "112"


def _problems(deck_copy: Path) -> list[str]:
    with pytest.raises(DeckError) as caught:
        load_deck(deck_copy)
    return [str(p) for p in caught.value.errors]


def test_an_unknown_level_is_named_with_file_line_and_field(deck_copy: Path):
    path = deck_copy / "85-when-to-call.yaml"
    text = path.read_text()
    path.write_text(text.replace("urgency: today", "urgency: soon"))
    line = text.splitlines().index("    urgency: today") + 1
    # (the question that teaches from the refused slide is named too)
    assert _problems(deck_copy)[0] == (
        f"slides/85-when-to-call.yaml:{line}: slides[2].urgency: expected one of "
        "emergency, today, routine, got 'soon'"
    )


def test_urgency_on_a_kind_without_room_for_it_is_refused(deck_copy: Path):
    path = deck_copy / "10-welcome.yaml"
    path.write_text(path.read_text().replace("kind: title", "kind: title\n    urgency: routine", 1))
    [problem] = _problems(deck_copy)
    assert problem.endswith("slides[0].urgency: 'urgency' is not used by a title slide")


@pytest.mark.parametrize(
    "value", ["nine-one-one", "'+1 911'", "[911]", "0100", "12345678901234567"]
)
def test_a_bad_emergency_number_is_refused(deck_copy: Path, value: str):
    deck_yaml = deck_copy / "deck.yaml"
    deck_yaml.write_text(deck_yaml.read_text() + f"emergency_number: {value}\n")
    [problem] = _problems(deck_copy)
    assert "deck.yaml:" in problem and "emergency_number: expected the number to call" in problem


def test_an_emergency_number_in_quotes_keeps_its_zeros(deck_copy: Path):
    deck_yaml = deck_copy / "deck.yaml"
    deck_yaml.write_text(deck_yaml.read_text() + 'emergency_number: "000"\n')
    deck = load_deck(deck_copy)
    assert deck.emergency_number == "000"
    assert deck.slides[_index(deck, "emergency")].emergency_number == "000"
    assert deck.slides[0].emergency_number == "911", "only urgency slides carry it"


def test_a_band_with_a_number_too_long_for_the_screen_is_a_layout_error(deck, fonts):
    from kiosk.screen.layout import LayoutError, layout_slide

    slide = dataclasses.replace(
        deck.slides[_index(deck, "emergency")], emergency_number="1 800 222 1222 333"
    )
    with pytest.raises(LayoutError, match="urgency band"):
        layout_slide(slide, "es", Screen(1080, 1920).larger(), fonts)
