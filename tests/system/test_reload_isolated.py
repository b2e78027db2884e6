"""Hot reload through the loader child: `poll()` never waits for it, so the screen loop keeps
stepping, drawing and pinging the watchdog while a hostile deck is read; a good edit swaps in
with pixels and fonts from the child; a hostile one is refused and the old deck stays."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pygame
import pytest

from kiosk.deck.limits import Limits
from kiosk.deck.model import Deck
from kiosk.decks.reload import DeckWatcher
from kiosk.loader import LoadJob, LoadRequest, load_isolated
from kiosk.ops.watchdog import SystemdNotifier
from kiosk.screen.app import KioskApp
from kiosk.screen.intents import Action, Intent
from tests.attacks import PLAIN_SECTION, image_section, make_deck, png, png_chunk
from tests.helpers import FakeClock

ROOT = Path(__file__).resolve().parents[2]
W, H = 960, 600
# However slow the machine, a load that has not finished after this much real time is a bug.
REAL_TIME_CAP = 120.0


def bump(path: Path, text: str, stamp: list[int]) -> None:
    path.write_text(text, encoding="utf-8")
    stamp[0] += 10**9
    os.utime(path, ns=(stamp[0], stamp[0]))


def starter(size: tuple[int, int] = (W, H), limits: Limits | None = None):
    def start(folder: Path) -> LoadJob:
        return LoadJob(LoadRequest(folder, (size,), limits=limits or Limits()))

    return start


def poll_until(watcher: DeckWatcher, clock: FakeClock, done) -> tuple[Deck | None, int]:
    """Poll like the loop does (fake time moves 30 ms per pass) until `done(watcher)`;
    returns the deck handed over (if any) and how many polls found the child still busy."""
    busy = 0
    swapped: Deck | None = None
    end = time.monotonic() + REAL_TIME_CAP
    while time.monotonic() < end:
        clock.advance(0.03)
        deck = watcher.poll()
        swapped = deck or swapped
        if watcher.loading:
            busy += 1
            time.sleep(0.01)
        if done(watcher, swapped):
            return swapped, busy
    raise AssertionError("the reload never finished")


def test_a_good_edit_arrives_from_the_child_with_pixels_and_fonts(tmp_path):
    folder = make_deck(tmp_path)
    first = load_isolated(LoadRequest(folder, ((W, H),))).deck
    assert first is not None
    clock = FakeClock()
    watcher = DeckWatcher(folder, first, clock=clock, start=starter())
    (folder / "images").mkdir()
    pygame.image.save(pygame.Surface((300, 200)), str(folder / "images" / "a.png"))
    bump(folder / "10-care.yaml", image_section("images/a.png"), [1_700_000_000 * 10**9])
    swapped, busy = poll_until(watcher, clock, lambda w, d: d is not None)
    assert busy > 0  # polls came back while the child was still working
    assert swapped is not None and swapped.assets is not None
    assert [s.id for s in swapped.slides] == ["walk", "picture"]
    (pixels,) = swapped.assets.images.values()
    assert (pixels.width, pixels.height) == (300, 200)
    assert watcher.deck is swapped and watcher.problems == ()


@pytest.mark.parametrize(
    ("plant", "message"),
    [
        (os.mkfifo, "is a named pipe"),
        (os.mkdir, "is a folder"),
        (lambda p: os.symlink("/dev/zero", p), "leads to /dev/zero"),
    ],
    ids=["fifo", "folder", "dev-zero"],
)
def test_a_special_file_appearing_is_refused_and_the_old_deck_stays(tmp_path, plant, message):
    folder = make_deck(tmp_path)
    first = load_isolated(LoadRequest(folder, ((W, H),))).deck
    assert first is not None
    clock = FakeClock()
    watcher = DeckWatcher(folder, first, clock=clock, start=starter(), grace_seconds=2.0)
    plant(folder / "20-x.yaml")
    poll_until(watcher, clock, lambda w, d: bool(w.problems))
    assert watcher.deck is first
    assert any(f"slides/20-x.yaml:1: (file): {message}" in p for p in watcher.problems)


def test_files_changing_during_a_load_stop_it_and_the_final_files_win(tmp_path):
    folder = make_deck(tmp_path)
    first = load_isolated(LoadRequest(folder, ((W, H),))).deck
    assert first is not None
    clock = FakeClock()
    stamp = [1_700_000_000 * 10**9]
    watcher = DeckWatcher(folder, first, clock=clock, start=starter())
    bump(folder / "10-care.yaml", PLAIN_SECTION.replace("Walk every day", "One"), stamp)
    poll_until(watcher, clock, lambda w, d: w.loading)
    bump(folder / "10-care.yaml", PLAIN_SECTION.replace("Walk every day", "Two"), stamp)
    swapped, _ = poll_until(watcher, clock, lambda w, d: d is not None)
    assert swapped is not None and swapped.slides[0].title.get("en") == "Two"


def test_close_stops_a_load_in_progress(tmp_path):
    folder = make_deck(tmp_path)
    first = load_isolated(LoadRequest(folder)).deck
    assert first is not None
    clock = FakeClock()
    watcher = DeckWatcher(folder, first, clock=clock, start=starter())
    bump(folder / "10-care.yaml", PLAIN_SECTION.replace("Walk", "Run"), [1_800_000_000 * 10**9])
    poll_until(watcher, clock, lambda w, d: w.loading)
    watcher.close()
    assert not watcher.loading


class CountingNotifier(SystemdNotifier):
    """No systemd here (so nothing is sent and no ping is ever due), but it counts how often
    the loop offers a ping: once per pass, however long a reload's check takes."""

    def __init__(self) -> None:
        super().__init__(environ={})
        self.pings = 0

    def ping(self) -> bool:
        self.pings += 1
        return True


