"""`kiosk run`, `kiosk validate`, `kiosk render`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from kiosk.content import DeckError, load_deck
from kiosk.logs import FORMAT, setup_logging
from kiosk.model import Deck

# The sizes every deck must look right at: 1080p, 4K, a 16:10 tablet panel, portrait 1080p.
INVISIBLE_DRIVERS = ("offscreen", "dummy")
STANDARD_SIZES = ((1920, 1080), (3840, 2160), (1280, 800), (1080, 1920))

log = logging.getLogger("kiosk")


def default_deck() -> Path:
    bundled = Path(__file__).resolve().parents[1] / "slides"
    return bundled if bundled.is_dir() else Path.cwd() / "slides"


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(part) for part in text.lower().replace("×", "x").split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT such as 1280x800, got {text!r}"
        ) from None
    if not (320 <= w <= 8192 and 320 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"size {w}x{h} is outside 320..8192")
    return w, h


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="CVI waiting-room kiosk")
    commands = parser.add_subparsers(dest="command")

    run = commands.add_parser("run", help="show the deck full-screen (default)")
    run.add_argument(
        "--deck", type=Path, default=None, help="deck folder (default: bundled slides/)"
    )
    run.add_argument(
        "--windowed",
        type=parse_size,
        metavar="WxH",
        default=None,
        help="development window of this size; Esc quits",
    )

    validate = commands.add_parser("validate", help="check a deck and print every problem")
    validate.add_argument("deck", type=Path)
    validate.add_argument(
        "--size",
        type=parse_size,
        action="append",
        metavar="WxH",
        help="screen sizes to check text fit at (default: the four standard sizes)",
    )

    commands.add_parser(
        "stats",
        help="anonymous view statistics: a table, or --csv FILE (see kiosk stats --help)",
        add_help=False,
    )

    # For the benchmark: draw one frame, print its wall-clock time, exit.
    run.add_argument("--first-frame-and-exit", action="store_true", help=argparse.SUPPRESS)

    render = commands.add_parser("render", help="draw every slide to PNG (works headless)")
    render.add_argument("deck", type=Path)
    render.add_argument("--out", type=Path, required=True)
    render.add_argument(
        "--size",
        type=parse_size,
        action="append",
        metavar="WxH",
        help="may repeat; default 1920x1080",
    )
    render.add_argument(
        "--language", default=None, help="language code (default: all of the deck's languages)"
    )
    render.add_argument("--no-controls", action="store_true", help="leave out the control bar")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["stats"]:
        from kiosk.stats import stats_main

        return stats_main(arguments[1:])
    args = build_parser().parse_args(arguments)
    command = args.command or "run"
    if command == "run":
        log_file = setup_logging()
        if log_file is not None:
            log.info("logging to %s", log_file)
    else:
        logging.basicConfig(level=logging.WARNING, format=FORMAT)
    if command == "validate":
        return _validate(args.deck, args.size or list(STANDARD_SIZES))
    if command == "render":
        return _render(args)
    return _run(
        getattr(args, "deck", None) or default_deck(),
        getattr(args, "windowed", None),
        first_frame_only=getattr(args, "first_frame_and_exit", False),
    )


def _load(folder: Path) -> Deck | None:
    try:
        return load_deck(folder)
    except DeckError as error:
        print(f"The deck in {folder} has {len(error.errors)} problem(s):", file=sys.stderr)
        for problem in error.errors:
            print(f"  {problem}", file=sys.stderr)
        return None


def _report(problems: Sequence[str], folder: Path) -> None:
    print(f"The deck in {folder} has {len(problems)} problem(s):", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def _headless() -> None:
    # Rendering off-screen needs no window; the dummy driver lets surfaces be converted.
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


def _validate(folder: Path, sizes: Sequence[tuple[int, int]]) -> int:
    deck = _load(folder)
    if deck is None:
        return 1
    _headless()
    from kiosk.preflight import preflight

    problems = preflight(deck, sizes)
    if problems:
        _report(problems, folder)
        return 1
    sizes_text = ", ".join(f"{w}×{h}" for w, h in sizes)
    print(
        f"{folder}: {len(deck.slides)} slides in {len(deck.sections)} topics; "
        f"all fit at {sizes_text}"
    )
    return 0


def _render(args: argparse.Namespace) -> int:
    deck = _load(args.deck)
    if deck is None:
        return 1
    _headless()
    from kiosk.export import render_deck

    sizes = args.size or [(1920, 1080)]
    languages = [args.language] if args.language else list(deck.languages)
    unknown = [code for code in languages if code not in deck.languages]
    if unknown:
        print(
            f"language {unknown[0]!r} is not in this deck (it has {', '.join(deck.languages)})",
            file=sys.stderr,
        )
        return 2
    written = render_deck(deck, args.out, sizes, languages, controls=not args.no_controls)
    print(f"wrote {len(written)} PNG files to {args.out}")
    return 0


def _stop_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _run(folder: Path, windowed: tuple[int, int] | None, *, first_frame_only: bool = False) -> int:
    deck = _load(folder)
    if deck is None:
        print(
            "The kiosk did not start: fix the problems above (`kiosk validate` re-checks).",
            file=sys.stderr,
        )
        return 1
    import pygame

    from kiosk.app import KioskApp
    from kiosk.preflight import preflight
    from kiosk.stats import StatsRecorder, default_stats_path
    from kiosk.watchdog import SystemdNotifier

    # SDL would turn SIGTERM into a window-close event, which kiosk mode ignores on purpose;
    # let the service manager's stop request end the process cleanly instead.
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    # Present frames by copying the window surface (XShm on X11) rather than through SDL's GL
    # texture: without a GPU the GL path made a 1080p frame take 20.8 ms instead of 3.0 ms and
    # held 110-180 MB more (docs/performance.md). A machine that does better with it can
    # still set the variable.
    os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
    signal.signal(signal.SIGTERM, _stop_on_signal)
    # Only display and fonts: the audio mixer's thread would wake the CPU ~90 times a second.
    try:
        pygame.display.init()
        # With no screen at all SDL quietly falls back to an invisible "offscreen" driver;
        # that is only fine when someone asked for it (the tests ask for "dummy").
        driver = pygame.display.get_driver()
        if driver in INVISIBLE_DRIVERS and os.environ.get("SDL_VIDEODRIVER") != driver:
            raise pygame.error(f"only the invisible '{driver}' video driver is available")
        if windowed:
            display = pygame.display.set_mode(windowed)
        else:
            display = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
            pygame.mouse.set_visible(False)
    except pygame.error as error:
        pygame.display.quit()
        print(
            f"kiosk: no display to show the slides on ({error}); run it from the screen's "
            f"desktop session (or set DISPLAY), or use `kiosk render {folder} --out out/`, "
            "which works headless.",
            file=sys.stderr,
        )
        return 2
    pygame.font.init()
    pygame.display.set_caption(deck.title.get(deck.default_language))
    from kiosk.render import ImageStore

    # Images decoded by the check are the ones the kiosk shows: each file is decoded once.
    images = ImageStore()
    problems = preflight(deck, [display.get_size()], larger_text=False, images=images)
    if problems:
        pygame.display.quit()
        _report(problems, folder)
        print("The kiosk did not start: fix the problems above.", file=sys.stderr)
        return 1
    log.info(
        "starting: %d slides, %dx%d, %s",
        len(deck.slides),
        *display.get_size(),
        "windowed" if windowed else "full-screen",
    )
    from kiosk.reload import DeckWatcher

    size = display.get_size()
    # Edits are checked at this screen's size before they may replace what is showing.
    watcher = DeckWatcher(
        folder,
        deck,
        clock=time.monotonic,
        check=lambda new: preflight(new, [size], larger_text=False),
    )
    notifier = SystemdNotifier()
    stats = StatsRecorder(default_stats_path())
    app = KioskApp(
        deck,
        display,
        windowed=windowed is not None,
        watcher=watcher,
        notifier=notifier,
        stats=stats,
        images=images,
    )
    try:
        app.step()  # the first frame
        notifier.ready(f"showing {len(deck.slides)} slides")
        if first_frame_only:
            print(f"first-frame {time.time():.6f}", flush=True)
        else:
            app.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stats.close()
        notifier.stopping()
        pygame.quit()
    log.info("kiosk stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
