"""Simulated months on a fake clock: the attract loop keeps exact time, visitors come and go,
and nothing grows. Default: 30 days, ~2 s. `SOAK_DAYS=365 pytest tests/test_soak.py` for longer."""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.screen import intents
from kiosk.screen.navigator import Mode, Navigator
from kiosk.screen.render import FontBook, FrameRenderer, SurfaceCache, font_dirs
from tests.helpers import FakeClock

DECK = load_deck(Path(__file__).resolve().parents[2] / "slides")
DAYS = float(os.environ.get("SOAK_DAYS", "30"))
# Drawing real frames is slower: 4 simulated days by default (about 30 s a day drawn),
# SOAK_DAYS to go longer.
RENDER_DAYS = float(os.environ.get("SOAK_DAYS", "4"))


def test_thirty_days_of_attract_and_visitors_keep_exact_time():
    clock = FakeClock(0.0)
    nav = Navigator(DECK, clock)
    rng = random.Random(30)
    end = DAYS * 86400
    next_visit = rng.uniform(300, 3600)
    attract_runs = 0
    checked_changes = 0
    expected_next: tuple[int, float] | None = None  # (slide, start time) the schedule promises
    visits = 0
    actions = [intents.NEXT, intents.PREV, intents.HOME, intents.MENU, intents.CLOSE, intents.WAKE]
    while clock.now < end:
        if clock.now >= next_visit:
            visits += 1
            # A visitor: a few touches spread over a minute or two.
            for _ in range(rng.randint(1, 12)):
                nav.note_activity()
                nav.handle(rng.choice([*actions, intents.goto(rng.randrange(len(DECK.slides)))]))
                clock.advance(rng.uniform(0.5, 15))
                nav.update()
            next_visit = clock.now + DECK.idle_timeout + rng.uniform(60, 3600)
            expected_next = None
        before = (nav.index, nav.mode, nav.animation)
        # Jump straight to the next thing that can happen, plus a frame's worth of lateness.
        clock.now = max(clock.now, min(nav.next_deadline(), next_visit)) + rng.uniform(0, 0.02)
        nav.update()
        if (
            nav.mode is Mode.ATTRACT
            and nav.animation is not None
            and nav.animation is not before[2]
        ):
            t = nav.animation
            if expected_next is not None and t.from_index >= 0 and before[1] is Mode.ATTRACT:
                slide, start = expected_next
                assert t.to_index == slide, "attract order changed"
                assert t.started_at == pytest.approx(start, abs=1e-6), "attract timing drifted"
                checked_changes += 1
            # Slide N shows for its own duration after the fade-in ends, then N+1 starts.
            following = (t.to_index + 1) % len(DECK.slides)
            expected_next = (following, t.ends_at + DECK.duration_of(t.to_index, t.to_language))
        if before[1] is Mode.BROWSING and nav.mode is Mode.ATTRACT:
            attract_runs += 1
            assert nav.index == 0
    assert visits > DAYS * 20
    assert attract_runs >= visits * 0.9  # every visit ended in attract mode again
    # Thousands of slide changes checked exactly (slides stay up ~25 s: their reading time).
    assert checked_changes > DAYS * 86400 / 60


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def month_of_frames() -> list[float]:
    """Draw a frame at every slide change and every visitor action for days on end; the
    resident memory at the end of each simulated day, in MB."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    display = pygame.display.set_mode((960, 540))
    clock = FakeClock(0.0)
    nav = Navigator(DECK, clock)
    # A budget a little over the whole deck in both languages (56 × 2 MB): it fills on the
    # first day (slides, then menu backdrops), so from then on memory must stay flat. The
    # kiosk's own budget is smaller; `bench/kiosk_bench.py` runs the real app with it.
    cache = SurfaceCache((960, 540), budget=136 * 1024 * 1024)
    frames = FrameRenderer(DECK, (960, 540), FontBook(font_dirs(DECK.root)), cache=cache)
    rng = random.Random(7)
    marks: list[float] = []
    day = 86400.0
    next_visit = 600.0
    while clock.now < RENDER_DAYS * day:
        if clock.now >= next_visit:
            for _ in range(rng.randint(1, 6)):
                nav.note_activity()
                nav.handle(
                    rng.choice(
                        [intents.NEXT, intents.MENU, intents.goto(rng.randrange(len(DECK.slides)))]
                    )
                )
                frames.draw(display, nav.view())
            next_visit = clock.now + rng.uniform(600, 7200)
        clock.now = max(clock.now, min(nav.next_deadline(), next_visit)) + 0.2
        nav.update()
        frames.draw(display, nav.view())  # mid-transition: a crossfade frame
        if nav.animation is not None:
            clock.now = nav.animation.ends_at
            nav.update()
            frames.draw(display, nav.view())
        if len(marks) < int(clock.now // day):
            gc.collect()
            marks.append(_rss_mb())
    pygame.display.quit()
    return marks


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_rendering_for_a_simulated_month_does_not_grow_memory():
    """The cache is bounded, so resident memory after warm-up stays flat. Measured in a
    process of its own, as the kiosk is: the test runner's own heap (over a gigabyte by the
    end of the suite) would move by more than the bound for reasons of its own."""
    code = (
        "import json; from tests.unit.test_soak import month_of_frames as m; print(json.dumps(m()))"
    )
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    marks = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(marks) >= 3
    settled = marks[1:]  # after the first day the cache has filled
    # Growth is what a month on a wall would show: no later day above the first settled one
    # by 5 MB. Memory handed back (a day-two peak the allocator later returns) is not growth.
    assert max(settled) - settled[0] < 5.0, f"resident memory grew: day by day {settled} MB"
