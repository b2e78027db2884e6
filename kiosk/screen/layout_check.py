"""Pure geometry of a question (`check` slide): the question, its answer buttons and the box
where the feedback goes, for every state, checked to fit before anything is drawn.

The slide's own picture (drawn once, like any slide) shows the question with its answers and
the prompt in the feedback box; after an answer or the attract loop's reveal,
`kiosk.screen.render.questions` draws that state's answers and feedback over it, from the
same `QuestionLayout`. Input hit-tests the same answer rectangles (`Controls.question`).

Answer buttons are at least as tall as the control bar's buttons and as wide as its widest,
one under the other with a gap of a third of a button between them, so a shaking hand that
lands a little off hits nothing rather than the neighbour: taps in the gaps do nothing
(never a page turn). Every text is at least the body-text floor, in both text sizes.

`plan_slide` is how callers lay out any slide: questions here, every other kind in `layout`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kiosk.deck.model import Slide, SlideKind
from kiosk.screen.layout import (
    LINE_SPACING,
    MAX_TITLE_FRACTION,
    MIN_TITLE_FRACTION,
    LayoutError,
    Rect,
    Role,
    Screen,
    Shape,
    ShapeKind,
    SlidePlan,
    TextLine,
    TextMeasurer,
    does_not_fit,
    fits_width,
    font_sizes,
    layout_slide,
    wrap,
)
from kiosk.screen.strings import QuestionText, question_text

# The gap between answers, as a share of the bar's button height.
ANSWER_SPACING = 0.35
MAX_ANSWER_LINES = 2
MAX_QUESTION_LINES = 3  # across the screen; one more in a column beside the feedback


@dataclass(frozen=True)
class AnswerButton:
    rect: Rect
    lines: tuple[TextLine, ...]  # left-aligned after the mark's slot
    mark: Rect  # where the right answer's check mark goes (and the chosen answer's dot)


@dataclass(frozen=True)
class QuestionLayout:
    """Where everything of one question goes, in one language, on one screen."""

    kicker: tuple[TextLine, ...]
    question: tuple[TextLine, ...]
    answers: tuple[AnswerButton, ...]
    area: Rect  # the answers and the gaps between them: a tap here never turns the page
    feedback: Rect  # the box beside (landscape) or under (portrait) the answers
    prompt: tuple[TextLine, ...]  # in the box before an answer (and the privacy line)
    right: tuple[TextLine, ...]  # in the box after the right answer
    not_quite: tuple[TextLine, ...]  # after another answer
    revealed: tuple[TextLine, ...]  # the attract loop's "Did you know?"
    title_size: int
    body_size: int

    def state_lines(self, answered: int, right_answer: int, revealed: bool) -> tuple[TextLine, ...]:
        """What the feedback box says in a state."""
        if revealed:
            return self.revealed
        if answered < 0:
            return self.prompt
        return self.right if answered == right_answer else self.not_quite

    @property
    def every_line(self) -> tuple[TextLine, ...]:
        lines = [*self.kicker, *self.question, *self.prompt]
        lines += [line for answer in self.answers for line in answer.lines]
        return (*lines, *self.right, *self.not_quite, *self.revealed)


class _Remembered:
    """A measurer that remembers widths: one question wraps the same texts at the same
    sizes many times over (its states, arrangements and candidate sizes)."""

    def __init__(self, measure: TextMeasurer) -> None:
        self._measure = measure
        self._widths: dict[tuple[str, int, bool], int] = {}

    def width(self, text: str, size: int, bold: bool = False) -> int:
        key = (text, size, bold)
        found = self._widths.get(key)
        if found is None:
            found = self._widths[key] = self._measure.width(text, size, bold)
        return found

    def line_height(self, size: int, bold: bool = False) -> int:
        return self._measure.line_height(size, bold)


def _step(size: int, measure: TextMeasurer, bold: bool = False) -> int:
    return max(measure.line_height(size, bold), round(size * LINE_SPACING))


def _lines(
    text: str, box: Rect, y: int, size: int, measure: TextMeasurer, bold: bool, role: Role
) -> tuple[list[TextLine], int] | None:
    """`text` wrapped into `box`'s width from `y`; None when a word is wider than the box."""
    wrapped = wrap(text, box.w, size, measure, bold)
    if not fits_width(wrapped, box.w, size, measure, bold):
        return None
    step = _step(size, measure, bold)
    placed = [
        TextLine(line, box.x, y + n * step, size, bold, role) for n, line in enumerate(wrapped)
    ]
    return placed, y + step * len(wrapped)


