"""Clinic hours and burn-in care: rest outside hours, wake on touch, controls that wander."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.model import RestStyle, Schedule
from kiosk.screen import intents
from kiosk.screen.layout import Rect, Screen, chrome_offset
from kiosk.screen.navigator import SCHEDULE_CHECK_SECONDS, Navigator
from kiosk.screen.render import FontBook, FrameRenderer, font_dirs
from kiosk.screen.view import Mode, View
from tests.helpers import FakeClock, make_deck

ROOT = Path(__file__).resolve().parents[2]
WEEKDAYS = Schedule(time(7, 30), time(18, 0), frozenset(range(5)), RestStyle.DIM)


class Wall:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def test_schedule_is_open():
    assert WEEKDAYS.is_open(datetime(2026, 11, 24, 7, 30))  # a Tuesday
    assert not WEEKDAYS.is_open(datetime(2026, 11, 24, 18, 0))
    assert not WEEKDAYS.is_open(datetime(2026, 11, 24, 6, 59))
    assert not WEEKDAYS.is_open(datetime(2026, 11, 28, 12, 0))  # Saturday


def write_deck(tmp_path: Path, schedule: str) -> Path:
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "deck.yaml").write_text(f"title: T\nschedule:\n{schedule}")
    (folder / "10-a.yaml").write_text(
        "section: A\nslides:\n  - {id: a, kind: callout, title: A, body: B}\n"
    )
    return folder


def test_schedule_loads(tmp_path):
    deck = load_deck(
        write_deck(
            tmp_path,
            '  open: "07:30"\n  close: "18:00"\n  days: [mon, tue, wed, thu, fri]\n  outside_hours: sleep\n',
        )
    )
    assert deck.schedule == Schedule(time(7, 30), time(18, 0), frozenset(range(5)), RestStyle.SLEEP)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (
            "  open: 7:30\n  close: '18:00'\n",
            'slides/deck.yaml:3: schedule.open: expected a time like "07:30"',
        ),
        (
            "  open: '18:00'\n  close: '07:00'\n",
            "slides/deck.yaml:4: schedule.close: closing time must be later",
        ),
        (
            "  open: '08:00'\n  close: '17:00'\n  days: [monday]\n",
            "slides/deck.yaml:5: schedule.days: expected a list of days",
        ),
        ("  open: '08:00'\n", "schedule.close: missing required field 'close'"),
        (
            "  open: '08:00'\n  close: '17:00'\n  outside_hours: off\n",
            "schedule.outside_hours: expected one of dim, sleep",
        ),
    ],
)
def test_schedule_errors(tmp_path, schedule, expected):
    with pytest.raises(DeckError) as caught:
        load_deck(write_deck(tmp_path, schedule))
    assert any(expected in str(e) for e in caught.value.errors), caught.value


def test_rests_outside_hours_and_wakes_on_touch():
    clock = FakeClock()
    wall = Wall(datetime(2026, 11, 24, 20, 0))  # Tuesday evening
    nav = Navigator(replace(make_deck(4, idle_timeout=30), schedule=WEEKDAYS), clock, wall)
    nav.update()
    assert nav.resting and nav.view().resting
    for _ in range(100):  # a long night: no slide changes while resting
        clock.advance(60)
        nav.update()
    assert nav.index == 0 and nav.animation is None
    assert nav.next_deadline() <= clock.now + SCHEDULE_CHECK_SECONDS
    nav.handle(intents.WAKE)  # someone touches it at night: it works normally
    assert not nav.resting and nav.mode is Mode.BROWSING
    clock.advance(30)
    nav.update()
    assert nav.mode is Mode.ATTRACT and nav.resting  # idle again: back to rest
    wall.moment = datetime(2026, 11, 25, 7, 30)  # morning
    clock.advance(SCHEDULE_CHECK_SECONDS)
    nav.update()
    assert not nav.resting
    clock.advance(10.0)
    nav.update()
    assert nav.index == 1  # the loop runs again


def test_no_schedule_never_rests():
    nav = Navigator(make_deck(), FakeClock(), Wall(datetime(2026, 11, 28, 3, 0)))
    nav.update()
    assert not nav.resting


@pytest.fixture(scope="module")
def deck_and_fonts():
    pygame.display.init()
    pygame.display.set_mode((1, 1))
    deck = load_deck(ROOT / "slides")
    return deck, FontBook(font_dirs(deck.root))


@pytest.mark.parametrize("style", [RestStyle.DIM, RestStyle.SLEEP])
def test_resting_frames(deck_and_fonts, style):
    deck, fonts = deck_and_fonts
    deck = replace(deck, schedule=replace(WEEKDAYS, outside_hours=style))
    frames = FrameRenderer(deck, (640, 400), fonts)
    awake, resting = pygame.Surface((640, 400)), pygame.Surface((640, 400))
    frames.draw(awake, View(index=1, mode=Mode.ATTRACT))
    frames.draw(resting, View(index=1, mode=Mode.ATTRACT, resting=True))

    def brightness(surface: pygame.Surface) -> float:
        return sum(
            sum(surface.get_at((x, y))[:3]) for y in range(0, 400, 8) for x in range(0, 640, 8)
        )

    if style is RestStyle.SLEEP:
        assert brightness(resting) == 0
    else:
        assert 0 < brightness(resting) < 0.4 * brightness(awake)


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800), (1080, 1920), (3840, 2160)])
def test_controls_wander_but_stay_in_the_safe_area(deck_and_fonts, size):
    deck, fonts = deck_and_fonts
    screen = Screen(*size)
    offsets = {chrome_offset(t * 600.0, screen.drift) for t in range(9)}
    assert len(offsets) == 9  # it really moves, step by step
    frames = FrameRenderer(deck, size, fonts)
    bar = screen.bar
    for dx, dy in offsets:
        moved = Rect(bar.x + dx, bar.y + dy, bar.w, bar.h)
        assert moved.inside(screen.safe)
    frame = pygame.Surface(size)
    frames.draw(
        frame,
        View(),
        (screen.drift, screen.drift),
    )
    background = deck.theme.background
    w, h = size
    for y in range(0, h, 4):
        for x in range(0, w, 4):
            if not screen.safe.contains(x, y):
                assert frame.get_at((x, y))[:3] == background
