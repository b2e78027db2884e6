"""Readability of the bundled deck, measured the way a patient meets it, and completeness of
its Spanish.

A slide is a title, maybe a lead-in ("These may make CVI more likely:") and a list of short
fragments. Scoring each fragment as a sentence makes lists look easy; scoring the lead-in and
its fragments as one long sentence makes them look hard. Neither is how a list reads, so the
checks here do not depend on how a list is split:

- every real sentence (body, explanation, a question, a bullet that is a full sentence, a
  lead-in) has at most 15 words;
- every bullet and answer has at most 12 words;
- the share of words of three or more syllables stays low (its own limit per language:
  Spanish words are longer, as the formulas' own constants show);
- the grade is computed on prose only: Flesch-Kincaid grade 7 or below in English,
  Fernández-Huerta 70 or more and INFLESZ 65 or more ("bastante fácil") in Spanish, for every
  slide with at least 20 words of prose, and for the deck's prose as a whole.

Both splits of the lists are still reported at the end of the run (see
`pytest_terminal_summary` in conftest.py), so the difference stays visible. Syllables come
from `tests/readability.py`: the CMU Pronouncing Dictionary for English, the spelling rules
for Spanish, acronyms spelled out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck, Slide, SlideKind, Text
from tests import readability

ROOT = Path(__file__).resolve().parents[2]
DECK: Deck = load_deck(ROOT / "slides")
LANGUAGES = ("en", "es")

MAX_SENTENCE_WORDS = 15
MAX_BULLET_WORDS = 12
# Words of three or more syllables, per slide. English patient text aims at under one word in
# ten; the deck's hardest slide (skin-care, ablation: "antibiotic", "electricity") is at 13 %.
# Spanish words run longer ("enfermera", "coágulo", "medias" of every slide), so its limit is
# its own: the deck's hardest Spanish slide is at 33 %.
MAX_LONG_WORD_SHARE = {"en": 0.15, "es": 0.35}
# Grades on prose. Flesch-Kincaid: US school grade. Fernández-Huerta (legible.es scale):
# 70-80 "algo fácil" (6th grade). INFLESZ (Barrio-Cantalejo 2008): 65-80 "bastante fácil".
MAX_FK_GRADE = 7.0
MIN_FERNANDEZ_HUERTA = 70.0
MIN_INFLESZ = 65.0
# A grade on fewer words than this is noise (one lead-in of six words can score grade 14).
MIN_PROSE_WORDS = 20

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


def _ends_a_sentence(text: str) -> bool:
    return text.rstrip()[-1:] in ".!?"


def _split(text: str) -> list[str]:
    """Sentences of a text; a lead-in ending in ':' is a sentence of its own."""
    parts = re.split(r"(?<=[.!?:])\s+", text.strip())
    return [part for part in parts if readability.words(part)]


@dataclass(frozen=True)
class Reading:
    """One slide in one language, as a patient reads it."""

    title: str
    prose: list[str]  # real sentences
    lead_in: str  # the body when it ends in ':' (it introduces the list), else ""
    bullets: list[str]  # bullets, column bullets and answers, as written

    @property
    def prose_text(self) -> str:
        return " ".join(s if _ends_a_sentence(s) else s.rstrip(":;, ") + "." for s in self.prose)

    def fragments_as_sentences(self) -> str:
        """The old split: title, lead-in and every fragment each a sentence."""
        return as_sentences([self.title, *self.prose, *self.bullets])

    def list_as_one_sentence(self) -> str:
        """The patient's split: a lead-in and its fragments read as one sentence."""
        prose = [s for s in self.prose if s != self.lead_in]
        fragments = [b.rstrip(".") for b in self.bullets if not _ends_a_sentence(b)]
        whole = [b for b in self.bullets if _ends_a_sentence(b)]
        parts = [self.title, *prose, *whole]
        if fragments:
            parts.append(
                (self.lead_in.rstrip(":") + " " if self.lead_in else "") + ", ".join(fragments)
            )
        elif self.lead_in:
            parts.append(self.lead_in)
        return as_sentences(parts)


def reading(slide: Slide, language: str) -> Reading:
    title = in_language(slide.title, language)
    prose: list[str] = []
    if _ends_a_sentence(title):  # a question, or a title written as a sentence
        prose += _split(title)
    body = in_language(slide.body, language) if slide.body else ""
    prose += _split(body)
    if slide.explanation:
        prose += _split(in_language(slide.explanation, language))
    bullets = [in_language(b, language) for b in slide.bullets]
    bullets += [in_language(b, language) for c in slide.columns for b in c.bullets]
    bullets += [in_language(a.text, language) for a in slide.answers]
    prose += [s for b in bullets if _ends_a_sentence(b) for s in _split(b)]
    lead_in = body.strip() if body.strip().endswith(":") else ""
    return Reading(title=title, prose=prose, lead_in=lead_in, bullets=bullets)


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


