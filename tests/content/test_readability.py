"""Readability of the bundled deck, and completeness of its Spanish.

English: Flesch-Kincaid grade at 7 or below. Spanish: Fernández-Huerta lecturabilidad of 70
or more. Both are computed in `tests/readability.py` from syllable counts we can defend: the
CMU Pronouncing Dictionary for English, the spelling rules for Spanish, acronyms spelled out.
Each slide's scores are listed at the end of the run (see `pytest_terminal_summary` in
conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck, Slide, SlideKind, Text
from tests import readability

ROOT = Path(__file__).resolve().parents[2]
DECK: Deck = load_deck(ROOT / "slides")
LANGUAGES = ("en", "es")

# Patient text should read at US grade 7 or below.
MAX_FK_GRADE = 7.0

# Fernández-Huerta (206.84 - 60 x syllables per word - 1.02 x words per sentence, the
# corrected form). Its scale (legible.es):
#   90-100 muy fácil (4th grade)    80-90 fácil (5th)    70-80 algo fácil (6th)
#   60-70 normal (7th-8th)          50-60 algo difícil   below 50 difícil / muy difícil
# 60-70 spans grades 7 and 8, so 70 is the lowest score that is surely no harder than the
# English limit of grade 7: Spanish must be "algo fácil" (grade 6) or easier.
MIN_FERNANDEZ_HUERTA = 70.0

# Citations and organization names on `sources` slides stay as published, so a Spanish
# bullet there may equal its English one. Every other Spanish text must be translated.
# Words that only English uses: one of them in a Spanish text means it was left untranslated.
# (CVI and DVT are the English abbreviations; Spanish says IVC and TVP.)
ENGLISH_ONLY_WORDS = frozenset(
    "the and your you with of is are to from for this that what when how cvi dvt".split()
)

READABLE = [slide for slide in DECK.slides if slide.kind is not SlideKind.SOURCES]
SLIDE_IDS = [slide.id for slide in DECK.slides]


def texts(slide: Slide) -> Iterator[tuple[str, Text]]:
    """Every visitor-facing text of a slide, with its field path, in reading order."""
    yield "section", slide.section
    yield from slide.texts()  # a question's answers and explanation too


def in_language(text: Text, language: str) -> str:
    # Not `Text.get`: that falls back to another language, which would hide a gap here.
    return text.by_language.get(language, "")


def as_sentences(parts: list[str]) -> str:
    """Join slide texts so that each is one sentence: a bullet without final punctuation gets
    a full stop, and a lead-in ending in ':' (or ';' ',') ends its own sentence."""
    sentences = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if part[-1] in ".!?":
            sentences.append(part)
        elif part[-1] in ":;,":
            sentences.append(part[:-1] + ".")
        else:
            sentences.append(part + ".")
    return " ".join(sentences)


def reading_text(slide: Slide, language: str) -> str:
    """Title, body, bullets and column text (not the topic name, which is a menu label)."""
    parts = [in_language(text, language) for path, text in texts(slide) if path != "section"]
    return as_sentences(parts)


# Scores of this run, for the summary at the end: slide id -> {"en": grade, "es": score}.
SCORES: dict[str, dict[str, float]] = {}


def fk_grade(text: str) -> float:
    return readability.flesch_kincaid_grade(text)


def fernandez_huerta(text: str) -> float:
    return readability.fernandez_huerta(text)


# -- readability -----------------------------------------------------------------------------


@pytest.mark.parametrize("slide", READABLE, ids=[s.id for s in READABLE])
def test_english_reads_at_grade_7_or_below(slide: Slide):
    text = reading_text(slide, "en")
    grade = fk_grade(text)
    SCORES.setdefault(slide.id, {})["en"] = grade
    assert grade <= MAX_FK_GRADE, (
        f"{slide.id} ({slide.origin}): Flesch-Kincaid grade {grade:.1f} is above "
        f"{MAX_FK_GRADE:.0f}; use shorter sentences and words: {text!r}"
    )


@pytest.mark.parametrize("slide", READABLE, ids=[s.id for s in READABLE])
def test_spanish_is_easy_to_read(slide: Slide):
    text = reading_text(slide, "es")
    score = fernandez_huerta(text)
    SCORES.setdefault(slide.id, {})["es"] = score
    assert score >= MIN_FERNANDEZ_HUERTA, (
        f"{slide.id} ({slide.origin}): Fernández-Huerta {score:.1f} is below "
        f"{MIN_FERNANDEZ_HUERTA:.0f} (harder than 'algo fácil', grade 6); use shorter "
        f"sentences and words: {text!r}"
    )


def test_each_bullet_counts_as_a_sentence():
    assert as_sentences(["Signs", "CVI may cause:", "Swollen legs", "Is it pain?", " "]) == (
        "Signs. CVI may cause. Swollen legs. Is it pain?"
    )


# -- the Spanish is complete -----------------------------------------------------------------


def test_the_deck_is_in_english_and_spanish():
    assert DECK.languages == LANGUAGES
    assert set(DECK.title.by_language) == set(LANGUAGES)
    assert all(DECK.title.by_language[code].strip() for code in LANGUAGES)
    assert DECK.title.by_language["es"] != DECK.title.by_language["en"]


def outline(deck: Deck, language: str) -> list[tuple[str, str, str]]:
    """The deck as one language sees it: slide after slide, every text that it has."""
    return [
        (slide.id, slide.kind.value, path)
        for slide in deck.slides
        for path, text in texts(slide)
        if in_language(text, language).strip()
    ]


def test_both_languages_have_the_same_slides_in_the_same_order():
    english = outline(DECK, "en")
    assert english, "the deck has no English text"
    for language in LANGUAGES[1:]:
        assert outline(DECK, language) == english


@pytest.mark.parametrize("slide", DECK.slides, ids=SLIDE_IDS)
def test_every_text_has_every_language(slide: Slide):
    for path, text in texts(slide):
        assert set(text.by_language) == set(
            LANGUAGES
        ), f"{slide.id}.{path}: has {sorted(text.by_language)}, expected {list(LANGUAGES)}"
        for code in LANGUAGES:
            assert text.by_language[code].strip(), f"{slide.id}.{path}: empty {code} text"


def test_topics_match_one_to_one_in_spanish():
    """Each English topic has one Spanish name, and no two topics share a Spanish name."""
    spanish_for: dict[str, set[str]] = {}
    for slide in DECK.slides:
        english = in_language(slide.section, "en")
        spanish_for.setdefault(english, set()).add(in_language(slide.section, "es"))
    assert all(len(names) == 1 for names in spanish_for.values()), spanish_for
    spanish = [name for names in spanish_for.values() for name in names]
    assert len(set(spanish)) == len(spanish) == len(DECK.sections)


def _normalized(text: str) -> str:
    return " ".join(text.casefold().split())


@pytest.mark.parametrize("slide", DECK.slides, ids=SLIDE_IDS)
def test_no_spanish_text_is_left_in_english(slide: Slide):
    for path, text in texts(slide):
        if slide.kind is SlideKind.SOURCES and path.startswith("bullets["):
            continue  # a citation or an organization's name, kept as published
        english, spanish = in_language(text, "en"), in_language(text, "es")
        assert _normalized(spanish) != _normalized(
            english
        ), f"{slide.id}.{path}: the Spanish is the English text {english!r}"
        words = set(re.findall(r"[^\W\d_]+", spanish.casefold()))
        leftover = sorted(words & ENGLISH_ONLY_WORDS)
        assert not leftover, f"{slide.id}.{path}: English words {leftover} in {spanish!r}"
