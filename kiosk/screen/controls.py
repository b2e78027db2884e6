"""The controls a view has and where they go: the bar's buttons, the paged topic menu, the
staff keypad. Pure geometry like `layout`, one step up: it needs the presentation's pages."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import Enum

from kiosk.deck.model import Deck
from kiosk.screen import intents
from kiosk.screen.controls_check import QuestionControls, helpful_layout, question_controls
from kiosk.screen.intents import Intent, StaffChoice
from kiosk.screen.layout import (
    MIN_TARGET_FRACTION,
    Rect,
    Screen,
    TextMeasurer,
    fits_width,
    font_sizes,
    wrap,
)
from kiosk.screen.layout_check import plan_slide
from kiosk.screen.presentation import Presentation
from kiosk.screen.reading import Mark, sentence_marks
from kiosk.screen.staff import MENU, StaffText, staff_text
from kiosk.screen.strings import UiText, ui_text, urgency_text
from kiosk.screen.view import Mode, Overlay, View

#
# Which controls a view has, and where, is decided here and only here: input hit-tests the
# same `Controls` object that the renderer draws, burn-in offset included.


class Icon(Enum):
    PREV = "prev"
    NEXT = "next"
    HOME = "home"
    MENU = "menu"
    LANGUAGE = "language"
    LARGER_TEXT = "larger_text"
    CLOSE = "close"
    DELETE = "delete"
    ENTER = "enter"
    HELPFUL = "helpful"  # the three faces of "Was this helpful?"
    SOMEWHAT = "somewhat"
    NOT_HELPFUL = "not_helpful"
    LISTEN = "listen"  # a speaker: read the slide aloud
    NONE = "none"


@dataclass(frozen=True)
class Button:
    rect: Rect
    intent: Intent
    label: str
    icon: Icon
    primary: bool = False
    # The label as drawn: wrapped lines (all at the controls' one `label_size`).
    lines: tuple[str, ...] = ()

    def moved(self, dx: int, dy: int) -> Button:
        r = self.rect
        return replace(self, rect=Rect(r.x + dx, r.y + dy, r.w, r.h))


@dataclass(frozen=True)
class Controls:
    """The control bar and any overlay for one view, plus hit testing for input."""

    buttons: tuple[Button, ...]
    counter: Rect | None  # where "3 / 24" goes
    hint: Rect | None  # the "Touch the screen to explore" pill (attract mode)
    panel: Rect | None = None  # an overlay panel (menu or keypad)
    panel_title: Rect | None = None
    pin_box: Rect | None = None
    backdrop_intent: Intent | None = None
    label_size: int = 0  # every button label of these controls has this one size
    strip: Rect | None = None  # the bar's area, where its pre-drawn picture goes
    counter_text: str = ""
    hint_text: str = ""
    title_text: str = ""
    title_size: int = 0
    page_label: Rect | None = None  # "Page 2 of 5" in a paged menu
    page_text: str = ""
    current: Button | None = None  # the topic the visitor is in, shown lit
    under: Controls | None = None  # the bar under an overlay: drawn dimmed, never tapped
    question: QuestionControls | None = None  # the question on screen (not moved: on the slide)
    # Taps beside the panel do what they would do without it (the panel closes): for a
    # prompt that may be ignored, like "Was this helpful?".
    pass_through: bool = False
    info_box: Rect | None = None  # lines of plain text in a panel (this screen's facts)
    info_lines: tuple[str, ...] = ()
    info_size: int = 0
    touch_area: Rect | None = None  # the touch test: a tap here is reported where it landed
    # The sentence being read aloud, marked on the slide (not moved: on the slide).
    marks: tuple[Mark, ...] = ()
    # The standing "Emergency? Call 911" pill every view shows (never a button), its words
    # and their size; where its telephone goes at its left.
    standing: Rect | None = None
    standing_text: str = ""
    standing_size: int = 0

    def hit(self, x: float, y: float) -> Intent | None:
        if self.question is not None:
            found = self.question.hit(x, y)
            if found is not None:
                return found
        for button in self.buttons:
            if button.rect.contains(x, y):
                return button.intent
        if self.touch_area is not None and self.touch_area.contains(x, y):
            return intents.touch_point(round(x), round(y))
        if self.panel is not None:
            if self.panel.contains(x, y):
                return intents.WAKE  # inside an overlay nothing falls through
            if self.pass_through and self.under is not None:
                return self.under.hit(x, y)
            return self.backdrop_intent
        return None

    def moved(self, dx: int, dy: int) -> Controls:
        """The same controls shifted by the burn-in offset."""
        if (dx, dy) == (0, 0):
            return self

        def shift(r: Rect | None) -> Rect | None:
            return None if r is None else Rect(r.x + dx, r.y + dy, r.w, r.h)

        return replace(
            self,
            buttons=tuple(b.moved(dx, dy) for b in self.buttons),
            counter=shift(self.counter),
            hint=shift(self.hint),
            strip=shift(self.strip),
            standing=shift(self.standing),
        )


def one_size(
    labels: Sequence[str],
    width: int,
    largest: int,
    smallest: int,
    measure: TextMeasurer,
    *,
    max_lines: int = 1,
    height: int | None = None,
) -> int:
    """The largest size at which every label fits `width` (wrapped onto at most `max_lines`
    lines, and within `height` if given), so a row of buttons reads as one set."""
    for size in font_sizes(largest, smallest):
        fits = True
        for label in labels:
            lines = wrap(label, width, size, measure, bold=True)
            tall = height is not None and len(lines) * measure.line_height(size, True) > height
            if len(lines) > max_lines or tall or not fits_width(lines, width, size, measure, True):
                fits = False
                break
        if fits:
            return size
    return smallest


def _label_floor(screen: Screen) -> int:
    # Labels never shrink below about two thirds of the body-text floor.
    return max(12, math.ceil(screen.shorter / 42))


def _bar_label_floor(screen: Screen) -> int:
    # Seven cells share a portrait bar; each label sits under its icon, so it may be smaller.
    return max(12, math.ceil(screen.shorter / 54))


@dataclass(frozen=True)
class BarState:
    """What decides which bar buttons a view shows and what they say."""

    words: UiText
    language_label: str | None  # the next language, named in itself; None with one language
    larger_text: bool | None  # None: there is no larger-text layout; else whether it is on
    # None: this page has no narration in this language; else whether it is being read.
    listen: bool | None = None


@dataclass(frozen=True)
class BarEntry:
    """One cell of the browsing bar. The table `BAR` lists them left to right; adding a
    button to the bar is one more entry there and nothing else."""

    name: str  # for logs and tests
    intent: Intent | None  # None: the "3 / 24" counter, which is not a button
    icon: Icon
    label: Callable[[BarState], str]  # the words on it, in the view's language
    shown: Callable[[BarState], bool]  # whether this view has it at all
    lit: Callable[[BarState], bool] = lambda _state: False  # drawn as "on" (a switch)
    primary: bool = False  # the main action: drawn filled
    width: float = 1.0  # in cells; the main action gets a wider one


def _always(_state: BarState) -> bool:
    return True


def _words(key: str) -> Callable[[BarState], str]:
    """The label is the UiText field `key`."""
    return lambda state: str(getattr(state.words, key))


BAR: tuple[BarEntry, ...] = (
    BarEntry("prev", intents.PREV, Icon.PREV, _words("prev"), _always),
    BarEntry("home", intents.HOME, Icon.HOME, _words("home"), _always),
    BarEntry("menu", intents.MENU, Icon.MENU, _words("menu"), _always),
    # Named in the language it switches to, so a reader of that language finds it.
    BarEntry(
        "language",
        intents.LANGUAGE,
        Icon.LANGUAGE,
        lambda state: state.language_label or "",
        lambda state: bool(state.language_label),
    ),
    # Lit up while larger text is on, so it reads as a switch, and then says how to go back.
    BarEntry(
        "larger_text",
        intents.LARGER_TEXT,
        Icon.LARGER_TEXT,
        lambda state: state.words.normal_text if state.larger_text else state.words.larger_text,
        lambda state: state.larger_text is not None,
        lit=lambda state: bool(state.larger_text),
    ),
    # Only on a page with narration in the view's language; lit while it is read aloud.
    BarEntry(
        "listen",
        intents.LISTEN,
        Icon.LISTEN,
        _words("listen"),
        lambda state: state.listen is not None,
        lit=lambda state: bool(state.listen),
    ),
    BarEntry("counter", None, Icon.NONE, lambda _state: "", _always),
    BarEntry("next", intents.NEXT, Icon.NEXT, _words("next"), _always, primary=True, width=1.5),
)


def _bar_fits(
    cells: Sequence[tuple[int, str]],
    size: int,
    max_lines: int,
    height: int | None,
    measure: TextMeasurer,
) -> bool:
    for width, label in cells:
        lines = wrap(label, width, size, measure, bold=True)
        if len(lines) > max_lines or not fits_width(lines, width, size, measure, True):
            return False
        if height is not None and len(lines) * measure.line_height(size, True) > height:
            return False
    return True


def _cell_widths(
    entries: Sequence[BarEntry],
    state: BarState,
    counter_text: str,
    screen: Screen,
    measure: TextMeasurer,
    pad: int,
    floor: int,
) -> list[float]:
    """Each cell's width: shares of the bar by the table's `width`, unless some label's
    longest word would not fit its share even at the floor size (eight cells in a portrait
    bar: "Escuchar"); then every cell first gets what its words need at the floor (and a
    button never less than the smallest touch target), and the rest is shared out."""
    bar = screen.bar
    room = bar.w - screen.gap * (len(entries) - 1)
    total = sum(entry.width for entry in entries)
    shares = [room * entry.width / total for entry in entries]

    def need(entry: BarEntry) -> float:
        text = counter_text if entry.intent is None else entry.label(state)
        words = text.split() or [""]
        widest = max(measure.width(word, floor, True) for word in words)
        if entry.intent is None:
            return widest + 2 * pad if text else 0.0
        return max(widest + 2 * pad, math.ceil(screen.shorter * MIN_TARGET_FRACTION))

    needs = [need(entry) for entry in entries]
    if all(n <= share for n, share in zip(needs, shares, strict=True)) or sum(needs) > room:
        return shares
    spare = room - sum(needs)
    return [n + spare * entry.width / total for n, entry in zip(needs, entries, strict=True)]


def bar_controls(
    screen: Screen,
    labels: UiText,
    language_label: str | None,
    measure: TextMeasurer,
    larger_text: bool | None = None,
    counter_text: str = "",
    *,
    table: Sequence[BarEntry] = BAR,
    listen: bool | None = None,
) -> Controls:
    """The bottom bar while browsing: the entries of `table` this view has, left to right.
    `larger_text` is None when there is no larger-text layout, else whether it is on;
    `listen` None when the page has no narration, else whether it is being read."""
    state = BarState(labels, language_label, larger_text, listen)
    entries = [entry for entry in table if entry.shown(state)]
    bar = screen.bar
    gap = screen.gap
    pad = max(8, gap // 2)
    floor = _bar_label_floor(screen)
    widths = _cell_widths(entries, state, counter_text, screen, measure, pad, floor)
    x = float(bar.x)
    counter: Rect | None = None
    placed: list[tuple[Rect, BarEntry, str]] = []
    for entry, width in zip(entries, widths, strict=True):
        rect = Rect(round(x), bar.y, round(width), bar.h)
        x += width + gap
        if entry.intent is None:
            counter = rect
        else:
            placed.append((rect, entry, entry.label(state)))
    # One size for the whole row: the largest at which every label fits its own cell on one
    # line; when a long word ("Más grande" in a portrait bar) does not fit even at the floor,
    # labels may take two lines under the icon rather than run over the button's edges.
    cells = [(rect.w - 2 * pad, label) for rect, _entry, label in placed]
    max_lines = 1 if _bar_fits(cells, floor, 1, None, measure) else 2
    room = round(bar.h * 0.5)  # under the icon (a third of the height) and its gap
    height = room if max_lines > 1 else None
    size = next(
        (
            candidate
            for candidate in font_sizes(screen.label_size, floor)
            if _bar_fits(cells, candidate, max_lines, height, measure)
            and (
                counter is None
                or not counter_text
                or measure.width(counter_text, candidate, True) <= counter.w - 2 * pad
            )
        ),
        floor,
    )
    buttons = tuple(
        Button(
            rect,
            entry.intent,
            label,
            entry.icon,
            entry.primary or entry.lit(state),
            tuple(wrap(label, rect.w - 2 * pad, size, measure, bold=True)[:max_lines]),
        )
        for rect, entry, label in placed
        if entry.intent is not None
    )
    return Controls(buttons, counter, None, label_size=size, strip=bar, counter_text=counter_text)


def attract_controls(
    screen: Screen, hint: str, measure: TextMeasurer, language_label: str | None = None
) -> Controls:
    """Attract mode: a "touch the screen" hint in the middle of the screen, and the language
    button when there are several languages, so a reader of the other language sees it
    before touching anything."""
    bar = screen.bar
    buttons: tuple[Button, ...] = ()
    room = bar.w
    if language_label:
        width = round(bar.w * 0.2)
        buttons = (
            Button(
                Rect(bar.right - width, bar.y, width, bar.h),
                intents.LANGUAGE,
                language_label,
                Icon.LANGUAGE,
                lines=(language_label,),
            ),
        )
        # The hint stays centred on the screen, clear of the button on either side.
        room = bar.w - 2 * (width + screen.gap)
    # The pill holds a tap mark (one bar height) and the words, with half a height each side.
    text_room = room - bar.h * 2
    size = one_size([hint], text_room, screen.label_size, _label_floor(screen), measure)
    pill_w = min(room, measure.width(hint, size, True) + bar.h * 2)
    pill = Rect(bar.x + (bar.w - pill_w) // 2, bar.y, pill_w, bar.h)
    return Controls(buttons, None, pill, label_size=size, strip=bar, hint_text=hint)


def menu_controls(
    screen: Screen,
    sections: Sequence[tuple[str, int]],
    labels: UiText,
    measure: TextMeasurer,
    *,
    page: int = -1,
    current: int = 0,
) -> Controls:
    """The topic menu: a panel over the slide with one large button per topic. When the
    topics do not fit at touch size they are shared out over pages, with page buttons as
    big as any other. `page` -1 means the page holding topic number `current`."""
    content = screen.content
    gap = screen.gap
    target = screen.button_size
    title_h = max(round(screen.shorter * 0.09), target)
    panel = content
    inner = panel.inset(gap * 2)
    close = Button(
        Rect(inner.right - round(target * 2.2), inner.y, round(target * 2.2), target),
        intents.CLOSE,
        labels.close,
        Icon.CLOSE,
        lines=(labels.close,),
    )
    grid = Rect(inner.x, inner.y + title_h + gap, inner.w, inner.h - title_h - gap)
    count = max(1, len(sections))
    # Two columns at most in portrait, three in landscape: wider cells keep labels large.
    most_columns = 2 if screen.portrait else 3
    rows_fit = max(1, (grid.h + gap) // (target + gap))
    columns = 1
    while columns < most_columns and count > columns * rows_fit:
        columns += 1
    if screen.portrait and columns == 1 and count > 6:
        columns = 2
    per_page = columns * rows_fit
    pages = -(-count // per_page)
    nav_row: Rect | None = None
    if pages > 1:
        # Keep a row for the page buttons, then share the rest out again.
        grid = Rect(grid.x, grid.y, grid.w, grid.h - target - gap)
        rows_fit = max(1, (grid.h + gap) // (target + gap))
        per_page = columns * rows_fit
        pages = -(-count // per_page)
        nav_row = Rect(grid.x, grid.bottom + gap, grid.w, target)
    rows = min(rows_fit, -(-count // columns))
    row_h = min((grid.h - gap * (rows - 1)) // rows, round(target * 1.6))
    col_w = (grid.w - gap * (columns - 1)) // columns
    if page < 0:
        page = min(current, count - 1) // per_page
    page = max(0, min(pages - 1, page))
    # One size for every topic on every page, with real padding inside each button.
    pad_x = max(gap, round(col_w * 0.04))
    pad_y = max(gap // 2, round(row_h * 0.12))
    size = one_size(
        [title for title, _first in sections] or [""],
        col_w - 2 * pad_x,
        round(screen.label_size * 1.25),
        _label_floor(screen),
        measure,
        max_lines=2,
        height=row_h - 2 * pad_y,
    )
    buttons: list[Button] = [close]
    lit: Button | None = None
    shown = list(enumerate(sections))[page * per_page : (page + 1) * per_page]
    for n, (number, (title, first_slide)) in enumerate(shown):
        row, col = divmod(n, columns)  # reading order: left to right, then down
        rect = Rect(grid.x + col * (col_w + gap), grid.y + row * (row_h + gap), col_w, row_h)
        lines = tuple(wrap(title, col_w - 2 * pad_x, size, measure, bold=True)[:2])
        button = Button(rect, intents.goto(first_slide), title, Icon.NONE, lines=lines)
        buttons.append(button)
        if number == current:
            lit = button
    page_label = None
    page_text = ""
    if nav_row is not None:
        side = round(target * 2.6)
        before = Rect(nav_row.x, nav_row.y, side, target)
        after = Rect(nav_row.right - side, nav_row.y, side, target)
        buttons += [
            Button(
                before,
                intents.menu_page((page - 1) % pages),
                labels.page_prev,
                Icon.PREV,
                lines=(labels.page_prev,),
            ),
            Button(
                after,
                intents.menu_page((page + 1) % pages),
                labels.page_next,
                Icon.NEXT,
                lines=(labels.page_next,),
            ),
        ]
        page_label = Rect(before.right + gap, nav_row.y, after.x - before.right - 2 * gap, target)
        page_text = labels.page_of.format(current=page + 1, total=pages)
    title_rect = Rect(inner.x, inner.y, inner.w - close.rect.w - gap, title_h)
    return Controls(
        tuple(buttons),
        None,
        None,
        panel=panel,
        panel_title=title_rect,
        backdrop_intent=intents.CLOSE,
        label_size=size,
        title_text=labels.menu_title,
        title_size=round(screen.shorter / 18),
        page_label=page_label,
        page_text=page_text,
        current=lit,
    )


def keypad_controls(screen: Screen, labels: UiText) -> Controls:
    """A PIN keypad for staff: 1–9, delete, 0, enter, and close."""
    key = max(screen.button_size, round(screen.shorter * 0.11))
    gap = screen.gap
    grid_w = 3 * key + 2 * gap
    title_h = key
    grid_h = 4 * key + 3 * gap
    panel_w = grid_w + 4 * gap
    panel_h = title_h + key + grid_h + 6 * gap
    safe = screen.safe
    panel = Rect(
        safe.x + (safe.w - panel_w) // 2, safe.y + (safe.h - panel_h) // 2, panel_w, panel_h
    )
    inner = panel.inset(2 * gap)
    title = Rect(inner.x, inner.y, inner.w - key, title_h)
    close = Button(
        Rect(inner.right - key, inner.y, key, key), intents.CLOSE, labels.close, Icon.CLOSE
    )
    pin_box = Rect(inner.x, title.bottom + gap, inner.w, key)
    top = pin_box.bottom + gap
    buttons = [close]
    order: list[tuple[Intent, str, Icon]] = [
        (intents.keypad_digit(d), str(d), Icon.NONE) for d in (1, 2, 3, 4, 5, 6, 7, 8, 9)
    ]
    order += [
        (intents.KEYPAD_DELETE, "", Icon.DELETE),
        (intents.keypad_digit(0), "0", Icon.NONE),
        (intents.KEYPAD_ENTER, "", Icon.ENTER),
    ]
    for n, (intent, label, icon) in enumerate(order):
        row, col = divmod(n, 3)
        rect = Rect(inner.x + col * (key + gap), top + row * (key + gap), key, key)
        buttons.append(
            Button(
                rect,
                intent,
                label,
                icon,
                primary=intent == intents.KEYPAD_ENTER,
                lines=(label,) if label else (),
            )
        )
    return Controls(
        tuple(buttons),
        None,
        None,
        panel=panel,
        panel_title=title,
        pin_box=pin_box,
        backdrop_intent=intents.CLOSE,
        label_size=round(key * 0.4),
        title_text=labels.pin_title,
        title_size=screen.label_size,
    )


_FACES = (Icon.HELPFUL, Icon.SOMEWHAT, Icon.NOT_HELPFUL)


def helpful_controls(
    screen: Screen,
    language: str,
    topic: str,
    measure: TextMeasurer,
    words: Mapping[str, str] | None = None,
) -> Controls:
    """ "Was this helpful?": three faces with their words, and Skip. A tap beside the panel
    does what it would have done without it, and the panel closes (kiosk.screen.questions):
    ignoring the prompt costs nothing."""
    found = helpful_layout(screen, language, topic, measure, _label_floor(screen), words)
    buttons = tuple(
        Button(
            face.rect,
            face.intent,
            face.label,
            Icon.NONE if face.rating is None else _FACES[face.rating.value],
            lines=face.lines,
        )
        for face in found.faces
    )
    return Controls(
        buttons,
        None,
        None,
        pass_through=True,
        panel=found.panel,
        panel_title=found.title,
        label_size=found.label_size,
        title_text=found.title_text,
        title_size=found.title_size,
        page_label=found.topic,  # the topic's name, drawn like a menu's page line
        page_text=topic,
    )


# -- the staff menu (kiosk.screen.staff) -------------------------------------------------

STAFF_OVERLAYS = (Overlay.STAFF, Overlay.STAFF_FACTS, Overlay.TOUCH_TEST)


def staff_controls(
    screen: Screen,
    overlay: Overlay,
    language: str,
    measure: TextMeasurer,
    facts: Sequence[str] = (),
) -> Controls:
    """The panel for one of the staff overlays (STAFF, STAFF_FACTS or TOUCH_TEST)."""
    words = staff_text(language)
    if overlay is Overlay.STAFF:
        return _staff_menu(screen, words, measure)
    if overlay is Overlay.STAFF_FACTS:
        return _staff_facts(screen, words, measure, facts)
    if overlay is Overlay.TOUCH_TEST:
        return _touch_test(screen, words, measure)
    raise ValueError(f"not a staff overlay: {overlay}")


def _staff_menu(screen: Screen, words: StaffText, measure: TextMeasurer) -> Controls:
    gap = screen.gap
    row = round(screen.button_size * 1.1)
    safe = screen.safe
    width = round(safe.w * (0.9 if screen.portrait else 0.5))
    title_h = row
    height = title_h + len(MENU) * (row + gap) + 4 * gap
    panel = Rect(safe.x + (safe.w - width) // 2, safe.y + (safe.h - height) // 2, width, height)
    inner = panel.inset(2 * gap)
    labels = [str(getattr(words, key)) for _choice, key in MENU]
    pad = max(gap, round(inner.w * 0.04))
    size = one_size(labels, inner.w - 2 * pad, screen.label_size, _label_floor(screen), measure)
    buttons: list[Button] = []
    top = inner.y + title_h + gap
    for n, ((choice, _key), label) in enumerate(zip(MENU, labels, strict=True)):
        rect = Rect(inner.x, top + n * (row + gap), inner.w, row)
        intent = intents.CLOSE if choice is None else intents.staff(choice)
        buttons.append(
            Button(rect, intent, label, Icon.NONE, primary=choice is None, lines=(label,))
        )
    return Controls(
        tuple(buttons),
        None,
        None,
        panel=panel,
        panel_title=Rect(inner.x, inner.y, inner.w, title_h),
        backdrop_intent=intents.CLOSE,
        label_size=size,
        title_text=words.title,
        title_size=screen.label_size,
    )


def _bottom_buttons(inner: Rect, screen: Screen, words: StaffText) -> tuple[list[Button], Rect]:
    """Back and Close at the bottom right; returns them and the room left above."""
    target = screen.button_size
    width = round(target * 2.6)
    gap = screen.gap
    y = inner.bottom - target
    close = Button(
        Rect(inner.right - width, y, width, target),
        intents.CLOSE,
        words.cancel,
        Icon.CLOSE,
        lines=(words.cancel,),
    )
    back = Button(
        Rect(close.rect.x - gap - width, y, width, target),
        intents.staff(StaffChoice.BACK),
        words.back,
        Icon.PREV,
        primary=True,
        lines=(words.back,),
    )
    return [back, close], Rect(inner.x, inner.y, inner.w, y - gap - inner.y)


def _staff_facts(
    screen: Screen, words: StaffText, measure: TextMeasurer, facts: Sequence[str]
) -> Controls:
    panel = screen.content
    inner = panel.inset(screen.gap * 2)
    buttons, room = _bottom_buttons(inner, screen, words)
    title_h = max(round(screen.shorter * 0.09), screen.button_size)
    box = Rect(room.x, room.y + title_h, room.w, room.h - title_h)
    lines: list[str] = []
    size = _label_floor(screen)
    for candidate in font_sizes(screen.label_size, _label_floor(screen)):
        lines = [part for fact in facts for part in wrap(fact, box.w, candidate, measure)]
        if len(lines) * measure.line_height(candidate) <= box.h:
            size = candidate
            break
    label_size = one_size(
        [b.label for b in buttons],
        buttons[0].rect.w - 2 * screen.gap,
        screen.label_size,
        _label_floor(screen),
        measure,
    )
    return Controls(
        tuple(buttons),
        None,
        None,
        panel=panel,
        panel_title=Rect(room.x, room.y, room.w, title_h),
        backdrop_intent=intents.WAKE,
        label_size=label_size,
        title_text=words.facts_title,
        title_size=round(screen.shorter / 18),
        info_box=box,
        info_lines=tuple(lines),
        info_size=size,
    )


def _touch_test(screen: Screen, words: StaffText, measure: TextMeasurer) -> Controls:
    # The whole screen, edges included: calibration is most often off near the edges.
    panel = Rect(0, 0, screen.width, screen.height)
    inner = screen.safe.inset(screen.gap)
    buttons, room = _bottom_buttons(inner, screen, words)
    title_size = one_size(
        [words.touch_title], room.w, screen.label_size, _label_floor(screen), measure, max_lines=2
    )
    label_size = one_size(
        [b.label for b in buttons],
        buttons[0].rect.w - 2 * screen.gap,
        screen.label_size,
        _label_floor(screen),
        measure,
    )
    return Controls(
        tuple(buttons),
        None,
        None,
        panel=panel,
        panel_title=Rect(inner.x, inner.y, inner.w, screen.button_size),
        label_size=label_size,
        title_text=words.touch_title,
        title_size=title_size,
        touch_area=panel,
    )


def _language_label(deck: Deck, language: str) -> str | None:
    """The language button's label: the next language, named in itself."""
    languages = deck.languages
    if len(languages) < 2:
        return None
    position = languages.index(language) if language in languages else 0
    return deck.language_name(languages[(position + 1) % len(languages)])


