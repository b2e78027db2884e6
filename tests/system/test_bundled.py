"""The deck that comes with the kiosk: used when no deck is named, copied by `kiosk init`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kiosk.deck.bundled import bundled_deck, bundled_home, init_deck
from kiosk.deck.content import load_deck

ROOT = Path(__file__).resolve().parents[2]


def kiosk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy", "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )


def test_in_a_checkout_the_bundled_deck_is_the_top_level_slides_folder():
    assert bundled_home() == ROOT
    assert bundled_deck() == ROOT / "slides"


def test_validate_and_render_without_a_deck_use_the_bundled_one_from_any_folder(tmp_path):
    validated = kiosk("validate", "--size", "1280x800", cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    deck = load_deck(bundled_deck())
    assert f": {len(deck.slides)} slides in {len(deck.sections)} topics" in validated.stdout
    rendered = kiosk(
        "render", "--out", "png", "--size", "1280x800", "--language", "en", cwd=tmp_path
    )
    assert rendered.returncode == 0, rendered.stderr
    assert len(list((tmp_path / "png").glob("*.png"))) == len(deck.slides) + 1


def test_init_copies_the_deck_its_assets_and_the_guide_and_says_what_next(tmp_path):
    target = tmp_path / "clinic deck"
    result = kiosk("init", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    copied = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    expected = sorted(
        [p.relative_to(ROOT).as_posix() for p in (ROOT / "slides").glob("*.yaml")]
        + [p.relative_to(ROOT).as_posix() for p in (ROOT / "assets").rglob("*") if p.is_file()]
        + ["deck-format.md"]
    )
    assert copied == expected
    assert "assets/fonts/OFL.txt" in copied
    deck = target / "slides"
    assert [s.id for s in load_deck(deck).slides] == [
        s.id for s in load_deck(bundled_deck()).slides
    ]
    assert result.stdout.splitlines()[0] == (
        f"Copied the bundled deck into {target}: slides/ (the slides) and assets/ (fonts and "
        "pictures). Keep the two folders side by side."
    )
    # Commands ready to paste, even with a space in the folder name.
    assert f"  3. Check them:  kiosk validate '{deck}'" in result.stdout
    assert f"  5. Put them live: kiosk publish '{deck}'" in result.stdout
    # The copy is the clinic's own: it validates where it is.
    validated = kiosk("validate", str(deck), "--size", "1280x800", cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr


def test_init_never_overwrites_a_deck(tmp_path):
    init_deck(tmp_path / "mine")
    (tmp_path / "mine" / "slides" / "deck.yaml").write_text("title: Ours\n")
    result = kiosk("init", str(tmp_path / "mine"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"kiosk: {tmp_path / 'mine'} already has slides/ and assets/ and deck-format.md, so "
        "nothing was copied; choose an empty or new folder.\n"
    )
    assert (tmp_path / "mine" / "slides" / "deck.yaml").read_text() == "title: Ours\n"


def test_init_into_a_file_is_one_sentence(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    result = kiosk("init", str(tmp_path / "notes.txt"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"kiosk: {tmp_path / 'notes.txt'} is a file; give a folder for the new deck instead.\n"
    )
