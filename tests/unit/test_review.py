"""Clinical review in the deck format: read from deck.yaml and from a section file, checked
with one clear message, warned about by `kiosk validate` when missing or overdue (the day is
passed in), and shown on the sources slide in the visitor's language."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.model import Review, SlideKind
from kiosk.deck.review import review_line, review_warnings, spoken_date

ROOT = Path(__file__).resolve().parents[2]

DECK_YAML = "title: T\nslide_duration: 8\n"
SECTION = (
    "section: Topic\n"
    "slides:\n"
    "  - {id: one, kind: callout, title: One, body: First}\n"
    "  - {id: refs, kind: sources, title: Sources, bullets: [MedlinePlus]}\n"
)
REVIEW = "review:\n  by: Dr. A. Example, vascular nurse\n  date: 2027-01-15\n  due: 2028-01-15\n"


def deck_in(tmp_path: Path, deck: str = DECK_YAML, section: str = SECTION) -> Path:
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "deck.yaml").write_text(deck, encoding="utf-8")
    (folder / "10-topic.yaml").write_text(section, encoding="utf-8")
    return folder


def errors_of(folder: Path) -> list[str]:
    with pytest.raises(DeckError) as caught:
        load_deck(folder)
    return [str(e) for e in caught.value.errors]


def test_the_deck_review_is_read_and_shown_first_on_the_sources_slide(tmp_path):
    deck = load_deck(deck_in(tmp_path, DECK_YAML + REVIEW))
    assert deck.review == Review("Dr. A. Example, vascular nurse", "2027-01-15", "2028-01-15")
    sources = next(s for s in deck.slides if s.kind is SlideKind.SOURCES)
    assert [b.get("en") for b in sources.bullets] == [
        "Reviewed for this clinic by Dr. A. Example, vascular nurse on January 15, 2027. "
        "Next review: January 15, 2028.",
        "MedlinePlus",
    ]
    other = next(s for s in deck.slides if s.id == "one")
    assert other.bullets == ()


def test_without_a_review_the_sources_slide_is_as_written(tmp_path):
    deck = load_deck(deck_in(tmp_path))
    assert deck.review is None
    sources = next(s for s in deck.slides if s.kind is SlideKind.SOURCES)
    assert [b.get("en") for b in sources.bullets] == ["MedlinePlus"]


def test_a_topic_review_belongs_to_the_slides_of_its_file(tmp_path):
    deck = load_deck(deck_in(tmp_path, section=REVIEW + SECTION))
    assert deck.review is None
    assert {s.review.by for s in deck.slides if s.review} == {"Dr. A. Example, vascular nurse"}


@pytest.mark.parametrize(
    ("review", "message"),
    [
        (
            "review:\n  by: Dr. A\n  date: 15/01/2027\n  due: 2028-01-15\n",
            "deck.yaml:5: review.date: expected a date like 2027-03-01 (year-month-day), got '15/01/2027'",
        ),
        (
            "review:\n  by: Dr. A\n  date: 2027-02-30\n  due: 2028-01-15\n",
            "deck.yaml:5: review.date: 2027-02-30 is not a date on the calendar",
        ),
        (
            "review:\n  by: Dr. A\n  date: 2027-01-15\n  due: 2026-01-15\n",
            "deck.yaml:6: review.due: the next review must be due after the review's date",
        ),
        (
            "review:\n  date: 2027-01-15\n  due: 2028-01-15\n",
            "deck.yaml:4: review.by: missing required field 'by'",
        ),
    ],
)
def test_a_bad_review_is_one_clear_sentence_naming_file_line_and_field(tmp_path, review, message):
    errors = errors_of(deck_in(tmp_path, DECK_YAML + review))
    assert any(message in error for error in errors), errors


def test_validate_warns_when_there_is_no_review(tmp_path):
    deck = load_deck(deck_in(tmp_path))
    (warning,) = review_warnings(deck, dt.date(2027, 6, 1))
    assert warning.startswith("no clinical review: a clinician must review this deck")


def test_validate_warns_only_once_the_review_is_due(tmp_path):
    deck = load_deck(deck_in(tmp_path, DECK_YAML + REVIEW))
    assert review_warnings(deck, dt.date(2028, 1, 14)) == []
    (due,) = review_warnings(deck, dt.date(2028, 1, 15))
    assert "was due again on 2028-01-15, today" in due
    (late,) = review_warnings(deck, dt.date(2028, 3, 1))
    assert "by Dr. A. Example, vascular nurse (2027-01-15)" in late and "46 days ago" in late


def test_validate_names_an_overdue_topic_and_a_review_dated_in_the_future(tmp_path):
    topic = "review:\n  by: Dr. B\n  date: 2027-01-15\n  due: 2027-06-01\n"
    deck = load_deck(deck_in(tmp_path, DECK_YAML + REVIEW, topic + SECTION))
    (warning,) = review_warnings(deck, dt.date(2027, 7, 1))
    assert warning.startswith("the clinical review of the topic 'Topic' by Dr. B")
    (future,) = review_warnings(deck, dt.date(2026, 12, 1))[:1]
    assert "after today (2026-12-01)" in future


def test_dates_read_as_a_patient_reads_them():
    assert spoken_date("2027-03-01", "en") == "March 1, 2027"
    assert spoken_date("2027-03-01", "es") == "1 de marzo de 2027"
    spanish = review_line(Review("Dra. B", "2027-03-01", "2028-03-01"), "es")
    assert (
        spanish
        == "Revisado para esta clínica por Dra. B el 1 de marzo de 2027. Próxima revisión: 1 de marzo de 2028."
    )


def test_the_bundled_deck_says_a_clinician_must_review_it_and_invents_no_reviewer():
    deck = load_deck(ROOT / "slides")
    assert deck.review is None and all(s.review is None for s in deck.slides)
    assert "A CLINICIAN MUST REVIEW THIS DECK BEFORE PATIENTS SEE IT" in (
        ROOT / "slides" / "deck.yaml"
    ).read_text(encoding="utf-8")


def test_kiosk_validate_prints_the_warning(tmp_path):
    folder = deck_in(tmp_path, DECK_YAML + "system_font: true\n")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "validate", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "warning: no clinical review: a clinician must review this deck" in result.stderr
