"""The `kiosk narrate` command line (kept here so kiosk.cli.main stays small)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    narrate = commands.add_parser(
        "narrate", help="make missing or stale read-aloud files with an offline speech engine"
    )
    narrate.add_argument("deck", type=Path, nargs="?", default=None, help="deck folder")
    narrate.add_argument(
        "--engine", choices=("espeak", "piper"), default="espeak", help="default: espeak-ng"
    )
    narrate.add_argument(
        "--voice", type=Path, default=None, help="Piper voice file (.onnx) you already have"
    )
    narrate.add_argument(
        "--language", action="append", default=None, help="only this language (repeatable)"
    )
    narrate.add_argument("--force", action="store_true", help="remake every file, fresh or not")


def run(args: argparse.Namespace, default_deck: Path) -> int:
    from kiosk.deck.content import DeckError
    from kiosk.narrate.engines import Engine, EngineError, Espeak, Piper
    from kiosk.narrate.make import narrate_deck

    folder: Path = args.deck or default_deck
    try:
        engine: Engine
        if args.engine == "piper":
            if args.voice is None:
                raise EngineError("--engine piper needs --voice FILE.onnx (nothing is downloaded)")
            if not args.language:
                raise EngineError("a Piper voice speaks one language: say which with --language")
            engine = Piper(args.voice)
        else:
            engine = Espeak()
        report = narrate_deck(folder, engine, args.language, force=args.force)
    except DeckError as error:
        print(f"The deck in {folder} has {len(error.errors)} problem(s):", file=sys.stderr)
        for problem in error.errors:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except EngineError as error:
        print(f"kiosk narrate: {error}", file=sys.stderr)
        return 1
    print(
        f"{len(report.made)} file(s) made ({report.seconds:.0f} s of speech, "
        f"{report.bytes / 1e6:.2f} MB), {report.fresh} already fresh, "
        f"{report.kept_recordings} recording(s) kept"
    )
    return 0
