"""Every text of a deck drawn with the real fonts, in the loader child, before the screen may.

pygame is imported in the functions (this package stays importable without it).

`kiosk.deck.unitext` already refused what the characters alone give away. What only the font can
tell is checked here:
- a character the font has no glyph for (it would be drawn as an empty box);
- a word that draws nothing, fails to draw, or draws ink far taller than a line;
and then `drawn_lines_problems` draws every line exactly as layout placed it on each screen
(`font.size()` measures a zero-width line as 0 without complaint; only `font.render()` raises).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

from kiosk.deck.limits import Limits
from kiosk.deck.model import Deck, Slide, Text
from kiosk.deck.unitext import character
from kiosk.screen.layout import SlidePlan
from kiosk.screen.render import FONT_FILES, FontBook

# The size words are drawn at for the word checks: ink scales with size, ratios do not.
CHECK_SIZE = 40
# Characters a shaper consumes without a glyph of their own (joiners, soft hyphen, marks of
# direction), and the white space layout splits on.
_NO_GLYPH_NEEDED = frozenset("\n\t ")


def fields(slide: Slide) -> Iterator[tuple[str, Text, bool]]:
    """Every text of a slide: its field path (as in loader messages), the text, and whether
    it is drawn in the bold font."""
    where = f"slides[{slide.id}]"
    yield f"{where}.title", slide.title, True
    yield f"{where}.section", slide.section, False
    if slide.body is not None:
        yield f"{where}.body", slide.body, False
    for n, bullet in enumerate(slide.bullets):
        yield f"{where}.bullets[{n}]", bullet, False
    for c, column in enumerate(slide.columns):
        yield f"{where}.columns[{c}].heading", column.heading, True
        for n, bullet in enumerate(column.bullets):
            yield f"{where}.columns[{c}].bullets[{n}]", bullet, False


def font_characters(fonts: Mapping[str, bytes]) -> dict[bool, frozenset[int]] | None:
    """The code points each font (regular, bold) has a glyph for; None when the fonts cannot
    be read that way (then only the drawing checks run)."""
    import pygame
    from fontTools.ttLib import TTFont, TTLibError

    found: dict[bool, frozenset[int]] = {}
    for bold, name in FONT_FILES.items():
        data = fonts.get(name)
        try:
            if data is None:  # the deck chose pygame's built-in font
                path = Path(pygame.__file__).parent / pygame.font.get_default_font()
                data = path.read_bytes()
            with TTFont(io.BytesIO(data), lazy=True) as font:
                cmap = font.getBestCmap()
        except (OSError, TTLibError, AssertionError, KeyError, ValueError):
            return None
        if not cmap:
            return None
        found[bold] = frozenset(cmap)
    return found


def _missing(text: str, glyphs: frozenset[int]) -> list[str]:
    return list(
        dict.fromkeys(
            character(ch)
            for ch in text
            if ord(ch) not in glyphs
            and ch not in _NO_GLYPH_NEEDED
            and unicodedata.category(ch) != "Cf"
        )
    )


def text_problems(
    deck: Deck,
    fonts: FontBook,
    limits: Limits,
    glyphs: dict[bool, frozenset[int]] | None,
) -> list[str]:
    """Problems with the texts themselves, each naming file, line, field and language."""
    problems: list[str] = []
    several = len(deck.languages) > 1
    seen: set[tuple[int, str]] = set()  # a section's title is shared by its file's slides
    for slide in deck.slides:
        for path, text, bold in fields(slide):
            line = text.line or slide.origin.line
            for language in deck.languages:
                value = text.by_language.get(language)
                if value is None:
                    continue
                if (id(text), language) in seen:
                    continue
                seen.add((id(text), language))
                suffix = f" [{language}]" if several else ""
                problem = _one_text(value, fonts, bold, limits, glyphs)
                if problem is not None:
                    problems.append(f"{slide.origin.file}:{line}: {path}{suffix}: {problem}")
    return problems


def _one_text(
    text: str,
    fonts: FontBook,
    bold: bool,
    limits: Limits,
    glyphs: dict[bool, frozenset[int]] | None,
) -> str | None:
    import pygame

    if glyphs is not None:
        missing = _missing(text, glyphs[bold])
        if missing:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            return (
                f"the font has no glyph for {shown}: it would be drawn as an empty box; "
                "use other characters or a font that has them"
            )
    font = fonts.font(CHECK_SIZE, bold)
    tallest = limits.ink_height_ratio * font.get_linesize()
    for word in dict.fromkeys(text.replace("\t", " ").replace("\n", " ").split(" ")):
        if not word:
            continue
        try:
            drawn = font.render(word, True, (255, 255, 255))
        except (pygame.error, ValueError, UnicodeError) as error:
            return f"the word {word[:40]!r} cannot be drawn ({error})"
        if drawn.get_bounding_rect().width == 0:
            return f"the word {word[:40]!r} draws no ink: nobody would see it"
        if drawn.get_height() > tallest:
            times = drawn.get_height() / font.get_linesize()
            return (
                f"the word {word[:40]!r} is drawn {times:.1f} times as tall as a line (marks "
                f"stacked above or below it; at most {limits.ink_height_ratio:g} times)"
            )
    return None


def drawn_lines_problems(plan: SlidePlan, fonts: FontBook, slide: Slide, where: str) -> list[str]:
    """Each line of a laid-out slide drawn as the screen will draw it: what fails here would
    have stopped the screen's loop."""
    import pygame

    for line in plan.lines:
        try:
            fonts.font(line.size, line.bold).render(line.text, True, (255, 255, 255))
        except (pygame.error, ValueError, UnicodeError) as error:
            return [f"{slide.origin}: slide '{slide.id}': the line {line.text[:40]!r} cannot be "
                    f"drawn {where} ({error})"]  # fmt: skip
    return []
