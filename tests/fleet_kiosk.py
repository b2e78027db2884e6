"""A screen for the fleet test: `kiosk run` exactly as installed, plus a visitor.

The kiosk has no test hooks. This script runs the real command line (`kiosk.cli.main.main`) and, in a
second thread, turns lines on stdin into the events SDL produces for a finger tap (a finger
event and its flagged mouse copy), posted into SDL's own event queue, which the kiosk reads with
`pygame.event.get` like any touch:

    tap 0.9 0.4        # a tap at 90 % of the width, 40 % of the height

Usage: python tests/fleet_kiosk.py run --windowed 1280x800 [--deck DIR] < commands
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pygame

from kiosk.cli.main import main

PRESS_SECONDS = 0.05


def _post_tap(fx: float, fy: float, finger: int) -> None:
    surface = pygame.display.get_surface()
    if surface is None:
        return
    width, height = surface.get_size()
    position = (round(fx * width), round(fy * height))
    for finger_type, mouse_type in (
        (pygame.FINGERDOWN, pygame.MOUSEBUTTONDOWN),
        (pygame.FINGERUP, pygame.MOUSEBUTTONUP),
    ):
        pygame.event.post(
            pygame.event.Event(
                finger_type,
                x=fx,
                y=fy,
                dx=0.0,
                dy=0.0,
                finger_id=finger,
                touch_id=1,
                pressure=1.0,
            )
        )
        pygame.event.post(pygame.event.Event(mouse_type, pos=position, button=1, touch=True))
        time.sleep(PRESS_SECONDS)


def _visitor() -> None:
    finger = 0
    for line in sys.stdin:
        words = line.split()
        if len(words) == 3 and words[0] == "tap":
            # Taps only count once the window exists; the test waits for the status file first.
            while pygame.display.get_surface() is None:
                time.sleep(0.05)
            finger += 1
            _post_tap(float(words[1]), float(words[2]), finger)


if __name__ == "__main__":
    threading.Thread(target=_visitor, name="visitor", daemon=True).start()
    sys.exit(main(sys.argv[1:]))
