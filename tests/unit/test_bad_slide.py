"""One bad slide never stops the loop, and a deck counts as drawn only once all of it was.

The renderer is made to raise on one slide (as pygame did on a line of zero width, issue 24):
the loop logs the slide by name, leaves it out, counts it in the status file and goes on."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck, base_id
from kiosk.screen.app import KioskApp
from kiosk.screen.render import SlideRenderer
from kiosk.screen.view import Mode
from tests.helpers import FakeClock, FakeStaff

DECK_DIR = Path(__file__).resolve().parents[2] / "slides"
W, H = 1280, 800
BAD = "one-way-valves"  # the third slide: the attract loop reaches it after two slides


@pytest.fixture
def display() -> Iterator[pygame.Surface]:
    pygame.display.init()
    yield pygame.display.set_mode((W, H))
    pygame.display.quit()


@pytest.fixture(scope="module")
def deck() -> Deck:
    # 14 s a slide, not each slide's reading time: the loop below counts on about 12 slides.
    bundled = load_deck(DECK_DIR)
    return dataclasses.replace(
        bundled, slides=tuple(dataclasses.replace(s, duration=14.0) for s in bundled.slides)
    )


def make_app(deck: Deck, display: pygame.Surface, **kwargs: object) -> tuple[KioskApp, FakeClock]:
    clock = FakeClock()
    app = KioskApp(
        deck,
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=list,
        flip=lambda: None,
        staff=FakeStaff("2468"),
        **kwargs,  # type: ignore[arg-type]
    )
    return app, clock


@pytest.fixture
def raising_renderer(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """SlideRenderer.draw raises on the slide BAD, every time, in any language or text size."""
    real = SlideRenderer.draw
    attempts: list[str] = []

    def draw(self: SlideRenderer, index: int, language: str) -> pygame.Surface:
        slide = self.deck.slides[index]
        if base_id(slide.id) == BAD:
            attempts.append(language)
            raise pygame.error("Text has zero width")
        return real(self, index, language)

    monkeypatch.setattr(SlideRenderer, "draw", draw)
    return attempts


def test_a_slide_that_cannot_be_drawn_is_skipped_and_the_loop_goes_on(
    deck: Deck,
    display: pygame.Surface,
    raising_renderer: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, clock = make_app(deck, display)
    shown: set[str] = set()
    with caplog.at_level(logging.ERROR, logger="kiosk.screen.app"):
        for _ in range(4000):  # about 12 slides of the attract loop
            app.step()
            app.wait()
            shown.add(base_id(app.navigator.deck.slides[app.navigator.index].id))
    assert raising_renderer, "the bad slide was tried"
    assert app.running and app.navigator.mode is Mode.ATTRACT
    assert app.skipped.keys() == {BAD} and app.slides_skipped == 1
    # The loop kept drawing, past the bad slide, and never showed it.
    assert BAD not in shown and "why-the-legs" in shown and len(shown) >= 6
    assert app.frames_drawn > 100
    assert BAD not in {s.id for s in app.navigator.deck.slides}
    assert len(app.navigator.deck.slides) == len(deck.slides) - 1
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(
        f"slide '{BAD}' (slides/20-what-is-cvi.yaml:" in m and "is skipped" in m for m in logged
    ), logged
    counters = app.status_snapshot()["counters"]
    assert counters["slides_skipped"] == 1
    assert app.status_snapshot()["deck"]["slides"] == len(deck.slides)


def test_a_failure_that_is_no_slides_fault_is_raised(
    deck: Deck, display: pygame.Surface, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _clock = make_app(deck, display)

    def broken(*_args: object) -> None:
        raise RuntimeError("the output broke")

    monkeypatch.setattr(app.output, "show", broken)
    with pytest.raises(RuntimeError, match="the output broke"):
        app.step()
    assert app.skipped == {}


def test_a_deck_is_reported_drawn_only_after_every_page_was(
    deck: Deck, display: pygame.Surface
) -> None:
    drawn: list[Deck] = []
    app, _clock = make_app(deck, display, on_deck_drawn=drawn.append)
    app.step()
    assert drawn == []  # the first frame is not the whole deck
    for _ in range(3000):
        app.step()
        app.wait()
        if drawn:
            break
    assert drawn == [deck]
    proof = app._proof
    assert proof is not None and proof.done
    larger = app._presentations[True]
    every = {(False, page, lang) for page in range(len(deck.slides)) for lang in deck.languages}
    every |= {(True, page, lang) for page in range(larger.page_count) for lang in deck.languages}
    assert proof.drawn == every


def test_a_deck_with_a_slide_that_fails_is_never_reported_drawn(
    deck: Deck, display: pygame.Surface, raising_renderer: list[str]
) -> None:
    drawn: list[Deck] = []
    app, _clock = make_app(deck, display, on_deck_drawn=drawn.append)
    for _ in range(3000):
        app.step()
        app.wait()
    assert app.skipped.keys() == {BAD}
    assert drawn == []
