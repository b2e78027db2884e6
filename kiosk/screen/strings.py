"""Words on the controls, per language. Slide text lives in the deck; these belong to the kiosk."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True)
class UiText:
    prev: str
    next: str
    home: str
    menu: str
    close: str
    hint: str
    menu_title: str
    pin_title: str
    pin_rejected: str
    counter: str  # format with {current} and {total}
    take_home: str
    larger_text: str  # the "A+" switch
    page_prev: str  # topic menu pages
    page_next: str
    page_of: str  # format with {current} and {total}
    pin_checking: str  # on the keypad while the PIN is checked beside the loop
    listen: str = "Listen"  # read the slide aloud (narration)
    # The "A+" switch while larger text is on: it says how to go back.
    normal_text: str = "Normal text"


UI_TEXT: dict[str, UiText] = {
    "en": UiText(
        prev="Back",
        next="Next",
        home="Start",
        menu="Topics",
        close="Close",
        hint="Touch the screen to learn more",
        menu_title="Choose a topic",
        pin_title="Staff PIN",
        pin_rejected="Wrong PIN. Try again.",
        counter="{current} / {total}",
        take_home="Scan to take this home",
        larger_text="Larger",
        page_prev="Previous",
        page_next="More",
        page_of="Page {current} of {total}",
        pin_checking="Checking…",
        listen="Listen",
        normal_text="Normal text",
    ),
    "es": UiText(
        prev="Atrás",
        next="Siguiente",
        home="Inicio",
        menu="Temas",
        close="Cerrar",
        hint="Toque la pantalla para saber más",
        menu_title="Elija un tema",
        pin_title="PIN del personal",
        pin_rejected="PIN incorrecto. Intente de nuevo.",
        counter="{current} / {total}",
        take_home="Escanee para llevarse esta información",
        larger_text="Más grande",
        page_prev="Anterior",
        page_next="Más",
        page_of="Página {current} de {total}",
        pin_checking="Comprobando…",
        listen="Escuchar",
        normal_text="Texto normal",
    ),
}


_Table = TypeVar("_Table")


def built_in(language: str, table: Mapping[str, _Table]) -> _Table | None:
    """The built-in entry for a BCP 47 tag: its own, or its language's (`es-419` and
    `es-MX` read the Spanish words, `en-GB` the English ones); None when there is none."""
    if language in table:
        return table[language]
    return table.get(language.split("-", 1)[0])


def ui_text(language: str, words: Mapping[str, str] | None = None) -> UiText:
    """The control words in `language`: the deck's `words` (Deck.words_for) over the
    built-in ones (English for a language the kiosk has none for)."""
    return _over(built_in(language, UI_TEXT) or UI_TEXT["en"], words)


@dataclass(frozen=True)
class QuestionText:
    """Words around the deck's questions (`check` slides) and "Was this helpful?"."""

    kicker: str  # above every question
    prompt: str  # before an answer
    right: str  # after the right answer
    not_quite: str  # after another answer: kind, never a verdict on the visitor
    did_you_know: str  # the attract loop's reveal
    the_answer: str  # format with {answer}
    privacy: str  # on the deck's first question
    helpful_title: str  # the topic is named under it
    helpful: str
    somewhat: str
    not_helpful: str
    skip: str


QUESTION_TEXT: dict[str, QuestionText] = {
    "en": QuestionText(
        kicker="Check what you learned",
        prompt="Tap the answer you think is right.",
        right="That's right.",
        not_quite="Not quite.",
        did_you_know="Did you know?",
        the_answer="The answer: {answer}",
        privacy="Answers are anonymous and not linked to anyone.",
        helpful_title="Was this topic helpful?",
        helpful="Yes",
        somewhat="Somewhat",
        not_helpful="Not really",
        skip="Skip",
    ),
    "es": QuestionText(
        kicker="Repase lo que aprendió",
        prompt="Toque la respuesta que le parezca correcta.",
        right="Así es.",
        not_quite="No exactamente.",
        did_you_know="¿Sabía usted?",
        the_answer="La respuesta: {answer}",
        privacy="Las respuestas son anónimas: no se vinculan con nadie.",
        helpful_title="¿Le sirvió este tema?",
        helpful="Sí",
        somewhat="Un poco",
        not_helpful="No mucho",
        skip="Omitir",
    ),
}


_Words = TypeVar("_Words", UiText, QuestionText)


def question_text(language: str, words: Mapping[str, str] | None = None) -> QuestionText:
    return _over(built_in(language, QUESTION_TEXT) or QUESTION_TEXT["en"], words)


def _over(built_in: _Words, words: Mapping[str, str] | None) -> _Words:
    if not words:
        return built_in
    names = {f.name for f in dataclasses.fields(built_in)}
    return dataclasses.replace(built_in, **{k: v for k, v in words.items() if k in names})


@dataclass(frozen=True)
class UrgencyText:
    """Words on the urgency bands (`Slide.urgency`) and the standing emergency line."""

    emergency: str  # beside the emergency number on a red band
    today: str
    routine: str
    standing: str  # on every screen; format with {number}


URGENCY_TEXT: dict[str, UrgencyText] = {
    "en": UrgencyText(
        emergency="Emergency: call now",
        today="Call today",
        routine="Ask at your visit",
        standing="Emergency? Call {number}",
    ),
    "es": UrgencyText(
        emergency="Emergencia: llame ya",
        today="Llame hoy mismo",
        routine="Pregunte en su cita",
        standing="¿Emergencia? Llame al {number}",
    ),
}


def urgency_text(language: str) -> UrgencyText:
    return built_in(language, URGENCY_TEXT) or URGENCY_TEXT["en"]
