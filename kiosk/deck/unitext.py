"""What a piece of deck text may hold, checked on the characters alone (no fonts, no pygame).

Text is normalised once, to Unicode NFC, where it is read (`kiosk.deck.content`); then it is
refused when it holds a character that cannot be drawn or that draws nothing where a visitor
would expect words. The loader child then draws every text with the real fonts
(`kiosk.loader.textcheck`) for what only a font can tell: a missing glyph, ink out of proportion.

Each rule is here because text like it reached a screen and darkened it: a bullet that held only
a zero-width space (pasted from the web), a title with an escaped NUL, 3,000 combining accents.
"""

from __future__ import annotations

import unicodedata

from kiosk.deck.limits import Limits

# Layout splits paragraphs at a new line and words at spaces and tabs; both are fine.
ALLOWED_CONTROLS = frozenset("\n\t")
# Letters, digits, punctuation and symbols: what leaves ink. A word needs one of these.
VISIBLE = frozenset("LNPS")
COMBINING = frozenset({"Mn", "Me"})


def normalise(text: str) -> str:
    """The one form every text is kept in: NFC (a letter and its accent as one character
    where Unicode has one, so the same word always looks and measures the same)."""
    try:
        return unicodedata.normalize("NFC", text)
    except UnicodeError:  # pragma: no cover - normalize accepts any str, surrogates included
        return text


def character(ch: str) -> str:
    """`U+200B ZERO WIDTH SPACE`: how a character is named in messages."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}" if name else f"U+{ord(ch):04X}"


def text_problem(text: str, limits: Limits) -> str | None:
    """Why `text` (already normalised) cannot be shown, as one sentence; None when it can."""
    if len(text) > limits.text_chars:
        return (
            f"is {len(text)} characters long; a text may have at most {limits.text_chars} "
            "(split it over several bullets or slides)"
        )
    run = 0
    for position, ch in enumerate(text, start=1):
        category = unicodedata.category(ch)
        if category == "Cc" and ch not in ALLOWED_CONTROLS:
            return (
                f"holds the control character {character(ch)} at position {position}; "
                "delete it (it is often left by copying from another program)"
            )
        if category == "Cs":
            return (
                f"holds half of a character (the unpaired surrogate U+{ord(ch):04X}) at "
                f"position {position}; type the character again"
            )
        if category == "Co":
            return (
                f"holds the private-use character {character(ch)} at position {position}, "
                "which no standard font draws; delete it"
            )
        if category == "Cn":
            return (
                f"holds U+{ord(ch):04X} at position {position}, which is not a character "
                "Unicode has assigned; delete it"
            )
        if category in ("Zl", "Zp"):
            return (
                f"holds {character(ch)} at position {position}; start a new line in the YAML "
                "instead"
            )
        run = run + 1 if category in COMBINING else 0
        if run > limits.combining_marks:
            return (
                f"has more than {limits.combining_marks} accents or other combining marks on "
                f"one letter (at position {position}); they would be drawn stacked far above "
                "the line"
            )
    for word in text.replace("\t", " ").replace("\n", " ").split(" "):
        if word and not any(unicodedata.category(ch)[0] in VISIBLE for ch in word):
            shown = ", ".join(dict.fromkeys(character(ch) for ch in word))
            return (
                f"holds a word made only of invisible characters ({shown}); delete it "
                "(it is often left by pasting from a web page or a word processor)"
            )
    return None
