"""Where the kiosk is and what happens next: a pure state machine driven by an injected clock.

Two modes:
- ATTRACT: nobody is using the kiosk. Each slide stays for its own duration, then the next one
  fades in, forever. Controls are hidden; the first touch only wakes the kiosk (shows the
  controls, keeps the slide that caught the visitor's eye).
- BROWSING: a visitor is in charge. No auto-advance. After `idle_timeout` seconds with no input
  of any kind, close any overlay and go back to the first slide in ATTRACT mode.

Attract timing is scheduled from the previous deadline, not from when `update` happened to run,
so a slow frame never makes the loop drift.

No pygame here: tests drive it with a fake clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from kiosk.deck.model import Deck, Narration, SlideKind, base_id
from kiosk.ops.exits import EXIT_OK, EXIT_RESTART, EXIT_TO_DESKTOP
from kiosk.screen.intents import Action, Intent, StaffChoice
from kiosk.screen.presentation import Presentation
from kiosk.screen.questions import HELPFUL_BEFORE_IDLE, HELPFUL_SECONDS, Questions, reveal_after
from kiosk.screen.staff import MAX_TOUCHES
from kiosk.screen.view import FROM_SCREEN, Animation, Mode, Overlay, View

__all__ = ["FROM_SCREEN", "Animation", "Mode", "Navigator", "Overlay", "View"]

log = logging.getLogger(__name__)

Clock = Callable[[], float]
LocalTime = Callable[[], datetime]
# How often clinic hours are looked at; opening a minute late is fine.
SCHEDULE_CHECK_SECONDS = 30.0

MAX_PIN_DIGITS = 8
PIN_ERROR_SECONDS = 2.0
# While a PIN is checked beside the loop, the loop looks for the answer this often.
PIN_POLL_SECONDS = 0.02

# Listening mode: the pause between one slide's reading and the next slide's.
LISTEN_GAP_SECONDS = 1.5
# A reading is taken to last this much longer than its file says: the mixer starts a few
# buffers late, and stopping it then would cut the last word.
READ_TAIL_SECONDS = 0.3
# A second tap on Listen this soon after the first is the same tap (a double tap, a tremor):
# it must not stop what the first one started.
LISTEN_DEBOUNCE_SECONDS = 0.6


@dataclass(frozen=True)
class Reading:
    """A page's narration being read aloud now. `serial` is new for every reading, so the
    app's player knows a new one from the same one still going."""

    serial: int
    index: int  # the page
    language: str
    path: Path  # the slide's narration file: its bytes are in the deck's assets
    started_at: float
    seconds: float
    starts: tuple[float, ...]  # when each sentence starts; () without timings

    @property
    def ends_at(self) -> float:
        return self.started_at + self.seconds + READ_TAIL_SECONDS

    def sentence(self, now: float) -> int:
        """The sentence being read at `now`; -1 without timings."""
        elapsed = now - self.started_at
        found = -1
        for number, start in enumerate(self.starts):
            if start > elapsed:
                break
            found = number
        return found if self.starts else -1

    def next_change(self, now: float) -> float:
        """When the marked sentence changes next, or the reading ends."""
        elapsed = now - self.started_at
        later = [self.started_at + s for s in self.starts if s > elapsed]
        return min([self.ends_at, *later])


class StaffCheck(Protocol):
    """The staff exit's PIN check (kiosk.ops.pin.StaffPin): per machine, never from the deck."""

    @property
    def configured(self) -> bool: ...

    @property
    def why_closed(self) -> str:
        """Why the keypad stays closed when not `configured` (no PIN, a damaged file)."""
        ...

    def attempt(self, pin: str) -> bool: ...


class PendingCheck(Protocol):
    def result(self) -> bool | None:
        """True or False once the check is done, None while it runs."""
        ...


# How a PIN check is run: now (tests with a fake check) or beside the loop (the kiosk).
PinRunner = Callable[[Callable[[], bool]], PendingCheck]


class _Done:
    def __init__(self, value: bool) -> None:
        self._value = value

    def result(self) -> bool | None:
        return self._value


def check_now(check: Callable[[], bool]) -> PendingCheck:
    """Run the check on the caller's thread (a fake check in a test takes no time)."""
    return _Done(check())


