"""Child process that draws previews for the console:
`python -m kiosk.console.workers.render_worker`.

The console never imports pygame or decodes deck images itself: a bad image or font can at
worst take down this short-lived child. It writes PNGs and a `manifest.json` into OUT:

    {"problems": [...], "languages": [...], "size": [w, h], "seconds": s,
     "slides": [{"id", "title": {lang: text}, "files": {lang: "en/01-id.png"}}],
     "menu": {lang: "menu-en.png"}}
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from kiosk.cli.main import parse_size
from kiosk.deck.content import DeckError, load_deck


def render(deck_folder: Path, out: Path, size: tuple[int, int], slide_id: str | None) -> int:
    started = time.perf_counter()
    manifest: dict[str, Any] = {"problems": [], "languages": [], "slides": [], "menu": {}}
    manifest["size"] = list(size)
    out.mkdir(parents=True, exist_ok=True)
    try:
        deck = load_deck(deck_folder)
    except DeckError as error:
        manifest["problems"] = [str(problem) for problem in error.errors]
        (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        return 1
    import pygame

    from kiosk.loader.preflight import preflight
    from kiosk.screen.export import render_deck
    from kiosk.screen.render import FontBook, FrameRenderer, font_dirs
    from kiosk.screen.view import Mode, Overlay, View

    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((1, 1))
    manifest["languages"] = list(deck.languages)
    fonts = FontBook(font_dirs(deck.root))
    chosen = [s for s in deck.slides if slide_id is None or s.id == slide_id]
    if slide_id is not None:
        # The live preview checks the edited slide at this screen's size, with the same
        # messages as `kiosk validate` (publishing checks every slide at every size).
        only = dataclasses.replace(deck, slides=tuple(chosen))
        manifest["problems"] = preflight(only, [size], fonts) if chosen else []
    positions = {slide.id: index for index, slide in enumerate(deck.slides)}
    for language in deck.languages:
        render_deck(
            deck,
            out / language,
            [size],
            [language],
            only=None if slide_id is None else {slide_id},
        )
    for slide in chosen:
        name = f"{positions[slide.id] + 1:02d}-{slide.id}.png"
        manifest["slides"].append(
            {
                "id": slide.id,
                "title": {lang: slide.title.get(lang) for lang in deck.languages},
                "files": {lang: f"{lang}/{name}" for lang in deck.languages},
            }
        )
    if slide_id is None:
        frames = FrameRenderer(deck, size, fonts)
        for language in deck.languages:
            frame = pygame.Surface(size)
            frames.draw(
                frame, View(index=0, language=language, mode=Mode.BROWSING, overlay=Overlay.MENU)
            )
            pygame.image.save(frame, str(out / f"menu-{language}.png"))
            manifest["menu"][language] = f"menu-{language}.png"
    manifest["seconds"] = round(time.perf_counter() - started, 3)
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk.console.workers.render_worker")
    parser.add_argument("deck", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("size", type=parse_size)
    parser.add_argument("--slide", default=None)
    args = parser.parse_args(argv)
    return render(args.deck, args.out, args.size, args.slide)


if __name__ == "__main__":
    sys.exit(main())
