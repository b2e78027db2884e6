"""The sd_notify client, against real unix datagram sockets standing in for systemd.

Every test asserts the exact datagrams that arrive: systemd parses them byte for byte, and a
stray or missing WATCHDOG=1 is the difference between a kiosk that restarts and one that stays
frozen on a waiting-room wall.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.ops.watchdog import SystemdNotifier
from tests.helpers import FakeClock

# sockaddr_un holds 108 bytes on Linux; a deep tmp_path would not fit.
MAX_SOCKET_PATH = 100


class Listener:
    """A bound AF_UNIX datagram socket, like systemd's notify socket."""

    def __init__(self, sock: socket.socket, address: str) -> None:
        self.sock = sock
        self.address = address

    def received(self) -> list[bytes]:
        """Every datagram waiting now, in order; waits for none."""
        messages = []
        self.sock.setblocking(False)
        try:
            while True:
                messages.append(self.sock.recv(4096))
        except BlockingIOError:
            pass
        finally:
            self.sock.setblocking(True)
        return messages


@pytest.fixture
def short_dir(tmp_path: Path) -> Iterator[Path]:
    if len(str(tmp_path / "notify.sock")) <= MAX_SOCKET_PATH:
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(prefix="sdn") as folder:
        yield Path(folder)


@pytest.fixture
def listener(short_dir: Path) -> Iterator[Listener]:
    path = short_dir / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        yield Listener(sock, str(path))


def notifier_for(listener: Listener, clock: FakeClock | None = None, **env: str) -> SystemdNotifier:
    return SystemdNotifier({"NOTIFY_SOCKET": listener.address, **env}, clock or FakeClock(0.0))


def test_ready_status_and_stopping_send_the_exact_datagrams(listener):
    notifier = notifier_for(listener)
    assert notifier.enabled
    notifier.ready("showing 28 slides")
    notifier.ready()
    notifier.status("deck reloaded: 30 slides")
    notifier.stopping()
    assert listener.received() == [
        b"READY=1\nSTATUS=showing 28 slides",
        b"READY=1",
        b"STATUS=deck reloaded: 30 slides",
        b"STOPPING=1",
    ]


def test_status_text_is_sent_as_utf8(listener):
    notifier_for(listener).status("mostrando 28 diapositivas · ñ")
    assert listener.received() == ["STATUS=mostrando 28 diapositivas · ñ".encode()]


