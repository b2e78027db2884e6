"""The standing "Emergency? Call 911" line: on every slide and in every mode and overlay, in
both languages and text sizes, with the deck's number, inside the safe area wherever the
burn-in drift takes it, never covering a slide's words and never running out of its pill."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck
from kiosk.loader.check import STANDARD_SIZES
from kiosk.screen.controls import controls_for
from kiosk.screen.layout import Rect, Screen, chrome_offset
from kiosk.screen.presentation import Presentation, present
from kiosk.screen.render import FontBook, FrameRenderer, font_dirs
from kiosk.screen.strings import URGENCY_TEXT
from kiosk.screen.view import Mode, Overlay, View

DECK_DIR = Path(__file__).resolve().parents[2] / "slides"
SIZES = STANDARD_SIZES  # the sizes `kiosk validate` checks every deck at
VIEWS = [
    (Mode.BROWSING, Overlay.NONE),
    (Mode.ATTRACT, Overlay.NONE),
    (Mode.BROWSING, Overlay.MENU),
    (Mode.BROWSING, Overlay.KEYPAD),
    (Mode.BROWSING, Overlay.HELPFUL),
]


@pytest.fixture(scope="module")
def deck() -> Deck:
    return load_deck(DECK_DIR)


@pytest.fixture(scope="module")
def fonts(deck: Deck) -> FontBook:
    pygame.display.init()
    pygame.display.set_mode((1, 1))
    return FontBook(font_dirs(deck.root))


def _overlaps(a: Rect, b: Rect) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


@pytest.mark.parametrize("larger", [False, True], ids=["normal", "A+"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_view_has_the_line_in_the_safe_area_and_its_words_fit(deck, fonts, size, larger):
    shown = present(deck, size, fonts, larger_text=True) if larger else Presentation.plain(deck)
    shown = dataclasses.replace(shown, size=size)
    screen = Screen(*size)
    drift = screen.drift
    for language in deck.languages:
        for mode, overlay in VIEWS:
            for offset in {chrome_offset(600.0 * step, drift) for step in range(9)}:
                view = View(
                    language=language,
                    mode=mode,
                    overlay=overlay,
                    larger_text=larger,
                    helpful_topic=0 if overlay is Overlay.HELPFUL else -1,
                )
                controls = controls_for(view, shown, offset, fonts)
                pill = controls.standing
                assert pill is not None, (mode, overlay)
                assert pill.inside(screen.safe), (size, offset)
                assert (
                    controls.standing_text == f"{URGENCY_TEXT[language].standing.split('{')[0]}911"
                )
                assert controls.standing_size >= max(12, screen.shorter // 42)
                words = fonts.width(controls.standing_text, controls.standing_size, True)
                assert words + pill.h <= pill.w, "the words and the telephone fit the pill"
                for button in controls.buttons:
                    assert not _overlaps(button.rect, pill), (mode, overlay, button.label)
                if controls.panel is not None:
                    assert not _overlaps(controls.panel, pill), (mode, overlay)


@pytest.mark.parametrize("larger", [False, True], ids=["normal", "A+"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_slide_draws_under_the_line(deck, fonts, size, larger):
    shown = present(deck, size, fonts, larger_text=larger)
    frames = FrameRenderer(shown, size, fonts)
    strip = Screen(*size).standing
    reach = Rect(strip.x - strip.h, strip.y - strip.h, strip.w + 2 * strip.h, strip.h * 2)
    for index in range(shown.page_count):
        for language in deck.languages:
            plan = frames.slides.plan(index, language)
            boxes = [s.rect for s in plan.shapes] + [
                Rect(ln.x, ln.y, fonts.width(ln.text, ln.size, ln.bold), ln.size)
                for ln in plan.lines
            ]
            boxes += [box for box in (plan.image, plan.qr) if box is not None]
            for box in boxes:
                # Glyph tops sit below the line box's top; only the strip itself is kept free.
                assert not _overlaps(box, Rect(reach.x, strip.y, reach.w, strip.h - 1)), (
                    shown.deck.slides[index].id,
                    language,
                    size,
                )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_line_is_drawn_in_red_with_white_words_on_every_slide(deck, fonts, size):
    """Pixels: browsing every slide (1280x800) or a sample of slides and modes (larger)."""
    frames = FrameRenderer(deck, size, fonts)
    indexes = range(len(deck.slides)) if size == (1280, 800) else (0, len(deck.slides) // 2)
    frame = pygame.Surface(size)
    for language in deck.languages:
        for index in indexes:
            for mode, overlay in VIEWS if index == 0 else VIEWS[:1]:
                view = View(
                    index=index, language=language, mode=mode, overlay=overlay, helpful_topic=0
                )
                controls = frames.controls(view)
                frames.draw(frame, view, controls=controls)
                pill = controls.standing
                assert pill is not None
                area = frame.subsurface(pygame.Rect(pill.x, pill.y, pill.w, pill.h))
                colours = [
                    tuple(area.get_at((x, y))[:3])
                    for y in range(0, pill.h, 2)
                    for x in range(0, pill.w, 2)
                ]
                red = colours.count(deck.theme.emergency) / len(colours)
                white = colours.count(deck.theme.emergency_text)
                assert red > 0.5 and white > 0, (index, language, mode, overlay, red)


def test_the_deck_number_and_language_are_used(deck_copy: Path, fonts):
    deck_yaml = deck_copy / "deck.yaml"
    deck_yaml.write_text(deck_yaml.read_text() + "emergency_number: 112\n")
    deck = load_deck(deck_copy)
    shown = dataclasses.replace(Presentation.plain(deck), size=(1920, 1080))
    texts = {
        language: controls_for(View(language=language), shown, (0, 0), fonts).standing_text
        for language in deck.languages
    }
    assert texts == {"en": "Emergency? Call 112", "es": "¿Emergencia? Llame al 112"}
