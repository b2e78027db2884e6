"""The control bar, overlays (topic menu, keypad) and their highlights, pre-drawn."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import pygame

from kiosk.deck.model import RGB, Theme
from kiosk.screen.controls import Button, Controls, Icon
from kiosk.screen.layout import (
    Rect,
    Role,
    Screen,
    Shape,
    ShapeKind,
)
from kiosk.screen.reading import Mark
from kiosk.screen.render.bands import Bands, pg_rect
from kiosk.screen.render.fonts import FontBook
from kiosk.screen.render.icons import draw_icon, draw_shape, role_colour
from kiosk.screen.render.pictures import OVERLAY_DIM, SurfaceCache, optimise
from kiosk.screen.render.questions import QuestionRenderer
from kiosk.screen.strings import ui_text
from kiosk.screen.view import Overlay, View

log = logging.getLogger(__name__)


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
        self.questions = QuestionRenderer(theme, screen, fonts, self.cache)

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
            return [
                *self.bar_pieces(controls),
                *self._standing_pieces(controls),
                *self._notice_pieces(view),
            ]
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
        if view.overlay is Overlay.TOUCH_TEST:
            found += self._touch_pieces(view)
        # Above any overlay, never dimmed: the way to get help is always in sight.
        found += self._standing_pieces(controls)
        found += self._notice_pieces(view)
        return found

    def _standing_pieces(self, controls: Controls) -> list[Piece]:
        pill = controls.standing
        if pill is None or not controls.standing_text:
            return []
        text, size = controls.standing_text, controls.standing_size
        picture = self._layer(
            ("standing", self.theme, text, size, pill.w, pill.h),
            lambda: self._draw_standing(text, size, pill.w, pill.h),
        )
        return [(picture, (pill.x, pill.y))]

    def _draw_standing(self, text: str, size: int, width: int, height: int) -> pygame.Surface:
        """A red pill with a telephone and the words, in the urgency band's colours."""
        layer = pygame.Surface((width, height), pygame.SRCALPHA)
        pygame.draw.rect(layer, self.theme.emergency, layer.get_rect(), border_radius=height // 2)
        pad = max(4, height // 3)
        icon = round(height * 0.64)
        phone = Shape(
            ShapeKind.PHONE, Rect(pad, (height - icon) // 2, icon, icon), Role.EMERGENCY_TEXT
        )
        draw_shape(layer, phone, self.theme, self.screen.shorter)
        words = self._text(text, size, True, self.theme.emergency_text)
        layer.blit(words, words.get_rect(midleft=(pad + height + pad // 2, height // 2)))
        return layer

    def _notice_pieces(self, view: View) -> list[Piece]:
        if not view.notice:
            return []
        text = view.notice
        size = max(12, self.screen.shorter // 45)
        picture = self._layer(("notice", text, size), lambda: self._draw_notice(text, size))
        safe = self.screen.safe
        return [(picture, (safe.right - picture.get_width(), safe.y))]

    def _draw_notice(self, text: str, size: int) -> pygame.Surface:
        words = self._text(text, size, True, self.theme.accent_text)
        pad = size // 2
        layer = pygame.Surface((words.get_width() + 2 * pad, words.get_height() + pad))
        layer.fill(self.theme.accent)
        layer.blit(words, (pad, pad // 2))
        return layer

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
        # The sentence being read, then a question's answered state, go over the slide first
        # (they are part of the page).
        found: list[Piece] = [self._mark_piece(mark) for mark in bar.marks]
        found += self.questions.pieces(bar.question)
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

    def _mark_piece(self, mark: Mark) -> Piece:
        picture = self._layer(
            ("mark", self.theme, mark), lambda: self._draw_mark(mark), alpha=False
        )
        return picture, (mark.band.x, mark.band.y)

    def _draw_mark(self, mark: Mark) -> pygame.Surface:
        """The band, and the line drawn again on it at exactly its place on the slide (only
        the band's part of it lands on the layer)."""
        band = mark.band
        layer = pygame.Surface((max(1, band.w), max(1, band.h)))
        layer.fill(mark.colour)
        line = mark.line
        ink = role_colour(self.theme, line.role)
        words = self.fonts.font(line.size, line.bold).render(line.text, True, ink)
        layer.blit(words, (line.x - band.x, line.y - band.y))
        return layer

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
            found = self.cache.put(key, optimise(make(), alpha=alpha))
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
        pill = pg_rect(box)
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
        r = pg_rect(button.rect)
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
            draw_icon(layer, button.icon, box, ink, self.fonts)
            top += icon_h + space
        elif button.icon is not Icon.NONE:
            icon_h = round(min(r.w, r.h) * 0.45)
            box = pygame.Rect(r.centerx - icon_h // 2, r.centery - icon_h // 2, icon_h, icon_h)
            draw_icon(layer, button.icon, box, ink, self.fonts)
            return
        else:
            top = r.y + (r.h - step * len(lines)) // 2
        for n, line in enumerate(lines):
            layer.blit(line, line.get_rect(midtop=(r.centerx, top + n * step)))

    def _draw_panel(self, controls: Controls) -> pygame.Surface:
        assert controls.panel is not None and controls.panel_title is not None
        panel = controls.panel
        layer = pygame.Surface((panel.w, panel.h), pygame.SRCALPHA)
        local = _relative(controls, panel)
        assert local.panel is not None and local.panel_title is not None
        r = pg_rect(local.panel)
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
        if local.info_box is not None:
            step = self.fonts.font(local.info_size, False).get_linesize()
            for n, line in enumerate(local.info_lines):
                words = self._text(line, local.info_size, False, self.theme.text)
                layer.blit(words, (local.info_box.x, local.info_box.y + n * step))
        return layer

    def _touch_pieces(self, view: View) -> list[Piece]:
        """The touch test's marks: a cross where each touch landed, with its coordinates;
        the newest one in the accent colour."""
        found: list[Piece] = []
        arm = max(12, self.screen.shorter // 40)
        size = max(12, self.screen.shorter // 50)
        for n, point in enumerate(view.touches):
            newest = n == len(view.touches) - 1
            colour = self.theme.accent if newest else self.theme.muted_text
            mark = self._layer(
                ("touch", point, colour, arm, size),
                functools.partial(self._draw_touch, point, colour, arm, size),
            )
            found.append((mark, (point[0] - arm, point[1] - arm)))
        return found

    def _draw_touch(
        self, point: tuple[int, int], colour: tuple[int, int, int], arm: int, size: int
    ) -> pygame.Surface:
        words = self._text(f"{point[0]}, {point[1]}", size, True, colour)
        # The coordinates sit beside the cross, on the side with room (never off the screen).
        left = point[0] + arm + words.get_width() + 4 > self.screen.width
        width = 2 * arm + 4 + words.get_width()
        layer = pygame.Surface((width, 2 * arm + 1), pygame.SRCALPHA)
        cx = width - arm - 1 if left else arm
        thick = max(2, arm // 8)
        pygame.draw.line(layer, colour, (cx - arm, arm), (cx + arm, arm), thick)
        pygame.draw.line(layer, colour, (cx, 0), (cx, 2 * arm), thick)
        pygame.draw.circle(layer, colour, (cx, arm), arm // 2, thick)
        at = (0, 0) if left else (2 * arm + 4, 0)
        layer.blit(words, at)
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
        if view.pin_rejected or view.pin_checking:
            text = ui_text(view.language)
            words = text.pin_checking if view.pin_checking else text.pin_rejected
            message = self._layer(
                ("pin-message", words, box.w),
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
        info_box=shift(controls.info_box),
        touch_area=shift(controls.touch_area),
        counter=None,
        counter_text="",
        current=None,
        under=None,
        marks=(),
    )
