"""Shared test set-up. The suite runs headless: SDL gets dummy video and audio drivers here,
before anything imports pygame, so nobody has to set them by hand."""

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"


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
