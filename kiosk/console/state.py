"""What one console app holds (settings, deck home, sessions, caches) and the questions the
pages ask of it: which deck the screen shows, whether git manages it, its size, its problems.

Everything lives on `app.state.console`, never in module globals: two apps in one process (the
tests make dozens) share nothing.
"""

from __future__ import annotations

import os
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
    # The sync timer's "enabled" link (systemd --user): when it exists, git edits the deck.
    sync_timer: Path | None = None
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
    # (section file, slide id) -> {user: when they last opened it}, and who saved it last.
    editing: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    last_saved: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)


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
    """Where git manages the deck, so the console must only show it: the deck home is in a
    checkout, the screen shows a checkout, or the git sync publishes into this home (its
    timer is enabled, or a version says the sync published it). The bundled deck the screen
    shows before anything is published is not git's, even when it sits in a clone."""
    if (root := state.decks.git_root()) is not None:
        return root
    shown = screen_elsewhere(state)
    root = git_managed(shown) if shown is not None and not _bundled(state, shown) else None
    if root is not None:
        return root
    if (synced := state.decks.synced_from()) is not None:
        return synced
    timer = state.settings.sync_timer
    if timer is not None and os.path.lexists(timer):
        return git_managed(state.settings.bundled) or timer
    return None


def _bundled(state: State, shown: Path) -> bool:
    status = read_status(state.settings.status_path)
    source = (status.get("deck") or {}).get("source") if status else None
    return source == "bundled" or shown.resolve() == state.settings.bundled.resolve()


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
