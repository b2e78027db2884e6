"""Child process: `python -m kiosk.console.image_check FILE` decodes one image as the kiosk
would and prints why it cannot be shown (exit 1), or nothing (exit 0)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m kiosk.console.image_check FILE")
        return 2
    from kiosk.render import ImageError, load_image

    try:
        load_image(Path(args[0]))
    except ImageError as error:
        print(error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
