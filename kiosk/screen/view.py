"""What is on screen, as plain data: the mode, the overlay, an animation in progress.

The navigator produces a `View` per frame; layout turns it into controls and the renderer
into pixels. No pygame here.

Names used everywhere: `larger_text` is the "A+" layout (on or off); `animation` is a change of
page or language being animated now. (A deck's `transition` is only its *style*.)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# An animation whose `from_index` is this starts from whatever the screen shows (a new deck,
# the other text size, a new screen size): the old page belongs to another presentation.
FROM_SCREEN = -1


class Mode(Enum):
    ATTRACT = "attract"
    BROWSING = "browsing"


class Overlay(Enum):
    NONE = "none"
    MENU = "menu"
    KEYPAD = "keypad"
    HELPFUL = "helpful"  # "Was this helpful?" (kiosk.screen.questions)
    STAFF = "staff"  # the staff menu, after the corner hold and the PIN
    STAFF_FACTS = "staff_facts"  # this screen's facts, for staff
    TOUCH_TEST = "touch_test"  # where each touch lands, to check calibration


@dataclass(frozen=True, kw_only=True)
class Animation:
    """A change of page (or of language) under way, drawn in the deck's transition style.
    `direction` is +1 forward, -1 back."""

    from_index: int
    from_language: str
    to_index: int
    to_language: str
    started_at: float
    seconds: float
    direction: int = +1

    def progress(self, now: float) -> float:
        """Linear progress 0..1; the renderer applies the easing."""
        if self.seconds <= 0:
            return 1.0
        return min(1.0, max(0.0, (now - self.started_at) / self.seconds))

    @property
    def ends_at(self) -> float:
        return self.started_at + self.seconds


@dataclass(frozen=True, kw_only=True)
class View:
    """Everything layout and the renderer need to draw one frame. `index` is a page of the
    presentation on screen (a slide, or one page of a slide in larger text)."""

    index: int = 0
    language: str = "en"
    mode: Mode = Mode.BROWSING
    overlay: Overlay = Overlay.NONE
    animation: Animation | None = None
    progress: float = 1.0  # of the animation, 0..1 (1 when none)
    pin_digits: int = 0
    pin_rejected: bool = False
    pin_checking: bool = False  # the PIN is being checked beside the loop
    resting: bool = False  # outside clinic hours, nobody here: dim or dark, no cycling
    larger_text: bool = False  # the "A+" layout is on
    menu_page: int = 0  # which page of topics the menu shows
    answered: int = -1  # on a question: the answer tapped in this visit, -1 none
    revealed: bool = False  # on a question: the attract loop revealed the answer
    helpful_topic: int = -1  # the topic "Was this helpful?" asks about (Overlay.HELPFUL)
    facts: tuple[str, ...] = ()  # Overlay.STAFF_FACTS: one line per fact
    touches: tuple[tuple[int, int], ...] = ()  # Overlay.TOUCH_TEST: the latest taps, oldest first
    notice: str = ""  # a short line in the top corner (set by the app: "Esc quits")
    narrated: bool = False  # this page has narration in this language: the bar offers Listen
    reading: bool = False  # its narration is being read aloud now (Listen is lit)
    # While reading, the sentence of the slide's script (kiosk.deck.script) being read, when
    # the file came with timings; -1 otherwise (nothing is marked).
    reading_sentence: int = -1