@pytest.fixture
def display():
    pygame.display.init()
    yield pygame.display.set_mode((W, H))
    pygame.display.quit()


def big_png(width: int, height: int) -> bytes:
    """Allowed (under the pixel limit) but slow to decode: noise compresses badly."""
    import zlib

    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    return png(
        width, height, body=png_chunk(b"IDAT", zlib.compress(rows, 1)) + png_chunk(b"IEND", b"")
    )


def test_the_loop_keeps_stepping_drawing_and_pinging_while_a_hostile_reload_is_checked(
    tmp_path, display
):
    deck_dir = tmp_path / "slides"
    shutil.copytree(ROOT / "slides", deck_dir)
    shutil.copytree(ROOT / "assets", tmp_path / "assets")
    first = load_isolated(LoadRequest(deck_dir, ((W, H),))).deck
    assert first is not None
    clock = FakeClock()
    # The child gets too little memory for the big image: it works a while, then fails.
    limits = Limits(memory_bytes=300_000_000)
    watcher = DeckWatcher(deck_dir, first, clock=clock, start=starter(limits=limits))
    notifier = CountingNotifier()
    app = KioskApp(
        first,
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=list,
        flip=lambda: None,
        watcher=watcher,
        notifier=notifier,  # type: ignore[arg-type]
    )
    app.run(max_steps=20)
    (deck_dir / "images").mkdir()
    (deck_dir / "images" / "huge.png").write_bytes(big_png(6000, 4000))
    path = deck_dir / "10-welcome.yaml"
    text = path.read_text(encoding="utf-8")
    bump(
        path,
        text.replace("kind: title", "image: images/huge.png\n    kind: title", 1),
        [1_900_000_000 * 10**9],
    )

    steps_while_loading = pings_before = frames_before = 0
    end = time.monotonic() + REAL_TIME_CAP
    seen_loading = False
    while time.monotonic() < end:
        if watcher.loading and not seen_loading:
            seen_loading = True
            pings_before, frames_before = notifier.pings, app.frames_drawn
        if seen_loading and not watcher.loading:
            break
        if seen_loading:
            steps_while_loading += 1
            if steps_while_loading % 40 == 1:
                app.navigator.handle(Intent(Action.NEXT))  # a visitor taps: a transition runs
            time.sleep(0.005)
        app.step()
        app.wait()
    assert seen_loading and not watcher.loading
    assert steps_while_loading > 5
    assert notifier.pings - pings_before >= steps_while_loading  # every pass pinged
    assert app.frames_drawn > frames_before  # and the screen kept animating
    assert app.deck is first  # the hostile edit never reached the screen
    poll_until(watcher, clock, lambda w, d: bool(w.problems))
    assert any("huge.png" in p for p in watcher.problems), watcher.problems
