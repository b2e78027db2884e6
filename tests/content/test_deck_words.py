"""The words on the controls come from the deck: built-in English and Spanish, overridden or
completed per language in deck.yaml (`words:`), and each language's own name."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.words import WORD_KEYS
from kiosk.loader.wire import decode_answer, encode_answer
from kiosk.screen.strings import UI_TEXT, question_text, ui_text

TEXTS = {
    "section": {"en": "Symptoms", "es": "Síntomas", "vi": "Triệu chứng"},
    "title": {"en": "Signs to look for", "es": "Señales", "vi": "Dấu hiệu cần chú ý"},
    "bullet": {"en": "Swollen legs", "es": "Piernas hinchadas", "vi": "Chân bị sưng"},
}


def section(codes: list[str]) -> str:
    def each(name: str) -> str:
        return "{" + ", ".join(f"{c}: {TEXTS[name][c]}" for c in codes) + "}"

    return (
        f"section: {each('section')}\nslides:\n  - id: swelling\n    kind: bullets\n"
        f"    title: {each('title')}\n    bullets:\n      - {each('bullet')}\n"
    )


# Placeholder Vietnamese control words for the test only (not medical text, never bundled).
VI_WORDS = {key: f"chữ {key}" for key in WORD_KEYS} | {
    "next": "Tiếp",
    "counter": "{current} / {total}",
    "page_of": "Trang {current} / {total}",
    "the_answer": "Đáp án: {answer}",
}


def make(tmp_path: Path, deck_extra: str, languages: str = "[en, vi]") -> Path:
    folder = tmp_path / "slides"
    folder.mkdir(exist_ok=True)
    codes = [c.strip() for c in languages.strip("[]").split(",")]
    (folder / "deck.yaml").write_text(
        "title: {" + ", ".join(f"{c}: Test {c}" for c in codes) + "}\n"
        f"languages: {languages}\n{deck_extra}",
        encoding="utf-8",
    )
    (folder / "10-symptoms.yaml").write_text(section(codes), encoding="utf-8")
    return folder


def errors_of(folder: Path) -> list[str]:
    with pytest.raises(DeckError) as caught:
        load_deck(folder)
    return [str(e) for e in caught.value.errors]


def _yaml_words(words: dict[str, str]) -> str:
    return "".join(f'    {k}: "{v}"\n' for k, v in words.items())


def test_validate_names_exactly_the_words_a_language_lacks(tmp_path):
    given = {k: v for k, v in VI_WORDS.items() if k not in ("next", "skip", "hint")}
    deck = "words:\n  vi:\n" + _yaml_words(given)
    assert errors_of(make(tmp_path, deck)) == [
        "slides/deck.yaml:1: words.vi: the kiosk has no built-in words for 'vi': "
        "missing next, hint, skip",
        "slides/deck.yaml:1: language_names.vi: give the name of 'vi' in its own language "
        "(shown on the language button)",
    ]


def test_a_complete_language_loads_and_its_words_are_shown(tmp_path):
    deck = "language_names: {vi: Tiếng Việt}\nwords:\n  vi:\n" + _yaml_words(VI_WORDS)
    loaded = load_deck(make(tmp_path, deck))
    assert ui_text("vi", loaded.words_for("vi")).next == "Tiếp"
    assert question_text("vi", loaded.words_for("vi")).the_answer == "Đáp án: {answer}"
    assert loaded.language_name("vi") == "Tiếng Việt"
    assert loaded.language_name("en") == "English"
    # The loader child hands the words over the wire as they were read.
    payload, buffers = encode_answer("deck", loaded)
    _kind, back = decode_answer(payload, [bytearray(b) for b in buffers])
    assert back == loaded and back.words == loaded.words


def test_a_deck_overrides_one_built_in_word(tmp_path):
    loaded = load_deck(make(tmp_path, "words: {es: {next: Adelante}}\n", "[en, es]"))
    words = ui_text("es", loaded.words_for("es"))
    assert words.next == "Adelante"
    assert dataclasses.replace(words, next=UI_TEXT["es"].next) == UI_TEXT["es"]


def test_the_built_in_words_are_the_fallback(tmp_path):
    assert ui_text("es") == UI_TEXT["es"]
    assert ui_text("vi") == UI_TEXT["en"]


@pytest.mark.parametrize(
    ("words", "says"),
    [
        (
            "{es: {nxt: Adelante}}",
            "words.es.nxt: 'nxt' is not a word on the controls (did you mean 'next'?)",
        ),
        ('{es: {counter: "{current}"}}', "words.es.counter: must contain {total}"),
        ("{fr: {next: Suivant}}", "words.fr: 'fr' is not one of the deck's languages"),
        ("[next]", "words: expected the words per language"),
    ],
)
def test_bad_words_are_named(tmp_path, words, says):
    problems = errors_of(make(tmp_path, f"words: {words}\n", "[en, es]"))
    assert len(problems) == 1 and says in problems[0], problems


def test_the_deck_words_reach_the_questions_and_the_helpful_panel(repo_root):
    import pygame

    from kiosk.deck.model import SlideKind
    from kiosk.screen.controls_check import helpful_layout
    from kiosk.screen.layout import Screen
    from kiosk.screen.layout_check import layout_question
    from kiosk.screen.render import FontBook, font_dirs

    deck = load_deck(repo_root / "slides")
    pygame.font.init()
    fonts = FontBook(font_dirs(deck.root))
    screen = Screen(1920, 1080)
    own = {"helpful_title": "¿Le ayudó?", "kicker": "Pregunta"}
    panel = helpful_layout(screen, "es", "Síntomas", fonts, 24, own)
    assert panel.title_text.startswith("¿Le ayudó?")
    question = next(s for s in deck.slides if s.kind is SlideKind.CHECK)
    built_in = layout_question(question, "es", screen, fonts)
    overridden = layout_question(question, "es", screen, fonts, own)
    assert built_in != overridden
