"""The words on the controls a deck may give per language (`words:` in deck.yaml).

The kiosk has built-in words for English and Spanish (kiosk.screen.strings); a deck may
override any of them and must give every one for a language without built-in words, and a
name for each such language in its own script (`language_names:`), shown on the language
button. The keys are the fields of strings.UiText and strings.QuestionText.
"""

from __future__ import annotations

import dataclasses

from kiosk.screen.strings import QUESTION_TEXT, UI_TEXT, QuestionText, UiText, built_in

WORD_KEYS: tuple[str, ...] = tuple(
    f.name for cls in (UiText, QuestionText) for f in dataclasses.fields(cls)
)
# Words that are formatted with these fields, and so must name them.
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "counter": ("{current}", "{total}"),
    "page_of": ("{current}", "{total}"),
    "the_answer": ("{answer}",),
}
BUILT_IN_LANGUAGES = frozenset(UI_TEXT) & frozenset(QUESTION_TEXT)


def missing_words(language: str, given: dict[str, str]) -> list[str]:
    """The word keys a deck must still give for `language` (none for a built-in one)."""
    if built_in(language, UI_TEXT) is not None and built_in(language, QUESTION_TEXT) is not None:
        return []  # its own built-in words, or its language's (es-419: Spanish)
    return [key for key in WORD_KEYS if key not in given]
