"""Template placeholder text is refused by deck validation, so neither the console nor
`kiosk publish` (the CLI's path) can put "New slide title (es)" on the screen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kiosk.console import editing
from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.placeholders import placeholder_problem
from kiosk.decks import publish as publishing
from kiosk.decks.store import PublishError

REPO = Path(__file__).resolve().parents[2]


def test_placeholder_words_are_found_only_when_they_are_the_whole_text():
    assert placeholder_problem("New slide title (es)")
    assert placeholder_problem("first point")
    assert placeholder_problem("One or two short sentences")
    assert placeholder_problem("First point of care is your doctor.") is None
    assert placeholder_problem("Why are the legs hit hardest?") is None


@pytest.fixture
def deck_with_a_template_slide(tmp_path):
    shutil.copytree(REPO / "slides", tmp_path / "slides")
    shutil.copytree(REPO / "assets", tmp_path / "assets")
    section = tmp_path / "slides" / "20-what-is-cvi.yaml"
    editing.add_slide(section, "leg-care", "bullets", ["en", "es"], set())
    return tmp_path / "slides"


def test_validation_refuses_a_slide_still_in_its_template_words(deck_with_a_template_slide):
    with pytest.raises(DeckError) as caught:
        load_deck(deck_with_a_template_slide)
    message = str(caught.value)
    assert "slides[3].title.es" in message
    assert 'is still the template\'s placeholder "New slide title (es)"' in message
    assert 'placeholder "First point (en)"' in message


def test_kiosk_publish_refuses_it_too(deck_with_a_template_slide, tmp_path):
    with pytest.raises(PublishError) as caught:
        publishing.publish(deck_with_a_template_slide, tmp_path / "home", who="it")
    assert any("New slide title (en)" in line for line in caught.value.problems)
    assert not (tmp_path / "home" / "current").exists()
