"""Staying up unattended: systemd notify/watchdog, rotating logs, and valid unit files."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from kiosk.ops.logs import setup_logging, state_dir
from kiosk.ops.watchdog import SystemdNotifier
from tests.helpers import FakeClock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def listener(tmp_path):
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(1.0)
    yield path, sock
    sock.close()


def test_notifier_sends_the_sd_notify_messages(listener):
    path, sock = listener
    clock = FakeClock(0.0)
    env = {
        "NOTIFY_SOCKET": str(path),
        "WATCHDOG_USEC": "30000000",
        "WATCHDOG_PID": str(os.getpid()),
    }
    notifier = SystemdNotifier(env, clock)
    notifier.ready("showing 28 slides")
    assert sock.recv(1024) == b"READY=1\nSTATUS=showing 28 slides"
    assert notifier.watchdog_interval() == 30.0
    assert notifier.ping() is True
    assert sock.recv(1024) == b"WATCHDOG=1"
    clock.advance(9.9)
    assert notifier.ping() is False  # at most every interval / 3
    clock.advance(0.1)
    assert notifier.ping() is True and sock.recv(1024) == b"WATCHDOG=1"
    assert notifier.next_ping_due() == pytest.approx(20.0)
    notifier.stopping()
    assert sock.recv(1024) == b"STOPPING=1"


def test_abstract_namespace_socket():
    name = f"cvi-kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(1.0)
        SystemdNotifier({"NOTIFY_SOCKET": "@" + name}).status("hello")
        assert sock.recv(1024) == b"STATUS=hello"


def test_watchdog_meant_for_another_process_is_ignored():
    env = {"NOTIFY_SOCKET": "/nonexistent", "WATCHDOG_USEC": "5000000", "WATCHDOG_PID": "1"}
    assert SystemdNotifier(env).watchdog_interval() is None


def test_without_systemd_everything_is_a_no_op():
    notifier = SystemdNotifier({})
    assert not notifier.enabled
    notifier.ready()
    assert notifier.ping() is False and notifier.next_ping_due() is None


def test_a_missing_socket_never_raises(caplog):
    notifier = SystemdNotifier({"NOTIFY_SOCKET": "/nonexistent/notify", "WATCHDOG_USEC": "3000000"})
    with caplog.at_level(logging.WARNING):
        notifier.ready()
        notifier.ping()
        notifier.status("x")
    assert len([r for r in caplog.records if "cannot notify systemd" in r.message]) == 1


@pytest.fixture
def clean_root_logger():
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_logs_go_to_a_rotating_file_in_the_state_dir(tmp_path, clean_root_logger):
    assert state_dir({"XDG_STATE_HOME": str(tmp_path)}) == tmp_path / "cvi-kiosk"
    assert state_dir({"HOME": "/home/kiosk"}) == Path("/home/kiosk/.local/state/cvi-kiosk")
    path = setup_logging(tmp_path / "state")
    again = setup_logging(tmp_path / "state")  # idempotent: no doubled lines
    assert path == again == tmp_path / "state" / "kiosk.log"
    logging.getLogger("kiosk.test").info("deck reloaded: 28 slides")
    for handler in logging.getLogger().handlers:
        handler.flush()
    lines = path.read_text().splitlines()
    assert len([line for line in lines if "deck reloaded: 28 slides" in line]) == 1
    rotating = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    assert len(rotating) == 1 and rotating[0].maxBytes == 1_000_000 and rotating[0].backupCount == 5


def test_unwritable_log_dir_falls_back_to_stderr(tmp_path, clean_root_logger):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert setup_logging(blocker / "state") is None


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A strict reading of a systemd unit file: sections, key=value lines, comments."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}:{number}: key outside a section"
        key, sep, value = line.partition("=")
        assert (
            sep and key.strip() and key.strip()[0].isupper()
        ), f"{path.name}:{number}: not key=value"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_unit_files_are_valid_and_say_what_we_rely_on():
    units = {
        p.name: parse_unit(p)
        for p in (ROOT / "deploy").iterdir()
        if p.suffix in (".service", ".timer")
    }
    # At least these; other services (metrics, console) may sit beside them.
    assert set(units) >= {
        "cvi-kiosk.service",
        "cvi-kiosk-sync.service",
        "cvi-kiosk-sync.timer",
        "cvi-kiosk-publish.service",
        "cvi-kiosk-console.service",
    }
    for name, sections in units.items():
        allowed = (
            {"Unit", "Service", "Install"}
            if name.endswith(".service")
            else {"Unit", "Timer", "Install"}
        )
        assert set(sections) <= allowed, name
    kiosk = units["cvi-kiosk.service"]["Service"]
    assert kiosk["Type"] == ["notify"] and kiosk["Restart"] == ["always"]
    assert int(kiosk["WatchdogSec"][0]) >= 10
    assert kiosk["ExecStart"][0].startswith("%h/cvi-kiosk/.venv/bin/kiosk run")
    timer = units["cvi-kiosk-sync.timer"]["Timer"]
    assert (
        timer["Unit"] == ["cvi-kiosk-sync.service"]
        and "OnUnitActiveSec" in timer
        and "OnBootSec" in timer
    )
    assert "--ff-only" in units["cvi-kiosk-sync.service"]["Service"]["ExecStart"][0]
    assert " publish " in units["cvi-kiosk-sync.service"]["Service"]["ExecStart"][1]


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)
def test_systemd_analyze_verify(tmp_path):
    # Point a copy at a stub program so verify checks the unit, not this machine's layout.
    stub = tmp_path / "kiosk"
    stub.write_text("#!/bin/sh\n")
    stub.chmod(0o755)
    unit = tmp_path / "cvi-kiosk.service"
    text = (ROOT / "deploy" / "cvi-kiosk.service").read_text()
    unit.write_text(
        text.replace("%h/cvi-kiosk/.venv/bin/kiosk", str(stub)).replace(
            "WorkingDirectory=%h/cvi-kiosk", f"WorkingDirectory={tmp_path}"
        )
    )
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
