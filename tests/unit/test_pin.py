"""The staff PIN: salted slow hash per machine, growing delay and lockout, every attempt logged."""

from __future__ import annotations

import io
import json
import logging
import os
import stat

import pytest
from argon2 import extract_parameters

from kiosk.cli.main import main
from kiosk.ops.pin import (
    LOCKOUT_SECONDS,
    MEMORY_KIB,
    PinError,
    PinGuard,
    StaffPin,
    check_pin_format,
    no_pin_warning,
    pin_path,
    read_pin_hash,
    set_pin,
    verify_pin,
)
from tests.helpers import FakeClock

PIN = "470391"


@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("pin") / "staff-pin"
    set_pin(PIN, path)
    return path.read_text().strip()


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("12345", "6 to 8 digits"),
        ("123456789", "6 to 8 digits"),
        ("12a456", "digits only"),
        ("", "digits only"),
        ("000000", "too easy"),
        ("123456", "too easy"),
        ("876543", "too easy"),
        ("890123", "too easy"),
    ],
)
def test_weak_or_malformed_pins_are_refused(pin, message):
    with pytest.raises(PinError, match=message):
        check_pin_format(pin)


@pytest.mark.parametrize("pin", ["470391", "135790", "0000001", "24682468"])
def test_acceptable_pins(pin):
    check_pin_format(pin)


def test_only_a_salted_argon2id_hash_is_stored_private_to_the_user(tmp_path):
    path = tmp_path / "cfg" / "staff-pin"
    seconds = set_pin(PIN, path)
    assert seconds > 0
    text = path.read_text()
    assert text.startswith("$argon2id$") and PIN not in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    params = extract_parameters(text.strip())
    assert params.memory_cost == MEMORY_KIB and params.time_cost >= 2
    set_pin(PIN, path)
    assert path.read_text() != text  # a new salt every time
    assert not list(path.parent.glob(".*tmp"))


def test_verify(stored):
    assert verify_pin(stored, PIN)
    assert not verify_pin(stored, "470392")
    assert not verify_pin(stored, "")


def test_a_damaged_pin_file_locks_instead_of_opening(tmp_path, caplog):
    path = tmp_path / "staff-pin"
    path.write_text("$argon2id$v=19$m=19456,t=2,p=1$garbage\n")
    assert not verify_pin(path.read_text().strip(), PIN)
    assert "does not hold a valid hash" in caplog.text
    path.write_text("2468\n")  # a plain PIN someone typed into the file
    assert read_pin_hash(path) is None


def test_pin_path_follows_xdg():
    assert str(pin_path({"XDG_CONFIG_HOME": "/c"})) == "/c/cvi-kiosk/staff-pin"
    assert str(pin_path({"HOME": "/h"})) == "/h/.config/cvi-kiosk/staff-pin"


def test_guard_three_free_tries_then_doubling_delays_then_lockout():
    clock = FakeClock(0.0)
    guard = PinGuard(clock)
    waits = []
    for _ in range(12):
        assert guard.wait_seconds() == 0
        guard.record(False)
        waits.append(guard.wait_seconds())
        clock.advance(guard.wait_seconds())
    assert waits == [
        0,
        0,
        0,
        2,
        4,
        8,
        16,
        32,
        64,
        LOCKOUT_SECONDS,
        LOCKOUT_SECONDS,
        LOCKOUT_SECONDS,
    ]
    guard.record(True)
    assert guard.failures == 0 and guard.wait_seconds() == 0


def test_guard_wait_counts_down_and_survives_a_clock_set_backwards():
    clock = FakeClock(1_000_000.0)
    guard = PinGuard(clock, failures=9)
    guard.record(False)
    clock.advance(60)
    assert guard.wait_seconds() == LOCKOUT_SECONDS - 60
    clock.advance(-86400 * 30)  # the wall clock jumps a month back
    assert guard.wait_seconds() == LOCKOUT_SECONDS


