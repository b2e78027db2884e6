"""A question's state, drawn over the question's own picture: the answers as answered (the
right one outlined and ticked, the visitor's choice marked with a dot, nothing red) and the
feedback box ("That's right", "Not quite", "Did you know?"). Two opaque pieces, kept in the
shared budget by what they show."""

from __future__ import annotations

from collections.abc import Callable

import pygame

from kiosk.deck.model import Theme
from kiosk.screen.controls_check import QuestionControls
from kiosk.screen.layout import Rect, Role, Screen, Shape, ShapeKind, TextLine
from kiosk.screen.render.fonts import FontBook
from kiosk.screen.render.icons import draw_shape, role_colour
from kiosk.screen.render.pictures import SurfaceCache, optimise

Piece = tuple[pygame.Surface, tuple[int, int]]


class QuestionRenderer:
    def __init__(self, theme: Theme, screen: Screen, fonts: FontBook, cache: SurfaceCache) -> None:
        self.theme = theme
        self.screen = screen
        self.fonts = fonts
        self.cache = cache

    def pieces(self, question: QuestionControls | None) -> list[Piece]:
        """Nothing before an answer (the slide's picture shows that); else the answers and
        the feedback box as they are now."""
        if question is None or not question.changed:
            return []
        layout = question.layout
        state = (question.answered, question.revealed)
        answers = self._layer(
            ("question-answers", self.theme, layout, state),
            layout.area,
            lambda layer: self._draw_answers(layer, question),
        )
        lines = layout.state_lines(question.answered, question.right_answer, question.revealed)
        feedback = self._layer(
            ("question-feedback", self.theme, layout, state),
            layout.feedback,
            lambda layer: self._draw_feedback(layer, layout.feedback, lines),
        )
        return [
            (answers, (layout.area.x, layout.area.y)),
            (feedback, (layout.feedback.x, layout.feedback.y)),
        ]

    def _layer(
        self, key: tuple[object, ...], box: Rect, draw: Callable[[pygame.Surface], None]
    ) -> pygame.Surface:
        found = self.cache.get(key)
        if found is None:
            layer = pygame.Surface((max(1, box.w), max(1, box.h)))
            layer.fill(self.theme.background)
            draw(layer)
            found = self.cache.put(key, optimise(layer, alpha=False))
        return found

    def _draw_answers(self, layer: pygame.Surface, question: QuestionControls) -> None:
        area = question.layout.area
        shown = question.revealed or question.answered >= 0
        for n, button in enumerate(question.layout.answers):
            rect = _local(button.rect, area)
            mark = _local(button.mark, area)
            right = shown and n == question.right_answer
            chosen = n == question.answered
            if right:
                outline, ink = Role.ACCENT, Role.TEXT
            elif chosen:
                outline, ink = Role.TEXT, Role.TEXT
            else:
                outline, ink = Role.MUTED, Role.MUTED
            scale = self.screen.shorter
            draw_shape(layer, Shape(ShapeKind.OUTLINE, rect, outline), self.theme, scale)
            if right and outline is Role.ACCENT:
                # A second ring: the right answer reads as lit even without its colour.
                draw_shape(
                    layer, Shape(ShapeKind.OUTLINE, rect.inset(4), Role.ACCENT), self.theme, scale
                )
                inner = rect.inset(4 + max(2, scale // 270) * 2)
                draw_shape(layer, Shape(ShapeKind.PANEL, inner, Role.PANEL), self.theme, scale)
                draw_shape(layer, Shape(ShapeKind.CHECK, mark, Role.ACCENT), self.theme, scale)
            elif chosen:
                dot = mark.inset(mark.w // 4)
                draw_shape(layer, Shape(ShapeKind.BULLET, dot, Role.TEXT), self.theme, scale)
            for line in button.lines:
                self._line(layer, _moved(line, area), ink)

    def _draw_feedback(self, layer: pygame.Surface, box: Rect, lines: tuple[TextLine, ...]) -> None:
        draw_shape(
            layer,
            Shape(ShapeKind.PANEL, _local(box, box), Role.PANEL),
            self.theme,
            self.screen.shorter,
        )
        for line in lines:
            self._line(layer, _moved(line, box), line.role)

    def _line(self, layer: pygame.Surface, line: TextLine, role: Role) -> None:
        font = self.fonts.font(line.size, line.bold)
        layer.blit(font.render(line.text, True, role_colour(self.theme, role)), (line.x, line.y))


def _local(rect: Rect, origin: Rect) -> Rect:
    return Rect(rect.x - origin.x, rect.y - origin.y, rect.w, rect.h)


def _moved(line: TextLine, origin: Rect) -> TextLine:
    return TextLine(
        line.text, line.x - origin.x, line.y - origin.y, line.size, line.bold, line.role
    )
