"""Child process: `python -m kiosk.console.workers.image_check FILE` decodes one image as the deck
loader would, under the same memory limit, and prints why it cannot be shown (exit 1), or
nothing (exit 0)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m kiosk.console.workers.image_check FILE")
        return 2
    import resource

    from kiosk.deck.images import BadImageError, decode
    from kiosk.deck.limits import DEFAULT_LIMITS

    # The same memory ceiling as the deck loader's child: a hostile file ends here.
    limit = DEFAULT_LIMITS.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        data = Path(args[0]).read_bytes()
        decode(data, DEFAULT_LIMITS, None)
    except (BadImageError, OSError) as error:
        print(error)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
