"""Read-aloud on the screen: the navigator decides (fake clock), the player plays (fake mixer),
the bar offers Listen where a page is narrated, at every checked size and language."""

from __future__ import annotations

import io
import os
from dataclasses import replace
from pathlib import Path

import pygame
import pytest

from kiosk.deck.model import Narration
from kiosk.loader.check import STANDARD_SIZES
from kiosk.screen import intents
from kiosk.screen.controls import Icon, controls_for
from kiosk.screen.navigator import LISTEN_DEBOUNCE_SECONDS, LISTEN_GAP_SECONDS, Mode, Navigator
from kiosk.screen.player import NarrationPlayer
from kiosk.screen.presentation import Presentation, present
from kiosk.screen.render import FontBook
from tests.audio_samples import with_narration
from tests.helpers import FakeClock, make_deck

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

ROOT = Path(__file__).resolve().parents[2]
SIZES = STANDARD_SIZES  # the sizes `kiosk validate` checks every deck at


def narrated(count: int = 6, seconds: float = 4.0, **kwargs: object):
    # Two topics of three slides: 0-2 and 3-5.
    sections = ["Veins"] * 3 + ["Care"] * (count - 3)
    deck = make_deck(count, languages=("en", "es"), sections=sections, idle_timeout=60.0)
    return with_narration(deck, seconds, **kwargs)  # type: ignore[arg-type]


def browsing(deck, clock: FakeClock) -> Navigator:
    nav = Navigator(deck, clock)
    nav.handle(intents.WAKE)
    return nav


def settle(nav: Navigator, clock: FakeClock, seconds: float, step: float = 0.1) -> None:
    """Let time pass in small steps, as the loop would."""
    end = clock.now + seconds
    while clock.now < end:
        clock.advance(min(step, end - clock.now))
        nav.update()


# -- the navigator ---------------------------------------------------------------------


def test_listen_is_offered_only_on_a_narrated_page_in_its_language():
    clock = FakeClock()
    deck = narrated(slides=[1])
    nav = browsing(deck, clock)
    assert not nav.view().narrated
    nav.handle(intents.NEXT)
    assert nav.view().narrated and not nav.view().reading
    bare = browsing(make_deck(3), clock)
    assert not bare.view().narrated


def test_a_tap_starts_the_reading_and_a_second_tap_stops_it():
    clock = FakeClock()
    nav = browsing(narrated(), clock)
    nav.handle(intents.LISTEN)
    assert nav.reading is not None and nav.view().reading and nav.listening
    clock.advance(1.0)
    nav.handle(intents.LISTEN)
    assert nav.reading is None and not nav.view().reading and not nav.listening
    assert nav.listening_sessions == 1


def test_a_double_tap_on_listen_acts_once():
    clock = FakeClock()
    nav = browsing(narrated(), clock)
    nav.handle(intents.LISTEN)
    clock.advance(LISTEN_DEBOUNCE_SECONDS / 3)
    nav.handle(intents.LISTEN)
    clock.advance(LISTEN_DEBOUNCE_SECONDS / 3)
    nav.handle(intents.LISTEN)
    assert nav.reading is not None and nav.listening_sessions == 1


@pytest.mark.parametrize(
    "change",
    [intents.NEXT, intents.PREV, intents.HOME, intents.LANGUAGE, intents.goto(4)],
    ids=str,
)
def test_changing_slide_or_language_stops_it(change):
    clock = FakeClock()
    nav = browsing(narrated(), clock)
    nav.handle(intents.NEXT)
    nav.handle(intents.LISTEN)
    clock.advance(1.0)
    nav.handle(change)
    assert nav.reading is None and not nav.listening
    settle(nav, clock, 10.0)
    assert nav.reading is None  # and listening mode does not carry on


def test_another_text_size_stops_it():
    clock = FakeClock()
    deck = narrated()
    fonts = FontBook([ROOT / "assets" / "fonts"])
    nav = browsing(Presentation.plain(deck, (1280, 800)), clock)
    nav.handle(intents.LISTEN)
    nav.handle(intents.LARGER_TEXT)  # the app answers with the other presentation
    nav.use(present(deck, (1280, 800), fonts, larger_text=True))
    assert nav.reading is None and not nav.listening


