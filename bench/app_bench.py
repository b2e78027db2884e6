"""Measurements of the real app (`KioskApp`), each in a child process of its own so resident
memory and first-time costs are those of a fresh kiosk.

    python bench/app_bench.py memory 1920x1080        # prints one JSON object
    python bench/app_bench.py stalls 1920x1080
    python bench/app_bench.py frames 1920x1080
    python bench/app_bench.py texture_frames 1920x1080 --renderer software   # or opengl
    python bench/app_bench.py attract 1920x1080 --seconds 10
    python bench/app_bench.py week 1920x1080 --days 7

The video driver comes from the environment (`SDL_VIDEODRIVER=dummy`, or x11 with DISPLAY
set: `kiosk_bench.py` starts Xvfb for that).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
T0 = time.time()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.screen.display import leave_out_optional_imports  # noqa: E402

leave_out_optional_imports()  # as `kiosk run` does, so memory is the kiosk's own
import pygame  # noqa: E402

from kiosk.deck.model import Deck  # noqa: E402
from kiosk.loader import LoadRequest, load_isolated  # noqa: E402
from kiosk.screen import intents  # noqa: E402
from kiosk.screen.app import KioskApp  # noqa: E402
from kiosk.screen.controls import Button  # noqa: E402
from kiosk.screen.intents import Action  # noqa: E402
from kiosk.screen.memory import release_memory  # noqa: E402
from kiosk.screen.view import Mode, Overlay  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.step = 0.0  # the least a sleep advances

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(self.step, seconds)


class Taps:
    """An event source: a queued finger tap is delivered as down, then up, one per step."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.size = size
        self.queue: list[list[pygame.event.Event]] = []

    def tap(self, x: float, y: float) -> None:
        w, h = self.size
        for kind in (pygame.FINGERDOWN, pygame.FINGERUP):
            self.queue.append(
                [
                    pygame.event.Event(
                        kind,
                        x=x / w,
                        y=y / h,
                        dx=0.0,
                        dy=0.0,
                        finger_id=1,
                        touch_id=1,
                        pressure=1.0,
                    )
                ]
            )

    def __call__(self) -> Iterable[pygame.event.Event]:
        pygame.event.pump()  # a real window must be served, or X stalls it
        return self.queue.pop(0) if self.queue else []


def open_display(size: tuple[int, int]) -> pygame.Surface:
    pygame.display.init()
    pygame.font.init()
    return pygame.display.set_mode(size)


def kiosk_deck(size: tuple[int, int]) -> Deck:
    """The bundled deck as `kiosk run` gets it: read, decoded and checked at this size in
    the loader child."""
    outcome = load_isolated(LoadRequest(ROOT / "slides", (size,)))
    if not outcome.ok or outcome.deck is None:
        raise SystemExit("the bundled deck did not load: " + "; ".join(outcome.problems))
    return outcome.deck


def make_app(
    size: tuple[int, int], *, fake: FakeClock | None = None
) -> tuple[KioskApp, Taps, pygame.Surface]:
    display = open_display(size)
    deck = kiosk_deck(size)
    taps = Taps(size)
    if fake is None:
        app = KioskApp(deck, display, windowed=True, events=taps)
    else:
        app = KioskApp(deck, display, windowed=True, events=taps, clock=fake, sleep=fake.sleep)
    return app, taps, display


def button(app: KioskApp, action: Action) -> Button:
    return next(b for b in app.controls().buttons if b.intent.action is action)


def settle(app: KioskApp, steps: int = 200) -> None:
    """Run the loop until nothing moves (fake clock: instant)."""
    for _ in range(steps):
        app.step()
        app.wait()
        if not app.navigator.animating and not app.input.next_deadline():
            break


def visit_every_page(app: KioskApp) -> None:
    nav = app.navigator
    for language in nav.deck.languages:
        if nav.language != language:
            nav.handle(intents.LANGUAGE)
            settle(app)
        for _ in range(nav.slide_count):
            nav.handle(intents.NEXT)
            settle(app)


# -- memory -------------------------------------------------------------------------------


