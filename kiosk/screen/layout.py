"""Pure geometry: where every title, line, bullet, image, button and menu item goes.

Nothing here draws. Text is measured through the small `TextMeasurer` protocol, so the same
code is exercised by tests with a fake measurer and by the renderer with real fonts.

Sizes are relative to the screen's shorter side, so one deck works at 1280×800, 1920×1080,
3840×2160 and in portrait 1080×1920.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from kiosk.deck.model import Column, Slide, SlideKind, Tone, Urgency
from kiosk.screen.strings import urgency_text

# Readability floor from the brief: body text at least 1/28 of the shorter side.
MIN_BODY_FRACTION = 1 / 28
MAX_BODY_FRACTION = 1 / 17
MIN_TITLE_FRACTION = 1 / 20
MAX_TITLE_FRACTION = 1 / 12
HERO_TITLE_FRACTION = 1 / 9
# The "A+" layout: every text size times this; slides that no longer fit flow onto more pages.
LARGE_TEXT_SCALE = 1.35
# Touch targets: at least 1/12 of the shorter side; we use a bit more.
MIN_TARGET_FRACTION = 1 / 12
BUTTON_FRACTION = 1 / 10
LINE_SPACING = 1.25
# The urgency band across the top of a triage slide, as a share of the shorter side; a
# routine band is calmer, and thinner.
URGENCY_BAND_FRACTION = 0.12
ROUTINE_BAND_SCALE = 0.8


class TextMeasurer(Protocol):
    def width(self, text: str, size: int, bold: bool = False) -> int: ...

    def line_height(self, size: int, bold: bool = False) -> int: ...


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def center(self) -> tuple[int, int]:
        return (self.x + self.w // 2, self.y + self.h // 2)

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x < self.right and self.y <= y < self.bottom

    def inset(self, dx: int, dy: int | None = None) -> Rect:
        dy = dx if dy is None else dy
        return Rect(self.x + dx, self.y + dy, max(0, self.w - 2 * dx), max(0, self.h - 2 * dy))

    def inside(self, other: Rect) -> bool:
        return (
            self.x >= other.x
            and self.y >= other.y
            and self.right <= other.right
            and self.bottom <= other.bottom
        )


class Role(Enum):
    """Colour roles; the theme decides the actual colours."""

    TEXT = "text"
    MUTED = "muted_text"
    ACCENT = "accent"
    ACCENT_TEXT = "accent_text"
    PANEL = "panel"
    DO = "do_color"
    AVOID = "avoid_color"
    EMERGENCY = "emergency"
    EMERGENCY_TEXT = "emergency_text"
    TODAY = "today"
    TODAY_TEXT = "today_text"
    ROUTINE = "routine"
    ROUTINE_TEXT = "routine_text"


# Each urgency level's band colour, the colour of what is drawn on it, and its picture.
URGENCY_ROLES: dict[Urgency, tuple[Role, Role]] = {
    Urgency.EMERGENCY: (Role.EMERGENCY, Role.EMERGENCY_TEXT),
    Urgency.TODAY: (Role.TODAY, Role.TODAY_TEXT),
    Urgency.ROUTINE: (Role.ROUTINE, Role.ROUTINE_TEXT),
}


@dataclass(frozen=True)
class TextLine:
    text: str
    x: int
    y: int  # top of the line box
    size: int
    bold: bool
    role: Role


class ShapeKind(Enum):
    PANEL = "panel"  # rounded panel filled with `role`
    OUTLINE = "outline"  # rounded border in `role`
    BULLET = "bullet"  # round bullet mark
    CHECK = "check"  # tone icon: do
    CROSS = "cross"  # tone icon: avoid
    INFO = "info"  # tone icon: neutral
    RULE = "rule"  # accent bar under a title
    BAND = "band"  # an urgency band: a filled, slightly rounded strip
    PHONE = "phone"  # urgency pictures on the band: emergency
    CLOCK = "clock"  # call today
    CALENDAR = "calendar"  # at your next visit


@dataclass(frozen=True)
class Shape:
    kind: ShapeKind
    rect: Rect
    role: Role


@dataclass(frozen=True)
class SlidePlan:
    lines: tuple[TextLine, ...]
    shapes: tuple[Shape, ...]
    image: Rect | None
    title_size: int
    body_size: int
    qr: Rect | None = None  # the take-home code, a square


class LayoutError(ValueError):
    """A slide's text cannot fit at the readable minimum size."""