def test_staff_pin_logs_every_attempt_never_the_digits(tmp_path, stored, caplog):
    path = tmp_path / "staff-pin"
    path.write_text(stored + "\n")
    clock = FakeClock(0.0)
    staff = StaffPin(path, state=tmp_path / "state", clock=clock)
    assert staff.configured
    caplog.set_level(logging.INFO, logger="kiosk.ops.pin")
    wrong = ["111111", "222222", "333333", "444444"]
    for guess in wrong:
        assert not staff.attempt(guess)
    # The 5th try comes during the 2 s wait: refused without even checking, even if right.
    assert not staff.attempt(PIN)
    clock.advance(2)
    assert staff.attempt(PIN)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "staff PIN wrong (1 in a row); next try allowed in 0 s",
        "staff PIN wrong (2 in a row); next try allowed in 0 s",
        "staff PIN wrong (3 in a row); next try allowed in 0 s",
        "staff PIN wrong (4 in a row); next try allowed in 2 s",
        "staff PIN attempt refused: keypad locked for another 2 s",
        "staff PIN accepted",
    ]
    for digits in [*wrong, PIN]:
        assert digits not in caplog.text


def test_the_count_survives_a_restart(tmp_path, stored):
    path = tmp_path / "staff-pin"
    path.write_text(stored + "\n")
    clock = FakeClock(5000.0)
    first = StaffPin(path, state=tmp_path / "state", clock=clock)
    for _ in range(10):
        clock.advance(first.guard.wait_seconds())
        first.attempt("999999")
    # Pulling the plug does not reset the lockout.
    second = StaffPin(path, state=tmp_path / "state", clock=clock)
    assert second.guard.failures == 10 and second.guard.wait_seconds() == LOCKOUT_SECONDS
    assert not second.attempt(PIN)
    clock.advance(LOCKOUT_SECONDS)
    assert second.attempt(PIN)


def test_no_pin_file_means_no_way_out_and_a_warning(tmp_path):
    staff = StaffPin(tmp_path / "missing", state=tmp_path / "state")
    assert not staff.configured
    assert not staff.attempt("2468")
    warning = no_pin_warning(tmp_path / "missing")
    assert warning is not None and "kiosk set-pin" in warning


