"""The loop sleeps until something is due: the deadlines, with a fake clock, and SDL's wait."""

from __future__ import annotations

import time

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.screen.app import KioskApp
from kiosk.screen.view import Mode
from kiosk.screen.wakeup import (
    MAX_BLOCK_SECONDS,
    POLL_SECONDS,
    SDLWait,
    blocking_wait,
    next_burn_in_step,
    next_wake,
)
from tests.helpers import FakeClock
from tests.unit.test_app import DECK_DIR, H, Script, W


def test_the_earliest_deadline_wins() -> None:
    wake = next_wake(10.0, [("a", 10.2), ("b", None), ("c", 10.1)], wakes_on_input=True)
    assert (wake.at, wake.reason) == (10.1, "c")


def test_a_wait_that_input_ends_is_bounded_only_for_signals() -> None:
    assert next_wake(5.0, [("idle", 99.0)], wakes_on_input=True).at == 5.0 + MAX_BLOCK_SECONDS


def test_without_a_wait_that_input_ends_input_is_polled_as_before() -> None:
    assert next_wake(5.0, [("idle", 99.0)], wakes_on_input=False).at == 5.0 + POLL_SECONDS


def test_work_ahead_of_time_comes_back_after_one_poll() -> None:
    wake = next_wake(5.0, [("idle", 99.0)], wakes_on_input=True, busy=True)
    assert (wake.at, wake.reason) == (5.0 + POLL_SECONDS, "busy")


def test_a_deadline_in_the_past_means_now() -> None:
    assert next_wake(5.0, [("status", 1.0)], wakes_on_input=True).at == 1.0


def test_burn_in_steps_on_the_period() -> None:
    assert next_burn_in_step(0.0) == 600.0
    assert next_burn_in_step(1199.9) == 1200.0


class Blocker:
    """A wait that input would end: advances the fake clock and records each wait."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.sleep(seconds)


@pytest.fixture
def blocking_app():
    pygame.display.init()
    display = pygame.display.set_mode((W, H))
    clock = FakeClock()
    script = Script()
    blocker = Blocker(clock)
    app = KioskApp(
        load_deck(DECK_DIR),
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=script,
        flip=lambda: None,
        block=blocker,
    )
    yield app, script, clock, blocker
    pygame.display.quit()


def _steps_for(app: KioskApp, clock: FakeClock, seconds: float) -> int:
    start, steps = clock.now, 0
    while clock.now - start < seconds:
        app.step()
        app.wait()
        steps += 1
    return steps


def test_a_still_slide_wakes_about_twice_a_second(blocking_app) -> None:
    app, script, clock, _ = blocking_app
    script.tap(W * 0.9, H * 0.4)  # a visitor: browsing, slide 1, nothing moves
    _steps_for(app, clock, 5.0)  # the work ahead of time (neighbours, menu, proof) is done
    assert app.navigator.mode is Mode.BROWSING
    wakes = _steps_for(app, clock, 20.0)
    # The old loop woke 667 times in 20 s (every 30 ms); now the signal bound is the limit.
    assert wakes <= 20.0 / MAX_BLOCK_SECONDS + 2
    assert app.last_wake is not None and app.last_wake.reason in ("signals", "navigator")


def test_the_idle_timeout_is_met_on_time_not_a_poll_late(blocking_app) -> None:
    app, script, clock, _ = blocking_app
    script.tap(W * 0.9, H * 0.4)
    app.step()  # the finger down
    app.step()  # and up, at the same moment
    touched = clock.now
    assert app.navigator.mode is Mode.BROWSING
    while app.navigator.mode is Mode.BROWSING:
        app.wait()
        app.step()
    assert clock.now - touched == pytest.approx(app.deck.idle_timeout, abs=0.02)


def test_an_animation_is_drawn_at_the_frame_rate(blocking_app) -> None:
    app, script, clock, blocker = blocking_app
    script.tap(W * 0.9, H * 0.4)
    _steps_for(app, clock, 5.0)
    script.tap(W * 0.9, H * 0.4)  # next: a transition
    app.step()  # down
    app.step()  # up: the tap
    assert app.navigator.animating
    drawn = app.frames_drawn
    app.wait()
    app.step()
    assert blocker.waits[-1] == pytest.approx(1 / 60, abs=0.002)
    assert app.frames_drawn == drawn + 1 and app.last_wake.reason == "frame"


def _tap_batches(script: Script) -> list[list[pygame.event.Event]]:
    script.tap(W * 0.9, H * 0.4)
    down, up = script.batches[-2:]
    del script.batches[-2:]
    return [down, up]


def test_a_tap_is_drawn_on_the_very_next_pass(blocking_app) -> None:
    """A wait that input ends returns as the tap comes: its frame is the next step's."""
    app, script, clock, _ = blocking_app
    _steps_for(app, clock, 3.0)
    drawn = app.frames_drawn
    script.batches.append([e for batch in _tap_batches(script) for e in batch])
    app.step()  # the pass right after the wait ended: no second wait before the frame
    assert app.navigator.mode is Mode.BROWSING and app.frames_drawn == drawn + 1


def test_the_corner_hold_is_a_deadline_while_held(blocking_app) -> None:
    app, _script, clock, _ = blocking_app
    _steps_for(app, clock, 3.0)
    app.input.feed(
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(2, 2), button=1), clock.now, lambda p: None
    )
    held = app.input.next_deadline()
    assert held is not None
    assert ("corner hold", held) in app.deadlines(clock.now)


def test_more_deadlines_can_be_added_by_name(blocking_app) -> None:
    app, script, clock, _ = blocking_app
    script.tap(W * 0.9, H * 0.4)
    _steps_for(app, clock, 5.0)
    app.deadline_sources["narration"] = lambda: clock.now + 0.2
    app.wait()
    assert app.last_wake.reason == "narration"


def test_drivers_without_a_blocking_wait_poll() -> None:
    assert blocking_wait("kmsdrm") is None
    assert blocking_wait("dummy") is None


def test_sdl_wait_is_found_rounds_up_and_leaves_the_event_queued() -> None:
    waiter = blocking_wait("x11")  # the symbol is looked up, nothing is opened
    assert isinstance(waiter, SDLWait)
    pygame.display.init()
    try:
        pygame.event.clear()
        start = time.monotonic()
        waiter(0.02)
        assert time.monotonic() - start >= 0.015
        pygame.event.post(pygame.event.Event(pygame.USEREVENT, tag="tap"))
        start = time.monotonic()
        waiter(5.0)
        assert time.monotonic() - start < 1.0  # the queued event ended the wait
        assert [e.tag for e in pygame.event.get(pygame.USEREVENT)] == ["tap"]
    finally:
        pygame.display.quit()
    calls: list[int] = []
    SDLWait(lambda event, ms: calls.append(ms) or 0)(0.0101)
    assert calls == [11]
