"""Reading pace: each slide's attract time comes from its words in each language, plus a
picture allowance, never under the minimum; a slide's `duration` overrides it; the navigator
keeps each slide up for its time in the language on screen."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Text
from kiosk.deck.pace import (
    PICTURE_SECONDS,
    WORDS_PER_MINUTE,
    Pace,
    pace_lines,
    reading_seconds,
    shown_words,
)
from kiosk.screen.navigator import Navigator
from tests.helpers import FakeClock, make_deck, make_slide

ROOT = Path(__file__).resolve().parents[2]


def wordy(words_en: int, words_es: int, *, image: bool = False, duration: float | None = None):
    slide = make_slide(0, two_languages=True, image=Path("/x.svg") if image else None)
    return dataclasses.replace(
        slide,
        title=Text({"en": "w " * words_en, "es": "p " * words_es}),
        bullets=(),
        duration=duration,
    )


def test_seconds_follow_the_words_at_the_chosen_pace():
    slide = wordy(50, 60)
    assert shown_words(slide, "en") == 50 and shown_words(slide, "es") == 60
    assert reading_seconds(slide, "en") == pytest.approx(50 * 60 / WORDS_PER_MINUTE)
    # Spanish says the same in more words and gets its own, longer time.
    assert reading_seconds(slide, "es") == pytest.approx(60 * 60 / WORDS_PER_MINUTE)


def test_a_picture_adds_time_to_look_at_it():
    plain, pictured = wordy(50, 50), wordy(50, 50, image=True)
    assert reading_seconds(pictured, "en") - reading_seconds(plain, "en") == pytest.approx(
        PICTURE_SECONDS
    )


def test_a_short_slide_gets_the_minimum_and_a_huge_one_the_maximum():
    assert reading_seconds(wordy(2, 2), "en", Pace(minimum_seconds=8)) == 8
    assert reading_seconds(wordy(5000, 5000), "en") == 600


def test_duration_in_the_yaml_overrides_the_words():
    deck = dataclasses.replace(
        make_deck(languages=("en", "es")), slides=(wordy(80, 90, duration=9.0), wordy(80, 90))
    )
    assert deck.duration_of(0, "en") == deck.duration_of(0, "es") == 9.0
    assert deck.duration_of(1, "en") == pytest.approx(48.0)
    assert deck.duration_of(1, "es") == pytest.approx(54.0)
    assert deck.duration_of(1) == deck.duration_of(1, "en")  # the default language


def test_the_navigator_keeps_a_slide_up_for_its_time_in_the_language_shown():
    clock = FakeClock()
    deck = dataclasses.replace(
        make_deck(languages=("en", "es"), slide_duration=8.0),
        slides=(wordy(40, 50), wordy(40, 50)),
    )
    nav = Navigator(deck, clock)
    assert nav.next_deadline() == pytest.approx(clock.now + 24.0)  # 40 words at 100 a minute
    nav.language = "es"
    assert nav.next_deadline() == pytest.approx(clock.now + 30.0)
    clock.advance(29.9)
    nav.update()
    assert nav.index == 0
    clock.advance(0.1)
    nav.update()
    assert nav.index == 1


def test_validate_lists_every_slide_in_every_language():
    deck = load_deck(ROOT / "slides")
    lines = pace_lines(deck)
    assert "100 words a minute" in lines[0] and "at least 8 s" in lines[0]
    assert len(lines) == len(deck.slides) + 2
    bleeds = next(line for line in lines if "if-a-vein-bleeds" in line)
    assert " en " in bleeds and " es " in bleeds
    assert lines[-1].startswith("  one round of the loop: en ")


def test_every_bundled_slide_stays_up_long_enough_to_read_at_the_pace():
    """No bundled slide overrides its time to something shorter than its words need."""
    deck = load_deck(ROOT / "slides")
    for index, slide in enumerate(deck.slides):
        for language in deck.languages:
            needed = shown_words(slide, language) * 60 / WORDS_PER_MINUTE
            assert deck.duration_of(index, language) >= needed, (slide.id, language)
