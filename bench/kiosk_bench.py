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
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
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

from kiosk.deck.content import load_deck  # noqa: E402
from kiosk.deck.model import Deck, Transition, TransitionStyle  # noqa: E402
from kiosk.screen import intents  # noqa: E402
from kiosk.screen.app import KioskApp  # noqa: E402
from kiosk.screen.render import FontBook, FrameRenderer, font_dirs  # noqa: E402
from kiosk.screen.view import Animation, View  # noqa: E402

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


APP_BENCH = Path(__file__).resolve().parent / "app_bench.py"


class Xvfb:
    """A real X server for the run (Debian's `xvfb`), so frames are timed as shown."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.display = ""
        self.note = ""

    def start(self) -> bool:
        if shutil.which("Xvfb") is None:
            self.note = "Xvfb not installed (Debian package xvfb): X server rows skipped"
            return False
        for number in range(91, 120):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                continue
            self.process = subprocess.Popen(
                ["Xvfb", f":{number}", "-screen", "0", "3840x2160x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(100):
                if Path(f"/tmp/.X11-unix/X{number}").exists():
                    self.display = f":{number}"
                    return True
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
            self.stop()
        self.note = "Xvfb did not start: X server rows skipped"
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def env(self, acceleration: str = "0") -> dict[str, str]:
        return {
            **os.environ,
            "SDL_VIDEODRIVER": "x11",
            "DISPLAY": self.display,
            "SDL_FRAMEBUFFER_ACCELERATION": acceleration,
        }


def dummy_env() -> dict[str, str]:
    return {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_FRAMEBUFFER_ACCELERATION": "0"}


def child(what: str, size: str, env: dict[str, str], *extra: str) -> dict[str, float]:
    """One measurement in a fresh process (`bench/app_bench.py`); its last line is JSON."""
    out = subprocess.run(
        [sys.executable, str(APP_BENCH), what, size, *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=1800,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"app_bench {what} {size} failed:\n{out.stderr[-2000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# The floor: a bare pygame full-screen window as anyone would write it, in its own process.
BARE_WINDOW = """
import sys, time
import pygame
pygame.display.init()
w, h = (int(n) for n in sys.argv[1].split("x"))
screen = pygame.display.set_mode((w, h))
screen.fill((10, 26, 46))
pygame.display.flip()
print(f"first-frame {time.time():.6f}", flush=True)
pygame.quit()
"""
# The kiosk as `kiosk run` starts it (the console script's entry point).
KIOSK_RUN = "import sys; from kiosk.cli.main import entry; sys.exit(entry())"


def _stamps(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """Milliseconds from spawn to each "<name> <unix time>" line the program printed."""
    t0 = time.time()
    out = subprocess.run(
        argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300, check=False
    )
    stamps = {
        name: (float(value) - t0) * 1000
        for name, _, value in (line.partition(" ") for line in out.stdout.splitlines())
        if name in ("first-picture", "first-frame")
    }
    if out.returncode != 0 or "first-frame" not in stamps:
        raise RuntimeError(f"{argv[:3]} did not show a frame:\n{out.stderr[-2000:]}")
    return stamps


def compile_bytecode() -> None:
    """The kiosk's own bytecode, as `pip install` leaves it (`make` installs the libraries
    with theirs): a machine that sets PYTHONDONTWRITEBYTECODE would otherwise compile the
    editable checkout on every start."""
    import compileall

    compileall.compile_dir(ROOT / "kiosk", quiet=2, workers=0)


def cold_start(runs: int, env: dict[str, str]) -> dict[str, float]:
    """Spawn → first frame shown: the real `kiosk run` (full deck, loader child and all)
    against a bare pygame window of the same size, alternating, in the same run; and how
    many times images were decoded, counted in every process (bench/trace)."""
    compile_bytecode()
    size = "1920x1080"
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    address = str(folder / "decodes")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(address)
    listener.settimeout(0.2)
    traced = {
        **env,
        "KIOSK_BENCH_DECODES": address,
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "bench" / "trace"), str(ROOT), env.get("PYTHONPATH", "")]
        ),
    }
    # Drained all the time: a Unix datagram queue holds only ~10 messages, and a full one
    # would block the sender (the kiosk) until read.
    lines: list[str] = []
    listening = threading.Event()
    listening.set()

    def drain() -> None:
        while listening.is_set():
            try:
                lines.append(listener.recv(4096).decode())
            except TimeoutError:
                continue

    drainer = threading.Thread(target=drain, daemon=True)
    drainer.start()

    def received() -> list[str]:
        time.sleep(0.3)  # whatever is still in the queue
        taken = list(lines)
        del lines[: len(taken)]
        return taken

    kiosk_argv = [
        sys.executable,
        "-c",
        KIOSK_RUN,
        "run",
        "--windowed",
        size,
        "--deck",
        str(ROOT / "slides"),
        "--first-frame-and-exit",
    ]
    kiosk, window, picture, first_start = [], [], [], []
    decodes: list[str] = []
    try:
        # The very first start has no kept picture; later ones show the last first frame as
        # soon as the window is open (kiosk.screen.snapshot), then the checked deck's first frame.
        state = folder / "state"
        first = _stamps(kiosk_argv, {**traced, "XDG_STATE_HOME": str(state)})
        first_start.append(first["first-frame"])
        received()
        for _ in range(runs):
            stamps = _stamps(kiosk_argv, {**traced, "XDG_STATE_HOME": str(state)})
            decodes = received()
            kiosk.append(stamps["first-frame"])
            picture.append(stamps.get("first-picture", stamps["first-frame"]))
            window.append(_stamps([sys.executable, "-c", BARE_WINDOW, size], env)["first-frame"])
    finally:
        listening.clear()
        drainer.join()
        listener.close()
        shutil.rmtree(folder, ignore_errors=True)
    images = {line.split()[2] for line in decodes}
    return {
        "median_ms": statistics.median(kiosk),
        "bare_window_median_ms": statistics.median(window),
        "ratio": statistics.median(kiosk) / statistics.median(window),
        "first_picture_median_ms": statistics.median(picture),
        "first_picture_ratio": statistics.median(picture) / statistics.median(window),
        "first_start_ms": first_start[0],
        "image_decodes": len(decodes),
        "images": len(images),
        "runs": runs,
    }


def app_rows(quick: bool, xvfb: Xvfb) -> dict[str, object]:
    """The real app, each row in a fresh process: memory, stalls, frames shown, attract CPU;
    on the dummy driver and, when Xvfb started, under a real X server."""
    sizes = ["1920x1080"] if quick else ["1920x1080", "3840x2160"]
    drivers: list[tuple[str, dict[str, str]]] = [("dummy", dummy_env())]
    if xvfb.display:
        drivers.append(("xvfb", xvfb.env("0")))
    rows: dict[str, object] = {}
    for name, env in drivers:
        for size in sizes:
            entry: dict[str, object] = {
                "memory": child("memory", size, env),
                "stalls": child("stalls", size, env, "--seconds", "1" if quick else "3"),
                "frames": child("frames", size, env, "--count", "24" if quick else "240"),
                "attract": child("attract", size, env, "--seconds", "1" if quick else "20"),
            }
            if name == "xvfb":
                # SDL's GL-backed window surface, for comparison with the choice made.
                entry["frames_gl_framebuffer"] = child(
                    "frames", size, xvfb.env("1"), "--count", "24" if quick else "240"
                )
            # The texture output (kiosk.screen.output), each against its own floor: SDL's software
            # renderer everywhere, and under X its GL renderer (Mesa llvmpipe without a GPU).
            renderers = ["software", "opengl"] if name == "xvfb" else ["software"]
            for renderer in renderers:
                entry[f"frames_texture_{renderer}"] = child(
                    "texture_frames",
                    size,
                    env,
                    "--count",
                    "24" if quick else "240",
                    "--renderer",
                    renderer,
                )
            rows[f"{name} {size}"] = entry
    return rows


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


def _animated_loop(
    app: KioskApp, until: Callable[[], bool], limit: float
) -> dict[str, list[float]]:
    """The real loop (real clock and sleeps) with a transition always running, as if a
    visitor kept tapping Next and Back between two slides (both cached after the first
    round, so what is measured is the loop, not first-time text rendering); step times and
    frame-to-frame intervals, in ms."""
    steps: list[float] = []
    intervals: list[float] = []
    last_frame = None
    end = time.monotonic() + limit
    while time.monotonic() < end and not until():
        if not app.navigator.animating:
            app.navigator.handle(intents.NEXT if app.navigator.index % 2 == 0 else intents.PREV)
        drawn = app.frames_drawn
        t0 = time.perf_counter()
        app.step()
        steps.append((time.perf_counter() - t0) * 1000)
        if app.frames_drawn > drawn:
            now = time.perf_counter()
            if last_frame is not None:
                intervals.append((now - last_frame) * 1000)
            last_frame = now
        app.wait()
    return {"steps": steps, "intervals": intervals}


def _dropped(intervals: list[float]) -> int:
    """Frames that missed their 60 Hz slot (an interval over 1.5 frame times)."""
    return sum(1 for ms in intervals if ms > 1.5 * 1000 / 60)


def hostile_reload(quick: bool) -> dict[str, object]:
    """Frame times while the loader child checks a hostile reload, against a quiet run.

    Each attack is planted in a small valid deck while the kiosk animates; the loop
    runs until the watcher has judged it. Reported per attack: the loader's peak memory and
    time to answer, the screen's step p99 and frames dropped meanwhile."""
    import tempfile

    from kiosk.deck.limits import Limits
    from kiosk.decks.reload import DeckWatcher
    from kiosk.loader import LoadJob, LoadRequest, load_isolated
    from tests.attacks import ATTACKS, Attack, image_section, make_deck, png, png_chunk

    def flat_png(width: int, height: int) -> bytes:
        """Small on disk (it compresses ~1000:1), full size in memory once decoded."""
        import zlib

        squeeze = zlib.compressobj(9)
        row = b"\x00" + bytes(width * 3)
        data = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
        return png(width, height, body=png_chunk(b"IDAT", data) + png_chunk(b"IEND", b""))

    size = (960, 540)
    display = pygame.display.set_mode(size)

    def plant_big_image(folder: Path) -> str:
        (folder / "10-care.yaml").write_text(image_section("images/huge.png"), encoding="utf-8")
        (folder / "images").mkdir(exist_ok=True)
        side = (4000, 3000) if quick else (6000, 4000)
        (folder / "images" / "huge.png").write_bytes(flat_png(*side))
        return "images/huge.png"

    # Allowed by the limits on pixels, refused by the memory limit after a long decode.
    big = Attack("huge-image-past-memory-limit", plant_big_image)
    attacks = [big] if quick else [big, *ATTACKS]
    limits = Limits(memory_bytes=120_000_000 if quick else 250_000_000)
    rows: dict[str, object] = {}
    quiet: dict[str, list[float]] | None = None
    for attack in attacks:
        with tempfile.TemporaryDirectory() as tmp:
            folder = make_deck(Path(tmp))
            first = load_isolated(LoadRequest(folder, (size,))).deck
            assert first is not None
            watcher = DeckWatcher(
                folder,
                first,
                clock=time.monotonic,
                start=lambda f: LoadJob(LoadRequest(f, (size,), limits=limits)),
                poll_seconds=0.2,
                settle_seconds=0.3,
                grace_seconds=0.0,
            )
            app = KioskApp(first, display, windowed=True, watcher=watcher)
            app.navigator.handle(intents.WAKE)
            _animated_loop(app, lambda: False, 1.0)  # both slides drawn and cached
            if quiet is None:
                quiet = _animated_loop(app, lambda: False, 2.0 if quick else 5.0)
            attack.plant(folder)
            started = time.monotonic()
            judged = lambda w=watcher, d=first: bool(w.problems) or w.deck is not d  # noqa: E731
            run = _animated_loop(app, judged, 120.0)
            outcome = watcher.last_outcome
            watcher.close()
            rows[attack.name] = {
                "judged": bool(watcher.problems) or watcher.deck is not first,
                "refused": bool(watcher.problems),
                "problem": watcher.problems[0] if watcher.problems else "",
                "seconds_to_judge": time.monotonic() - started,
                "loader_seconds": outcome.seconds if outcome else float("nan"),
                "loader_peak_mb": outcome.peak_rss_bytes / 1e6 if outcome else float("nan"),
                "step_p99_ms": percentile(run["steps"], 99),
                "frames": len(run["intervals"]),
                "frames_dropped": _dropped(run["intervals"]),
            }
    assert quiet is not None
    quiet_p99 = percentile(quiet["steps"], 99)
    for row in rows.values():
        assert isinstance(row, dict)
        row["step_p99_over_quiet"] = row["step_p99_ms"] / max(1e-6, quiet_p99)
    return {
        "quiet_step_p99_ms": quiet_p99,
        "quiet_frames": len(quiet["intervals"]),
        "quiet_frames_dropped": _dropped(quiet["intervals"]),
        "attacks": rows,
    }


