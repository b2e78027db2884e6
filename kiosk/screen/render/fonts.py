"""The fonts the kiosk draws with: the deck's own bytes (checked by the loader child), by size."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import pygame

from kiosk.deck.model import Deck

log = logging.getLogger(__name__)


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