def test_set_pin_command(tmp_path, monkeypatch, capsys):
    path = tmp_path / "cfg" / "staff-pin"
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PIN}\n"))
    assert main(["set-pin", "--stdin", "--file", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"staff PIN set in {path} (checking it takes ")
    assert verify_pin(read_pin_hash(path) or "", PIN)
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    assert main(["set-pin", "--stdin", "--file", str(path)]) == 1
    assert "6 to 8 digits; nothing was changed" in capsys.readouterr().err
    assert verify_pin(read_pin_hash(path) or "", PIN)


def test_set_pin_prompts_twice(tmp_path, monkeypatch, capsys):
    path = tmp_path / "staff-pin"
    answers = iter([PIN, "470392"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["set-pin", "--file", str(path)]) == 1
    assert "The two PINs differ" in capsys.readouterr().err and not path.exists()
    answers = iter([PIN, PIN])
    assert main(["set-pin", "--file", str(path)]) == 0 and path.exists()


def test_validate_warns_when_this_machine_has_no_pin(tmp_path, monkeypatch, capsys):
    from pathlib import Path

    deck = Path(__file__).resolve().parents[2] / "slides"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert main(["validate", str(deck), "--size", "1280x800"]) == 0
    assert "warning: no staff PIN is set on this machine" in capsys.readouterr().err
    set_pin(PIN, tmp_path / "config" / "cvi-kiosk" / "staff-pin")
    assert main(["validate", str(deck), "--size", "1280x800"]) == 0
    assert "staff PIN" not in capsys.readouterr().err


# -- hostile files ------------------------------------------------------------------------


def _guard_file(tmp_path):
    return tmp_path / "state" / "pin-guard.json"


@pytest.mark.parametrize(
    "content",
    [
        b'{"failures": 1e999, "blocked_until": 0}',
        b'{"failures": Infinity, "blocked_until": 0}',
        b'{"failures": 3, "blocked_until": NaN}',
        b'{"failures": 3, "blocked_until": -Infinity}',
        b'{"failures": -1, "blocked_until": 0}',
        b'{"failures": 3.5, "blocked_until": 0}',
        b'{"failures": true, "blocked_until": 0}',
        b'{"failures": 99999999999999999999999, "blocked_until": 0}',
        b'{"failures": 3}',
        b"[1, 2]",
        b"\xff\xfe",
        b"[" * 100_000,
        b"",
    ],
)
def test_a_damaged_guard_file_is_moved_aside_and_rebuilt(tmp_path, stored, content, caplog):
    guard = _guard_file(tmp_path)
    guard.parent.mkdir()
    guard.write_bytes(content[:1000])
    path = tmp_path / "staff-pin"
    path.write_text(stored + "\n")
    with caplog.at_level(logging.WARNING):
        staff = StaffPin(path, state=guard.parent, clock=FakeClock(0.0))
    assert "pin-guard.json was damaged" in caplog.text
    assert len(list(guard.parent.glob("pin-guard.json.damaged-*"))) == 1
    assert staff.guard.failures == 0 and staff.guard.wait_seconds() == 0
    assert json.loads(guard.read_text()) == {"failures": 0, "blocked_until": 0.0}
    assert staff.attempt(PIN)


@pytest.mark.parametrize("kind", ["fifo", "folder", "loop"])
def test_a_pipe_folder_or_loop_in_place_of_the_guard_neither_hangs_nor_stops(tmp_path, kind):
    guard = _guard_file(tmp_path)
    guard.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(guard)
    elif kind == "folder":
        guard.mkdir()
    else:
        guard.symlink_to(guard.name)
    staff = StaffPin(tmp_path / "missing", state=guard.parent, clock=FakeClock(0.0))
    assert staff.guard.failures == 0
    assert guard.is_file() and not guard.is_symlink()
    assert len(list(guard.parent.glob("pin-guard.json.damaged-*"))) == 1


def _with_parameters(stored: str, memory: int, passes: int, lanes: int = 1) -> str:
    head, _, rest = stored.partition("$m=")
    return f"{head}$m={memory},t={passes},p={lanes}${rest.split('$', 1)[1]}"


@pytest.mark.parametrize(
    ("memory", "passes", "lanes"),
    [(1024 * 1024, 4, 1), (MEMORY_KIB, 41, 1), (MEMORY_KIB, 2, 4), (8, 1, 1)],
)
def test_hash_parameters_kiosk_set_pin_never_chooses_are_damage_not_no_pin(
    tmp_path, stored, memory, passes, lanes, caplog
):
    path = tmp_path / "staff-pin"
    path.write_text(_with_parameters(stored, memory, passes, lanes) + "\n")
    calls: list[str] = []
    staff = StaffPin(
        path, state=tmp_path, clock=FakeClock(0.0), verify=lambda h, p: calls.append(h) or True
    )
    assert read_pin_hash(path) is None and not staff.configured
    warning = no_pin_warning(path) or ""
    assert "is damaged" in warning and "no staff PIN is set" not in warning
    assert "is damaged" in staff.why_closed
    assert not staff.attempt(PIN)
    assert calls == []  # never hashed: 1 GiB and 4 passes would stall the screen
    assert "is damaged" in caplog.text


def test_a_pin_file_that_is_a_pipe_or_a_link_is_damaged_and_never_waited_for(tmp_path, stored):
    fifo = tmp_path / "staff-pin"
    os.mkfifo(fifo)
    assert "is a named pipe" in (no_pin_warning(fifo) or "")
    real = tmp_path / "real-pin"
    real.write_text(stored + "\n")
    link = tmp_path / "linked-pin"
    link.symlink_to(real)
    assert read_pin_hash(link) is None
    assert "symbolic link" in (no_pin_warning(link) or "")
    assert read_pin_hash(real) == stored