def memory(size: tuple[int, int]) -> dict[str, float]:
    """RSS of the real app: after the first frame, after every slide in both languages, with
    larger text on every page in both languages, and once that visitor has gone."""
    clock = FakeClock()
    app, _taps, _display = make_app(size, fake=clock)
    app.step()
    gc.collect()
    marks = {"start_mb": rss_mb()}
    app.navigator.handle(intents.WAKE)
    visit_every_page(app)
    gc.collect()
    marks["all_slides_mb"] = rss_mb()
    app.navigator.handle(intents.LARGER_TEXT)
    settle(app)
    assert app.navigator.presentation.larger_text, "larger text did not come on"
    visit_every_page(app)
    gc.collect()
    marks["all_slides_and_larger_text_mb"] = rss_mb()
    clock.now += app.deck.idle_timeout + 1  # the visitor leaves: back to attract mode
    settle(app)
    gc.collect()
    release_memory()
    marks["after_the_visit_mb"] = rss_mb()
    marks["cache_budget_mb"] = app.cache.budget / 1e6
    marks["images_decoded"] = len(app.images)
    return marks


def week(size: tuple[int, int], days: float) -> dict[str, float]:
    """The real app over simulated days: visitors every few minutes who use the buttons,
    larger text, the language button and the topic menu; the first checkpoint comes after the
    first visitors, so "flat" is measured over real use."""
    clock = FakeClock(0.0)
    # A frame every 0.1 s of a fade instead of every 1/60 s: the same pictures are made and
    # dropped, a week takes minutes instead of hours.
    clock.step = 0.1
    app, taps, _display = make_app(size, fake=clock)
    rng = random.Random(7)
    actions = [
        Action.NEXT,
        Action.NEXT,
        Action.PREV,
        Action.MENU,
        Action.LANGUAGE,
        Action.LARGER_TEXT,
        Action.HOME,
    ]
    total = days * 86400
    next_visit = 60.0
    marks: list[float] = []
    visits = larger = 0
    frames = 0
    while clock.now < total:
        if clock.now >= next_visit:
            visits += 1
            w, h = size
            taps.tap(w / 2, h / 3)  # wake
            settle(app)
            for _ in range(rng.randint(2, 10)):
                nav = app.navigator
                if nav.overlay is Overlay.MENU:
                    topics = [b for b in app.controls().buttons if b.intent.action is Action.GOTO]
                    target = rng.choice(topics)
                else:
                    wanted = rng.choice(actions)
                    found = [b for b in app.controls().buttons if b.intent.action is wanted]
                    if not found:
                        continue
                    target = found[0]
                    larger += wanted is Action.LARGER_TEXT
                taps.tap(*target.rect.center)
                settle(app)
                clock.now += rng.uniform(3, 20)
            next_visit = clock.now + rng.uniform(120, 900)
        before = app.frames_drawn
        app.step()
        app.wait()
        frames += app.frames_drawn - before
        if not app.navigator.animating:
            clock.now = min(next_visit, max(clock.now, app.navigator.next_deadline()))
        if len(marks) < int(clock.now // 86400) + 1 and clock.now >= 3600:
            gc.collect()
            marks.append(rss_mb())
    gc.collect()
    marks.append(rss_mb())
    return {
        "simulated_days": days,
        "visits": visits,
        "larger_text_presses": larger,
        "frames_drawn": frames,
        "rss_first_mb": marks[0],
        "rss_min_mb": min(marks),
        "rss_max_mb": max(marks),
        "rss_end_mb": marks[-1],
        "spread_mb": max(marks) - min(marks),
    }


# -- stalls -------------------------------------------------------------------------------


def stalls(size: tuple[int, int], idle_seconds: float) -> dict[str, float]:
    """Worst time from a tap to the next frame shown, on the real clock, after the kiosk
    had `idle_seconds` of quiet time to get ready."""
    app, taps, _display = make_app(size)
    w, h = size

    def run_for(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.step()
            app.wait()

    worst_frames: dict[str, float] = {}

    def timed_tap(target: Button | tuple[float, float], name: str = "") -> float:
        """Tap → the frame that answers it; also the slowest frame of the animation."""
        x, y = target.rect.center if isinstance(target, Button) else target
        taps.tap(x, y)
        app.step()  # finger down
        app.wait()
        drawn = app.frames_drawn
        t0 = time.perf_counter()
        app.step()  # finger up: the intent, and the frame that answers it
        elapsed = (time.perf_counter() - t0) * 1000
        assert app.frames_drawn > drawn, "the tap drew no frame"
        slowest = elapsed
        while app.navigator.animating:
            app.wait()
            t0 = time.perf_counter()
            app.step()
            slowest = max(slowest, (time.perf_counter() - t0) * 1000)
        if name:
            worst_frames[name] = slowest
        run_for(1.0)
        return elapsed

    app.step()
    timed_tap((w / 2, h / 3))  # wake
    run_for(idle_seconds)
    results = {"first_larger_text_ms": timed_tap(button(app, Action.LARGER_TEXT), "larger")}
    run_for(0.5)
    results["larger_text_off_ms"] = timed_tap(button(app, Action.LARGER_TEXT), "off")
    run_for(idle_seconds)
    results["first_menu_ms"] = timed_tap(button(app, Action.MENU), "menu")
    run_for(idle_seconds)
    topics = [b for b in app.controls().buttons if b.intent.action is Action.GOTO]
    results["menu_jump_ms"] = timed_tap(topics[len(topics) // 2], "jump")
    run_for(idle_seconds)
    results["language_switch_ms"] = timed_tap(button(app, Action.LANGUAGE), "language")
    run_for(idle_seconds)
    results["next_slide_ms"] = timed_tap(button(app, Action.NEXT), "next")
    results["worst_ms"] = max(results.values())
    # The slowest frame of any animation that followed one of those taps.
    results["worst_frame_after_a_tap_ms"] = max(worst_frames.values())
    # This run's own floor: one converted full-screen blit (the machine may be shared).
    display = pygame.display.get_surface()
    assert display is not None
    full = pygame.Surface(size).convert()
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        display.blit(full, (0, 0))
        times.append((time.perf_counter() - t0) * 1000)
    results["floor_blit_ms"] = statistics.median(times)
    return results


# -- frames shown ---------------------------------------------------------------------------


def frames(size: tuple[int, int], count: int) -> dict[str, float]:
    """Draw plus present (`display.flip`) per frame of a crossfade, against a floor of two
    full-screen blits plus present, in this process's video driver; and how many frames a
    0.4 s fade really shows on the real clock."""
    app, taps, display = make_app(size)
    a = pygame.Surface(size).convert()
    b = pygame.Surface(size).convert()
    a.fill((10, 20, 30))
    b.fill((200, 210, 220))

    def floor() -> None:
        display.blit(a, (0, 0))
        display.blit(b, (0, 0))
        pygame.display.flip()

    floor_ms = []
    for _ in range(count):
        t0 = time.perf_counter()
        floor()
        floor_ms.append((time.perf_counter() - t0) * 1000)
    frame_ms, shown = fade_frames(app, max(2, count // 24))
    seconds = app.deck.transition.seconds
    return fade_report(floor_ms, frame_ms, shown, seconds)


def fade_report(
    floor_ms: list[float], frame_ms: list[float], shown: list[int], seconds: float
) -> dict[str, float]:
    """Frame times against their floor, and frames shown per fade, as every path reports them."""
    return {
        "floor_p50_ms": percentile(floor_ms, 50),
        "floor_p99_ms": percentile(floor_ms, 99),
        "frame_p50_ms": percentile(frame_ms, 50),
        "frame_p99_ms": percentile(frame_ms, 99),
        "p99_over_floor": percentile(frame_ms, 99) / max(1e-6, percentile(floor_ms, 50)),
        "fade_frames_shown": statistics.median(shown),
        "fade_frames_possible": round(seconds * 60),
    }


def fade_frames(app: KioskApp, fades: int) -> tuple[list[float], list[int]]:
    """Draw plus present times of every frame of `fades` crossfades on the real clock, and
    how many frames each fade showed."""
    app.step()
    app.navigator.handle(intents.WAKE)
    frame_ms: list[float] = []
    shown: list[int] = []
    for _ in range(fades):
        settle_real(app, 0.3)
        app.navigator.handle(intents.NEXT)
        count = 0
        while True:
            t0 = time.perf_counter()
            before = app.frames_drawn
            app.step()
            if app.frames_drawn > before:
                frame_ms.append((time.perf_counter() - t0) * 1000)
                count += 1
            if not app.navigator.animating:
                break
            app.wait()
        shown.append(count)
    return frame_ms, shown


def texture_frames(size: tuple[int, int], count: int, renderer_name: str) -> dict[str, float | str]:
    """The same as `frames` on the texture output (`kiosk.screen.output.TextureOutput`) with SDL's
    `renderer_name` render driver, against its own floor: two textured draws of plain
    full-screen textures (the second alpha-blended, as a crossfade's is) plus present."""
    from pygame._sdl2 import video

    from kiosk.screen.output import TextureOutput, gl_renderer_name

    pygame.display.init()
    pygame.font.init()
    names = [d.name for d in video.get_drivers()]
    window = video.Window("bench", size=size)
    try:
        renderer = video.Renderer(
            window, index=names.index(renderer_name), accelerated=int(renderer_name != "software")
        )
    except (ValueError, pygame.error) as error:
        window.destroy()
        return {"unavailable": 1.0, "reason": str(error)}
    gl = gl_renderer_name(renderer_name) if renderer_name != "software" else None
    output = TextureOutput(window, renderer)
    del window, renderer
    a = pygame.Surface(size)
    b = pygame.Surface(size)
    a.fill((10, 20, 30))
    b.fill((200, 210, 220))
    ta = video.Texture.from_surface(output.renderer, a)
    tb = video.Texture.from_surface(output.renderer, b)
    tb.blend_mode = 1  # SDL_BLENDMODE_BLEND
    tb.alpha = 128

    floor_ms = []
    for _ in range(count):
        t0 = time.perf_counter()
        ta.draw(dstrect=(0, 0))
        tb.draw(dstrect=(0, 0))
        output.renderer.present()
        floor_ms.append((time.perf_counter() - t0) * 1000)
    del ta, tb
    app = KioskApp(kiosk_deck(size), output, windowed=True, events=Taps(size))
    frame_ms, shown = fade_frames(app, max(2, count // 24))
    seconds = app.deck.transition.seconds
    output.close()
    return {
        "renderer": renderer_name,
        "gl_renderer": gl or "",
        **fade_report(floor_ms, frame_ms, shown, seconds),
        "texture_uploads": output.textures.uploads,
    }


def settle_real(app: KioskApp, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.step()
        app.wait()


def attract(size: tuple[int, int], seconds: float) -> dict[str, float]:
    """CPU of the real loop in attract mode (slides change on their own), real clock."""
    app, _taps, _display = make_app(size)
    settle_real(app, 2.0)  # first frame, neighbours ready
    cpu0, t0, drawn = cpu_seconds(), time.monotonic(), app.frames_drawn
    settle_real(app, seconds)
    wall = time.monotonic() - t0
    return {
        "seconds": wall,
        "cpu_percent_of_one_core": 100 * (cpu_seconds() - cpu0) / wall,
        "frames_drawn": app.frames_drawn - drawn,
        "mode_attract": float(app.navigator.mode is Mode.ATTRACT),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "what", choices=["memory", "week", "stalls", "frames", "texture_frames", "attract"]
    )
    parser.add_argument("--renderer", default="software", help="SDL render driver (textures)")
    parser.add_argument("size")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--count", type=int, default=240)
    args = parser.parse_args()
    w, h = (int(n) for n in args.size.split("x"))
    size = (w, h)
    run: dict[str, Callable[[], Mapping[str, float | str]]] = {
        "memory": lambda: memory(size),
        "week": lambda: week(size, args.days),
        "stalls": lambda: stalls(size, args.seconds),
        "frames": lambda: frames(size, args.count),
        "texture_frames": lambda: texture_frames(size, args.count, args.renderer),
        "attract": lambda: attract(size, args.seconds),
    }
    result = run[args.what]()
    # The kiosk logs to stdout too: the result is the last line.
    print("\n" + json.dumps(result), flush=True)
    pygame.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
