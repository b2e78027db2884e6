"""Hot reload inside the real app loop: a broken edit never blanks the screen, a good one
swaps in with a crossfade, and a removed slide lands the visitor on the nearest one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.decks.reload import DeckWatcher
from kiosk.loader.preflight import preflight
from kiosk.screen.app import KioskApp
from kiosk.screen.navigator import Mode
from tests.helpers import FakeClock

ROOT = Path(__file__).resolve().parents[2]
W, H = 1280, 800  # the smallest screen `kiosk validate` checks


class Stamp:
    def __init__(self) -> None:
        self.ns = 1_800_000_000 * 10**9

    def write(self, path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")
        self.ns += 10**9
        os.utime(path, ns=(self.ns, self.ns))


@pytest.fixture
def kiosk(tmp_path):
    deck_dir = tmp_path / "slides"
    shutil.copytree(ROOT / "slides", deck_dir)
    shutil.copytree(ROOT / "assets", tmp_path / "assets")
    pygame.display.init()
    display = pygame.display.set_mode((W, H))
    deck = load_deck(deck_dir)
    clock = FakeClock()
    frames: list[float] = []
    background = deck.theme.background

    def flip() -> None:
        samples = [display.get_at((x, y))[:3] for y in range(0, H, 20) for x in range(0, W, 20)]
        frames.append(sum(1 for p in samples if p not in (background, (0, 0, 0))) / len(samples))

    watcher = DeckWatcher(deck_dir, deck, clock=clock, check=lambda new: preflight(new, [(W, H)]))
    app = KioskApp(
        deck,
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=list,
        flip=flip,
        watcher=watcher,
    )
    yield app, deck_dir, frames, Stamp()
    pygame.display.quit()


def test_broken_edit_keeps_the_old_deck_on_screen(kiosk):
    app, deck_dir, frames, stamp = kiosk
    app.run(max_steps=30)
    before = app.deck
    path = deck_dir / "50-symptoms.yaml"
    stamp.write(path, path.read_text() + "  - id: broken\n    kind: bullets\n    title: [oops]\n")
    app.run(max_steps=int(15 / 0.03))  # past settle and grace
    assert app.deck is before
    assert app.watcher is not None and any(
        "50-symptoms.yaml" in p and "slides[4]" in p for p in app.watcher.problems
    )
    assert min(frames) > 0.01  # something was on screen in every frame


def test_good_edit_swaps_in_with_a_crossfade(kiosk):
    app, deck_dir, frames, stamp = kiosk
    app.run(max_steps=30)
    path = deck_dir / "10-welcome.yaml"
    stamp.write(
        path, path.read_text().replace("Healthy veins, healthy legs", "Care for your veins")
    )
    drawn = len(frames)
    app.run(max_steps=int(4 / 0.03))
    assert app.deck.slides[0].title.get("en") == "Care for your veins"
    assert len(frames) - drawn > 5  # the change was animated, not a cut
    assert min(frames[drawn:]) > 0.01  # and never through an empty frame


def test_removing_the_slide_on_screen_lands_on_the_nearest(kiosk):
    app, deck_dir, frames, stamp = kiosk
    nav = app.navigator
    nav.handle(nav_intent("WAKE"))
    index = next(i for i, s in enumerate(app.deck.slides) if s.id == "ultrasound")
    nav.handle(nav_intent("GOTO", index))
    app.run(max_steps=30)
    path = deck_dir / "60-diagnosis.yaml"
    text = path.read_text()
    stamp.write(path, text[: text.index("  - id: ultrasound")])
    app.run(max_steps=int(4 / 0.03))
    assert "ultrasound" not in [s.id for s in app.deck.slides]
    assert app.deck.slides[nav.index].id in ("how-cvi-is-found", "treatment-goal")
    assert nav.mode is Mode.BROWSING
    assert min(frames) > 0.01


def nav_intent(name: str, value: int | None = None):
    from kiosk.screen.intents import Action, Intent

    return Intent(Action[name], value)


def test_sighup_makes_the_watcher_look_now_and_a_signal_ends_the_loop():
    """What `kiosk run` does on SIGHUP (request_check) and on SIGTERM & co (request_stop)."""
    import pygame

    from kiosk.screen.app import KioskApp
    from tests.helpers import FakeClock, make_deck

    class Watcher:
        problems: tuple[str, ...] = ()

        def __init__(self) -> None:
            self.woken = 0
            self.polls = 0

        def wake(self) -> None:
            self.woken += 1

        def poll(self):
            self.polls += 1

    pygame.display.init()
    try:
        clock = FakeClock()
        watcher = Watcher()
        app = KioskApp(
            make_deck(),
            pygame.display.set_mode((640, 400)),
            windowed=True,
            clock=clock,
            sleep=clock.sleep,
            events=lambda: [],
            flip=lambda: None,
            watcher=watcher,
        )
        app.step()
        assert watcher.woken == 0
        app.request_check()
        app.step()
        app.step()
        assert watcher.woken == 1 and watcher.polls == 3
        app.request_stop("SIGUSR1 received")
        app.run(max_steps=1000)
        assert not app.running and app.stop_reason == "SIGUSR1 received"
        assert watcher.polls == 3  # the loop ended before another pass
    finally:
        pygame.display.quit()
