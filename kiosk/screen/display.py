"""Opening the screen quietly, and saying in plain words when there is none.

SDL writes its own notes straight to the process's stderr (file descriptor 2, below Python),
e.g. "error: XDG_RUNTIME_DIR is invalid" while it probes for a display. A person starting the
kiosk should see one sentence, so that text is caught here and sent to the log instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Captured:
    text: str = ""


@contextlib.contextmanager
def captured_stderr() -> Iterator[Captured]:
    """Send whatever C code writes to stderr inside the block to `.text` instead."""
    captured = Captured()
    sys.stderr.flush()
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        try:
            os.dup2(sink.fileno(), 2)
            yield captured
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured.text = sink.read().decode("utf-8", "replace")


def no_display_message(deck: Path, environ: Mapping[str, str]) -> str:
    """One sentence for "there is no screen to show the slides on", with what to do."""
    from kiosk.deck.bundled import bundled_deck

    render = "kiosk render --out slides-png"
    if deck.resolve() != bundled_deck().resolve():
        render = f"kiosk render {deck} --out slides-png"
    screen = environ.get("WAYLAND_DISPLAY") or environ.get("DISPLAY")
    if screen:
        return (
            f"The kiosk could not open the screen {screen}; check that the desktop session "
            f"on that screen is running and belongs to this user, or draw the slides to "
            f"picture files instead with `{render}`."
        )
    return (
        "There is no screen here to show the slides on; start the kiosk from the desktop "
        f"session of the screen it should use, or draw the slides to picture files instead "
        f"with `{render}`."
    )


# What `import pygame` pulls in just in case: numpy (for pygame.surfarray; installed here for
# the console's charts) and, when setuptools is installed, pkg_resources (pygame looks for its
# own data files with it). Drawing processes use neither; leaving them out made `import pygame`
# take 20 ms instead of 136-178 ms and the process 22 MB smaller (docs/performance.md).
OPTIONAL_IMPORTS = ("numpy", "pkg_resources")


def leave_out_optional_imports() -> None:
    """Make pygame skip its optional imports in this process (call before importing it).

    Only for processes that draw and nothing else (`kiosk run`, the loader child): a `None`
    in `sys.modules` makes any later import of those names fail, which pygame handles."""
    for name in OPTIONAL_IMPORTS:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]
