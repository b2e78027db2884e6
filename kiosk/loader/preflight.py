"""Checks that need fonts and image decoders: does every slide fit, does every image load.

The loader (`kiosk.deck.content`) checks the YAML itself without pygame; this is the second half of
`kiosk validate`, and `kiosk run` refuses to start when either half finds a problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kiosk.deck.limits import DEFAULT_LIMITS, Limits
from kiosk.deck.model import Deck
from kiosk.loader.textcheck import drawn_lines_problems, font_characters, text_problems
from kiosk.screen.layout import LayoutError, Screen
from kiosk.screen.layout_check import plan_slide
from kiosk.screen.presentation import present
from kiosk.screen.render import FONT_FILES, FontBook, ImageError, ImageStore, font_dirs
from kiosk.screen.strings import ui_text


def preflight(
    deck: Deck,
    sizes: Sequence[tuple[int, int]],
    fonts: FontBook | None = None,
    *,
    larger_text: bool = True,
    reading: Callable[[str], None] | None = None,
    images: ImageStore | None = None,
    limits: Limits = DEFAULT_LIMITS,
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
    # Drawn with the real fonts first: a text that cannot be drawn is named at its own line.
    glyphs = font_characters(_font_bytes(deck))
    problems.extend(text_problems(deck, fonts, limits, glyphs))
    if problems:
        return problems
    several = len(deck.languages) > 1
    for width, height in sizes:
        screen = Screen(width, height)
        where = f"on a {width}×{height} screen"
        for slide in deck.slides:
            if reading is not None:
                reading(slide.origin.file)
            for language in deck.languages:
                suffix = f" [{language}]" if several else ""
                own = deck.words_for(language)
                label = ui_text(language, own).take_home
                try:
                    plan = plan_slide(slide, language, screen, fonts, label, own)
                except LayoutError as error:
                    problems.append(f"{error}{suffix}")
                    continue
                problems.extend(p + suffix for p in drawn_lines_problems(plan, fonts, slide, where))
        # The larger-text ("A+") layout must work too: every slide on at most a few pages.
        # (A running kiosk on an odd screen size only loses the A+ button instead.)
        if not larger_text:
            continue
        # Its lines are the same words re-flowed, each already drawn by `text_problems`.
        try:
            present(deck, (width, height), fonts, larger_text=True)
        except LayoutError as error:
            problems.append(f"{error} (in the larger-text layout)")
    return problems


def _font_bytes(deck: Deck) -> dict[str, bytes]:
    """The bytes of the fonts the deck is drawn with: the loader child's checked ones, else
    (a deck read in-process, by tools and tests) its font files; none for the built-in font."""
    if deck.system_font:
        return {}
    if deck.assets is not None:
        return dict(deck.assets.fonts)
    found: dict[str, bytes] = {}
    for name in FONT_FILES.values():
        path = next((d / name for d in font_dirs(deck.root) if (d / name).is_file()), None)
        if path is not None:
            found[name] = path.read_bytes()
    return found
