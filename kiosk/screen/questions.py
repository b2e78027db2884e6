"""What a visitor did with the questions (`check` slides) and the "Was this helpful?" prompt:
plain state the navigator owns, driven by its clock. No pygame, no drawing, no geometry.

- Browsing: one tap answers a question once. The answer stays for the rest of the visit (a
  visitor who comes back sees what they chose) and is counted once: the first tap is the one
  the clinic learns about. Nothing else is kept, and all of it goes when the visitor leaves.
- Attract loop: the question shows first; after `reveal_after` the answer is revealed ("Did
  you know?"). A visitor who wakes the kiosk during the reveal sees the answer, and cannot
  answer what was just shown to them.
- "Was this helpful?": offered once per topic that has questions, when the visitor moves on
  from its last page, and once per visit before the idle timeout if nothing was rated yet.
  Skipping costs nothing: any tap outside closes it, and it closes by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from kiosk.deck.model import Deck, SlideKind, base_id

# The attract loop shows the question alone for this long (at most half the slide's time).
REVEAL_SECONDS = 5.0
# The helpful prompt closes by itself after this long, recording nothing.
HELPFUL_SECONDS = 15.0
# Seconds before the idle timeout when the prompt is offered to a visitor who may be leaving.
HELPFUL_BEFORE_IDLE = 20.0


class Rating(Enum):
    """The three faces of "Was this helpful?"; the value is the button's position."""

    HELPFUL = 0
    SOMEWHAT = 1
    NOT_HELPFUL = 2


@dataclass(frozen=True)
class Answered:
    """A visitor's first answer to a question: what the statistics count."""

    question: str  # the slide id
    language: str
    right: bool


@dataclass(frozen=True)
class Rated:
    """A visitor's rating of a topic."""

    topic: str  # the topic's title in the deck's default language
    language: str
    rating: Rating


Event = Answered | Rated


def reveal_after(slide_seconds: float) -> float:
    """When the attract loop reveals a question's answer, after it is fully on screen."""
    return min(REVEAL_SECONDS, slide_seconds / 2)


def topic_of(deck: Deck, index: int) -> int:
    """The topic (index into `deck.sections`) page `index` belongs to."""
    firsts = [section.first_slide for section in deck.sections]
    return max((n for n, first in enumerate(firsts) if first <= index), default=0)


def topics_with_questions(deck: Deck) -> frozenset[int]:
    return frozenset(
        topic_of(deck, n) for n, slide in enumerate(deck.slides) if slide.kind is SlideKind.CHECK
    )


def last_page_of_topic(deck: Deck, index: int) -> bool:
    following = index + 1
    return following >= len(deck.slides) or topic_of(deck, following) != topic_of(deck, index)


class Questions:
    """The question and helpful-prompt state of one visit (the navigator's, by slide id)."""

    def __init__(self) -> None:
        self._answers: dict[str, int] = {}  # slide id -> answer tapped, this visit only
        self._revealed = ""  # the slide id whose answer the attract loop revealed
        self._rated: set[str] = set()  # topics rated this visit
        self._offered: set[str] = set()  # topics whose prompt was shown this visit
        self._leaving_offered = False
        self._events: list[Event] = []
        self.helpful_topic = -1  # the topic the prompt asks about, -1 when closed
        self.helpful_since = 0.0
        self._topics: tuple[Deck, frozenset[int]] | None = None  # asked on every loop pass

    # -- questions -------------------------------------------------------------------------

    def answered(self, slide_id: str) -> int:
        """The answer tapped on this question during this visit, or -1."""
        return self._answers.get(base_id(slide_id), -1)

    def revealed(self, slide_id: str) -> bool:
        return self._revealed == base_id(slide_id) != ""

    def answer(self, deck: Deck, index: int, choice: int, language: str) -> bool:
        """A tap on answer `choice` of page `index`. True when it changed anything: a
        question answers once, a revealed one not at all."""
        slide = deck.slides[index]
        key = base_id(slide.id)
        if (
            slide.kind is not SlideKind.CHECK
            or not 0 <= choice < len(slide.answers)
            or key in self._answers
            or self.revealed(key)
        ):
            return False
        self._answers[key] = choice
        self._events.append(Answered(key, language, choice == slide.right_answer))
        return True

    def reveal(self, slide_id: str) -> None:
        self._revealed = base_id(slide_id)

    def left(self, slide_id: str) -> None:
        """The screen moved to `slide_id`: a reveal belongs to the slide it was made on."""
        if self._revealed != base_id(slide_id):
            self._revealed = ""

    # -- was this helpful? ---------------------------------------------------------------

    def offer_at_topic_end(self, deck: Deck, index: int, now: float) -> bool:
        """The visitor moves on from page `index`: ask about its topic if it ends there,
        has questions, and was neither rated nor asked about in this visit."""
        if not last_page_of_topic(deck, index):
            return False
        return self._offer(deck, topic_of(deck, index), now)

    def offer_before_leaving(self, deck: Deck, index: int, now: float) -> bool:
        """Nobody touched the screen for a while: ask once per visit, if nothing was rated."""
        if not self.may_offer_before_leaving(deck):
            return False
        self._leaving_offered = True
        return self._offer(deck, topic_of(deck, index), now)

    def may_offer_before_leaving(self, deck: Deck) -> bool:
        return not (self._leaving_offered or self._rated) and bool(self._asking(deck))

    def _asking(self, deck: Deck) -> frozenset[int]:
        """The topics with questions, remembered for the deck on screen."""
        if self._topics is None or self._topics[0] is not deck:
            self._topics = (deck, topics_with_questions(deck))
        return self._topics[1]

    def _offer(self, deck: Deck, topic: int, now: float) -> bool:
        name = _topic_key(deck, topic)
        if topic not in self._asking(deck) or name in self._rated | self._offered:
            return False
        self._offered.add(name)
        self.helpful_topic = topic
        self.helpful_since = now
        return True

    def rate(self, deck: Deck, choice: int, language: str) -> bool:
        """A tap on a face: recorded once, and the prompt closes."""
        topic = self.helpful_topic
        if topic < 0 or choice not in {r.value for r in Rating}:
            return False
        name = _topic_key(deck, topic)
        self._rated.add(name)
        self._events.append(Rated(name, language, Rating(choice)))
        self.helpful_topic = -1
        return True

    def close_prompt(self) -> bool:
        if self.helpful_topic < 0:
            return False
        self.helpful_topic = -1
        return True

    # -- the visit -------------------------------------------------------------------------

    def end_visit(self) -> None:
        """The visitor left (idle timeout): forget everything about them."""
        self._answers.clear()
        self._rated.clear()
        self._offered.clear()
        self._leaving_offered = False
        self._revealed = ""
        self.helpful_topic = -1

    def take_events(self) -> Sequence[Event]:
        """What happened since the last call, for the statistics (counts, no sequence)."""
        events, self._events = self._events, []
        return events


def _topic_key(deck: Deck, topic: int) -> str:
    return deck.sections[topic].title.get(deck.default_language)
