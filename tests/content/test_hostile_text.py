"""Text that the screen could not draw is refused where it is read, naming file, line and field.

Each case reached a screen once: validation passed it, and the drawing process died on it
(a bullet of only a zero-width space, a title with an escaped NUL) or ballooned (3,000
combining accents). Issue 24."""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from pathlib import Path

import pytest

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.limits import DEFAULT_LIMITS
from kiosk.deck.words import WORD_KEYS, missing_words
from kiosk.screen.strings import question_text, ui_text

DECK = "title: Test deck\nlanguages: [en]\n"
TWO_LANGUAGES = "title: {en: Test deck, es: Prueba}\nlanguages: [en, es]\n"


def section(
    title: str = '"Signs to look for"', bullet: str = '"Swollen legs"', topic: str = "Symptoms"
) -> str:
    return (
        f"section: {topic}\n"
        "slides:\n"
        "  - id: swelling\n"
        "    kind: bullets\n"
        f"    title: {title}\n"
        "    bullets:\n"
        f"      - {bullet}\n"
    )


def make(tmp_path: Path, text: str, deck: str = DECK) -> Path:
    folder = tmp_path / "slides"
    folder.mkdir(exist_ok=True)
    (folder / "deck.yaml").write_text(deck, encoding="utf-8")
    (folder / "10-symptoms.yaml").write_text(text, encoding="utf-8")
    return folder


def errors_of(folder: Path) -> list[str]:
    with pytest.raises(DeckError) as caught:
        load_deck(folder)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("title", "bullet", "expected"),
    [
        # Pasted from a web page: a bullet that holds nothing but a zero-width space.
        (
            '"Signs"',
            '"\\u200b"',
            "slides/10-symptoms.yaml:7: slides[0].bullets[0]: holds a word made only of "
            "invisible characters (U+200B ZERO WIDTH SPACE)",
        ),
        # A word of invisible characters between visible ones (wrapped onto a line of its own,
        # it is a line of zero width, which pygame refuses to draw).
        (
            '"Signs"',
            '"Swollen \\u200b\\u00ad legs"',
            "slides[0].bullets[0]: holds a word made only of invisible characters "
            "(U+200B ZERO WIDTH SPACE, U+00AD SOFT HYPHEN)",
        ),
        (
            '"Swollen\\0legs"',
            '"Legs"',
            "slides/10-symptoms.yaml:5: slides[0].title: holds the control character "
            "U+0000 at position 8",
        ),
        ('"Signs"', '"a\\x1bb"', "slides[0].bullets[0]: holds the control character U+001B"),
        ('"Signs"', '"half \\ud800 of it"', "unpaired surrogate U+D800"),
        ('"Signs"', '"private \\ue000"', "private-use character U+E000"),
        ('"Signs"', '"unassigned \\U000e0fff"', "U+E0FFF at position 12, which is not a character"),
        ('"Signs"', '"one\\u2028two"', "holds U+2028 LINE SEPARATOR at position 4"),
        ('"Signs"', '"x \\u3000 y"', "U+3000 IDEOGRAPHIC SPACE"),
        # Zalgo: far more marks on one letter than any language needs.
        (
            '"S' + "\\u0301" * 3000 + 'igns"',
            '"Legs"',
            "slides/10-symptoms.yaml:5: slides[0].title: is 3004 characters long",
        ),
        ('"S' + "\\u0301\\u0302" * 4 + 'igns"', '"Legs"', "has more than 3 accents"),
        ('"Signs"', '"' + "a" * 2001 + '"', "is 2001 characters long; a text may have at most"),
    ],
)
def test_text_the_screen_cannot_draw_is_refused(tmp_path, title, bullet, expected):
    problems = errors_of(make(tmp_path, section(title, bullet)))
    assert len(problems) == 1, problems
    assert expected in problems[0]


def test_text_is_normalised_to_nfc(tmp_path):
    # "Hinchazón" typed with a separate combining accent, as some keyboards and PDFs give it.
    deck = load_deck(make(tmp_path, section(bullet='"Hinchazo\\u0301n"')))
    text = deck.slides[0].bullets[0].get("en")
    assert text == "Hinchazón" == unicodedata.normalize("NFC", text)
    assert len(text) == 9


def test_a_few_accents_on_a_letter_are_fine(tmp_path):
    # Vietnamese stacks two marks; the limit leaves room for that.
    marks = "\\u0323\\u0302" * 1 + "\\u0301"
    deck = load_deck(make(tmp_path, section(bullet=f'"Vie{marks}t"')))
    assert deck.slides[0].bullets[0].get("en").startswith("Vi")
    assert DEFAULT_LIMITS.combining_marks >= 3