def _states(
    slide: Slide, language: str, words: QuestionText
) -> tuple[tuple[tuple[str, bool, Role], ...], ...]:
    """The feedback box's paragraphs (text, bold, colour) in each state: the prompt, after
    the right answer, after another answer, and the attract loop's reveal."""
    assert slide.explanation is not None
    explanation = slide.explanation.get(language)
    the_answer = words.the_answer.format(
        answer=slide.answers[slide.right_answer].text.get(language)
    )
    # The deck's first question says, before anyone answers, that answers are anonymous.
    prompt = [(words.prompt, False, Role.MUTED)]
    if slide.privacy_note:
        prompt.append((words.privacy, False, Role.MUTED))
    return (
        tuple(prompt),
        ((words.right, True, Role.ACCENT), (explanation, False, Role.TEXT)),
        (
            (words.not_quite, True, Role.TEXT),
            (the_answer, True, Role.ACCENT),
            (explanation, False, Role.TEXT),
        ),
        (
            (words.did_you_know, True, Role.ACCENT),
            (the_answer, True, Role.TEXT),
            (explanation, False, Role.TEXT),
        ),
    )


def _text_height(text: str, width: int, size: int, measure: TextMeasurer, bold: bool) -> int:
    return len(wrap(text, width, size, measure, bold)) * _step(size, measure, bold)


def _feedback_height(
    paragraphs: Sequence[tuple[str, bool, Role]], width: int, size: int, measure: TextMeasurer
) -> int:
    """The box height `_feedback` needs for `paragraphs`; -1 when a word is too wide."""
    placed = _feedback(paragraphs, Rect(0, 0, width, 10**6), size, measure)
    if placed is None:
        return -1
    pad = round(size * 0.8)
    return (placed[-1].y + _step(size, measure, placed[-1].bold)) + pad if placed else 2 * pad


def _feedback(
    paragraphs: Sequence[tuple[str, bool, Role]], box: Rect, size: int, measure: TextMeasurer
) -> tuple[TextLine, ...] | None:
    """Paragraphs stacked in the feedback box (inside its padding), or None if they overflow."""
    pad = round(size * 0.8)
    inner = box.inset(pad)
    y = inner.y
    out: list[TextLine] = []
    for text, bold, role in paragraphs:
        placed = _lines(text, inner, y, size, measure, bold, role)
        if placed is None:
            return None
        lines, y = placed
        out += lines
        y += round(size * 0.5)
    return tuple(out) if y - round(size * 0.5) <= inner.bottom else None


