"""The words a new slide starts with (the console's templates) and the check that none of
them reaches the screen: `kiosk validate`, `kiosk publish` and the console all refuse a deck
that still says "New slide title (es)", so a half-written slide is never published."""

from __future__ import annotations

import re

TITLE = "New slide title"
BODY = "One or two short sentences"
BULLETS = ("First point", "Second point")
PLACEHOLDERS = (TITLE, BODY, *BULLETS)

_PLACEHOLDER = re.compile(
    "(?:" + "|".join(re.escape(words) for words in PLACEHOLDERS) + r")(?: \([A-Za-z-]{2,12}\))?",
    re.IGNORECASE,
)


def in_language(words: str, language: str | None) -> str:
    """The placeholder as a template writes it for one language of several ("... (es)")."""
    return words if language is None else f"{words} ({language})"


def placeholder_problem(text: str) -> str | None:
    """One sentence when `text` is still a template's placeholder, else None."""
    if _PLACEHOLDER.fullmatch(text.strip()):
        return f'is still the template\'s placeholder "{text.strip()}": write the real text'
    return None
