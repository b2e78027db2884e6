"""The real app loop, headless, with a fake clock and scripted touches."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.ops.exits import EXIT_TO_DESKTOP
from kiosk.screen.app import KioskApp
from kiosk.screen.controls import controls_for
from kiosk.screen.layout import Screen, chrome_offset
from kiosk.screen.view import Mode, Overlay
from tests.helpers import FakeClock, FakeStaff

DECK_DIR = Path(__file__).resolve().parents[2] / "slides"
W, H = 1280, 800


class Script:
    """Feeds queued events to the app, a batch per loop step."""

    def __init__(self) -> None:
        self.batches: list[list[pygame.event.Event]] = []

    def __call__(self) -> list[pygame.event.Event]:
        return self.batches.pop(0) if self.batches else []

    def tap(self, x: float, y: float, finger: int = 1) -> None:
        """A finger tap exactly as SDL delivers it: finger events plus flagged mouse copies."""
        for finger_type, mouse_type in (
            (pygame.FINGERDOWN, pygame.MOUSEBUTTONDOWN),
            (pygame.FINGERUP, pygame.MOUSEBUTTONUP),
        ):
            self.batches.append(
                [
                    pygame.event.Event(
                        finger_type,
                        x=x / W,
                        y=y / H,
                        dx=0.0,
                        dy=0.0,
                        finger_id=finger,
                        touch_id=1,
                        pressure=1.0,
                    ),
                    pygame.event.Event(mouse_type, pos=(int(x), int(y)), button=1, touch=True),
                ]
            )


@pytest.fixture
def app_and_script():
    pygame.display.init()
    display = pygame.display.set_mode((W, H))
    deck = load_deck(DECK_DIR)
    clock = FakeClock()
    script = Script()
    app = KioskApp(
        deck,
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=script,
        flip=lambda: None,
        staff=FakeStaff("2468"),
    )
    yield app, script, clock
    pygame.display.quit()


def test_attract_loop_runs_and_draws_only_when_needed(app_and_script):
    app, _script, clock = app_and_script
    deck = app.deck
    app.run(max_steps=2000)
    elapsed = clock.now - 1000.0
    assert app.navigator.mode is Mode.ATTRACT
    assert app.navigator.index > 0  # it advanced on its own
    # Still slides are drawn once; frames are drawn only for transitions (~24 per 0.4 s).
    transitions = app.navigator.index
    assert app.frames_drawn <= 1 + transitions * (deck.transition.seconds * 60 + 3)
    assert elapsed > deck.duration_of(0)


def test_scripted_visit(app_and_script):
    app, script, clock = app_and_script
    nav = app.navigator
    app.run(max_steps=5)
    script.tap(W * 0.9, H * 0.4)  # first touch: wakes, stays on slide 1
    app.run(max_steps=10)
    assert nav.mode is Mode.BROWSING and nav.index == 0
    script.tap(W * 0.9, H * 0.4)  # right side: next, exactly once
    app.run(max_steps=40)
    assert nav.index == 1
    controls = app.controls()
    menu = next(b for b in controls.buttons if b.intent.action.name == "MENU")
    script.tap(*menu.rect.center)
    app.run(max_steps=10)
    assert nav.overlay is Overlay.MENU
    menu_controls = app.controls()
    last_topic = [b for b in menu_controls.buttons if b.intent.action.name == "GOTO"][-1]
    script.tap(*last_topic.rect.center)
    app.run(max_steps=40)
    assert nav.overlay is Overlay.NONE and nav.index == last_topic.intent.value
    # Nobody touches it: after the idle timeout it is back on slide 1 in attract mode.
    app.run(max_steps=int(app.deck.idle_timeout / 0.03) + 200)
    assert nav.mode is Mode.ATTRACT and nav.index in (0, 1)


def test_a_tap_lands_on_the_button_where_it_is_drawn():
    """The bar wanders a few pixels against burn-in; input tests the very controls drawn."""
    pygame.display.init()
    display = pygame.display.set_mode((W, H))
    deck = load_deck(DECK_DIR)
    clock = FakeClock(start=600.0 * 2 + 1)  # the offset's third step: (+1, +1) × drift
    script = Script()
    app = KioskApp(
        deck,
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=script,
        flip=lambda: None,
    )
    script.tap(W / 2, H / 3)  # wake
    app.run(max_steps=30)
    dx, dy = chrome_offset(clock.now, Screen(W, H).drift)
    assert dx > 0 and dy > 0
    nav = app.navigator
    view = nav.view()
    drawn = app.controls(view)
    still = controls_for(view, nav.presentation, (0, 0), app.fonts)
    menu = next(b for b in drawn.buttons if b.intent.action.name == "MENU")
    unmoved = next(b for b in still.buttons if b.intent.action.name == "MENU")
    assert (menu.rect.x, menu.rect.y) == (unmoved.rect.x + dx, unmoved.rect.y + dy)
    # The button's border is on screen where the moved rectangle says, not the unmoved one.
    border = pygame.Color(*deck.theme.muted_text)
    edge_y = menu.rect.y + menu.rect.h // 2
    assert display.get_at((menu.rect.right - 1, edge_y)) == border
    assert display.get_at((unmoved.rect.right - 1, edge_y)) != border
    # A tap on the moved corner, outside the unmoved button, opens the menu.
    assert not unmoved.rect.contains(menu.rect.right - 1, menu.rect.bottom - 1)
    script.tap(menu.rect.right - 1, menu.rect.bottom - 1)
    app.run(max_steps=10)
    assert nav.overlay is Overlay.MENU
    pygame.display.quit()


def test_a_static_screen_is_not_redrawn(app_and_script):
    app, script, clock = app_and_script
    script.tap(W / 2, H / 2)
    app.run(max_steps=50)
    drawn = app.frames_drawn
    app.run(max_steps=500)  # 15 s of fake time, browsing, no input
    assert app.frames_drawn == drawn


def test_staff_exit_in_the_loop(app_and_script):
    app, script, clock = app_and_script
    hold = [
        pygame.event.Event(
            pygame.FINGERDOWN, x=0.01, y=0.01, dx=0.0, dy=0.0, finger_id=7, touch_id=1, pressure=1.0
        )
    ]
    script.batches.append(hold)
    app.run(max_steps=int(app.deck.staff_exit.hold_seconds / 0.03) + 20)
    assert app.running and app.navigator.overlay is Overlay.KEYPAD


def _ink_fraction(surface: pygame.Surface, background) -> float:
    w, h = surface.get_size()
    samples = [surface.get_at((x, y))[:3] for y in range(0, h, 16) for x in range(0, w, 16)]
    return sum(1 for p in samples if p not in (background, (0, 0, 0))) / len(samples)


def test_no_black_or_empty_frame_during_transitions():
    """Every frame drawn while slides change shows content: never a black or empty screen."""
    pygame.display.init()
    display = pygame.display.set_mode((W, H))
    deck = load_deck(DECK_DIR)
    clock = FakeClock()
    script = Script()
    inks: list[float] = []

    def flip() -> None:
        inks.append(_ink_fraction(display, deck.theme.background))

    app = KioskApp(
        deck, display, windowed=True, clock=clock, sleep=clock.sleep, events=script, flip=flip
    )
    script.tap(W / 2, H / 2)
    for _ in range(6):
        script.tap(W * 0.9, H / 2)
        for _ in range(20):
            script.batches.append([])
    app.run(max_steps=300)
    assert app.navigator.index == 6
    assert len(inks) > 30  # transitions were animated frame by frame
    assert min(inks) > 0.01
    pygame.display.quit()


def test_keypad_works_while_something_rests_on_the_staff_corner(app_and_script):
    """The reported bug: the keypad opened once and every later tap did nothing, for good."""
    app, script, clock = app_and_script
    resting = pygame.event.Event(
        pygame.FINGERDOWN, x=0.01, y=0.01, dx=0.0, dy=0.0, finger_id=7, touch_id=1, pressure=1.0
    )
    script.batches.append([resting])  # ... and it never lifts
    app.run(max_steps=int(app.deck.staff_exit.hold_seconds / 0.03) + 20)
    assert app.navigator.overlay is Overlay.KEYPAD
    controls = app.controls(app.navigator.view())
    keys = {str(b.intent): b.rect.center for b in controls.buttons}
    for name in ("KEYPAD_DIGIT(2)", "KEYPAD_DIGIT(4)", "KEYPAD_DIGIT(6)", "KEYPAD_DIGIT(8)"):
        script.tap(*keys[name], finger=8)
    app.run(max_steps=20)
    assert app.navigator.view().pin_digits == 4
    script.tap(*keys["KEYPAD_ENTER"], finger=9)
    app.run(max_steps=20)
    assert app.navigator.overlay is Overlay.STAFF
    menu = app.controls(app.navigator.view())
    choice = {str(b.intent): b.rect.center for b in menu.buttons}
    script.tap(*choice["STAFF(1)"], finger=10)  # Exit to the desktop
    app.run(max_steps=20)
    assert not app.running and app.navigator.exit_status == EXIT_TO_DESKTOP


def test_a_slow_pin_check_runs_beside_the_loop_which_keeps_drawing(tmp_path):
    """A check that takes seconds (a damaged or expensive hash) must not be the loop's time:
    the keypad says "checking", frames go on being stepped, and the answer comes later."""
    import threading
    import time

    from kiosk.ops.pin import StaffPin, set_pin
    from kiosk.screen import intents
    from kiosk.screen.navigator import PIN_POLL_SECONDS

    pin_file = tmp_path / "staff-pin"
    set_pin("470391", pin_file)
    release = threading.Event()
    entered = threading.Event()

    def slow_verify(stored: str, pin: str) -> bool:
        entered.set()
        assert release.wait(30)
        return pin == "470391"

    pygame.display.init()
    display = pygame.display.set_mode((W, H))
    clock = FakeClock()
    script = Script()
    staff = StaffPin(pin_file, state=tmp_path, clock=clock, verify=slow_verify)
    app = KioskApp(
        load_deck(DECK_DIR),
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=script,
        flip=lambda: None,
        staff=staff,
    )
    app.navigator.handle(intents.STAFF_GESTURE)
    for digit in (4, 7, 0, 3, 9, 1):
        app.navigator.handle(intents.keypad_digit(digit))
    app.navigator.handle(intents.KEYPAD_ENTER)
    assert entered.wait(10)  # the check is under way in its thread, and will not end alone
    started, frames = clock.now, app.frames_drawn
    app.run(max_steps=50)  # returns at all: the loop was never blocked by the check
    assert clock.now - started >= 50 * PIN_POLL_SECONDS * 0.9  # stepped at the poll pace
    assert app.frames_drawn > frames  # and drew ("checking" on the keypad)
    view = app.navigator.view()
    assert view.pin_checking and app.navigator.overlay is Overlay.KEYPAD
    release.set()
    for _ in range(1000):  # the thread needs real time to finish, the fake clock none
        app.run(max_steps=1)
        if app.navigator.overlay is Overlay.STAFF:
            break
        time.sleep(0.01)
    assert app.navigator.overlay is Overlay.STAFF and not app.navigator.view().pin_checking
    pygame.display.quit()
