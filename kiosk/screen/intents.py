"""What a visitor or staff member asked for, independent of how (touch, mouse, key)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum, auto


class Action(Enum):
    NEXT = auto()
    PREV = auto()
    HOME = auto()
    MENU = auto()  # open or close the topic menu
    CLOSE = auto()  # close whatever overlay is open
    GOTO = auto()  # jump to page `value` (from the topic menu)
    MENU_PAGE = auto()  # show page `value` of the topic menu
    LANGUAGE = auto()  # switch to the next language of the deck
    LARGER_TEXT = auto()  # switch larger text ("A+") on or off
    WAKE = auto()  # a touch that asks for nothing in particular: still counts as activity
    STAFF_GESTURE = auto()  # the hidden staff-exit gesture was completed
    KEYPAD_DIGIT = auto()  # PIN keypad digit `value`
    KEYPAD_DELETE = auto()
    KEYPAD_ENTER = auto()
    QUIT = auto()  # only produced in windowed (development) mode
    ANSWER = auto()  # answer `value` of the question on screen
    RATE = auto()  # face `value` of "Was this helpful?" (kiosk.screen.questions.Rating)
    STAFF = auto()  # choice `value` of the staff menu (StaffChoice)
    TOUCH_POINT = auto()  # a tap at `point` during the staff touch test
    LISTEN = auto()  # read this slide aloud (and the rest of its topic); again: stop


class StaffChoice(IntEnum):
    """The staff menu, opened by the corner hold and the PIN. Cancel is plain CLOSE."""

    EXIT_TO_DESKTOP = 1
    RESTART = 2
    FACTS = 3
    TOUCH_TEST = 4
    BACK = 5  # from the facts or the touch test to the menu


@dataclass(frozen=True)
class Intent:
    action: Action
    value: int | None = None
    point: tuple[int, int] | None = None  # TOUCH_POINT: where on the screen

    def __str__(self) -> str:
        if self.point is not None:
            return f"{self.action.name}{self.point}"
        return self.action.name if self.value is None else f"{self.action.name}({self.value})"


NEXT = Intent(Action.NEXT)
PREV = Intent(Action.PREV)
HOME = Intent(Action.HOME)
MENU = Intent(Action.MENU)
CLOSE = Intent(Action.CLOSE)
LANGUAGE = Intent(Action.LANGUAGE)
LARGER_TEXT = Intent(Action.LARGER_TEXT)
WAKE = Intent(Action.WAKE)
STAFF_GESTURE = Intent(Action.STAFF_GESTURE)
KEYPAD_DELETE = Intent(Action.KEYPAD_DELETE)
KEYPAD_ENTER = Intent(Action.KEYPAD_ENTER)
QUIT = Intent(Action.QUIT)
LISTEN = Intent(Action.LISTEN)


def goto(index: int) -> Intent:
    return Intent(Action.GOTO, index)


def menu_page(page: int) -> Intent:
    return Intent(Action.MENU_PAGE, page)


def keypad_digit(digit: int) -> Intent:
    return Intent(Action.KEYPAD_DIGIT, digit)


def answer(choice: int) -> Intent:
    return Intent(Action.ANSWER, choice)


def rate(choice: int) -> Intent:
    return Intent(Action.RATE, choice)


def staff(choice: StaffChoice) -> Intent:
    return Intent(Action.STAFF, int(choice))


def touch_point(x: int, y: int) -> Intent:
    return Intent(Action.TOUCH_POINT, point=(x, y))
