"""A way out for developers: started from a terminal and not by systemd, Esc quits even
full-screen and the first frames say so in a corner; under the service it never does."""

from __future__ import annotations

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.ops.exits import started_by_hand
from kiosk.screen import intents
from kiosk.screen.app import NOTICE_SECONDS, KioskApp
from kiosk.screen.input import InputMapper
from tests.helpers import FakeClock
from tests.unit.test_app import DECK_DIR, H, Script, W


@pytest.mark.parametrize(
    ("environ", "interactive", "allowed"),
    [
        ({}, True, True),
        ({}, False, False),  # stdin is not a terminal: a script, a pipe, a desktop launcher
        ({"INVOCATION_ID": "0f3c"}, True, False),  # systemd started it
        ({"NOTIFY_SOCKET": "/run/user/1000/systemd/notify"}, True, False),
        ({"INVOCATION_ID": "0f3c", "NOTIFY_SOCKET": "/x"}, False, False),
        ({"INVOCATION_ID": ""}, True, True),  # set but empty is not systemd's
    ],
)
def test_only_a_terminal_start_outside_systemd_may_quit_with_escape(environ, interactive, allowed):
    assert started_by_hand(environ, interactive) is allowed


def escape() -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0, unicode="\x1b")


@pytest.mark.parametrize(
    ("windowed", "escape_quits", "expected"),
    [
        (False, False, intents.CLOSE),  # the service's full screen: Esc only closes a menu
        (False, True, intents.QUIT),
        (True, False, intents.QUIT),
    ],
)
def test_escape_quits_only_when_allowed(windowed, escape_quits, expected):
    mapper = InputMapper((W, H), windowed=windowed, escape_quits=escape_quits)
    assert mapper.feed(escape(), 0.0, lambda x, y: None) == [expected]


@pytest.fixture
def display():
    pygame.display.init()
    yield pygame.display.set_mode((W, H))
    pygame.display.quit()


def make_app(display, escape_quits, script, clock):
    return KioskApp(
        load_deck(DECK_DIR),
        display,
        windowed=False,
        clock=clock,
        sleep=clock.sleep,
        events=script,
        flip=lambda: None,
        escape_quits=escape_quits,
    )


def corner(display) -> bytes:
    # The top-right corner, where the notice goes.
    return pygame.image.tobytes(display.subsurface((W - 420, 0, 420, 90)), "RGB")


def test_the_first_frames_say_esc_quits_then_the_notice_goes(display):
    clock = FakeClock()
    plain = make_app(display, False, Script(), clock)
    plain.step()
    without = corner(display)
    clock = FakeClock()
    script = Script()
    app = make_app(display, True, script, clock)
    app.step()
    assert app.navigator.view().notice == ""  # the navigator knows nothing of it
    with_notice = corner(display)
    assert with_notice != without
    app.run(max_steps=int(NOTICE_SECONDS / 0.03) + 40)
    assert clock.now - 1000.0 >= NOTICE_SECONDS
    assert corner(display) == without
    script.batches.append([escape()])
    app.run(max_steps=5)
    assert not app.running and app.navigator.exit_reason == "quit from the development window"


def test_under_the_service_escape_does_not_quit_and_nothing_is_said(display):
    clock = FakeClock()
    script = Script()
    app = make_app(display, False, script, clock)
    app.step()
    script.batches.append([escape()])
    app.run(max_steps=10)
    assert app.running
