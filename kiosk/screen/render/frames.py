"""A frame: blits of pre-drawn slides and chrome, transitions eased, only changed bands redrawn."""

from __future__ import annotations

import logging
import math
from dataclasses import replace

import pygame

from kiosk.deck.model import Deck, RestStyle, TransitionStyle
from kiosk.screen.controls import Controls, ControlsCache
from kiosk.screen.layout import (
    Screen,
)
from kiosk.screen.presentation import Presentation
from kiosk.screen.render.bands import Bands, merge_bands
from kiosk.screen.render.chrome import ChromeRenderer
from kiosk.screen.render.fonts import FontBook
from kiosk.screen.render.pictures import OVERLAY_DIM, REST_DIM, ImageStore, SurfaceCache
from kiosk.screen.render.slides import SlideRenderer
from kiosk.screen.view import Animation, Overlay, View

log = logging.getLogger(__name__)


def ease_in_out(t: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * max(0.0, min(1.0, t)))


def ease_out(t: float) -> float:
    t = max(0.0, min(1.0, t))
    return 1 - (1 - t) ** 3


def push_offsets(transition: Animation, progress: float, width: int) -> tuple[int, int]:
    """Where the outgoing and the incoming slide's left edges are during a push."""
    shift = round(ease_out(progress) * width)
    # Snap to 4 px: aligned blits are cheaper, and the step is invisible at this speed.
    shift -= shift % 4
    sign = 1 if transition.direction >= 0 else -1
    return -sign * shift, sign * (width - shift)


