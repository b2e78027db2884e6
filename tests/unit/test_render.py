"""Headless render tests on real pixels: every slide of the bundled deck at four screen sizes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pygame
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck
from kiosk.loader.check import STANDARD_SIZES
from kiosk.screen.layout import Rect, Role
from kiosk.screen.render import FontBook, FrameRenderer, font_dirs, merge_bands
from kiosk.screen.view import Animation, Mode, Overlay, View

DECK_DIR = Path(__file__).resolve().parents[2] / "slides"
SIZES = STANDARD_SIZES  # the sizes `kiosk validate` checks every deck at


@pytest.fixture(scope="module")
def deck() -> Deck:
    return load_deck(DECK_DIR)


@pytest.fixture(scope="module")
def fonts(deck) -> FontBook:
    pygame.display.init()
    pygame.display.set_mode((1, 1))
    return FontBook(font_dirs(deck.root))


def luminance(rgb) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb[:3]
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a, b) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def browsing(index: int, language: str) -> View:
    return View(index=index, language=language, mode=Mode.BROWSING)


def outside_pixels(surface: pygame.Surface, inner: Rect, step: int = 3):
    w, h = surface.get_size()
    for y in range(0, h, step):
        for x in range(0, w, step):
            if not inner.contains(x, y):
                yield surface.get_at((x, y))[:3]


@pytest.fixture(scope="module", params=SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def frames(request, deck, fonts) -> FrameRenderer:
    return FrameRenderer(deck, request.param, fonts)


def test_every_slide_renders_inside_the_safe_area_and_is_not_blank(deck, frames):
    screen = frames.screen
    background = deck.theme.background
    for index, slide in enumerate(deck.slides):
        for language in deck.languages:
            frame = pygame.Surface((screen.width, screen.height))
            frames.draw(frame, browsing(index, language))
            strays = [
                p for p in outside_pixels(frame, screen.safe, step=4) if tuple(p) != background
            ]
            assert (
                not strays
            ), f"{slide.id} draws outside the safe area at {screen.width}x{screen.height}"
            content = frame.subsurface(pygame.Rect(*_rect(screen.content)))
            colours = Counter(
                tuple(content.get_at((x, y))[:3])
                for y in range(0, content.get_height(), 6)
                for x in range(0, content.get_width(), 6)
            )
            ink = sum(n for c, n in colours.items() if c != background)
            assert ink > 0.01 * sum(colours.values()), f"{slide.id} is (nearly) blank"


def _rect(r: Rect) -> tuple[int, int, int, int]:
    return (r.x, r.y, r.w, r.h)


def test_text_is_never_below_the_readable_minimum(deck, frames):
    screen = frames.screen
    for index in range(len(deck.slides)):
        for language in deck.languages:
            plan = frames.slides.plan(index, language)
            assert min(line.size for line in plan.lines) >= screen.shorter / 28
            assert plan.body_size >= screen.min_body
            for line in plan.lines:  # and no line runs under the control bar
                bottom = line.y + frames.fonts.font(line.size, line.bold).get_ascent()
                assert bottom <= screen.content.bottom, (deck.slides[index].id, language, line.text)


def test_rendered_glyphs_are_as_tall_as_the_layout_says(deck, frames, fonts):
    """Pixels, not just numbers: an 'H' at the smallest body size used is at least ~0.6 em tall."""
    size = min(
        frames.slides.plan(i, deck.default_language).body_size for i in range(len(deck.slides))
    )
    glyph = fonts.font(size).render("H", True, (255, 255, 255))
    rows = [
        y
        for y in range(glyph.get_height())
        if any(glyph.get_at((x, y))[0] > 128 for x in range(glyph.get_width()))
    ]
    assert rows and (max(rows) - min(rows) + 1) >= 0.6 * frames.screen.min_body


def test_text_contrast_measured_on_pixels(deck, frames):
    """For each line of text: the colour under it and the strongest ink in it reach 7:1
    (4.5:1 would do for large text, but the theme meets AAA for everything)."""
    worst = 99.0
    for index, slide in enumerate(deck.slides):
        surface = frames.slides.surface(index, deck.default_language)
        for line in frames.slides.plan(index, deck.default_language).lines:
            if not line.text.strip():
                continue
            w = min(
                frames.fonts.width(line.text, line.size, line.bold), surface.get_width() - line.x
            )
            h = frames.fonts.line_height(line.size, line.bold)
            box = surface.subsurface(
                pygame.Rect(line.x, line.y, w, min(h, surface.get_height() - line.y))
            )
            pixels = Counter(
                tuple(box.get_at((x, y))[:3])
                for y in range(0, box.get_height(), 2)
                for x in range(0, box.get_width(), 2)
            )
            ground = pixels.most_common(1)[0][0]
            ink = max(pixels, key=lambda c: contrast(c, ground))
            ratio = contrast(ink, ground)
            worst = min(worst, ratio)
            required = 7.0 if line.role in (Role.TEXT, Role.MUTED) else 4.5
            assert ratio >= required, f"{slide.id}: '{line.text}' contrast {ratio:.1f}"
    assert worst >= 4.5


def test_controls_and_menu_render_inside_the_safe_area(deck, frames):
    screen = frames.screen
    for overlay in (Overlay.NONE, Overlay.MENU):
        for mode in (Mode.BROWSING, Mode.ATTRACT):
            if overlay is Overlay.MENU and mode is Mode.ATTRACT:
                continue
            frame = pygame.Surface((screen.width, screen.height))
            frames.draw(frame, View(language=deck.default_language, mode=mode, overlay=overlay))
            background = frame.get_at((0, 0))[:3]
            strays = [p for p in outside_pixels(frame, screen.safe, step=5) if p != background]
            assert not strays
            # The bar really shows something where the buttons are.
            bar = frame.subsurface(pygame.Rect(*_rect(screen.bar)))
            assert (
                len(
                    {
                        tuple(bar.get_at((x, bar.get_height() // 2))[:3])
                        for x in range(0, bar.get_width(), 7)
                    }
                )
                > 1
            )


def test_incremental_crossfade_matches_a_true_blend_everywhere(deck, fonts):
    """The crossfade blends only where either slide has ink, a step at a time; every pixel of
    every frame must still be the true mix of the two slides, and the last frame exact."""
    from kiosk.screen.render import ease_in_out

    size = (960, 540)
    frames = FrameRenderer(deck, size, fonts)
    target = pygame.Surface(size)
    for a, b in ((0, 1), (1, 2), (6, 7), (25, 26)):
        frames.draw(target, View(index=a, language="en", mode=Mode.BROWSING))
        move = Animation(
            from_index=a,
            from_language="en",
            to_index=b,
            to_language="en",
            started_at=0.0,
            seconds=0.4,
        )
        before, after = frames.slides.surface(a, "en"), frames.slides.surface(b, "en")
        for step in range(1, 13):
            progress = step / 12
            frames.draw(target, View(index=b, language="en", animation=move, progress=progress))
            if progress >= 1.0:
                break
            mix = ease_in_out(progress)
            line = frames.screen.standing.inset(-frames.screen.drift)  # chrome, like the bar
            for y in range(0, size[1] - 120, 9):  # above the control bar
                for x in range(0, size[0], 9):
                    if line.contains(x, y):
                        continue
                    want = [
                        round(p * (1 - mix) + q * mix)
                        for p, q in zip(
                            before.get_at((x, y))[:3], after.get_at((x, y))[:3], strict=True
                        )
                    ]
                    got = target.get_at((x, y))[:3]
                    assert all(abs(g - w) <= 6 for g, w in zip(got, want, strict=True)), (
                        a,
                        b,
                        step,
                        x,
                        y,
                        got,
                        want,
                    )
        content = pygame.Rect(0, 0, size[0], size[1] - 120)
        assert all(
            target.get_at((x, y)) == after.get_at((x, y))
            for y in range(0, content.h, 7)
            for x in range(0, content.w, 7)
            if not line.contains(x, y)
        )


@st.composite
def _boxes(draw: st.DrawFn) -> list[pygame.Rect]:
    count = draw(st.integers(0, 25))
    return [
        pygame.Rect(
            draw(st.integers(0, 1800)),
            draw(st.integers(0, 1000)),
            draw(st.integers(0, 600)),
            draw(st.integers(0, 200)),
        )
        for _ in range(count)
    ]


@settings(max_examples=300, deadline=None)
@given(_boxes(), st.integers(0, 16))
def test_blend_pieces_cover_every_box_and_never_overlap(boxes, slack):
    """A crossfade blends each piece once: an overlap would blend those pixels twice (a
    visible seam), a gap would leave part of a slide unfaded."""
    pieces = merge_bands(boxes, slack)
    for i, a in enumerate(pieces):
        assert a.w > 0 and a.h > 0
        for b in pieces[i + 1 :]:
            assert not a.colliderect(b), (a, b)
    # Every corner pixel and the centre of every box is inside some piece.
    for box in boxes:
        if box.w <= 0 or box.h <= 0:
            continue
        for x, y in (box.topleft, (box.right - 1, box.bottom - 1), box.center):
            assert any(p.collidepoint(x, y) for p in pieces), (box, (x, y), pieces)


def test_a_line_beside_a_picture_is_blended_as_two_pieces_not_one_band():
    text = [pygame.Rect(100, 200 + 60 * n, 700 - 40 * n, 50) for n in range(5)]
    picture = pygame.Rect(1200, 150, 600, 500)
    pieces = merge_bands([*text, picture])
    covered = sum(p.w * p.h for p in pieces)
    band = (1800 - 100) * (650 - 150)  # one band from the first line to the picture's edge
    assert covered < band * 0.75
    assert not any(p.collidepoint(1000, 300) for p in pieces)  # the gap between them
