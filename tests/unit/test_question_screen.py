"""Questions on real pixels: every state of every bundled question, in both languages and
both text sizes, at the checked sizes. Answer buttons are large and apart, no label leaves
its box, nothing is red, and taps land where the buttons are drawn."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck, SlideKind
from kiosk.screen import intents
from kiosk.screen.app import KioskApp
from kiosk.screen.controls import Controls, bar_controls, controls_for
from kiosk.screen.controls_check import QuestionControls
from kiosk.screen.layout import Rect, Screen, TextLine
from kiosk.screen.layout_check import QuestionLayout, layout_question, min_answer_spacing
from kiosk.screen.presentation import Presentation, present
from kiosk.screen.render import FontBook, FrameRenderer, font_dirs
from kiosk.screen.strings import ui_text
from kiosk.screen.view import Mode, Overlay, View
from tests.helpers import FakeClock

DECK_DIR = Path(__file__).resolve().parents[2] / "slides"
SIZES = [
    (1920, 1080),
    (1280, 800),
    (1080, 1920),
    pytest.param((3840, 2160), marks=pytest.mark.slow),
]


@pytest.fixture(scope="module")
def deck() -> Deck:
    return load_deck(DECK_DIR)


@pytest.fixture(scope="module")
def fonts(deck) -> FontBook:
    pygame.display.init()
    pygame.display.set_mode((1, 1))
    return FontBook(font_dirs(deck.root))


def questions(deck: Deck) -> list[int]:
    return [n for n, s in enumerate(deck.slides) if s.kind is SlideKind.CHECK]


def inside(line: TextLine, box: Rect, fonts: FontBook) -> bool:
    width = fonts.width(line.text, line.size, line.bold)
    height = fonts.font(line.size, line.bold).get_ascent()
    return (
        box.x <= line.x
        and line.x + width <= box.right
        and box.y <= line.y
        and (line.y + height <= box.bottom)
    )


def states(layout: QuestionLayout, right: int) -> list[tuple[str, tuple[TextLine, ...]]]:
    return [
        ("asking", layout.state_lines(-1, right, False)),
        ("right", layout.state_lines(right, right, False)),
        ("not quite", layout.state_lines((right + 1) % len(layout.answers), right, False)),
        ("revealed", layout.state_lines(-1, right, True)),
    ]


@pytest.mark.parametrize("larger", [False, True], ids=["normal", "larger"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_question_fits_with_large_buttons_far_apart(deck, fonts, size, larger):
    screen = Screen(*size)
    bar = bar_controls(screen, ui_text("en"), "Español", fonts, False)
    bar_w = max(b.rect.w for b in bar.buttons)
    bar_h = max(b.rect.h for b in bar.buttons)
    shown = screen.larger() if larger else screen
    for index in questions(deck):
        slide = deck.slides[index]
        for language in deck.languages:
            layout = layout_question(slide, language, shown, fonts)
            where = (slide.id, language)
            for button in layout.answers:
                assert button.rect.h >= bar_h and button.rect.w >= bar_w, where
                assert button.rect.inside(layout.area) and button.rect.inside(shown.content), where
                assert button.mark.inside(button.rect), where
                for line in button.lines:
                    assert inside(line, button.rect, fonts), (where, line.text)
                    assert line.size >= shown.min_body, where
                    assert not (button.mark.right > line.x), (where, "words under the mark")
            for upper, lower in zip(layout.answers, layout.answers[1:], strict=False):
                assert lower.rect.y - upper.rect.bottom >= min_answer_spacing(screen), where
            assert not _overlap(layout.area, layout.feedback), where
            assert layout.feedback.inside(shown.content), where
            for name, lines in states(layout, slide.right_answer):
                assert lines, (where, name)
                for line in lines:
                    assert inside(line, layout.feedback.inset(1), fonts), (where, name, line.text)
                    assert line.size >= shown.min_body, (where, name)
            for line in (*layout.kicker, *layout.question):
                assert inside(line, shown.content, fonts), (where, line.text)
                assert line.y + line.size <= layout.area.y, (where, "question over the answers")


def _overlap(a: Rect, b: Rect) -> bool:
    return a.x < b.right and b.x < a.right and a.y < b.bottom and b.y < a.bottom


def test_the_first_question_says_answers_are_anonymous_before_any_answer(deck, fonts):
    first = questions(deck)[0]
    for language, words in (("en", "anonymous"), ("es", "anónimas")):
        layout = layout_question(deck.slides[first], language, Screen(1920, 1080), fonts)
        assert words in " ".join(line.text for line in layout.prompt)
        later = layout_question(
            deck.slides[questions(deck)[1]], language, Screen(1920, 1080), fonts
        )
        assert words not in " ".join(line.text for line in later.prompt)


# -- pixels --------------------------------------------------------------------------------


def frame(
    deck: Deck, fonts: FontBook, size: tuple[int, int], view: View, larger: bool = False
) -> tuple[pygame.Surface, Controls]:
    key = (size, larger)
    if key not in PRESENTATIONS:
        made = (
            present(deck, size, fonts, larger_text=True)
            if larger
            else Presentation.plain(deck, size)
        )
        PRESENTATIONS[key] = (made, FrameRenderer(made, size, fonts))
    presentation, renderer = PRESENTATIONS[key]
    view = replace(view, index=presentation.first_page(view.index))  # larger text re-flows
    controls = controls_for(view, presentation, (0, 0), fonts)
    target = pygame.Surface(size)
    renderer.draw(target, view, controls=controls)
    return target, controls


def reddish(surface: pygame.Surface) -> int:
    """Pixels that read as red (a verdict on the visitor): none anywhere."""
    mask = pygame.mask.from_threshold(surface, (213, 55, 55), (43, 56, 56, 255))
    return int(mask.count())


def reddish_beside_the_emergency_line(surface: pygame.Surface) -> int:
    """`reddish` everywhere but the standing "Emergency? Call 911" pill, which is red on
    purpose and is no verdict (kiosk.screen.controls.standing_line)."""
    mask = pygame.mask.from_threshold(surface, (213, 55, 55), (43, 56, 56, 255))
    screen = Screen(*surface.get_size())
    pill = screen.standing.inset(-screen.drift)
    mask.erase(pygame.mask.Mask((pill.w, pill.h), fill=True), (pill.x, pill.y))
    return int(mask.count())


def has_colour(surface: pygame.Surface, box: Rect, colour: tuple[int, int, int]) -> bool:
    data = _pixels(surface, box)
    wanted = bytes(colour)
    at = data.find(wanted)
    while at >= 0:
        if at % 3 == 0:
            return True
        at = data.find(wanted, at + 1)
    return False


def only_colour(surface: pygame.Surface, box: Rect, colour: tuple[int, int, int]) -> bool:
    return _pixels(surface, box) == bytes(colour) * (box.w * box.h)


PRESENTATIONS: dict[tuple[tuple[int, int], bool], tuple[Presentation, FrameRenderer]] = {}


STATES = {
    "asking": {"mode": Mode.BROWSING},
    "right": {"mode": Mode.BROWSING, "answered": "right"},
    "not quite": {"mode": Mode.BROWSING, "answered": "wrong"},
    "attract": {"mode": Mode.ATTRACT},
    "revealed": {"mode": Mode.ATTRACT, "revealed": True},
    "woken on a reveal": {"mode": Mode.BROWSING, "revealed": True},
}


def state_view(deck: Deck, index: int, language: str, state: str) -> View:
    spec = dict(STATES[state])
    right = deck.slides[index].right_answer
    answered = {"right": right, "wrong": (right + 1) % len(deck.slides[index].answers)}
    return View(
        index=index,
        language=language,
        mode=spec["mode"],
        answered=answered.get(str(spec.get("answered")), -1),
        revealed=bool(spec.get("revealed")),
    )


@pytest.mark.parametrize("larger", [False, True], ids=["normal", "larger"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_state_draws_in_its_boxes_and_nothing_is_red(deck, fonts, size, larger):
    index = questions(deck)[0]
    for language in deck.languages:
        pictures = {}
        for state in STATES:
            view = replace(state_view(deck, index, language, state), larger_text=larger)
            target, controls = frame(deck, fonts, size, view, larger)
            question = controls.question
            assert isinstance(question, QuestionControls)
            layout = question.layout
            assert reddish_beside_the_emergency_line(target) == 0, (state, language)
            pictures[state] = (target, layout)
            # Nothing spills between the content and the bar: the gap stays background.
            screen = Screen(*size)
            gap = screen.bar.y - screen.content.bottom
            strip = Rect(screen.safe.x, screen.content.bottom + 2, screen.safe.w, gap - 4)
            assert only_colour(target, strip, deck.theme.background), state
        base, layout = pictures["asking"]
        right = layout.answers[deck.slides[index].right_answer].rect
        accent = deck.theme.accent
        assert not has_colour(base, right, accent), "the right answer is not given away"
        for state in ("right", "not quite", "revealed", "woken on a reveal"):
            picture, _ = pictures[state]
            assert has_colour(picture, right, accent), (state, "the right answer is not lit")
            # The feedback box says something else than the prompt.
            assert _pixels(picture, layout.feedback) != _pixels(base, layout.feedback), state
        # The attract loop asks first: the same picture as browsing, bar aside.
        attract, _ = pictures["attract"]
        assert _pixels(attract, layout.area) == _pixels(base, layout.area)
        assert _pixels(attract, layout.feedback) == _pixels(base, layout.feedback)
        wrong, _ = pictures["not quite"]
        right_pic, _ = pictures["right"]
        assert _pixels(wrong, layout.feedback) != _pixels(right_pic, layout.feedback)


def _pixels(surface: pygame.Surface, box: Rect) -> bytes:
    return pygame.image.tobytes(surface.subsurface(pygame.Rect(box.x, box.y, box.w, box.h)), "RGB")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_helpful_prompt_fits_with_three_faces(deck, fonts, size):
    for language in deck.languages:
        for topic, section in enumerate(deck.sections):
            view = View(
                index=section.first_slide,
                language=language,
                mode=Mode.BROWSING,
                overlay=Overlay.HELPFUL,
                helpful_topic=topic,
            )
            controls = controls_for(view, Presentation.plain(deck, size), (0, 0), fonts)
            assert controls.panel is not None and controls.panel.inside(Screen(*size).safe)
            faces = controls.buttons[:3]
            assert [b.intent for b in faces] == [intents.rate(n) for n in range(3)]
            screen = Screen(*size)
            for button in controls.buttons:
                assert button.rect.inside(controls.panel)
                assert button.rect.h >= screen.button_size
                for line in button.lines:
                    assert fonts.width(line, controls.label_size, True) <= button.rect.w
            title_w = fonts.width(controls.title_text, controls.title_size, True)
            assert controls.panel_title is not None and title_w <= controls.panel_title.w, (
                language,
                controls.title_text,
            )
            for a, b in itertools.pairwise(faces):
                assert b.rect.x - a.rect.right >= min_answer_spacing(screen)
    view = replace(view, helpful_topic=0)
    target, _ = frame(deck, fonts, (1920, 1080), view)
    assert reddish_beside_the_emergency_line(target) == 0


# -- touching ------------------------------------------------------------------------------


def test_taps_answer_on_the_buttons_and_do_nothing_between_them(deck, fonts):
    index = questions(deck)[0]
    view = state_view(deck, index, "en", "asking")
    controls = controls_for(view, Presentation.plain(deck, (1920, 1080)), (0, 0), fonts)
    assert controls.question is not None
    answers = controls.question.layout.answers
    for n, button in enumerate(answers):
        assert controls.hit(*button.rect.center) == intents.answer(n)
    for upper, lower in itertools.pairwise(answers):
        middle = (upper.rect.center[0], (upper.rect.bottom + lower.rect.y) // 2)
        assert controls.hit(*middle) == intents.WAKE  # never the neighbour, never a page turn
    # Answered: the answers stay where they are and only wake.
    answered = controls_for(
        state_view(deck, index, "en", "right"),
        Presentation.plain(deck, (1920, 1080)),
        (0, 0),
        fonts,
    )
    assert all(answered.hit(*b.rect.center) == intents.WAKE for b in answers)
    # The burn-in drift moves the bar, never the answers drawn on the slide.
    moved = controls_for(view, Presentation.plain(deck, (1920, 1080)), (4, 4), fonts)
    assert moved.question == controls.question


W, H = 1280, 800


def finger(kind: int, x: float, y: float, ident: int = 1) -> list[pygame.event.Event]:
    mouse = pygame.MOUSEBUTTONDOWN if kind == pygame.FINGERDOWN else pygame.MOUSEBUTTONUP
    return [
        pygame.event.Event(kind, x=x / W, y=y / H, dx=0.0, dy=0.0, finger_id=ident, touch_id=1),
        pygame.event.Event(mouse, pos=(int(x), int(y)), button=1, touch=True),  # SDL's echo
    ]


def test_a_storm_of_taps_on_a_question_answers_once(deck, fonts, tmp_path):
    """Double taps, a tremor over two answers, a second finger and SDL's mouse echoes: one
    answer, counted once (by the statistics, which take the navigator's events)."""
    from kiosk.ops.stats.recorder import StatsRecorder

    pygame.display.init()
    display = pygame.display.set_mode((W, H))
    clock = FakeClock()
    batches: list[list[pygame.event.Event]] = []
    recorder = StatsRecorder(tmp_path / "stats.sqlite3", clock=clock)
    app = KioskApp(
        deck,
        display,
        stats=recorder,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=lambda: batches.pop(0) if batches else [],
        flip=lambda: None,
    )
    index = questions(deck)[0]
    app.navigator.handle(intents.WAKE)
    app.navigator.handle(intents.goto(index))
    app.run(max_steps=40)
    answers = app.controls().question.layout.answers  # type: ignore[union-attr]
    a, b = answers[0].rect.center, answers[1].rect.center
    for x, y in (a, a, b, a, b, b):
        batches.append(finger(pygame.FINGERDOWN, x, y))
        batches.append(finger(pygame.FINGERUP, x, y))
    batches.append(finger(pygame.FINGERDOWN, *a))
    batches.append(finger(pygame.FINGERDOWN, *b, ident=2))  # a second finger
    batches.append(finger(pygame.FINGERUP, *b, ident=2))
    batches.append(finger(pygame.FINGERUP, *a))
    app.run(max_steps=60)
    recorder.close()
    right = deck.slides[index].right_answer
    assert recorder.answer_totals() == [
        {
            "question": deck.slides[index].id,
            "language": "en",
            "answered": 1,
            "right_first": int(right == 0),
        }
    ]
    assert app.navigator.view().answered == 0 and app.navigator.index == index
    pygame.display.quit()


def test_the_red_check_sees_red():
    surface = pygame.Surface((40, 40))
    surface.fill((10, 26, 46))
    assert reddish(surface) == 0
    surface.fill((220, 40, 40), pygame.Rect(0, 0, 10, 10))
    assert reddish(surface) == 100