class CheckBeside:
    """Runs one PIN check in a worker thread: an argon2 hash takes 50-100 ms on a small board
    (a damaged PIN file could ask for far more), which must never be the drawing loop's time.
    The loop polls `result` and keeps drawing meanwhile."""

    def __init__(self, check: Callable[[], bool]) -> None:
        self._value: bool | None = None
        self._thread = threading.Thread(
            target=self._run, args=(check,), name="pin-check", daemon=True
        )
        self._thread.start()

    def _run(self, check: Callable[[], bool]) -> None:
        try:
            value = check()
        except Exception:  # a failing check is a refused PIN, never a stopped screen
            log.exception("the staff PIN check failed")
            value = False
        self._value = value

    def result(self) -> bool | None:
        return self._value


class Navigator:
    def __init__(
        self,
        presentation: Presentation | Deck,
        clock: Clock,
        local_time: LocalTime = datetime.now,
        staff: StaffCheck | None = None,
        run_check: PinRunner = check_now,
    ) -> None:
        if isinstance(presentation, Deck):
            presentation = Presentation.plain(presentation)
        self._clock = clock
        # Without a PIN check nobody leaves by the corner hold (a kiosk with no PIN is locked).
        self._staff = staff
        self._run_check = run_check
        self._pin_check: PendingCheck | None = None
        self._local_time = local_time
        self._presentation = presentation
        self._deck = presentation.deck
        # The visitor's choice; the app answers by handing over the matching presentation.
        self.larger_text = presentation.larger_text
        self.resting = False
        self._schedule_checked_at: float | None = None
        now = clock()
        self.index = 0
        self.language = self._deck.default_language
        self.mode = Mode.ATTRACT
        self.overlay = Overlay.NONE
        self.menu_page: int | None = None  # None: the page holding the current topic
        self.animation: Animation | None = None
        self.exit_requested = False
        self.exit_reason = ""  # for the log: who left, and how
        self.exit_status = EXIT_OK  # kiosk.ops.exits: what systemd is told
        # "This screen's facts", asked for when staff open them (the app knows them).
        self.staff_facts: Callable[[], tuple[str, ...]] = lambda: ()
        self._facts: tuple[str, ...] = ()
        self._touches: list[tuple[int, int]] = []
        self._shown_at = now  # when the current page was fully on screen
        self._last_input = now
        self._reading_memo: tuple[Deck, int, str, float] | None = None
        self._pin = ""
        self._pin_rejected_at: float | None = None
        # Answers, the attract reveal and "Was this helpful?" for this visit.
        self.questions = Questions()
        # Read-aloud: the reading under way, listening mode (the topic read through after
        # one tap on Listen), when the next slide of the topic is due, and counters.
        self.reading: Reading | None = None
        self.listening = False
        self._listen_next_at: float | None = None
        self._last_listen_tap: float | None = None
        self._reading_serial = 0
        self._shown_sentence = -1
        self.listening_sessions = 0  # listening modes started by a tap on Listen
        # Bumped on every visible change, so the app redraws only when this moves.
        self.version = 0

    # -- read side -------------------------------------------------------------------------

    @property
    def presentation(self) -> Presentation:
        return self._presentation

    @property
    def deck(self) -> Deck:
        """The pages of the presentation on screen, as a deck."""
        return self._deck

    @property
    def slide_count(self) -> int:
        return len(self._deck.slides)

    def view(self) -> View:
        now = self._clock()
        slide_id = self._deck.slides[self.index].id
        return View(
            index=self.index,
            language=self.language,
            mode=self.mode,
            overlay=self.overlay,
            animation=self.animation,
            progress=self.animation.progress(now) if self.animation else 1.0,
            pin_digits=len(self._pin),
            pin_rejected=self._pin_rejected_at is not None,
            pin_checking=self._pin_check is not None,
            resting=self.resting,
            larger_text=self._presentation.larger_text,
            menu_page=-1 if self.menu_page is None else self.menu_page,
            answered=self.questions.answered(slide_id),
            revealed=self.questions.revealed(slide_id),
            helpful_topic=self.questions.helpful_topic,
            facts=self._facts if self.overlay is Overlay.STAFF_FACTS else (),
            touches=tuple(self._touches) if self.overlay is Overlay.TOUCH_TEST else (),
            narrated=self.narration(self.index, self.language) is not None,
            reading=self._reading_here(),
            reading_sentence=self._reading_sentence(now),
        )

    # -- read-aloud ------------------------------------------------------------------------

    def narration(self, index: int, language: str) -> Narration | None:
        """The checked narration of page `index` in `language`, if it has one."""
        assets = self._deck.assets
        if assets is None or not 0 <= index < len(self._deck.slides):
            return None
        path = self._deck.slides[index].narration_file(language)
        return None if path is None else assets.narrations.get(path)

    def _reading_here(self) -> bool:
        r = self.reading
        return r is not None and r.index == self.index and r.language == self.language

    def _reading_sentence(self, now: float) -> int:
        if not self._reading_here() or self.animation is not None:
            return -1
        assert self.reading is not None
        return self.reading.sentence(now)

    def _start_reading(self, now: float) -> bool:
        found = self.narration(self.index, self.language)
        path = self._deck.slides[self.index].narration_file(self.language)
        if found is None or path is None:
            return False
        self._reading_serial += 1
        self.reading = Reading(
            serial=self._reading_serial,
            index=self.index,
            language=self.language,
            path=path,
            started_at=now,
            seconds=found.seconds,
            starts=found.starts,
        )
        # Listening counts as being here: the idle timeout runs from the last touch or the
        # start of the last reading, whichever is later.
        self._last_input = max(self._last_input, now)
        self._shown_sentence = self.reading.sentence(now)
        self.version += 1
        return True

    def stop_reading(self) -> None:
        """Stop the reading and listening mode (also what the app calls when the sound
        cannot be played on this machine)."""
        self.listening = False
        self._listen_next_at = None
        self._stop_reading()

    def _stop_reading(self) -> None:
        if self.reading is not None:
            self.reading = None
            self._shown_sentence = -1
            self.version += 1

    def _listen(self) -> None:
        now = self._clock()
        last = self._last_listen_tap
        self._last_listen_tap = now
        if last is not None and now - last < LISTEN_DEBOUNCE_SECONDS:
            return
        if self.reading is not None or self._listen_next_at is not None:
            self.stop_reading()
            return
        if self._start_reading(now):
            self.listening = True
            self.listening_sessions += 1

    def _next_in_topic(self) -> int | None:
        """The first page of the next slide when it is in the same topic and narrated."""
        slide_of = self._presentation.slide_of_page
        here = self.index
        page = here + 1
        while page < self.slide_count and page < len(slide_of) and slide_of[page] == slide_of[here]:
            page += 1  # the other pages of a re-flowed slide read the same file
        if page >= self.slide_count:
            return None
        slides = self._deck.slides
        language = self._deck.default_language
        if slides[page].section.get(language) != slides[here].section.get(language):
            return None
        return page if self.narration(page, self.language) is not None else None

    def _step_reading(self, now: float) -> bool:
        reading = self.reading
        if reading is not None:
            if now >= reading.ends_at:
                self._stop_reading()
                if self.listening and self.mode is Mode.BROWSING:
                    if self._next_in_topic() is not None:
                        self._listen_next_at = reading.ends_at + LISTEN_GAP_SECONDS
                    else:
                        self.listening = False  # the topic has been read through
                return True
            sentence = reading.sentence(now)
            if sentence != self._shown_sentence:
                self._shown_sentence = sentence
                self.version += 1
                return True
            return False
        if self._listen_next_at is not None and now >= self._listen_next_at:
            self._listen_next_at = None
            target = self._next_in_topic()
            if target is None or self.mode is not Mode.BROWSING:
                self.listening = False
                return True
            self._go(target, direction=+1, at=now)
            self._start_reading(now)
            return True
        return False

    def _reading_deadlines(self, now: float) -> list[float]:
        found = []
        if self.reading is not None:
            found.append(self.reading.next_change(now))
        if self._listen_next_at is not None:
            found.append(self._listen_next_at)
        return found

    @property
    def animating(self) -> bool:
        return self.animation is not None

    def next_deadline(self) -> float:
        """The next moment `update` will change something on its own.

        While an animation runs it is "now": the app should draw every frame.
        """
        if self.animation is not None:
            return self._clock()
        candidates = []
        if self._deck.schedule is not None and self.mode is Mode.ATTRACT:
            checked = self._schedule_checked_at or self._clock()
            candidates.append(checked + SCHEDULE_CHECK_SECONDS)
        if self.resting:
            pass  # nothing moves until a touch or the next schedule check
        elif self.mode is Mode.ATTRACT:
            candidates.append(self._attract_due())
            reveal = self._reveal_at()
            if reveal is not None:
                candidates.append(reveal)
        else:
            candidates.append(self._last_input + self._deck.idle_timeout)
            if self.overlay is Overlay.HELPFUL:
                candidates.append(self.questions.helpful_since + HELPFUL_SECONDS)
            elif self.overlay is Overlay.NONE and self.questions.may_offer_before_leaving(
                self._deck
            ):
                candidates.append(self._leaving_at())
        if self._pin_rejected_at is not None:
            candidates.append(self._pin_rejected_at + PIN_ERROR_SECONDS)
        if self._pin_check is not None:
            candidates.append(self._clock() + PIN_POLL_SECONDS)
        candidates += self._reading_deadlines(self._clock())
        return min(candidates)

    @property
    def last_touch(self) -> float:
        """Clock time of the last input (the start, before anyone touched the screen)."""
        return self._last_input

    def reading_seconds(self) -> float:
        """How long the page on screen takes to read, in its language (the attract loop's
        time for it). Remembered per page: the statistics ask on every frame."""
        memo, deck = self._reading_memo, self._deck
        if memo is None or memo[0] is not deck or memo[1:3] != (self.index, self.language):
            seconds = deck.duration_of(self.index, self.language)
            memo = self._reading_memo = (deck, self.index, self.language, seconds)
        return memo[3]

    # -- input -----------------------------------------------------------------------------

    def note_activity(self) -> None:
        """Any input at all (even a touch that does nothing) pushes the idle timeout back."""
        self._last_input = self._clock()

    def handle(self, intent: Intent) -> None:
        self.note_activity()
        action = intent.action
        if action is not Action.LISTEN and (self.listening or self._listen_next_at is not None):
            # A touch ends listening mode: the slide being read is read to its end, and
            # the kiosk moves on only when the visitor does.
            self.listening = False
            self._listen_next_at = None
            self.version += 1
        if action is Action.QUIT:
            self._exit("quit from the development window")
            return
        if action is Action.STAFF_GESTURE:
            self._wake()
            if self._staff is not None and self._staff.configured:
                self._set_overlay(Overlay.KEYPAD)
                self._pin = ""
                self._pin_check = None
            elif self._staff is None:
                log.warning(
                    "staff corner held, but no staff PIN is set on this machine: the keypad "
                    "stays closed (run `kiosk set-pin`)"
                )
            else:
                log.warning("staff corner held, but the keypad stays closed: %s",
                            self._staff.why_closed)  # fmt: skip
            return
        if self.mode is Mode.ATTRACT:
            # The first touch shows the controls and keeps what caught the visitor's eye;
            # only the language button, visible in attract mode too, also does its job.
            self._wake()
            if action is Action.LANGUAGE:
                self._handle_browsing(intent)
            return
        if self.overlay is Overlay.KEYPAD:
            self._handle_keypad(intent)
            return
        if self.overlay in (Overlay.STAFF, Overlay.STAFF_FACTS, Overlay.TOUCH_TEST):
            self._handle_staff(intent)
            return
        if self.overlay is Overlay.HELPFUL:
            # One tap on a face answers; any other tap just closes it (skipping costs
            # nothing more), and a key press still does its job.
            if action is Action.RATE and intent.value is not None:
                self.questions.rate(self._deck, intent.value, self.language)
            else:
                self.questions.close_prompt()
            self._set_overlay(Overlay.NONE)
            if action in (Action.RATE, Action.CLOSE, Action.WAKE):
                return
        self._handle_browsing(intent)

    def _handle_browsing(self, intent: Intent) -> None:
        action = intent.action
        if action is Action.NEXT:
            self._set_overlay(Overlay.NONE)
            ask = self.questions.offer_at_topic_end(self._deck, self.index, self._clock())
            self._go((self.index + 1) % self.slide_count, direction=+1)
            if ask:
                self._set_overlay(Overlay.HELPFUL)
        elif action is Action.ANSWER and intent.value is not None:
            if self.questions.answer(self._deck, self.index, intent.value, self.language):
                self.version += 1
        elif action is Action.PREV:
            self._set_overlay(Overlay.NONE)
            self._go((self.index - 1) % self.slide_count, direction=-1)
        elif action is Action.HOME:
            self._set_overlay(Overlay.NONE)
            self._go(0, direction=-1)
        elif action is Action.MENU:
            self.menu_page = None
            self._set_overlay(Overlay.NONE if self.overlay is Overlay.MENU else Overlay.MENU)
        elif action is Action.MENU_PAGE and intent.value is not None:
            if self.overlay is Overlay.MENU and intent.value != self.menu_page:
                self.menu_page = max(0, intent.value)
                self.version += 1
        elif action is Action.CLOSE:
            self._set_overlay(Overlay.NONE)
        elif action is Action.GOTO and intent.value is not None:
            target = max(0, min(self.slide_count - 1, intent.value))
            self._set_overlay(Overlay.NONE)
            self._go(target, direction=+1 if target >= self.index else -1)
        elif action is Action.LISTEN:
            self._listen()
        elif action is Action.LARGER_TEXT:
            # Only the wish: the app answers with the matching presentation (`use`).
            self.larger_text = not self.larger_text
            self.version += 1
        elif action is Action.LANGUAGE:
            languages = self._deck.languages
            if len(languages) > 1:
                position = languages.index(self.language) if self.language in languages else 0
                self._go(
                    self.index, direction=+1, language=languages[(position + 1) % len(languages)]
                )
        # WAKE and keypad keys outside the keypad: activity only, already noted.

    def _handle_keypad(self, intent: Intent) -> None:
        action = intent.action
        if self._pin_check is not None and action not in (Action.CLOSE, Action.MENU, Action.HOME):
            return  # checking: keys wait for the answer (Close still closes)
        if action is Action.KEYPAD_DIGIT and intent.value is not None:
            if len(self._pin) < MAX_PIN_DIGITS:
                self._pin += str(intent.value % 10)
                self._pin_rejected_at = None
                self.version += 1
        elif action is Action.KEYPAD_DELETE:
            if self._pin:
                self._pin = self._pin[:-1]
                self.version += 1
        elif action is Action.KEYPAD_ENTER:
            pin, staff, self._pin = self._pin, self._staff, ""
            if staff is None:
                self._pin_answered(False)
                return
            self._pin_check = self._run_check(lambda: staff.attempt(pin))
            self.version += 1  # "checking" on the keypad
            self._pin_check_done()
        elif action in (Action.CLOSE, Action.MENU, Action.HOME):
            self._pin = ""
            self._pin_check = None  # an answer that comes later is ignored
            self._set_overlay(Overlay.NONE)
        # Anything else (arrows, taps beside the keys) is ignored while the keypad is up.

    def _pin_check_done(self) -> bool:
        """Take the answer of the PIN check under way, if it came. True if it did."""
        check = self._pin_check
        answer = None if check is None else check.result()
        if answer is None:
            return False
        self._pin_check = None
        self._pin_answered(answer)
        return True

    def _pin_answered(self, accepted: bool) -> None:
        if accepted:
            log.info("staff menu opened (corner hold and PIN)")
            self._set_overlay(Overlay.STAFF)
        else:
            self._pin_rejected_at = self._clock()
            self.version += 1

    def _handle_staff(self, intent: Intent) -> None:
        action = intent.action
        if self.overlay is Overlay.TOUCH_TEST and action is Action.TOUCH_POINT:
            if intent.point is not None:
                self._touches = [*self._touches, intent.point][-MAX_TOUCHES:]
                log.debug("touch test: a touch at %s", intent.point)
                self.version += 1
            return
        if action in (Action.CLOSE, Action.HOME, Action.MENU):
            log.info("staff menu: cancel")
            self._set_overlay(Overlay.NONE)
            return
        if action is not Action.STAFF or intent.value is None:
            return  # the slide's own keys and taps beside the buttons do nothing here
        choice = StaffChoice(intent.value)
        if choice is StaffChoice.BACK:
            self._set_overlay(Overlay.STAFF)
        elif self.overlay is not Overlay.STAFF:
            return
        elif choice is StaffChoice.EXIT_TO_DESKTOP:
            log.info("staff menu: exit to the desktop")
            self._exit("staff exit to the desktop (corner hold and PIN)", EXIT_TO_DESKTOP)
        elif choice is StaffChoice.RESTART:
            log.info("staff menu: restart the kiosk")
            self._exit("staff restart (corner hold and PIN)", EXIT_RESTART)
        elif choice is StaffChoice.FACTS:
            log.info("staff menu: this screen's facts")
            self._facts = self.staff_facts()
            self._set_overlay(Overlay.STAFF_FACTS)
        elif choice is StaffChoice.TOUCH_TEST:
            log.info("staff menu: touch test")
            self._touches = []
            self._set_overlay(Overlay.TOUCH_TEST)

    def use(self, presentation: Presentation) -> None:
        """Show `presentation` from now on: the other text size, an edited deck or a new
        screen size. The visitor stays on the same slide (found by id; if it was removed, on
        the nearest slide that survived) and the change is a crossfade from the screen.
        Not a visitor action: the idle timeout and the mode are left alone."""
        self.stop_reading()  # another text size, deck or screen: other pages
        old = self._deck
        deck = presentation.deck
        # Pages of a re-flowed slide share its id before the "~": match on that.
        new_ids: dict[str, int] = {}
        for i, slide in enumerate(deck.slides):
            new_ids.setdefault(base_id(slide.id), i)
        current = old.slides[self.index].id if 0 <= self.index < len(old.slides) else ""
        exact = next((i for i, s in enumerate(deck.slides) if s.id == current), None)
        if exact is not None:
            new_ids[base_id(current)] = exact
        target = 0
        for distance in range(len(old.slides)):
            found = None
            for candidate in (self.index + distance, self.index - distance):
                if (
                    0 <= candidate < len(old.slides)
                    and base_id(old.slides[candidate].id) in new_ids
                ):
                    found = new_ids[base_id(old.slides[candidate].id)]
                    break
            if found is not None:
                target = found
                break
        self._presentation = presentation
        self._deck = deck
        # When the larger text cannot be laid out here the app hands back normal text.
        self.larger_text = presentation.larger_text
        if self.language not in deck.languages:
            self.language = deck.default_language
        self.index = target
        if self.overlay is Overlay.MENU:
            self.version += 1  # the topics may have changed: redraw the menu
        if self.overlay is Overlay.HELPFUL:
            # The topics may have changed: the prompt goes (the visitor loses nothing).
            self.questions.close_prompt()
            self._set_overlay(Overlay.NONE)
        self._fade_from_screen(self._clock())

    def _fade_from_screen(self, now: float) -> None:
        """Show the current slide by crossfading from whatever the screen shows now (the
        slide it replaces belongs to another deck, so it cannot be named)."""
        self.animation = Animation(
            from_index=FROM_SCREEN,
            from_language=self.language,
            to_index=self.index,
            to_language=self.language,
            started_at=now,
            seconds=max(self._deck.transition.seconds, 0.2),
            direction=+1,
        )
        self.version += 1

    # -- time ------------------------------------------------------------------------------

    def update(self) -> None:
        """Apply everything that is due at the clock's current time."""
        now = self._clock()
        # A few rounds at most: an animation can end and the next deadline pass in one update.
        for _ in range(4):
            if not self._step(now):
                break

    def _check_schedule(self, now: float) -> None:
        schedule = self._deck.schedule
        if schedule is None or self.mode is not Mode.ATTRACT:
            return
        if (
            self._schedule_checked_at is not None
            and now < self._schedule_checked_at + SCHEDULE_CHECK_SECONDS
        ):
            return
        self._schedule_checked_at = now
        resting = not schedule.is_open(self._local_time())
        if resting != self.resting:
            self.resting = resting
            self._shown_at = now  # on waking, the slide gets its full time again
            self.version += 1

    def _step(self, now: float) -> bool:
        self._check_schedule(now)
        if self.animation is not None:
            if now < self.animation.ends_at:
                return False
            self._shown_at = self.animation.ends_at
            self.animation = None
            self.version += 1
            return True
        if self._pin_check is not None and self._pin_check_done():
            return True
        if self._pin_rejected_at is not None and now >= self._pin_rejected_at + PIN_ERROR_SECONDS:
            self._pin_rejected_at = None
            self.version += 1
            return True
        if self._step_reading(now):
            return True
        if self.mode is Mode.BROWSING:
            if now >= self._last_input + self._deck.idle_timeout:
                self._return_to_attract(now)
                return True
            return self._step_helpful(now)
        if self.resting:
            return False
        reveal = self._reveal_at()
        if reveal is not None and now >= reveal:
            self.questions.reveal(self._deck.slides[self.index].id)
            self.version += 1
            return True
        due = self._attract_due()
        if now < due:
            return False
        # Start exactly at the deadline unless we are badly late (suspend, a stall): then
        # start now rather than racing through slides to catch up.
        start = due if now - due <= self._deck.transition.seconds else now
        following = (self.index + 1) % self.slide_count
        language = self.language
        languages = self._deck.languages
        if following == 0 and self._deck.alternate_languages and len(languages) > 1:
            # A new round of the loop in the next language, so every reader gets a turn.
            position = languages.index(language) if language in languages else 0
            language = languages[(position + 1) % len(languages)]
        self._go(following, direction=+1, language=language, at=start)
        self._read_in_attract(start)
        return True

    def _attract_due(self) -> float:
        """When the attract loop moves on: after the slide's time, and after its reading
        (with the listening pause) when the deck reads aloud in the attract loop."""
        due = self._shown_at + self._deck.duration_of(self.index, self.language)
        if self.reading is not None:
            due = max(due, self.reading.ends_at + LISTEN_GAP_SECONDS)
        return due

    def _read_in_attract(self, now: float) -> None:
        # Silent by default: a waiting room is shared (docs/deck-format.md#narration).
        if self._deck.narration.attract and self.mode is Mode.ATTRACT and not self.resting:
            self._start_reading(now)

    def _reveal_at(self) -> float | None:
        """When the attract loop reveals the answer of the question on screen (None: not a
        question, or revealed already)."""
        slide = self._deck.slides[self.index]
        if slide.kind is not SlideKind.CHECK or self.questions.revealed(slide.id):
            return None
        return self._shown_at + reveal_after(self._deck.duration_of(self.index, self.language))

    def _leaving_at(self) -> float:
        """When a visitor who stopped touching the screen may be leaving: "Was this helpful?"
        is offered then, well before the idle timeout."""
        idle = self._deck.idle_timeout
        return self._last_input + max(idle / 2, idle - HELPFUL_BEFORE_IDLE)

    def _step_helpful(self, now: float) -> bool:
        if self.overlay is Overlay.HELPFUL:
            if now >= self.questions.helpful_since + HELPFUL_SECONDS:
                self.questions.close_prompt()
                self._set_overlay(Overlay.NONE)
                return True
        elif (
            self.overlay is Overlay.NONE
            and self.reading is None
            and self._listen_next_at is None
            and now >= self._leaving_at()
            and self.questions.offer_before_leaving(self._deck, self.index, now)
        ):
            self._set_overlay(Overlay.HELPFUL)
            return True
        return False

    def _return_to_attract(self, now: float) -> None:
        self.stop_reading()
        # The next visitor starts with normal text (the app hands that presentation over).
        self.larger_text = False
        self.mode = Mode.ATTRACT
        self._pin = ""
        self._pin_rejected_at = None
        self._pin_check = None
        self.questions.end_visit()
        self._set_overlay(Overlay.NONE)
        default = self._deck.default_language
        if self.index != 0 or self.language != default:
            self._go(0, direction=-1, language=default, at=now)
        else:
            self._shown_at = now
        self._read_in_attract(now)
        self.version += 1

    # -- helpers ---------------------------------------------------------------------------

    def _exit(self, reason: str, status: int = EXIT_OK) -> None:
        self.exit_requested = True
        self.exit_reason = reason
        self.exit_status = status

    def _wake(self) -> None:
        if self.mode is Mode.ATTRACT:
            self.mode = Mode.BROWSING
            self.resting = False
            self._schedule_checked_at = None  # look again as soon as it is idle again
            self.version += 1

    def _set_overlay(self, overlay: Overlay) -> None:
        if overlay is not self.overlay:
            self.overlay = overlay
            self.version += 1

    def _go(
        self,
        target: int,
        *,
        direction: int,
        language: str | None = None,
        at: float | None = None,
    ) -> None:
        language = language or self.language
        if target == self.index and language == self.language:
            return
        self._stop_reading()  # another page or language: the reading was of this one
        start = self._clock() if at is None else at
        # Never stack animations: a new one replaces the one under way.
        seconds = self._deck.transition.seconds
        self.animation = Animation(
            from_index=self.index,
            from_language=self.language,
            to_index=target,
            to_language=language,
            started_at=start,
            seconds=seconds,
            direction=direction,
        )
        self.index = target
        self.language = language
        self.questions.left(self._deck.slides[target].id)
        self.version += 1
        if seconds <= 0:
            self.animation = None
            self._shown_at = start