def test_no_break_space_and_joiners_inside_words_are_kept(tmp_path):
    deck = load_deck(make(tmp_path, section(bullet='"50\\u00a0años, e\\u200dmail"')))
    assert deck.slides[0].bullets[0].get("en") == "50\u00a0años, e\u200dmail"


def test_texts_remember_their_line(tmp_path):
    deck = load_deck(make(tmp_path, section()))
    assert (deck.slides[0].title.line, deck.slides[0].bullets[0].line) == (5, 7)


def test_the_same_language_twice_in_a_text_is_an_error(tmp_path):
    text = section(
        title="{en: Signs, es: Señales, en: Again}",
        bullet="{en: Legs, es: Piernas}",
        topic="{en: Symptoms, es: Síntomas}",
    )
    problems = errors_of(make(tmp_path, text, deck=TWO_LANGUAGES))
    assert problems == [
        "slides/10-symptoms.yaml:5: slides[0].title.en: 'en' is given twice (first on line 5)"
    ]


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ('"en\\n"', "expected a BCP 47 language tag such as en, es-419 or zh-Hant, got 'en\\n'"),
        ('"en "', "expected a BCP 47 language tag such as en, es-419 or zh-Hant, got 'en '"),
        ('"EN"', "write the language tag 'EN' as 'en'"),
        ("zh-hant", "write the language tag 'zh-hant' as 'zh-Hant'"),
        ("es_419", "write the language tag 'es_419' as 'es-419'"),
        ("iw", "write the language tag 'iw' as 'he'"),
        ("xx", "'xx' is not a BCP 47 language tag in the IANA registry"),
        ("12", "expected a language tag such as en, got a number"),
    ],
)
def test_language_tags_are_checked_as_bcp_47(tmp_path, code, says):
    deck = f"title: Test deck\nlanguages: [{code}]\n"
    problems = errors_of(make(tmp_path, section(), deck=deck))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"slides/deck.yaml:2: languages[0]: {says}"), problems[0]


@pytest.mark.parametrize("tags", ["[en, es-419]", "[zh-Hant, en]", "[pt-BR, ar]", "[en, es, vi]"])
def test_bcp_47_tags_are_accepted(tmp_path, tags):
    codes = [t.strip() for t in tags.strip("[]").split(",")]

    def each(word: str) -> str:
        return "{" + ", ".join(f"{c}: {word} {c}" for c in codes) + "}"

    # A language without built-in words brings them all, and its own name (kiosk.deck.words).
    english = {
        **dataclasses.asdict(ui_text("en")),
        **dataclasses.asdict(question_text("en")),
    }
    own = [c for c in codes if missing_words(c, {})]
    words = {c: {key: f"{english[key]} ({c})" for key in WORD_KEYS} for c in own}
    extra = f"words: {json.dumps(words, ensure_ascii=False)}\n" if own else ""
    if own:
        extra += f"language_names: {json.dumps({c: c for c in own})}\n"
    deck = f"title: {each('Test')}\nlanguages: {tags}\n{extra}"
    folder = make(
        tmp_path,
        section(title=each("Signs"), bullet=each("Swollen"), topic=each("Symptoms")),
        deck=deck,
    )
    assert load_deck(folder).languages == tuple(codes)


def test_an_unclosed_bracket_is_one_problem_not_one_per_text(tmp_path, deck_copy):
    deck_yaml = deck_copy / "deck.yaml"
    text = deck_yaml.read_text(encoding="utf-8")
    deck_yaml.write_text(text.replace("languages: [en, es]", "languages: [en, es"), "utf-8")
    with pytest.raises(DeckError) as caught:
        load_deck(deck_copy)
    problems = [str(e) for e in caught.value.errors]
    assert len(problems) == 1, problems[:5]
    assert "deck.yaml" in problems[0] and "YAML error" in problems[0]


def test_a_bad_language_list_is_one_problem(tmp_path, deck_copy):
    deck_yaml = deck_copy / "deck.yaml"
    text = deck_yaml.read_text(encoding="utf-8")
    deck_yaml.write_text(text.replace("languages: [en, es]", "languages: [en, 'es\\n']"), "utf-8")
    with pytest.raises(DeckError) as caught:
        load_deck(deck_copy)
    assert [e.path for e in caught.value.errors] == ["languages[1]"]


def test_other_problems_are_still_reported_when_the_languages_are_unknown(tmp_path):
    broken = "title: Test deck\nlanguages: [en\n"
    bad_slide = section().replace("kind: bullets", "kind: bulets")
    problems = errors_of(make(tmp_path, bad_slide, deck=broken))
    assert len(problems) == 2, problems
    assert "YAML error" in problems[0] and "slides[0].kind: expected one of" in problems[1]
