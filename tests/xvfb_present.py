"""Run by tests/test_xvfb_present.py in a process of its own, with DISPLAY set to an Xvfb
that writes its screen to a file (`-fbdir`): crossfade a few slides full-screen and compare
what the X server shows with the window surface the kiosk drew into, mid-fade, when frames
present only what changed. Prints one JSON line."""

from __future__ import annotations

import json
import struct
import sys
import time
from pathlib import Path

import pygame

from kiosk.loader import LoadRequest, load_isolated
from kiosk.screen import intents
from kiosk.screen.app import KioskApp

ROOT = Path(__file__).resolve().parents[1]


def shown(framebuffer: Path) -> pygame.Surface:
    """The X server's screen, from Xvfb's XWD file (32 bits a pixel, least significant
    byte first: B, G, R, pad)."""
    raw = framebuffer.read_bytes()
    fields = struct.unpack(">25I", raw[:100])
    header, width, height, per_line, colours = (
        fields[0],
        fields[4],
        fields[5],
        fields[12],
        fields[19],
    )
    start = header + colours * 12
    return pygame.image.frombuffer(raw[start : start + per_line * height], (width, height), "BGRA")


def main() -> int:
    framebuffer = Path(sys.argv[1])
    pygame.display.init()
    pygame.font.init()
    display = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
    size = display.get_size()
    outcome = load_isolated(LoadRequest(ROOT / "slides", (size,)))
    assert outcome.deck is not None, outcome.problems
    app = KioskApp(outcome.deck, display, windowed=False, events=pygame.event.get)
    partial = app.output.update is not None  # type: ignore[attr-defined]
    app.step()
    app.navigator.handle(intents.WAKE)
    compared = differing = 0
    for _ in range(3):
        for _ in range(20):  # settle
            app.step()
            app.wait()
        app.navigator.handle(intents.NEXT)
        frame = 0
        while app.navigator.animating:
            app.step()
            frame += 1
            if frame in (2, 6, 12, 18):
                time.sleep(0.05)  # the X server has copied the update by now
                on_screen = pygame.image.tobytes(shown(framebuffer), "RGB")
                drawn = pygame.image.tobytes(app.output.display, "RGB")  # type: ignore[attr-defined]
                compared += 1
                differing += sum(
                    1
                    for i in range(0, len(drawn), 3 * 101)
                    if drawn[i : i + 3] != on_screen[i : i + 3]
                )
            app.wait()
    print(
        json.dumps({"size": size, "partial": partial, "compared": compared, "differing": differing})
    )
    pygame.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
