"""pygame events → intents, with synthesized events (no display needed)."""

from __future__ import annotations

import pygame
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.screen import intents
from kiosk.screen.input import InputMapper, is_activity
from kiosk.screen.intents import Intent

W, H = 1000, 600


def nothing(x: int, y: int) -> Intent | None:
    return None


def finger(kind: int, x: float, y: float, fid: int = 1) -> pygame.event.Event:
    return pygame.event.Event(
        kind, x=x / W, y=y / H, dx=0.0, dy=0.0, finger_id=fid, touch_id=1, pressure=1.0
    )


def mouse(
    kind: int, x: float, y: float, touch: bool = False, button: int = 1
) -> pygame.event.Event:
    if kind == pygame.MOUSEMOTION:
        return pygame.event.Event(
            kind, pos=(int(x), int(y)), rel=(0, 0), buttons=(1, 0, 0), touch=touch
        )
    return pygame.event.Event(kind, pos=(int(x), int(y)), button=button, touch=touch)


def key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode="", scancode=0)


def run(mapper: InputMapper, timeline, hit=nothing) -> list[Intent]:
    out: list[Intent] = []
    for at, event in timeline:
        out += mapper.feed(event, at, hit)
    return out


@pytest.fixture
def mapper() -> InputMapper:
    return InputMapper((W, H), windowed=False)


def sdl_tap(x: float, y: float, t0: float = 0.0, fid: int = 1):
    """A tap as SDL really delivers it: each finger event followed by its flagged mouse copy."""
    return [
        (t0, finger(pygame.FINGERDOWN, x, y, fid)),
        (t0, mouse(pygame.MOUSEBUTTONDOWN, x, y, touch=True)),
        (t0 + 0.1, finger(pygame.FINGERUP, x, y, fid)),
        (t0 + 0.1, mouse(pygame.MOUSEBUTTONUP, x, y, touch=True)),
    ]


def test_one_physical_touch_acts_exactly_once(mapper):
    assert run(mapper, sdl_tap(900, 300)) == [intents.NEXT]


def test_unflagged_mouse_copy_is_also_dropped(mapper):
    timeline = [
        (0.0, finger(pygame.FINGERDOWN, 900, 300)),
        (0.01, mouse(pygame.MOUSEBUTTONDOWN, 901, 300)),
        (0.1, finger(pygame.FINGERUP, 900, 300)),
        (0.11, mouse(pygame.MOUSEBUTTONUP, 901, 300)),
    ]
    assert run(mapper, timeline) == [intents.NEXT]


def test_real_mouse_click_works(mapper):
    timeline = [
        (0.0, mouse(pygame.MOUSEBUTTONDOWN, 50, 300)),
        (0.1, mouse(pygame.MOUSEBUTTONUP, 50, 300)),
    ]
    assert run(mapper, timeline) == [intents.PREV]


def test_right_and_wheel_buttons_do_nothing(mapper):
    timeline = [
        (0.0, mouse(pygame.MOUSEBUTTONDOWN, 50, 300, button=3)),
        (0.1, mouse(pygame.MOUSEBUTTONUP, 50, 300, button=3)),
    ]
    assert run(mapper, timeline) == []


@pytest.mark.parametrize(
    ("x", "expected"), [(100, intents.PREV), (500, intents.WAKE), (900, intents.NEXT)]
)
def test_thirds_of_the_slide(mapper, x, expected):
    assert run(mapper, sdl_tap(x, 300)) == [expected]


def test_on_screen_target_wins_over_thirds(mapper):
    def hit(x: int, y: int) -> Intent | None:
        return intents.MENU if y > 500 else None

    assert run(mapper, sdl_tap(900, 550), hit) == [intents.MENU]


def test_tap_that_drifted_off_is_not_a_tap(mapper):
    timeline = [
        (0.0, finger(pygame.FINGERDOWN, 500, 300)),
        (2.0, finger(pygame.FINGERUP, 560, 360)),
    ]
    assert run(mapper, timeline, lambda x, y: intents.MENU) == [intents.WAKE]


@pytest.mark.parametrize(("dx", "expected"), [(-300, intents.NEXT), (300, intents.PREV)])
def test_swipe_judged_from_down_and_up_only(mapper, dx, expected):
    # No FINGERMOTION at all, as on resistive panels.
    timeline = [
        (0.0, finger(pygame.FINGERDOWN, 500, 300)),
        (0.25, finger(pygame.FINGERUP, 500 + dx, 310)),
    ]
    assert run(mapper, timeline) == [expected]


def test_swipe_with_motion_events_too(mapper):
    timeline = [(0.0, finger(pygame.FINGERDOWN, 700, 300))]
    timeline += [(0.02 * n, finger(pygame.FINGERMOTION, 700 - 30 * n, 300)) for n in range(1, 10)]
    timeline += [(0.2, finger(pygame.FINGERUP, 430, 300))]
    assert run(mapper, timeline) == [intents.NEXT]