def test_the_default_environment_is_the_process_environment(listener, monkeypatch):
    # The CLI constructs SystemdNotifier() with no arguments under systemd.
    monkeypatch.setenv("NOTIFY_SOCKET", listener.address)
    monkeypatch.setenv("WATCHDOG_USEC", "6000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    notifier = SystemdNotifier()
    assert notifier.enabled and notifier.watchdog_interval() == 6.0
    assert notifier.ping() is True
    assert listener.received() == [b"WATCHDOG=1"]


def test_abstract_namespace_socket():
    name = f"cvi-kiosk-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        # A leading NUL byte is how Linux spells the abstract namespace; systemd writes "@".
        sock.bind("\0" + name)
        notifier = SystemdNotifier({"NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "3000000"})
        notifier.ready("up")
        assert notifier.ping() is True
        assert Listener(sock, "@" + name).received() == [b"READY=1\nSTATUS=up", b"WATCHDOG=1"]
    # Nothing was created in the file system under the literal name.
    assert not Path("@" + name).exists() and not Path(name).exists()


@pytest.mark.parametrize(
    ("usec", "seconds"),
    [
        ("30000000", 30.0),
        ("1500000", 1.5),
        ("1", 0.000001),
        ("0", None),  # systemd: 0 means "no watchdog"
        ("-5", None),
        ("", None),
        ("30s", None),  # not a number: ignore rather than guess
        ("infinity", None),
    ],
)
def test_watchdog_usec_parsing(usec, seconds):
    notifier = SystemdNotifier({"NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": usec})
    assert notifier.watchdog_interval() == seconds


def test_no_watchdog_usec_means_no_watchdog(listener):
    notifier = notifier_for(listener)
    assert notifier.watchdog_interval() is None
    assert notifier.ping() is False and notifier.next_ping_due() is None
    assert listener.received() == []


def test_watchdog_pid_of_this_process_enables_pinging(listener):
    notifier = notifier_for(listener, WATCHDOG_USEC="9000000", WATCHDOG_PID=str(os.getpid()))
    assert notifier.watchdog_interval() == 9.0
    assert notifier.ping() is True
    assert listener.received() == [b"WATCHDOG=1"]


def test_watchdog_meant_for_another_process_is_ignored(listener):
    # e.g. the variables leaked into a child or shell that systemd does not watch.
    other = str(os.getpid() + 1)
    notifier = notifier_for(listener, WATCHDOG_USEC="9000000", WATCHDOG_PID=other)
    assert notifier.watchdog_interval() is None
    assert notifier.ping() is False and notifier.next_ping_due() is None
    # Readiness still goes through: only the watchdog belongs to one process.
    notifier.ready()
    assert listener.received() == [b"READY=1"]


def test_ping_is_rate_limited_to_a_third_of_the_interval(listener):
    clock = FakeClock(100.0)
    notifier = notifier_for(listener, clock, WATCHDOG_USEC="30000000")
    assert notifier.next_ping_due() == 100.0  # never pinged: due now
    assert notifier.ping() is True
    assert notifier.next_ping_due() == pytest.approx(110.0)
    clock.advance(9.99)
    assert notifier.ping() is False
    clock.advance(0.01)
    assert notifier.ping() is True
    assert notifier.next_ping_due() == pytest.approx(120.0)
    assert notifier.ping() is False  # same instant: at most one datagram
    assert listener.received() == [b"WATCHDOG=1", b"WATCHDOG=1"]


def test_a_busy_loop_pings_about_every_third_of_the_interval(listener):
    clock = FakeClock(0.0)
    notifier = notifier_for(listener, clock, WATCHDOG_USEC="3000000")
    sent_at: list[float] = []
    received: list[bytes] = []
    # A minute of a loop passing every 30 ms (the still-screen poll interval), in whole ms so
    # the clock does not drift.
    for millisecond in range(0, 60_001, 30):
        clock.now = millisecond / 1000
        if notifier.ping():
            sent_at.append(clock.now)
        # Read as systemd does: the kernel queues only a few unread datagrams per socket.
        received += listener.received()
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent_at)]
    # Never more often than interval / 3, and late by at most one loop pass.
    assert gaps and all(1.0 - 1e-9 <= gap <= 1.03 + 1e-9 for gap in gaps)
    assert sent_at[0] == 0.0 and len(sent_at) == 59  # 0, 1.02, 2.04, ... 59.16
    assert received == [b"WATCHDOG=1"] * len(sent_at)


def test_a_sleeping_loop_can_wake_in_time(listener):
    clock = FakeClock(0.0)
    notifier = notifier_for(listener, clock, WATCHDOG_USEC="30000000")
    assert notifier.ping() is True
    # A loop that sleeps until next_ping_due() pings a third of the way into WatchdogSec,
    # leaving two thirds of it for a slow pass.
    due = notifier.next_ping_due()
    assert due == pytest.approx(10.0)
    clock.now = 10.0
    assert notifier.ping() is True
    assert listener.received() == [b"WATCHDOG=1", b"WATCHDOG=1"]


def test_disabled_notifier_never_touches_a_socket(monkeypatch):
    def no_sockets(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("a disabled notifier opened a socket")

    monkeypatch.setattr(socket, "socket", no_sockets)
    clock = FakeClock(0.0)
    # WATCHDOG_USEC without NOTIFY_SOCKET: nowhere to send, so nothing to do.
    notifier = SystemdNotifier({"WATCHDOG_USEC": "3000000"}, clock)
    assert notifier.enabled is False
    notifier.ready("x")
    notifier.status("x")
    notifier.stopping()
    for _ in range(3):
        assert notifier.ping() is False
        clock.advance(5)
    assert notifier.next_ping_due() is None
    assert SystemdNotifier({}).enabled is False
    assert SystemdNotifier({"NOTIFY_SOCKET": ""}).enabled is False


def test_a_missing_socket_never_raises_and_warns_once(short_dir, caplog):
    path = short_dir / "not-yet" / "notify.sock"
    clock = FakeClock(0.0)
    notifier = SystemdNotifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "3000000"}, clock)
    with caplog.at_level(logging.WARNING, logger="kiosk.ops.watchdog"):
        notifier.ready()
        assert notifier.ping() is False  # nothing was actually sent
        clock.advance(1)
        notifier.ping()
        notifier.status("x")
        notifier.stopping()
    warnings = [r for r in caplog.records if r.name == "kiosk.ops.watchdog"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert str(path) in warnings[0].getMessage()


def test_notifications_resume_when_the_socket_comes_back(short_dir):
    path = short_dir / "notify.sock"
    clock = FakeClock(0.0)
    notifier = SystemdNotifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "3000000"}, clock)
    assert notifier.ping() is False  # no socket yet: logged, not raised
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(path))
        clock.advance(1)
        assert notifier.ping() is True
        notifier.status("back")
        assert Listener(sock, str(path)).received() == [b"WATCHDOG=1", b"STATUS=back"]


def test_a_socket_that_is_not_a_datagram_socket_does_not_raise(short_dir, caplog):
    path = short_dir / "stream.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(path))
        sock.listen()
        notifier = SystemdNotifier({"NOTIFY_SOCKET": str(path)})
        with caplog.at_level(logging.WARNING, logger="kiosk.ops.watchdog"):
            notifier.ready()
            notifier.stopping()
    assert len([r for r in caplog.records if r.name == "kiosk.ops.watchdog"]) == 1