@dataclass(frozen=True)
class Screen:
    """The screen's fixed regions: safe area, content area and the control bar."""

    width: int
    height: int
    text_scale: float = 1.0  # 1.35 in the larger-text ("A+") layout
    # Larger text for one slide: its body and title never smaller than these (1.3 times
    # what the normal layout chose for it; kiosk.screen.presentation sets them per page).
    body_floor: int = 0
    title_floor: int = 0

    def larger(self) -> Screen:
        return Screen(self.width, self.height, LARGE_TEXT_SCALE)

    def text(self, fraction: float) -> int:
        """A text size as a fraction of the shorter side, in the current text scale."""
        return round(self.shorter * fraction * self.text_scale)

    def title_text(self, fraction: float) -> int:
        """`text` for a title, never under this screen's title floor."""
        return max(self.text(fraction), self.title_floor)

    @property
    def shorter(self) -> int:
        return min(self.width, self.height)

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    @property
    def margin(self) -> int:
        # TVs overscan and bezels hide edges; keep everything well inside.
        return round(self.shorter * 0.045)

    @property
    def safe(self) -> Rect:
        m = self.margin
        return Rect(m, m, self.width - 2 * m, self.height - 2 * m)

    @property
    def button_size(self) -> int:
        return max(round(self.shorter * BUTTON_FRACTION), round(self.shorter * MIN_TARGET_FRACTION))

    @property
    def gap(self) -> int:
        return round(self.shorter * 0.025)

    @property
    def drift(self) -> int:
        """How far the controls wander to spare the panel from burn-in; the bar is inset by
        this much so it never leaves the safe area."""
        return max(2, self.shorter // 270)

    @property
    def bar(self) -> Rect:
        safe = self.safe.inset(self.drift)
        return Rect(safe.x, safe.bottom - self.button_size, safe.w, self.button_size)

    @property
    def standing_size(self) -> int:
        """The text size of the standing "Emergency? Call 911" line: the bar's smallest label
        size, never scaled by A+ (the line is chrome, like the bar)."""
        return max(12, math.ceil(self.shorter / 42))

    @property
    def standing(self) -> Rect:
        """The strip across the top where the standing emergency line goes, inset like the
        bar so it stays in the safe area as it drifts. Slides start under it."""
        safe = self.safe.inset(self.drift)
        return Rect(safe.x, safe.y, safe.w, round(self.standing_size * 1.3))

    @property
    def content(self) -> Rect:
        # The strip's height comes partly out of the gap above the bar (half a gap is still
        # clear of the buttons), so slides lose as little room as possible.
        safe = self.safe
        top = self.standing.bottom + self.drift  # clear of the line wherever it drifts
        return Rect(safe.x, top, safe.w, self.bar.y - self.gap // 2 - top)

    @property
    def min_body(self) -> int:
        # Ceil, so rounding never takes text below the promised floor.
        return max(math.ceil(self.shorter * self.text_scale / 28), self.body_floor)

    @property
    def max_body(self) -> int:
        return max(self.text(MAX_BODY_FRACTION), self.min_body)

    @property
    def label_size(self) -> int:
        return max(round(self.button_size * 0.3), -(-self.shorter // 36))


# -- text --------------------------------------------------------------------------------


def wrap(text: str, width: int, size: int, measure: TextMeasurer, bold: bool = False) -> list[str]:
    """Greedy word wrap. A single word wider than the box stays on its own line (and the
    caller's fit check then rejects this size)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        # Ordinary spaces only: a no-break space keeps "50 años" or "EE. UU." together.
        for word in re.split(r"[ \t]+", paragraph.strip(" \t")):
            if not word:
                continue
            candidate = f"{current} {word}" if current else word
            if not current or measure.width(candidate, size, bold) <= width:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
    return lines


def fits_width(lines: Sequence[str], width: int, size: int, m: TextMeasurer, bold: bool) -> bool:
    return all(m.width(line, size, bold) <= width for line in lines)


def _line_step(size: int, measure: TextMeasurer, bold: bool = False) -> int:
    return max(measure.line_height(size, bold), round(size * LINE_SPACING))


@dataclass
class _Flow:
    """Lays out a vertical stack of paragraphs and bullets in a box at one font size."""

    box: Rect
    size: int
    measure: TextMeasurer
    lines: list[TextLine] = field(default_factory=list)
    shapes: list[Shape] = field(default_factory=list)
    y: int = 0
    ok: bool = True

    def __post_init__(self) -> None:
        self.y = self.box.y

    def paragraph(self, text: str, role: Role = Role.TEXT, bold: bool = False) -> None:
        wrapped = wrap(text, self.box.w, self.size, self.measure, bold)
        if not fits_width(wrapped, self.box.w, self.size, self.measure, bold):
            self.ok = False
        step = _line_step(self.size, self.measure, bold)
        for line in wrapped:
            self.lines.append(TextLine(line, self.box.x, self.y, self.size, bold, role))
            self.y += step
        self.y += round(self.size * 0.5)

    def bullets(self, items: Sequence[str], role: Role = Role.TEXT) -> None:
        indent = round(self.size * 1.1)
        dot = max(6, round(self.size * 0.32))
        width = self.box.w - indent
        step = _line_step(self.size, self.measure)
        for item in items:
            wrapped = wrap(item, width, self.size, self.measure)
            if not fits_width(wrapped, width, self.size, self.measure, False):
                self.ok = False
            dot_y = self.y + (step - dot) // 2
            self.shapes.append(
                Shape(ShapeKind.BULLET, Rect(self.box.x, dot_y, dot, dot), Role.ACCENT)
            )
            for line in wrapped:
                self.lines.append(
                    TextLine(line, self.box.x + indent, self.y, self.size, False, role)
                )
                self.y += step
            self.y += round(self.size * 0.4)

    def space(self, amount: int) -> None:
        self.y += amount

    @property
    def fits(self) -> bool:
        return self.ok and self.y <= self.box.bottom + round(self.size * 0.5)


def _fit_title(text: str, box: Rect, measure: TextMeasurer, screen: Screen, hero: bool) -> _Flow:
    largest = screen.title_text(HERO_TITLE_FRACTION if hero else MAX_TITLE_FRACTION)
    smallest = screen.title_text(MIN_TITLE_FRACTION)
    for size in font_sizes(largest, smallest):
        flow = _Flow(box, size, measure)
        flow.paragraph(text, Role.TEXT, bold=True)
        if flow.ok and len(flow.lines) <= 2:
            return flow
    flow = _Flow(box, smallest, measure)
    flow.paragraph(text, Role.TEXT, bold=True)
    return flow


def font_sizes(largest: int, smallest: int) -> list[int]:
    """Candidate font sizes from largest to smallest, about 4% apart."""
    sizes = []
    size = float(largest)
    while round(size) > smallest:
        sizes.append(round(size))
        size *= 0.96
    sizes.append(smallest)
    return sorted(set(sizes), reverse=True)


# -- slides ------------------------------------------------------------------------------


def layout_slide(
    slide: Slide,
    language: str,
    screen: Screen,
    measure: TextMeasurer,
    take_home_label: str = "Scan to take this home",
) -> SlidePlan:
    """Place every element of `slide`. Raises LayoutError when the text cannot fit at the
    readable minimum size (a content problem: the slide must be split or shortened)."""
    if slide.kind is SlideKind.TITLE:
        return _layout_title_slide(slide, language, screen, measure)
    if slide.kind is SlideKind.CHECK:
        raise ValueError("questions are laid out by kiosk.screen.layout_check.plan_slide")
    content = screen.content
    band_shapes: list[Shape] = []
    band_lines: list[TextLine] = []
    if slide.urgency is not None:
        band_shapes, band_lines, band = urgency_band(slide, language, screen, measure)
        top = band.bottom + screen.gap
        content = Rect(content.x, top, content.w, content.bottom - top)
    title_box = Rect(content.x, content.y, content.w, content.h // 3)
    title = _fit_title(slide.title.get(language), title_box, measure, screen, hero=False)
    if not title.ok:
        # Cut at the screen's edge otherwise (a long web address): refused like a bullet.
        raise LayoutError(
            f"{slide.origin}: slide '{slide.id}': the title does not fit on a "
            f"{screen.width}×{screen.height} screen even at the smallest title size "
            f"({screen.title_text(MIN_TITLE_FRACTION)}px): shorten it, or break a long word "
            "or address"
        )
    rule_h = max(4, round(screen.shorter * 0.008))
    rule_y = title.y - round(title.size * 0.3)
    rule = Rect(content.x, rule_y, round(screen.shorter * 0.12), rule_h)
    shapes = [*band_shapes, Shape(ShapeKind.RULE, rule, Role.ACCENT)]
    body_top = rule_y + rule_h + screen.gap
    body_area = Rect(content.x, body_top, content.w, content.bottom - body_top)

    qr_box: Rect | None = None
    qr_lines: list[TextLine] = []
    if slide.take_home:
        text_box, qr_box, qr_lines = _place_take_home(body_area, screen, measure, take_home_label)
        image_box = None
    else:
        text_box, image_box = _split_for_image(body_area, screen, slide.image is not None)
    body = _fit_body(slide, language, text_box, screen, measure)
    if body is None:
        raise does_not_fit(slide, screen)
    flow, extra_shapes = body
    return SlidePlan(
        lines=tuple(band_lines + title.lines + flow + qr_lines),
        shapes=tuple(shapes + extra_shapes),
        image=image_box,
        title_size=title.size,
        body_size=flow[0].size if flow else screen.min_body,
        qr=qr_box,
    )


def urgency_band(
    slide: Slide, language: str, screen: Screen, measure: TextMeasurer
) -> tuple[list[Shape], list[TextLine], Rect]:
    """The band across the top of a triage slide: its picture at the left, then (for an
    emergency) the number to call in large digits, then the level's words, all in the band's
    own text colour. Raises LayoutError when the words cannot fit at the readable minimum."""
    assert slide.urgency is not None
    content = screen.content
    height = max(round(screen.shorter * URGENCY_BAND_FRACTION), round(screen.min_body * 2.6))
    # The number to call is larger than any title of the normal layout; A+ does not grow
    # it (nor the band) further, so the slide keeps room for its larger words.
    number_size = round(screen.shorter * MAX_TITLE_FRACTION * 1.1)
    if slide.urgency is Urgency.EMERGENCY:
        height = max(height, round(measure.line_height(number_size, True) * 1.08))
    elif slide.urgency is Urgency.ROUTINE:
        height = round(height * ROUTINE_BAND_SCALE)
    band = Rect(content.x, content.y, content.w, height)
    fill, ink = URGENCY_ROLES[slide.urgency]
    pad = round(height * 0.16)
    icon = height - 2 * pad
    picture = {
        Urgency.EMERGENCY: ShapeKind.PHONE,
        Urgency.TODAY: ShapeKind.CLOCK,
        Urgency.ROUTINE: ShapeKind.CALENDAR,
    }[slide.urgency]
    shapes = [
        Shape(ShapeKind.BAND, band, fill),
        Shape(picture, Rect(band.x + pad * 2, band.y + pad, icon, icon), ink),
    ]
    x = band.x + pad * 3 + icon
    lines: list[TextLine] = []
    if slide.urgency is Urgency.EMERGENCY:
        number = slide.emergency_number
        y = band.y + (height - measure.line_height(number_size, True)) // 2
        lines.append(TextLine(number, x, y, number_size, True, ink))
        x += measure.width(number, number_size, True) + pad * 2
    words = getattr(urgency_text(language), slide.urgency.value)
    room = band.right - pad * 2 - x
    largest = max(screen.min_body, round(height * 0.36))
    # On one line if it fits at a readable size, else on two (a narrow portrait screen).
    for most in (1, 2):
        for size in font_sizes(largest, screen.min_body):
            wrapped = wrap(words, room, size, measure, True)
            step = measure.line_height(size, True)
            if (
                len(wrapped) <= most
                and fits_width(wrapped, room, size, measure, True)
                and step * len(wrapped) <= height
            ):
                y = band.y + (height - step * len(wrapped)) // 2
                for n, text in enumerate(wrapped):
                    lines.append(TextLine(text, x, y + n * step, size, True, ink))
                return shapes, lines, band
    raise LayoutError(
        f"{slide.origin}: slide '{slide.id}': the urgency band's words do not fit on a "
        f"{screen.width}×{screen.height} screen (a shorter emergency_number leaves more room)"
    )


def _place_take_home(
    area: Rect, screen: Screen, measure: TextMeasurer, label: str
) -> tuple[Rect, Rect, list[TextLine]]:
    """A QR code big enough to scan from a metre away (about 30 % of the shorter side),
    with its caption under it; the text gets the rest."""
    size = screen.min_body
    gap = screen.gap * 2
    column = round(screen.shorter * 0.30)
    caption = wrap(label, column, size, measure)
    caption_h = len(caption) * _line_step(size, measure) + screen.gap
    # Landscape: code and caption share a column; portrait: they take at most half the height.
    # With large text on a short screen the code gives way, down to a size still scannable.
    room = (area.h // 2 if screen.portrait else area.h) - caption_h
    side = min(column, room)
    if side < round(screen.shorter * 0.15):
        raise LayoutError(
            f"no room for the take-home code on a {screen.width}×{screen.height} screen"
        )
    if screen.portrait:
        top = area.bottom - side - caption_h
        qr = Rect(area.x + (area.w - side) // 2, top, side, side)
        text = Rect(area.x, area.y, area.w, top - gap - area.y)
        middle = area.x + area.w // 2
    else:
        qr = Rect(area.right - column + (column - side) // 2, area.y, side, side)
        text = Rect(area.x, area.y, area.w - column - gap, area.h)
        middle = area.right - column // 2
    y = qr.bottom + screen.gap
    lines = []
    for line in caption:
        x = middle - measure.width(line, size) // 2
        lines.append(TextLine(line, x, y, size, False, Role.MUTED))
        y += _line_step(size, measure)
    return text, qr, lines


def _split_for_image(area: Rect, screen: Screen, has_image: bool) -> tuple[Rect, Rect | None]:
    if not has_image:
        return area, None
    gap = screen.gap * 2
    if screen.portrait:
        image_h = round(area.h * 0.38)
        image = Rect(area.x, area.bottom - image_h, area.w, image_h)
        return Rect(area.x, area.y, area.w, area.h - image_h - gap), image
    image_w = round(area.w * 0.40)
    image = Rect(area.right - image_w, area.y, image_w, area.h)
    return Rect(area.x, area.y, area.w - image_w - gap, area.h), image


def _fit_body(
    slide: Slide, language: str, box: Rect, screen: Screen, measure: TextMeasurer
) -> tuple[list[TextLine], list[Shape]] | None:
    """Try sizes from large to the readable floor; the first that fits wins."""
    for size in font_sizes(screen.max_body, screen.min_body):
        placed = _place_body(slide, language, box, size, screen, measure)
        if placed is not None:
            return placed
    return None


def _place_body(
    slide: Slide, language: str, box: Rect, size: int, screen: Screen, measure: TextMeasurer
) -> tuple[list[TextLine], list[Shape]] | None:
    body = slide.body.get(language) if slide.body else None
    bullets = [b.get(language) for b in slide.bullets]

    if slide.kind is SlideKind.TWO_COLUMN:
        return _place_columns(slide, language, box, size, screen, measure)

    if slide.kind in (SlideKind.CALLOUT, SlideKind.DISCLAIMER):
        # Body inside a highlighted panel; the panel hugs its text.
        pad = round(size * 0.8)
        inner = box.inset(pad)
        flow = _Flow(inner, size, measure)
        if body:
            flow.paragraph(body)
        if bullets:
            flow.bullets(bullets)
        if not flow.fits:
            return None
        panel_h = min(box.h, flow.y - inner.y + 2 * pad - round(size * 0.4))
        panel = Shape(ShapeKind.OUTLINE, Rect(box.x, box.y, box.w, panel_h), Role.ACCENT)
        return flow.lines, [panel, *flow.shapes]

    flow = _Flow(box, size, measure)
    if body:
        flow.paragraph(body, Role.TEXT)
    if bullets:
        flow.bullets(bullets, Role.MUTED if slide.kind is SlideKind.SOURCES else Role.TEXT)
    if not flow.fits:
        return None
    return flow.lines, flow.shapes


def _place_columns(
    slide: Slide, language: str, box: Rect, size: int, screen: Screen, measure: TextMeasurer
) -> tuple[list[TextLine], list[Shape]] | None:
    """Side by side in landscape, stacked in portrait; panels hug their text."""
    flow = _Flow(box, size, measure)
    if slide.body:
        flow.paragraph(slide.body.get(language))
    lines, shapes = list(flow.lines), list(flow.shapes)
    gap = screen.gap * 2
    count = len(slide.columns)
    pad = round(size * 0.6)
    width = box.w if screen.portrait else (box.w - gap * (count - 1)) // count
    # First pass: each column's own content, laid out from y=0.
    drawn = [
        _column_content(column, language, width, pad, size, measure) for column in slide.columns
    ]
    if any(content is None for content in drawn):
        return None
    heights = [content[2] for content in drawn if content is not None]
    top = flow.y
    y = top
    for i, content in enumerate(drawn):
        assert content is not None
        col_lines, col_shapes, height = content
        if screen.portrait:
            cell = Rect(box.x, y, width, height)
            y += height + gap
        else:
            cell = Rect(box.x + i * (width + gap), top, width, max(heights))
        if cell.bottom > box.bottom:
            return None
        shapes.append(Shape(ShapeKind.PANEL, cell, Role.PANEL))
        shapes += [_moved(shape, cell.x, cell.y) for shape in col_shapes]
        lines += [_moved_line(line, cell.x, cell.y) for line in col_lines]
    return lines, shapes


def _column_content(
    column: Column, language: str, width: int, pad: int, size: int, measure: TextMeasurer
) -> tuple[list[TextLine], list[Shape], int] | None:
    """One column's heading and bullets relative to the column's top-left corner."""
    inner_w = width - 2 * pad
    icon = round(size * 1.2)
    icon_kind = {Tone.DO: ShapeKind.CHECK, Tone.AVOID: ShapeKind.CROSS}.get(
        column.tone, ShapeKind.INFO
    )
    role = {Tone.DO: Role.DO, Tone.AVOID: Role.AVOID}.get(column.tone, Role.ACCENT)
    heading = _Flow(
        Rect(pad + icon + pad // 2, pad, inner_w - icon - pad // 2, 10**6), size, measure
    )
    heading.paragraph(column.heading.get(language), role, bold=True)
    top = max(heading.y, pad + icon + round(size * 0.4))
    bullets = _Flow(Rect(pad, top, inner_w, 10**6), size, measure)
    bullets.bullets([b.get(language) for b in column.bullets])
    if not (heading.ok and bullets.ok):
        return None
    shapes = [Shape(icon_kind, Rect(pad, pad, icon, icon), role), *bullets.shapes]
    height = bullets.y + pad - round(size * 0.4)
    return heading.lines + bullets.lines, shapes, height


def _moved(shape: Shape, dx: int, dy: int) -> Shape:
    r = shape.rect
    return Shape(shape.kind, Rect(r.x + dx, r.y + dy, r.w, r.h), shape.role)


def _moved_line(line: TextLine, dx: int, dy: int) -> TextLine:
    return TextLine(line.text, line.x + dx, line.y + dy, line.size, line.bold, line.role)


def _layout_title_slide(
    slide: Slide, language: str, screen: Screen, measure: TextMeasurer
) -> SlidePlan:
    content = screen.content
    text_box, image_box = _split_for_image(content, screen, slide.image is not None)
    for title_size in font_sizes(
        screen.title_text(HERO_TITLE_FRACTION), screen.title_text(MIN_TITLE_FRACTION)
    ):
        for body_size in font_sizes(screen.max_body, screen.min_body):
            flow = _Flow(text_box, title_size, measure)
            flow.paragraph(slide.title.get(language), Role.TEXT, bold=True)
            title_end = len(flow.lines)
            if not flow.ok or title_end > 3:
                break
            flow.size = body_size
            rule_y = flow.y
            flow.space(screen.gap)
            if slide.body:
                flow.paragraph(slide.body.get(language), Role.MUTED)
            if slide.bullets:
                flow.bullets([b.get(language) for b in slide.bullets])
            if not flow.fits:
                continue
            # Centre the block vertically in its box.
            used = flow.y - text_box.y
            shift = max(0, (text_box.h - used) // 2)
            lines = tuple(_moved_line(line, 0, shift) for line in flow.lines)
            moved = tuple(_moved(shape, 0, shift) for shape in flow.shapes)
            rule = Shape(
                ShapeKind.RULE,
                Rect(
                    text_box.x,
                    rule_y + shift,
                    round(screen.shorter * 0.16),
                    max(4, round(screen.shorter * 0.01)),
                ),
                Role.ACCENT,
            )
            return SlidePlan(lines, (rule, *moved), image_box, title_size, body_size)
    raise does_not_fit(slide, screen)


def does_not_fit(slide: Slide, screen: Screen) -> LayoutError:
    return LayoutError(
        f"{slide.origin}: slide '{slide.id}' does not fit on a {screen.width}×{screen.height} "
        f"screen even at the smallest readable size ({screen.min_body}px): shorten or split it"
    )


def chrome_offset(seconds: float, drift: int, period: float = 600.0) -> tuple[int, int]:
    """Where the controls sit at a given time: a step every `period` seconds around a small
    square of side 2×drift, so no pixel of a button edge stays lit in one place for days."""
    steps = ((0, 0), (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))
    sx, sy = steps[int(seconds // period) % len(steps)]
    return (sx * drift, sy * drift)


def largest_image_box(width: int, height: int) -> tuple[int, int]:
    """The most room a slide's picture ever gets on a `width`×`height` screen (a title
    slide's picture column, in either text size): pictures need no more pixels than this."""
    boxes = []
    for screen in (Screen(width, height), Screen(width, height).larger()):
        _, box = _split_for_image(screen.content, screen, True)
        assert box is not None
        boxes.append(box)
    return max(b.w for b in boxes), max(b.h for b in boxes)


def fit_image(image_size: tuple[int, int], box: Rect) -> Rect:
    """The largest rectangle with the image's aspect ratio, centred in `box`."""
    iw, ih = image_size
    if iw <= 0 or ih <= 0:
        return box
    scale = min(box.w / iw, box.h / ih)
    w, h = max(1, round(iw * scale)), max(1, round(ih * scale))
    return Rect(box.x + (box.w - w) // 2, box.y + (box.h - h) // 2, w, h)