def test_the_idle_timeout_stops_it_and_the_attract_loop_is_silent():
    clock = FakeClock()
    deck = narrated(seconds=170.0)  # longer than the idle timeout
    nav = browsing(deck, clock)
    nav.handle(intents.LISTEN)
    settle(nav, clock, deck.idle_timeout + 1, step=1.0)
    assert nav.mode is Mode.ATTRACT
    assert nav.reading is None and not nav.listening
    settle(nav, clock, 60.0, step=1.0)  # slides go by: none is read
    assert nav.reading is None


def test_the_attract_loop_reads_when_the_deck_opts_in_and_waits_for_the_reading():
    clock = FakeClock()
    deck = replace(narrated(seconds=15.0, attract=True), slide_duration=5.0)
    nav = Navigator(deck, clock)
    settle(nav, clock, 5.5)
    assert nav.index == 1 and nav.reading is not None
    settle(nav, clock, 12.0)  # the reading is longer than the slide's own time
    assert nav.index == 1
    settle(nav, clock, 5.0)
    assert nav.index == 2 and nav.reading is not None


def test_listening_mode_reads_the_topic_through_then_stops():
    clock = FakeClock()
    nav = browsing(narrated(seconds=3.0), clock)
    nav.handle(intents.LISTEN)
    first = nav.reading
    assert first is not None
    settle(nav, clock, 3.0 + 0.3 + LISTEN_GAP_SECONDS / 2)
    assert nav.index == 0 and nav.reading is None  # the pause between slides
    settle(nav, clock, LISTEN_GAP_SECONDS)
    assert nav.index == 1 and nav.reading is not None and nav.reading.serial != first.serial
    settle(nav, clock, 2 * (3.0 + 0.3 + LISTEN_GAP_SECONDS))
    assert nav.index == 2
    settle(nav, clock, 20.0)  # slide 3 is another topic: the kiosk stays
    assert nav.index == 2 and nav.reading is None and not nav.listening
    assert nav.mode is Mode.BROWSING


def test_a_touch_ends_listening_mode_but_lets_the_slide_finish():
    clock = FakeClock()
    nav = browsing(narrated(seconds=3.0), clock)
    nav.handle(intents.LISTEN)
    clock.advance(1.0)
    nav.handle(intents.WAKE)
    assert nav.reading is not None and not nav.listening
    settle(nav, clock, 10.0)
    assert nav.index == 0 and nav.reading is None


def test_the_sentence_being_read_follows_the_timings():
    clock = FakeClock()
    nav = browsing(narrated(seconds=6.0, starts=(0.0, 1.5, 4.0)), clock)
    assert nav.view().reading_sentence == -1
    nav.handle(intents.LISTEN)
    seen = []
    for _ in range(60):
        seen.append(nav.view().reading_sentence)
        before = nav.version
        clock.advance(0.1)
        nav.update()
        if nav.view().reading_sentence != seen[-1]:
            assert nav.version != before  # a change of sentence is a visible change
    assert [s for n, s in enumerate(seen) if n == 0 or s != seen[n - 1]] == [0, 1, 2]
    # The loop wakes for the next sentence, not on every poll.
    nav2 = browsing(narrated(seconds=6.0, starts=(0.0, 1.5, 4.0)), clock)
    nav2.handle(intents.LISTEN)
    assert nav2.next_deadline() == pytest.approx(clock.now + 1.5)


def test_without_timings_nothing_is_marked():
    clock = FakeClock()
    nav = browsing(narrated(), clock)
    nav.handle(intents.LISTEN)
    clock.advance(1.0)
    nav.update()
    assert nav.view().reading and nav.view().reading_sentence == -1


# -- the player, with a fake mixer -------------------------------------------------------


class FakeMusic:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.busy = False
        self.loaded: bytes | None = None
        self.hint = ""
        self.volume = 1.0

    def load(self, filename: io.BytesIO, namehint: str = "") -> None:
        self.calls.append("load")
        self.loaded = filename.getvalue()
        self.hint = namehint

    def play(self) -> None:
        self.calls.append("play")
        self.busy = True

    def stop(self) -> None:
        self.calls.append("stop")
        self.busy = False

    def unload(self) -> None:
        self.calls.append("unload")
        self.loaded = None

    def get_busy(self) -> bool:
        return self.busy

    def set_volume(self, volume: float) -> None:
        self.volume = volume


