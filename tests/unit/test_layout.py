"""Pure geometry, with a fake font whose every character is half an em wide."""

from __future__ import annotations

import itertools
import sys

import pytest

from kiosk.deck.model import Slide, SlideKind, Text
from kiosk.loader.check import STANDARD_SIZES
from kiosk.screen import intents
from kiosk.screen.controls import attract_controls, bar_controls, keypad_controls, menu_controls
from kiosk.screen.layout import (
    MIN_TARGET_FRACTION,
    LayoutError,
    Rect,
    Screen,
    fit_image,
    layout_slide,
    wrap,
)
from kiosk.screen.strings import ui_text
from tests.helpers import make_slide

SIZES = STANDARD_SIZES  # the sizes `kiosk validate` checks every deck at


class HalfEm:
    def width(self, text: str, size: int, bold: bool = False) -> int:
        return round(len(text) * size * (0.55 if bold else 0.5))

    def line_height(self, size: int, bold: bool = False) -> int:
        return round(size * 1.2)


M = HalfEm()


def test_layout_does_not_import_pygame():
    import subprocess

    code = (
        "import sys; sys.modules['pygame'] = None; "
        "import kiosk.screen.layout, kiosk.screen.navigator, kiosk.deck.model, kiosk.screen.intents"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_wrap_respects_width_and_keeps_words():
    lines = wrap("one two three four five six seven", 100, 20, M)
    assert all(M.width(line, 20) <= 100 for line in lines)
    assert " ".join(lines) == "one two three four five six seven"


def test_wrap_keeps_an_overlong_word_whole():
    assert wrap("supercalifragilistic", 50, 20, M) == ["supercalifragilistic"]


@pytest.mark.parametrize("size", SIZES)
def test_regions_nest_inside_the_screen(size):
    screen = Screen(*size)
    whole = Rect(0, 0, *size)
    assert screen.safe.inside(whole)
    assert screen.content.inside(screen.safe)
    assert screen.bar.inside(screen.safe)
    assert screen.content.bottom < screen.bar.y
    assert screen.button_size >= screen.shorter * MIN_TARGET_FRACTION
    assert screen.min_body >= screen.shorter / 28


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    "kind",
    [
        SlideKind.TITLE,
        SlideKind.BULLETS,
        SlideKind.TWO_COLUMN,
        SlideKind.CALLOUT,
        SlideKind.DISCLAIMER,
        SlideKind.TEXT_IMAGE,
    ],
)
def test_every_kind_stays_in_the_content_area_with_readable_text(size, kind, tmp_path):
    image = tmp_path / "x.png" if kind is SlideKind.TEXT_IMAGE else None
    screen = Screen(*size)
    plan = layout_slide(make_slide(1, kind=kind, image=image), "en", screen, M)
    content = screen.content
    for line in plan.lines:
        box = Rect(line.x, line.y, M.width(line.text, line.size, line.bold), line.size)
        assert box.inside(content), (line, content)
        assert line.size >= screen.min_body
    for shape in plan.shapes:
        assert shape.rect.inside(content)
    if image:
        assert plan.image is not None and plan.image.inside(content)
        # Text and picture never overlap.
        for line in plan.lines:
            assert (
                line.x + M.width(line.text, line.size, line.bold) <= plan.image.x
                or line.y + line.size <= plan.image.y
            )


def test_text_shrinks_before_it_overflows():
    short = make_slide(1)
    long = Slide(
        **{**short.__dict__, "bullets": tuple(Text({"en": "word " * 14}) for _ in range(6))}
    )
    screen = Screen(1920, 1080)
    assert (
        layout_slide(long, "en", screen, M).body_size
        < layout_slide(short, "en", screen, M).body_size
    )


def test_text_that_cannot_fit_is_an_error_naming_the_slide():
    base = make_slide(3)
    huge = Slide(
        **{**base.__dict__, "bullets": tuple(Text({"en": "word " * 40}) for _ in range(8))}
    )
    with pytest.raises(
        LayoutError, match=r"slides/test.yaml:4: slide 'slide-3' does not fit on a 1280×800"
    ):
        layout_slide(huge, "en", Screen(1280, 800), M)


def test_fit_image_keeps_aspect_and_centres():
    r = fit_image((400, 300), Rect(0, 0, 1000, 1000))
    assert (r.w, r.h) == (1000, 750) and r.y == 125


@pytest.mark.parametrize("size", SIZES)
def test_control_bar_buttons_are_big_and_do_not_overlap(size):
    screen = Screen(*size)
    controls = bar_controls(screen, ui_text("en"), "Español", M, larger_text=False)
    rects = [b.rect for b in controls.buttons]
    assert [b.intent for b in controls.buttons] == [
        intents.PREV,
        intents.HOME,
        intents.MENU,
        intents.LANGUAGE,
        intents.LARGER_TEXT,
        intents.NEXT,
    ]
    for r in rects:
        assert min(r.w, r.h) >= screen.shorter * MIN_TARGET_FRACTION
        assert r.inside(screen.safe)
    for a, b in itertools.pairwise(rects):
        assert a.right <= b.x
    assert controls.counter is not None and controls.counter.inside(screen.bar)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", ["en", "es"])
