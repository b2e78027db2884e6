"""What can be touched on a question and on "Was this helpful?", and where: pure geometry one
step up from `layout_check`, like `controls` is from `layout`.

`QuestionControls` is part of the `Controls` of a view on a question: input hit-tests its
answers, the renderer draws its state. Overlays are `controls`' business; this module only
says where the helpful prompt's panel, title, faces and Skip go.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kiosk.deck.model import Slide, SlideKind
from kiosk.screen import intents
from kiosk.screen.intents import Intent
from kiosk.screen.layout import Rect, Screen, TextMeasurer, font_sizes, wrap
from kiosk.screen.layout_check import QuestionLayout, layout_question
from kiosk.screen.presentation import Presentation
from kiosk.screen.questions import Rating
from kiosk.screen.strings import question_text
from kiosk.screen.view import Overlay, View


@dataclass(frozen=True)
class QuestionControls:
    """A question on screen: its layout, its state, and whether a tap may answer it."""

    layout: QuestionLayout
    right_answer: int
    answered: int = -1
    revealed: bool = False

    @property
    def open(self) -> bool:
        """Whether a tap on an answer answers (once, and not what was revealed)."""
        return self.answered < 0 and not self.revealed

    @property
    def changed(self) -> bool:
        """Whether the state differs from the slide's own picture (before any answer)."""
        return not self.open

    def hit(self, x: float, y: float) -> Intent | None:
        """An answer while the question is open; anywhere on the answers otherwise does
        nothing (WAKE: it still counts as activity, and never turns the page)."""
        if not self.layout.area.contains(x, y) and not any(
            b.rect.contains(x, y) for b in self.layout.answers
        ):
            return None
        if self.open:
            for n, button in enumerate(self.layout.answers):
                if button.rect.contains(x, y):
                    return intents.answer(n)
        return intents.WAKE


def question_controls(
    view: View, presentation: Presentation, measure: TextMeasurer
) -> QuestionControls | None:
    """The question on the page `view` shows (or fades in), or None when it is no question."""
    deck = presentation.deck
    if not 0 <= view.index < len(deck.slides):
        return None
    slide = deck.slides[view.index]
    if slide.kind is not SlideKind.CHECK:
        return None
    words = deck.words_for(view.language)
    screen = presentation.screen_for(view.index, view.language)
    layout = _QUESTION_LAYOUTS.get(slide, view.language, screen, measure, words)
    return QuestionControls(layout, slide.right_answer, view.answered, view.revealed)


class _LayoutMemo:
    """Question layouts already made: a layout searches font sizes (milliseconds), and the
    controls of a question are asked for on every state change and every burn-in move."""

    def __init__(self, limit: int = 64) -> None:
        self._limit = limit
        self._found: dict[
            tuple[int, str, Screen, int, int], tuple[Slide, object, object, QuestionLayout]
        ] = {}

    def get(
        self,
        slide: Slide,
        language: str,
        screen: Screen,
        measure: TextMeasurer,
        words: Mapping[str, str] | None = None,
    ) -> QuestionLayout:
        key = (id(slide), language, screen, id(measure), id(words))
        found = self._found.get(key)
        # Identity, not equality: an id can be reused once its object is gone.
        if found is not None and found[0] is slide and found[1] is measure and found[2] is words:
            return found[3]
        if len(self._found) >= self._limit:
            self._found.clear()
        layout = layout_question(slide, language, screen, measure, words)
        self._found[key] = (slide, measure, words, layout)
        return layout


_QUESTION_LAYOUTS = _LayoutMemo()


# -- was this helpful? ---------------------------------------------------------------------


@dataclass(frozen=True)
class Face:
    rect: Rect
    intent: Intent
    rating: Rating | None  # None: Skip
    label: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class HelpfulLayout:
    panel: Rect
    title: Rect
    title_text: str
    title_lines: tuple[str, ...]
    title_size: int
    topic: Rect  # the topic's name, under the question
    faces: tuple[Face, ...]  # the three ratings, then Skip
    label_size: int


def helpful_layout(
    screen: Screen,
    language: str,
    topic: str,
    measure: TextMeasurer,
    label_floor: int,
    own_words: Mapping[str, str] | None = None,
) -> HelpfulLayout:
    """A panel in the middle of the screen: the question on one or two lines, three faces
    with their words (large, well apart), and Skip under them."""
    words = question_text(language, own_words)
    gap = screen.gap
    target = screen.button_size
    face = max(round(target * 1.9), round(screen.shorter * 0.2))
    spacing = max(gap * 2, round(target * 0.4))
    row_w = 3 * face + 2 * spacing
    safe = screen.safe
    panel_w = min(safe.w, row_w + 6 * gap)
    inner_w = panel_w - 4 * gap
    title_text = words.helpful_title
    title_size, title_lines = _fit(
        [title_text], inner_w, round(screen.label_size * 1.4), label_floor, measure, 1
    )
    step = measure.line_height(title_size, True)
    title_h = max(target, step * len(title_lines[0]) + gap)
    skip_h = target
    topic_h = measure.line_height(screen.label_size, True) + gap
    panel_h = 2 * gap + title_h + topic_h + gap + face + spacing + skip_h + 2 * gap
    panel = Rect(
        safe.x + (safe.w - panel_w) // 2, safe.y + (safe.h - panel_h) // 2, panel_w, panel_h
    )
    inner = panel.inset(2 * gap)
    title = Rect(inner.x, inner.y, inner.w, title_h)
    topic_box = Rect(inner.x, title.bottom, inner.w, topic_h)
    left = inner.x + (inner.w - row_w) // 2
    top = topic_box.bottom + gap
    names = [words.helpful, words.somewhat, words.not_helpful]
    pad = max(8, gap // 2)
    label_size, label_lines = _fit(
        [*names, words.skip], face - 2 * pad, screen.label_size, label_floor, measure, 2
    )
    faces = [
        Face(
            Rect(left + n * (face + spacing), top, face, face),
            intents.rate(rating.value),
            rating,
            names[n],
            label_lines[n],
        )
        for n, rating in enumerate(Rating)
    ]
    skip_w = round(face * 1.2)
    faces.append(
        Face(
            Rect(inner.x + (inner.w - skip_w) // 2, top + face + spacing, skip_w, skip_h),
            intents.CLOSE,
            None,
            words.skip,
            label_lines[3],
        )
    )
    return HelpfulLayout(
        panel, title, title_text, title_lines[0], title_size, topic_box, tuple(faces), label_size
    )


def _fit(
    labels: Sequence[str],
    width: int,
    largest: int,
    smallest: int,
    measure: TextMeasurer,
    lines: int,
) -> tuple[int, list[tuple[str, ...]]]:
    """The largest size at which every label wraps into `width` on at most `lines` lines."""
    wrapped: list[tuple[str, ...]] = []
    for size in font_sizes(largest, smallest):
        wrapped = [tuple(wrap(label, width, size, measure, bold=True)) for label in labels]
        if all(
            len(w) <= lines and all(measure.width(line, size, True) <= width for line in w)
            for w in wrapped
        ):
            return size, wrapped
    return smallest, wrapped


def helpful_wanted(view: View) -> bool:
    return view.overlay is Overlay.HELPFUL and view.helpful_topic >= 0