def status_and_metrics(deck: Deck, writes: int, scrapes: int) -> dict[str, object]:
    """What metrics cost. The kiosk's only part is writing status.json every STATUS_SECONDS;
    its CPU time per write over that interval is its share of a core on a still screen (which
    otherwise only polls input). The exporter is another process: its scrape time is reported
    for the record, it never runs in the drawing loop."""
    import tempfile
    import threading
    import urllib.request

    from prometheus_client import generate_latest

    from kiosk.ops.metrics import build_registry, serve
    from kiosk.ops.stats.recorder import StatsRecorder
    from kiosk.ops.status import STATUS_SECONDS, StatusWriter

    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    display = pygame.display.set_mode((1920, 1080))
    clock = _FakeClock()
    stats = StatsRecorder(folder / "stats.sqlite3", clock=clock)
    writer = StatusWriter(folder / "status.json")
    app = KioskApp(
        deck,
        display,
        windowed=True,
        clock=clock,
        sleep=lambda seconds: None,
        events=list,
        flip=lambda: None,
        stats=stats,
        status=writer,
        screen_name="bench",
        deck_info={"source": "folder", "version": "v1", "hash": "0123456789abcdef"},
    )
    # A realistic status: every slide seen in attract mode in both languages, some browsing.
    while len(stats.totals()) < 2 * len(deck.slides):
        app.step()
        clock.now += 0.5
    app.navigator.handle(intents.WAKE)
    for _ in range(10):
        app.navigator.handle(intents.NEXT)
        for _ in range(4):
            app.step()
            clock.now += 0.5
    cpu_ms = []
    for n in range(writes):
        t0 = time.process_time()
        writer.write(app.status_snapshot(), now=float(n))
        cpu_ms.append((time.process_time() - t0) * 1000)
    size = writer.path.stat().st_size
    # The snapshots carry real wall-clock times, so the exporter sees a fresh, "up" kiosk.
    registry = build_registry(writer.path, "bench")
    scrape_ms = timed(lambda: generate_latest(registry), scrapes)
    text = generate_latest(registry).decode()
    series = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    server = serve(registry, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/metrics"

    def fetch() -> None:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()

    http_ms = timed(fetch, scrapes)
    server.shutdown()
    server.server_close()
    stats.close()
    mean_cpu_ms = statistics.mean(cpu_ms)
    return {
        "status_bytes": size,
        "view_rows": len(stats.totals()),
        "write_cpu_ms_p50": percentile(cpu_ms, 50),
        "write_cpu_ms_p99": percentile(cpu_ms, 99),
        "interval_seconds": STATUS_SECONDS,
        # CPU per write / interval: the share of one core writing the status costs.
        "status_cpu_percent_of_one_core": 100 * mean_cpu_ms / 1000 / STATUS_SECONDS,
        "budget_percent_of_one_core": 0.5,
        "scrape_ms_p50": percentile(scrape_ms, 50),
        "scrape_ms_p99": percentile(scrape_ms, 99),
        "http_scrape_ms_p50": percentile(http_ms, 50),
        "http_scrape_ms_p99": percentile(http_ms, 99),
        "series": series,
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
    parser.add_argument(
        "--week-days", type=float, default=7.0, help="simulated days of the real app's week"
    )
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
    report["prerender"] = prerender(deck, fonts)
    pygame.display.quit()
    xvfb = Xvfb()
    xvfb.start()
    try:
        env = xvfb.env() if xvfb.display else dummy_env()
        report["cold_start"] = {
            **cold_start(runs=1 if q else 5, env=env),
            "driver": "xvfb" if xvfb.display else "dummy",
        }
        report["app"] = app_rows(q, xvfb)
        report["xvfb"] = xvfb.display or xvfb.note
        report["attract_week"] = child(
            "week", "1920x1080", dummy_env(), "--days", "0.05" if q else str(args.week_days)
        )
    finally:
        xvfb.stop()
    report["metrics"] = status_and_metrics(deck, writes=20 if q else 500, scrapes=5 if q else 200)
    report["hostile_reload"] = hostile_reload(q)

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print_table(report)
    print(f"\nJSON: {args.json}")
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
    print(
        f"cold start ({c['driver']}): the last first frame on screen after "
        f"{c['first_picture_median_ms']:.0f} ms (× {c['first_picture_ratio']:.2f}), the checked "
        f"deck's first frame after {c['median_ms']:.0f} ms (× {c['ratio']:.2f}), a bare pygame "
        f"window {c['bare_window_median_ms']:.0f} ms; the very first start (nothing kept) "
        f"{c['first_start_ms']:.0f} ms; {c['image_decodes']:.0f} decodes of {c['images']:.0f} "
        "images"
    )
    mt = report["metrics"]
    assert isinstance(mt, dict)
    print(
        f"status file: {mt['status_bytes']} bytes, {mt['view_rows']} view rows, write "
        f"{mt['write_cpu_ms_p50']:.2f} ms CPU p50 ({mt['write_cpu_ms_p99']:.2f} p99) every "
        f"{mt['interval_seconds']:g} s = {mt['status_cpu_percent_of_one_core']:.3f} % of one core "
        f"(budget {mt['budget_percent_of_one_core']} %)"
    )
    print(
        f"exporter (own process): {mt['series']} series, collect+format {mt['scrape_ms_p50']:.2f} ms "
        f"p50 ({mt['scrape_ms_p99']:.2f} p99), HTTP scrape {mt['http_scrape_ms_p50']:.2f} ms p50 "
        f"({mt['http_scrape_ms_p99']:.2f} p99)"
    )
    p = report["prerender"]
    assert isinstance(p, dict)
    for size, e in p.items():
        print(
            f"pre-render {size}: {e['seconds'] * 1000:.0f} ms ({e['ms_per_slide']:.1f} ms/slide), "
            f"+{e['rss_growth_mb']:.0f} MB, cache bound {e['cache_bound']} slides"
        )
    print(f"X server: {report['xvfb']}")
    app = report["app"]
    assert isinstance(app, dict)
    print(
        "\n| real app | RSS start MB | all slides, both languages | + A+ on every page | "
        "after the visit | cache budget MB |"
    )
    print("|---|---|---|---|---|---|")
    for row, e in app.items():
        m = e["memory"]
        print(
            f"| {row} | {m['start_mb']:.0f} | {m['all_slides_mb']:.0f} | "
            f"{m['all_slides_and_larger_text_mb']:.0f} | {m['after_the_visit_mb']:.0f} | "
            f"{m['cache_budget_mb']:.0f} |"
        )
    print(
        "\n| real app | tap→frame ms: first A+ | first menu | language | menu jump | "
        "worst frame after a tap | floor: 1 blit |"
    )
    print("|---|---|---|---|---|---|---|")
    for row, e in app.items():
        t = e["stalls"]
        print(
            f"| {row} | {t['first_larger_text_ms']:.1f} | {t['first_menu_ms']:.1f} | "
            f"{t['language_switch_ms']:.1f} | {t['menu_jump_ms']:.1f} | "
            f"{t['worst_frame_after_a_tap_ms']:.1f} | {t['floor_blit_ms']:.2f} |"
        )
    print(
        "\n| real app | draw+present p50 ms | p99 | floor (2 blits or draws + present) p50 | "
        "p99/floor | "
        "0.4 s fade frames shown | attract CPU % of a core |"
    )
    print("|---|---|---|---|---|---|---|")
    for row, e in app.items():
        variants = [("", e["frames"])]
        if "frames_gl_framebuffer" in e:
            variants.append((" (GL framebuffer)", e["frames_gl_framebuffer"]))
        for key in ("frames_texture_software", "frames_texture_opengl"):
            t = e.get(key)
            if t is None or "unavailable" in t:
                continue
            how = t["renderer"] + (
                f": {t['gl_renderer'].split(' (')[0]}" if t["gl_renderer"] else ""
            )
            variants.append((f" (texture, {how})", t))
        for label, f in variants:
            cpu = f"{e['attract']['cpu_percent_of_one_core']:.2f}" if not label else "–"
            print(
                f"| {row}{label} | {f['frame_p50_ms']:.2f} | {f['frame_p99_ms']:.2f} | "
                f"{f['floor_p50_ms']:.2f} | {f['p99_over_floor']:.2f} | "
                f"{f['fade_frames_shown']:.0f} of {f['fade_frames_possible']:.0f} | {cpu} |"
            )
    print(
        f"\nreal app, {w['simulated_days']} simulated days at 1920x1080 ({w['visits']} visits "
        f"using A+, languages and the menu; {w['larger_text_presses']} A+ presses): RSS "
        f"{w['rss_first_mb']:.1f} first → {w['rss_end_mb']:.1f} MB end, range "
        f"{w['rss_min_mb']:.1f}..{w['rss_max_mb']:.1f} (spread {w['spread_mb']:.1f} MB), "
        f"{w['frames_drawn']} frames"
    )
    h = report["hostile_reload"]
    assert isinstance(h, dict)
    print(
        f"\nhostile reload (960x540, always animating): quiet step p99 {h['quiet_step_p99_ms']:.2f} ms, "
        f"{h['quiet_frames_dropped']}/{h['quiet_frames']} frames dropped"
    )
    print(
        "\n| attack | refused | loader s | loader peak MB | step p99 ms | p99/quiet | frames dropped |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, r in h["attacks"].items():
        print(
            f"| {name} | {'yes' if r['refused'] else 'NO'} | {r['loader_seconds']:.2f} | {r['loader_peak_mb']:.0f} | "
            f"{r['step_p99_ms']:.2f} | {r['step_p99_over_quiet']:.2f} | {r['frames_dropped']}/{r['frames']} |"
        )


if __name__ == "__main__":
    sys.exit(main())
