"""The contact sheet: every slide of a deck on one picture, to review it at a glance."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pygame

from kiosk.deck.model import RGB
from kiosk.screen.render.fonts import FontBook

log = logging.getLogger(__name__)


def contact_sheet(
    frames: Sequence[tuple[str, pygame.Surface]],
    fonts: FontBook,
    background: RGB,
    thumb_width: int = 480,
) -> pygame.Surface:
    """A grid of labelled thumbnails, to review a whole deck in one picture."""
    if not frames:
        return pygame.Surface((thumb_width, thumb_width))
    fw, fh = frames[0][1].get_size()
    tw, th = thumb_width, round(thumb_width * fh / fw)
    label_size = 22
    pad = 16
    columns = min(len(frames), 5 if fw >= fh else 8)
    rows = -(-len(frames) // columns)
    cell_w, cell_h = tw + pad, th + label_size * 2 + pad
    sheet = pygame.Surface((columns * cell_w + pad, rows * cell_h + pad))
    sheet.fill((40, 40, 40))
    font = fonts.font(label_size, True)
    for n, (label, frame) in enumerate(frames):
        row, col = divmod(n, columns)
        x, y = pad + col * cell_w, pad + row * cell_h
        sheet.blit(pygame.transform.smoothscale(frame, (tw, th)), (x, y))
        sheet.blit(font.render(label, True, (255, 255, 255)), (x, y + th + 4))
    return sheet
