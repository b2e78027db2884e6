"""Which deck the kiosk starts on. A screen never goes dark because of content:

1. the configured deck (a deck home's current version, or a plain deck folder); without
   `--deck` that is the default deck home, even before anything was published there;
2. if that is broken (a power cut during a sync, a bad edit): the last good deck, the copy of
   the last deck this screen showed (kiosk.decks.lastgood);
3. if there is none or it is broken too: the bundled deck that ships with the program.

Every fallback is logged with its reasons (kiosk.log and the journal). A deck home where
nothing was published yet is not a fallback: the screen shows the last good or bundled deck
and follows the home from the start, so the first `kiosk publish` reaches it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.atomic import write_atomic
from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck
from kiosk.decks.reload import load_and_judge
from kiosk.decks.store import CURRENT, VERSIONS, default_home, is_deck_home
from kiosk.statefile import DamagedStateError, move_aside, read_state_file

log = logging.getLogger(__name__)

CONFIGURED = "configured"
LAST_GOOD = "last good"
BUNDLED = "bundled"


@dataclass(frozen=True)
class DeckSource:
    """What `kiosk run` was told to show: a deck home (follow `current`) or a deck folder."""

    path: Path
    home: bool

    @property
    def published(self) -> bool:
        """False for a deck home where nothing was published yet."""
        return not self.home or is_deck_home(self.path)

    def folder(self) -> Path:
        """The deck folder to load now (a home's current version, resolved once). A `current`
        that loops is left unresolved: loading it then fails, and the next deck is tried."""
        if self.home:
            return resolved(self.path / CURRENT) / "slides"
        return self.path


def resolved(path: Path) -> Path:
    """`path` with its links followed, or as it is when they loop (`current -> current`).
    Strict, because a non-strict `Path.resolve()` raises RuntimeError on a loop up to Python
    3.12 (which would stop the kiosk) and from 3.13 quietly returns a path that loops."""
    try:
        return path.resolve(strict=True)
    except FileNotFoundError:
        return path.resolve()  # nothing published yet: loading it fails, and is reported
    except (OSError, RuntimeError) as error:
        log.error("%s cannot be followed (%s); it is passed over", path, error)
        return path


def resolve_source(
    deck: Path | None, bundled: Path, environ: Mapping[str, str] = os.environ
) -> DeckSource:
    """`--deck` as given (a home if it holds `current`); without it, the default deck home,
    whether or not anything was published there yet: the screen follows it from the start
    (until then `choose_deck` shows the last good or the bundled deck)."""
    if deck is not None:
        return DeckSource(deck, is_deck_home(deck))
    return DeckSource(default_home(environ), True)


def version_of(folder: Path) -> str | None:
    """The published version id a deck folder belongs to (`versions/<id>/slides`), if any."""
    parent = Path(folder).parent
    return parent.name if parent.parent.name == VERSIONS else None


@dataclass
class Chosen:
    deck: Deck
    folder: Path
    kind: str  # CONFIGURED, LAST_GOOD or BUNDLED
    reasons: list[str] = field(default_factory=list)  # why the ones before it were passed over

    @property
    def fallback(self) -> bool:
        """Something better was there and failed (not: nothing was published yet)."""
        return bool(self.reasons)


def _no_problems(deck: Deck) -> list[str]:
    return []


def choose_deck(
    source: DeckSource,
    check: Callable[[Deck], list[str]] = _no_problems,
    *,
    last_good: Path | None,
    bundled: Path,
    load: Callable[[Path], Deck] = load_deck,
    passed_over: Callable[[Path], str | None] = lambda folder: None,
) -> Chosen | None:
    """The first of configured, last good and bundled that loads and passes `check`.
    `passed_over` may name a reason not to try a deck at all (it crashed the screen before);
    the bundled deck is always tried. A deck home with nothing published yet is passed over
    without a reason: it is not broken."""
    candidates: list[tuple[str, Path]] = []
    if not source.published:
        log.info(
            "nothing is published in %s yet: showing the %s deck and watching for a publish",
            source.path,
            LAST_GOOD if last_good is not None else BUNDLED,
        )
    else:
        candidates.append((CONFIGURED, source.folder()))
    if last_good is not None:
        candidates.append((LAST_GOOD, last_good))
    candidates.append((BUNDLED, bundled))
    reasons: list[str] = []
    for kind, folder in candidates:
        why = passed_over(folder) if kind != BUNDLED else None
        if why is not None:
            reasons.append(f"the {kind} deck ({folder}) {why}")
            continue
        problems = load_and_judge(folder, load, check)
        if isinstance(problems, Deck):
            return Chosen(problems, folder, kind, reasons)
        shown = problems[:20]
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        reasons.append(
            f"the {kind} deck ({folder}) has {len(problems)} problem(s):\n  "
            + "\n  ".join(shown)
            + more
        )
    log.error("no deck can be shown:\n%s", "\n".join(reasons))
    return None


# The screen crashed this many times in a row while starting on the same deck folder, before
# every page of it was drawn: the next start passes it over.
CRASHES_BEFORE_FALLBACK = 2
ATTEMPTS_FILE = "start-attempts.json"


class StartAttempts:
    """Starts on a deck folder that have not yet shown every page of it, kept in a small file in
    the state folder: set before the first frame, cleared once the deck was drawn whole or the
    kiosk stopped cleanly. A crash in between (a deck that darkens the screen under
    `Restart=always`) leaves it counting up, and after two the deck is passed over.

    The file is read as hostile input (kiosk.statefile): anything but what this class writes
    is moved aside with a warning and counts as none."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> tuple[str, int]:
        try:
            raw = read_state_file(self.path, limit=4096)
            return ("", 0) if raw is None else _parse_attempts(raw)
        except DamagedStateError as error:
            move_aside(self.path, str(error))
        except OSError as error:  # an unreadable disk: the start goes on without the count
            log.warning("cannot read %s: %s", self.path, error)
        return "", 0

    def failed_starts(self, folder: Path) -> int:
        """Starts on `folder` that ended before its every page was drawn."""
        last, count = self._read()
        return count if last == str(folder) else 0

    def passed_over(self, folder: Path) -> str | None:
        """Why not to start on `folder` again, or None (for `choose_deck`)."""
        count = self.failed_starts(folder)
        if count < CRASHES_BEFORE_FALLBACK:
            return None
        return (
            f"stopped the screen {count} times in a row before all of it was drawn; it is "
            "passed over until a new version is published"
        )

    def starting(self, folder: Path) -> None:
        """A start on `folder` is under way (call before its first frame)."""
        count = self.failed_starts(folder) + 1
        self._write({"folder": str(folder), "count": count})

    def drawn(self) -> None:
        """The deck started on was drawn whole, or the kiosk stopped cleanly."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _write(self, value: dict[str, object]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(value) + "\n", mode=0o600)
        except OSError as error:  # a full or read-only disk: the kiosk starts anyway
            log.warning("cannot note the start in %s: %s", self.path, error)


def _parse_attempts(raw: bytes) -> tuple[str, int]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DamagedStateError("it is not JSON") from None
    if not isinstance(value, dict):
        raise DamagedStateError("it is not a JSON object")
    folder, count = value.get("folder"), value.get("count")
    if not isinstance(folder, str) or type(count) is not int or not 0 < count < 1000:
        raise DamagedStateError("it does not name a folder and a count of starts")
    return folder, count