class FakeMixer:
    def __init__(self, fail: bool = False) -> None:
        self.music = FakeMusic()
        self.open = False
        self.inits: list[tuple[int, int, int, int]] = []
        self.quits = 0
        self.fail = fail

    def init(self, frequency: int, size: int, channels: int, buffer: int) -> None:
        if self.fail:
            raise pygame.error("no audio device")
        self.inits.append((frequency, size, channels, buffer))
        self.open = True

    def quit(self) -> None:
        self.open = False
        self.quits += 1

    def get_init(self) -> object:
        return (44100, -16, 2) if self.open else None


NARRATION = Narration("ogg", 2.0, b"OggS-checked-bytes", ())


def test_the_mixer_opens_on_first_play_with_a_small_buffer_and_closes_after_quiet():
    clock = FakeClock()
    mixer = FakeMixer()
    player = NarrationPlayer(mixer, clock, quiet_seconds=60.0)
    player.tick()
    assert not mixer.open and mixer.inits == []  # nothing until narration plays
    assert player.play(1, NARRATION, 0.5)
    assert mixer.open and mixer.inits[0][3] <= 2048
    assert mixer.music.loaded == b"OggS-checked-bytes" and mixer.music.hint == "ogg"
    assert mixer.music.volume == 0.5
    clock.advance(30.0)
    player.tick()
    assert mixer.open  # still playing
    player.stop()
    clock.advance(59.0)
    player.tick()
    assert mixer.open  # a next tap within the quiet spell is quick
    clock.advance(1.5)
    player.tick()
    assert not mixer.open and mixer.quits == 1
    assert player.play(2, NARRATION, 0.5) and len(mixer.inits) == 2


def test_a_file_that_plays_to_its_end_starts_the_quiet_spell():
    clock = FakeClock()
    mixer = FakeMixer()
    player = NarrationPlayer(mixer, clock, quiet_seconds=60.0)
    player.play(1, NARRATION, 1.0)
    mixer.music.busy = False  # the end of the file
    player.tick()
    assert player.playing is None
    clock.advance(61.0)
    player.tick()
    assert not mixer.open


def test_a_machine_without_sound_says_so_once_and_plays_nothing(caplog):
    mixer = FakeMixer(fail=True)
    player = NarrationPlayer(mixer, FakeClock())
    assert not player.play(1, NARRATION, 1.0)
    assert not player.play(2, NARRATION, 1.0)
    assert sum("cannot be played" in r.message for r in caplog.records) == 1
    assert player.playing is None


# -- the app: navigator and player together ---------------------------------------------


def make_app(deck, clock: FakeClock, mixer: FakeMixer, volume_cap: float = 1.0):
    from kiosk.screen.app import KioskApp

    pygame.display.init()
    surface = pygame.Surface((1280, 800))
    return KioskApp(
        deck,
        surface,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=lambda: [],
        flip=lambda: None,
        player=NarrationPlayer(mixer, clock),
        volume_cap=volume_cap,
    )


def test_the_app_plays_what_the_navigator_reads_and_stops_on_a_slide_change():
    clock = FakeClock()
    mixer = FakeMixer()
    deck = replace(narrated(data=b"OggS-one"), narration=replace(narrated().narration, volume=0.9))
    app = make_app(deck, clock, mixer, volume_cap=0.6)
    app.step()
    assert not mixer.open  # a narrated deck opens no mixer until someone listens
    app.navigator.handle(intents.WAKE)
    app.navigator.handle(intents.LISTEN)
    app.step()
    assert mixer.music.calls[-1] == "play" and mixer.music.loaded == b"OggS-one"
    assert mixer.music.volume == pytest.approx(0.6)  # this machine's cap
    assert app.listens == {("slide-0", "en"): 1} and app.listening_sessions == 1
    clock.advance(1.0)
    app.navigator.handle(intents.NEXT)
    app.step()
    assert mixer.music.calls[-2:] == ["stop", "unload"] and not mixer.music.busy


def test_the_app_tells_the_navigator_when_sound_cannot_play():
    clock = FakeClock()
    app = make_app(narrated(), clock, FakeMixer(fail=True))
    app.navigator.handle(intents.WAKE)
    app.navigator.handle(intents.LISTEN)
    app.step()
    assert app.navigator.reading is None and not app.navigator.view().reading


