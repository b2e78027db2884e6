"""Wake-ups per second and CPU of a screen where nothing moves, under a real X server.

    DISPLAY=:N python bench/wakeups.py {bare,poll,block} [--seconds 20] [--attract]

bare:  a bare pygame window that polls its events every 30 ms (the floor the issue names);
poll:  the kiosk loop sleeping in 30 ms slices (as before SDL's blocking wait was used);
block: the kiosk loop blocking in SDL_WaitEventTimeout until something is due.
A wake-up is a voluntary context switch of the process (it went to sleep and was woken),
counted by the kernel in /proc/self/status; the kiosk's own loop passes are given too.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

ROOT = Path(__file__).resolve().parents[1]


def switches() -> int:
    status = Path("/proc/self/status").read_text()
    return int(status.split("voluntary_ctxt_switches:")[1].split()[0])


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["bare", "poll", "block"])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--attract", action="store_true", help="the attract loop, not a still slide"
    )
    args = parser.parse_args()
    pygame.display.init()
    window = pygame.display.set_mode((1920, 1080))
    passes = 0
    if args.what == "bare":
        window.fill((40, 40, 40))
        pygame.display.flip()

        def one_pass() -> None:
            pygame.event.get()
            time.sleep(0.03)

    else:
        from kiosk.deck.content import load_deck
        from kiosk.screen import intents
        from kiosk.screen.app import KioskApp
        from kiosk.screen.wakeup import blocking_wait

        block = blocking_wait() if args.what == "block" else None
        assert args.what == "poll" or block is not None, "no blocking wait on this driver"
        app = KioskApp(load_deck(ROOT / "slides"), window, windowed=True, block=block)
        if not args.attract:
            app.navigator.handle(intents.WAKE)  # a visitor: browsing, a still slide
        # The first frame, then the work ahead of time (neighbours, menu, larger text) until
        # it is all done: a one-off cost, not what a still screen costs.
        end = time.monotonic() + 60.0
        quiet = 0
        while time.monotonic() < end and quiet < 5:
            app.step()
            busy = app._get_ready()
            quiet = 0 if busy else quiet + 1
            app.wait()

        def one_pass() -> None:
            app.step()
            app.wait()

    s0, c0, t0 = switches(), cpu(), time.monotonic()
    while time.monotonic() - t0 < args.seconds:
        one_pass()
        passes += 1
    wall = time.monotonic() - t0
    print(
        json.dumps(
            {
                "what": args.what + (" attract" if args.attract else " still"),
                "seconds": round(wall, 1),
                "cpu_percent_of_one_core": round(100 * (cpu() - c0) / wall, 3),
                "wakeups_per_second": round((switches() - s0) / wall, 1),
                "loop_passes_per_second": round(passes / wall, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