@pytest.mark.parametrize(
    ("dx", "dy", "seconds"),
    [(-50, 0, 0.1), (-300, 0, 3.0), (-200, 250, 0.2)],
    ids=["too-short", "too-slow", "too-vertical"],
)
def test_not_a_swipe(mapper, dx, dy, seconds):
    timeline = [
        (0.0, finger(pygame.FINGERDOWN, 500, 300)),
        (seconds, finger(pygame.FINGERUP, 500 + dx, 300 + dy)),
    ]
    assert run(mapper, timeline) == [intents.WAKE]


def test_mouse_drag_swipes_too(mapper):
    timeline = [
        (0.0, mouse(pygame.MOUSEBUTTONDOWN, 700, 300)),
        (0.3, mouse(pygame.MOUSEBUTTONUP, 300, 300)),
    ]
    assert run(mapper, timeline) == [intents.NEXT]


def test_second_finger_cancels_the_gesture(mapper):
    timeline = [
        (0.0, finger(pygame.FINGERDOWN, 500, 300, fid=1)),
        (0.05, finger(pygame.FINGERDOWN, 600, 300, fid=2)),
        (0.1, finger(pygame.FINGERUP, 600, 300, fid=2)),
        (0.2, finger(pygame.FINGERUP, 200, 300, fid=1)),
    ]
    assert run(mapper, timeline) == [intents.WAKE]


def test_out_of_order_events_are_harmless(mapper):
    timeline = [
        (0.0, finger(pygame.FINGERUP, 900, 300)),
        (0.1, finger(pygame.FINGERMOTION, 900, 300)),
        (0.2, mouse(pygame.MOUSEBUTTONUP, 900, 300)),
        (0.3, finger(pygame.FINGERDOWN, 900, 300)),
        (0.35, finger(pygame.FINGERDOWN, 900, 300)),  # duplicate down
        (0.4, finger(pygame.FINGERUP, 900, 300)),
    ]
    assert run(mapper, timeline) == [intents.NEXT]


def test_a_lost_release_does_not_block_later_touches(mapper):
    run(mapper, [(0.0, finger(pygame.FINGERDOWN, 500, 300, fid=1))])  # its UP never comes
    assert run(mapper, [(t, e) for t, e in sdl_tap(900, 300, t0=60.0, fid=2)]) == [intents.NEXT]


def test_staff_corner_hold_fires_once_at_the_boundary():
    mapper = InputMapper((W, H), windowed=False, staff_hold_seconds=5.0)
    assert run(mapper, [(10.0, finger(pygame.FINGERDOWN, 10, 10))]) == []
    assert mapper.next_deadline() == 15.0
    assert mapper.poll(14.999) == []
    assert mapper.poll(15.0) == [intents.STAFF_GESTURE]
    assert mapper.poll(16.0) == []
    assert mapper.next_deadline() is None
    assert run(mapper, [(16.5, finger(pygame.FINGERUP, 10, 10))]) == []  # its release does nothing


def test_moving_out_of_the_corner_cancels_the_hold(mapper):
    run(
        mapper,
        [(0.0, finger(pygame.FINGERDOWN, 10, 10)), (1.0, finger(pygame.FINGERMOTION, 300, 300))],
    )
    assert mapper.poll(6.0) == [] and mapper.next_deadline() is None


def test_a_hold_elsewhere_is_not_the_staff_gesture(mapper):
    run(mapper, [(0.0, finger(pygame.FINGERDOWN, 500, 300))])
    assert mapper.poll(100.0) == []


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        (pygame.K_RIGHT, intents.NEXT),
        (pygame.K_SPACE, intents.NEXT),
        (pygame.K_PAGEDOWN, intents.NEXT),
        (pygame.K_LEFT, intents.PREV),
        (pygame.K_PAGEUP, intents.PREV),
        (pygame.K_HOME, intents.HOME),
        (pygame.K_m, intents.MENU),
        (pygame.K_l, intents.LANGUAGE),
        (pygame.K_7, intents.keypad_digit(7)),
        (pygame.K_KP3, intents.keypad_digit(3)),
        (pygame.K_BACKSPACE, intents.KEYPAD_DELETE),
        (pygame.K_RETURN, intents.KEYPAD_ENTER),
        (pygame.K_KP_ENTER, intents.KEYPAD_ENTER),
    ],
)
def test_keyboard(mapper, k, expected):
    assert mapper.feed(key(k), 0.0, nothing) == [expected]


def test_unknown_keys_do_nothing(mapper):
    assert mapper.feed(key(pygame.K_F5), 0.0, nothing) == []


def test_escape_and_window_close_quit_only_when_windowed():
    kiosk = InputMapper((W, H), windowed=False)
    dev = InputMapper((W, H), windowed=True)
    assert kiosk.feed(key(pygame.K_ESCAPE), 0.0, nothing) == [intents.CLOSE]
    assert dev.feed(key(pygame.K_ESCAPE), 0.0, nothing) == [intents.QUIT]
    assert kiosk.feed(pygame.event.Event(pygame.QUIT), 0.0, nothing) == []
    assert dev.feed(pygame.event.Event(pygame.QUIT), 0.0, nothing) == [intents.QUIT]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (finger(pygame.FINGERDOWN, 1, 1), True),
        (finger(pygame.FINGERMOTION, 1, 1), True),
        (mouse(pygame.MOUSEMOTION, 1, 1), True),
        (pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=1, flipped=False), True),
        (key(pygame.K_a), True),
        (pygame.event.Event(pygame.WINDOWFOCUSLOST), False),
        (pygame.event.Event(pygame.QUIT), False),
        (pygame.event.Event(pygame.VIDEOEXPOSE), False),
    ],
)
def test_is_activity(event, expected):
    assert is_activity(event) is expected


