"""The kiosk follows a deck home's `current` link (see kiosk.decks.store).

Published versions are immutable and complete before `current` points at them, so there is
nothing to debounce: when the link names another version, that version is loaded, checked at
this screen's size and swapped in. A version that fails (the kiosk's rules may be stricter
than the publisher's) is reported once and the screen keeps what it shows.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck
from kiosk.decks.reload import PendingLoad, judge, load_and_judge
from kiosk.decks.startup import resolved
from kiosk.decks.store import CURRENT
from kiosk.statefile import check_folder

log = logging.getLogger(__name__)


class Watcher(Protocol):
    """What the loop asks for a new deck (kiosk.decks.reload.DeckWatcher, or CurrentFollower)."""

    def poll(self) -> Deck | None: ...

    def close(self) -> None: ...

    @property
    def problems(self) -> tuple[str, ...]: ...


def _no_problems(deck: Deck) -> list[str]:
    return []


class CurrentFollower:
    def __init__(
        self,
        home: Path,
        current: Deck,
        *,
        clock: Callable[[], float],
        load: Callable[[Path], Deck] = load_deck,
        check: Callable[[Deck], list[str]] = _no_problems,
        poll_seconds: float = 1.0,
        start: Callable[[Path], PendingLoad] | None = None,
    ) -> None:
        self._home = Path(home)
        # With `start`, a version is loaded in the loader child and polled on later passes,
        # so the screen keeps moving while it is read and checked.
        self._start = start
        self._job: PendingLoad | None = None
        self._job_target: str | None = None
        self._deck = current
        self._clock = clock
        self._load = load
        self._check = check
        self._poll_seconds = poll_seconds
        # The target that was dealt with: the one on screen, or the one that failed at start
        # (the caller then shows a fallback and waits for the next publish).
        self._handled = self._target()
        self._next = clock() + poll_seconds
        self._problems: tuple[str, ...] = ()
        # Nothing published yet (a new screen on its bundled deck) is normal, not a warning.
        self._missing_reported = self._handled is None

    @property
    def deck(self) -> Deck:
        return self._deck

    @property
    def problems(self) -> tuple[str, ...]:
        return self._problems

    def next_due(self) -> float:
        return self._next

    def close(self) -> None:
        """Stop a load in progress (the kiosk is shutting down)."""
        if self._job is not None:
            self._job.cancel()
            self._job = None

    def wake(self) -> None:
        """Look at `current` on the next poll (SIGHUP)."""
        self._next = float("-inf")

    def _target(self) -> str | None:
        try:
            return os.readlink(self._home / CURRENT)
        except OSError:
            return None

    def poll(self) -> Deck | None:
        """The newly published deck, once, when `current` switched and it passed; else None."""
        now = self._clock()
        if now < self._next:
            return None
        self._next = now + self._poll_seconds
        target = self._target()
        if target is None:
            if not self._missing_reported:
                log.warning("%s: no current version; still showing the last deck", self._home)
                self._missing_reported = True
            return None
        self._missing_reported = False
        if self._job is not None and target != self._job_target:
            self.close()  # published again while loading: the newer version wins
        if self._job is not None:
            return self._finish_job(target)
        if target == self._handled:
            return None
        link = self._home / target
        problem = check_folder(link)
        if problem is not None:  # a loop or nothing there: no loader is started for it
            self._handled = target
            return self._conclude(target, [f"{link}: the published version {problem}"])
        folder = resolved(link) / "slides"
        if self._start is not None:
            self._job = self._start(folder)
            self._job_target = target
            self._next = now  # come back on the next pass for the outcome
            return None
        self._handled = target
        return self._conclude(target, load_and_judge(folder, self._load, self._check))

    def _finish_job(self, target: str) -> Deck | None:
        assert self._job is not None
        outcome = self._job.poll()
        self._next = self._clock()  # a load under way is polled on every pass (cheap)
        if outcome is None:
            return None
        self._job = None
        self._handled = target
        self._next = self._clock() + self._poll_seconds
        folder = resolved(self._home / target) / "slides"
        return self._conclude(target, judge(folder, outcome.deck, outcome.problems, self._check))

    def _conclude(self, target: str, problems: Deck | list[str]) -> Deck | None:
        if isinstance(problems, Deck):
            self._deck = problems
            self._problems = ()
            log.info("now showing published version %s (%d slides)", Path(target).name,
                     len(problems.slides))  # fmt: skip
            return problems
        self._problems = tuple(problems)
        log.error(
            "published version %s not shown, still showing the previous deck; %d problem(s):"
            "\n  %s",
            Path(target).name,
            len(problems),
            "\n  ".join(problems),
        )
        return None
