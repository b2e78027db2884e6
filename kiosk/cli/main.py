"""`kiosk run`, `kiosk validate`, `kiosk render`, `kiosk init`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# When numpy is imported anyway (`kiosk render` in a process that has it), OpenBLAS need not
# start a thread (and reserve a buffer) per core.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import kiosk
from kiosk.deck.bundled import InitError, bundled_deck, init_deck, next_steps
from kiosk.deck.deckpath import deck_folder_problem
from kiosk.deck.model import Deck
from kiosk.loader import LoadJob, LoadRequest, load_isolated
from kiosk.loader.check import STANDARD_SIZES, check_deck
from kiosk.ops.exits import EXIT_RESTART, restart_in_place, started_by_hand
from kiosk.ops.logs import FORMAT, install_excepthooks, log_file, setup_logging
from kiosk.paths import state_dir
from kiosk.screen.display import captured_stderr, leave_out_optional_imports, no_display_message

# The sizes every deck must look right at: 1080p, 4K, a 16:10 tablet panel, portrait 1080p.
INVISIBLE_DRIVERS = ("offscreen", "dummy")

DECK_HELP = "deck folder, the one holding deck.yaml (default: the deck that comes with the kiosk)"

log = logging.getLogger("kiosk")


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
    run.add_argument("--deck", type=Path, default=None, help=DECK_HELP)
    run.add_argument(
        "--windowed",
        type=parse_size,
        metavar="WxH",
        default=None,
        help="development window of this size; Esc quits",
    )
    run.add_argument(
        "--output",
        choices=("auto", "surface", "texture"),
        default=None,
        help="how frames reach the screen: the window surface, SDL2 textures, or auto "
        "(textures only with a hardware-accelerated renderer); default: KIOSK_OUTPUT or auto",
    )

    validate = commands.add_parser("validate", help="check a deck and print every problem")
    validate.add_argument("deck", type=Path, nargs="?", default=None, help=DECK_HELP)
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
    commands.add_parser(
        "metrics",
        help="this screen's status as Prometheus metrics, HTTP or textfile (kiosk metrics --help)",
        add_help=False,
    )

    commands.add_parser(
        "console",
        help="staff web console: status, previews, statistics, editing, publishing "
        "(see kiosk console --help)",
        add_help=False,
    )

    # For the benchmark: draw one frame, print its wall-clock time, exit.
    run.add_argument("--first-frame-and-exit", action="store_true", help=argparse.SUPPRESS)

    render = commands.add_parser("render", help="draw every slide to PNG (works headless)")
    render.add_argument("deck", type=Path, nargs="?", default=None, help=DECK_HELP)
    render.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FOLDER",
        help="folder to write the PNG files to (made if missing)",
    )
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

    init = commands.add_parser(
        "init", help="copy the bundled deck and its assets into a folder of your own"
    )
    init.add_argument(
        "folder", type=Path, help="where to put slides/ and assets/ (made if missing)"
    )

    from kiosk.cli.commands import add_commands

    add_commands(commands)
    from kiosk.narrate.cli import add_parser as add_narrate

    add_narrate(commands)
    return parser


def entry() -> int:
    """The `kiosk` program. `kiosk run` (also the default) is a process that only draws, so
    pygame's optional imports are left out of it before anything imports pygame."""
    arguments = sys.argv[1:]
    if not arguments or arguments[0] == "run":
        leave_out_optional_imports()
    return main(arguments)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["stats"]:
        from kiosk.ops.stats.command import stats_main

        return stats_main(arguments[1:])
    if arguments[:1] == ["metrics"]:
        from kiosk.ops.metrics import metrics_main

        return metrics_main(arguments[1:])
    if arguments[:1] == ["console"]:
        from kiosk.console.cli import console_main

        return console_main(arguments[1:])
    args = build_parser().parse_args(arguments)
    command = args.command or "run"
    if command == "run":
        # Before anything can fail: every start-up failure and uncaught error reaches
        # kiosk.log as well as stderr (the journal).
        setup_logging()
        install_excepthooks()
    else:
        logging.basicConfig(level=logging.WARNING, format=FORMAT)
    if command == "init":
        return _init(args.folder)
    if command == "validate":
        return _validate(args.deck or bundled_deck(), args.size or list(STANDARD_SIZES))
    if command == "render":
        return _render(args)
    if command == "narrate":
        from kiosk.narrate.cli import run as narrate

        return narrate(args, bundled_deck())
    if command in ("publish", "versions", "rollback", "set-pin"):
        from kiosk.cli.commands import run_command

        return run_command(args, bundled_deck())
    return _run(
        getattr(args, "deck", None),
        getattr(args, "windowed", None),
        first_frame_only=getattr(args, "first_frame_and_exit", False),
        output=getattr(args, "output", None),
    )


