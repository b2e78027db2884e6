"""The deck that ships with the kiosk, and `kiosk init`, which gives a clinic its own copy.

In a checkout the bundled deck is the repository's top-level `slides/` with `assets/` beside
it. An installed wheel carries the same files as `kiosk/_bundled/{slides,assets,docs}` (mapped
in pyproject.toml), found here with importlib.resources, so `kiosk run`, `kiosk validate` and
`kiosk render` work from any folder.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from shlex import quote

DECK_DIR = "slides"
ASSETS_DIR = "assets"
GUIDE = "deck-format.md"


class InitError(Exception):
    """`kiosk init` cannot copy the deck; the message is one sentence for a person."""


def bundled_home() -> Path:
    """The folder that holds the bundled `slides/` and `assets/` side by side."""
    packaged = resources.files("kiosk") / "_bundled"
    # Installed from a wheel: real files inside the package (the kiosk is never run from a zip).
    if isinstance(packaged, Path) and (packaged / DECK_DIR / "deck.yaml").is_file():
        return packaged
    # A checkout or an editable install: the files at the top of the repository.
    return Path(__file__).resolve().parents[2]


def bundled_deck() -> Path:
    """The bundled deck folder (the one holding deck.yaml)."""
    return bundled_home() / DECK_DIR


def bundled_guide() -> Path | None:
    """The deck-format guide, when this install carries it."""
    home = bundled_home()
    for candidate in (home / "docs" / GUIDE, home / GUIDE):
        if candidate.is_file():
            return candidate
    return None


def init_deck(target: Path) -> Path:
    """Copy the bundled deck and its assets into `target` (created if needed) and return the
    new deck folder. Never overwrites: a folder that already has a deck is refused."""
    if target.exists() and not target.is_dir():
        raise InitError(f"{target} is a file; give a folder for the new deck instead.")
    existing = [
        f"{name}/" if (target / name).is_dir() else name
        for name in (DECK_DIR, ASSETS_DIR, GUIDE)
        if (target / name).exists()
    ]
    if existing:
        raise InitError(
            f"{target} already has {' and '.join(existing)}, so nothing was copied; "
            "choose an empty or new folder."
        )
    home = bundled_home()
    try:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(home / DECK_DIR, target / DECK_DIR)
        shutil.copytree(home / ASSETS_DIR, target / ASSETS_DIR)
        guide = bundled_guide()
        if guide is not None:
            shutil.copy2(guide, target / GUIDE)
    except OSError as error:
        raise InitError(
            f"Could not copy the deck into {target}: {error.strerror or error}."
        ) from None
    return target / DECK_DIR


def next_steps(deck: Path) -> str:
    """What to do after `kiosk init`, as the lines printed for the person who ran it."""
    folder = deck.parent
    guide = folder / GUIDE
    how = f"the guide is {guide}" if guide.is_file() else "see docs/deck-format.md"
    return "\n".join(
        [
            f"Copied the bundled deck into {folder}: {DECK_DIR}/ (the slides) and "
            f"{ASSETS_DIR}/ (fonts and pictures). Keep the two folders side by side.",
            "",
            "Next steps:",
            "  1. Set this screen's staff PIN (without one, staff cannot leave the kiosk): "
            "kiosk set-pin",
            f"  2. Edit or add slides in {deck}; {how}.",
            f"  3. Check them:  kiosk validate {quote(str(deck))}",
            f"  4. Look at them: kiosk render {quote(str(deck))} --out "
            f"{quote(str(folder / 'preview'))}",
            f"  5. Put them live: kiosk publish {quote(str(deck))}   (then `kiosk run` shows them)",
        ]
    )
