"""Where the sentence being read aloud is on a laid-out slide, and the band that marks it.

The narration's timings number the sentences of the slide's script (`kiosk.deck.script`);
the slide's plan (`kiosk.screen.layout`) holds its wrapped lines. Both come from the same
text split at whitespace, so the script's words are found in the lines' words in reading
order, and each sentence becomes a stretch of one or more lines. A mark is a band behind
that stretch, in a colour chosen so the text on it keeps AAA contrast (7:1); the text is
drawn again on the band at exactly its place, so nothing moves and nothing is laid out
again. Pure: no pygame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.deck.model import RGB, Deck, Slide, Theme
from kiosk.deck.script import Sentence, deck_script
from kiosk.screen.layout import Rect, Role, ShapeKind, SlidePlan, TextLine, TextMeasurer

# WCAG's AAA contrast for normal text.
AAA = 7.0
# How far the band goes toward the accent colour at most: a tint, not a second accent.
MOST_TINT = 0.4
LEAST_TINT = 0.08
SEEN = 24  # the least change (summed over R, G, B) that reads as a band


@dataclass(frozen=True)
class Mark:
    """One line's stretch of the sentence: the band and the line drawn again on it."""

    band: Rect
    line: TextLine
    colour: RGB


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: RGB) -> float:
    r, g, b = (_linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def band_colour(behind: RGB, ink: RGB, accent: RGB) -> RGB | None:
    """The strongest tint of `behind` toward `accent` on which `ink` keeps 7:1; failing that
    (light text with little headroom, a heading in the "do" colour on its panel), a shade
    toward black, which only raises the contrast of light text; None when neither can be
    seen (the sentence is then not marked rather than made harder to read)."""
    steps = 16
    for toward in (accent, (0, 0, 0)):
        for n in range(steps, -1, -1):
            t = LEAST_TINT + (MOST_TINT - LEAST_TINT) * n / steps
            colour = _mix(behind, toward, t)
            visible = sum(abs(a - b) for a, b in zip(colour, behind, strict=True)) >= SEEN
            if visible and contrast(ink, colour) >= AAA:
                return colour
    return None


def _behind(line: TextLine, plan: SlidePlan, theme: Theme) -> RGB:
    """The colour behind a line: a panel's when it sits on one, else the background."""
    cx, cy = line.x + 1, line.y + 1
    for shape in plan.shapes:
        if shape.kind in (ShapeKind.PANEL, ShapeKind.OUTLINE) and shape.rect.contains(cx, cy):
            return theme.panel if shape.kind is ShapeKind.OUTLINE else _role(theme, shape.role)
    return theme.background


def _role(theme: Theme, role: Role) -> RGB:
    value: RGB = getattr(theme, role.value)
    return value


def _find(
    sentences: Sequence[Sentence], lines: Sequence[TextLine], wanted: int
) -> list[tuple[int, int, int]]:
    """Where sentence `wanted` is: (line, first word, end word) stretches; [] when it is not
    on these lines (another page of a re-flowed slide, or text drawn differently)."""
    words = [
        (n, w, word) for n, line in enumerate(lines) for w, word in enumerate(line.text.split())
    ]
    plain = [word for _n, _w, word in words]
    cursor = 0
    for number, sentence in enumerate(sentences[: wanted + 1]):
        target = sentence.display.split()
        if not target:
            continue
        found = next(
            (
                p
                for p in range(cursor, len(plain) - len(target) + 1)
                if plain[p : p + len(target)] == target
            ),
            None,
        )
        if found is None:
            continue  # not on this page: look for the next sentence from the same place
        cursor = found + len(target)
        if number == wanted:
            stretches: dict[int, list[int]] = {}
            for n, w, _word in words[found:cursor]:
                stretches.setdefault(n, []).append(w)
            return [(n, ws[0], ws[-1] + 1) for n, ws in stretches.items()]
    return []


def sentence_marks(
    deck: Deck,
    slide: Slide,
    language: str,
    plan: SlidePlan,
    sentence: int,
    measure: TextMeasurer,
) -> tuple[Mark, ...]:
    """The bands that mark sentence number `sentence` of `slide`'s script on `plan`."""
    if sentence < 0:
        return ()
    script = deck_script(deck, slide, language)
    if sentence >= len(script):
        return ()
    theme = deck.theme
    marks = []
    for n, first, end in _find(script, plan.lines, sentence):
        line = plan.lines[n]
        words = line.text.split()
        before = " ".join(words[:first])
        upto = " ".join(words[:end])
        x0 = line.x + (measure.width(before + " ", line.size, line.bold) if before else 0)
        x1 = line.x + measure.width(upto, line.size, line.bold)
        pad = max(2, round(line.size * 0.15))
        height = measure.line_height(line.size, line.bold)
        ink = _role(theme, line.role)
        colour = band_colour(_behind(line, plan, theme), ink, theme.accent)
        if colour is None:
            continue
        band = Rect(x0 - pad, line.y, x1 - x0 + 2 * pad, height)
        marks.append(Mark(band, line, colour))
    return tuple(marks)


__all__ = ["AAA", "Mark", "band_colour", "contrast", "luminance", "sentence_marks"]
