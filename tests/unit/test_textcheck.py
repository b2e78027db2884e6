"""What the loader accepts, the screen can draw: every text drawn with the real fonts first.

The deck here sits beside the repository's real fonts (assets/fonts), as a published deck does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.limits import Limits
from kiosk.loader.preflight import preflight
from kiosk.loader.textcheck import font_characters
from kiosk.screen.layout import Screen, layout_slide
from kiosk.screen.render import FONT_FILES, FontBook, SlideRenderer, font_dirs

SIZES = [(1920, 1080)]
DECK = "title: Test deck\nlanguages: [en]\n"


@pytest.fixture
def folder(tmp_path: Path, repo_root: Path) -> Path:
    shutil.copytree(repo_root / "assets" / "fonts", tmp_path / "assets" / "fonts")
    slides = tmp_path / "slides"
    slides.mkdir()
    (slides / "deck.yaml").write_text(DECK, encoding="utf-8")
    return slides


def write(folder: Path, title: str, bullet: str) -> None:
    (folder / "10-signs.yaml").write_text(
        "section: Symptoms\n"
        "slides:\n"
        "  - id: swelling\n"
        "    kind: bullets\n"
        f"    title: {title}\n"
        "    bullets:\n"
        f"      - {bullet}\n",
        encoding="utf-8",
    )


def problems_of(folder: Path, title: str, bullet: str, **limits: float) -> list[str]:
    write(folder, title, bullet)
    return preflight(load_deck(folder), SIZES, limits=Limits(**limits))  # type: ignore[arg-type]


def test_the_good_deck_passes(folder: Path) -> None:
    assert problems_of(folder, '"Signs to look for"', '"Swollen legs, ¿qué?"') == []


def test_a_glyph_the_font_lacks_is_refused_at_its_line(folder: Path) -> None:
    problems = problems_of(folder, '"Signs"', '"Legs 中文"')
    assert problems == [
        "slides/10-signs.yaml:7: slides[swelling].bullets[0]: the font has no glyph for "
        "U+4E2D CJK UNIFIED IDEOGRAPH-4E2D, U+6587 CJK UNIFIED IDEOGRAPH-6587: it would be "
        "drawn as an empty box; use other characters or a font that has them"
    ]


def test_the_title_is_checked_in_the_bold_font(folder: Path) -> None:
    glyphs = font_characters(
        {
            name: (folder.parent / "assets" / "fonts" / name).read_bytes()
            for name in FONT_FILES.values()
        }
    )
    assert glyphs is not None and ord("A") in glyphs[True] and ord("中") not in glyphs[True]
    problems = problems_of(folder, '"Signs 😀"', '"Legs"')
    assert (
        len(problems) == 1
        and "slides[swelling].title: the font has no glyph for U+1F600" in problems[0]
    )


def test_a_blank_letter_is_refused(folder: Path) -> None:
    # U+3164 HANGUL FILLER is a letter (Lo) that draws nothing at all; this font lacks it.
    problems = problems_of(folder, '"Signs"', '"Legs \\u3164"')
    assert (
        len(problems) == 1 and "slides/10-signs.yaml:7: slides[swelling].bullets[0]" in problems[0]
    )


def test_ink_out_of_proportion_is_refused(folder: Path) -> None:
    # Three stacked accents on a capital: within the mark limit, but far taller than a line
    # once the allowed ratio is tight.
    problems = problems_of(folder, '"Signs"', '"A\\u0301\\u0303\\u0308"', ink_height_ratio=1.0)
    assert len(problems) == 1
    assert "the word 'Á̃̈' is drawn" in problems[0] and "times as tall as a line" in problems[0]


def test_a_title_wider_than_the_screen_is_refused_like_a_bullet(folder: Path) -> None:
    url = "https://example.org/" + "a-very-long-path-segment/" * 6
    problems = problems_of(folder, f'"See {url}"', '"Legs"')
    assert problems  # the larger-text layout says so too
    assert (
        "slides/10-signs.yaml:3: slide 'swelling': the title does not fit on a 1920×1080"
        in (problems[0])
    )
    # The same address in a bullet is refused too, as it always was.
    assert problems_of(folder, '"Signs"', f'"See {url}"') != []


def test_what_passes_draws(folder: Path) -> None:
    # Every slide the check accepts is drawn by the screen's own renderer without an error.
    write(folder, '"Señales: piernas hinchadas"', '"Swollen\\u00a0legs e\\u200dmail ½"')
    deck = load_deck(folder)
    assert preflight(deck, SIZES) == []
    fonts = FontBook(font_dirs(deck.root))
    renderer = SlideRenderer(deck, Screen(*SIZES[0]), fonts)
    surface = renderer.draw(0, "en")
    assert surface.get_size() == SIZES[0]
    plan = layout_slide(deck.slides[0], "en", Screen(*SIZES[0]), fonts)
    assert {line.text for line in plan.lines} >= {"Señales: piernas hinchadas"}
    assert pygame.font.get_init()
