"""The navigator state machine, driven by a fake clock: attract loop, waking, browsing, idle."""

from __future__ import annotations

import pytest

from kiosk.screen import intents
from kiosk.screen.intents import Intent
from kiosk.screen.navigator import PIN_ERROR_SECONDS, Navigator
from kiosk.screen.presentation import Presentation
from kiosk.screen.view import FROM_SCREEN, Mode, Overlay
from tests.helpers import FakeClock, FakeStaff, make_deck

T = 0.4  # transition seconds in make_deck


def settle(nav: Navigator, clock: FakeClock) -> None:
    """Let any running transition finish."""
    clock.advance(T)
    nav.update()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_starts_in_attract_mode_on_the_first_slide(clock):
    nav = Navigator(make_deck(), clock)
    assert (nav.index, nav.mode, nav.overlay) == (0, Mode.ATTRACT, Overlay.NONE)
    assert nav.next_deadline() == clock.now + 10.0


def test_attract_advances_exactly_at_each_slides_own_duration(clock):
    nav = Navigator(make_deck(3, durations=[5.0, None, 7.0]), clock)
    clock.advance(4.999)
    nav.update()
    assert nav.index == 0 and nav.animation is None
    clock.advance(0.001)
    nav.update()
    assert nav.index == 1 and nav.animation is not None
    settle(nav, clock)
    # Slide 1 uses the deck default (10 s), counted from when it was fully shown.
    clock.advance(10.0 - 1e-6)
    nav.update()
    assert nav.index == 1
    clock.advance(1e-6)
    nav.update()
    assert nav.index == 2


def test_attract_loops_forever(clock):
    nav = Navigator(make_deck(3), clock)
    seen = []
    for _ in range(3 * 5):
        clock.advance(10.0 + T)
        nav.update()
        seen.append(nav.index)
    assert seen == [1, 2, 0] * 5


