"""The kiosk's exit statuses, as systemd sees them (deploy/cvi-kiosk.service).

The unit restarts the kiosk whatever status it ends with (`Restart=always`), except the
ones listed in its `RestartPreventExitStatus=`: staff who chose "Exit to the desktop" get
the desktop and keep it until a reboot or `systemctl --user start cvi-kiosk`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, Sequence
from typing import NoReturn

log = logging.getLogger(__name__)

EXIT_OK = 0  # stopped by a signal or from the development window
EXIT_FAILED = 1  # no deck could be shown, or an unexpected error
EXIT_NO_DISPLAY = 2
# Staff chose "Exit to the desktop": listed in RestartPreventExitStatus=, so it stays out.
EXIT_TO_DESKTOP = 79
# Staff chose "Restart the kiosk": never seen by systemd, the process runs itself again in
# place (same PID, so the unit and its watchdog carry on).
EXIT_RESTART = 80

# The program `restart_in_place` runs: the `kiosk` entry point, whatever started this one
# (the console script, `python -m kiosk.cli.main` or `make run`).
ENTRY = "import sys; from kiosk.cli.main import entry; sys.exit(entry())"


def restart_command(argv: Sequence[str]) -> list[str]:
    """The command line that runs the kiosk again with the same arguments."""
    return [sys.executable, "-c", ENTRY, *argv]


def restart_in_place(argv: Sequence[str] | None = None) -> NoReturn:
    """Run the kiosk again in this process (exec): a fresh interpreter with the same
    arguments and PID, under systemd or in a terminal alike."""
    command = restart_command(sys.argv[1:] if argv is None else argv)
    log.info("restarting the kiosk in place")
    for handler in logging.getLogger().handlers:  # exec runs no atexit handlers
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)


# What systemd sets for every service it starts (INVOCATION_ID) and for Type=notify units.
SYSTEMD_MARKS = ("INVOCATION_ID", "NOTIFY_SOCKET")


def started_by_hand(environ: Mapping[str, str], interactive: bool) -> bool:
    """Started from an interactive terminal (`make run`) and not by systemd: then Esc quits
    even full-screen. A screen started by the service never allows it."""
    return interactive and not any(environ.get(name) for name in SYSTEMD_MARKS)
