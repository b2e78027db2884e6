"""Every icon and decorative shape, drawn in one place from simple geometry (no icon font)."""

from __future__ import annotations

import logging
import math

import pygame

from kiosk.deck.model import RGB, Theme
from kiosk.screen.controls import Icon
from kiosk.screen.layout import (
    Role,
    Shape,
    ShapeKind,
)
from kiosk.screen.render.fonts import FontBook

log = logging.getLogger(__name__)


def role_colour(theme: Theme, role: Role) -> RGB:
    value: RGB = getattr(theme, role.value)
    return value


def draw_shape(target: pygame.Surface, shape: Shape, theme: Theme, scale: int) -> None:
    rect = pygame.Rect(shape.rect.x, shape.rect.y, shape.rect.w, shape.rect.h)
    colour = role_colour(theme, shape.role)
    radius = max(6, scale // 60)
    stroke = max(3, scale // 200)
    if shape.kind is ShapeKind.PANEL:
        pygame.draw.rect(target, colour, rect, border_radius=radius)
    elif shape.kind is ShapeKind.OUTLINE:
        pygame.draw.rect(target, role_colour(theme, Role.PANEL), rect, border_radius=radius)
        pygame.draw.rect(target, colour, rect, width=stroke * 2, border_radius=radius)
    elif shape.kind is ShapeKind.RULE:
        pygame.draw.rect(target, colour, rect, border_radius=rect.h // 2)
    elif shape.kind is ShapeKind.BULLET:
        pygame.draw.circle(target, colour, rect.center, rect.w // 2)
    elif shape.kind is ShapeKind.BAND:
        pygame.draw.rect(target, colour, rect, border_radius=radius)
    elif shape.kind in (ShapeKind.PHONE, ShapeKind.CLOCK, ShapeKind.CALENDAR):
        _draw_urgency_picture(target, shape.kind, rect, colour)
    else:
        _draw_tone_icon(target, shape.kind, rect, colour, theme.background)


def _draw_tone_icon(
    target: pygame.Surface, kind: ShapeKind, rect: pygame.Rect, colour: RGB, ink: RGB
) -> None:
    """Do / avoid / info badges: meaning carried by shape, not by colour alone."""
    pygame.draw.circle(target, colour, rect.center, rect.w // 2)
    w = max(3, rect.w // 9)
    x, y, s = rect.x, rect.y, rect.w
    if kind is ShapeKind.CHECK:
        points = [
            (x + s * 0.27, y + s * 0.52),
            (x + s * 0.44, y + s * 0.69),
            (x + s * 0.74, y + s * 0.34),
        ]
        pygame.draw.lines(target, ink, False, points, w)
        for px, py in (points[0], points[1], points[2]):
            pygame.draw.circle(target, ink, (round(px), round(py)), w // 2)
    elif kind is ShapeKind.CROSS:
        a, b = s * 0.3, s * 0.7
        pygame.draw.line(target, ink, (x + a, y + a), (x + b, y + b), w)
        pygame.draw.line(target, ink, (x + a, y + b), (x + b, y + a), w)
    else:
        pygame.draw.circle(target, ink, (rect.centerx, round(y + s * 0.3)), max(2, w // 2 + 1))
        pygame.draw.line(target, ink, (rect.centerx, y + s * 0.45), (rect.centerx, y + s * 0.75), w)


def _arc(cx: float, cy: float, r: float, start: float, end: float) -> list[tuple[float, float]]:
    """Points along a circle from angle `start` to `end` (degrees, counter-clockwise on
    screen), for polygons: pygame's own thick arcs leave gaps between their rings."""
    steps = max(8, int(abs(end - start) / 6))
    return [
        (
            cx + r * math.cos(math.radians(start + (end - start) * n / steps)),
            cy - r * math.sin(math.radians(start + (end - start) * n / steps)),
        )
        for n in range(steps + 1)
    ]


def _cubic_outline(
    start: tuple[float, float], segments: list[tuple[float, ...]], size: float
) -> tuple[tuple[float, float], ...]:
    """A closed outline of cubic Béziers (and straight lines: two numbers), sampled into
    points and scaled from a `size`-wide square into 0..1."""
    points = [start]
    for segment in segments:
        x0, y0 = points[-1]
        if len(segment) == 2:
            points.append((segment[0], segment[1]))
            continue
        x1, y1, x2, y2, x3, y3 = segment
        for n in range(1, 9):
            t = n / 8
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3
            points.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return tuple((px / size, py / size) for px, py in points)


# The telephone handset of the bundled phone pictures (assets/images/when-to-call.svg),
# moved to a 210-unit square: the shape people know from a phone's call button.
HANDSET = _cubic_outline(
    (20, 3),
    [
        (4, 19, 0, 41, 8, 67),
        (26, 125, 78, 181, 138, 201),
        (164, 211, 188, 205, 204, 189),
        (182, 151),
        (174, 139, 160, 137, 148, 145),
        (128, 159),
        (98, 145, 72, 119, 58, 89),
        (72, 69),
        (80, 57, 78, 43, 66, 35),
    ],
    210,
)


def _draw_urgency_picture(
    target: pygame.Surface, kind: ShapeKind, rect: pygame.Rect, colour: RGB
) -> None:
    """The band's picture, in the band's text colour: a telephone handset (emergency), a
    clock (today) or a calendar page (the next visit)."""
    x, y, s = rect.x, rect.y, rect.w
    w = max(3, s // 10)
    if kind is ShapeKind.PHONE:
        pygame.draw.polygon(target, colour, [(x + px * s, y + py * s) for px, py in HANDSET])
    elif kind is ShapeKind.CLOCK:
        cx, cy, r = x + s / 2, y + s / 2, s / 2
        pygame.draw.polygon(target, colour, _arc(cx, cy, r, 0, 360) + _arc(cx, cy, r - w, 360, 0))
        centre = (round(cx), round(cy))
        pygame.draw.line(target, colour, centre, (round(cx), round(cy - r * 0.62)), w)
        pygame.draw.line(target, colour, centre, (round(cx + r * 0.45), round(cy)), w)
        pygame.draw.circle(target, colour, centre, w)
    else:
        page = pygame.Rect(x, round(y + s * 0.12), s, round(s * 0.88))
        pygame.draw.rect(target, colour, page, width=w, border_radius=max(2, s // 12))
        top = pygame.Rect(page.x, page.y, page.w, round(s * 0.24))
        pygame.draw.rect(
            target,
            colour,
            top,
            border_top_left_radius=max(2, s // 12),
            border_top_right_radius=max(2, s // 12),
        )
        for fx in (0.3, 0.7):
            ring = pygame.Rect(0, 0, w, round(s * 0.22))
            ring.midtop = (round(x + s * fx), y)
            pygame.draw.rect(target, colour, ring, border_radius=w // 2)
        dot = max(2, s // 9)
        for row in range(2):
            for col in range(3):
                cell = pygame.Rect(0, 0, dot, dot)
                cell.center = (
                    round(x + s * (0.27 + col * 0.23)),
                    round(y + s * (0.55 + row * 0.22)),
                )
                target.fill(colour, cell)


def draw_icon(
    target: pygame.Surface,
    icon: Icon,
    box: pygame.Rect,
    colour: RGB,
    fonts: FontBook | None = None,
) -> None:
    """Simple line icons, drawn rather than taken from a font so they always exist. Larger
    text's icon is the letters "A+" (sized to the box) when the deck's fonts are given."""
    if icon is Icon.LARGER_TEXT and fonts is not None:
        glyph = fonts.font(max(8, round(box.h * 1.25)), True).render("A+", True, colour)
        target.blit(glyph, glyph.get_rect(center=box.center))
        return
    s = min(box.w, box.h)
    cx, cy = box.center
    w = max(3, s // 8)
    half = s // 2
    if icon is Icon.PREV:
        pygame.draw.polygon(
            target,
            colour,
            [(cx + half * 0.5, cy - half), (cx - half * 0.6, cy), (cx + half * 0.5, cy + half)],
        )
    elif icon is Icon.NEXT:
        pygame.draw.polygon(
            target,
            colour,
            [(cx - half * 0.5, cy - half), (cx + half * 0.6, cy), (cx - half * 0.5, cy + half)],
        )
    elif icon is Icon.HOME:
        pygame.draw.polygon(
            target,
            colour,
            [(cx - half, cy - half * 0.05), (cx, cy - half), (cx + half, cy - half * 0.05)],
        )
        pygame.draw.rect(
            target, colour, pygame.Rect(cx - half * 0.65, cy - half * 0.1, half * 1.3, half * 1.1)
        )
    elif icon is Icon.MENU:
        for dy in (-0.6, 0.0, 0.6):
            y = round(cy + dy * half)
            pygame.draw.line(target, colour, (cx - half, y), (cx + half, y), w)
    elif icon is Icon.LANGUAGE:
        pygame.draw.circle(target, colour, (cx, cy), half, w)
        pygame.draw.ellipse(
            target, colour, pygame.Rect(cx - half * 0.45, cy - half, half * 0.9, half * 2), w
        )
        pygame.draw.line(target, colour, (cx - half, cy), (cx + half, cy), w)
    elif icon is Icon.CLOSE:
        a = half * 0.7
        pygame.draw.line(target, colour, (cx - a, cy - a), (cx + a, cy + a), w)
        pygame.draw.line(target, colour, (cx - a, cy + a), (cx + a, cy - a), w)
    elif icon is Icon.DELETE:
        pygame.draw.polygon(
            target,
            colour,
            [
                (cx - half, cy),
                (cx - half * 0.4, cy - half * 0.6),
                (cx + half, cy - half * 0.6),
                (cx + half, cy + half * 0.6),
                (cx - half * 0.4, cy + half * 0.6),
            ],
            w,
        )
    elif icon is Icon.LISTEN:
        _draw_speaker(target, cx, cy, half, w, colour)
    elif icon in (Icon.HELPFUL, Icon.SOMEWHAT, Icon.NOT_HELPFUL):
        _draw_face(target, icon, cx, cy, half, w, colour)
    elif icon is Icon.ENTER:
        pygame.draw.lines(
            target,
            colour,
            False,
            [
                (cx - half * 0.7, cy),
                (cx - half * 0.15, cy + half * 0.55),
                (cx + half * 0.8, cy - half * 0.6),
            ],
            w,
        )


def _draw_speaker(target: pygame.Surface, cx: int, cy: int, half: int, w: int, colour: RGB) -> None:
    """A loudspeaker (a small box and its cone) with two sound waves to its right."""
    left = cx - half
    pygame.draw.polygon(
        target,
        colour,
        [
            (left, cy - half * 0.38),
            (left + half * 0.4, cy - half * 0.38),
            (left + half * 0.95, cy - half),
            (left + half * 0.95, cy + half),
            (left + half * 0.4, cy + half * 0.38),
            (left, cy + half * 0.38),
        ],
    )
    stroke = max(2, w * 3 // 4)
    centre_x = left + half * 0.95
    for radius in (half * 0.55, half * 1.0):
        # Each wave as a polyline (pygame's thick arcs leave gaps), ±50° around east.
        points = [
            (round(centre_x + radius * math.cos(a)), round(cy + radius * math.sin(a)))
            for a in (math.radians(d) for d in range(-50, 51, 10))
        ]
        pygame.draw.lines(target, colour, False, points, stroke)
        for point in (points[0], points[-1]):
            pygame.draw.circle(target, colour, point, stroke // 2)


def _draw_face(
    target: pygame.Surface, icon: Icon, cx: int, cy: int, half: int, w: int, colour: RGB
) -> None:
    """A round face that smiles, is level or frowns: meaning by shape, with words under it."""
    pygame.draw.circle(target, colour, (cx, cy), half, max(2, w * 2 // 3))
    eye = max(2, half // 7)
    for dx in (-0.35, 0.35):
        pygame.draw.circle(target, colour, (round(cx + dx * half), round(cy - half * 0.25)), eye)
    stroke = max(2, w * 2 // 3)
    # The mouth as a curve of points: bending down (a smile), flat, or up (a frown).
    bend = {Icon.HELPFUL: 0.22, Icon.SOMEWHAT: 0.0, Icon.NOT_HELPFUL: -0.22}[icon]
    base = cy + half * (0.25 if bend >= 0 else 0.5)
    points = []
    for n in range(9):
        t = n / 4 - 1  # -1 .. 1
        points.append((round(cx + t * half * 0.45), round(base + bend * half * (1 - t * t))))
    pygame.draw.lines(target, colour, False, points, stroke)
    for point in (points[0], points[-1]):
        pygame.draw.circle(target, colour, point, stroke // 2)
