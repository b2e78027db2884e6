"""Checks that need fonts and image decoders: does every slide fit, does every image load.

The loader (`kiosk.deck.content`) checks the YAML itself without pygame; this is the second half of
`kiosk validate`, and `kiosk run` refuses to start when either half finds a problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kiosk.deck.model import Deck
from kiosk.screen.layout import LayoutError, Screen
from kiosk.screen.layout_check import plan_slide
from kiosk.screen.presentation import present
from kiosk.screen.render import FontBook, ImageError, ImageStore, font_dirs
from kiosk.screen.strings import ui_text


def preflight(
    deck: Deck,
    sizes: Sequence[tuple[int, int]],
    fonts: FontBook | None = None,
    *,
    larger_text: bool = True,
    reading: Callable[[str], None] | None = None,
    images: ImageStore | None = None,
) -> list[str]:
    """Every problem found, as `file:line: message` lines; empty when the deck is good.

    A deck from the loader child (`deck.assets` set) had its images decoded there already;
    `reading` hears which slide file is being laid out (the child's progress report).
    Images are decoded into `images` when given, so they need not be decoded again."""
    problems: list[str] = []
    checked = set()
    store = images if images is not None else ImageStore()
    if reading is not None:
        reading("(checking that every slide fits)")
    for slide in deck.slides:
        if deck.assets is None and slide.image is not None and slide.image not in checked:
            checked.add(slide.image)
            try:
                store.load(slide.image)
            except ImageError as error:
                problems.append(f"{slide.origin}: slides[{slide.id}].image: {error}")
    fonts = fonts or FontBook(font_dirs(deck.root))
    for width, height in sizes:
        screen = Screen(width, height)
        for slide in deck.slides:
            if reading is not None:
                reading(slide.origin.file)
            for language in deck.languages:
                try:
                    plan_slide(slide, language, screen, fonts, ui_text(language).take_home)
                except LayoutError as error:
                    suffix = f" [{language}]" if len(deck.languages) > 1 else ""
                    problems.append(f"{error}{suffix}")
        # The larger-text ("A+") layout must work too: every slide on at most a few pages.
        # (A running kiosk on an odd screen size only loses the A+ button instead.)
        if not larger_text:
            continue
        try:
            present(deck, (width, height), fonts, larger_text=True)
        except LayoutError as error:
            problems.append(f"{error} (in the larger-text layout)")
    return problems