def _load(
    folder: Path,
    sizes: Sequence[tuple[int, int]] = (),
    *,
    command: str = "validate",
    larger_text: bool = False,
    pixels: bool = True,
) -> Deck | None:
    """The deck as the loader child read and checked it; problems go to stderr (all of them:
    content, images, fonts and fit together)."""
    wrong = deck_folder_problem(folder, command)
    if wrong is not None:
        print(f"kiosk: {wrong}", file=sys.stderr)
        return None
    request = LoadRequest(folder, tuple(sizes), larger_text=larger_text, pixels=pixels)
    outcome = load_isolated(request)
    if not outcome.ok:
        _report(outcome.problems, folder)
        return None
    return outcome.deck


def _report(problems: Sequence[str], folder: Path) -> None:
    print(f"The deck in {folder} has {len(problems)} problem(s):", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def _headless() -> None:
    # Rendering off-screen needs no window; the dummy driver lets surfaces be converted.
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


def _validate(folder: Path, sizes: Sequence[tuple[int, int]]) -> int:
    wrong = deck_folder_problem(folder, "validate")
    if wrong is not None:
        print(f"kiosk: {wrong}", file=sys.stderr)
        return 1
    deck, problems = check_deck(folder, sizes)
    if deck is None or problems:
        _report(problems, folder)
        return 1
    sizes_text = ", ".join(f"{w}×{h}" for w, h in sizes)
    print(
        f"{folder}: {len(deck.slides)} slides in {len(deck.sections)} topics; "
        f"all fit at {sizes_text}"
    )
    from kiosk.deck.pace import pace_lines

    for line in pace_lines(deck):
        print(line)
    from kiosk.deck.script import narration_notes

    notes = narration_notes(deck)
    for line in notes.lines()[: len(notes.lines()) - len(notes.stale)]:
        print(f"note: {line}", file=sys.stderr)
    for line in notes.stale:
        print(f"warning: {line}", file=sys.stderr)
    import datetime as dt

    from kiosk.deck.review import review_warnings

    for line in review_warnings(deck, dt.date.today()):
        print(f"warning: {line}", file=sys.stderr)
    from kiosk.ops.pin import no_pin_warning

    warning = no_pin_warning()
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def _init(folder: Path) -> int:
    try:
        deck = init_deck(folder)
    except InitError as error:
        print(f"kiosk: {error}", file=sys.stderr)
        return 1
    print(next_steps(deck))
    return 0


def _render(args: argparse.Namespace) -> int:
    args.deck = args.deck or bundled_deck()
    sizes = args.size or [(1920, 1080)]
    deck = _load(args.deck, sizes, command="render")
    if deck is None:
        return 1
    _headless()
    from kiosk.screen.export import render_deck

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


# SIGHUP: look for a new deck now (never a restart, never a blank screen). These end the kiosk
# cleanly: statistics flushed, a log line naming the signal, systemd told STOPPING=1.
TERMINATING_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2")


class _Signals:
    def __init__(self) -> None:
        self.app: KioskAppLike | None = None

    def install(self) -> None:
        for name in TERMINATING_SIGNALS:
            signal.signal(getattr(signal, name), self._stop)
        signal.signal(signal.SIGHUP, self._reload)

    def _stop(self, signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        if self.app is None:
            log.info("%s received while starting; stopping", name)
            raise SystemExit(0)
        self.app.request_stop(f"{name} received")

    def _reload(self, signum: int, frame: object) -> None:
        log.info("SIGHUP received: looking for a new deck now")
        if self.app is not None:
            self.app.request_check()


class KioskAppLike(Protocol):
    def request_stop(self, reason: str) -> None: ...

    def request_check(self) -> None: ...


def _run(
    deck_arg: Path | None,
    windowed: tuple[int, int] | None,
    *,
    first_frame_only: bool = False,
    output: str | None = None,
) -> int:
    try:
        status = _start(deck_arg, windowed, first_frame_only=first_frame_only, output=output)
        if status == EXIT_RESTART:
            restart_in_place()
        return status
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 0
    except Exception:
        log.critical("the kiosk stopped on an unexpected error", exc_info=True)
        return 1


def _start(
    deck_arg: Path | None,
    windowed: tuple[int, int] | None,
    *,
    first_frame_only: bool,
    output: str | None = None,
) -> int:
    # The loader child starts first and imports its libraries while this process imports
    # its own and opens the display; it gets the folder and the screen size once they are
    # known (the child is on the way to the first frame: docs/performance.md).
    started = LoadJob()
    from kiosk.decks.startup import resolve_source

    bundled = bundled_deck()
    source = resolve_source(deck_arg, bundled)
    first_load: LoadJob | None = started
    import pygame

    # SDL would turn SIGTERM into a window-close event, which kiosk mode ignores on purpose;
    # our own handlers end the loop cleanly instead.
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    # Present frames by copying the window surface (XShm on X11) rather than through SDL's GL
    # texture: without a GPU the GL path made a 1080p frame take 20.8 ms instead of 3.0 ms and
    # held 110-180 MB more (docs/performance.md). A machine that does better with it can
    # still set the variable.
    os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
    from kiosk.screen.output import open_output, wanted_mode

    signals = _Signals()
    signals.install()
    # Only display and fonts: the audio mixer's thread wakes the CPU every buffer, so it is
    # opened only when narration plays and closed after a quiet minute (kiosk.screen.player).
    try:
        with captured_stderr() as sdl_said:
            pygame.display.init()
            # With no screen at all SDL quietly falls back to an invisible "offscreen" driver;
            # that is only fine when someone asked for it (the tests ask for "dummy").
            driver = pygame.display.get_driver()
            if driver in INVISIBLE_DRIVERS and os.environ.get("SDL_VIDEODRIVER") != driver:
                raise pygame.error(f"only the invisible '{driver}' video driver is available")
            # The window surface, or SDL2 textures where they are worth it (kiosk.screen.output).
            screen, chosen_because = open_output(wanted_mode(output, os.environ), "kiosk", windowed)
            if not windowed:
                pygame.mouse.set_visible(False)
    except pygame.error as error:
        pygame.display.quit()
        # The details (SDL's driver talk) go to the log file for IT; the person gets a sentence.
        log.debug("no display: %s; SDL said: %s", error, sdl_said.text.strip())
        # A deck home with nothing published yet would show the bundled deck.
        shown = source.path if source.published else bundled
        print(f"kiosk: {no_display_message(shown, os.environ)}", file=sys.stderr)
        started.cancel()
        started.wait()
        return 2
    if sdl_said.text.strip():
        log.debug("SDL said while opening the display: %s", sdl_said.text.strip())
    log.info("%s", chosen_because)
    pygame.font.init()
    # The first frame of the last start, on screen while the deck is read and checked.
    from kiosk.screen.output import SurfaceOutput
    from kiosk.screen.snapshot import load_first_frame, save_first_frame, snapshot_path

    kept = snapshot_path(state_dir())
    if isinstance(screen, SurfaceOutput):
        picture = load_first_frame(kept, screen.size)
        if picture is not None:
            screen.display.blit(picture, (0, 0))
            pygame.display.flip()
            if first_frame_only:
                print(f"first-picture {time.time():.6f}", flush=True)

    from kiosk.decks.follow import CurrentFollower, Watcher
    from kiosk.decks.lastgood import LastGoodKeeper, last_good_slides
    from kiosk.decks.reload import DeckWatcher, LoadProblemsError
    from kiosk.decks.startup import ATTEMPTS_FILE, StartAttempts, choose_deck, version_of
    from kiosk.ops.config import ConfigError, MachineConfig, default_screen_name, load_config
    from kiosk.ops.pin import StaffPin, no_pin_warning
    from kiosk.ops.stats.recorder import StatsRecorder
    from kiosk.ops.stats.store import default_stats_path
    from kiosk.ops.status import RecentErrors, StatusWriter, default_status_path
    from kiosk.ops.watchdog import SystemdNotifier
    from kiosk.screen.app import KioskApp
    from kiosk.screen.wakeup import blocking_wait

    # Kept from the start, so the status file shows why a fallback deck is on screen.
    recent_errors = RecentErrors()
    logging.getLogger().addHandler(recent_errors)
    size = screen.size

    def load(folder: Path) -> Deck:
        # Read, decoded and checked at this screen's size in the loader child; images come
        # back scaled for this screen, fonts as checked bytes. The bundled deck is the last
        # resort: on a screen smaller than any it was made for, some text may be cut, which
        # is still better than a dark screen.
        nonlocal first_load
        request = LoadRequest(folder, () if folder == bundled else (size,), screen=size)
        if first_load is not None:  # the child started before the display opened
            job, first_load = first_load, None
            job.send(request)
            outcome = job.wait()
        else:
            outcome = load_isolated(request)
        if not outcome.ok or outcome.deck is None:
            raise LoadProblemsError(list(outcome.problems))
        return outcome.deck

    def start(folder: Path) -> LoadJob:
        # The same, for later decks: started here, polled by the loop, never waited for.
        return LoadJob(LoadRequest(folder, (size,)))

    # A deck that stopped the screen twice before it was drawn whole is passed over.
    attempts = StartAttempts(state_dir() / ATTEMPTS_FILE)
    chosen = choose_deck(
        source,
        last_good=last_good_slides(),
        bundled=bundled,
        load=load,
        passed_over=attempts.passed_over,
    )
    if first_load is not None:  # not needed after all: do not leave the child waiting
        first_load.cancel()
        first_load.wait()
    if chosen is None:
        screen.close()
        pygame.display.quit()
        log.error("The kiosk did not start: fix the problems above (`kiosk validate` re-checks).")
        return 1
    deck = chosen.deck
    if chosen.fallback:
        log.error(
            "FALLBACK: showing the %s deck from %s, because %s",
            chosen.kind,
            chosen.folder,
            "\n".join(chosen.reasons),
        )
    warning = no_pin_warning()
    if warning:
        log.warning("%s", warning)
    screen.set_title(deck.title.get(deck.default_language))
    log.info(
        "starting: %d slides from %s (%s), %dx%d, %s; log file %s",
        len(deck.slides),
        chosen.folder,
        chosen.kind,
        *size,
        "windowed" if windowed else "full-screen",
        log_file() or "none (stderr only)",
    )
    watcher: Watcher
    # Later decks are loaded and checked at this screen's size in the loader child, which
    # the loop only polls, before they may replace what is showing.
    if source.home:
        watcher = CurrentFollower(source.path, deck, clock=time.monotonic, start=start)
    else:
        watcher = DeckWatcher(source.folder(), deck, clock=time.monotonic, start=start)
    keeper = LastGoodKeeper()

    def keep(new: Deck) -> None:
        keeper.submit(new.root, version_of(new.root))

    def drawn(new: Deck) -> None:
        # Kept as the last good deck only once every page of it was drawn on this screen.
        if new is deck:
            attempts.drawn()
            if chosen.fallback:
                return
        keep(new)

    def live(new: Deck) -> None:
        app.deck_info["version"] = version_of(new.root) or ""
        app.deck_info["source"] = "configured"

    notifier = SystemdNotifier()
    stats = StatsRecorder(default_stats_path())
    try:
        config = load_config()
    except ConfigError as error:
        log.error("%s Using the host name as the screen name.", error)
        config = MachineConfig(screen_name=default_screen_name())
    app = KioskApp(
        deck,
        screen,
        windowed=windowed is not None,
        watcher=watcher,
        notifier=notifier,
        stats=stats,
        staff=StaffPin(),
        on_deck_live=live,
        on_deck_drawn=drawn,
        block=blocking_wait(),
        escape_quits=started_by_hand(os.environ, sys.stdin is not None and sys.stdin.isatty()),
        status=StatusWriter(default_status_path()),
        recent_errors=recent_errors,
        screen_name=config.screen_name,
        volume_cap=config.audio_volume_cap,
        deck_info={
            "source": chosen.kind,
            "version": version_of(chosen.folder) or "",
        },
    )
    if chosen.fallback:
        app.fallbacks += 1
        app.fallback_reason = f"showing the {chosen.kind} deck: {chosen.reasons[0]}"
    attempts.starting(chosen.folder)
    signals.app = app
    try:
        app.step()  # the first frame
        if isinstance(screen, SurfaceOutput):
            save_first_frame(
                kept,
                screen.display,
                fingerprint=app.deck_info.get("hash", ""),
                version=kiosk.__version__,
            )
        status = f"showing {len(deck.slides)} slides"
        notifier.ready(f"{status} (FALLBACK: {chosen.kind} deck)" if chosen.fallback else status)
        if first_frame_only:
            print(f"first-frame {time.time():.6f}", flush=True)
            app.prove_all()  # what the loop does in idle time, so last good is kept as in a run
        else:
            app.run()
        attempts.drawn()  # a clean stop is no crash
    finally:
        signals.app = None
        watcher.close()
        stats.close()
        notifier.stopping()
        keeper.wait(5.0)
        screen.close()
        pygame.quit()
    log.info("kiosk stopped%s", f" ({app.stop_reason})" if app.stop_reason else "")
    return app.navigator.exit_status


if __name__ == "__main__":
    sys.exit(main())
