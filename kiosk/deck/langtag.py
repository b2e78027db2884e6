"""BCP 47 language tags (RFC 5646) for a deck's languages: en, es-419, zh-Hant, pt-BR, ar.

A tag is checked with langcodes against the IANA subtag registry it ships (so `xx` is refused
as well as a malformed tag), and must already be in its standard form:
`zh-hant`, `EN`, `es_419` or the deprecated `iw` would name the same language, but a deck's
files, audio names, statistics and take-home links all key on the tag as written, so one
spelling is asked for.
"""

from __future__ import annotations

import re

import langcodes
from langcodes.tag_parser import LanguageTagError

# The longest tag worth a kiosk language (language-script-region-variant, with room).
MAX_TAG_LENGTH = 35
# Letters, digits and separators only (a stray space or newline is not the same tag).
TAG_CHARACTERS = re.compile(r"[A-Za-z0-9_-]+")


def tag_problem(tag: str) -> str | None:
    """Why `tag` is not a usable BCP 47 language tag, in a few words; None when it is."""
    if len(tag) > MAX_TAG_LENGTH or not TAG_CHARACTERS.fullmatch(tag):
        return f"expected a BCP 47 language tag such as en, es-419 or zh-Hant, got {tag!r}"
    try:
        valid = langcodes.tag_is_valid(tag)
        standard = langcodes.standardize_tag(tag) if valid else None
    except (ValueError, LanguageTagError):
        valid, standard = False, None
    if not valid or standard is None:
        return (
            f"{tag!r} is not a BCP 47 language tag in the IANA registry "
            "(examples: en, es, es-419, zh-Hant, pt-BR, ar)"
        )
    if standard != tag:
        return f"write the language tag {tag!r} as {standard!r}"
    return None


def is_language_tag(tag: str) -> bool:
    return tag_problem(tag) is None
