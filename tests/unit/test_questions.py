"""The question state (kiosk.screen.questions) inside the navigator, on a fake clock: answering
once, the attract reveal, language and text size mid-question, the idle reset, and
"Was this helpful?"."""

from __future__ import annotations

import pytest

from kiosk.screen import intents
from kiosk.screen.navigator import Navigator
from kiosk.screen.presentation import Presentation
from kiosk.screen.questions import (
    HELPFUL_BEFORE_IDLE,
    HELPFUL_SECONDS,
    REVEAL_SECONDS,
    Answered,
    Rated,
    Rating,
)
from kiosk.screen.view import Mode, Overlay
from tests.helpers import FakeClock, question_deck

T = 0.4  # transition seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def on_question(clock: FakeClock, page: int = 1, **settings: object) -> Navigator:
    """Browsing, with the question on page `page` fully on screen."""
    nav = Navigator(question_deck(**settings), clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.goto(page))
    clock.advance(T)
    nav.update()
    assert nav.view().index == page
    return nav


def test_a_right_answer_is_shown_and_counted_once(clock):
    nav = on_question(clock)
    before = nav.version
    nav.handle(intents.answer(1))
    view = nav.view()
    assert view.answered == 1 and not view.revealed and nav.version > before
    assert nav.questions.take_events() == [Answered("check-a", "en", True)]


def test_one_touch_answers_once(clock):
    nav = on_question(clock)
    nav.handle(intents.answer(0))  # not quite
    version = nav.version
    for choice in (1, 0, 2, 1):  # a tremor, a second thought, a double tap
        nav.handle(intents.answer(choice))
    assert nav.view().answered == 0 and nav.version == version
    assert nav.questions.take_events() == [Answered("check-a", "en", False)]


def test_an_answer_that_does_not_exist_or_a_slide_that_is_no_question_does_nothing(clock):
    nav = on_question(clock)
    nav.handle(intents.answer(7))
    assert nav.view().answered == -1
    nav.handle(intents.goto(0))
    nav.handle(intents.answer(0))
    assert nav.questions.take_events() == []


def test_the_answer_stays_for_the_visit_and_is_not_counted_again(clock):
    nav = on_question(clock)
    nav.handle(intents.answer(1))
    nav.handle(intents.NEXT)
    nav.handle(intents.CLOSE)  # "Was this helpful?" for topic 0: skipped
    nav.handle(intents.PREV)
    assert nav.view().index == 1 and nav.view().answered == 1
    nav.handle(intents.answer(2))
    assert nav.questions.take_events() == [Answered("check-a", "en", True)]


def test_switching_language_mid_question_keeps_the_answer(clock):
    nav = on_question(clock)
    nav.handle(intents.answer(1))
    nav.handle(intents.LANGUAGE)
    view = nav.view()
    assert view.language == "es" and view.answered == 1


def test_an_answer_after_switching_language_counts_in_that_language(clock):
    nav = on_question(clock, page=3)
    nav.handle(intents.LANGUAGE)
    nav.handle(intents.answer(0))
    assert nav.questions.take_events() == [Answered("check-b", "es", True)]


def test_larger_text_on_a_question_keeps_the_answer(clock):
    nav = on_question(clock)
    nav.handle(intents.answer(2))
    nav.handle(intents.LARGER_TEXT)
    deck = nav.deck
    nav.use(Presentation(deck, deck, (1920, 1080), True, tuple(range(len(deck.slides)))))
    view = nav.view()
    assert view.larger_text and view.index == 1 and view.answered == 2
    nav.handle(intents.answer(1))
    assert nav.questions.take_events() == [Answered("check-a", "en", False)]


def test_the_idle_timeout_forgets_every_answer(clock):
    nav = on_question(clock, idle_timeout=60.0)
    nav.handle(intents.answer(1))
    clock.advance(60.0)
    nav.update()
    assert nav.mode is Mode.ATTRACT and nav.index == 0 and nav.overlay is Overlay.NONE
    nav.handle(intents.WAKE)
    nav.handle(intents.goto(1))
    assert nav.view().answered == -1
    nav.handle(intents.answer(0))
    events = nav.questions.take_events()
    assert events[-1] == Answered("check-a", "en", False)


# -- the attract loop ----------------------------------------------------------------------


def attract_on_question(clock: FakeClock) -> Navigator:
    """The attract loop with the first question just fully on screen (slide 0 lasts 10 s)."""
    nav = Navigator(question_deck(), clock)
    clock.advance(10.0)
    nav.update()
    clock.advance(T)
    nav.update()
    assert nav.index == 1 and nav.animation is None and nav.mode is Mode.ATTRACT
    return nav


def test_attract_shows_the_question_first_then_reveals_the_answer(clock):
    nav = attract_on_question(clock)
    assert not nav.view().revealed
    # The loop wakes exactly when the answer is due: the slide lasts 10 s, so after 5.
    assert nav.next_deadline() == pytest.approx(clock.now + REVEAL_SECONDS)
    clock.advance(REVEAL_SECONDS - 0.01)
    nav.update()
    assert not nav.view().revealed
    version = nav.version
    clock.advance(0.01)
    nav.update()
    assert nav.view().revealed and nav.version == version + 1
    assert nav.next_deadline() == pytest.approx(clock.now + 10.0 - REVEAL_SECONDS)
    assert nav.questions.take_events() == []  # nobody answered


