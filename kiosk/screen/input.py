"""The one place pygame events become intents.

Two traps this module exists to avoid:
- SDL reports a finger touch twice: as FINGER* events and as synthetic mouse events flagged
  `event.touch`. Some panels' drivers even send the mouse copy unflagged. Each physical touch
  must act exactly once, so finger events win and matching mouse copies are dropped.
- Resistive and many cheap capacitive panels send no motion events at all. A swipe is judged
  only from where the pointer went down and where it came up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pygame

from kiosk.screen import intents
from kiosk.screen.intents import Intent

HitTest = Callable[[int, int], Intent | None]

_ACTIVITY_EVENTS = frozenset(
    {
        pygame.FINGERDOWN,
        pygame.FINGERUP,
        pygame.FINGERMOTION,
        pygame.MOUSEBUTTONDOWN,
        pygame.MOUSEBUTTONUP,
        pygame.MOUSEMOTION,
        pygame.MOUSEWHEEL,
        pygame.KEYDOWN,
        pygame.TEXTINPUT,
        pygame.MULTIGESTURE,
    }
)

_KEYS: dict[int, Intent] = {
    pygame.K_RIGHT: intents.NEXT,
    pygame.K_PAGEDOWN: intents.NEXT,
    pygame.K_SPACE: intents.NEXT,
    pygame.K_LEFT: intents.PREV,
    pygame.K_PAGEUP: intents.PREV,
    pygame.K_HOME: intents.HOME,
    pygame.K_m: intents.MENU,
    pygame.K_l: intents.LANGUAGE,
    pygame.K_r: intents.LISTEN,  # read aloud
    pygame.K_PLUS: intents.LARGER_TEXT,
    pygame.K_EQUALS: intents.LARGER_TEXT,
    pygame.K_KP_PLUS: intents.LARGER_TEXT,
    pygame.K_BACKSPACE: intents.KEYPAD_DELETE,
    pygame.K_DELETE: intents.KEYPAD_DELETE,
    pygame.K_RETURN: intents.KEYPAD_ENTER,
    pygame.K_KP_ENTER: intents.KEYPAD_ENTER,
}
_KEYS.update({getattr(pygame, f"K_{d}"): intents.keypad_digit(d) for d in range(10)})
_KEYS.update({getattr(pygame, f"K_KP{d}"): intents.keypad_digit(d) for d in range(10)})

# A mouse event this close (seconds, fraction of the shorter side) to a finger event is the
# same touch reported again by a driver that does not flag its copies.
_ECHO_SECONDS = 0.5
_ECHO_DISTANCE = 0.04
# A pointer down longer than this without a release is presumed lost.
_STALE_SECONDS = 10.0


def is_activity(event: pygame.event.Event) -> bool:
    """True for anything a person did: every one of these pushes the idle timeout back."""
    return event.type in _ACTIVITY_EVENTS


@dataclass
class _Press:
    """A pointer that is down: where and when it went down, where it is now."""

    source: str  # "finger" or "mouse"
    ident: int
    x: float
    y: float
    at: float
    last_x: float
    last_y: float
    cancelled: bool = False  # a second finger turned this into a multi-touch: no gesture
    staff_hold: bool = False  # went down in the staff corner and has not left it
    staff_fired: bool = False


class InputMapper:
    """Turns events into intents. Thresholds are relative to the screen so they feel the
    same on a 10" panel and a 55" display."""

    def __init__(
        self,
        screen_size: tuple[int, int],
        *,
        windowed: bool,
        escape_quits: bool = False,
        staff_hold_seconds: float = 5.0,
        tap_slop: float = 0.03,
        swipe_min_distance: float = 0.08,
        swipe_min_speed: float = 0.25,
        swipe_max_seconds: float = 1.5,
        staff_corner: float = 0.10,
    ) -> None:
        self.windowed = windowed
        # Started by a developer from a terminal (never by the service): Esc quits even
        # full-screen, where the terminal is hidden behind the window.
        self.escape_quits = escape_quits
        self.staff_hold_seconds = staff_hold_seconds
        self._tap_slop = tap_slop
        self._swipe_min_distance = swipe_min_distance
        self._swipe_min_speed = swipe_min_speed
        self._swipe_max_seconds = swipe_max_seconds
        self._staff_corner = staff_corner
        self._press: _Press | None = None
        self._other_fingers: set[int] = set()
        self._last_finger: tuple[float, float, float] | None = None  # at, x, y
        self.resize(screen_size)

    def resize(self, screen_size: tuple[int, int]) -> None:
        self.width, self.height = screen_size
        self.shorter = min(screen_size)
        self.reset()

    def reset(self) -> None:
        self._press = None
        self._other_fingers.clear()

    # -- events ----------------------------------------------------------------------------

    def feed(self, event: pygame.event.Event, now: float, hit_test: HitTest) -> list[Intent]:
        kind = event.type
        if kind == pygame.KEYDOWN:
            return self._key(event)
        if kind == pygame.QUIT:
            # Window close / Alt+F4: a way out only for developers.
            return [intents.QUIT] if self.windowed else []
        if kind in (pygame.FINGERDOWN, pygame.FINGERUP, pygame.FINGERMOTION):
            x = _number(event, "x") * self.width
            y = _number(event, "y") * self.height
            self._last_finger = (now, x, y)
            ident = int(getattr(event, "finger_id", 0)) * 1000 + int(getattr(event, "touch_id", 0))
            return self._pointer(kind_of(kind), "finger", ident, x, y, now, hit_test)
        if kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION):
            if getattr(event, "touch", False):
                return []  # SDL's synthetic copy of a finger event: already handled
            pos = getattr(event, "pos", (0, 0))
            x, y = float(pos[0]), float(pos[1])
            if self._echoes_finger(now, x, y):
                return []
            if kind != pygame.MOUSEMOTION and getattr(event, "button", 1) != 1:
                return []
            return self._pointer(kind_of(kind), "mouse", 0, x, y, now, hit_test)
        return []

    def _key(self, event: pygame.event.Event) -> list[Intent]:
        key = getattr(event, "key", None)
        if key == pygame.K_ESCAPE:
            return [intents.QUIT] if self.windowed or self.escape_quits else [intents.CLOSE]
        intent = _KEYS.get(key) if isinstance(key, int) else None
        return [intent] if intent is not None else []

    def _echoes_finger(self, now: float, x: float, y: float) -> bool:
        if self._last_finger is None:
            return False
        at, fx, fy = self._last_finger
        near = abs(x - fx) + abs(y - fy) <= _ECHO_DISTANCE * self.shorter
        return 0 <= now - at <= _ECHO_SECONDS and near

    def _pointer(
        self,
        phase: str,
        source: str,
        ident: int,
        x: float,
        y: float,
        now: float,
        hit_test: HitTest,
    ) -> list[Intent]:
        press = self._press
        if phase == "down":
            if press is not None and self._forgettable(press, now):
                # Its release was lost, or something rests on the panel: forget it, or it
                # would turn every later touch into a "second finger" that does nothing.
                press = self._press = None
            if press is not None and (press.source, press.ident) != (source, ident):
                # A second finger: this is a pinch or a palm, not a tap or swipe.
                press.cancelled = True
                self._other_fingers.add(ident)
                return []
            self._press = _Press(source, ident, x, y, now, x, y, staff_hold=self._in_corner(x, y))
            return []
        if press is None or (press.source, press.ident) != (source, ident):
            self._other_fingers.discard(ident)
            return []  # motion or release of a pointer we never saw go down
        if phase == "move":
            press.last_x, press.last_y = x, y
            if press.staff_hold and not self._near(press, x, y):
                press.staff_hold = False
            return []
        # phase == "up"
        self._press = None
        if press.staff_fired:
            return []
        if press.cancelled:
            return [intents.WAKE]
        return [self._gesture(press, x, y, now, hit_test)]

    def _forgettable(self, press: _Press, now: float) -> bool:
        if press.staff_fired:
            # The hold did its job (the keypad is open): whatever still rests on the corner
            # must not swallow the taps that type the PIN.
            return True
        if press.staff_hold and not press.cancelled:
            return False  # still counting towards the staff hold
        return now - press.at > _STALE_SECONDS

    def _gesture(self, press: _Press, x: float, y: float, now: float, hit_test: HitTest) -> Intent:
        dx, dy = x - press.x, y - press.y
        if self._near(press, x, y):
            target = hit_test(round(press.x), round(press.y))
            if target is not None:
                return target
            if press.x < self.width / 3:
                return intents.PREV
            if press.x >= self.width * 2 / 3:
                return intents.NEXT
            return intents.WAKE
        seconds = max(now - press.at, 1e-3)
        far = abs(dx) >= self._swipe_min_distance * self.width
        horizontal = abs(dx) > 1.5 * abs(dy)
        fast = abs(dx) / self.width / seconds >= self._swipe_min_speed
        if far and horizontal and fast and seconds <= self._swipe_max_seconds:
            # Finger moves right-to-left: the content follows it, so the next slide comes in.
            return intents.NEXT if dx < 0 else intents.PREV
        return intents.WAKE

    def _near(self, press: _Press, x: float, y: float) -> bool:
        return (
            abs(x - press.x) <= self._tap_slop * self.shorter
            and abs(y - press.y) <= self._tap_slop * self.shorter
        )

    def _in_corner(self, x: float, y: float) -> bool:
        side = self._staff_corner * self.shorter
        return 0 <= x < side and 0 <= y < side

    # -- time ------------------------------------------------------------------------------

    def poll(self, now: float) -> list[Intent]:
        """Gestures that complete by time passing: the staff corner hold."""
        press = self._press
        if press is None or not press.staff_hold or press.staff_fired or press.cancelled:
            return []
        if now - press.at >= self.staff_hold_seconds:
            press.staff_fired = True
            return [intents.STAFF_GESTURE]
        return []

    def next_deadline(self) -> float | None:
        press = self._press
        if press is None or not press.staff_hold or press.staff_fired or press.cancelled:
            return None
        return press.at + self.staff_hold_seconds


def kind_of(event_type: int) -> str:
    if event_type in (pygame.FINGERDOWN, pygame.MOUSEBUTTONDOWN):
        return "down"
    if event_type in (pygame.FINGERUP, pygame.MOUSEBUTTONUP):
        return "up"
    return "move"


def _number(event: pygame.event.Event, name: str) -> float:
    value = getattr(event, name, 0.0)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0  # NaN or inf from a confused driver