def _section_of(deck: Deck, index: int) -> int:
    first = [s.first_slide for s in deck.sections]
    return max((i for i, start in enumerate(first) if start <= index), default=0)


def _reading_marks(
    view: View, presentation: Presentation, measure: TextMeasurer
) -> tuple[Mark, ...]:
    """The sentence being read, on a still page with nothing over it. The timings number the
    sentences of the slide as written, so a page of a re-flowed slide looks them up there."""
    if view.reading_sentence < 0 or view.animation is not None or view.overlay is not Overlay.NONE:
        return ()
    page = presentation.deck.slides[view.index]
    source = presentation.source.slides[presentation.slide_of_page[view.index]]
    label = ui_text(view.language).take_home
    plan = plan_slide(page, view.language, presentation.screen, measure, label)
    return sentence_marks(
        presentation.deck, source, view.language, plan, view.reading_sentence, measure
    )


def controls_for(
    view: View,
    presentation: Presentation,
    offset: tuple[int, int],
    measure: TextMeasurer,
    *,
    larger_text_available: bool = True,
) -> Controls:
    """Which controls `view` has and where, with the bar moved by the burn-in `offset`.

    The controls keep their normal size in the larger-text layout. Overlays are not moved:
    they are up for seconds, not days."""
    screen = Screen(*presentation.size)
    deck = presentation.deck
    words = ui_text(view.language, deck.words_for(view.language))
    language_label = _language_label(deck, view.language)
    if view.mode is Mode.ATTRACT:
        base = attract_controls(screen, words.hint, measure, language_label)
    else:
        counter = words.counter.format(current=view.index + 1, total=presentation.page_count)
        switch = view.larger_text if larger_text_available else None
        listen = view.reading if view.narrated else None
        base = bar_controls(screen, words, language_label, measure, switch, counter, listen=listen)
    pill, text, size = standing_line(screen, deck.emergency_number, view.language, measure)
    base = replace(base, standing=pill, standing_text=text, standing_size=size)
    base = replace(
        base.moved(*offset),
        question=question_controls(view, presentation, measure),
        marks=_reading_marks(view, presentation, measure),
    )
    return _with_standing(_overlay_for(view, presentation, screen, base, measure), base)


