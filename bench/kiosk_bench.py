"""Kiosk benchmark: measures the kiosk against this machine's own floor, headless.

    .venv/bin/python bench/kiosk_bench.py            # full run (~3 minutes), table + JSON
    .venv/bin/python bench/kiosk_bench.py --quick    # seconds; what the test suite runs

Ratios are what count (a shared machine is noisy); absolute numbers are reported too.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk import intents  # noqa: E402
from kiosk.app import KioskApp  # noqa: E402
from kiosk.content import load_deck  # noqa: E402
from kiosk.model import Deck, Transition, TransitionStyle  # noqa: E402
from kiosk.navigator import Navigator  # noqa: E402
from kiosk.render import FontBook, FrameRenderer, font_dirs  # noqa: E402
from kiosk.view import Animation, View  # noqa: E402

SIZES = [(1280, 800), (1920, 1080), (3840, 2160), (1080, 1920)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def rss_mb() -> float:
    """Resident memory now (Linux /proc), in MB."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def with_style(deck: Deck, style: TransitionStyle) -> Deck:
    from dataclasses import replace

    return replace(deck, transition=Transition(style, deck.transition.seconds))


def floor_and_transitions(deck: Deck, fonts: FontBook, frames_per: int) -> dict[str, object]:
    """Floor: two raw blits of converted full-screen surfaces. Then real transition frames."""
    results: dict[str, object] = {}
    for w, h in SIZES:
        display = pygame.display.set_mode((w, h))
        a = pygame.Surface((w, h)).convert()
        b = pygame.Surface((w, h)).convert()
        a.fill((10, 20, 30))
        b.fill((200, 210, 220))

        def two_blits(
            a: pygame.Surface = a, b: pygame.Surface = b, display: pygame.Surface = display
        ) -> None:
            display.blit(a, (0, 0))
            display.blit(b, (0, 0))

        floor = timed(two_blits, frames_per)
        entry: dict[str, float] = {
            "floor_p50_ms": percentile(floor, 50),
            "floor_p99_ms": percentile(floor, 99),
        }
        for style in (TransitionStyle.CROSSFADE, TransitionStyle.SLIDE):
            frames = FrameRenderer(with_style(deck, style), (w, h), fonts)
            frames.slides.surface(0, deck.default_language)
            frames.slides.surface(1, deck.default_language)
            times: list[float] = []
            runs = max(1, frames_per // 24)
            for run in range(runs):
                move = Animation(
                    from_index=0,
                    from_language="en",
                    to_index=1,
                    to_language="en",
                    started_at=float(run),
                    seconds=0.4,
                )
                for n in range(1, 25):
                    view = View(
                        index=1, language=deck.default_language, animation=move, progress=n / 24
                    )
                    t0 = time.perf_counter()
                    frames.draw(display, view)
                    times.append((time.perf_counter() - t0) * 1000)
            key = style.value
            entry[f"{key}_p50_ms"] = percentile(times, 50)
            entry[f"{key}_p99_ms"] = percentile(times, 99)
            entry[f"{key}_p99_over_floor"] = percentile(times, 99) / max(
                1e-6, entry["floor_p50_ms"]
            )
        results[f"{w}x{h}"] = entry
    return results


def static_cpu(deck: Deck, seconds: float) -> dict[str, float]:
    """The real loop (real clock, real sleeps) on a still slide, browsing, no input."""
    display = pygame.display.set_mode((1920, 1080))
    app = KioskApp(deck, display, windowed=True)
    app.navigator.handle(intents.WAKE)
    # Warm up: draw, and let it pre-render neighbours.
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        app.step()
        app.wait()
    drawn = app.frames_drawn
    cpu0, t0 = cpu_seconds(), time.monotonic()
    while time.monotonic() - t0 < seconds:
        app.step()
        app.wait()
    wall = time.monotonic() - t0
    used = cpu_seconds() - cpu0
    return {
        "seconds": wall,
        "cpu_seconds": used,
        "cpu_percent_of_one_core": 100 * used / wall,
        "frames_drawn": app.frames_drawn - drawn,
    }


def cold_start(runs: int) -> dict[str, float]:
    """Whole process: spawn → first frame shown, full bundled deck."""
    times = []
    for _ in range(runs):
        t0 = time.time()
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "kiosk.cli",
                "run",
                "--windowed",
                "1920x1080",
                "--first-frame-and-exit",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
            check=True,
        )
        stamp = next(line for line in out.stdout.splitlines() if line.startswith("first-frame "))
        times.append((float(stamp.split()[1]) - t0) * 1000)
    return {
        "median_ms": statistics.median(times),
        "min_ms": min(times),
        "max_ms": max(times),
        "runs": runs,
    }


def prerender(deck: Deck, fonts: FontBook) -> dict[str, object]:
    results: dict[str, object] = {}
    for w, h in ((1920, 1080), (3840, 2160)):
        pygame.display.set_mode((w, h))
        gc.collect()
        before = rss_mb()
        frames = FrameRenderer(deck, (w, h), fonts)
        t0 = time.perf_counter()
        for index in range(len(deck.slides)):
            frames.slides.surface(index, deck.default_language)
        elapsed = time.perf_counter() - t0
        results[f"{w}x{h}"] = {
            "seconds": elapsed,
            "ms_per_slide": elapsed * 1000 / len(deck.slides),
            "rss_growth_mb": rss_mb() - before,
            "slides_cached": len(frames.slides.cache),
            "cache_bound": frames.slides.cache.budget // (w * h * 4),
        }
        del frames
    return results


