"""The only module that draws.

Each slide is drawn once per (language, screen size) into an opaque Surface and kept; a frame is
then just blits: the slide (or two slides during a transition), the control bar and overlays,
all themselves pre-rendered. No text is rendered per frame.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pygame

from kiosk.deck.limits import DEFAULT_LIMITS
from kiosk.deck.model import RGB, Deck, DeckAssets, RestStyle, Theme, TransitionStyle
from kiosk.screen.controls import Button, Controls, ControlsCache, Icon
from kiosk.screen.layout import (
    Rect,
    Role,
    Screen,
    Shape,
    ShapeKind,
    SlidePlan,
    TextLine,
    fit_image,
    layout_slide,
)
from kiosk.screen.presentation import Presentation
from kiosk.screen.strings import ui_text
from kiosk.screen.view import Animation, Overlay, View

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
FONT_FILES = {
    False: "AtkinsonHyperlegible-Regular.woff",
    True: "AtkinsonHyperlegible-Bold.woff",
}


def font_dirs(deck_root: Path) -> list[Path]:
    """Where a deck's fonts may be: its own fonts/ folder, then assets/fonts beside it."""
    return [deck_root / "fonts", deck_root.parent / "assets" / "fonts"]


class FontBook:
    """Fonts by (size, bold), loaded once. Falls back to pygame's built-in font, never fails.

    Given `data` (font file bytes by name, checked by the loader child) it never opens a file:
    a font file damaged while the kiosk runs cannot reach the drawing process."""

    def __init__(self, search: Iterable[Path], data: Mapping[str, bytes] | None = None) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self._files: dict[bool, Path | bytes | None] = {}
        dirs = list(search)
        for bold, name in FONT_FILES.items():
            found: Path | bytes | None
            if data is not None:
                found = data.get(name)
            else:
                found = next((d / name for d in dirs if (d / name).is_file()), None)
            if found is None and (dirs or data):  # neither: the deck chose the built-in font
                log.warning("font %s not found in %s; using the built-in font", name, dirs)
            self._files[bold] = found
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}

    @classmethod
    def for_deck(cls, deck: Deck) -> FontBook:
        """The deck's fonts: the loader's checked bytes when it has them, else its folders."""
        if deck.system_font:
            return cls([])
        data = deck.assets.fonts if deck.assets is not None else None
        return cls(font_dirs(deck.root), data)

    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (size, bold)
        font = self._fonts.get(key)
        if font is None:
            path = self._files[bold] or self._files[False]
            try:
                source = io.BytesIO(path) if isinstance(path, bytes) else path
                font = pygame.font.Font(source, size)
            except (OSError, pygame.error, ValueError) as error:
                shown = "(checked bytes)" if isinstance(path, bytes) else path
                log.warning("cannot load font %s (%s); using the built-in font", shown, error)
                font = pygame.font.Font(None, size)
            if bold and self._files[True] is None:
                font.set_bold(True)
            self._fonts[key] = font
        return font

    # TextMeasurer protocol
    def width(self, text: str, size: int, bold: bool = False) -> int:
        return self.font(size, bold).size(text)[0]

    def line_height(self, size: int, bold: bool = False) -> int:
        return self.font(size, bold).get_linesize()


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


@functools.lru_cache(maxsize=8)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules (True = dark), medium error correction, without quiet zone."""
    # Imported on first use: segno's writers bring urllib and http.client (17 ms), which the
    # loader child and the first frame of most decks do not need.
    import segno

    code = segno.make(url, error="m", micro=False)
    return tuple(tuple(bool(cell) for cell in row) for row in code.matrix)


def _colour(theme: Theme, role: Role) -> RGB:
    value: RGB = getattr(theme, role.value)
    return value


def _display_ready() -> bool:
    return pygame.display.get_init() and pygame.display.get_surface() is not None


def _optimise(surface: pygame.Surface, alpha: bool) -> pygame.Surface:
    """Match the display's pixel format once, so every later blit is a plain copy."""
    if not _display_ready():
        return surface
    return surface.convert_alpha() if alpha else surface.convert()


