"""Random event storms through the real app loop: no exception, consistent state, and the
kiosk still goes back to attract mode after the idle timeout."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.screen.app import KioskApp
from kiosk.screen.navigator import Mode, Overlay
from tests.helpers import FakeClock, FakeStaff

DECK_DIR = Path(__file__).resolve().parents[2] / "slides"
W, H = 800, 480


def random_event(rng: random.Random) -> pygame.event.Event:
    kind = rng.random()
    finger = {
        "finger_id": rng.randint(0, 4),
        "touch_id": rng.randint(0, 1),
        "pressure": rng.random(),
    }
    if kind < 0.45:
        etype = rng.choice([pygame.FINGERDOWN, pygame.FINGERUP, pygame.FINGERMOTION])
        x, y = rng.uniform(-0.2, 1.2), rng.uniform(-0.2, 1.2)
        return pygame.event.Event(
            etype, x=x, y=y, dx=rng.uniform(-1, 1), dy=rng.uniform(-1, 1), **finger
        )
    if kind < 0.75:
        etype = rng.choice([pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION])
        pos = (rng.randint(-50, W + 50), rng.randint(-50, H + 50))
        if etype == pygame.MOUSEMOTION:
            return pygame.event.Event(
                etype, pos=pos, rel=(1, 1), buttons=(1, 0, 0), touch=rng.random() < 0.5
            )
        return pygame.event.Event(
            etype, pos=pos, button=rng.randint(1, 5), touch=rng.random() < 0.5
        )
    if kind < 0.95:
        key = rng.choice(
            [
                pygame.K_RIGHT,
                pygame.K_LEFT,
                pygame.K_HOME,
                pygame.K_m,
                pygame.K_l,
                pygame.K_SPACE,
                pygame.K_ESCAPE,
                pygame.K_RETURN,
                pygame.K_BACKSPACE,
                pygame.K_0,
                pygame.K_5,
                pygame.K_a,
            ]
        )
        return pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0)
    return pygame.event.Event(
        rng.choice(
            [pygame.WINDOWFOCUSLOST, pygame.WINDOWFOCUSGAINED, pygame.WINDOWEXPOSED, pygame.QUIT]
        )
    )


# 4 × 25 000 = 100 000 events by default; STORM_EVENTS=1000000 for a longer run.
EVENTS_PER_SEED = int(os.environ.get("STORM_EVENTS", "100000")) // 4


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_event_storm_then_idle_returns_to_attract(seed):
    pygame.display.init()
    display = pygame.display.set_mode((W, H))
    # A PIN the storm cannot type (its digit keys are 0 and 5), so only staff could leave.
    deck = load_deck(DECK_DIR)
    clock = FakeClock()
    rng = random.Random(seed)
    pending: list[list[pygame.event.Event]] = []

    def events() -> list[pygame.event.Event]:
        return pending.pop() if pending else []

    # Kiosk mode (not windowed): no event may quit it.
    app = KioskApp(
        deck,
        display,
        windowed=False,
        clock=clock,
        sleep=clock.sleep,
        events=events,
        flip=lambda: None,
        staff=FakeStaff("137913"),
    )
    total = 0
    while total < EVENTS_PER_SEED:
        batch = [random_event(rng) for _ in range(rng.randint(1, 40))]
        total += len(batch)
        pending.append(batch)
        app.step()
        clock.advance(rng.choice([0.0, 0.001, 0.016, 0.2]))
        nav = app.navigator
        assert 0 <= nav.index < len(deck.slides)
        assert nav.overlay in Overlay
        assert app.running, "a visitor's input quit the kiosk"
    # Now nobody touches it. Fingers left "down" by the storm must not keep it awake forever.
    app.run(max_steps=int((deck.idle_timeout + 5) / 0.03) + 100)
    assert app.navigator.mode is Mode.ATTRACT
    assert app.navigator.overlay is Overlay.NONE
    pygame.display.quit()
