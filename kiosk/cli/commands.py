"""`kiosk publish`, `kiosk versions`, `kiosk rollback` and `kiosk set-pin`: the staff commands.

Kept apart from kiosk.cli.main so the screen's start-up path imports none of it.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import time
from pathlib import Path


def _who(args: argparse.Namespace) -> str:
    return str(args.who or os.environ.get("USER") or os.environ.get("LOGNAME") or "unknown")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    home_help = "deck home (default: $XDG_DATA_HOME/cvi-kiosk/decks)"
    pub = commands.add_parser(
        "publish", help="check a deck and make it the live version (atomically)"
    )
    pub.add_argument("source", type=Path, nargs="?", default=None, help="deck folder to publish")
    pub.add_argument("--home", type=Path, default=None, help=home_help)
    pub.add_argument("--note", default="", help="what changed, for the version list")
    pub.add_argument("--who", default=None, help="who publishes (default: $USER)")
    pub.add_argument(
        "--keep", type=int, default=None, help="versions to keep (default: the last 20)"
    )
    pub.add_argument("--force", action="store_true", help="publish even if nothing changed")
    pub.add_argument(
        "--settle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="first wait until the folder has not changed for this long (after a sync)",
    )

    versions = commands.add_parser("versions", help="list the published versions")
    versions.add_argument("--home", type=Path, default=None, help=home_help)

    back = commands.add_parser("rollback", help="make an earlier published version live again")
    back.add_argument("version", help="a version id from `kiosk versions`")
    back.add_argument("--home", type=Path, default=None, help=home_help)
    back.add_argument("--who", default=None, help="who rolls back (default: $USER)")
    back.add_argument("--note", default="", help="why")

    pin = commands.add_parser("set-pin", help="set this screen's staff exit PIN")
    pin.add_argument("--stdin", action="store_true", help="read the PIN from standard input")
    pin.add_argument("--file", type=Path, default=None, help=argparse.SUPPRESS)


def run_command(args: argparse.Namespace, default_source: Path) -> int:
    if args.command == "set-pin":
        return _set_pin(args)
    # Imported here: `kiosk run` builds the same parser, and its start-up path needs none of it.
    from kiosk.decks.publish import rollback
    from kiosk.decks.store import PublishError, default_home

    home = args.home or default_home()
    try:
        if args.command == "publish":
            return _publish(args, home, args.source or default_source)
        if args.command == "versions":
            return _versions(home)
        version = rollback(home, args.version, who=_who(args), note=args.note)
    except PublishError as error:
        verb = "published" if args.command == "publish" else "rolled back"
        print(f"Nothing was {verb}; {len(error.problems)} problem(s):", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except OSError as error:  # a full or read-only disk: the live version is untouched
        print(f"Nothing changed: {error}", file=sys.stderr)
        return 1
    print(f"{version.id} is live again ({version.slide_count} slides)")
    return 0


def _publish(args: argparse.Namespace, home: Path, source: Path) -> int:
    from kiosk.decks.publish import publish, wait_until_still
    from kiosk.decks.store import KEEP_VERSIONS, PublishError, current_id

    if args.settle > 0 and not wait_until_still(source, args.settle):
        raise PublishError([f"{source}: still changing after 10 minutes; nothing published"])
    before = current_id(home)
    started = time.perf_counter()
    version = publish(
        source,
        home,
        who=_who(args),
        note=args.note,
        keep=KEEP_VERSIONS if args.keep is None else args.keep,
        force=args.force,
        protect=_kept_by_this_kiosk(),
    )
    seconds = time.perf_counter() - started
    if version.id == before:
        print(f"unchanged: {version.id} is already live ({seconds:.2f} s)")
    else:
        print(
            f"published {version.id}: {version.slide_count} slides, now live in {home} "
            f"({seconds:.2f} s)"
        )
    return 0


def _versions(home: Path) -> int:
    from kiosk.decks.store import current_id, list_versions

    versions = list_versions(home)
    if not versions:
        print(f"nothing published in {home} yet (`kiosk publish slides`)")
        return 0
    live = current_id(home)
    for v in versions:
        mark = "*" if v.id == live else " "
        note = f"  {v.note}" if v.note else ""
        print(f"{mark} {v.id}  {v.created}  {v.slide_count:3d} slides  {v.who}{note}")
    return 0


def _set_pin(args: argparse.Namespace) -> int:
    from kiosk.ops.pin import PinError, pin_path, set_pin

    path = args.file or pin_path()
    if args.stdin:
        lines = sys.stdin.read().splitlines()
        first = lines[0].strip() if lines else ""
        second = first
    else:
        first = getpass.getpass("New staff PIN (6 to 8 digits): ").strip()
        second = getpass.getpass("The same PIN again: ").strip()
    if first != second:
        print("The two PINs differ; nothing was changed.", file=sys.stderr)
        return 1
    try:
        seconds = set_pin(first, path)
    except PinError as error:
        print(f"{error}; nothing was changed.", file=sys.stderr)
        return 1
    print(f"staff PIN set in {path} (checking it takes {seconds * 1000:.0f} ms on this machine)")
    return 0


def _kept_by_this_kiosk() -> tuple[str, ...]:
    # The version this user's kiosk keeps as its last good deck: a rollback target known to
    # have been shown, so pruning never removes it.
    from kiosk.decks.lastgood import last_good_id

    shown = last_good_id()
    return (shown,) if shown else ()
