"""A tiny systemd notify client (the sd_notify protocol), so systemd can restart a kiosk that
hangs, not only one that crashes.

The main loop calls `ping()` on every pass; a frozen loop stops pinging and systemd's
`WatchdogSec=` kills and restarts the service. Outside systemd ($NOTIFY_SOCKET unset) every
method is a cheap no-op.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


class SystemdNotifier:
    def __init__(
        self,
        environ: Mapping[str, str] = os.environ,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        address = environ.get("NOTIFY_SOCKET", "")
        # A leading "@" names a socket in Linux's abstract namespace.
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self.enabled = bool(address)
        self._interval = _watchdog_interval(environ)
        self._last_ping: float | None = None
        self._warned = False

    def _send(self, message: str) -> bool:
        if not self.enabled:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(message.encode(), self._address)
            return True
        except OSError as error:
            if not self._warned:  # once: a broken socket must not flood the log
                log.warning("cannot notify systemd at %s: %s", self._address.lstrip("\0"), error)
                self._warned = True
            return False

    def ready(self, status: str = "") -> None:
        self._send("READY=1" + (f"\nSTATUS={status}" if status else ""))

    def status(self, text: str) -> None:
        self._send(f"STATUS={text}")

    def stopping(self) -> None:
        self._send("STOPPING=1")

    def watchdog_interval(self) -> float | None:
        """Seconds systemd waits for a ping before it restarts us; None without a watchdog."""
        return self._interval

    def ping(self) -> bool:
        """Tell systemd we are alive, at most every third of its interval."""
        if self._interval is None or not self.enabled:
            return False
        now = self._clock()
        if self._last_ping is not None and now - self._last_ping < self._interval / 3:
            return False
        self._last_ping = now
        return self._send("WATCHDOG=1")

    def next_ping_due(self) -> float | None:
        if self._interval is None or not self.enabled:
            return None
        if self._last_ping is None:
            return self._clock()
        return self._last_ping + self._interval / 3


def _watchdog_interval(environ: Mapping[str, str]) -> float | None:
    usec = environ.get("WATCHDOG_USEC", "")
    pid = environ.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None  # meant for another process (e.g. our parent shell)
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 1_000_000 if value > 0 else None
