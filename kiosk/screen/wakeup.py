"""When the loop must wake next, and a wait that a touch ends at once.

A still screen has nothing to do until one of a few moments (the next slide of the attract
loop, the idle timeout, the status write, the deck watcher, the watchdog ping, the corner hold
while it is held, the burn-in step of the controls) or until input arrives. The loop computes
the earliest of these and blocks in SDL_WaitEventTimeout, which returns as soon as an event is
queued: a tap is seen sooner than with a 30 ms poll, and a still slide wakes about once a second.

pygame-ce's own `pygame.event.wait(timeout)` re-implements the wait as a 1 ms sleep loop
(measured: 250-420 wake-ups/s under Xvfb), so SDL's function is called directly, with a NULL
event so the event stays queued for `pygame.event.get()`. Drivers without a blocking wait
(SDL then polls every 1 ms itself: kmsdrm, dummy, offscreen) get a plain sleep, capped at the
old 30 ms poll so input is looked at as often as before.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)

# How long a still screen may sleep when nothing wakes it on input (the old poll).
POLL_SECONDS = 0.03
# The longest single block even when nothing is due: Python runs a signal handler (SIGTERM,
# SIGHUP) only when SDL returns, so a stop or a reload waits at most this long.
MAX_BLOCK_SECONDS = 0.5
# Video drivers whose SDL_WaitEventTimeout really blocks (X11 and Wayland wait on their
# connection's file descriptor, Windows and macOS on their message queues).
BLOCKING_DRIVERS = frozenset({"x11", "wayland", "windows", "cocoa"})


@dataclass(frozen=True)
class Wake:
    """The next wake-up: `at` (clock time) and why, for tests and the benchmark."""

    at: float
    reason: str


def next_wake(
    now: float,
    deadlines: Iterable[tuple[str, float | None]],
    *,
    wakes_on_input: bool,
    busy: bool = False,
) -> Wake:
    """The earliest deadline, bounded so input and signals are never kept waiting.

    `deadlines` are (reason, clock time or None for "nothing due"). `busy` means work was
    done ahead of time and more may be waiting: come back after one poll, as before.
    Without a wait that input ends (`wakes_on_input` False) the loop looks at input every
    POLL_SECONDS whatever the deadlines say.
    """
    cap = MAX_BLOCK_SECONDS if wakes_on_input and not busy else POLL_SECONDS
    best = Wake(now + cap, "busy" if busy else ("signals" if wakes_on_input else "poll"))
    for reason, at in deadlines:
        if at is not None and at < best.at:
            best = Wake(at, reason)
    return best


def next_burn_in_step(now: float, period: float = 600.0) -> float:
    """When the controls move next (kiosk.screen.layout.chrome_offset steps every `period`)."""
    return (now // period + 1) * period


Blocker = Callable[[float], None]


class SDLWait:
    """Block until an SDL event is queued or `seconds` pass; the event stays in the queue."""

    def __init__(self, wait: Callable[[None, int], int]) -> None:
        self._wait = wait
        self.calls = 0

    def __call__(self, seconds: float) -> None:
        self.calls += 1
        if seconds <= 0:
            return
        # Round up: waking a millisecond early would only mean a second wake-up.
        self._wait(None, max(1, int(seconds * 1000 + 0.999)))


def blocking_wait(driver: str | None = None) -> SDLWait | None:
    """SDL's blocking wait for the running video driver, or None where SDL would poll (then
    the loop sleeps in POLL_SECONDS slices, as it always did)."""
    import pygame

    if driver is None:
        try:
            driver = pygame.display.get_driver()
        except pygame.error:
            return None
    if driver not in BLOCKING_DRIVERS:
        return None
    function = _sdl_wait_function()
    return SDLWait(function) if function is not None else None


def _sdl_wait_function() -> Callable[[None, int], int] | None:
    """SDL_WaitEventTimeout from the SDL that pygame itself loaded (its wheel's copy, or the
    system's for a pygame built against it)."""
    import pygame

    here = os.path.dirname(pygame.__file__)
    candidates = sorted(glob.glob(os.path.join(here, os.pardir, "pygame_ce.libs", "libSDL2-*")))
    candidates += sorted(glob.glob(os.path.join(here, ".dylibs", "libSDL2*")))
    candidates += ["libSDL2-2.0.so.0", "SDL2.dll"]
    for name in candidates:
        try:
            library = ctypes.CDLL(name)
        except OSError:
            continue
        try:
            function = library.SDL_WaitEventTimeout
        except AttributeError:
            continue
        function.argtypes = [ctypes.c_void_p, ctypes.c_int]
        function.restype = ctypes.c_int
        return function
    log.info("SDL_WaitEventTimeout not found: the loop polls every %.0f ms", POLL_SECONDS * 1e3)
    return None


def sleep_slices(sleep: Callable[[float], None] = time.sleep) -> Blocker:
    """The wait where SDL cannot block: a plain sleep (next_wake caps it at POLL_SECONDS)."""

    def block(seconds: float) -> None:
        if seconds > 0:
            sleep(seconds)

    return block
