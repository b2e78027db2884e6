"""The loop: read input cheaply, feed the navigator, draw only when something changed.

While nothing moves the loop sleeps in short slices (input still feels instant) and draws
nothing; during a transition it draws at the frame rate. Spare time between frames is used to
render the neighbouring slides ahead, so a transition never waits for text rendering.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

import pygame

from kiosk.input import InputMapper, is_activity
from kiosk.intents import TEXT_SIZE
from kiosk.layout import Screen, chrome_offset, larger_text_deck
from kiosk.model import Deck, base_id
from kiosk.navigator import Navigator
from kiosk.reload import DeckWatcher
from kiosk.render import FontBook, FrameRenderer, deck_fonts
from kiosk.stats import StatsRecorder
from kiosk.strings import ui_text
from kiosk.watchdog import SystemdNotifier

log = logging.getLogger(__name__)

FRAME_RATE = 60
# How often a still screen looks for input: 30 ms keeps a touch feeling immediate
# while the process sleeps >95 % of the time.
IDLE_POLL_SECONDS = 0.03

EventSource = Callable[[], Iterable[pygame.event.Event]]


class KioskApp:
    def __init__(
        self,
        deck: Deck,
        display: pygame.Surface,
        *,
        windowed: bool,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        events: EventSource = pygame.event.get,
        flip: Callable[[], None] = pygame.display.flip,
        watcher: DeckWatcher | None = None,
        notifier: SystemdNotifier | None = None,
        stats: StatsRecorder | None = None,
    ) -> None:
        self.deck = deck
        self.display = display
        self.clock = clock
        self.sleep = sleep
        self.events = events
        self.flip = flip
        self.watcher = watcher
        self.notifier = notifier or SystemdNotifier(environ={})
        self.stats = stats
        self.fonts = FontBook(deck_fonts(deck))
        size = display.get_size()
        self._size = size
        # Renderers by deck (the normal one and its larger-text re-flow); the deck object is
        # kept with its renderer so an id is never reused while cached.
        self._renderers: dict[tuple[int, bool], tuple[Deck, FrameRenderer]] = {}
        self._larger_decks: dict[int, tuple[Deck, Deck]] = {}
        self._current: FrameRenderer | None = None
        self.navigator = Navigator(deck, clock, larger=self._larger_deck)
        self.input = InputMapper(
            size, windowed=windowed, staff_hold_seconds=deck.staff_exit.hold_seconds
        )
        self.frames_drawn = 0
        self._drawn_version = -1
        self._last_frame_at = 0.0
        self._chrome_offset = (0, 0)

    @property
    def frames(self) -> FrameRenderer:
        """The renderer for what the navigator shows now (normal or larger text)."""
        nav = self.navigator
        key = (id(nav.deck), nav.large_text)
        entry = self._renderers.get(key)
        if entry is None:
            renderer = FrameRenderer(
                nav.deck, self._size, self.fonts, large_text=nav.large_text, text_size_button=True
            )
            # Only the decks in use keep renderers (each holds a bounded slide cache).
            keep = {id(self.deck), id(nav.deck)}
            self._renderers = {k: v for k, v in self._renderers.items() if k[0] in keep}
            entry = self._renderers[key] = (nav.deck, renderer)
        renderer = entry[1]
        if renderer is not self._current:
            if self._current is not None:
                renderer.adopt(self._current)  # crossfade from what the old one drew
            self._current = renderer
        return renderer

    def _larger_deck(self, deck: Deck) -> Deck:
        found = self._larger_decks.get(id(deck))
        if found is None:
            labels = [ui_text(language).take_home for language in deck.languages]
            larger = larger_text_deck(deck, Screen(*self._size), self.fonts, labels)
            self._larger_decks = {id(deck): (deck, larger)}
            return larger
        return found[1]

    @property
    def running(self) -> bool:
        return not self.navigator.exit_requested

    def step(self) -> None:
        """One pass of the loop: input, time, drawing. Never blocks."""
        now = self.clock()
        # Proof of life for systemd's watchdog: a loop that hangs stops pinging.
        self.notifier.ping()
        view = self.navigator.view()
        controls = self.frames.chrome.controls(view)
        for event in self.events():
            if event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
                self._resize()
                continue
            if is_activity(event):
                self.navigator.note_activity()
            for intent in self.input.feed(event, now, controls.hit):
                self.navigator.handle(intent)
                # The screen may have changed under the finger (menu opened): test the next
                # events against what is now on screen.
                controls = self.frames.chrome.controls(self.navigator.view())
        for intent in self.input.poll(now):
            self.navigator.handle(intent)
        if self.watcher is not None:
            new_deck = self.watcher.poll()
            if new_deck is not None:
                self.replace_deck(new_deck)
        self.navigator.update()
        offset = chrome_offset(now, self.frames.screen.drift)
        if offset != self._chrome_offset:
            self._chrome_offset = offset
            self._drawn_version = -1  # redraw with the controls in their new place
        if self.navigator.version != self._drawn_version or self.navigator.animating:
            self.draw()
        if self.stats is not None:
            nav = self.navigator
            slide = nav.deck.slides[nav.index]
            mode = "rest" if nav.resting else nav.mode.value
            self.stats.observe(base_id(slide.id), mode, nav.language)

    def replace_deck(self, deck: Deck) -> None:
        """Show a new, already validated deck, crossfading from what is on screen."""
        self.deck = deck
        self.input.staff_hold_seconds = deck.staff_exit.hold_seconds
        self.navigator.replace_deck(deck)

    def draw(self) -> None:
        self.frames.draw(self.display, self.navigator.view(), self._chrome_offset)
        self.flip()
        self.frames_drawn += 1
        self._drawn_version = self.navigator.version

    def _resize(self) -> None:
        surface = pygame.display.get_surface()
        if surface is None or surface.get_size() == (
            self.frames.screen.width,
            self.frames.screen.height,
        ):
            return
        self.display = surface
        self._size = surface.get_size()
        self.input.resize(self._size)
        self._renderers.clear()
        self._larger_decks.clear()
        # The larger-text pages were cut for the old size: start again from normal text.
        if self.navigator.large_text:
            self.navigator.handle(TEXT_SIZE)
        self._current = None
        self._drawn_version = -1

    def wait(self) -> None:
        """Sleep until the next frame (animating) or a short poll interval (still)."""
        now = self.clock()
        if self.navigator.animating:
            delay = self._last_frame_at + 1 / FRAME_RATE - now
        else:
            # Use the quiet time to render the slides a visitor may go to next.
            if self._prepare_neighbours():
                return
            deadlines = [self.navigator.next_deadline()]
            hold = self.input.next_deadline()
            if hold is not None:
                deadlines.append(hold)
            delay = min(IDLE_POLL_SECONDS, min(deadlines) - now)
        if delay > 0:
            self.sleep(delay)
        self._last_frame_at = self.clock()

    def _prepare_neighbours(self) -> bool:
        """Render at most one not-yet-ready neighbour per call, so input stays responsive."""
        nav = self.navigator
        count = nav.slide_count
        for index in (nav.index + 1, nav.index - 1, 0):
            if self.frames.prepare(index % count, nav.language):
                return True
        return False

    def run(self, max_steps: int | None = None) -> None:
        steps = 0
        while self.running and (max_steps is None or steps < max_steps):
            self.step()
            if not self.running:
                break
            self.wait()
            steps += 1
        if self.navigator.exit_requested:
            log.info("exit: %s", self.navigator.exit_reason)
        log.info("kiosk loop ended after %d steps, %d frames drawn", steps, self.frames_drawn)
