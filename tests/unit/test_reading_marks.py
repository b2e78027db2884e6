"""The sentence being read is marked by a band behind it: found on every slide of the bundled
deck, drawn only inside its band, text left where it was and kept at AAA contrast."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck, Theme
from kiosk.deck.script import deck_script
from kiosk.screen.controls import controls_for
from kiosk.screen.layout import Role
from kiosk.screen.layout_check import plan_slide
from kiosk.screen.reading import AAA, band_colour, contrast, sentence_marks
from kiosk.screen.render import FontBook, FrameRenderer
from kiosk.screen.strings import ui_text
from kiosk.screen.view import Animation, Mode, Overlay, View

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
ROOT = Path(__file__).resolve().parents[2]


@cache
def bundled() -> tuple[Deck, FontBook]:
    pygame.display.init()
    deck = load_deck(ROOT / "slides")
    return deck, FontBook.for_deck(deck)


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_sentence_of_every_slide_is_found_where_it_is_drawn(size, language):
    from kiosk.screen.layout import Screen

    deck, fonts = bundled()
    screen = Screen(*size)
    label = ui_text(language).take_home
    for slide in deck.slides:
        plan = plan_slide(slide, language, screen, fonts, label)
        script = deck_script(deck, slide, language)
        for number, sentence in enumerate(script):
            marks = sentence_marks(deck, slide, language, plan, number, fonts)
            assert marks, (slide.id, number, sentence.display)
            shown = " ".join(
                " ".join(m.line.text.split()[_first(m, fonts) : _end(m, fonts)]) for m in marks
            )
            assert shown == " ".join(sentence.display.split()), slide.id
            for mark in marks:
                assert mark.band.h == fonts.line_height(mark.line.size, mark.line.bold)
                assert mark.band.y == mark.line.y


def _first(mark, fonts) -> int:
    """Which word of its line a band starts at (by where it is drawn)."""
    words = mark.line.text.split()
    for n in range(len(words)):
        before = " ".join(words[:n])
        x = mark.line.x + (fonts.width(before + " ", mark.line.size, mark.line.bold) if n else 0)
        if x >= mark.band.x:
            return n
    return len(words)


def _end(mark, fonts) -> int:
    words = mark.line.text.split()
    for n in range(len(words), 0, -1):
        x = mark.line.x + fonts.width(" ".join(words[:n]), mark.line.size, mark.line.bold)
        if x <= mark.band.right:
            return n
    return 0


def _frame(sentence: int, **changes: object) -> tuple[pygame.Surface, object]:
    deck, fonts = bundled()
    size = (1920, 1080)
    frames = FrameRenderer(deck, size, fonts, larger_text_button=True)
    view = View(
        index=1,
        language="en",
        mode=Mode.BROWSING,
        narrated=True,
        reading=True,
        reading_sentence=sentence,
        **changes,  # type: ignore[arg-type]
    )
    target = pygame.Surface(size)
    controls = controls_for(view, frames.presentation, (0, 0), fonts)
    frames.draw(target, view, controls=controls)
    return target, controls


def test_the_mark_changes_pixels_only_inside_its_band_and_moves_no_text():
    plain, plain_controls = _frame(-1)
    marked, controls = _frame(2)
    assert plain_controls.marks == () and len(controls.marks) >= 1
    theme = bundled()[0].theme
    bands = [pygame.Rect(m.band.x, m.band.y, m.band.w, m.band.h) for m in controls.marks]
    before = pygame.surfarray.pixels3d(plain)
    after = pygame.surfarray.pixels3d(marked)
    differs = (before != after).any(axis=2)
    inside = differs.copy()
    inside[:] = False
    for band in bands:
        inside[band.left : band.right, band.top : band.bottom] = True
    assert differs.any()
    assert not (differs & ~inside).any()  # nothing outside the bands changed
    # Inside, every pixel that was solid text is still solid text: nothing moved.
    ink = (before == theme.text).all(axis=2) & inside
    assert ink.sum() > 500
    assert (after[ink] == theme.text).all()
    # And the band itself is the mark's colour wherever there is no text.
    for mark in controls.marks:
        assert tuple(marked.get_at((mark.band.x + 1, mark.band.y + 1)))[:3] == mark.colour
        assert contrast(theme.text, mark.colour) >= AAA


def test_no_mark_while_a_page_changes_or_under_an_overlay():
    animation = Animation(
        from_index=0, from_language="en", to_index=1, to_language="en", started_at=0.0, seconds=1
    )
    assert _frame(2, animation=animation, progress=0.5)[1].marks == ()
    assert _frame(2, overlay=Overlay.MENU)[1].under.marks == ()


@pytest.mark.parametrize("role", list(Role))
def test_a_band_keeps_every_text_colour_of_the_theme_at_aaa_or_is_not_drawn(role):
    theme = Theme()
    ink = getattr(theme, role.value)
    for behind in (theme.background, theme.panel):
        colour = band_colour(behind, ink, theme.accent)
        if contrast(ink, behind) >= AAA + 1:
            assert colour is not None  # enough headroom: the sentence is marked
        if colour is not None:
            assert contrast(ink, colour) >= AAA
            assert colour != behind


def test_a_sentence_not_on_the_page_is_not_marked():
    from kiosk.screen.layout import Screen

    deck, fonts = bundled()
    slide = deck.slides[1]
    plan = plan_slide(slide, "en", Screen(1920, 1080), fonts)
    assert sentence_marks(deck, slide, "en", plan, 99, fonts) == ()
    assert sentence_marks(deck, slide, "en", plan, -1, fonts) == ()
    other = deck.slides[2]
    # Another slide's lines hold none of this slide's sentences past its title.
    assert (
        sentence_marks(
            deck, slide, "en", plan_slide(other, "en", Screen(1920, 1080), fonts), 2, fonts
        )
        == ()
    )
