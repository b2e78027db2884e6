"""Words on the controls, per language. Slide text lives in the deck; these belong to the kiosk."""

from __future__ import annotations

from dataclasses import dataclass


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
        normal_text="Texto normal",
    ),
}


def ui_text(language: str) -> UiText:
    return UI_TEXT.get(language, UI_TEXT["en"])


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


def question_text(language: str) -> QuestionText:
    return QUESTION_TEXT.get(language, QUESTION_TEXT["en"])
