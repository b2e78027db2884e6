"""What a visitor or staff member asked for, independent of how (touch, mouse, key)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto


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


@dataclass(frozen=True)
class Intent:
    action: Action
    value: int | None = None

    def __str__(self) -> str:
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
