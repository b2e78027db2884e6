"""The "A+" larger-text layout: every text 35 % bigger, slides that no longer fit re-flow onto
more pages, and the next visitor gets the normal layout again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Text, base_id
from kiosk.loader.check import STANDARD_SIZES
from kiosk.screen import intents
from kiosk.screen.layout import LARGE_TEXT_SCALE, LayoutError, Screen, layout_slide
from kiosk.screen.layout_check import plan_slide
from kiosk.screen.navigator import Navigator
from kiosk.screen.presentation import Presentation, PresentationBuilder, paginate, present
from kiosk.screen.render import FontBook, font_dirs
from kiosk.screen.strings import ui_text
from kiosk.screen.view import Mode
from tests.helpers import FakeClock, make_deck, make_slide
from tests.unit.test_layout import HalfEm

ROOT = Path(__file__).resolve().parents[2]
SIZES = STANDARD_SIZES  # the sizes `kiosk validate` checks every deck at


def test_larger_screen_scales_every_text_size():
    normal, large = Screen(1920, 1080), Screen(1920, 1080).larger()
    assert large.min_body >= normal.min_body * LARGE_TEXT_SCALE - 1
    assert large.max_body > normal.max_body
    assert large.bar == normal.bar  # controls keep their size and place


def test_a_long_slide_reflows_onto_pages_that_fit():
    long = replace(
        make_slide(1),
        bullets=tuple(Text({"en": f"Point number {n} with several words"}) for n in range(8)),
    )
    screen = Screen(1280, 800).larger()
    with pytest.raises(LayoutError):
        layout_slide(long, "en", screen, HalfEm())
    pages = paginate(long, ["en"], screen, HalfEm())
    assert len(pages) > 1
    assert [b for p in pages for b in p.bullets] == list(long.bullets)  # nothing lost, same order
    assert [p.id for p in pages] == [f"slide-1~{n + 1}" for n in range(len(pages))]
    assert pages[0].title.get("en").endswith(f"(1/{len(pages)})")
    for page in pages:
        plan = layout_slide(page, "en", screen, HalfEm())
        assert min(line.size for line in plan.lines) >= screen.min_body


def test_pages_are_the_same_in_every_language():
    slide = replace(
        make_slide(2, two_languages=True),
        bullets=tuple(
            Text(
                {
                    "en": f"Point {n} in English words",
                    "es": f"Punto {n} con muchas más palabras en español",
                }
            )
            for n in range(8)
        ),
    )
    pages = paginate(slide, ["en", "es"], Screen(1280, 800).larger(), HalfEm())
    assert all(set(p.title.by_language) == {"en", "es"} for p in pages)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_bundled_deck_reflows_at_every_size(size):
    pygame.display.init()
    deck = load_deck(ROOT / "slides")
    fonts = FontBook(font_dirs(deck.root))
    presentation = present(deck, size, fonts, larger_text=True)
    large = presentation.deck
    assert presentation.larger_text and presentation.screen == Screen(*size).larger()
    assert [base_id(s.id) for s in large.slides] == [
        deck.slides[n].id for n in presentation.slide_of_page
    ]
    assert len(large.slides) >= len(deck.slides)
    assert [base_id(s.id) for s in large.slides if "~" not in s.id or s.id.endswith("~1")] == [
        s.id for s in deck.slides
    ]
    screen = Screen(*size).larger()
    for slide in large.slides:
        for language in deck.languages:
            plan = plan_slide(slide, language, screen, fonts, ui_text(language).take_home)
            assert min(line.size for line in plan.lines) >= screen.min_body
            for line in plan.lines:  # every line, captions included, stays above the controls
                assert (
                    line.y + fonts.font(line.size, line.bold).get_ascent() <= screen.content.bottom
                ), (slide.id, language, line.text)


def split_deck(count: int = 4) -> tuple[Presentation, Presentation]:
    """Normal and larger-text presentations for tests: slide 1 becomes two pages."""
    deck = make_deck(count, idle_timeout=30)
    slides, owners = [], []
    for n, slide in enumerate(deck.slides):
        if slide.id == "slide-1":
            slides += [replace(slide, id="slide-1~1"), replace(slide, id="slide-1~2")]
            owners += [n, n]
        else:
            slides.append(slide)
            owners.append(n)
    larger = Presentation(
        replace(deck, slides=tuple(slides)), deck, (1280, 800), True, tuple(owners)
    )
    return Presentation.plain(deck, (1280, 800)), larger


def test_navigator_asks_for_larger_text_and_keeps_the_slide():
    normal, larger = split_deck()
    clock = FakeClock()
    nav = Navigator(normal, clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.NEXT)
    nav.handle(intents.NEXT)  # on slide-2
    nav.handle(intents.LARGER_TEXT)
    # Only the wish: the navigator never builds or holds a second presentation.
    assert nav.larger_text and nav.presentation is normal and not nav.view().larger_text
    nav.use(larger)  # what the app does in answer
    assert nav.view().larger_text and nav.deck.slides[nav.index].id == "slide-2"
    nav.handle(intents.PREV)
    assert nav.deck.slides[nav.index].id == "slide-1~2"  # pages are screens of their own
    nav.handle(intents.LARGER_TEXT)
    assert not nav.larger_text
    nav.use(normal)
    assert nav.deck.slides[nav.index].id == "slide-1"


def test_idle_asks_for_normal_text_on_slide_one():
    normal, larger = split_deck()
    clock = FakeClock()
    nav = Navigator(normal, clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.goto(3))
    nav.handle(intents.LARGER_TEXT)
    nav.use(larger)
    clock.advance(30)
    nav.update()
    assert (nav.mode, nav.larger_text, nav.index) == (Mode.ATTRACT, False, 0)
    nav.use(normal)
    assert nav.presentation is normal and nav.index == 0


def test_a_normal_presentation_turns_the_wish_off():
    """Where larger text cannot be laid out the app answers with normal text."""
    normal, _larger = split_deck()
    nav = Navigator(normal, FakeClock())
    nav.handle(intents.WAKE)
    nav.handle(intents.LARGER_TEXT)
    nav.use(normal)
    assert not nav.larger_text


def test_a_new_presentation_is_not_a_visitor_action():
    """A resize hands over new presentations: page, language and text size stay, and the
    idle timeout is not pushed back."""
    normal, larger = split_deck()
    clock = FakeClock()
    nav = Navigator(normal, clock)
    nav.handle(intents.WAKE)
    nav.handle(intents.goto(2))
    nav.handle(intents.LARGER_TEXT)
    nav.use(larger)
    clock.advance(1)
    nav.update()  # the fade is over
    deadline = nav.next_deadline()
    assert deadline == clock.now - 1 + 30  # the idle timeout, from the last touch
    clock.advance(10)
    nav.use(replace(larger, size=(1920, 1080)))
    assert nav.larger_text and nav.deck.slides[nav.index].id == "slide-2"
    clock.advance(1)
    nav.update()
    assert nav.mode is Mode.BROWSING and nav.next_deadline() == deadline


def test_the_builder_works_in_small_steps():
    pygame.display.init()
    deck = load_deck(ROOT / "slides")
    fonts = FontBook(font_dirs(deck.root))
    builder = PresentationBuilder(deck, (1280, 800), fonts, larger_text=True)
    steps = 0
    while builder.step():
        steps += 1
        assert not builder.done
    assert steps == len(deck.slides) - 1 and builder.result is not None
    assert builder.result == present(deck, (1280, 800), fonts, larger_text=True)


def test_a_plus_button_in_the_running_app():
    from kiosk.screen.app import KioskApp

    pygame.display.init()
    display = pygame.display.set_mode((1280, 800))
    deck = load_deck(ROOT / "slides")
    clock = FakeClock()
    app = KioskApp(
        deck, display, windowed=True, clock=clock, sleep=clock.sleep, events=list, flip=lambda: None
    )
    app.navigator.handle(intents.WAKE)
    app.step()
    button = next(b for b in app.controls().buttons if b.intent == intents.LARGER_TEXT)
    assert button.label == ui_text("en").larger_text and not button.primary
    app.navigator.handle(button.intent)
    app.run(max_steps=40)
    assert app.navigator.larger_text and app.navigator.presentation.larger_text
    assert app.frames.screen.text_scale == LARGE_TEXT_SCALE
    lit = next(b for b in app.controls().buttons if b.intent == intents.LARGER_TEXT)
    assert lit.primary  # shown as switched on
    plan = app.frames.slides.plan(app.navigator.index, "en")
    assert plan.body_size >= Screen(1280, 800).larger().min_body
    # Visit a few pages, then larger text off: every picture it drew is let go, but for the
    # page kept ready in case the visitor presses A+ again.
    for _ in range(4):
        app.navigator.handle(intents.NEXT)
        app.run(max_steps=40)
    app.navigator.handle(lit.intent)
    app.run(max_steps=40)
    assert not app.navigator.presentation.larger_text
    ready = app._renderers.get(True)
    pages = range(len(ready.deck.slides)) if ready is not None else range(0)
    assert ready is None or (
        sum(ready.slides.is_cached(n, language) for n in pages for language in deck.languages) <= 1
    )
    # The visitor leaves: back in attract mode the larger-text renderer is gone.
    clock.advance(deck.idle_timeout + 1)
    app.run(max_steps=40)
    assert app.navigator.mode is Mode.ATTRACT and True not in app._renderers
    pygame.display.quit()


def ratios(size: tuple[int, int]) -> dict[str, list[float]]:
    """Per slide id: larger over normal text size (the smaller of body and title), for every
    page and language of the bundled deck at `size`."""
    from kiosk.deck.model import SlideKind

    pygame.display.init()
    deck = load_deck(ROOT / "slides")
    fonts = FontBook(font_dirs(deck.root))
    larger = present(deck, size, fonts, larger_text=True)
    found: dict[str, list[float]] = {}
    for page, slide in enumerate(larger.deck.slides):
        source = deck.slides[larger.slide_of_page[page]]
        if source.kind is SlideKind.CHECK:
            continue  # questions: tests/unit/test_question_screen.py
        for language in deck.languages:
            screen = larger.screen_for(page, language)
            label = ui_text(language).take_home
            normal = plan_slide(source, language, Screen(*size), fonts, label)
            plan = plan_slide(slide, language, screen, fonts, label)
            # Every page keeps the floor it was re-flowed for: drawn as it was planned.
            assert plan.body_size >= screen.body_floor and plan.title_size >= screen.title_floor
            found.setdefault(source.id, []).append(
                min(plan.body_size / normal.body_size, plan.title_size / normal.title_size)
            )
    return found


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_larger_text_is_at_least_1_3_times_larger_on_most_slides(size):
    """Body and title at least 1.3 times what the normal layout chose, re-flowed onto more
    pages where needed. A slide whose pages cannot hold that (kiosk.screen.presentation logs
    it) gets as close as fits; most slides, and the median, reach it."""
    import statistics

    found = ratios(size)
    every = [r for values in found.values() for r in values]
    reached = [slide for slide, values in found.items() if min(values) >= 1.3]
    assert statistics.median(every) >= 1.3
    assert len(reached) >= 0.8 * len(found), sorted(set(found) - set(reached))
    # Never smaller, and never just a little larger: a paragraph and its points go on pages
    # of their own before the text gives way (the worst today is about 1.15, a title slide).
    assert min(every) >= 1.1, {slide: min(values) for slide, values in found.items()}
