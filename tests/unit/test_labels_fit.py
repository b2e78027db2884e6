"""Every label of every control fits its button with the real fonts, at every checked size, in
every language, with larger text off and on; and while larger text is on, the A+ switch says
how to go back ("Normal text")."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck
from kiosk.loader.check import STANDARD_SIZES
from kiosk.screen import intents
from kiosk.screen.controls import Controls, controls_for
from kiosk.screen.presentation import Presentation
from kiosk.screen.render import FontBook, font_dirs
from kiosk.screen.strings import UI_TEXT
from kiosk.screen.view import Mode, Overlay, View

DECK_DIR = Path(__file__).resolve().parents[2] / "slides"
SIZES = STANDARD_SIZES  # the sizes `kiosk validate` checks every deck at


@pytest.fixture(scope="module")
def deck() -> Deck:
    return load_deck(DECK_DIR)


@pytest.fixture(scope="module")
def fonts(deck) -> FontBook:
    pygame.display.init()
    pygame.display.set_mode((1, 1))
    return FontBook(font_dirs(deck.root))


def views(deck: Deck, language: str, larger: bool) -> dict[str, View]:
    """One view per set of controls a visitor can meet."""
    base = View(index=1, language=language, larger_text=larger)
    found = {
        "bar": base,
        "attract": replace(base, mode=Mode.ATTRACT, larger_text=False),
        "helpful": replace(base, overlay=Overlay.HELPFUL, helpful_topic=1),
    }
    for page in range(3):  # every page of the topic menu, however many it has
        found[f"menu page {page + 1}"] = replace(base, overlay=Overlay.MENU, menu_page=page)
    return found


def labelled(controls: Controls) -> list[tuple[str, object]]:
    return [(b.label, b) for b in controls.buttons if b.label]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("larger", [False, True], ids=["normal", "larger"])
def test_no_label_runs_over_its_button(deck, fonts, size, language, larger):
    presentation = Presentation.plain(deck, size)
    checked = 0
    for name, view in views(deck, language, larger).items():
        controls = controls_for(view, presentation, (0, 0), fonts)
        size_ = controls.label_size
        for label, button in labelled(controls):
            lines = button.lines or (label,)
            # Nothing cut off: the lines are the whole label, word for word.
            assert " ".join(lines).split() == label.split(), (name, label, lines)
            for line in lines:
                width = fonts.width(line, size_, True)
                assert width <= button.rect.w, (name, label, width, button.rect.w)
            height = len(lines) * fonts.line_height(size_, True)
            assert height <= button.rect.h, (name, label, height, button.rect.h)
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_larger_text_switch_says_how_to_go_back(deck, fonts, language):
    presentation = Presentation.plain(deck, (1920, 1080))
    words = UI_TEXT[language]
    labels = {}
    for larger in (False, True):
        controls = controls_for(
            View(index=1, language=language, larger_text=larger), presentation, (0, 0), fonts
        )
        [switch] = [b for b in controls.buttons if b.intent == intents.LARGER_TEXT]
        labels[larger] = switch.label
    assert labels == {False: words.larger_text, True: words.normal_text}
    assert labels[True] in ("Normal text", "Texto normal")
