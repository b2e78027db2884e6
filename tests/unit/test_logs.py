"""Logging for an unattended screen: stderr (the journal) plus a small rotating file in the XDG
state directory, and never a crash because the disk said no."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.ops.logs import setup_logging, state_dir

# "2026-11-24 16:06:49,123 INFO kiosk.test: hello"
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) (?P<name>[\w.]+): ")


@pytest.fixture
def root_handlers() -> Iterator[list[logging.Handler]]:
    """The handlers on the root logger before the test; everything added is removed after, so
    the rest of the suite (and its filterwarnings=error on unclosed files) is unaffected."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield before
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def added(before: list[logging.Handler]) -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if h not in before]


def flush_all() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def lines_with(text: str, output: str) -> list[str]:
    return [line for line in output.splitlines() if text in line]


def test_state_dir_follows_xdg():
    assert state_dir({"XDG_STATE_HOME": "/var/xdg", "HOME": "/home/kiosk"}) == Path(
        "/var/xdg/cvi-kiosk"
    )
    assert state_dir({"HOME": "/home/kiosk"}) == Path("/home/kiosk/.local/state/cvi-kiosk")
    # The XDG spec treats an empty variable as unset.
    assert state_dir({"XDG_STATE_HOME": "", "HOME": "/home/kiosk"}) == Path(
        "/home/kiosk/.local/state/cvi-kiosk"
    )


def test_state_dir_reads_the_process_environment_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert state_dir() == tmp_path / "cvi-kiosk"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "cvi-kiosk"


def test_logs_go_to_stderr_and_to_kiosk_log_in_the_state_dir(
    tmp_path, monkeypatch, capsys, root_handlers
):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "deep" / "state"))
    path = setup_logging()
    assert path == tmp_path / "deep" / "state" / "cvi-kiosk" / "kiosk.log"
    assert path.parent.is_dir()  # created, parents and all
    logging.getLogger("kiosk.test").info("deck reloaded: 28 slides")
    logging.getLogger("kiosk.test").debug("not at the default level")
    flush_all()
    in_file = lines_with("deck reloaded", path.read_text(encoding="utf-8"))
    on_stderr = lines_with("deck reloaded", capsys.readouterr().err)
    for found in (in_file, on_stderr):
        assert len(found) == 1
        match = LINE.match(found[0])
        assert match and match["level"] == "INFO" and match["name"] == "kiosk.test", found
    assert "not at the default level" not in path.read_text(encoding="utf-8")


def test_the_file_rotates_at_one_megabyte_keeping_five(tmp_path, root_handlers):
    path = setup_logging(tmp_path)
    assert path == tmp_path / "kiosk.log"
    (rotating,) = [
        h for h in added(root_handlers) if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    assert rotating.maxBytes == 1_000_000 and rotating.backupCount == 5
    for handler in added(root_handlers):
        if handler is not rotating:
            handler.setLevel(logging.CRITICAL)  # keep 7 MB off the captured stderr
    log = logging.getLogger("kiosk.test")
    for number in range(7_500):
        log.info("%06d %s", number, "x" * 1_000)
    flush_all()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["kiosk.log", *(f"kiosk.log.{n}" for n in range(1, 6))]
    total = sum(p.stat().st_size for p in tmp_path.iterdir())
    assert total <= 6 * 1_000_000  # the SD card never holds more than this
    # The newest lines are in kiosk.log, the oldest kept ones in kiosk.log.5.
    assert "007499 " in path.read_text(encoding="utf-8")
    assert "000000 " not in (tmp_path / "kiosk.log.5").read_text(encoding="utf-8")


def test_calling_it_again_does_not_duplicate_lines(tmp_path, capsys, root_handlers):
    foreign = logging.NullHandler()
    logging.getLogger().addHandler(foreign)
    try:
        first = setup_logging(tmp_path)
        second = setup_logging(tmp_path)
        third = setup_logging(tmp_path)
        assert first == second == third == tmp_path / "kiosk.log"
        ours = [h for h in added(root_handlers) if h is not foreign]
        assert len(ours) == 2  # one to stderr, one to the file
        assert foreign in logging.getLogger().handlers  # other people's handlers stay
        logging.getLogger("kiosk.test").warning("once only")
        flush_all()
        assert len(lines_with("once only", first.read_text(encoding="utf-8"))) == 1
        assert len(lines_with("once only", capsys.readouterr().err)) == 1
    finally:
        logging.getLogger().removeHandler(foreign)


def test_verbose_logs_debug_too(tmp_path, root_handlers):
    path = setup_logging(tmp_path, verbose=True)
    assert path is not None
    logging.getLogger("kiosk.test").debug("frame took 3 ms")
    flush_all()
    (line,) = lines_with("frame took 3 ms", path.read_text(encoding="utf-8"))
    match = LINE.match(line)
    assert match and match["level"] == "DEBUG"


def test_an_unwritable_state_dir_falls_back_to_stderr_with_one_warning(
    tmp_path, capsys, root_handlers
):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert setup_logging(blocker / "state") is None
    logging.getLogger("kiosk.test").info("still running")
    flush_all()
    err = capsys.readouterr().err
    assert len(lines_with("stderr only", err)) == 1
    assert str(blocker / "state" / "kiosk.log") in err
    assert len(lines_with("still running", err)) == 1
    assert not any(isinstance(h, logging.FileHandler) for h in added(root_handlers))


def test_a_log_file_that_cannot_be_opened_falls_back_to_stderr(tmp_path, capsys, root_handlers):
    (tmp_path / "kiosk.log").mkdir()  # e.g. a botched restore left a folder in its place
    assert setup_logging(tmp_path) is None
    assert len(lines_with("stderr only", capsys.readouterr().err)) == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_a_read_only_state_dir_falls_back_to_stderr(tmp_path, capsys, root_handlers):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert setup_logging(folder) is None
    finally:
        folder.chmod(0o700)
    assert len(lines_with("stderr only", capsys.readouterr().err)) == 1


def test_after_a_failure_a_later_call_logs_to_the_file_again(tmp_path, capsys, root_handlers):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert setup_logging(blocker / "state") is None
    path = setup_logging(tmp_path / "good")
    assert path == tmp_path / "good" / "kiosk.log"
    assert len(added(root_handlers)) == 2  # the stderr handler was replaced, not doubled
    logging.getLogger("kiosk.test").info("recovered")
    flush_all()
    assert len(lines_with("recovered", path.read_text(encoding="utf-8"))) == 1
    assert len(lines_with("recovered", capsys.readouterr().err)) == 1
