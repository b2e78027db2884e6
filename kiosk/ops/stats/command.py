"""`kiosk stats`: the statistics report, or every view as CSV, from the command line."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from kiosk.ops.config import SCREEN_NAME, ConfigError, default_screen_name, load_config
from kiosk.ops.stats.report import (
    answers_summary,
    export_csv,
    export_results_csv,
    helpfulness_summary,
    listens_summary,
    parse_since,
    print_results,
    print_table,
    sessions_summary,
    summary,
)
from kiosk.ops.stats.store import default_stats_path


def _screen_argument(text: str) -> str:
    if not SCREEN_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"a screen name is 1 to 63 letters, digits, dots, dashes or underscores, got {text!r}"
        )
    return text


def _screen_name() -> str:
    """This screen's name as the kiosk and its metrics use it (kiosk.toml, else host name)."""
    try:
        return load_config().screen_name
    except ConfigError as error:
        print(f"kiosk stats: {error} Using the host name.", file=sys.stderr)
        return default_screen_name()


def stats_main(argv: Sequence[str] | None = None) -> int:
    """`kiosk stats [--db PATH] [--since YYYY-MM-DD] [--csv FILE|-]`: a table, or CSV."""
    parser = argparse.ArgumentParser(
        prog="kiosk stats",
        description="Anonymous statistics: views per slide, visitor sessions, slides read "
        "aloud, answers to the questions and 'Was this helpful?' ratings.",
    )
    parser.add_argument(
        "--db", type=Path, default=None, help="statistics file (default: the state directory)"
    )
    parser.add_argument(
        "--since",
        default=None,
        metavar="DAY",
        help="from this day on: today, yesterday, 7d (the last 7 days) or a date like 2026-11-24",
    )
    parser.add_argument(
        "--csv", default=None, metavar="FILE", help="write one row per view instead; - for stdout"
    )
    parser.add_argument(
        "--answers-csv",
        default=None,
        metavar="FILE",
        help="write the hourly counts of question answers and 'Was this helpful?' ratings "
        "instead; - for stdout",
    )
    parser.add_argument(
        "--screen",
        type=_screen_argument,
        default=None,
        metavar="NAME",
        help="screen name for the CSV's first column (default: this machine's, from kiosk.toml)",
    )
    args = parser.parse_args(argv)
    if args.csv and args.answers_csv:
        parser.error("choose one: --csv (views) or --answers-csv (answers and ratings)")
    try:
        args.since = parse_since(args.since) if args.since is not None else None
    except ValueError as error:
        print(f"kiosk stats: {error}", file=sys.stderr)
        return 2
    path: Path = args.db or default_stats_path()
    if not path.exists():
        print(
            f"kiosk stats: no statistics yet: {path} does not exist (the kiosk creates it "
            "when it runs)",
            file=sys.stderr,
        )
        return 1
    screen: str = args.screen or _screen_name()
    try:
        if args.answers_csv:
            return _write_csv(
                export_results_csv, path, args.answers_csv, args.since, screen, "counts"
            )
        if args.csv == "-":
            export_csv(path, sys.stdout, args.since, screen=screen)
        elif args.csv:
            try:
                out = open(args.csv, "w", newline="", encoding="utf-8")  # noqa: SIM115
            except OSError as error:
                print(f"kiosk stats: cannot write {args.csv}: {error}", file=sys.stderr)
                return 1
            with out:
                count = export_csv(path, out, args.since, screen=screen)
            print(f"wrote {count} views to {args.csv}")
        else:
            print_table(
                summary(path, args.since),
                sessions_summary(path, args.since),
                sys.stdout,
                listens_summary(path, args.since),
            )
            print_results(
                answers_summary(path, args.since), helpfulness_summary(path, args.since), sys.stdout
            )
    except sqlite3.Error as error:
        print(f"kiosk stats: cannot read {path} as view statistics: {error}", file=sys.stderr)
        return 1
    return 0


def _write_csv(
    export: Callable[..., int],
    path: Path,
    target: str,
    since: datetime | None,
    screen: str,
    what: str,
) -> int:
    if target == "-":
        export(path, sys.stdout, since, screen=screen)
        return 0
    try:
        out = open(target, "w", newline="", encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        print(f"kiosk stats: cannot write {target}: {error}", file=sys.stderr)
        return 1
    with out:
        count = export(path, out, since, screen=screen)
    print(f"wrote {count} {what} to {target}")
    return 0
