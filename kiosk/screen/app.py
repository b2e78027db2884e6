"""The loop: read input cheaply, feed the navigator, draw only when something changed.

While nothing moves the loop blocks until input comes or something is due (the next slide,
the idle timeout, the status write...: kiosk.screen.wakeup) and draws nothing; during an
animation it draws at the frame rate. Spare time between frames is used,
one small step at a time, to get ready for what a visitor may do next: the neighbouring
slides, the larger-text presentation, the topic menu.

The app owns the presentations (one per text size) and their renderers; the navigator only
says which page, which language and whether larger text is wanted.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pygame

from kiosk.deck.model import DAY_NAMES, Deck, Schedule, base_id
from kiosk.decks.follow import Watcher
from kiosk.ops.stats.recorder import StatsRecorder
from kiosk.ops.status import SCHEMA, RecentErrors, StatusWriter, process_memory_bytes
from kiosk.ops.watchdog import SystemdNotifier
from kiosk.screen.controls import Controls, ControlsCache
from kiosk.screen.input import InputMapper, is_activity
from kiosk.screen.intents import Action
from kiosk.screen.layout import LayoutError, Screen, chrome_offset
from kiosk.screen.memory import big_blocks_get_their_own_pages, release_memory
from kiosk.screen.navigator import CheckBeside, Navigator, StaffCheck
from kiosk.screen.output import Output, SurfaceOutput
from kiosk.screen.player import NarrationPlayer
from kiosk.screen.presentation import Presentation, PresentationBuilder
from kiosk.screen.questions import Answered
from kiosk.screen.render import FontBook, FrameRenderer, ImageStore, SurfaceCache
from kiosk.screen.view import Mode, Overlay, View
from kiosk.screen.wakeup import POLL_SECONDS, Blocker, Wake, next_burn_in_step, next_wake

log = logging.getLogger(__name__)

FRAME_RATE = 60
# Started from a terminal, not by the service: Esc quits, and the first frames say so.
ESCAPE_NOTICE = "Esc quits (started from a terminal)"
NOTICE_SECONDS = 8.0

EventSource = Callable[[], Iterable[pygame.event.Event]]


class KioskApp:
    def __init__(
        self,
        deck: Deck,
        display: pygame.Surface | Output,
        *,
        windowed: bool,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        events: EventSource = pygame.event.get,
        flip: Callable[[], None] = pygame.display.flip,
        watcher: Watcher | None = None,
        notifier: SystemdNotifier | None = None,
        stats: StatsRecorder | None = None,
        images: ImageStore | None = None,
        status: StatusWriter | None = None,
        recent_errors: RecentErrors | None = None,
        screen_name: str = "kiosk",
        deck_info: dict[str, str] | None = None,
        wall: Callable[[], float] = time.time,
        staff: StaffCheck | None = None,
        on_deck_live: Callable[[Deck], None] | None = None,
        on_deck_drawn: Callable[[Deck], None] | None = None,
        escape_quits: bool = False,
        player: NarrationPlayer | None = None,
        volume_cap: float = 1.0,
        block: Blocker | None = None,
    ) -> None:
        self.deck = deck
        # A bare surface is the window surface, presented with `flip`.
        self.output: Output = (
            SurfaceOutput(display, flip) if isinstance(display, pygame.Surface) else display
        )
        self.clock = clock
        self.sleep = sleep
        self.events = events
        self.watcher = watcher
        self.notifier = notifier or SystemdNotifier(environ={})
        self.stats = stats
        self.status = status
        self.recent_errors = recent_errors
        self.screen_name = screen_name
        # Where the deck came from and its fingerprint: {"version", "hash", "source", "folder"}.
        self.deck_info = dict(deck_info or {})
        if deck.assets is not None and "hash" not in self.deck_info:
            self.deck_info["hash"] = deck.assets.fingerprint
        self.wall = wall
        self.started_at = wall()
        self.last_frame_at: float | None = None  # wall time of the last frame flipped
        # Counters since start for the status file (and so for metrics).
        self.reloads: dict[str, int] = {"ok": 0, "refused": 0}
        self.last_reload: dict[str, Any] | None = None
        # Starts that showed the last good or bundled deck because the configured one was
        # broken (set by `kiosk run`).
        self.fallbacks = 0
        self.fallback_reason = ""
        self.larger_text_uses = 0
        self.language_switches = 0
        # Read-aloud: the player opens the mixer only when narration first plays; this
        # machine may cap the deck's volume (kiosk.ops.config).
        self.player = player if player is not None else NarrationPlayer(clock=clock)
        self.volume_cap = volume_cap
        self.listens: dict[tuple[str, str], int] = {}  # (slide id, language) -> readings
        self.listening_sessions = 0
        self._seen_language = deck.default_language
        self._seen_larger = False
        self._reported_problems: tuple[str, ...] = ()
        # Called with every deck that replaces the one on screen.
        self.on_deck_live = on_deck_live
        # Called once with each deck after every page of it, in every language and text size,
        # was drawn without an error (decks.lastgood keeps only such a deck).
        self.on_deck_drawn = on_deck_drawn
        # Slides that failed to be laid out or drawn, by id: left out of what is shown.
        self.skipped: dict[str, str] = {}
        self.slides_skipped = 0
        self._proof: DrawnProof | None = None
        self.stop_reason: str | None = None  # a signal asked the loop to end
        self._check_requested = False
        big_blocks_get_their_own_pages()
        # The loader child's checked font bytes: the drawing process never opens a font file.
        self.fonts = FontBook.for_deck(deck)
        self._controls = ControlsCache(self.fonts)
        # Decoded images are shared by every renderer, and so is the one memory budget.
        self.images = ImageStore() if images is None else images
        self._size = self.output.size
        self.cache = SurfaceCache(self._size)
        self._presentations: dict[bool, Presentation] = {}
        self._builder: PresentationBuilder | None = None
        self._larger_available = True
        self._renderers: dict[bool, FrameRenderer] = {}
        self._current: FrameRenderer | None = None
        self._present(deck)
        # The PIN is checked beside the loop (argon2 takes longer than a frame).
        self.navigator = Navigator(
            self._presentations[False], clock, staff=staff, run_check=CheckBeside
        )
        self.navigator.staff_facts = self.staff_facts
        self.input = InputMapper(
            self._size,
            windowed=windowed,
            escape_quits=escape_quits,
            staff_hold_seconds=deck.staff_exit.hold_seconds,
        )
        # A developer's way out, said in a corner of the first frames (kiosk.ops.exits).
        self._notice = ESCAPE_NOTICE if escape_quits and not windowed else ""
        self._notice_until = clock() + NOTICE_SECONDS if self._notice else None
        self.frames_drawn = 0
        self._drawn_version = -1
        self._last_frame_at = 0.0
        self._chrome_offset = (0, 0)
        # A wait that input ends at once (SDL's, kiosk.screen.wakeup); None: sleep in polls.
        self._block = block
        # More moments the loop must wake for, by name (say, the end of a narration).
        self.deadline_sources: dict[str, Callable[[], float | None]] = {}
        self.wakeups = 0
        self.last_wake: Wake | None = None

    def staff_facts(self) -> tuple[str, ...]:
        """The lines of the staff menu's "This screen's facts"."""
        from kiosk.screen.staff import ip_address, screen_facts

        errors = self.recent_errors.entries if self.recent_errors is not None else ()
        last = errors[-1] if errors else None
        when = datetime.fromtimestamp(last["at"]).strftime("%H:%M:%S") if last else ""
        return screen_facts(
            screen_name=self.screen_name,
            version=_package_version(),
            deck_info=self.deck_info,
            deck_folder=self.deck.root,
            deck_title=self.deck.title.get(self.deck.default_language),
            last_error=f"{when} {last['message']}" if last else None,
            ip=ip_address(),
            now=datetime.fromtimestamp(self.wall()),
        )

    # -- presentations -----------------------------------------------------------------------

    def _present(self, deck: Deck) -> None:
        """Start over with `deck` at the current size: normal text now, larger text built
        later in idle time (or at once if a visitor asks first). Skipped slides stay out."""
        if self.skipped:
            deck = replace(deck, slides=tuple(s for s in deck.slides if s.id not in self.skipped))
        self._proof = DrawnProof(self.deck) if self.on_deck_drawn is not None else None
        self._presentations = {False: Presentation.plain(deck, self._size)}
        self._builder = PresentationBuilder(deck, self._size, self.fonts, larger_text=True)
        self._larger_available = True
        self._renderers.clear()
        self._controls.clear()

    def presentation(self, larger_text: bool) -> Presentation:
        """The presentation for a text size; normal text when larger text cannot be laid
        out on this screen."""
        found = self._presentations.get(larger_text)
        if found is not None:
            return found
        builder = self._builder
        if builder is not None and self._larger_available:
            try:
                larger = builder.build()
            except LayoutError as error:
                # Some slide cannot be re-flowed on this screen: the A+ button goes away.
                log.warning("larger text is not available here: %s", error)
                self._larger_available = False
            else:
                self._presentations[True] = larger
                self._builder = None
                return larger
        return self._presentations[False]

    def _follow_text_size(self) -> None:
        """Hand the navigator the presentation for the text size it wants."""
        nav = self.navigator
        if nav.larger_text == nav.presentation.larger_text:
            return
        nav.use(self.presentation(nav.larger_text))
        if not nav.larger_text:
            self._drop_larger()

    def _after_visit(self) -> None:
        """Nobody here any more: pictures made ahead for larger text go too."""
        if self.navigator.mode is Mode.ATTRACT and not self.navigator.larger_text:
            self._drop_larger()

    def _drop_larger(self) -> None:
        """Larger text ended: its pictures go, and the memory goes back to the system."""
        renderer = self._renderers.pop(True, None)
        if renderer is None:
            return
        renderer.slides.forget()
        if self._current is renderer:
            self._current = None
        release_memory()

    @property
    def frames(self) -> FrameRenderer:
        """The renderer for the presentation on screen."""
        presentation = self.navigator.presentation
        renderer = self._renderer(presentation)
        if renderer is not self._current:
            if self._current is not None:
                renderer.adopt(self._current)  # crossfade from what the old one drew
            self._current = renderer
        return renderer

    def _renderer(self, presentation: Presentation) -> FrameRenderer:
        key = presentation.larger_text
        renderer = self._renderers.get(key)
        if renderer is None or renderer.presentation is not presentation:
            if renderer is not None:
                renderer.slides.forget()
            renderer = FrameRenderer(
                presentation, self._size, self.fonts, cache=self.cache, images=self.images
            )
            self._renderers[key] = renderer
        return renderer

    def controls(self, view: View | None = None) -> Controls:
        """What is on screen to be touched, exactly where it is drawn (burn-in offset
        included): input hit-tests this very object and the renderer draws it."""
        return self._controls.get(
            view or self.navigator.view(),
            self.navigator.presentation,
            self._chrome_offset,
            larger_text_available=self._larger_available,
        )

    @property
    def running(self) -> bool:
        return not self.navigator.exit_requested and self.stop_reason is None

    def request_stop(self, reason: str) -> None:
        """End the loop after the current pass (safe to call from a signal handler)."""
        self.stop_reason = reason

    def request_check(self) -> None:
        """Look for a new deck on the next pass (SIGHUP)."""
        self._check_requested = True

    # -- the loop ------------------------------------------------------------------------------

    def step(self) -> None:
        """One pass of the loop: input, time, drawing. Never blocks."""
        now = self.clock()
        # Proof of life for systemd's watchdog: a loop that hangs stops pinging.
        self.notifier.ping()
        offset = chrome_offset(now, Screen(*self._size).drift)
        if offset != self._chrome_offset:
            self._chrome_offset = offset
            self._drawn_version = -1  # redraw with the controls in their new place
        if self._notice_until is not None and now >= self._notice_until:
            self._notice_until = None  # the notice goes: the whole frame again
            self.output.exposed()
            self._drawn_version = -1
        nav = self.navigator
        controls = self.controls()
        for event in self.events():
            if event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
                self._resize()
                controls = self.controls()
                continue
            if event.type in (pygame.VIDEOEXPOSE, pygame.WINDOWEXPOSED):
                # Frames present only what changed: after an expose, all of it again.
                self.output.exposed()
                self._drawn_version = -1
                continue
            if is_activity(event):
                nav.note_activity()
            for intent in self.input.feed(event, now, controls.hit):
                nav.handle(intent)
                self._follow_text_size()
                # The screen may have changed under the finger (menu opened): test the next
                # events against what is now on screen.
                controls = self.controls()
        for intent in self.input.poll(now):
            nav.handle(intent)
            self._follow_text_size()
        if self.watcher is not None:
            self._poll_watcher()
        nav.update()
        self._follow_text_size()  # back in attract mode: normal text again
        self._after_visit()
        self._count_visitor_choices()
        self._follow_reading()
        self._record_answers()
        if nav.version != self._drawn_version or nav.animating:
            self.draw()
        if self.stats is not None:
            slide = nav.deck.slides[nav.index]
            mode = "rest" if nav.resting else nav.mode.value
            self.stats.observe(
                base_id(slide.id),
                mode,
                nav.language,
                last_touch=nav.last_touch,
                reading=nav.reading_seconds(),
            )
        if self.status is not None and self.status.due(now):
            self.status.write(self.status_snapshot(), now)

    def _follow_reading(self) -> None:
        """Make the player do what the navigator decided: start a new reading, stop one
        that ended or was stopped, and close the mixer after a quiet spell."""
        nav = self.navigator
        reading = nav.reading
        player = self.player
        if reading is None:
            if player.playing is not None:
                player.stop()
        elif reading.serial != player.playing:
            narration = nav.narration(reading.index, reading.language)
            volume = min(nav.deck.narration.volume, self.volume_cap)
            if narration is None or not player.play(reading.serial, narration, volume):
                nav.stop_reading()  # no sound here: Listen goes back to unlit
            else:
                slide_id = base_id(nav.deck.slides[reading.index].id)
                key = (slide_id, reading.language)
                self.listens[key] = self.listens.get(key, 0) + 1
                if self.stats is not None:
                    self.stats.listened(slide_id, reading.language, nav.mode.value)
        player.tick()
        if nav.listening_sessions != self.listening_sessions:
            if self.stats is not None:
                self.stats.listening_session(nav.language)
            self.listening_sessions = nav.listening_sessions

    def _poll_watcher(self) -> None:
        watcher = self.watcher
        assert watcher is not None
        if self._check_requested:
            self._check_requested = False
            wake = getattr(watcher, "wake", None)
            if callable(wake):
                wake()
        new_deck = watcher.poll()
        if new_deck is not None:
            self.replace_deck(new_deck)
            self._note_reload("ok", ())
        elif watcher.problems and watcher.problems != self._reported_problems:
            self._note_reload("refused", watcher.problems)
        self._reported_problems = watcher.problems

    def _note_reload(self, result: str, problems: tuple[str, ...]) -> None:
        self.reloads[result] = self.reloads.get(result, 0) + 1
        self.last_reload = {"at": self.wall(), "result": result, "problems": list(problems)}

    def _count_visitor_choices(self) -> None:
        """Count A+ and language choices made by visitors (the attract loop's own language
        rounds and the reset at idle are not choices)."""
        nav = self.navigator
        browsing = nav.mode is Mode.BROWSING
        if nav.larger_text and not self._seen_larger and browsing:
            self.larger_text_uses += 1
        if nav.language != self._seen_language and browsing:
            self.language_switches += 1
        self._seen_larger = nav.larger_text
        self._seen_language = nav.language

    def _record_answers(self) -> None:
        """Hand the questions' answers and ratings to the statistics (as counts; the
        navigator forgets them when the visitor leaves)."""
        events = self.navigator.questions.take_events()
        if self.stats is None:
            return
        for event in events:
            if isinstance(event, Answered):
                self.stats.answered(event.question, event.language, right=event.right)
            else:
                self.stats.rated(event.topic, event.language, event.rating.name.lower())

    def status_snapshot(self) -> dict[str, Any]:
        """Everything the status file says (see kiosk.ops.status for the schema)."""
        nav = self.navigator
        deck = self.deck
        slide = nav.deck.slides[nav.index]
        wall = self.wall()
        language = nav.language
        return {
            "schema": SCHEMA,
            "screen": self.screen_name,
            "pid": os.getpid(),
            "version": _package_version(),
            "started_at": self.started_at,
            "updated_at": wall,
            "uptime_seconds": round(wall - self.started_at, 1),
            "screen_size": list(self._size),
            "deck": {
                "version": self.deck_info.get("version", ""),
                "hash": self.deck_info.get("hash", ""),
                "source": self.deck_info.get("source", "folder"),
                "folder": str(deck.root),
                "title": deck.title.get(deck.default_language),
                "slides": len(deck.slides),
                "languages": list(deck.languages),
            },
            "slide": {
                "index": nav.index,
                "id": base_id(slide.id),
                "title": slide.title.get(language),
            },
            "mode": "rest" if nav.resting else nav.mode.value,
            "language": language,
            "larger_text": nav.larger_text,
            "overlay": nav.overlay.value,
            "last_frame_at": self.last_frame_at,
            "frames_drawn": self.frames_drawn,
            "last_reload": self.last_reload,
            "errors": list(self.recent_errors.entries) if self.recent_errors else [],
            "counters": {
                "reloads": dict(self.reloads),
                "fallbacks": self.fallbacks,
                "slides_skipped": self.slides_skipped,
                "larger_text": self.larger_text_uses,
                "language_switches": self.language_switches,
                "sessions": self.stats.sessions_recorded if self.stats else 0,
                "views": self.stats.totals() if self.stats else [],
                "answers": self.stats.answer_totals() if self.stats else [],
                "ratings": self.stats.rating_totals() if self.stats else [],
                "listens": [
                    {"slide": slide, "language": language, "listens": count}
                    for (slide, language), count in sorted(self.listens.items())
                ],
                "listening_sessions": self.listening_sessions,
            },
            "schedule": {
                "hours": _describe_hours(deck.schedule),
                "resting": nav.resting,
            },
            "memory_bytes": process_memory_bytes(),
            "cpu_seconds": round(time.process_time(), 2),
        }

    def replace_deck(self, deck: Deck) -> None:
        """Show a new, already validated deck, crossfading from what is on screen."""
        self.deck = deck
        if deck.assets is not None:
            self.deck_info["hash"] = deck.assets.fingerprint
        self.input.staff_hold_seconds = deck.staff_exit.hold_seconds
        self.images.retain(s.image for s in deck.slides if s.image is not None)
        self.skipped.clear()
        self._present(deck)
        self.navigator.use(self.presentation(self.navigator.larger_text))
        release_memory()
        if self.on_deck_live is not None:
            self.on_deck_live(deck)

    def draw(self) -> None:
        view = self.navigator.view()
        if self._notice_until is not None:
            view = replace(view, notice=self._notice)
        frames = self.frames
        try:
            self.output.show(frames, view, self.controls(view))
        except Exception as error:
            pages = [view.index]
            if view.animation is not None:
                pages += [view.animation.from_index, view.animation.to_index]
            self._slide_failed(frames, pages, view.language, error)
            return
        self.frames_drawn += 1
        self.last_frame_at = self.wall()
        self._drawn_version = self.navigator.version

    def _resize(self) -> None:
        if not self.output.refresh():
            return
        self._size = self.output.size
        self.input.resize(self._size)
        self.cache = SurfaceCache(self._size)
        self._current = None
        # New presentations for the new size; the visitor keeps page, language and text size,
        # and a resize is not a visitor action (the idle timeout is left alone).
        self._present(self.deck)
        self.navigator.use(self.presentation(self.navigator.larger_text))
        self._drawn_version = -1
        release_memory()

    def wait(self) -> None:
        """Sleep until the next frame (animating) or until something is due (still): the
        earliest of the deadlines, or input, whichever comes first (kiosk.screen.wakeup)."""
        now = self.clock()
        if self.navigator.animating:
            wake = Wake(self._last_frame_at + 1 / FRAME_RATE, "frame")
        else:
            # Use the quiet time to get ready for what a visitor may do next: one small
            # piece per poll, counted in the poll's time, so input is looked at as often.
            busy = self._get_ready()
            wake = next_wake(
                now, self.deadlines(now), wakes_on_input=self._block is not None, busy=busy
            )
        self.last_wake = wake
        delay = wake.at - self.clock()
        if delay > 0:
            if self._block is not None:
                self._block(delay)
            else:
                self.sleep(delay)
        self.wakeups += 1
        self._last_frame_at = self.clock()

    def deadlines(self, now: float) -> list[tuple[str, float | None]]:
        """Every moment at which `step` has something to do on its own (clock times)."""
        found: list[tuple[str, float | None]] = [
            ("navigator", self.navigator.next_deadline()),
            ("corner hold", self.input.next_deadline()),
            ("notice", self._notice_until),
            ("burn-in", next_burn_in_step(now)),
            ("watchdog", self.notifier.next_ping_due()),
        ]
        if self.status is not None:
            found.append(("status", self.status.next_due()))
        if self.watcher is not None:
            due = getattr(self.watcher, "next_due", None)
            at = due() if callable(due) else None
            # A load under way is polled often, but not in a busy loop.
            found.append(("watcher", now + POLL_SECONDS if at is None else max(at, now)))
            if self._check_requested:
                found.append(("reload", now))
        found.extend((name, source()) for name, source in self.deadline_sources.items())
        return found

    def _get_ready(self) -> bool:
        """One small piece of work ahead of time (a slide, a page of layout, the menu), so no
        tap ever waits for it. True if it did any work."""
        nav = self.navigator
        count = nav.slide_count
        frames = self.frames
        for index in (nav.index + 1, nav.index - 1, 0):
            if self._prepare(frames, index % count, nav.language):
                return True
        if self._builder is not None and self._larger_available:
            try:
                if not self._builder.step():
                    assert self._builder.result is not None
                    self._presentations[True] = self._builder.result
                    self._builder = None
            except LayoutError as error:
                log.warning("larger text is not available here: %s", error)
                self._larger_available = False
                self._builder = None
                self._controls.clear()
            return True
        if nav.overlay is Overlay.MENU:
            # The topics on show, while the budget has room (the slide behind stays kept).
            for button in self.controls().buttons:
                target = button.intent.value
                if (
                    button.intent.action is Action.GOTO
                    and target is not None
                    and not frames.slides.is_cached(target, nav.language)
                ):
                    if not self.cache.room_for(frames.slides.slide_bytes):
                        return False
                    return self._prepare(frames, target, nav.language)
            return False
        if nav.mode is Mode.ATTRACT or nav.overlay is not Overlay.NONE:
            return self._prove()
        if not self.cache.room_for(frames.slides.slide_bytes):
            # Beyond the neighbours, only what fits: pushing them out would make the loop
            # redraw the same pictures over and over (at 4K five screens fill the budget).
            return False
        view = nav.view()
        # The menu as it would open now: its panel and the dimmed slide behind it.
        menu = replace(view, overlay=Overlay.MENU, menu_page=-1, animation=None, progress=1.0)
        if frames.prepare_overlay(menu, self.controls(menu)):
            return True
        # The same page in the other language (the language button is one tap away).
        for language in nav.deck.languages:
            if language != nav.language and self._prepare(frames, nav.index, language):
                return True
        # The same page in the other text size, and the bar with A+ switched (one page:
        # everything else of larger text is dropped when the visitor leaves).
        other = self._presentations.get(not nav.presentation.larger_text)
        if other is not None:
            page = other.first_page(nav.presentation.slide_of_page[nav.index])
            switched = replace(view, index=page, larger_text=other.larger_text)
            bar = self._controls.get(
                switched, other, self._chrome_offset, larger_text_available=True
            )
            renderer = self._renderer(other)
            if renderer.chrome.prepare(switched, bar) or self._prepare(
                renderer, page, nav.language
            ):
                return True
        return self._prove()

    # -- slides that cannot be drawn -------------------------------------------------------

    def _prepare(self, frames: FrameRenderer, index: int, language: str) -> bool:
        """`frames.prepare`, with a slide that fails left out instead of stopping the loop."""
        try:
            return frames.prepare(index, language)
        except Exception as error:
            self._slide_failed(frames, [index], language, error)
            return True

    def _slide_failed(
        self, frames: FrameRenderer, pages: list[int], language: str, error: Exception
    ) -> None:
        """A frame or a slide ahead of time failed: find the slide to blame (drawn again on
        its own), leave it out and go on with the others. Anything else is not a slide's
        fault and is raised again, as is a deck with no slide left to show."""
        deck = frames.presentation.deck
        blamed: list[str] = []
        for page in dict.fromkeys(p for p in pages if 0 <= p < len(deck.slides)):
            try:
                frames.slides.draw(page, language)
            except Exception as again:
                blamed.append(base_id(deck.slides[page].id))
                log.error(
                    "slide '%s' (%s) cannot be drawn [%s] and is skipped: %s: %s",
                    base_id(deck.slides[page].id),
                    deck.slides[page].origin,
                    language,
                    type(again).__name__,
                    again,
                )
        remaining = [s for s in self.deck.slides if s.id not in self.skipped and s.id not in blamed]
        if not blamed or not remaining:
            raise error
        for slide_id in blamed:
            self.skipped[slide_id] = f"{type(error).__name__}: {error}"
            self.slides_skipped += 1
        self._present(self.deck)
        self.navigator.use(self.presentation(self.navigator.larger_text))
        self._drawn_version = -1

    def _prove(self) -> bool:
        """Draw, once, the next page not drawn yet of the deck on screen (each language, each
        text size); when all were drawn without a slide skipped, the deck is known to draw."""
        proof = self._proof
        if proof is None or proof.done:
            return False
        larger = self._presentations.get(True)
        if larger is None and self._builder is not None and self._larger_available:
            return False  # the larger-text layout is still being made
        shown = [self._presentations[False]] + ([larger] if larger is not None else [])
        for presentation in shown:
            renderer = self._renderer(presentation)
            for page in range(presentation.page_count):
                for language in presentation.deck.languages:
                    key = (presentation.larger_text, page, language)
                    if key in proof.drawn:
                        continue
                    proof.drawn.add(key)
                    try:
                        renderer.slides.draw(page, language)
                    except Exception as error:
                        self._slide_failed(renderer, [page], language, error)
                    return True
        proof.done = True
        if not self.skipped and self.on_deck_drawn is not None:
            self.on_deck_drawn(proof.deck)
        return False

    def prove_all(self) -> None:
        """Draw every page not drawn yet now, rather than one per idle moment."""
        self.presentation(True)  # the larger-text layout, made now if it is not yet
        while self._prove():
            pass

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
        elif self.stop_reason is not None:
            log.info("stopping: %s", self.stop_reason)
        self.player.close()
        log.info("kiosk loop ended after %d steps, %d frames drawn", steps, self.frames_drawn)


@dataclass
class DrawnProof:
    """Which pages of `deck` were drawn once, as (larger text, page, language)."""

    deck: Deck
    drawn: set[tuple[bool, int, str]] = field(default_factory=set)
    done: bool = False


@functools.cache
def _package_version() -> str:
    try:
        return version("cvi-kiosk")
    except PackageNotFoundError:
        return "0+unknown"


def _describe_hours(schedule: Schedule | None) -> str:
    if schedule is None:
        return "always open"
    days = ",".join(DAY_NAMES[day] for day in sorted(schedule.days))
    return f"{days} {schedule.opens:%H:%M}-{schedule.closes:%H:%M}"