def test_resize_rescales_thresholds(mapper):
    mapper.resize((2000, 1200))
    timeline = [
        (0.0, finger(pygame.FINGERDOWN, 1800, 600)),
        (0.1, finger(pygame.FINGERUP, 1800, 600)),
    ]
    out = []
    for at, e in timeline:
        e.x, e.y = 1800 / 2000, 600 / 1200
        out += mapper.feed(e, at, nothing)
    assert out == [intents.NEXT]


event_kinds = st.sampled_from(
    [
        pygame.FINGERDOWN,
        pygame.FINGERUP,
        pygame.FINGERMOTION,
        pygame.MOUSEBUTTONDOWN,
        pygame.MOUSEBUTTONUP,
        pygame.MOUSEMOTION,
        pygame.KEYDOWN,
        pygame.QUIT,
        pygame.WINDOWFOCUSLOST,
    ]
)


@st.composite
def random_events(draw):
    kind = draw(event_kinds)
    x = draw(st.floats(-2, 3) | st.just(float("nan")))
    y = draw(st.floats(-2, 3) | st.just(float("inf")))
    if kind in (pygame.FINGERDOWN, pygame.FINGERUP, pygame.FINGERMOTION):
        return pygame.event.Event(
            kind,
            x=x,
            y=y,
            dx=0.0,
            dy=0.0,
            finger_id=draw(st.integers(0, 3)),
            touch_id=0,
            pressure=1.0,
        )
    if kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION):
        pos = (draw(st.integers(-5000, 5000)), draw(st.integers(-5000, 5000)))
        return pygame.event.Event(
            kind,
            pos=pos,
            button=draw(st.integers(1, 7)),
            touch=draw(st.booleans()),
            rel=(0, 0),
            buttons=(1, 0, 0),
        )
    if kind == pygame.KEYDOWN:
        return key(draw(st.integers(0, 1100)))
    return pygame.event.Event(kind)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 0.5), random_events()), max_size=60))
def test_random_event_storm_never_raises(steps):
    mapper = InputMapper((W, H), windowed=False)
    now = 0.0
    for delay, event in steps:
        now += delay
        for intent in mapper.feed(event, now, lambda x, y: intents.MENU if x < 0 else None):
            assert isinstance(intent, Intent)
            assert intent != intents.QUIT  # kiosk mode: nothing a visitor does quits
        for intent in mapper.poll(now):
            assert intent == intents.STAFF_GESTURE


def keypad_hit(x: int, y: int) -> Intent | None:
    """A stand-in for the keypad overlay: every tap outside the corner is the digit 7."""
    return intents.keypad_digit(7) if x > 200 else None


def test_something_resting_on_the_staff_corner_never_leaves_the_keypad_stuck(mapper):
    # A bag strap rests on the corner: finger 1 goes down and never comes up.
    assert run(mapper, [(0.0, finger(pygame.FINGERDOWN, 10, 10, fid=1))]) == []
    assert mapper.poll(5.0) == [intents.STAFF_GESTURE]  # the keypad opens once
    # Staff (or anyone) taps keys with other fingers: every tap acts, now and much later.
    for t0 in (6.0, 7.0, 30.0, 3600.0):
        assert run(mapper, sdl_tap(500, 300, t0=t0, fid=2), keypad_hit) == [intents.keypad_digit(7)]
        assert mapper.poll(t0 + 1) == []  # and the resting strap never fires again
    # Its release, whenever it comes, is ignored.
    assert run(mapper, [(4000.0, finger(pygame.FINGERUP, 10, 10, fid=1))]) == []


def test_a_cancelled_corner_hold_does_not_block_later_touches(mapper):
    run(mapper, [(0.0, finger(pygame.FINGERDOWN, 10, 10, fid=1))])  # rests on the corner
    run(mapper, sdl_tap(500, 300, t0=1.0, fid=2))  # a second finger cancels the hold
    assert mapper.poll(6.0) == []
    # The resting finger is forgotten like any other lost release.
    assert run(mapper, sdl_tap(900, 300, t0=20.0, fid=3)) == [intents.NEXT]


def test_a_long_staff_hold_is_not_mistaken_for_a_lost_release():
    mapper = InputMapper((W, H), windowed=False, staff_hold_seconds=30.0)
    run(mapper, [(0.0, finger(pygame.FINGERDOWN, 10, 10, fid=1))])
    assert mapper.poll(29.0) == []
    assert mapper.poll(30.0) == [intents.STAFF_GESTURE]
