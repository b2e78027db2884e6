"""`kiosk console [--listen HOST:PORT] [--home DIR]` and `kiosk console set-password`."""

from __future__ import annotations

import argparse
import getpass
import ipaddress
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from kiosk import paths
from kiosk.console.auth import AccountError, default_users_path, read_users, set_password
from kiosk.ops.logs import FORMAT
from kiosk.paths import config_dir, state_dir

log = logging.getLogger("kiosk.console")
DEFAULT_LISTEN = "127.0.0.1:8080"


def default_home(environ: Mapping[str, str] = os.environ) -> Path:
    """The deck home the console publishes into (the kiosk's own default)."""
    return paths.deck_home(environ)


def default_cache(environ: Mapping[str, str] = os.environ) -> Path:
    return paths.cache_dir(environ) / "console"


def parse_listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    try:
        ipaddress.ip_address(host.strip("[]"))
        number = int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an IP address and port such as 127.0.0.1:8080, got {text!r}"
        ) from None
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"port {number} is outside 1..65535")
    return host.strip("[]"), number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk console",
        description="The staff console: status, previews, statistics, editing and publishing.",
    )
    parser.add_argument(
        "--listen",
        type=parse_listen,
        default=parse_listen(DEFAULT_LISTEN),
        metavar="HOST:PORT",
        help=f"address to serve on (default {DEFAULT_LISTEN}: this computer only; "
        "0.0.0.0:8080 for the clinic network)",
    )
    parser.add_argument("--home", type=Path, default=None, help="deck home (default: XDG data)")
    commands = parser.add_subparsers(dest="command")
    account = commands.add_parser("set-password", help="add a staff account or change its password")
    account.add_argument("--user", default="staff", help="account name (default: staff)")
    account.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    return parser


def _set_password(args: argparse.Namespace) -> int:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"New password for {args.user}: ")
        if getpass.getpass("The same password again: ") != password:
            print("kiosk console: the two passwords differ; nothing changed", file=sys.stderr)
            return 1
    try:
        set_password(default_users_path(), args.user, password)
    except AccountError as error:
        print(f"kiosk console: {error}; nothing changed", file=sys.stderr)
        return 1
    print(f"password for {args.user} saved in {default_users_path()}")
    return 0


def console_main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=FORMAT)
    if args.command == "set-password":
        return _set_password(args)
    users_path = default_users_path()
    if not read_users(users_path):
        print(
            "kiosk console: no staff password is set, so the console will not start. "
            "Set one with `kiosk console set-password` (there is no default password).",
            file=sys.stderr,
        )
        return 1
    import uvicorn

    from kiosk.console.app import ConsoleSettings, create_app
    from kiosk.deck.bundled import bundled_deck
    from kiosk.ops.stats.store import default_stats_path
    from kiosk.ops.status import default_status_path

    host, port = args.listen
    settings = ConsoleSettings(
        home=args.home or default_home(),
        bundled=bundled_deck(),
        users_path=users_path,
        status_path=default_status_path(),
        stats_path=default_stats_path(),
        cache_dir=default_cache(),
        audit_path=state_dir() / "console-audit.jsonl",
        pin_path=config_dir() / "staff-pin",
        sync_timer=config_dir().parent
        / "systemd"
        / "user"
        / "timers.target.wants"
        / "cvi-kiosk-sync.timer",
    )
    if not ipaddress.ip_address(host).is_loopback:
        log.warning("the console listens on %s:%d: anyone on that network can reach it", host, port)
    log.info("staff console on http://%s:%d/ for the deck home %s", host, port, settings.home)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        proxy_headers=False,
    )
    return 0
