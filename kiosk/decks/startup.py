"""Which deck the kiosk starts on. A screen never goes dark because of content:

1. the configured deck (a deck home's current version, or a plain deck folder);
2. if that is broken (a power cut during a sync, a bad edit): the last good deck, the copy of
   the last deck this screen showed (kiosk.decks.lastgood);
3. if there is none or it is broken too: the bundled deck that ships with the program.

Every fallback is logged with its reasons (kiosk.log and the journal).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck
from kiosk.decks.reload import load_and_judge
from kiosk.decks.store import CURRENT, VERSIONS, default_home, is_deck_home

log = logging.getLogger(__name__)

CONFIGURED = "configured"
LAST_GOOD = "last good"
BUNDLED = "bundled"


@dataclass(frozen=True)
class DeckSource:
    """What `kiosk run` was told to show: a deck home (follow `current`) or a deck folder."""

    path: Path
    home: bool

    def folder(self) -> Path:
        """The deck folder to load now (a home's current version, resolved once)."""
        if self.home:
            return (self.path / CURRENT).resolve() / "slides"
        return self.path


def resolve_source(
    deck: Path | None, bundled: Path, environ: Mapping[str, str] = os.environ
) -> DeckSource:
    """`--deck` as given (a home if it holds `current`); without it, the default deck home
    if something was published there, else the bundled deck."""
    if deck is not None:
        return DeckSource(deck, is_deck_home(deck))
    home = default_home(environ)
    if is_deck_home(home):
        return DeckSource(home, True)
    return DeckSource(bundled, False)


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
        return self.kind != CONFIGURED


def _no_problems(deck: Deck) -> list[str]:
    return []


def choose_deck(
    source: DeckSource,
    check: Callable[[Deck], list[str]] = _no_problems,
    *,
    last_good: Path | None,
    bundled: Path,
    load: Callable[[Path], Deck] = load_deck,
) -> Chosen | None:
    """The first of configured, last good and bundled that loads and passes `check`."""
    candidates = [(CONFIGURED, source.folder())]
    if last_good is not None:
        candidates.append((LAST_GOOD, last_good))
    candidates.append((BUNDLED, bundled))
    reasons: list[str] = []
    for kind, folder in candidates:
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
