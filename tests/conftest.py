"""Shared test set-up. The suite runs headless: SDL gets dummy video and audio drivers here,
before anything imports pygame, so nobody has to set them by hand."""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import pytest  # after the SDL settings above: pygame may come in with it

# Long runs: `make test` runs them, `make check` leaves them out. A new long test can say
# @pytest.mark.slow itself; these whole files and every 4K case are marked here in one place.
SLOW_FILES = frozenset(
    {"test_soak.py", "test_bench.py", "test_fuzz_content.py", "test_storm.py", "test_wheel.py"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_FILES or "3840x2160" in item.nodeid:
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    """List each slide's readability scores when the readability tests ran."""
    import sys

    module = sys.modules.get("tests.test_readability")
    scores = getattr(module, "SCORES", None)
    if not scores:
        return
    terminalreporter.section("readability per slide")
    terminalreporter.write_line(f"{'slide':28} {'FK grade (en)':>14} {'Fernández-Huerta (es)':>22}")
    for slide_id, row in scores.items():
        en, es = row.get("en"), row.get("es")
        terminalreporter.write_line(
            f"{slide_id:28} {'' if en is None else f'{en:.1f}':>14} "
            f"{'' if es is None else f'{es:.1f}':>22}"
        )