def _blank(size: tuple[int, int]) -> pygame.Surface:
    """An opaque surface already in the display's pixel format (when there is a display):
    drawing a slide straight into it saves converting 8 MB (1080p) afterwards."""
    display = pygame.display.get_surface() if pygame.display.get_init() else None
    return pygame.Surface(size, 0, display) if display is not None else pygame.Surface(size)


# -- shapes ------------------------------------------------------------------------------


def _draw_shape(target: pygame.Surface, shape: Shape, theme: Theme, scale: int) -> None:
    rect = pygame.Rect(shape.rect.x, shape.rect.y, shape.rect.w, shape.rect.h)
    colour = _colour(theme, shape.role)
    radius = max(6, scale // 60)
    stroke = max(3, scale // 200)
    if shape.kind is ShapeKind.PANEL:
        pygame.draw.rect(target, colour, rect, border_radius=radius)
    elif shape.kind is ShapeKind.OUTLINE:
        pygame.draw.rect(target, _colour(theme, Role.PANEL), rect, border_radius=radius)
        pygame.draw.rect(target, colour, rect, width=stroke * 2, border_radius=radius)
    elif shape.kind is ShapeKind.RULE:
        pygame.draw.rect(target, colour, rect, border_radius=rect.h // 2)
    elif shape.kind is ShapeKind.BULLET:
        pygame.draw.circle(target, colour, rect.center, rect.w // 2)
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


def _draw_icon(target: pygame.Surface, icon: Icon, box: pygame.Rect, colour: RGB) -> None:
    """Simple line icons, drawn rather than taken from a font so they always exist."""
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


# -- memory ------------------------------------------------------------------------------


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


# -- slides ------------------------------------------------------------------------------


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
    ) -> None:
        self.deck = deck
        self.screen = screen
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
            label = ui_text(language).take_home
            slide = self.deck.slides[index]
            found = self._plans[key] = layout_slide(slide, language, self.screen, self.fonts, label)
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
        surface = _blank((self.screen.width, self.screen.height))
        surface.fill(theme.background)
        for shape in plan.shapes:
            _draw_shape(surface, shape, theme, self.screen.shorter)
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
                boxes.append(_pg_rect(box))
        whole = surface.get_rect()
        self._ink[(index, language)] = merge_bands(box.clip(whole) for box in boxes)
        return surface

    def _draw_line(self, surface: pygame.Surface, line: TextLine, theme: Theme) -> pygame.Rect:
        font = self.fonts.font(line.size, line.bold)
        text = font.render(line.text, True, _colour(theme, line.role))
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
                source = source.convert_alpha() if _display_ready() else source.convert(32)
            scaled = pygame.transform.smoothscale(source, (target.w, target.h))
            # In the display's own alpha layout, blending it onto a slide is the fast path.
            scaled = self.cache.put(key, _optimise(scaled, alpha=True))
        surface.blit(scaled, (target.x, target.y))


# -- controls ----------------------------------------------------------------------------

# A picture and where its top-left corner goes.
Piece = tuple[pygame.Surface, tuple[int, int]]
# In a list of pieces: dim everything drawn so far by OVERLAY_DIM.
DIM_BELOW = None


@dataclass
class ChromeStyle:
    button: RGB
    button_primary: RGB
    label: RGB
    label_primary: RGB


class ChromeRenderer:
    """Draws the `Controls` layout decided: control bar, attract hint, topic menu and staff
    keypad. Drawings are cached by what they show, in the shared budget."""

    def __init__(
        self, theme: Theme, screen: Screen, fonts: FontBook, cache: SurfaceCache | None = None
    ) -> None:
        self.theme = theme
        self.screen = screen
        self.fonts = fonts
        self.cache = SurfaceCache((screen.width, screen.height)) if cache is None else cache
        self.style = ChromeStyle(theme.panel, theme.accent, theme.text, theme.accent_text)

    def draw(
        self, target: pygame.Surface, view: View, controls: Controls, *, dimmed: bool = False
    ) -> Bands | None:
        """Draw `controls` on top of whatever `target` holds. `dimmed`: the target already
        holds the slide and bar dimmed behind an overlay (a cached backdrop). Returns where
        it drew, or None when that was the whole target."""
        drawn: Bands | None = []
        for piece in self.pieces(view, controls, dimmed=dimmed):
            if piece is DIM_BELOW:
                # Dim what is behind the panel in place: no full-screen layer to blend.
                target.fill(OVERLAY_DIM, special_flags=pygame.BLEND_RGB_MULT)
                drawn = None
            else:
                rect = target.blit(*piece)
                if drawn is not None:
                    drawn.append(rect)
        return drawn

    def pieces(self, view: View, controls: Controls, *, dimmed: bool = False) -> list[Piece | None]:
        """What `draw` puts on the target, in order: cached pictures at their places, and
        DIM_BELOW where everything drawn so far is dimmed by OVERLAY_DIM. The texture output
        draws the same pieces as textures, so both paths show the same pixels."""
        if controls.panel is None:
            return list(self.bar_pieces(controls))
        found: list[Piece | None] = []
        if not dimmed:
            found += self.bar_pieces(controls.under or controls)
            found.append(DIM_BELOW)
            found.append(self.panel_piece(controls))
        current = controls.current
        if current is not None:
            size = controls.label_size
            item = self._layer(
                ("lit", self.theme, current, size),
                lambda: self._draw_highlight(current, size),
            )
            found.append((item, (current.rect.x, current.rect.y)))
        if view.overlay is Overlay.KEYPAD:
            pin = self._pin_piece(view, controls)
            if pin is not None:
                found.append(pin)
        return found

    def draw_panel(self, target: pygame.Surface, controls: Controls) -> None:
        """The overlay panel with its title and buttons (no highlight, no PIN dots)."""
        target.blit(*self.panel_piece(controls))

    def panel_piece(self, controls: Controls) -> Piece:
        assert controls.panel is not None
        content = replace(controls, under=None, current=None)
        picture = self._layer(("panel", self.theme, content), lambda: self._draw_panel(content))
        return picture, (controls.panel.x, controls.panel.y)

    def draw_bar(self, target: pygame.Surface, bar: Controls) -> None:
        """The control bar (or attract hint) and the page counter."""
        for piece in self.bar_pieces(bar):
            target.blit(*piece)

    def bar_pieces(self, bar: Controls) -> list[Piece]:
        found: list[Piece] = []
        if bar.strip is not None:
            strip = bar.strip
            # Slides never draw in the bar's strip, so the bar is pre-blended onto the plain
            # background: an opaque copy per frame instead of an alpha blend.
            found.append((self._bar_picture(bar, strip), (strip.x, strip.y)))
        if bar.counter is not None and bar.counter_text:
            text = bar.counter_text
            label = self._layer(
                ("counter", text, bar.label_size),
                lambda: self._text(text, bar.label_size, True, self.style.label),
            )
            found.append((label, label.get_rect(center=bar.counter.center).topleft))
        return found

    def _bar_key(self, bar: Controls, strip: Rect) -> tuple[object, ...]:
        return ("bar", self.theme, _relative(bar, strip))

    def _bar_picture(self, bar: Controls, strip: Rect) -> pygame.Surface:
        return self._layer(
            self._bar_key(bar, strip), lambda: self._draw_bar(bar, strip), alpha=False
        )

    def prepare(self, view: View, controls: Controls) -> bool:
        """Draw the bar and overlay panel of `controls` ahead of time. True if it did any
        work."""
        bar = controls.under or controls
        if bar.strip is not None and self._bar_key(bar, bar.strip) not in self.cache:
            self._bar_picture(bar, bar.strip)
            return True
        if controls.panel is None:
            return False
        content = replace(controls, under=None, current=None)
        key = ("panel", self.theme, content)
        if key in self.cache:
            return False
        self._layer(key, lambda: self._draw_panel(content))
        return True

    def _layer(
        self, key: tuple[object, ...], make: Callable[[], pygame.Surface], alpha: bool = True
    ) -> pygame.Surface:
        found = self.cache.get(key)
        if found is None:
            found = self.cache.put(key, _optimise(make(), alpha=alpha))
        return found

    def _text(self, text: str, size: int, bold: bool, colour: RGB) -> pygame.Surface:
        return self.fonts.font(size, bold).render(text, True, colour)

    def _draw_bar(self, bar: Controls, strip: Rect) -> pygame.Surface:
        layer = pygame.Surface((strip.w, strip.h))
        layer.fill(self.theme.background)
        local = _relative(bar, strip)
        if local.hint is not None:
            self._draw_hint(layer, local.hint, local.hint_text, local.label_size)
        for button in local.buttons:
            self._draw_button(layer, button, local.label_size)
        return layer

    def _draw_hint(self, layer: pygame.Surface, box: Rect, text: str, size: int) -> None:
        pill = _pg_rect(box)
        h = box.h
        pygame.draw.rect(layer, self.style.button, pill, border_radius=h // 2)
        pygame.draw.rect(
            layer, self.theme.accent, pill, width=max(2, h // 30), border_radius=h // 2
        )
        label = self._text(text, size, True, self.style.label)
        # A hand-tap mark (a dot with a ring) left of the words; mark and words are centred
        # together in the pill.
        mark = round(h * 0.56)
        gap = round(h * 0.25)
        left = pill.centerx - (mark + gap + label.get_width()) // 2
        cx, cy = left + mark // 2, pill.centery
        pygame.draw.circle(layer, self.theme.accent, (cx, cy), h * 0.14)
        pygame.draw.circle(layer, self.theme.accent, (cx, cy), h * 0.28, max(2, h // 30))
        layer.blit(label, label.get_rect(midleft=(left + mark + gap, pill.centery)))

    def _draw_button(
        self, layer: pygame.Surface, button: Button, size: int, highlighted: bool = False
    ) -> None:
        r = _pg_rect(button.rect)
        primary = button.primary or highlighted
        fill = self.style.button_primary if primary else self.style.button
        ink = self.style.label_primary if primary else self.style.label
        radius = max(8, min(r.w, r.h) // 6)
        pygame.draw.rect(layer, fill, r, border_radius=radius)
        if not primary:
            pygame.draw.rect(
                layer, self.theme.muted_text, r, width=max(2, r.h // 40), border_radius=radius
            )
        font = self.fonts.font(size, True)
        lines = [font.render(line, True, ink) for line in button.lines if line]
        step = font.get_linesize()
        if button.icon is not Icon.NONE and lines:
            icon_h = round(r.h * 0.32)
            space = round(r.h * 0.08)
            total = icon_h + space + step * len(lines)
            top = r.y + (r.h - total) // 2
            box = pygame.Rect(r.centerx - icon_h // 2, top, icon_h, icon_h)
            self._draw_icon(layer, button.icon, box, ink)
            top += icon_h + space
        elif button.icon is not Icon.NONE:
            icon_h = round(min(r.w, r.h) * 0.45)
            box = pygame.Rect(r.centerx - icon_h // 2, r.centery - icon_h // 2, icon_h, icon_h)
            self._draw_icon(layer, button.icon, box, ink)
            return
        else:
            top = r.y + (r.h - step * len(lines)) // 2
        for n, line in enumerate(lines):
            layer.blit(line, line.get_rect(midtop=(r.centerx, top + n * step)))

    def _draw_icon(self, layer: pygame.Surface, icon: Icon, box: pygame.Rect, ink: RGB) -> None:
        if icon is Icon.LARGER_TEXT:
            # "A+" as the picture of larger text: letters sized to the icon box.
            glyph = self.fonts.font(max(8, round(box.h * 1.25)), True).render("A+", True, ink)
            layer.blit(glyph, glyph.get_rect(center=box.center))
            return
        _draw_icon(layer, icon, box, ink)

    def _draw_panel(self, controls: Controls) -> pygame.Surface:
        assert controls.panel is not None and controls.panel_title is not None
        panel = controls.panel
        layer = pygame.Surface((panel.w, panel.h), pygame.SRCALPHA)
        local = _relative(controls, panel)
        assert local.panel is not None and local.panel_title is not None
        r = _pg_rect(local.panel)
        radius = max(10, self.screen.shorter // 60)
        pygame.draw.rect(layer, self.theme.background, r, border_radius=radius)
        pygame.draw.rect(
            layer,
            self.theme.accent,
            r,
            width=max(3, self.screen.shorter // 300),
            border_radius=radius,
        )
        title = self._text(local.title_text, local.title_size, True, self.theme.text)
        layer.blit(
            title, title.get_rect(midleft=(local.panel_title.x, local.panel_title.center[1]))
        )
        for button in local.buttons:
            self._draw_button(layer, button, local.label_size)
        if local.page_label is not None and local.page_text:
            words = self._text(local.page_text, local.label_size, True, self.theme.muted_text)
            layer.blit(words, words.get_rect(center=local.page_label.center))
        return layer

    def _draw_highlight(self, button: Button, size: int) -> pygame.Surface:
        layer = pygame.Surface((button.rect.w, button.rect.h), pygame.SRCALPHA)
        moved = button.moved(-button.rect.x, -button.rect.y)
        self._draw_button(layer, moved, size, highlighted=True)
        return layer

    def _pin_piece(self, view: View, controls: Controls) -> Piece | None:
        box = controls.pin_box
        if box is None:
            return None
        if view.pin_rejected:
            words = ui_text(view.language).pin_rejected
            message = self._layer(
                ("pin-rejected", words, box.w),
                lambda: self._fit_label(words, box.w, self.screen.label_size),
            )
            return message, message.get_rect(center=box.center).topleft
        radius = max(6, box.h // 6)
        step = radius * 3
        x0 = box.center[0] - (view.pin_digits - 1) * step // 2
        # The dots are opaque on a clear layer: blitting it changes exactly the dots' pixels.
        width = (view.pin_digits - 1) * step + 2 * radius + 1
        digits = view.pin_digits
        dots = self._layer(
            ("pin-dots", digits, radius, self.theme.text),
            lambda: self._draw_dots(digits, radius, step, width),
        )
        return dots, (x0 - radius, box.center[1] - radius)

    def _draw_dots(self, digits: int, radius: int, step: int, width: int) -> pygame.Surface:
        layer = pygame.Surface((max(1, width), 2 * radius + 1), pygame.SRCALPHA)
        for n in range(digits):
            pygame.draw.circle(layer, self.theme.text, (radius + n * step, radius), radius)
        return layer

    def _fit_label(self, text: str, width: int, size: int) -> pygame.Surface:
        floor = max(12, size * 2 // 3)
        while size > floor and self.fonts.width(text, size, True) > width:
            size -= 1
        return self._text(text, size, True, self.style.label)


def _relative(controls: Controls, origin: Rect) -> Controls:
    """`controls` with every rectangle measured from `origin`'s corner (for layers)."""
    moved = controls.moved(-origin.x, -origin.y)
    dx, dy = -origin.x, -origin.y

    def shift(r: Rect | None) -> Rect | None:
        return None if r is None else Rect(r.x + dx, r.y + dy, r.w, r.h)

    return replace(
        moved,
        panel=shift(controls.panel),
        panel_title=shift(controls.panel_title),
        pin_box=shift(controls.pin_box),
        page_label=shift(controls.page_label),
        counter=None,
        counter_text="",
        current=None,
        under=None,
    )


# -- frames ------------------------------------------------------------------------------


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


def _pg_rect(rect: Rect) -> pygame.Rect:
    return pygame.Rect(rect.x, rect.y, rect.w, rect.h)


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
        self.slides = SlideRenderer(self.deck, self.screen, fonts, cache, images)
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
