"""The command line, end to end, in subprocesses like a person would run it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pygame
import pytest

from kiosk.cli.main import main, parse_size

ROOT = Path(__file__).resolve().parents[2]
DECK = ROOT / "slides"


def kiosk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            "XDG_STATE_HOME": tempfile.gettempdir(),
            # Nothing published in the default deck home, no staff PIN: a known machine.
            "XDG_DATA_HOME": str(Path(tempfile.gettempdir()) / "cvi-kiosk-test-data"),
            "XDG_CONFIG_HOME": str(Path(tempfile.gettempdir()) / "cvi-kiosk-test-config"),
            **(env or {**os.environ, "SDL_VIDEODRIVER": "dummy"}),
        },
        timeout=120,
        check=False,
    )


def broken_deck(tmp_path: Path) -> Path:
    deck = tmp_path / "slides"
    deck.mkdir()
    (deck / "deck.yaml").write_text("title: Test\nidle_timeout: soon\n")
    (deck / "10-a.yaml").write_text(
        "section: A\nslides:\n  - id: a\n    kind: bullets\n    title: A\n"
        "    bullets:\n      - [nested]\n"
    )
    return deck


def test_parse_size():
    assert parse_size("1280x800") == (1280, 800)
    assert parse_size("1080×1920") == (1080, 1920)
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        parse_size("big")


def test_validate_bundled_deck_passes():
    result = kiosk("validate", str(DECK))
    assert result.returncode == 0, result.stderr
    assert (
        "slides" in result.stdout
        and "all fit at 1920×1080, 3840×2160, 1280×800, 1080×1920" in result.stdout
    )


def test_validate_reports_every_problem_with_file_and_line(tmp_path):
    result = kiosk("validate", str(broken_deck(tmp_path)))
    assert result.returncode == 1
    assert "slides/deck.yaml:2: idle_timeout:" in result.stderr
    assert "slides/10-a.yaml:7: slides[0].bullets[0]:" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_with_a_broken_deck_starts_on_the_bundled_deck_and_says_why(tmp_path):
    state = tmp_path / "state"
    result = kiosk(
        "run",
        "--deck",
        str(broken_deck(tmp_path)),
        "--windowed",
        "1280x800",
        "--first-frame-and-exit",
        env={**os.environ, "SDL_VIDEODRIVER": "dummy", "XDG_STATE_HOME": str(state)},
    )
    assert result.returncode == 0, result.stderr
    assert "FALLBACK: showing the bundled deck" in result.stderr
    # The same messages as `kiosk validate`, in the journal (stderr) and in kiosk.log.
    assert "slides/deck.yaml:2: idle_timeout:" in result.stderr
    log_text = (state / "cvi-kiosk" / "kiosk.log").read_text()
    assert "FALLBACK: showing the bundled deck" in log_text
    assert "slides/deck.yaml:2: idle_timeout:" in log_text


def test_run_without_a_display_says_so_in_one_sentence():
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")
    }
    result = kiosk("run", env=env)  # SDL would fall back to its invisible offscreen driver
    assert result.returncode == 2
    # Only the sentence: no log line before it, no SDL notes, no driver talk, no DISPLAY advice.
    assert result.stderr == (
        "kiosk: There is no screen here to show the slides on; start the kiosk from the desktop "
        "session of the screen it should use, or draw the slides to picture files instead with "
        "`kiosk render --out slides-png`.\n"
    )
    env["SDL_VIDEODRIVER"] = "x11"  # asking for X with no X server
    assert kiosk("run", env=env).returncode == 2


def test_run_with_a_display_that_cannot_open_names_it_and_does_not_ask_to_set_it():
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    env["DISPLAY"] = ":97"  # no X server there
    result = kiosk("run", env=env)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kiosk: The kiosk could not open the screen :97;")
    assert "set DISPLAY" not in lines[0] and "driver" not in lines[0]


def test_run_shows_a_first_frame_headless():
    result = kiosk("run", "--windowed", "1280x800", "--first-frame-and-exit")
    assert result.returncode == 0, result.stderr
    assert any(line.startswith("first-frame ") for line in result.stdout.splitlines())


def test_the_kiosk_program_draws_without_numpy_or_pkg_resources():
    """`kiosk run` leaves out what pygame imports just in case (20 MB and ~150 ms at every
    start); other commands keep them."""

    def program(*argv: str) -> subprocess.CompletedProcess[str]:
        probe = (
            f"import sys; from kiosk.cli.main import entry; sys.argv[1:] = {list(argv)!r}; "
            "code = entry(); import importlib.util; "
            "print('LOADED', sorted(n for n in ('numpy', 'pkg_resources') if sys.modules.get(n)),"
            " 'NUMPY', importlib.util.find_spec('numpy') is not None and "
            "sys.modules.get('numpy', 0) is not None)"
        )
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
        return subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            check=False,
        )

    run = program("run", "--windowed", "640x400", "--first-frame-and-exit")
    assert run.returncode == 0, run.stderr
    assert "first-frame " in run.stdout and "LOADED [] NUMPY False" in run.stdout
    validate = program("validate", "--size", "640x400")
    assert validate.returncode == 0, validate.stderr
    assert "NUMPY True" in validate.stdout  # not left out: the console's charts need it


def test_render_writes_one_png_per_slide_and_a_contact_sheet(tmp_path):
    out = tmp_path / "out"
    assert (
        main(["render", str(DECK), "--out", str(out), "--size", "1280x800", "--language", "en"])
        == 0
    )
    from kiosk.deck.content import load_deck

    deck = load_deck(DECK)
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert "contact-sheet.png" in pngs
    assert len(pngs) == len(deck.slides) + 1
    first = pygame.image.load(str(out / pngs[0]))
    assert first.get_size() == (1280, 800)


def test_run_kiosk_py_is_kiosk_run():
    text = (ROOT / "run_kiosk.py").read_text()
    assert 'main(["run", *sys.argv[1:]])' in text