class FrameRenderer:
    """Composes a whole frame for a `View`: slide or transition, then controls.

    A crossfade is drawn incrementally: each frame blends the incoming slide onto what is
    already on screen by just enough to reach the eased progress. That is one alpha blit per
    frame instead of two full blits plus an alpha blit, and an interrupted transition
    continues smoothly from whatever mix is showing instead of snapping.
    """

    def __init__(
        self,
        deck: Deck | Presentation,
        size: tuple[int, int],
        fonts: FontBook,
        *,
        larger_text: bool = False,
        larger_text_button: bool = False,
        cache: SurfaceCache | None = None,
        images: ImageStore | None = None,
    ) -> None:
        if isinstance(deck, Presentation):
            presentation = deck
        elif larger_text:
            from kiosk.screen.presentation import present

            presentation = present(deck, size, fonts, larger_text=True)
        else:
            presentation = Presentation.plain(deck, size)
        if presentation.size != size:
            presentation = replace(presentation, size=size)
        self.presentation = presentation
        self.deck = presentation.deck
        self.screen = presentation.screen
        self.fonts = fonts
        # Used only when `draw` is not handed the controls (export, tests).
        self.larger_text_button = larger_text_button
        self._controls = ControlsCache(fonts)
        cache = SurfaceCache(size) if cache is None else cache
        self.slides = SlideRenderer(
            self.deck, self.screen, fonts, cache, images, presentation.screen_for
        )
        # The controls keep their normal size in the larger-text layout.
        self.chrome = ChromeRenderer(self.deck.theme, Screen(*size), fonts, cache)
        self._fading: Animation | None = None
        self._faded = 0.0  # share of the incoming slide already on the target
        self._last_target: pygame.Surface | None = None
        # Bounding box of what differs from plain background on the target; None = anything.
        self._screen_ink: Bands | None = None
        self._last_merge: tuple[Bands, Bands] | None = None  # (union, incoming ink) last frame

    def controls(self, view: View, offset: tuple[int, int] = (0, 0)) -> Controls:
        """The controls layout gives `view` in this renderer's presentation."""
        return self._controls.get(
            view, self.presentation, offset, larger_text_available=self.larger_text_button
        )

    def draw(
        self,
        target: pygame.Surface,
        view: View,
        chrome_offset: tuple[int, int] = (0, 0),
        controls: Controls | None = None,
    ) -> Bands | None:
        """Draw the frame for `view` with `controls` (the same object input hit-tests).
        `chrome_offset` only matters when the controls are not given: it nudges them a few
        pixels so static parts do not burn into the panel over months.

        Returns the parts of `target` that changed (a crossfade blends only where the slides
        have ink), or None when the whole of it may have: the window then presents only
        those parts."""
        if controls is None:
            controls = self.controls(view, chrome_offset)
        animation = view.animation
        continuing = target is self._last_target
        self._last_target = target
        if not continuing:
            self._screen_ink = None
        if view.resting:
            self._fading = None
            self._screen_ink = None
            if (
                self.deck.schedule is not None
                and self.deck.schedule.outside_hours is RestStyle.SLEEP
            ):
                target.fill((0, 0, 0))
                return None
            target.blit(self.slides.surface(view.index, view.language), (0, 0))
            self.chrome.draw(target, view, controls)
            target.fill(REST_DIM, special_flags=pygame.BLEND_RGB_MULT)
            return None
        elif (animation is None or view.progress >= 1.0) and controls.panel is not None:
            self._fading = None
            self._screen_ink = None  # the overlay dims the whole screen
            target.blit(self.backdrop(view, controls), (0, 0))
            self.chrome.draw(target, view, controls, dimmed=True)
            return None
        changed: Bands | None = None
        if animation is None or view.progress >= 1.0:
            self._fading = None
            target.blit(self.slides.surface(view.index, view.language), (0, 0))
            self._screen_ink = self.slides.ink(view.index, view.language)
        elif self.deck.transition.style is TransitionStyle.SLIDE and animation.from_index >= 0:
            self._push(target, animation, view.progress)
        else:
            changed = self._crossfade(target, animation, view.progress, continuing)
        if view.overlay is not Overlay.NONE:
            self._screen_ink = None  # the overlay dims the whole screen
        drawn = self.chrome.draw(target, view, controls)
        if changed is None or drawn is None:
            return None
        return changed + drawn

    def _backdrop_key(self, view: View, controls: Controls) -> tuple[object, ...]:
        panel = replace(controls, current=None)
        return ("backdrop", self.slides, view.index, view.language, panel)

    def backdrop(self, view: View, controls: Controls) -> pygame.Surface:
        """The slide and bar dimmed, with the overlay panel on top, kept in the budget: an
        open menu then costs one opaque copy per frame instead of a full-screen blend and a
        large alpha blit."""
        key = self._backdrop_key(view, controls)
        found = self.slides.cache.get(key)
        if found is None:
            found = self.slides.surface(view.index, view.language).copy()
            self.chrome.draw_bar(found, controls.under or controls)
            found.fill(OVERLAY_DIM, special_flags=pygame.BLEND_RGB_MULT)
            self.chrome.draw_panel(found, controls)
            found = self.slides.cache.put(key, found)
        return found

    def prepare_overlay(self, view: View, controls: Controls) -> bool:
        """Get an overlay (the menu as it would open) ready ahead of time, one piece per call.
        True if it did any work."""
        if self.chrome.prepare(view, controls):
            return True
        if controls.panel is None or self._backdrop_key(view, controls) in self.slides.cache:
            return False
        self.backdrop(view, controls)
        return True

    def _push(self, target: pygame.Surface, transition: Animation, progress: float) -> None:
        before = self.slides.surface(transition.from_index, transition.from_language)
        after = self.slides.surface(transition.to_index, transition.to_language)
        out_x, in_x = push_offsets(transition, progress, self.screen.width)
        target.blit(before, (out_x, 0))
        target.blit(after, (in_x, 0))
        self._screen_ink = None

    def _crossfade(
        self, target: pygame.Surface, transition: Animation, progress: float, continuing: bool
    ) -> Bands | None:
        """One frame of a crossfade; returns the parts it blended (None: all of the target)."""
        after = self.slides.surface(transition.to_index, transition.to_language)
        changed: Bands | None = []
        if transition != self._fading:
            self._fading = transition
            self._faded = 0.0
            if not continuing and transition.from_index >= 0:
                target.blit(
                    self.slides.surface(transition.from_index, transition.from_language), (0, 0)
                )
                self._screen_ink = self.slides.ink(transition.from_index, transition.from_language)
                changed = None
            elif not continuing:
                changed = None  # whatever the target held is not what the screen shows
        wanted = ease_in_out(progress)
        if wanted <= self._faded:
            return changed
        # Blending with alpha a moves the mix from f to f + a(1 - f); solve for a.
        alpha = round(255 * (wanted - self._faded) / (1.0 - self._faded))
        if alpha <= 0:
            return changed
        # Outside both slides' ink everything is background already: blend only the bands
        # of lines, pictures and panels (about half the screen on a typical slide).
        bands = [after.get_rect()]
        if self._screen_ink is not None:
            incoming = self.slides.ink(transition.to_index, transition.to_language)
            last = self._last_merge
            if last is not None and last[0] is self._screen_ink and last[1] is incoming:
                bands = self._screen_ink  # the same union as last frame
            else:
                bands = merge_bands([*self._screen_ink, *incoming])
            self._last_merge = (bands, incoming)
        after.set_alpha(alpha)
        for band in bands:
            target.blit(after, band.topleft, band)
        after.set_alpha(None)
        self._screen_ink = bands
        self._faded += alpha / 255 * (1.0 - self._faded)
        return None if changed is None else bands

    def adopt(self, previous: FrameRenderer) -> None:
        """Take over the screen from the renderer of the previous deck, so a reload
        crossfades from what is showing instead of starting from an empty frame."""
        self._last_target = previous._last_target

    def prepare(self, index: int, language: str) -> bool:
        """Render one slide ahead of time if it is not ready. True if it did any work."""
        if self.slides.is_cached(index, language):
            return False
        self.slides.surface(index, language)
        return True