def test_bar_labels_share_one_size_and_fit_with_padding(size, language):
    screen = Screen(*size)
    controls = bar_controls(screen, ui_text(language), "English", M, larger_text=True)
    size_ = controls.label_size
    assert size_ >= screen.shorter / 54
    for button in controls.buttons:
        assert " ".join(button.lines) == button.label
        for line in button.lines:
            assert M.width(line, size_, True) <= button.rect.w - 2 * max(8, screen.gap // 2)


def test_bar_hit_testing():
    screen = Screen(1920, 1080)
    controls = bar_controls(screen, ui_text("en"), None, M)
    for button in controls.buttons:
        assert controls.hit(*button.rect.center) == button.intent
    assert controls.hit(960, 300) is None  # the slide itself: the input module decides


def test_moved_controls_are_hit_where_they_are():
    controls = bar_controls(Screen(1920, 1080), ui_text("en"), None, M)
    moved = controls.moved(5, -3)
    for before, after in zip(controls.buttons, moved.buttons, strict=True):
        assert (after.rect.x, after.rect.y) == (before.rect.x + 5, before.rect.y - 3)
        assert moved.hit(after.rect.right - 1, after.rect.y) == after.intent
        assert controls.hit(after.rect.right - 1, after.rect.y) != after.intent


@pytest.mark.parametrize("size", SIZES)
def test_attract_hint_is_centred_on_the_screen(size):
    screen = Screen(*size)
    alone = attract_controls(screen, ui_text("en").hint, M)
    assert alone.buttons == () and alone.hint is not None
    bilingual = attract_controls(screen, ui_text("en").hint, M, "Español")
    assert [b.intent for b in bilingual.buttons] == [intents.LANGUAGE]
    button = bilingual.buttons[0]
    for controls in (alone, bilingual):
        hint = controls.hint
        assert hint is not None and abs(hint.center[0] - screen.width // 2) <= 1
    assert bilingual.hint is not None and bilingual.hint.right <= button.rect.x
    assert min(button.rect.w, button.rect.h) >= screen.shorter * MIN_TARGET_FRACTION


@pytest.mark.parametrize("size", SIZES)
def test_topic_menu_items_are_touch_sized_and_inside(size):
    screen = Screen(*size)
    sections = [(f"Topic {i}", i * 2) for i in range(11)]
    controls = menu_controls(screen, sections, ui_text("en"), M)
    gotos = [b for b in controls.buttons if b.intent.action is intents.Action.GOTO]
    assert [b.intent.value for b in gotos] == [i * 2 for i in range(11)]
    for b in controls.buttons:
        assert b.rect.inside(screen.safe)
        assert min(b.rect.w, b.rect.h) >= screen.shorter * MIN_TARGET_FRACTION
    assert controls.panel is not None and controls.panel_title is not None
    # Touches outside the panel close it; inside but between items they only count as activity.
    assert controls.hit(1, 1) == intents.CLOSE
    assert controls.hit(*controls.panel_title.center) == intents.WAKE


def _pages(screen: Screen, sections: list[tuple[str, int]]) -> list[object]:
    first = menu_controls(screen, sections, ui_text("en"), M, page=0)
    pages = [first]
    turn = [b for b in first.buttons if b.intent.action is intents.Action.MENU_PAGE]
    while turn:
        following = next(b for b in turn if b.label == ui_text("en").page_next).intent.value
        if following == 0:
            break
        page = menu_controls(screen, sections, ui_text("en"), M, page=following)
        pages.append(page)
        turn = [b for b in page.buttons if b.intent.action is intents.Action.MENU_PAGE]
    return pages


@pytest.mark.parametrize("size", [(1080, 1920), (1280, 800), (1920, 1080), (3840, 2160)])
def test_seventy_topics_are_paged_and_stay_legible(size):
    screen = Screen(*size)
    sections = [(f"Topic number {i} about the legs", i) for i in range(70)]
    pages = _pages(screen, sections)
    assert len(pages) > 1
    reached = []
    sizes = set()
    for page in pages:
        assert page.page_text  # "Page 2 of 5"
        sizes.add(page.label_size)
        assert page.label_size >= screen.shorter / 42  # legible, not squeezed
        for b in page.buttons:
            assert b.rect.inside(screen.safe)
            assert min(b.rect.w, b.rect.h) >= screen.shorter * MIN_TARGET_FRACTION
            if b.intent.action is intents.Action.GOTO:
                reached.append(b.intent.value)
                # Real padding: every line clears the border by a good margin.
                widest = max(M.width(line, page.label_size, True) for line in b.lines)
                assert (b.rect.w - widest) / 2 >= screen.gap
                assert len(b.lines) * M.line_height(page.label_size, True) <= b.rect.h - 8
        for a, b in itertools.combinations(page.buttons, 2):
            assert (
                a.rect.right <= b.rect.x
                or b.rect.right <= a.rect.x
                or (a.rect.bottom <= b.rect.y or b.rect.bottom <= a.rect.y)
            )
    assert sorted(reached) == list(range(70))  # every topic on exactly one page
    assert len(sizes) == 1  # one label size on every page


def test_the_menu_opens_on_the_page_of_the_current_topic():
    screen = Screen(1280, 800)
    sections = [(f"Topic {i}", i) for i in range(70)]
    controls = menu_controls(screen, sections, ui_text("en"), M, current=50)
    assert controls.current is not None and controls.current.intent == intents.goto(50)
    assert controls.current in controls.buttons


@pytest.mark.parametrize("size", SIZES)
def test_keypad_has_all_keys(size):
    screen = Screen(*size)
    controls = keypad_controls(screen, ui_text("en"))
    found = {b.intent for b in controls.buttons}
    assert {intents.keypad_digit(d) for d in range(10)} <= found
    assert {intents.KEYPAD_DELETE, intents.KEYPAD_ENTER, intents.CLOSE} <= found
    for b in controls.buttons:
        assert b.rect.inside(screen.safe)
