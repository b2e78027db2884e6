"""The staff menu after the corner hold and the PIN: every choice does what it says and is
logged, its panels are touch-sized and fit at every checked size, and the touch test shows
where each touch landed."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.ops import exits
from kiosk.screen import intents
from kiosk.screen.controls import STAFF_OVERLAYS, controls_for, staff_controls
from kiosk.screen.intents import Action, StaffChoice
from kiosk.screen.layout import MIN_TARGET_FRACTION, Screen
from kiosk.screen.navigator import Navigator
from kiosk.screen.presentation import Presentation
from kiosk.screen.staff import MAX_TOUCHES, STAFF_TEXT, published_when, screen_facts
from kiosk.screen.view import Overlay
from tests.helpers import FakeClock, FakeStaff, make_deck
from tests.unit.test_layout import SIZES, M


@pytest.fixture
def nav() -> Navigator:
    navigator = Navigator(make_deck(), FakeClock(), staff=FakeStaff("2468"))
    navigator.staff_facts = lambda: ("Name: test screen", "IP address: 10.0.0.7")
    return navigator


def open_menu(nav: Navigator) -> None:
    nav.handle(intents.STAFF_GESTURE)
    for digit in (2, 4, 6, 8):
        nav.handle(intents.keypad_digit(digit))
    nav.handle(intents.KEYPAD_ENTER)
    assert nav.overlay is Overlay.STAFF and not nav.exit_requested


def test_the_right_pin_opens_the_menu_and_a_wrong_one_does_not(nav, caplog):
    caplog.set_level(logging.INFO)
    nav.handle(intents.STAFF_GESTURE)
    for digit in (1, 1, 1, 1):
        nav.handle(intents.keypad_digit(digit))
    nav.handle(intents.KEYPAD_ENTER)
    assert nav.overlay is Overlay.KEYPAD
    nav.handle(intents.CLOSE)
    open_menu(nav)
    assert "staff menu opened (corner hold and PIN)" in caplog.text


@pytest.mark.parametrize(
    ("choice", "status", "logged"),
    [
        (StaffChoice.EXIT_TO_DESKTOP, exits.EXIT_TO_DESKTOP, "staff menu: exit to the desktop"),
        (StaffChoice.RESTART, exits.EXIT_RESTART, "staff menu: restart the kiosk"),
    ],
)
def test_exit_and_restart_end_the_loop_with_their_status(nav, caplog, choice, status, logged):
    caplog.set_level(logging.INFO)
    open_menu(nav)
    nav.handle(intents.staff(choice))
    assert nav.exit_requested and nav.exit_status == status
    assert logged in caplog.text


@pytest.mark.parametrize("cancel", [intents.CLOSE, intents.HOME, intents.MENU])
def test_cancel_goes_back_to_the_slides(nav, caplog, cancel):
    caplog.set_level(logging.INFO)
    open_menu(nav)
    nav.handle(intents.NEXT)  # the slide's own keys do nothing while the menu is up
    assert nav.index == 0 and nav.overlay is Overlay.STAFF
    nav.handle(cancel)
    assert nav.overlay is Overlay.NONE and not nav.exit_requested
    assert nav.exit_status == exits.EXIT_OK
    assert "staff menu: cancel" in caplog.text


def test_the_facts_are_asked_for_when_opened_and_back_returns_to_the_menu(nav, caplog):
    caplog.set_level(logging.INFO)
    open_menu(nav)
    assert nav.view().facts == ()
    nav.handle(intents.staff(StaffChoice.FACTS))
    assert nav.overlay is Overlay.STAFF_FACTS
    assert nav.view().facts == ("Name: test screen", "IP address: 10.0.0.7")
    assert "staff menu: this screen's facts" in caplog.text
    # Exit is only a choice of the menu itself, not of a page opened from it.
    nav.handle(intents.staff(StaffChoice.EXIT_TO_DESKTOP))
    assert not nav.exit_requested
    nav.handle(intents.staff(StaffChoice.BACK))
    assert nav.overlay is Overlay.STAFF and nav.view().facts == ()


def test_the_touch_test_keeps_the_latest_touches(nav, caplog):
    caplog.set_level(logging.INFO)
    open_menu(nav)
    nav.handle(intents.staff(StaffChoice.TOUCH_TEST))
    assert nav.overlay is Overlay.TOUCH_TEST and nav.view().touches == ()
    assert "staff menu: touch test" in caplog.text
    for n in range(MAX_TOUCHES + 3):
        nav.handle(intents.touch_point(n, 2 * n))
    touches = nav.view().touches
    assert len(touches) == MAX_TOUCHES and touches[-1] == (MAX_TOUCHES + 2, 2 * (MAX_TOUCHES + 2))
    nav.handle(intents.PREV)  # a swipe on the test does not turn the page
    assert nav.index == 0
    nav.handle(intents.staff(StaffChoice.BACK))
    assert nav.overlay is Overlay.STAFF
    nav.handle(intents.staff(StaffChoice.TOUCH_TEST))
    assert nav.view().touches == ()  # each test starts clean


def test_the_menu_closes_by_itself_after_the_idle_timeout(nav):
    open_menu(nav)
    clock = nav._clock
    assert isinstance(clock, FakeClock)
    clock.advance(nav.deck.idle_timeout + 1)
    nav.update()
    assert nav.overlay is Overlay.NONE and not nav.exit_requested


# -- geometry ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", sorted(STAFF_TEXT))
@pytest.mark.parametrize("overlay", STAFF_OVERLAYS)
def test_every_staff_panel_is_touch_sized_and_its_labels_fit(size, language, overlay):
    screen = Screen(*size)
    facts = screen_facts(
        screen_name="waiting-room-2",
        version="1.4.0",
        deck_info={"version": "20250101-0900-abc123", "source": "configured"},
        deck_folder=Path("/home/kiosk/.local/share/cvi-kiosk/decks/versions/x/slides"),
        deck_title="Chronic venous insufficiency",
        last_error="12:00:01 slides/20.yaml:3: title: missing",
        ip="192.168.1.23",
        now=datetime(2025, 1, 1, 9, 30),
    )
    controls = staff_controls(screen, overlay, language, M, facts)
    panel = controls.panel
    assert panel is not None
    if overlay is Overlay.TOUCH_TEST:  # the whole screen: calibration is worst at the edges
        assert (panel.x, panel.y, panel.w, panel.h) == (0, 0, *size)
    else:
        assert panel.inside(screen.safe)
    for button in controls.buttons:
        assert min(button.rect.w, button.rect.h) >= screen.shorter * MIN_TARGET_FRACTION
        assert button.rect.inside(screen.safe)
        for line in button.lines:
            assert M.width(line, controls.label_size, True) <= button.rect.w - 2 * screen.gap // 2
        assert controls.hit(*button.rect.center) == button.intent
    rects = [b.rect for b in controls.buttons]
    for n, a in enumerate(rects):
        for b in rects[n + 1 :]:
            assert a.right <= b.x or b.right <= a.x or a.bottom <= b.y or b.bottom <= a.y
    if overlay is Overlay.STAFF:
        expected = [*(intents.staff(c) for c in list(StaffChoice)[:4]), intents.CLOSE]
        assert [b.intent for b in controls.buttons] == expected
    if overlay is Overlay.STAFF_FACTS:
        box = controls.info_box
        assert box is not None and controls.info_lines
        assert len(controls.info_lines) * M.line_height(controls.info_size) <= box.h
        assert all(M.width(line, controls.info_size) <= box.w for line in controls.info_lines)
        assert " ".join(controls.info_lines).count("192.168.1.23") == 1
    if overlay is Overlay.TOUCH_TEST:
        # Anywhere but the buttons is a touch reported where it landed, corners included.
        for x, y in ((0, 0), (size[0] - 1, 0), (size[0] // 2, size[1] // 2), (0, size[1] - 1)):
            hit = controls.hit(x, y)
            assert hit is not None and hit.action is Action.TOUCH_POINT and hit.point == (x, y)


def test_the_view_decides_which_staff_panel_is_drawn(nav):
    open_menu(nav)
    presentation = Presentation.plain(nav.deck, (1920, 1080))
    menu = controls_for(nav.view(), presentation, (0, 0), M)
    assert menu.title_text == "Staff menu" and menu.under is not None
    nav.handle(intents.staff(StaffChoice.FACTS))
    facts = controls_for(nav.view(), presentation, (0, 0), M)
    assert "Name: test screen" in facts.info_lines


# -- facts and restart ------------------------------------------------------------------------


def test_published_when_reads_the_version_record(tmp_path):
    from kiosk.decks.publish import publish

    source = tmp_path / "edit" / "slides"
    repo = Path(__file__).resolve().parents[2]
    shutil.copytree(repo / "slides", source)
    shutil.copytree(repo / "assets", tmp_path / "edit" / "assets")
    version = publish(source, tmp_path / "home", who="ana", validate=lambda p: [])
    assert published_when(version.path / "slides") == f"{version.created} by ana"
    assert published_when(source) == "not a published version"


def test_restart_runs_the_same_kiosk_again_in_place(monkeypatch):
    calls: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(exits.os, "execv", lambda path, args: calls.append((path, args)))
    exits.restart_in_place(["run", "--windowed", "1280x800"])
    command = [sys.executable, "-c", exits.ENTRY, "run", "--windowed", "1280x800"]
    assert calls == [(sys.executable, command)]
    # The command it runs is the `kiosk` program itself.
    shown = subprocess.run(
        [sys.executable, "-c", exits.ENTRY, "--help"], capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0 and "run" in shown.stdout