def standing_line(
    screen: Screen, number: str, language: str, measure: TextMeasurer
) -> tuple[Rect, str, int]:
    """The standing emergency line: a pill at the left of the top strip with a telephone
    and "Emergency? Call 911" (the deck's number) in the language; its words and size."""
    text = urgency_text(language).standing.format(number=number)
    strip = screen.standing
    icon = strip.h
    pad = max(4, strip.h // 3)
    room = strip.w - icon - 3 * pad
    size = one_size([text], room, screen.standing_size, 12, measure)
    width = min(strip.w, icon + 3 * pad + measure.width(text, size, True))
    return Rect(strip.x, strip.y, width, strip.h), text, size


def _with_standing(controls: Controls, base: Controls) -> Controls:
    if controls is base:
        return controls
    return replace(
        controls,
        standing=base.standing,
        standing_text=base.standing_text,
        standing_size=base.standing_size,
    )


def _overlay_for(
    view: View, presentation: Presentation, screen: Screen, base: Controls, measure: TextMeasurer
) -> Controls:
    deck = presentation.deck
    words = ui_text(view.language, deck.words_for(view.language))
    if view.overlay is Overlay.HELPFUL and 0 <= view.helpful_topic < len(deck.sections):
        topic = deck.sections[view.helpful_topic].title.get(view.language)
        own = deck.words_for(view.language)
        return replace(helpful_controls(screen, view.language, topic, measure, own), under=base)
    if view.overlay is Overlay.MENU:
        sections = [(s.title.get(view.language), s.first_slide) for s in deck.sections]
        menu = menu_controls(
            screen,
            sections,
            words,
            measure,
            page=view.menu_page,
            current=_section_of(deck, view.index),
        )
        return replace(menu, under=base)
    if view.overlay is Overlay.KEYPAD:
        return replace(keypad_controls(screen, words), under=base)
    if view.overlay in STAFF_OVERLAYS:
        staff = staff_controls(screen, view.overlay, view.language, measure, view.facts)
        return replace(staff, under=base)
    return base


class ControlsCache:
    """`controls_for`, remembered for recent views: input asks on every loop step and the
    picture is drawn from the same answer."""

    def __init__(self, measure: TextMeasurer, limit: int = 64) -> None:
        self._measure = measure
        self._limit = limit
        self._found: dict[tuple[object, ...], tuple[Presentation, Controls]] = {}

    def get(
        self,
        view: View,
        presentation: Presentation,
        offset: tuple[int, int],
        *,
        larger_text_available: bool = True,
    ) -> Controls:
        key = (
            id(presentation),
            view.mode,
            view.overlay,
            view.language,
            view.larger_text,
            view.menu_page,
            view.index,
            view.answered,
            view.revealed,
            view.helpful_topic,
            offset,
            larger_text_available,
            view.facts,
            view.narrated,
            view.reading,
            view.reading_sentence,
        )
        found = self._found.get(key)
        if found is not None and found[0] is presentation:
            return found[1]
        if len(self._found) >= self._limit:
            self._found.clear()
        controls = controls_for(
            view,
            presentation,
            offset,
            self._measure,
            larger_text_available=larger_text_available,
        )
        self._found[key] = (presentation, controls)
        return controls

    def clear(self) -> None:
        self._found.clear()
