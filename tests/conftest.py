"""Shared test set-up. The suite runs headless: SDL gets dummy video and audio drivers here,
before anything imports pygame, so nobody has to set them by hand. Every test gets its own
XDG folders, so no test can read or write the real home's kiosk state."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import pytest  # after the SDL settings above: pygame may come in with it
from hypothesis import settings

# Fuzzing draws new inputs on every developer run, which is how it finds bugs. CI runs the
# same fixed draw each time (HYPOTHESIS_PROFILE=ci, set by .ci/run), so a submission is judged
# on its code, not on the luck of the draw; a case found locally goes in as an @example.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

REPO = Path(__file__).resolve().parents[1]
XDG = ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")

# Long runs: `make test` runs them, `make check` leaves them out. Everything in tests/system
# (real subprocesses, Chromium, promtool, Xvfb, the wheel) is slow by folder; these files and
# every 4K case are slow too. A new long test elsewhere can say @pytest.mark.slow itself.
SLOW_FOLDERS = frozenset({"system"})
SLOW_FILES = frozenset(
    {"test_soak.py", "test_storm.py", "test_fuzz_content.py", "test_fuzz_hostile.py"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = item.path.parent.name
        if folder in SLOW_FOLDERS or item.path.name in SLOW_FILES or "3840x2160" in item.nodeid:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def private_xdg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every XDG folder points into a fresh temporary folder for each test (and for the
    processes it starts, which inherit the environment)."""
    base = tmp_path_factory.mktemp("xdg")
    saved = {name: os.environ.get(name) for name in XDG}
    for name in XDG:
        folder = base / name.removeprefix("XDG_").removesuffix("_HOME").lower()
        os.environ[name] = str(folder)
    try:
        yield base
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def repo_root() -> Path:
    """The repository's top folder (slides/, assets/, docs/ ...)."""
    return REPO


@pytest.fixture
def deck_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled deck (`slides/` beside `assets/`); returns the slides."""
    shutil.copytree(REPO / "slides", tmp_path / "slides")
    shutil.copytree(REPO / "assets", tmp_path / "assets")
    return tmp_path / "slides"


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """List each slide's readability scores when the readability tests ran."""
    import sys

    module = sys.modules.get("tests.content.test_readability")
    scores = getattr(module, "SCORES", None)
    if not scores:
        return
    terminalreporter.section("readability per slide")
    # Prose: the grade the tests check. Fragments: each bullet a sentence (the old split).
    # One sentence: a lead-in and its fragments read as one sentence (how a patient meets it).
    columns = [
        ("prose en", "FK prose"),
        ("fragments en", "FK frag"),
        ("one sentence en", "FK 1-sent"),
        ("long words en", "3+syl en"),
        ("prose es", "FH prose"),
        ("INFLESZ es", "INFLESZ"),
        ("fragments es", "FH frag"),
        ("one sentence es", "FH 1-sent"),
        ("long words es", "3+syl es"),
    ]
    terminalreporter.write_line(f"{'slide':28}" + "".join(f"{h:>10}" for _k, h in columns))
    for slide_id, row in scores.items():
        cells = []
        for key, _heading in columns:
            value = row.get(key)
            text = (
                ""
                if value is None
                else (f"{value:.0%}" if key.startswith("long") else f"{value:.1f}")
            )
            cells.append(f"{text:>10}")
        terminalreporter.write_line(f"{slide_id:28}" + "".join(cells))
