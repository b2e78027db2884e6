"""The browsing bar is one table (`controls.BAR`): every combination of what a view may have,
at every checked size and language, gives the buttons the table says, in its order, fitting."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from kiosk.screen import intents
from kiosk.screen.controls import BAR, BarEntry, BarState, Icon, bar_controls
from kiosk.screen.layout import MIN_TARGET_FRACTION, Screen
from kiosk.screen.strings import UI_TEXT, ui_text
from tests.unit.test_layout import SIZES, M

LANGUAGE_LABELS = [None, "Español", "English"]
LARGER = [None, False, True]
LISTEN = [None, False, True]  # no narration on the page; narrated; being read


def test_the_table_names_each_cell_once_with_one_counter():
    names = [entry.name for entry in BAR]
    assert len(names) == len(set(names))
    assert [entry.name for entry in BAR if entry.intent is None] == ["counter"]
    assert [entry.name for entry in BAR if entry.primary] == ["next"]
    intents_ = [entry.intent for entry in BAR if entry.intent is not None]
    assert len(intents_) == len(set(intents_))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", sorted(UI_TEXT))
@pytest.mark.parametrize(
    ("language_label", "larger_text", "listen"),
    list(itertools.product(LANGUAGE_LABELS, LARGER, LISTEN)),
)
def test_every_combination_gives_the_table_s_buttons_in_order_and_fitting(
    size, language, language_label, larger_text, listen
):
    screen = Screen(*size)
    words = ui_text(language)
    state = BarState(words, language_label, larger_text, listen)
    controls = bar_controls(screen, words, language_label, M, larger_text, "3 / 24", listen=listen)
    expected = [e for e in BAR if e.shown(state) and e.intent is not None]
    assert [b.intent for b in controls.buttons] == [e.intent for e in expected]
    assert (intents.LANGUAGE in [b.intent for b in controls.buttons]) == bool(language_label)
    assert (intents.LARGER_TEXT in [b.intent for b in controls.buttons]) == (
        larger_text is not None
    )
    assert (intents.LISTEN in [b.intent for b in controls.buttons]) == (listen is not None)
    pad = max(8, screen.gap // 2)
    for button, entry in zip(controls.buttons, expected, strict=True):
        assert button.label == entry.label(state) and button.label
        assert button.icon is entry.icon
        assert button.primary == (entry.primary or entry.lit(state))
        assert min(button.rect.w, button.rect.h) >= screen.shorter * MIN_TARGET_FRACTION
        assert button.rect.inside(screen.bar)
        # Every label, lit or not, fits inside its own button with padding, on one line or
        # (a long word in a narrow portrait cell) two under the icon.
        assert " ".join(button.lines) == button.label
        assert 1 <= len(button.lines) <= 2
        for line in button.lines:
            width = M.width(line, controls.label_size, True)
            assert width <= button.rect.w - 2 * pad, (line, width, button.rect.w)
        tall = len(button.lines) * M.line_height(controls.label_size, True)
        assert tall <= button.rect.h * (0.5 if len(button.lines) > 1 else 0.6)
        assert controls.hit(*button.rect.center) == button.intent
    for a, b in itertools.pairwise(controls.buttons):
        assert a.rect.right <= b.rect.x
    # The counter sits where the table puts it: between the buttons listed around it.
    assert controls.counter is not None and controls.counter.inside(screen.bar)
    names = [e.name for e in BAR if e.shown(state)]
    before = names[names.index("counter") - 1]
    after = names[names.index("counter") + 1]
    by_name = {e.name: b for e, b in zip(expected, controls.buttons, strict=True)}
    assert by_name[before].rect.right <= controls.counter.x
    assert controls.counter.right <= by_name[after].rect.x
    assert controls.label_size >= screen.shorter / 54


def test_the_larger_text_switch_is_lit_only_while_on():
    words = ui_text("en")
    for on in (False, True):
        controls = bar_controls(Screen(1920, 1080), words, None, M, on)
        switch = next(b for b in controls.buttons if b.intent == intents.LARGER_TEXT)
        assert switch.primary is on


def test_listen_is_lit_only_while_reading():
    words = ui_text("en")
    for reading in (False, True):
        controls = bar_controls(Screen(1920, 1080), words, None, M, None, listen=reading)
        button = next(b for b in controls.buttons if b.intent == intents.LISTEN)
        assert button.primary is reading
        assert button.icon is Icon.LISTEN and button.label == "Listen"


def test_a_new_entry_in_the_table_is_all_it_takes_to_add_a_button():
    listen = BarEntry(
        "extra",
        intents.WAKE,
        Icon.NONE,
        lambda state: state.words.home + "!",
        lambda state: state.larger_text is True,
    )
    table = (*BAR[:3], listen, *BAR[3:])
    words = ui_text("en")
    off = bar_controls(Screen(1920, 1080), words, "Español", M, False, table=table)
    on = bar_controls(Screen(1920, 1080), words, "Español", M, True, table=table)
    assert intents.WAKE not in [b.intent for b in off.buttons]
    assert [b.intent for b in on.buttons][3] == intents.WAKE
    assert on.buttons[3].label == "Start!"
    # Sharing the bar with one more cell makes the others narrower, never overlapping.
    assert on.buttons[0].rect.w < off.buttons[0].rect.w
    assert replace(on, buttons=on.buttons[:1]).hit(*on.buttons[3].rect.center) is None
