"""Read-aloud benchmark: a tap on Listen until the first sound is handed to SDL, against a
floor measured in the same run.

Both run on SDL's `disk` audio driver, which writes every buffer the mixer fills to a file,
so "the first sound handed to SDL" is the moment the first non-silent sample lands there.

- **listen**: the real app at 1920x1080 with the bundled deck loaded through the loader
  child; a tap on Listen (the intent, then one loop step) with the mixer closed, so every
  run includes opening it, as the first tap after a quiet minute does.
- **floor**: the least any program needs for the same: `pygame.mixer.init` with the same
  format and buffer, and a short tone already in memory played at once.

The ratio is listen / floor; the absolute target is <= 150 ms on the development box.

    .venv/bin/python bench/listen_bench.py [--runs 7] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# One child per measurement kind, each with its own SDL, so their mixers cannot share state.
CHILD = textwrap.dedent(
    """
    import json, sys, time
    from array import array
    from pathlib import Path

    kind, sound_file, runs = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    import pygame
    from kiosk.screen.player import BUFFER_FRAMES, CHANNELS, FREQUENCY

    def first_sound(started, limit=3.0):
        # Poll the disk driver's file for the first sample that is not silence. Each run
        # removes it first and opens the mixer, which makes a new one.
        while time.perf_counter() - started < limit:
            data = sound_file.read_bytes() if sound_file.exists() else b""
            samples = array("h", data[: len(data) // 2 * 2])
            if any(abs(v) > 500 for v in samples):
                return time.perf_counter() - started
            time.sleep(0.001)
        raise SystemExit("no sound came out")

    times = []
    if kind == "floor":
        rate = FREQUENCY
        tone = array("h", [int(8000 * ((n // 40) % 2 * 2 - 1)) for n in range(rate // 5 * 2)])
        for _ in range(runs):
            sound_file.unlink(missing_ok=True)
            started = time.perf_counter()
            pygame.mixer.init(FREQUENCY, -16, CHANNELS, BUFFER_FRAMES)
            pygame.mixer.Sound(buffer=tone.tobytes()).play()
            times.append(first_sound(started))
            pygame.mixer.quit()
    else:
        from kiosk.loader.job import LoadRequest, load_isolated
        from kiosk.screen import intents
        from kiosk.screen.app import KioskApp

        outcome = load_isolated(LoadRequest(Path(sys.argv[4]), ()))
        assert outcome.deck is not None, outcome.problems
        pygame.display.init()
        app = KioskApp(
            outcome.deck, pygame.Surface((1920, 1080)), windowed=True,
            events=lambda: [], flip=lambda: None,
        )
        app.step()
        app.navigator.handle(intents.WAKE)
        app.step()
        for _ in range(runs):
            sound_file.unlink(missing_ok=True)
            started = time.perf_counter()
            app.navigator.handle(intents.LISTEN)
            app.step()
            assert app.player.opened, "the tap did not open the mixer"
            times.append(first_sound(started))
            app.navigator.handle(intents.NEXT)  # stop, and the next slide for the next run
            app.step()
            app.player.close()  # closed again: the next tap opens it, like after a quiet spell
            time.sleep(0.7)  # past the double-tap guard
    print(json.dumps(times))
    """
)


def measure(kind: str, runs: int, deck: Path) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        sound_file = Path(folder) / f"{kind}.raw"
        env = {
            **os.environ,
            "SDL_VIDEODRIVER": "dummy",
            "SDL_AUDIODRIVER": "disk",
            "SDL_DISKAUDIOFILE": str(sound_file),
            "PYGAME_HIDE_SUPPORT_PROMPT": "1",
        }
        done = subprocess.run(
            [sys.executable, "-c", CHILD, kind, str(sound_file), str(runs), str(deck)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"{kind}: {done.stderr.strip()[-800:]}")
        found: list[float] = json.loads(done.stdout.strip().splitlines()[-1])
        return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--deck", type=Path, default=ROOT / "slides")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    floor = measure("floor", args.runs, args.deck)
    listen = measure("listen", args.runs, args.deck)
    row = {
        "runs": args.runs,
        "floor_p50_ms": round(statistics.median(floor) * 1000, 1),
        "floor_max_ms": round(max(floor) * 1000, 1),
        "listen_p50_ms": round(statistics.median(listen) * 1000, 1),
        "listen_max_ms": round(max(listen) * 1000, 1),
    }
    row["p50_over_floor"] = round(row["listen_p50_ms"] / max(0.1, row["floor_p50_ms"]), 2)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(row, indent=2))
    print("| tap on Listen -> first sound to SDL (1920x1080, mixer closed) | p50 ms | max ms |")
    print("|---|---|---|")
    print(
        f"| floor: mixer.init + a tone in memory | {row['floor_p50_ms']} | {row['floor_max_ms']} |"
    )
    print(
        f"| Listen (intent, one loop step, stream the checked Ogg) | {row['listen_p50_ms']} | "
        f"{row['listen_max_ms']} |"
    )
    print(f"| ratio p50 / floor p50 | {row['p50_over_floor']} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
