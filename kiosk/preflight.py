"""Checks that need fonts and image decoders: does every slide fit, does every image load.

The loader (`kiosk.content`) checks the YAML itself without pygame; this is the second half of
`kiosk validate`, and `kiosk run` refuses to start when either half finds a problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from kiosk.display import captured_stderr
from kiosk.layout import LayoutError, Screen, larger_text_deck, layout_slide
from kiosk.model import Deck
from kiosk.render import FONT_FILES, FontBook, ImageError, deck_fonts, font_dirs, load_image
from kiosk.strings import ui_text


def image_refs(deck: Deck) -> list[tuple[str, Path]]:
    """Each slide picture as (`file:line: slides[n].image`, file), n counting in its file."""
    refs: list[tuple[str, Path]] = []
    per_file: dict[str, int] = {}
    for slide in deck.slides:
        n = per_file.get(slide.origin.file, 0)
        per_file[slide.origin.file] = n + 1
        if slide.image is not None:
            refs.append((f"{slide.image_origin or slide.origin}: slides[{n}].image", slide.image))
    return refs


def image_problems(refs: Iterable[tuple[str, Path]]) -> list[str]:
    """Pictures that do not decode, each as `file:line: path: message`; each file once."""
    problems: list[str] = []
    checked: set[Path] = set()
    for where, path in refs:
        if path in checked:
            continue
        checked.add(path)
        try:
            # libpng prints its own complaint ("libpng error: ...") on stderr; ours says it.
            with captured_stderr():
                load_image(path)
        except ImageError as error:
            problems.append(f"{where}: {error}")
    return problems


def font_problems(deck_dir: Path, *, system_font: bool) -> list[str]:
    """Missing font files, unless deck.yaml says `system_font: true` on purpose."""
    if system_font:
        return []
    dirs = font_dirs(deck_dir)
    where = f"{deck_dir.name or deck_dir}/deck.yaml:1: fonts"
    return [
        f"{where}: {name} is missing; copy it into {dirs[-1]} beside the deck, or add "
        "`system_font: true` to deck.yaml to use the plain built-in font on purpose"
        for name in FONT_FILES.values()
        if not any((folder / name).is_file() for folder in dirs)
    ]


def preflight(
    deck: Deck,
    sizes: Sequence[tuple[int, int]],
    fonts: FontBook | None = None,
    *,
    larger_text: bool = True,
) -> list[str]:
    """Every problem found, as `file:line: message` lines; empty when the deck is good."""
    problems = image_problems(image_refs(deck))
    problems += font_problems(deck.root, system_font=deck.system_font)
    fonts = fonts or FontBook(deck_fonts(deck))
    for width, height in sizes:
        screen = Screen(width, height)
        for slide in deck.slides:
            for language in deck.languages:
                try:
                    layout_slide(slide, language, screen, fonts, ui_text(language).take_home)
                except LayoutError as error:
                    suffix = f" [{language}]" if len(deck.languages) > 1 else ""
                    problems.append(f"{error}{suffix}")
        # The larger-text ("A+") layout must work too: every slide on at most a few pages.
        # (A running kiosk on an odd screen size only loses the A+ button instead.)
        if not larger_text:
            continue
        try:
            labels = [ui_text(language).take_home for language in deck.languages]
            larger_text_deck(deck, screen, fonts, labels)
        except LayoutError as error:
            problems.append(f"{error} (in the larger-text layout)")
    return problems
