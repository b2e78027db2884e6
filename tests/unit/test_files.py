"""Deck files are looked at before they are read: only regular files inside the deck, never
more bytes than the limit (counted while reading, not trusted from `stat`)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.files import FileRefusedError, FileTooLargeError, read_deck_file
from tests.attacks import PLAIN_SECTION, make_deck


def test_a_regular_file_inside_is_read(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"hello")
    assert read_deck_file(tmp_path / "a.yaml", limit=5, roots=[tmp_path]) == b"hello"


def test_a_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "x.yaml")
    # Nobody ever writes to it: opening it for reading without O_NONBLOCK would hang here.
    with pytest.raises(FileRefusedError, match="named pipe"):
        read_deck_file(tmp_path / "x.yaml", limit=100, roots=[tmp_path])


def test_a_device_is_refused(tmp_path):
    with pytest.raises(FileRefusedError, match="is a device"):
        read_deck_file(Path("/dev/zero"), limit=100, roots=[Path("/dev")])


def test_a_symlink_to_a_device_outside_the_deck_is_refused(tmp_path):
    (tmp_path / "x.yaml").symlink_to("/dev/zero")
    with pytest.raises(FileRefusedError, match="outside the deck"):
        read_deck_file(tmp_path / "x.yaml", limit=100, roots=[tmp_path])


def test_a_folder_is_refused(tmp_path):
    (tmp_path / "x.yaml").mkdir()
    with pytest.raises(FileRefusedError, match="is a folder"):
        read_deck_file(tmp_path / "x.yaml", limit=100, roots=[tmp_path])


def test_symlinks_inside_the_deck_or_assets_are_followed(tmp_path):
    deck, assets = tmp_path / "slides", tmp_path / "assets"
    deck.mkdir()
    assets.mkdir()
    (assets / "shared.yaml").write_text("x")
    (deck / "link.yaml").symlink_to(assets / "shared.yaml")
    assert read_deck_file(deck / "link.yaml", limit=10, roots=[deck, assets]) == b"x"
    (deck / "loop.yaml").symlink_to(deck / "loop.yaml")
    with pytest.raises(FileRefusedError, match="cannot be followed"):
        read_deck_file(deck / "loop.yaml", limit=10, roots=[deck])
    (deck / "dangling.yaml").symlink_to(deck / "gone.yaml")
    with pytest.raises(FileRefusedError, match="does not exist"):
        read_deck_file(deck / "dangling.yaml", limit=10, roots=[deck])


def test_the_limit_is_counted_while_reading(tmp_path, monkeypatch):
    path = tmp_path / "grows.yaml"
    path.write_bytes(b"x" * 10)
    real_stat = os.stat
    resolved = str(path.resolve())

    def stale_stat(target, *args, **kwargs):  # a file that grew after stat looked at it
        info = real_stat(target, *args, **kwargs)
        if str(target) == resolved:
            return os.stat_result((info.st_mode, *info[1:6], 1, *info[7:]))
        return info

    monkeypatch.setattr(os, "stat", stale_stat)
    with pytest.raises(FileTooLargeError, match="larger than the limit"):
        read_deck_file(path, limit=5, roots=[tmp_path])


def test_load_deck_reports_every_special_file_and_keeps_going(tmp_path):
    folder = make_deck(tmp_path)
    os.mkfifo(folder / "20-pipe.yaml")
    (folder / "30-dir.yaml").mkdir()
    (folder / "40-zero.yaml").symlink_to("/dev/zero")
    (folder / "50-ok.yaml").write_text(
        PLAIN_SECTION.replace("walk", "stroll").replace("rest", "nap")
    )
    done = threading.Event()
    errors: list[str] = []

    def load() -> None:
        try:
            load_deck(folder)
        except DeckError as error:
            errors.extend(str(e) for e in error.errors)
        done.set()

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    assert done.wait(60), "load_deck blocked on a special file"
    assert any(e.startswith("slides/20-pipe.yaml:1: (file): is a named pipe") for e in errors)
    assert any(e.startswith("slides/30-dir.yaml:1: (file): is a folder") for e in errors)
    assert any(e.startswith("slides/40-zero.yaml:1: (file): leads to /dev/zero") for e in errors)
    assert len(errors) == 3, errors
