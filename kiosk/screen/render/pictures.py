"""Pictures in memory: decoded deck images as surfaces, and one budget for every pre-drawn
picture (`SurfaceCache`), shared by the slide, chrome and frame renderers."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import pygame

from kiosk.deck.limits import DEFAULT_LIMITS
from kiosk.deck.model import DeckAssets

log = logging.getLogger(__name__)


# One budget for every pre-drawn picture of every renderer (slides of both text sizes, the
# bar, menu pages), but never fewer than MIN_SLIDES_KEPT full-screen pictures: what quiet
# time gets ready (both neighbours, the first slide, the menu, the other language and the
# other text size) fits at 4K too, where seven screens are 232 MB (five left the menu and the
# language switch to be drawn under the finger: 163 and 83 ms instead of 42 and 53).
CACHE_BUDGET_BYTES = 64 * 1024 * 1024
MIN_SLIDES_KEPT = 7
# Behind an open menu or keypad the slide is shown at a third of its brightness.
OVERLAY_DIM = (85, 85, 85)
# Outside clinic hours in "dim" style: the slide at about a quarter of its brightness.
REST_DIM = (64, 64, 64)


class ImageError(Exception):
    pass


def load_image(path: Path) -> pygame.Surface:
    """Decode an image file; refuse absurd sizes. Only for decks read in-process (tests,
    tools): the kiosk draws the pixels the loader child decoded (`Deck.assets`)."""
    try:
        surface = pygame.image.load(str(path))
    except (pygame.error, OSError, ValueError) as error:
        raise ImageError(f"cannot read image {path.name}: {error}") from error
    w, h = surface.get_size()
    if w * h > DEFAULT_LIMITS.image_pixels or w == 0 or h == 0:
        raise ImageError(f"image {path.name} is {w}×{h} pixels: too large or empty")
    return surface


def display_ready() -> bool:
    return pygame.display.get_init() and pygame.display.get_surface() is not None


def optimise(surface: pygame.Surface, alpha: bool) -> pygame.Surface:
    """Match the display's pixel format once, so every later blit is a plain copy."""
    if not display_ready():
        return surface
    return surface.convert_alpha() if alpha else surface.convert()


def blank(size: tuple[int, int]) -> pygame.Surface:
    """An opaque surface already in the display's pixel format (when there is a display):
    drawing a slide straight into it saves converting 8 MB (1080p) afterwards."""
    display = pygame.display.get_surface() if pygame.display.get_init() else None
    return pygame.Surface(size, 0, display) if display is not None else pygame.Surface(size)


def _bytes(surface: pygame.Surface) -> int:
    return surface.get_height() * surface.get_pitch()


class SurfaceCache:
    """Pre-drawn pictures under one byte budget, least recently used dropped first.

    Shared by every renderer of the app, so a second renderer (larger text) cannot double
    the memory. `budget` defaults to CACHE_BUDGET_BYTES, or MIN_SLIDES_KEPT screens when
    that is more (seven 4K slides are 232 MB)."""

    def __init__(self, screen_size: tuple[int, int], budget: int | None = None) -> None:
        screen_bytes = screen_size[0] * screen_size[1] * 4
        self.budget = budget or max(CACHE_BUDGET_BYTES, MIN_SLIDES_KEPT * screen_bytes)
        self._items: OrderedDict[tuple[object, ...], pygame.Surface] = OrderedDict()
        self.used = 0

    def get(self, key: tuple[object, ...]) -> pygame.Surface | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def __contains__(self, key: tuple[object, ...]) -> bool:
        return key in self._items

    def put(self, key: tuple[object, ...], surface: pygame.Surface) -> pygame.Surface:
        old = self._items.pop(key, None)
        if old is not None:
            self.used -= _bytes(old)
        self._items[key] = surface
        self.used += _bytes(surface)
        # The newest three stay whatever their size: a crossfade needs both slides and the bar.
        while self.used > self.budget and len(self._items) > 3:
            _key, dropped = self._items.popitem(last=False)
            self.used -= _bytes(dropped)
        return surface

    def room_for(self, size: int) -> bool:
        """Would a picture of `size` bytes fit without pushing anything out?"""
        return self.used + size <= self.budget

    def drop(self, owner: object) -> int:
        """Forget every picture whose key starts with `owner`; returns the bytes freed."""
        freed = 0
        for key in [k for k in self._items if k and k[0] is owner]:
            freed += _bytes(self._items.pop(key))
        self.used -= freed
        return freed

    def clear(self) -> None:
        self._items.clear()
        self.used = 0

    def __len__(self) -> int:
        return len(self._items)


class ImageStore:
    """Decoded deck images by path, shared by every renderer: each file is decoded once.

    A loader that already decoded an image (preflight) can hand it over with `put`."""

    def __init__(self) -> None:
        self._images: dict[Path, pygame.Surface | None] = {}

    def put(self, path: Path, surface: pygame.Surface) -> None:
        self._images[path] = surface

    def load(self, path: Path) -> pygame.Surface:
        """The decoded image, decoding it now if nobody has; raises ImageError."""
        found = self._images.get(path)
        if found is None:
            found = self._images[path] = load_image(path)
        return found

    def get(self, path: Path, assets: DeckAssets | None = None) -> pygame.Surface | None:
        """The image for a slide; from the pixels the loader child decoded when the deck
        has them (the drawing process then never opens the file), else from the file
        (tools and tests that read decks in-process)."""
        if path in self._images:
            return self._images[path]
        if assets is not None:
            pixels = assets.images.get(path)
            if pixels is None:
                log.error("no decoded pixels for image %s; leaving its space empty", path.name)
                self._images[path] = None
                return None
            size = (pixels.width, pixels.height)
            # On the deck's own buffer, not a copy: it is only ever read (scaled, blitted).
            surface = pygame.image.frombuffer(pixels.rgba, size, "RGBA")
            self._images[path] = surface
            return surface
        try:
            return self.load(path)
        except ImageError as error:
            # Validation refuses decks with unreadable images; this only guards a file
            # that broke after loading. Leave the space empty rather than crash.
            log.error("%s", error)
            self._images[path] = None
            return None

    def retain(self, paths: Iterable[Path]) -> None:
        """Forget images no deck in use needs any more (after a reload)."""
        keep = set(paths)
        self._images = {p: s for p, s in self._images.items() if p in keep}

    def __len__(self) -> int:
        return len(self._images)