def test_late_updates_do_not_make_the_loop_drift(clock):
    """Frames that run late must not push every later slide back."""
    nav = Navigator(make_deck(4), clock)
    start = clock.now
    changes = []
    last = nav.index
    for _ in range(20_000):  # 20000 frames of 37 ms (deliberately not a divisor of anything)
        clock.advance(0.037)
        nav.update()
        if nav.index != last:
            changes.append(nav.animation.started_at - start)
            last = nav.index
    period = 10.0 + T
    assert len(changes) == int(20_000 * 0.037 // period)
    for n, started in enumerate(changes, start=1):
        assert started == pytest.approx(n * 10.0 + (n - 1) * T, abs=1e-6)


def test_a_very_late_update_restarts_the_schedule_instead_of_racing(clock):
    nav = Navigator(make_deck(5), clock)
    clock.advance(3600)  # the machine was suspended for an hour
    nav.update()
    assert nav.index == 1  # one step, not 300 slides of catching up
    assert nav.animation.started_at == clock.now


def test_first_touch_in_attract_wakes_and_keeps_the_slide(clock):
    nav = Navigator(make_deck(), clock)
    clock.advance(10 + T + 3)
    nav.update()
    assert nav.index == 1
    nav.handle(intents.NEXT)  # e.g. a tap on the right third
    assert nav.mode is Mode.BROWSING
    assert nav.index == 1
    nav.handle(intents.NEXT)
    assert nav.index == 2


@pytest.mark.parametrize(
    "intent",
    [intents.NEXT, intents.PREV, intents.HOME, intents.MENU, intents.WAKE],
)
def test_any_first_intent_only_wakes(clock, intent):
    nav = Navigator(make_deck(languages=("en", "es")), clock)
    nav.handle(intent)
    assert (nav.mode, nav.index, nav.overlay, nav.language) == (
        Mode.BROWSING,
        0,
        Overlay.NONE,
        "en",
    )


def test_touch_during_an_attract_transition_keeps_the_incoming_slide(clock):
    nav = Navigator(make_deck(), clock)
    clock.advance(10 + T / 2)
    nav.update()
    assert nav.animation is not None
    nav.handle(intents.WAKE)
    settle(nav, clock)
    assert nav.index == 1 and nav.mode is Mode.BROWSING


def test_browsing_never_auto_advances(clock):
    nav = Navigator(make_deck(idle_timeout=600), clock)
    nav.handle(intents.WAKE)
    for _ in range(590):
        clock.advance(1)
        nav.update()
    assert nav.index == 0 and nav.mode is Mode.BROWSING


def test_next_prev_wrap_and_home(clock):
    nav = Navigator(make_deck(3), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.PREV)
    assert nav.index == 2
    nav.handle(intents.NEXT)
    assert nav.index == 0
    nav.handle(intents.NEXT)
    nav.handle(intents.HOME)
    assert nav.index == 0


def test_idle_timeout_returns_to_attract_at_the_boundary(clock):
    nav = Navigator(make_deck(idle_timeout=60), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.NEXT)
    nav.handle(intents.NEXT)
    settle(nav, clock)
    clock.advance(60 - T - 0.001)
    nav.update()
    assert nav.mode is Mode.BROWSING and nav.index == 2
    clock.advance(0.001)
    nav.update()
    assert nav.mode is Mode.ATTRACT and nav.index == 0
    settle(nav, clock)
    # And the attract loop runs again from slide 1 with its full duration.
    assert nav.next_deadline() == pytest.approx(clock.now + 10.0 - 0.0, abs=T + 1e-9)


def test_every_input_resets_idle_even_a_touch_that_does_nothing(clock):
    nav = Navigator(make_deck(idle_timeout=60), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.NEXT)
    for _ in range(10):
        clock.advance(50)
        nav.note_activity()  # e.g. a finger resting on the screen, no intent yet
        nav.update()
    assert nav.mode is Mode.BROWSING and nav.index == 1
    clock.advance(59)
    nav.handle(intents.WAKE)
    clock.advance(59)
    nav.update()
    assert nav.mode is Mode.BROWSING


def test_idle_timeout_closes_the_topic_menu(clock):
    nav = Navigator(make_deck(idle_timeout=30), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.MENU)
    assert nav.overlay is Overlay.MENU
    clock.advance(20)
    nav.handle(intents.WAKE)  # touching inside the menu counts as activity
    clock.advance(29)
    nav.update()
    assert nav.overlay is Overlay.MENU
    clock.advance(1)
    nav.update()
    assert (nav.overlay, nav.mode, nav.index) == (Overlay.NONE, Mode.ATTRACT, 0)


def test_idle_timeout_closes_the_keypad_and_forgets_digits(clock):
    nav = Navigator(make_deck(idle_timeout=30), clock, staff=FakeStaff("2468"))
    nav.handle(intents.STAFF_GESTURE)
    nav.handle(intents.keypad_digit(2))
    assert nav.overlay is Overlay.KEYPAD and nav.view().pin_digits == 1
    clock.advance(30)
    nav.update()
    assert nav.overlay is Overlay.NONE and nav.mode is Mode.ATTRACT
    nav.handle(intents.STAFF_GESTURE)
    assert nav.view().pin_digits == 0


def test_idle_resets_language_to_default(clock):
    nav = Navigator(make_deck(languages=("en", "es"), idle_timeout=30), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.LANGUAGE)
    assert nav.language == "es"
    settle(nav, clock)
    clock.advance(30)
    nav.update()
    assert nav.language == "en" and nav.mode is Mode.ATTRACT


def test_topic_menu_jumps_and_closes(clock):
    nav = Navigator(make_deck(6), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.MENU)
    nav.handle(intents.goto(4))
    assert (nav.index, nav.overlay) == (4, Overlay.NONE)
    nav.handle(intents.MENU)
    nav.handle(intents.MENU)
    assert nav.overlay is Overlay.NONE
    nav.handle(Intent(intents.Action.GOTO, 99))  # out of range is clamped, never an IndexError
    assert nav.index == 5


def test_transitions_never_stack(clock):
    nav = Navigator(make_deck(5), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.NEXT)
    clock.advance(T / 4)
    nav.handle(intents.NEXT)
    nav.handle(intents.NEXT)
    t = nav.animation
    assert t is not None and (t.from_index, t.to_index) == (2, 3)
    assert t.started_at == clock.now
    settle(nav, clock)
    assert nav.animation is None and nav.index == 3


def test_transition_progress_is_linear_and_clamped(clock):
    nav = Navigator(make_deck(), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.NEXT)
    assert nav.view().progress == 0.0
    clock.advance(T / 2)
    assert nav.view().progress == pytest.approx(0.5)
    clock.advance(T)
    assert nav.view().progress == 1.0


def test_version_moves_only_on_visible_changes(clock):
    nav = Navigator(make_deck(), clock)
    v = nav.version
    for _ in range(50):
        clock.advance(0.1)
        nav.update()
    assert nav.version == v
    nav.handle(intents.WAKE)
    assert nav.version > v
    v = nav.version
    nav.handle(intents.WAKE)
    nav.note_activity()
    assert nav.version == v


@pytest.mark.parametrize("staff", [None, FakeStaff(None)])
def test_without_a_pin_the_corner_hold_opens_nothing(clock, staff, caplog):
    nav = Navigator(make_deck(), clock, staff=staff)
    nav.handle(intents.STAFF_GESTURE)
    assert not nav.exit_requested and nav.overlay is Overlay.NONE
    assert "no staff PIN is set on this machine" in caplog.text
    for digit in (2, 4, 6, 8):
        nav.handle(intents.keypad_digit(digit))
    nav.handle(intents.KEYPAD_ENTER)
    assert not nav.exit_requested


def test_staff_exit_with_pin(clock):
    staff = FakeStaff("2468")
    nav = Navigator(make_deck(), clock, staff=staff)
    nav.handle(intents.STAFF_GESTURE)
    assert nav.overlay is Overlay.KEYPAD and not nav.exit_requested
    for digit in (2, 4, 6, 9):
        nav.handle(intents.keypad_digit(digit))
    nav.handle(intents.KEYPAD_ENTER)
    assert not nav.exit_requested and nav.view().pin_rejected and nav.view().pin_digits == 0
    clock.advance(PIN_ERROR_SECONDS)
    nav.update()
    assert not nav.view().pin_rejected
    nav.handle(intents.NEXT)  # arrows do nothing while the keypad is up
    assert nav.index == 0 and nav.overlay is Overlay.KEYPAD
    for digit in (2, 4, 6, 7):
        nav.handle(intents.keypad_digit(digit))
    nav.handle(intents.KEYPAD_DELETE)
    nav.handle(intents.keypad_digit(8))
    nav.handle(intents.KEYPAD_ENTER)
    # The right PIN opens the staff menu; leaving is one of its choices (tests/unit/test_staff.py).
    assert nav.overlay is Overlay.STAFF and not nav.exit_requested
    assert staff.attempts == [False, True]


def test_keypad_close_returns_to_browsing(clock):
    nav = Navigator(make_deck(), clock, staff=FakeStaff("1234"))
    nav.handle(intents.STAFF_GESTURE)
    nav.handle(intents.CLOSE)
    assert nav.overlay is Overlay.NONE and nav.mode is Mode.BROWSING and not nav.exit_requested


def test_language_switch_is_a_transition_on_the_same_slide(clock):
    nav = Navigator(make_deck(languages=("en", "es")), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.LANGUAGE)
    t = nav.animation
    assert t is not None and (t.from_index, t.to_index, t.from_language, t.to_language) == (
        0,
        0,
        "en",
        "es",
    )
    nav.handle(intents.LANGUAGE)
    assert nav.language == "en"


def test_single_language_deck_ignores_language_button(clock):
    nav = Navigator(make_deck(), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.LANGUAGE)
    assert nav.animation is None and nav.language == "en"


def test_zero_second_transition_switches_at_once(clock):
    nav = Navigator(make_deck(transition_seconds=0.0), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.NEXT)
    assert nav.animation is None and nav.index == 1


def test_next_deadline_tells_the_loop_when_to_wake(clock):
    nav = Navigator(make_deck(idle_timeout=45), clock)
    assert nav.next_deadline() == clock.now + 10
    nav.handle(intents.WAKE)
    assert nav.next_deadline() == clock.now + 45
    nav.handle(intents.NEXT)
    assert nav.next_deadline() == clock.now  # animating: draw now


def test_a_new_presentation_keeps_the_slide_by_id(clock):
    from dataclasses import replace

    deck = make_deck(6)
    nav = Navigator(deck, clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.goto(3))
    settle(nav, clock)
    # Two slides inserted before the current one: the visitor still sees slide-3.
    slides = (deck.slides[0], deck.slides[1], deck.slides[5], deck.slides[4], *deck.slides[2:4])
    nav.use(Presentation.plain(replace(deck, slides=slides)))
    assert nav.deck.slides[nav.index].id == "slide-3"
    assert nav.animation is not None and nav.animation.from_index == FROM_SCREEN
    assert nav.mode is Mode.BROWSING


def test_a_new_presentation_removing_the_current_slide_lands_on_the_nearest(clock):
    from dataclasses import replace

    deck = make_deck(6)
    nav = Navigator(deck, clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.goto(3))
    settle(nav, clock)
    nav.use(
        Presentation.plain(replace(deck, slides=tuple(s for s in deck.slides if s.id != "slide-3")))
    )
    assert nav.deck.slides[nav.index].id == "slide-4"
    nav.use(Presentation.plain(replace(deck, slides=deck.slides[:2])))
    assert nav.deck.slides[nav.index].id == "slide-1"
    settle(nav, clock)
    assert nav.animation is None


def test_attract_can_alternate_languages_each_round(clock):
    from dataclasses import replace

    deck = replace(make_deck(3, languages=("en", "es")), alternate_languages=True)
    nav = Navigator(deck, clock)
    seen = []
    for _ in range(9):
        clock.advance(10 + T)
        nav.update()
        seen.append((nav.index, nav.language))
    assert seen == [
        (1, "en"),
        (2, "en"),
        (0, "es"),
        (1, "es"),
        (2, "es"),
        (0, "en"),
        (1, "en"),
        (2, "en"),
        (0, "es"),
    ]
    nav.handle(intents.WAKE)  # a visitor keeps the language on screen...
    assert nav.language == "es"
    clock.advance(60)
    nav.update()
    assert nav.language == "en"  # ...and idle goes back to the default


def test_language_button_works_from_attract_mode(clock):
    nav = Navigator(make_deck(languages=("en", "es")), clock)
    nav.handle(intents.LANGUAGE)
    assert nav.mode is Mode.BROWSING and nav.language == "es" and nav.index == 0
