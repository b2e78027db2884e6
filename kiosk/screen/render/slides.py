"""Slides drawn once per (language, screen size) into an opaque surface and kept."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

import pygame

from kiosk.deck.model import Deck, Theme
from kiosk.screen.layout import (
    Rect,
    Screen,
    SlidePlan,
    TextLine,
    fit_image,
)
from kiosk.screen.layout_check import plan_slide
from kiosk.screen.render.bands import Bands, merge_bands, pg_rect
from kiosk.screen.render.fonts import FontBook
from kiosk.screen.render.icons import draw_shape, role_colour
from kiosk.screen.render.pictures import ImageStore, SurfaceCache, blank, display_ready, optimise
from kiosk.screen.strings import ui_text

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules (True = dark), medium error correction, without quiet zone."""
    # Imported on first use: segno's writers bring urllib and http.client (17 ms), which the
    # loader child and the first frame of most decks do not need.
    import segno

    code = segno.make(url, error="m", micro=False)
    return tuple(tuple(bool(cell) for cell in row) for row in code.matrix)


class SlideRenderer:
    """Draws slides into Surfaces and keeps them in the shared `SurfaceCache`.

    At 1920×1080 the default budget holds about eight slides, at 3840×2160 seven; a slide that
    dropped out is redrawn in 7–15 ms when it is needed again.
    """

    def __init__(
        self,
        deck: Deck,
        screen: Screen,
        fonts: FontBook,
        cache: SurfaceCache | None = None,
        images: ImageStore | None = None,
        screen_for: Callable[[int, str], Screen] | None = None,
    ) -> None:
        self.deck = deck
        self.screen = screen
        # Larger text: each page's own screen, with its text floors (Presentation.screen_for).
        self.screen_for = screen_for
        self.fonts = fonts
        self.cache = SurfaceCache((screen.width, screen.height)) if cache is None else cache
        self.images = ImageStore() if images is None else images
        # Where each slide has anything but background: transitions blend only there.
        self._ink: dict[tuple[int, str], Bands] = {}
        self._plans: dict[tuple[int, str], SlidePlan] = {}

    @property
    def slide_bytes(self) -> int:
        return self.screen.width * self.screen.height * 4

    def plan(self, index: int, language: str) -> SlidePlan:
        """Where everything on a slide goes; kept (a few KB each), since a slide that left
        the picture budget is laid out again in up to 9 ms (long source lists)."""
        key = (index, language)
        found = self._plans.get(key)
        if found is None:
            label = ui_text(language, self.deck.words_for(language)).take_home
            slide = self.deck.slides[index]
            words = self.deck.words_for(language)
            screen = self.screen_for(index, language) if self.screen_for else self.screen
            found = self._plans[key] = plan_slide(slide, language, screen, self.fonts, label, words)
        return found

    def surface(self, index: int, language: str) -> pygame.Surface:
        key = (self, index, language)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        return self.cache.put(key, self.draw(index, language))

    def ink(self, index: int, language: str) -> Bands:
        """Where a slide has anything but plain background, as horizontal bands."""
        key = (index, language)
        if key not in self._ink:
            self.surface(index, language)
        return self._ink[key]

    def is_cached(self, index: int, language: str) -> bool:
        return (self, index, language) in self.cache

    def forget(self) -> None:
        """Give every picture of this renderer back to the budget."""
        self.cache.drop(self)

    def draw(self, index: int, language: str) -> pygame.Surface:
        """A fresh surface with the slide on it (no controls)."""
        plan = self.plan(index, language)
        theme = self.deck.theme
        surface = blank((self.screen.width, self.screen.height))
        surface.fill(theme.background)
        for shape in plan.shapes:
            draw_shape(surface, shape, theme, self.screen.shorter)
        slide = self.deck.slides[index]
        if plan.image is not None and slide.image is not None:
            self._draw_image(surface, slide.image, plan.image)
        if plan.qr is not None:
            self._draw_qr(surface, plan.qr, self.deck.take_home_url_for(language))
        boxes = [pygame.Rect(s.rect.x, s.rect.y, s.rect.w, s.rect.h) for s in plan.shapes]
        for line in plan.lines:
            boxes.append(self._draw_line(surface, line, theme))
        for box in (plan.image, plan.qr):
            if box is not None:
                boxes.append(pg_rect(box))
        whole = surface.get_rect()
        self._ink[(index, language)] = merge_bands(box.clip(whole) for box in boxes)
        return surface

    def _draw_line(self, surface: pygame.Surface, line: TextLine, theme: Theme) -> pygame.Rect:
        font = self.fonts.font(line.size, line.bold)
        text = font.render(line.text, True, role_colour(theme, line.role))
        return surface.blit(text, (line.x, line.y))

    def _draw_qr(self, surface: pygame.Surface, box: Rect, url: str) -> None:
        """Dark modules on white with the standard 4-module quiet zone, whole pixels per
        module so phone cameras see crisp edges."""
        matrix = qr_matrix(url)
        modules = len(matrix) + 8
        module = max(1, box.w // modules)
        side = module * modules
        x0 = box.x + (box.w - side) // 2
        y0 = box.y + (box.h - side) // 2
        pygame.draw.rect(surface, (255, 255, 255), pygame.Rect(x0, y0, side, side))
        for row, cells in enumerate(matrix):
            for col, dark in enumerate(cells):
                if dark:
                    cell = pygame.Rect(
                        x0 + (col + 4) * module, y0 + (row + 4) * module, module, module
                    )
                    surface.fill((0, 0, 0), cell)

    def _draw_image(self, surface: pygame.Surface, path: Path, box: Rect) -> None:
        source = self.images.get(path, self.deck.assets)
        if source is None:
            return
        target = fit_image(source.get_size(), box)
        # Scaling is the slowest part of drawing a slide: keep the result, in the budget,
        # for the other language and the other text size.
        key = ("scaled", path, target.w, target.h)
        scaled = self.cache.get(key)
        if scaled is None:
            if source.get_bitsize() < 24:
                source = source.convert_alpha() if display_ready() else source.convert(32)
            scaled = pygame.transform.smoothscale(source, (target.w, target.h))
            # In the display's own alpha layout, blending it onto a slide is the fast path.
            scaled = self.cache.put(key, optimise(scaled, alpha=True))
        surface.blit(scaled, (target.x, target.y))