def test_the_next_round_asks_the_question_again(clock):
    nav = attract_on_question(clock)
    clock.advance(REVEAL_SECONDS)
    nav.update()
    assert nav.view().revealed
    for _ in range(6 * 3):  # a whole round of the loop, in steps
        clock.advance(10.0 + T)
        nav.update()
        if nav.index == 1 and nav.animation is None:
            break
    assert nav.index == 1 and not nav.view().revealed


def test_taps_during_the_reveal_only_wake_the_kiosk(clock):
    nav = attract_on_question(clock)
    clock.advance(REVEAL_SECONDS)
    nav.update()
    nav.handle(intents.answer(0))  # the first touch wakes: it answers nothing
    assert nav.mode is Mode.BROWSING and nav.index == 1
    version = nav.version
    nav.handle(intents.answer(0))  # the answer is on screen: nothing to answer twice
    nav.handle(intents.answer(1))
    view = nav.view()
    assert view.revealed and view.answered == -1 and nav.version == version
    assert nav.questions.take_events() == []


def test_woken_before_the_reveal_the_visitor_can_answer(clock):
    nav = attract_on_question(clock)
    clock.advance(1.0)
    nav.handle(intents.WAKE)
    clock.advance(REVEAL_SECONDS * 2)
    nav.update()
    assert not nav.view().revealed  # browsing: the visitor answers, nothing is given away
    nav.handle(intents.answer(1))
    assert nav.questions.take_events() == [Answered("check-a", "en", True)]


# -- was this helpful? ---------------------------------------------------------------------


def test_moving_on_from_a_topic_with_questions_asks_once(clock):
    nav = on_question(clock)
    nav.handle(intents.NEXT)
    view = nav.view()
    # The visitor's Next is done; the prompt is over the next topic's first slide.
    assert view.index == 2 and view.overlay is Overlay.HELPFUL and view.helpful_topic == 0
    nav.handle(intents.rate(Rating.SOMEWHAT.value))
    assert nav.view().overlay is Overlay.NONE
    assert nav.questions.take_events() == [Rated("Topic 0", "en", Rating.SOMEWHAT)]
    nav.handle(intents.goto(1))
    nav.handle(intents.NEXT)
    assert nav.view().overlay is Overlay.NONE  # rated already in this visit


def test_skipping_costs_one_tap_anywhere_or_nothing(clock):
    nav = on_question(clock)
    nav.handle(intents.NEXT)
    nav.handle(intents.CLOSE)  # a tap beside the prompt
    assert nav.overlay is Overlay.NONE and nav.index == 2
    nav.handle(intents.goto(1))
    nav.handle(intents.NEXT)
    assert nav.overlay is Overlay.NONE  # asked once per topic, even if skipped
    nav.handle(intents.NEXT)
    nav.handle(intents.NEXT)  # on from the last page of topic 1
    assert nav.overlay is Overlay.HELPFUL and nav.view().helpful_topic == 1
    clock.advance(HELPFUL_SECONDS)
    nav.update()
    assert nav.overlay is Overlay.NONE  # and it closes by itself
    assert nav.questions.take_events() == []


def test_a_key_press_on_the_prompt_still_does_its_job(clock):
    nav = on_question(clock)
    nav.handle(intents.NEXT)
    nav.handle(intents.NEXT)
    assert nav.overlay is Overlay.NONE and nav.index == 3


def test_topics_without_questions_are_not_asked_about(clock):
    nav = on_question(clock, page=5)
    nav.handle(intents.NEXT)
    assert nav.overlay is Overlay.NONE


def test_a_visitor_who_may_be_leaving_is_asked_before_the_idle_timeout(clock):
    nav = on_question(clock, page=2, idle_timeout=90.0)
    touched = clock.now - T  # the last tap, before the page change was animated
    assert nav.next_deadline() == pytest.approx(touched + 90.0 - HELPFUL_BEFORE_IDLE)
    clock.advance(90.0 - HELPFUL_BEFORE_IDLE - T)
    nav.update()
    assert nav.overlay is Overlay.HELPFUL and nav.view().helpful_topic == 1
    clock.advance(HELPFUL_SECONDS)
    nav.update()
    assert nav.overlay is Overlay.NONE and nav.mode is Mode.BROWSING
    clock.advance(HELPFUL_BEFORE_IDLE - HELPFUL_SECONDS - 0.01)
    nav.update()
    assert nav.mode is Mode.BROWSING
    clock.advance(0.01)
    nav.update()
    assert nav.mode is Mode.ATTRACT  # the idle timeout is not pushed back by the prompt


def test_the_prompt_before_leaving_comes_once_and_not_after_a_rating(clock):
    nav = on_question(clock, idle_timeout=90.0)
    nav.handle(intents.NEXT)
    nav.handle(intents.rate(Rating.HELPFUL.value))
    clock.advance(90.0 - HELPFUL_BEFORE_IDLE)
    nav.update()
    assert nav.overlay is Overlay.NONE
    assert nav.next_deadline() == pytest.approx(clock.now + HELPFUL_BEFORE_IDLE)
