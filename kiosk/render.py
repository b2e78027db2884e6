"""The only module that draws.

Each slide is drawn once per (language, screen size) into an opaque Surface and kept; a frame is
then just blits: the slide (or two slides during a transition), the control bar and overlays,
all themselves pre-rendered. No text is rendered per frame.
"""

from __future__ import annotations

import functools
import io
import logging
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pygame
import segno

from kiosk.intents import Action
from kiosk.layout import (
    Button,
    Controls,
    Icon,
    Rect,
    Role,
    Screen,
    Shape,
    ShapeKind,
    SlidePlan,
    TextLine,
    attract_controls,
    bar_controls,
    fit_image,
    keypad_controls,
    layout_slide,
    menu_controls,
)
from kiosk.limits import DEFAULT_LIMITS
from kiosk.model import RGB, Deck, RestStyle, Theme, TransitionStyle
from kiosk.navigator import Mode, Overlay, SlideChange, View
from kiosk.strings import UiText, ui_text

log = logging.getLogger(__name__)

CACHE_BUDGET_BYTES = 128 * 1024 * 1024
MAX_LAYERS = 512
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


# -- slides ------------------------------------------------------------------------------


class SlideRenderer:
    """Draws slides into Surfaces and keeps the most recent ones.

    Memory is bounded: at most CACHE_BUDGET_BYTES of slide surfaces, but never fewer than
    five (the current slide and two either side). That is 15 slides at 1920×1080 and five at
    3840×2160; a slide that dropped out is redrawn in 7–15 ms when it is needed again.
    """

    def __init__(
        self,
        deck: Deck,
        screen: Screen,
        fonts: FontBook,
        cache_limit: int | None = None,
    ) -> None:
        self.deck = deck
        self.screen = screen
        self.fonts = fonts
        pixels = screen.width * screen.height
        self.cache_limit = cache_limit or max(5, CACHE_BUDGET_BYTES // (pixels * 4))
        self._cache: OrderedDict[tuple[int, str], pygame.Surface] = OrderedDict()
        # Where each slide has anything but background: transitions blend only there.
        self._ink: dict[tuple[int, str], Bands] = {}
        self._images: dict[Path, pygame.Surface] = {}

    def plan(self, index: int, language: str) -> SlidePlan:
        label = ui_text(language).take_home
        return layout_slide(self.deck.slides[index], language, self.screen, self.fonts, label)

    def surface(self, index: int, language: str) -> pygame.Surface:
        key = (index, language)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        surface = _optimise(self.draw(index, language), alpha=False)
        self._cache[key] = surface
        while len(self._cache) > self.cache_limit:
            self._cache.popitem(last=False)
        return surface

    def ink(self, index: int, language: str) -> Bands:
        """Where a slide has anything but plain background, as horizontal bands."""
        key = (index, language)
        if key not in self._ink:
            self.surface(index, language)
        return self._ink[key]

    def is_cached(self, index: int, language: str) -> bool:
        return (index, language) in self._cache

    def draw(self, index: int, language: str) -> pygame.Surface:
        """A fresh surface with the slide on it (no controls)."""
        plan = self.plan(index, language)
        theme = self.deck.theme
        surface = pygame.Surface((self.screen.width, self.screen.height))
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
        source = self._images.get(path)
        assets = self.deck.assets
        if source is None and assets is not None:
            # Pixels the loader child decoded: never open the file here.
            pixels = assets.images.get(path)
            if pixels is None:
                log.error("no decoded pixels for image %s; leaving its space empty", path.name)
                return
            size = (pixels.width, pixels.height)
            source = pygame.image.frombuffer(pixels.rgba, size, "RGBA").copy()
            self._images[path] = source
        if source is None:
            try:
                source = load_image(path)
            except ImageError as error:
                # Validation refuses decks with unreadable images; this only guards a file
                # that broke after loading. Leave the space empty rather than crash.
                log.error("%s", error)
                return
            self._images[path] = source
        target = fit_image(source.get_size(), box)
        scaled = pygame.transform.smoothscale(
            source.convert_alpha() if _display_ready() else source, (target.w, target.h)
        )
        surface.blit(scaled, (target.x, target.y))


# -- controls ----------------------------------------------------------------------------


@dataclass
class ChromeStyle:
    button: RGB
    button_primary: RGB
    label: RGB
    label_primary: RGB


class ChromeRenderer:
    """Control bar, attract hint, topic menu and staff keypad: layouts and cached drawings."""

    def __init__(
        self, deck: Deck, screen: Screen, fonts: FontBook, text_size: bool | None = None
    ) -> None:
        self.deck = deck
        self.screen = screen
        self.fonts = fonts
        self.text_size = text_size  # None: no A+ button; else whether larger text is on
        theme = deck.theme
        self.style = ChromeStyle(theme.panel, theme.accent, theme.text, theme.accent_text)
        self._controls: dict[tuple[Mode, Overlay, str], Controls] = {}
        self._layers: dict[tuple[object, ...], pygame.Surface] = {}

    def controls(self, view: View) -> Controls:
        key = (view.mode, view.overlay, view.language)
        found = self._controls.get(key)
        if found is None:
            found = self._make_controls(view.mode, view.overlay, view.language)
            self._controls[key] = found
        return found

    def _make_controls(self, mode: Mode, overlay: Overlay, language: str) -> Controls:
        words = ui_text(language)
        if overlay is Overlay.MENU:
            sections = [(s.title.get(language), s.first_slide) for s in self.deck.sections]
            return menu_controls(self.screen, sections, words)
        if overlay is Overlay.KEYPAD:
            return keypad_controls(self.screen, words)
        if mode is Mode.ATTRACT:
            return attract_controls(self.screen, self._language_label(language))
        return bar_controls(self.screen, words, self._language_label(language), self.text_size)

    def _language_label(self, language: str) -> str | None:
        languages = self.deck.languages
        if len(languages) < 2:
            return None
        position = languages.index(language) if language in languages else 0
        return self.deck.language_name(languages[(position + 1) % len(languages)])

    def draw(self, target: pygame.Surface, view: View, offset: tuple[int, int] = (0, 0)) -> None:
        """Draw the controls for `view` on top of whatever `target` holds."""
        words = ui_text(view.language)
        dx, dy = offset
        # Only the bar's own rectangle: a full-screen alpha layer would cost a frame's budget.
        strip = self.screen.bar
        # Slides never draw in the bar's strip, so the bar is pre-blended onto the plain
        # background: an opaque copy per frame instead of an alpha blend.
        bar = self._layer(
            ("bar", view.mode, view.language),
            lambda: self._opaque(self._draw_bar(view, words).subsurface(_pg_rect(strip))),
            alpha=False,
        )
        target.blit(bar, (strip.x + dx, strip.y + dy))
        if view.mode is Mode.BROWSING and view.overlay is Overlay.NONE:
            counter = self.controls(view).counter
            if counter is not None:
                text = words.counter.format(current=view.index + 1, total=len(self.deck.slides))
                label = self._layer(
                    ("counter", text),
                    lambda: self._text(text, self.screen.label_size, True, self.style.label),
                )
                target.blit(
                    label, label.get_rect(center=(counter.center[0] + dx, counter.center[1] + dy))
                )
        if view.overlay is Overlay.NONE:
            return
        # Dim what is behind the panel in place: no full-screen layer to keep or blend.
        target.fill(OVERLAY_DIM, special_flags=pygame.BLEND_RGB_MULT)
        controls = self.controls(view)
        assert controls.panel is not None
        panel = _pg_rect(controls.panel)
        if view.overlay is Overlay.MENU:
            menu = self._layer(
                ("menu", view.language),
                lambda: self._draw_menu(view, words).subsurface(panel).copy(),
            )
            target.blit(menu, panel.topleft)
            # The topic the visitor is in stands out; one small layer per topic.
            current = self._section_of(view.index)
            sections = [b for b in controls.buttons if b.intent.action is Action.GOTO]
            if 0 <= current < len(sections):
                button = sections[current]
                item = self._layer(
                    ("menu-current", view.language, current),
                    lambda: self._draw_highlight(button),
                )
                target.blit(item, (button.rect.x, button.rect.y))
        else:
            keypad = self._layer(
                ("keypad", view.language),
                lambda: self._draw_keypad(view, words).subsurface(panel).copy(),
            )
            target.blit(keypad, panel.topleft)
            self._draw_pin(target, view, words)

    def _section_of(self, index: int) -> int:
        first = [s.first_slide for s in self.deck.sections]
        return max((i for i, start in enumerate(first) if start <= index), default=0)

    def _layer(
        self, key: tuple[object, ...], make: Callable[[], pygame.Surface], alpha: bool = True
    ) -> pygame.Surface:
        found = self._layers.get(key)
        if found is None:
            found = _optimise(make(), alpha=alpha)
            if len(self._layers) > MAX_LAYERS:  # every layer is small; this is a backstop
                self._layers.clear()
            self._layers[key] = found
        return found

    def _opaque(self, layer: pygame.Surface) -> pygame.Surface:
        ground = pygame.Surface(layer.get_size())
        ground.fill(self.deck.theme.background)
        ground.blit(layer, (0, 0))
        return ground

    def _blank(self) -> pygame.Surface:
        return pygame.Surface((self.screen.width, self.screen.height), pygame.SRCALPHA)

    def _text(self, text: str, size: int, bold: bool, colour: RGB) -> pygame.Surface:
        return self.fonts.font(size, bold).render(text, True, colour)

    def _draw_bar(self, view: View, words: UiText) -> pygame.Surface:
        layer = self._blank()
        controls = self.controls(
            View(view.index, view.language, view.mode, Overlay.NONE, None, 1.0, 0, False)
        )
        if controls.hint is not None:
            self._draw_hint(layer, controls.hint, words.hint)
        for button in controls.buttons:
            self._draw_button(layer, button)
        return layer

    def _draw_hint(self, layer: pygame.Surface, box: Rect, text: str) -> None:
        size = self.screen.label_size
        label = self._fit_label(text, box.w - box.h * 2, size, True)
        pill_w = min(box.w, label.get_width() + box.h * 2)
        pill = pygame.Rect(box.x + (box.w - pill_w) // 2, box.y, pill_w, box.h)
        pygame.draw.rect(layer, self.style.button, pill, border_radius=box.h // 2)
        pygame.draw.rect(
            layer, self.deck.theme.accent, pill, width=max(2, box.h // 30), border_radius=box.h // 2
        )
        # A hand-tap mark: a dot with a ring, left of the words.
        cx, cy = pill.x + box.h * 0.6, pill.centery
        pygame.draw.circle(layer, self.deck.theme.accent, (cx, cy), box.h * 0.14)
        pygame.draw.circle(
            layer, self.deck.theme.accent, (cx, cy), box.h * 0.28, max(2, box.h // 30)
        )
        layer.blit(label, label.get_rect(midleft=(pill.x + box.h * 1.05, pill.centery)))

    def _fit_label(self, text: str, width: int, size: int, bold: bool) -> pygame.Surface:
        floor = max(12, size * 2 // 3)
        while size > floor and self.fonts.width(text, size, bold) > width:
            size -= 1
        colour = self.style.label
        return self._text(text, size, bold, colour)

    def _draw_button(
        self, layer: pygame.Surface, button: Button, highlighted: bool = False
    ) -> None:
        r = pygame.Rect(button.rect.x, button.rect.y, button.rect.w, button.rect.h)
        primary = button.primary or highlighted
        fill = self.style.button_primary if primary else self.style.button
        ink = self.style.label_primary if primary else self.style.label
        radius = max(8, min(r.w, r.h) // 6)
        pygame.draw.rect(layer, fill, r, border_radius=radius)
        if not primary:
            pygame.draw.rect(
                layer, self.deck.theme.muted_text, r, width=max(2, r.h // 40), border_radius=radius
            )
        size = self.screen.label_size
        has_icon = button.icon is not Icon.NONE
        label = None
        if button.label:
            label_size = size if has_icon else round(max(size * 1.15, r.h * 0.4))
            floor = max(12, label_size * 2 // 3)
            while (
                label_size > floor and self.fonts.width(button.label, label_size, True) > r.w - 16
            ):
                label_size -= 1
            label = self.fonts.font(label_size, True).render(button.label, True, ink)
        if has_icon and label is not None:
            icon_h = round(r.h * 0.32)
            total = icon_h + round(r.h * 0.08) + label.get_height()
            top = r.y + (r.h - total) // 2
            _draw_icon(
                layer, button.icon, pygame.Rect(r.centerx - icon_h // 2, top, icon_h, icon_h), ink
            )
            layer.blit(label, label.get_rect(midtop=(r.centerx, top + icon_h + round(r.h * 0.08))))
        elif has_icon:
            icon_h = round(min(r.w, r.h) * 0.45)
            _draw_icon(
                layer,
                button.icon,
                pygame.Rect(r.centerx - icon_h // 2, r.centery - icon_h // 2, icon_h, icon_h),
                ink,
            )
        elif label is not None:
            layer.blit(label, label.get_rect(center=r.center))

    def _draw_panel(self, layer: pygame.Surface, panel: Rect) -> None:
        r = pygame.Rect(panel.x, panel.y, panel.w, panel.h)
        radius = max(10, self.screen.shorter // 60)
        pygame.draw.rect(layer, self.deck.theme.background, r, border_radius=radius)
        pygame.draw.rect(
            layer,
            self.deck.theme.accent,
            r,
            width=max(3, self.screen.shorter // 300),
            border_radius=radius,
        )

    def _draw_highlight(self, button: Button) -> pygame.Surface:
        layer = pygame.Surface((button.rect.w, button.rect.h), pygame.SRCALPHA)
        moved = Button(
            Rect(0, 0, button.rect.w, button.rect.h), button.intent, button.label, button.icon
        )
        self._draw_button(layer, moved, highlighted=True)
        return layer

    def _draw_menu(self, view: View, words: UiText) -> pygame.Surface:
        layer = self._blank()
        controls = self.controls(view)
        assert controls.panel is not None and controls.panel_title is not None
        self._draw_panel(layer, controls.panel)
        title = self._text(
            words.menu_title, round(self.screen.shorter / 18), True, self.deck.theme.text
        )
        layer.blit(
            title, title.get_rect(midleft=(controls.panel_title.x, controls.panel_title.center[1]))
        )
        for button in controls.buttons:
            self._draw_button(layer, button)
        return layer

    def _draw_keypad(self, view: View, words: UiText) -> pygame.Surface:
        layer = self._blank()
        controls = self.controls(view)
        assert controls.panel is not None and controls.panel_title is not None
        self._draw_panel(layer, controls.panel)
        title = self._text(words.pin_title, self.screen.label_size, True, self.deck.theme.text)
        layer.blit(
            title, title.get_rect(midleft=(controls.panel_title.x, controls.panel_title.center[1]))
        )
        for button in controls.buttons:
            self._draw_button(layer, button)
        return layer

    def _draw_pin(self, target: pygame.Surface, view: View, words: UiText) -> None:
        box = self.controls(view).pin_box
        if box is None:
            return
        if view.pin_rejected:
            message = self._layer(
                ("pin-rejected", view.language),
                lambda: self._fit_label(words.pin_rejected, box.w, self.screen.label_size, True),
            )
            target.blit(message, message.get_rect(center=box.center))
            return
        radius = max(6, box.h // 6)
        step = radius * 3
        x0 = box.center[0] - (view.pin_digits - 1) * step // 2
        for n in range(view.pin_digits):
            pygame.draw.circle(target, self.deck.theme.text, (x0 + n * step, box.center[1]), radius)


# -- frames ------------------------------------------------------------------------------


Bands = list[pygame.Rect]


def merge_bands(rects: Iterable[pygame.Rect], slack: int = 8) -> Bands:
    """Cover `rects` with horizontal bands that never overlap vertically, so each pixel is
    blended exactly once; rows closer than `slack` pixels share a band (fewer, larger blits)."""
    spans = sorted((r.top, r.bottom, r.left, r.right) for r in rects if r.w > 0 and r.h > 0)
    merged: list[list[int]] = []
    for top, bottom, left, right in spans:
        if merged and top <= merged[-1][1] + slack:
            band = merged[-1]
            band[1], band[2], band[3] = (
                max(band[1], bottom),
                min(band[2], left),
                max(band[3], right),
            )
        else:
            merged.append([top, bottom, left, right])
    return [
        pygame.Rect(left, top, right - left, bottom - top) for top, bottom, left, right in merged
    ]


def _pg_rect(rect: Rect) -> pygame.Rect:
    return pygame.Rect(rect.x, rect.y, rect.w, rect.h)


def ease_in_out(t: float) -> float:
    return 0.5 - 0.5 * math.cos(math.pi * max(0.0, min(1.0, t)))


def ease_out(t: float) -> float:
    t = max(0.0, min(1.0, t))
    return 1 - (1 - t) ** 3


class FrameRenderer:
    """Composes a whole frame for a `View`: slide or transition, then controls.

    A crossfade is drawn incrementally: each frame blends the incoming slide onto what is
    already on screen by just enough to reach the eased progress. That is one alpha blit per
    frame instead of two full blits plus an alpha blit, and an interrupted transition
    continues smoothly from whatever mix is showing instead of snapping.
    """

    def __init__(
        self,
        deck: Deck,
        size: tuple[int, int],
        fonts: FontBook,
        *,
        large_text: bool = False,
        text_size_button: bool = False,
    ) -> None:
        screen = Screen(*size)
        self.screen = screen.larger() if large_text else screen
        self.deck = deck
        self.fonts = fonts
        self.slides = SlideRenderer(deck, self.screen, fonts)
        # The controls keep their normal size in the larger-text layout.
        button = large_text if text_size_button else None
        self.chrome = ChromeRenderer(deck, screen, fonts, button)
        self._fading: SlideChange | None = None
        self._faded = 0.0  # share of the incoming slide already on the target
        self._last_target: pygame.Surface | None = None
        # Bounding box of what differs from plain background on the target; None = anything.
        self._screen_ink: Bands | None = None

    def draw(
        self, target: pygame.Surface, view: View, chrome_offset: tuple[int, int] = (0, 0)
    ) -> None:
        """Draw the frame for `view`. `chrome_offset` nudges the controls a few pixels so
        static parts do not burn into the panel over months."""
        transition = view.transition
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
                return
            target.blit(self.slides.surface(view.index, view.language), (0, 0))
            self.chrome.draw(target, view, chrome_offset)
            target.fill(REST_DIM, special_flags=pygame.BLEND_RGB_MULT)
            return
        elif transition is None or view.progress >= 1.0:
            self._fading = None
            target.blit(self.slides.surface(view.index, view.language), (0, 0))
            self._screen_ink = self.slides.ink(view.index, view.language)
        elif self.deck.transition.style is TransitionStyle.SLIDE and transition.from_index >= 0:
            self._push(target, transition, view.progress)
        else:
            self._crossfade(target, transition, view.progress, continuing)
        if view.overlay is not Overlay.NONE:
            self._screen_ink = None  # the overlay dims the whole screen
        self.chrome.draw(target, view, chrome_offset)

    def _push(self, target: pygame.Surface, transition: SlideChange, progress: float) -> None:
        before = self.slides.surface(transition.from_index, transition.from_language)
        after = self.slides.surface(transition.to_index, transition.to_language)
        shift = round(ease_out(progress) * self.screen.width)
        # Snap to 4 px: aligned blits are cheaper, and the step is invisible at this speed.
        shift -= shift % 4
        sign = 1 if transition.direction >= 0 else -1
        target.blit(before, (-sign * shift, 0))
        target.blit(after, (sign * (self.screen.width - shift), 0))
        self._screen_ink = None

    def _crossfade(
        self, target: pygame.Surface, transition: SlideChange, progress: float, continuing: bool
    ) -> None:
        after = self.slides.surface(transition.to_index, transition.to_language)
        if transition != self._fading:
            self._fading = transition
            self._faded = 0.0
            if not continuing and transition.from_index >= 0:
                target.blit(
                    self.slides.surface(transition.from_index, transition.from_language), (0, 0)
                )
                self._screen_ink = self.slides.ink(transition.from_index, transition.from_language)
        wanted = ease_in_out(progress)
        if wanted <= self._faded:
            return
        # Blending with alpha a moves the mix from f to f + a(1 - f); solve for a.
        alpha = round(255 * (wanted - self._faded) / (1.0 - self._faded))
        if alpha <= 0:
            return
        # Outside both slides' ink everything is background already: blend only the bands
        # of lines, pictures and panels (about half the screen on a typical slide).
        bands = [after.get_rect()]
        if self._screen_ink is not None:
            incoming = self.slides.ink(transition.to_index, transition.to_language)
            bands = merge_bands([*self._screen_ink, *incoming])
        after.set_alpha(alpha)
        for band in bands:
            target.blit(after, band.topleft, band)
        after.set_alpha(None)
        self._screen_ink = bands
        self._faded += alpha / 255 * (1.0 - self._faded)

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
