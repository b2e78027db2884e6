"""`kiosk render`: every slide to PNG, plus a contact sheet to review a whole deck at a glance."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import pygame

from kiosk.deck.model import Deck
from kiosk.screen.layout import LayoutError
from kiosk.screen.presentation import present
from kiosk.screen.render import FontBook, FrameRenderer, ImageStore, contact_sheet
from kiosk.screen.view import Mode, View


def render_deck(
    deck: Deck,
    out: Path,
    sizes: Sequence[tuple[int, int]],
    languages: Sequence[str],
    *,
    controls: bool = True,
    only: Collection[str] | None = None,
) -> list[Path]:
    """Write `NN-id.png` per slide (in a folder per size/language when there are several)
    and `contact-sheet.png` per folder. Returns the files written. With `only` (slide ids),
    just those slides and no contact sheet: the console's live preview of one edit."""
    if not pygame.display.get_init():
        pygame.display.init()
    if pygame.display.get_surface() is None:
        pygame.display.set_mode((1, 1))  # lets surfaces be converted; nothing is shown
    fonts = FontBook.for_deck(deck)
    written: list[Path] = []
    several = len(sizes) > 1 or len(languages) > 1
    decoded = ImageStore()
    for width, height in sizes:
        # The bar shows the A+ button exactly when the kiosk would: when larger text can be
        # laid out on this screen.
        try:
            present(deck, (width, height), fonts, larger_text=True)
            larger_text = True
        except LayoutError:
            larger_text = False
        frames = FrameRenderer(
            deck, (width, height), fonts, larger_text_button=larger_text, images=decoded
        )
        for language in languages:
            folder = out / f"{width}x{height}-{language}" if several else out
            folder.mkdir(parents=True, exist_ok=True)
            images: list[tuple[str, pygame.Surface]] = []
            for index, slide in enumerate(deck.slides):
                if only is not None and slide.id not in only:
                    continue
                frame = pygame.Surface((width, height))
                if controls:
                    view = View(index=index, language=language, mode=Mode.BROWSING)
                    frames.draw(frame, view)
                else:
                    frame.blit(frames.slides.surface(index, language), (0, 0))
                path = folder / f"{index + 1:02d}-{slide.id}.png"
                pygame.image.save(frame, str(path))
                written.append(path)
                images.append((f"{index + 1}. {slide.id}", frame))
            if only is not None:
                continue
            sheet_path = folder / "contact-sheet.png"
            pygame.image.save(contact_sheet(images, fonts, deck.theme.background), str(sheet_path))
            written.append(sheet_path)
    return written