# -- the bar, with the deck's real fonts --------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("larger_text", [False, True], ids=["normal", "A+"])
@pytest.mark.parametrize("reading", [False, True], ids=["still", "reading"])
def test_the_listen_button_fits_at_every_size_and_language(size, language, larger_text, reading):
    fonts = FontBook([ROOT / "assets" / "fonts"])
    deck = narrated()
    presentation = Presentation.plain(deck, size)
    clock = FakeClock()
    nav = browsing(presentation, clock)
    if language != "en":
        nav.handle(intents.LANGUAGE)
        settle(nav, clock, 1.0)
    if reading:
        nav.handle(intents.LISTEN)
    view = replace(nav.view(), larger_text=larger_text)
    controls = controls_for(view, presentation, (0, 0), fonts)
    buttons = {b.intent: b for b in controls.buttons}
    listen = buttons[intents.LISTEN]
    assert listen.icon is Icon.LISTEN
    assert listen.label == {"en": "Listen", "es": "Escuchar"}[language]
    assert listen.primary is reading  # lit while reading
    # As large as the other bar buttons, and every label inside its own button.
    next_button = buttons[intents.NEXT]
    assert listen.rect.h == next_button.rect.h
    assert listen.rect.w >= min(b.rect.w for b in controls.buttons if b is not next_button)
    pad = max(8, controls_gap(size) // 2)
    for button in controls.buttons:
        assert " ".join(button.lines) == button.label
        for line in button.lines:
            assert fonts.width(line, controls.label_size, True) <= button.rect.w - 2 * pad
    if controls.counter is not None:
        assert fonts.width(controls.counter_text, controls.label_size, True) <= controls.counter.w


def controls_gap(size: tuple[int, int]) -> int:
    from kiosk.screen.layout import Screen

    return Screen(*size).gap


# -- the per-machine volume cap -----------------------------------------------------------


def test_a_machine_may_cap_the_volume(tmp_path):
    from kiosk.ops.config import load_config

    path = tmp_path / "kiosk.toml"
    assert load_config(path, environ={}).audio_volume_cap == 1.0
    path.write_text('screen_name = "lobby"\naudio_volume_cap = 0.4\n')
    assert load_config(path, environ={}).audio_volume_cap == pytest.approx(0.4)


@pytest.mark.parametrize("value", ["1.5", "-0.1", "true", '"loud"'])
def test_a_bad_volume_cap_is_one_sentence_naming_the_file(tmp_path, value):
    from kiosk.ops.config import ConfigError, load_config

    path = tmp_path / "kiosk.toml"
    path.write_text(f"audio_volume_cap = {value}\n")
    with pytest.raises(ConfigError, match=r"kiosk\.toml: audio_volume_cap must be a number"):
        load_config(path, environ={})


# -- an event storm on Listen ------------------------------------------------------------


def test_a_storm_of_taps_on_listen_acts_once():
    """A double tap, each touch also sent as SDL's mouse copy (flagged and unflagged), and
    a bounce: the reading starts once, and stays on."""
    from kiosk.screen.app import KioskApp

    pygame.display.init()
    clock = FakeClock()
    mixer = FakeMixer()
    queue: list[pygame.event.Event] = []

    def events() -> list[pygame.event.Event]:
        found = list(queue)
        queue.clear()
        return found

    app = KioskApp(
        narrated(),
        pygame.Surface((1280, 800)),
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=events,
        flip=lambda: None,
        player=NarrationPlayer(mixer, clock),
    )
    app.navigator.handle(intents.WAKE)
    app.step()
    button = next(b for b in app.controls().buttons if b.intent == intents.LISTEN)
    x, y = button.rect.center
    fx, fy = x / 1280, y / 800

    def touch(finger: int) -> list[pygame.event.Event]:
        return [
            pygame.event.Event(pygame.FINGERDOWN, x=fx, y=fy, finger_id=finger, touch_id=0),
            pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1, touch=True),
            pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1, touch=False),
            pygame.event.Event(pygame.FINGERUP, x=fx, y=fy, finger_id=finger, touch_id=0),
            pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, y), button=1, touch=True),
            pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, y), button=1, touch=False),
        ]

    for finger in (1, 2, 3):  # three touches within a quarter of a second
        queue.extend(touch(finger))
        app.step()
        clock.advance(0.08)
    app.step()
    assert mixer.music.calls.count("play") == 1
    assert app.navigator.reading is not None and app.navigator.listening_sessions == 1
    assert app.listens == {("slide-0", "en"): 1}
    # A deliberate second tap later stops it.
    clock.advance(1.0)
    queue.extend(touch(4))
    app.step()
    assert app.navigator.reading is None and not mixer.music.busy