class _FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def week_of_attract(
    deck: Deck, fonts: FontBook, days: float, frame_every: float
) -> dict[str, object]:
    """Days of attract loop with a random visitor every few minutes on a fake clock; a frame
    is drawn every `frame_every` simulated seconds while something moves."""
    display = pygame.display.set_mode((1920, 1080))
    clock = _FakeClock()
    nav = Navigator(deck, clock)
    frames = FrameRenderer(deck, (1920, 1080), fonts)
    rng = random.Random(7)
    next_visit = rng.uniform(60, 600)
    total = days * 86400
    marks: dict[str, float] = {}
    checkpoints = {"start": 0.02 * total, "middle": 0.5 * total, "end": total}
    drawn = 0
    last_version = -1
    actions = [
        intents.NEXT,
        intents.PREV,
        intents.MENU,
        intents.HOME,
        intents.WAKE,
        intents.goto(5),
    ]
    while clock.now < total:
        if clock.now >= next_visit:
            for _ in range(rng.randint(1, 8)):
                nav.note_activity()
                nav.handle(rng.choice(actions))
            next_visit = clock.now + rng.uniform(60, 600)
        nav.update()
        if nav.version != last_version or nav.animating:
            frames.draw(display, nav.view())
            drawn += 1
            last_version = nav.version
        step = (
            frame_every
            if nav.animating
            else min(30.0, max(frame_every, nav.next_deadline() - clock.now))
        )
        clock.now += step
        for name, at in list(checkpoints.items()):
            if clock.now >= at:
                gc.collect()
                marks[name] = rss_mb()
                del checkpoints[name]
    return {
        "simulated_days": days,
        "frames_drawn": drawn,
        "rss_start_mb": marks.get("start", 0.0),
        "rss_middle_mb": marks.get("middle", 0.0),
        "rss_end_mb": marks.get("end", 0.0),
        "growth_mb": marks.get("end", 0.0) - marks.get("start", 0.0),
    }


def machine() -> dict[str, str]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "python": platform.python_version(),
        "pygame": pygame.version.ver,
        "sdl": ".".join(map(str, pygame.get_sdl_version())),
        "cpu": _cpu_name(),
        "cores": str(os.cpu_count()),
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny run for tests (seconds)")
    parser.add_argument("--deck", type=Path, default=ROOT / "slides")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args(argv)

    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((640, 400))
    deck = load_deck(args.deck)
    fonts = FontBook(font_dirs(deck.root))
    q = args.quick
    report: dict[str, object] = {"machine": machine(), "quick": q}
    report["transitions"] = floor_and_transitions(deck, fonts, frames_per=24 if q else 480)
    report["static_slide"] = static_cpu(deck, seconds=0.5 if q else 10.0)
    report["cold_start"] = cold_start(runs=1 if q else 5)
    report["prerender"] = prerender(deck, fonts)
    report["attract_week"] = week_of_attract(
        deck, fonts, days=0.05 if q else 7.0, frame_every=0.1 if q else 0.5
    )

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print_table(report)
    print(f"\nJSON: {args.json}")
    pygame.quit()
    return 0


def print_table(report: dict[str, object]) -> None:
    m = report["machine"]
    assert isinstance(m, dict)
    print(
        f"# kiosk benchmark {m['date']} — {m['cpu']} ×{m['cores']}, Python {m['python']}, pygame {m['pygame']}"
    )
    print(
        "\n| size | floor p50 | floor p99 | crossfade p50 | p99 | p99/floor | slide p50 | p99 | p99/floor |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    transitions = report["transitions"]
    assert isinstance(transitions, dict)
    for size, e in transitions.items():
        print(
            f"| {size} | {e['floor_p50_ms']:.2f} | {e['floor_p99_ms']:.2f} | {e['crossfade_p50_ms']:.2f} | "
            f"{e['crossfade_p99_ms']:.2f} | {e['crossfade_p99_over_floor']:.2f} | {e['slide_p50_ms']:.2f} | "
            f"{e['slide_p99_ms']:.2f} | {e['slide_p99_over_floor']:.2f} |"
        )
    s = report["static_slide"]
    c = report["cold_start"]
    w = report["attract_week"]
    assert isinstance(s, dict) and isinstance(c, dict) and isinstance(w, dict)
    print(
        f"\nstatic slide: {s['cpu_percent_of_one_core']:.2f} % of one core "
        f"over {s['seconds']:.1f} s, {s['frames_drawn']} frames drawn"
    )
    print(f"cold start to first frame: median {c['median_ms']:.0f} ms over {c['runs']} runs")
    p = report["prerender"]
    assert isinstance(p, dict)
    for size, e in p.items():
        print(
            f"pre-render {size}: {e['seconds'] * 1000:.0f} ms ({e['ms_per_slide']:.1f} ms/slide), "
            f"+{e['rss_growth_mb']:.0f} MB, cache bound {e['cache_bound']} slides"
        )
    print(
        f"attract {w['simulated_days']} days: RSS {w['rss_start_mb']:.1f} → "
        f"{w['rss_middle_mb']:.1f} → {w['rss_end_mb']:.1f} MB "
        f"(growth {w['growth_mb']:+.1f} MB), {w['frames_drawn']} frames"
    )


if __name__ == "__main__":
    sys.exit(main())
