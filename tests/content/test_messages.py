"""Messages a newcomer sees: each a plain sentence, no traceback, pointing at what to change."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk.deck.content import DeckError, load_deck
from kiosk.ops.stats.report import parse_since

ROOT = Path(__file__).resolve().parents[2]
FONTS = ROOT / "assets" / "fonts"

DECK_YAML = "title: Test\n"
SECTION = (
    "section: A\n"
    "slides:\n"
    "  - id: a\n"
    "    kind: bullets\n"
    "    title: A\n"
    "    bullets:\n"
    "      - One\n"
)


def kiosk(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy", "PYTHONPATH": str(ROOT), **(env or {})},
        timeout=120,
        check=False,
    )


def make_deck(
    home: Path, section: str = SECTION, deck_yaml: str = DECK_YAML, fonts: bool = True
) -> Path:
    deck = home / "slides"
    deck.mkdir(parents=True)
    (deck / "deck.yaml").write_text(deck_yaml)
    (deck / "10-a.yaml").write_text(section)
    if fonts:
        shutil.copytree(FONTS, home / "assets" / "fonts")
    return deck


def broken_png(path: Path) -> Path:
    """A PNG whose header says 10×10 and whose pixels are garbage."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (10).to_bytes(4, "big") * 2
    path.write_bytes(header + b"\x08\x06\x00\x00\x00garbage" * 20)
    return path


# -- the deck folder argument ------------------------------------------------------------


def test_a_folder_that_does_not_exist_is_one_sentence(tmp_path):
    result = kiosk("validate", "/nonexistent", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        "kiosk: There is no folder /nonexistent; give the deck folder, the one that holds "
        "deck.yaml.\n"
    )