def grade(text: str, language: str) -> float:
    if language == "en":
        return readability.flesch_kincaid_grade(text)
    return readability.fernandez_huerta(text)


# This run's numbers, for the summary at the end: slide id -> column -> value.
SCORES: dict[str, dict[str, float]] = {}


def _record(slide: Slide, language: str) -> Reading:
    r = reading(slide, language)
    row = SCORES.setdefault(slide.id, {})
    row[f"fragments {language}"] = grade(r.fragments_as_sentences(), language)
    row[f"one sentence {language}"] = grade(r.list_as_one_sentence(), language)
    if r.prose:
        row[f"prose {language}"] = grade(r.prose_text, language)
        if language == "es":
            row["INFLESZ es"] = readability.inflesz(r.prose_text)
    everything = " ".join([r.title, *r.prose, *r.bullets])
    row[f"long words {language}"] = readability.long_word_share(everything, language)
    return r


CASES = [(slide, language) for slide in READABLE for language in LANGUAGES]
CASE_IDS = [f"{slide.id}-{language}" for slide, language in CASES]


# -- readability -----------------------------------------------------------------------------


@pytest.mark.parametrize(("slide", "language"), CASES, ids=CASE_IDS)
def test_every_real_sentence_is_short(slide: Slide, language: str):
    for sentence in _record(slide, language).prose:
        count = len(readability.words(sentence))
        assert count <= MAX_SENTENCE_WORDS, (
            f"{slide.id} ({slide.origin}, {language}): {count} words in {sentence!r}; "
            f"keep sentences to {MAX_SENTENCE_WORDS} words"
        )


@pytest.mark.parametrize(("slide", "language"), CASES, ids=CASE_IDS)
def test_every_bullet_is_short(slide: Slide, language: str):
    for bullet in reading(slide, language).bullets:
        count = len(readability.words(bullet))
        assert count <= MAX_BULLET_WORDS, (
            f"{slide.id} ({slide.origin}, {language}): {count} words in the bullet "
            f"{bullet!r}; keep bullets to {MAX_BULLET_WORDS} words"
        )


@pytest.mark.parametrize(("slide", "language"), CASES, ids=CASE_IDS)
def test_few_long_words(slide: Slide, language: str):
    r = reading(slide, language)
    share = readability.long_word_share(" ".join([r.title, *r.prose, *r.bullets]), language)
    assert share <= MAX_LONG_WORD_SHARE[language], (
        f"{slide.id} ({slide.origin}, {language}): {share:.0%} of words have 3+ syllables "
        f"(limit {MAX_LONG_WORD_SHARE[language]:.0%})"
    )


@pytest.mark.parametrize(("slide", "language"), CASES, ids=CASE_IDS)
def test_prose_reads_easily(slide: Slide, language: str):
    text = reading(slide, language).prose_text
    if len(readability.words(text)) < MIN_PROSE_WORDS:
        return  # too little prose for a grade to mean anything; the length checks still apply
    if language == "en":
        value = readability.flesch_kincaid_grade(text)
        assert value <= MAX_FK_GRADE, f"{slide.id}: Flesch-Kincaid grade {value:.1f}: {text!r}"
    else:
        fh, inflesz = readability.fernandez_huerta(text), readability.inflesz(text)
        assert fh >= MIN_FERNANDEZ_HUERTA, f"{slide.id}: Fernández-Huerta {fh:.1f}: {text!r}"
        assert inflesz >= MIN_INFLESZ, f"{slide.id}: INFLESZ {inflesz:.1f}: {text!r}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_deck_prose_as_a_whole_reads_easily(language: str):
    text = " ".join(reading(slide, language).prose_text for slide in READABLE)
    if language == "en":
        assert readability.flesch_kincaid_grade(text) <= MAX_FK_GRADE
    else:
        assert readability.fernandez_huerta(text) >= MIN_FERNANDEZ_HUERTA
        assert readability.inflesz(text) >= MIN_INFLESZ


def test_each_bullet_counts_as_a_sentence_in_the_old_split():
    assert as_sentences(["Signs", "CVI may cause:", "Swollen legs", "Is it pain?", " "]) == (
        "Signs. CVI may cause. Swollen legs. Is it pain?"
    )


def test_the_two_splits_of_a_list():
    r = Reading(
        title="Signs",
        prose=["CVI may cause:"],
        lead_in="CVI may cause:",
        bullets=["Swollen legs", "Leg pain"],
    )
    assert r.fragments_as_sentences() == "Signs. CVI may cause. Swollen legs. Leg pain."
    assert r.list_as_one_sentence() == "Signs. CVI may cause Swollen legs, Leg pain."


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
