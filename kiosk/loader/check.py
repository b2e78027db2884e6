"""Everything `kiosk validate` checks, in one call: the deck loaded in the limited child, with
the text-fit check at the standard screen sizes. Publishing and the console use the same."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kiosk.deck.model import Deck
from kiosk.loader.job import load_isolated
from kiosk.loader.protocol import LoadRequest

# Landscape 1080p and 4K, a 1280×800 tablet-sized panel, and portrait 1080p.
STANDARD_SIZES = ((1920, 1080), (3840, 2160), (1280, 800), (1080, 1920))


def check_deck(
    folder: Path,
    sizes: Sequence[tuple[int, int]] = STANDARD_SIZES,
    *,
    larger_text: bool = True,
    pixels: bool = False,
) -> tuple[Deck | None, list[str]]:
    """The YAML, images, fonts, then text fit at `sizes`, in the limited loader child.
    Returns the deck (None when anything is wrong) and every problem found."""
    request = LoadRequest(folder, tuple(sizes), larger_text=larger_text, pixels=pixels)
    outcome = load_isolated(request)
    return (outcome.deck if outcome.ok else None), list(outcome.problems)


def validation_problems(slides: Path) -> list[str]:
    """Every problem `kiosk validate` finds in a deck folder (none: it may be published)."""
    return check_deck(slides)[1]
