"""What one console app holds (settings, deck home, sessions, caches) and the questions the
pages ask of it: which deck the screen shows, whether git manages it, its size, its problems.

Everything lives on `app.state.console`, never in module globals: two apps in one process (the
tests make dozens) share nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from kiosk.console.auth import HashGate, LoginLimiter, SessionStore
from kiosk.console.decks import DeckHome, git_managed, validation_problems
from kiosk.console.previews import PreviewCache
from kiosk.deck.fingerprint import deck_fingerprint
from kiosk.ops.status import read_status

DEFAULT_SIZE = (1920, 1080)


@dataclass
class ConsoleSettings:
    home: Path
    bundled: Path
    users_path: Path
    status_path: Path
    stats_path: Path
    cache_dir: Path
    audit_path: Path
    pin_path: Path | None = None
    max_upload: int = 8 * 1024 * 1024
    secure_cookies: bool = False
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time


@dataclass
class ValidationCache:
    """`kiosk validate`'s answer depends only on the files, which the fingerprint covers (deck
    and assets): remember it, so pages show problems without a 1.5 s check each time."""

    limit: int = 64
    found: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def problems(self, folder: Path) -> list[str]:
        key = await run_in_threadpool(deck_fingerprint, folder)
        with self.lock:
            cached = self.found.get(key)
        if cached is not None:
            return cached
        found = await run_in_threadpool(validation_problems, folder)
        with self.lock:
            if len(self.found) >= self.limit:
                self.found.clear()
            self.found[key] = found
        return found


@dataclass
class State:
    settings: ConsoleSettings
    decks: DeckHome
    sessions: SessionStore
    limiter: LoginLimiter
    previews: PreviewCache
    validated: ValidationCache = field(default_factory=ValidationCache)
    hashing: HashGate = field(default_factory=HashGate)


def state_of(request: Request) -> State:
    state: State = request.app.state.console
    return state


async def problems(state: State, folder: Path) -> list[str]:
    """`kiosk validate`'s messages for the folder, remembered by content fingerprint."""
    return await state.validated.problems(folder)


def screen_elsewhere(state: State) -> Path | None:
    """The folder the screen shows, when it is not in this deck home (publishing here would
    not change what it shows); None when it follows the home or nothing is known."""
    status = read_status(state.settings.status_path)
    folder = (status.get("deck") or {}).get("folder") if status else None
    if not isinstance(folder, str) or not folder:
        return None
    shown = Path(folder)
    if shown.resolve().is_relative_to(state.decks.home.resolve()):
        return None
    return shown


def git_root(state: State) -> Path | None:
    """Where git manages the deck: the deck home, or the folder the screen shows."""
    shown = screen_elsewhere(state)
    return state.decks.git_root() or (git_managed(shown) if shown is not None else None)


def screen_size(state: State) -> tuple[int, int]:
    status = read_status(state.settings.status_path)
    size = status.get("screen_size") if status else None
    if (
        isinstance(size, list)
        and len(size) == 2
        and all(isinstance(n, int) and 320 <= n <= 8192 for n in size)
    ):
        return size[0], size[1]
    return DEFAULT_SIZE
