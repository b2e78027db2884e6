"""What the screen and the loader child say to each other: the request, the outcome, the
framing constants. Both sides import this; nothing here reads a deck file."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from kiosk.deck.limits import DEFAULT_LIMITS, Limits
from kiosk.deck.model import Deck

# The child's exit code when Python ran out of memory (RLIMIT_AS) outside an image decode.
EXIT_MEMORY = 86
STDERR_KEEP = 4096
PIPE_BYTES = 1 << 20
HEAD_BYTES = 1 << 20


@dataclass(frozen=True)
class LoadRequest:
    folder: Path
    # Screen sizes every slide must fit at (empty: do not check fit).
    sizes: tuple[tuple[int, int], ...] = ()
    larger_text: bool = False
    pixels: bool = True  # hand back decoded pixels (`kiosk validate` needs none)
    limits: Limits = DEFAULT_LIMITS
    # The screen the pixels are for when no fit is checked (the bundled deck at start-up).
    # Pictures come back no larger than layout's largest picture box on these screens.
    screen: tuple[int, int] | None = None

    @property
    def picture_box(self) -> tuple[int, int] | None:
        """The size decoded pictures are scaled down to fit (None: as the file says)."""
        from kiosk.screen.layout import largest_image_box

        screens = self.sizes or ((self.screen,) if self.screen is not None else ())
        boxes = [largest_image_box(w, h) for w, h in screens]
        if not boxes:
            return None
        return max(w for w, _ in boxes), max(h for _, h in boxes)

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "folder": str(self.folder),
                "sizes": [list(size) for size in self.sizes],
                "larger_text": self.larger_text,
                "pixels": self.pixels,
                "limits": dataclasses.asdict(self.limits),
                "screen": list(self.screen) if self.screen is not None else None,
            }
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> LoadRequest:
        data = json.loads(raw)
        return cls(
            folder=Path(data["folder"]),
            sizes=tuple((int(w), int(h)) for w, h in data["sizes"]),
            larger_text=bool(data["larger_text"]),
            pixels=bool(data["pixels"]),
            limits=Limits(**data["limits"]),
            screen=(int(data["screen"][0]), int(data["screen"][1])) if data.get("screen") else None,
        )


@dataclass(frozen=True)
class LoadOutcome:
    """A deck ready to show (with its assets), or the problems that stop it."""

    deck: Deck | None
    problems: tuple[str, ...]
    seconds: float  # wall time from start to outcome
    peak_rss_bytes: int  # the child's peak resident memory (0 when unknown)
    last_read: str | None  # the last file the child said it was reading

    @property
    def ok(self) -> bool:
        return self.deck is not None and not self.problems


def high_water_mark(status_file: str) -> int:
    """VmHWM (peak resident memory) in bytes from a /proc status file; 0 when unreadable."""
    try:
        with open(status_file, "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


STARTING = "(starting the loader)"
