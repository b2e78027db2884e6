"""What is wrong with the folder a person gave as the deck, said in one plain sentence.

Checked before loading, so that a typo or a file name gets a hint instead of a list of
"problems" in a deck that does not exist.
"""

from __future__ import annotations

from pathlib import Path


def deck_folder_problem(folder: Path, command: str) -> str | None:
    """Why `folder` cannot be a deck folder, with what to type instead; None when it can be
    loaded (its remaining problems, if any, are the loader's to report)."""
    if folder.is_file():
        if folder.suffix.lower() in (".yaml", ".yml"):
            return (
                f"{folder} is a file; give the folder that holds it instead: "
                f"kiosk {command} {folder.parent}"
            )
        return f"{folder} is a file, not a deck folder; give the folder that holds deck.yaml."
    if not folder.exists():
        return f"There is no folder {folder}; give the deck folder, the one that holds deck.yaml."
    if not folder.is_dir():
        return f"{folder} is not a folder; give the deck folder, the one that holds deck.yaml."
    if not (folder / "deck.yaml").exists() and (folder / "slides" / "deck.yaml").is_file():
        # E.g. the folder `kiosk init` made, or a checkout: the deck is its slides/ folder.
        return (
            f"{folder} holds a deck in its slides folder; give that folder instead: "
            f"kiosk {command} {folder / 'slides'}"
        )
    return None