def test_deck_yaml_instead_of_its_folder_suggests_the_folder(tmp_path):
    deck = make_deck(tmp_path)
    result = kiosk("validate", str(deck / "deck.yaml"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"kiosk: {deck / 'deck.yaml'} is a file; give the folder that holds it instead: "
        f"kiosk validate {deck}\n"
    )


def test_the_folder_above_the_deck_suggests_its_slides_folder(tmp_path):
    deck = make_deck(tmp_path)
    result = kiosk("render", str(tmp_path), "--out", str(tmp_path / "png"), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"kiosk: {tmp_path} holds a deck in its slides folder; give that folder instead: "
        f"kiosk render {deck}\n"
    )


def test_help_explains_the_deck_and_out_arguments(tmp_path):
    render = " ".join(kiosk("render", "--help", cwd=tmp_path).stdout.split())  # unwrapped
    assert "deck folder, the one holding deck.yaml (default: the deck that comes with" in render
    assert "folder to write the PNG files to (made if missing)" in render
    validate = " ".join(kiosk("validate", "--help", cwd=tmp_path).stdout.split())
    assert "deck folder, the one holding deck.yaml" in validate


# -- YAML --------------------------------------------------------------------------------


def problems(deck: Path) -> list[str]:
    with pytest.raises(DeckError) as error:
        load_deck(deck)
    return [str(e) for e in error.value.errors]


def test_an_unclosed_quote_is_reported_on_its_own_line(tmp_path):
    section = SECTION.replace("    title: A\n", '    title: "A\n')
    assert problems(make_deck(tmp_path, section, fonts=False)) == [
        'slides/10-a.yaml:5: (file): YAML error: the text that starts with " on this line has no '
        'closing "'
    ]


def test_an_unclosed_quote_closed_by_a_later_one_is_reported_where_it_opened(tmp_path):
    section = (
        SECTION.replace("      - One\n", "      - 'One\n")
        + "  - id: b\n    kind: title\n    title: 'B'\n"
    )
    assert problems(make_deck(tmp_path, section, fonts=False)) == [
        "slides/10-a.yaml:7: (file): YAML error: the text that starts with ' on this line has no "
        "closing '"
    ]


def test_a_quoted_text_over_several_lines_is_still_fine(tmp_path):
    section = SECTION.replace("    title: A\n", '    title: "A long\n      title"\n')
    assert load_deck(make_deck(tmp_path, section, fonts=False)).slides[0].title.get("en") == (
        "A long title"
    )


# -- pictures and fonts are checked even when the text has problems ----------------------


def test_content_errors_do_not_hide_picture_errors(tmp_path):
    section = SECTION.replace("      - One\n", "      - [nested]\n") + (
        "  - id: b\n    kind: callout\n    title: B\n    body: Text\n    image: images/broken.png\n"
    )
    deck = make_deck(tmp_path, section)
    broken_png(tmp_path / "assets" / "images" / "broken.png")
    result = kiosk("validate", str(deck), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"The deck in {deck} has 2 problem(s):"
    assert lines[1].startswith("  slides/10-a.yaml:7: slides[0].bullets[0]: expected text")
    assert lines[2].startswith("  slides/10-a.yaml:12: slides[1].image: ")
    assert "Traceback" not in result.stderr


def test_a_picture_that_does_not_decode_is_named_by_its_place_in_the_file(tmp_path):
    section = SECTION + (
        "  - id: b\n    kind: callout\n    title: B\n    body: Text\n    image: images/broken.png\n"
    )
    deck = make_deck(tmp_path, section)
    broken_png(tmp_path / "assets" / "images" / "broken.png")
    result = kiosk("validate", str(deck), "--size", "1280x800", cwd=tmp_path)
    assert result.returncode == 1
    # One style of path everywhere: the slide's position in its file, as the loader writes it.
    assert "  slides/10-a.yaml:12: slides[1].image: " in result.stderr
    assert "slides[b]" not in result.stderr


def test_missing_fonts_fail_validate_naming_the_file(tmp_path):
    deck = make_deck(tmp_path, fonts=False)
    result = kiosk("validate", str(deck), "--size", "1280x800", cwd=tmp_path)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "font not found" in line]
    assert len(lines) == 2  # regular and bold, one sentence each
    assert lines[0].startswith("  assets/fonts/AtkinsonHyperlegible-")
    assert lines[0].endswith(
        "copy the fonts beside the deck, or add `system_font: true` to deck.yaml to use the "
        "plain built-in font on purpose"
    )
    assert "AtkinsonHyperlegible-Bold.woff: font not found" in result.stderr


def test_a_deck_may_choose_the_built_in_font_on_purpose(tmp_path):
    deck = make_deck(tmp_path, deck_yaml=DECK_YAML + "system_font: true\n", fonts=False)
    assert load_deck(deck).system_font
    result = kiosk("validate", str(deck), "--size", "1280x800", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "font" not in result.stderr  # no "font not found" warning either
    rendered = kiosk("render", str(deck), "--out", str(tmp_path / "png"), cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    assert (tmp_path / "png" / "contact-sheet.png").is_file()


def test_system_font_must_be_true_or_false(tmp_path):
    deck = make_deck(tmp_path, deck_yaml=DECK_YAML + "system_font: yes please\n")
    assert problems(deck) == ["slides/deck.yaml:2: system_font: expected true or false, got text"]


# -- kiosk stats --since -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", date(2026, 11, 25)),
        ("Yesterday", date(2026, 11, 24)),
        ("7d", date(2026, 11, 19)),
        ("1d", date(2026, 11, 25)),
        ("2026-10-01", date(2026, 10, 1)),
    ],
)
def test_since_accepts_plain_days(text, day):
    assert parse_since(text, today=date(2026, 11, 25)) == datetime.combine(day, datetime.min.time())


def test_since_yesterday_works_on_the_command_line(tmp_path):
    db = tmp_path / "stats.sqlite3"
    sqlite3.connect(db).close()
    from kiosk.ops.stats.recorder import StatsRecorder

    StatsRecorder(db).close()
    result = kiosk("stats", "--db", str(db), "--since", "yesterday", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "visitor sessions: 0" in result.stdout


def test_since_with_an_unknown_day_is_one_sentence(tmp_path):
    result = kiosk(
        "stats", "--since", "last week", cwd=tmp_path, env={"XDG_STATE_HOME": str(tmp_path)}
    )
    assert result.returncode == 2
    assert result.stderr == (
        "kiosk stats: --since 'last week' is not a day the kiosk knows; use today, yesterday, "
        "a number of days such as 7d, or a date such as 2026-11-24.\n"
    )
