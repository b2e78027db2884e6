"""Damage geometry: the parts of the screen a frame must redraw, merged into few bands."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable

import pygame

from kiosk.screen.layout import (
    Rect,
)

log = logging.getLogger(__name__)


Bands = list[pygame.Rect]


def merge_bands(rects: Iterable[pygame.Rect], slack: int = 8) -> Bands:
    """Cover `rects` with rectangles that never overlap, so each pixel is blended exactly
    once, and cover little else: a line of text beside a picture is two pieces, not one band
    across the gap between them (a crossfade then blends about a third of a 1080p screen
    instead of most of it). Pieces closer than `slack` pixels side by side are joined, and
    rows with the same pieces are stacked into one (fewer, larger blits)."""
    boxes = [r for r in rects if r.w > 0 and r.h > 0]
    edges = sorted({y for r in boxes for y in (r.top, r.bottom)})
    # Each horizontal slab between two edges: the x-spans of the boxes crossing all of it.
    slabs: list[tuple[int, int, list[tuple[int, int]]]] = []
    for top, bottom in itertools.pairwise(edges):
        spans = sorted((r.left, r.right) for r in boxes if r.top <= top and r.bottom >= bottom)
        joined: list[tuple[int, int]] = []
        for left, right in spans:
            if joined and left <= joined[-1][1] + slack:
                joined[-1] = (joined[-1][0], max(joined[-1][1], right))
            else:
                joined.append((left, right))
        if not joined:
            continue
        if slabs and slabs[-1][1] >= top - slack and slabs[-1][2] == joined:
            slabs[-1] = (slabs[-1][0], bottom, joined)  # the same pieces, one row further down
        elif (
            slabs
            and slabs[-1][1] >= top - slack
            and (merged := _widened(slabs[-1][2], joined, slack)) is not None
        ):
            # Nearly the same pieces (ragged line ends): one set, a little wider, for both.
            slabs[-1] = (slabs[-1][0], bottom, merged)
        else:
            slabs.append((top, bottom, joined))
    out: Bands = []
    for top, bottom, spans in slabs:
        out.extend(pygame.Rect(left, top, right - left, bottom - top) for left, right in spans)
    return out


def _widened(
    a: list[tuple[int, int]], b: list[tuple[int, int]], slack: int
) -> list[tuple[int, int]] | None:
    """`a` and `b` as one set of pieces, when each piece moves by at most a few `slack`s and
    the pieces still do not touch; else None."""
    if len(a) != len(b):
        return None
    pairs = list(zip(a, b, strict=True))
    if any(abs(x[0] - y[0]) > 4 * slack or abs(x[1] - y[1]) > 4 * slack for x, y in pairs):
        return None
    merged = [(min(x[0], y[0]), max(x[1], y[1])) for x, y in pairs]
    if any(left < previous[1] for previous, (left, _) in itertools.pairwise(merged)):
        return None
    return merged


def pg_rect(rect: Rect) -> pygame.Rect:
    return pygame.Rect(rect.x, rect.y, rect.w, rect.h)