def _answer_buttons(
    texts: Sequence[str],
    column: Rect,
    top: int,
    size: int,
    screen: Screen,
    measure: TextMeasurer,
) -> tuple[list[AnswerButton], int] | None:
    """The answers one under the other from `top`; None if a label needs too many lines."""
    spacing = max(screen.gap, round(screen.button_size * ANSWER_SPACING))
    pad = max(screen.gap // 2, round(size * 0.4))
    mark = round(size * 1.1)
    # Words start after the mark's slot, so they stay put when the mark appears.
    text_x = column.x + pad + mark + pad
    inner_w = column.right - pad - text_x
    step = _step(size, measure, True)
    out: list[AnswerButton] = []
    y = top
    for text in texts:
        wrapped = wrap(text, inner_w, size, measure, True)
        if len(wrapped) > MAX_ANSWER_LINES or not fits_width(wrapped, inner_w, size, measure, True):
            return None
        height = max(screen.button_size, len(wrapped) * step + 2 * pad)
        rect = Rect(column.x, y, column.w, height)
        text_top = y + (height - len(wrapped) * step) // 2
        lines = tuple(
            TextLine(
                line,
                text_x,
                text_top + n * step,
                size,
                True,
                Role.TEXT,
            )
            for n, line in enumerate(wrapped)
        )
        mark_rect = Rect(rect.x + pad, y + (height - mark) // 2, mark, mark)
        out.append(AnswerButton(rect, lines, mark_rect))
        y += height + spacing
    return out, y - spacing


def layout_question(
    slide: Slide,
    language: str,
    screen: Screen,
    measure: TextMeasurer,
    words: Mapping[str, str] | None = None,
) -> QuestionLayout:
    """Place a question in every state. Raises LayoutError when any state cannot fit at the
    readable minimum size (the question or an answer must be shortened)."""
    if slide.kind is not SlideKind.CHECK or slide.explanation is None or not slide.answers:
        raise ValueError(f"{slide.origin}: slide '{slide.id}' is not a question")
    text = question_text(language, words)
    measure = _Remembered(measure)
    content = screen.content
    gap = screen.gap
    # Readable answers and feedback come first: the question's size gives way before them.
    # Landscape has two arrangements: the question across the screen over the answers and
    # the feedback box, or the question over the answers in a column beside a full-height box.
    # Heights that do not depend on the question's size are measured once per text size, so
    # the search costs a few wraps of the question per candidate.
    # (beside, the answers' share of the width): a wider column wraps answers less.
    arrangements = [(False, 1.0)] if screen.portrait else [(False, 0.5), (True, 0.5), (True, 0.6)]
    texts = [answer.text.get(language) for answer in slide.answers]
    states = _states(slide, language, text)

    def at(size: int) -> QuestionLayout | None:
        # The question stays a heading: larger than the answers, never below the normal
        # text size's smallest title.
        smallest = max(
            round(size * 1.2), round(screen.shorter * MIN_TITLE_FRACTION), screen.title_floor
        )
        titles = font_sizes(max(screen.text(MAX_TITLE_FRACTION), smallest), smallest)
        for beside, share in arrangements:
            answers_w = round(content.w * share)
            box_w = content.w if screen.portrait else content.w - answers_w - gap * 2
            column = Rect(content.x, 0, answers_w, 0)
            placed = _answer_buttons(texts, column, 0, size, screen, measure)
            need = [_feedback_height(p, box_w, size, measure) for p in states]
            if placed is None or min(need) < 0 or (beside and max(need) > content.h):
                continue
            answers_h = placed[1]
            width = answers_w if beside else content.w
            head = _text_height(text.kicker, width, size, measure, True) + gap // 2
            for title_size in titles:
                question = wrap(slide.title.get(language), width, title_size, measure, True)
                if len(question) > MAX_QUESTION_LINES + int(beside) or not fits_width(
                    question, width, title_size, measure, True
                ):
                    continue
                top = content.y + head + len(question) * _step(title_size, measure, True) + gap
                if top + answers_h > content.bottom:
                    continue
                if screen.portrait:
                    room = content.bottom - (top + answers_h + gap * 2)
                else:
                    room = content.h if beside else content.bottom - top
                if room < max(need):
                    continue
                found = _try(
                    slide, language, text, screen, measure, (beside, answers_w), title_size, size
                )
                if found is not None:
                    return found
        return None

    # Fitting gets easier as text gets smaller: halve the candidates instead of trying each
    # (a question is laid out in a few milliseconds, not tens).
    sizes = font_sizes(screen.max_body, screen.min_body)
    best: QuestionLayout | None = None
    low, high = 0, len(sizes) - 1
    while low <= high:
        middle = (low + high) // 2
        found = at(sizes[middle])
        if found is not None:
            best, high = found, middle - 1
        else:
            low = middle + 1
    if best is not None:
        return best
    raise does_not_fit(slide, screen)


def _try(
    slide: Slide,
    language: str,
    words: QuestionText,
    screen: Screen,
    measure: TextMeasurer,
    arrangement: tuple[bool, int],
    title_size: int,
    size: int,
) -> QuestionLayout | None:
    assert slide.explanation is not None
    content = screen.content
    gap = screen.gap
    beside, answers_w = arrangement
    # Where the kicker and the question go: across, or in the answers' column.
    column = Rect(content.x, content.y, answers_w, content.h) if beside else content
    kicker = _lines(words.kicker, column, content.y, size, measure, True, Role.ACCENT)
    if kicker is None:
        return None
    kicker_lines, y = kicker
    question = _lines(
        slide.title.get(language), column, y + gap // 2, title_size, measure, True, Role.TEXT
    )
    if question is None or len(question[0]) > MAX_QUESTION_LINES + int(beside):
        return None
    question_lines, y = question
    top = y + gap
    texts = [answer.text.get(language) for answer in slide.answers]
    answers = Rect(content.x, top, answers_w, content.bottom - top)
    placed = _answer_buttons(texts, answers, top, size, screen, measure)
    if placed is None:
        return None
    buttons, answers_bottom = placed
    if answers_bottom > content.bottom:
        return None
    area = Rect(answers.x, top, answers.w, answers_bottom - top)
    if screen.portrait:
        box_top = answers_bottom + gap * 2
        box = Rect(content.x, box_top, content.w, content.bottom - box_top)
    else:
        left = answers.right + gap * 2
        box_top = content.y if beside else top
        box = Rect(left, box_top, content.right - left, content.bottom - box_top)
    if box.h <= 0 or box.w <= 0:
        return None
    states = [_feedback(p, box, size, measure) for p in _states(slide, language, words)]
    if any(state is None for state in states):
        return None
    prompt, right, not_quite, revealed = (s for s in states if s is not None)
    return QuestionLayout(
        kicker=tuple(kicker_lines),
        question=tuple(question_lines),
        answers=tuple(buttons),
        area=area,
        feedback=box,
        prompt=prompt,
        right=right,
        not_quite=not_quite,
        revealed=revealed,
        title_size=title_size,
        body_size=size,
    )


def question_plan(layout: QuestionLayout) -> SlidePlan:
    """The question's own picture: question, answers and the prompt, before any answer."""
    shapes = [Shape(ShapeKind.OUTLINE, b.rect, Role.MUTED) for b in layout.answers]
    shapes.append(Shape(ShapeKind.PANEL, layout.feedback, Role.PANEL))
    lines = (*layout.kicker, *layout.question)
    lines += tuple(line for b in layout.answers for line in b.lines)
    return SlidePlan(
        lines=(*lines, *layout.prompt),
        shapes=tuple(shapes),
        image=None,
        title_size=layout.title_size,
        body_size=layout.body_size,
    )


def plan_slide(
    slide: Slide,
    language: str,
    screen: Screen,
    measure: TextMeasurer,
    take_home_label: str = "Scan to take this home",
    words: Mapping[str, str] | None = None,
) -> SlidePlan:
    """Any slide's plan: questions laid out here, every other kind by `layout_slide`."""
    if slide.kind is SlideKind.CHECK:
        return question_plan(layout_question(slide, language, screen, measure, words))
    return layout_slide(slide, language, screen, measure, take_home_label)


def min_answer_spacing(screen: Screen) -> int:
    """The least gap between two answer buttons on `screen` (for tests and the docs)."""
    return max(screen.gap, math.floor(screen.button_size * ANSWER_SPACING))


__all__ = [
    "AnswerButton",
    "LayoutError",
    "QuestionLayout",
    "layout_question",
    "min_answer_spacing",
    "plan_slide",
    "question_plan",
]
