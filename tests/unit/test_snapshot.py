"""The last first frame, shown while the next start checks its deck."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

import pygame
import pytest

from kiosk.screen.snapshot import MAGIC, load_first_frame, save_first_frame, snapshot_path


@pytest.fixture
def picture() -> pygame.Surface:
    surface = pygame.Surface((64, 40))
    surface.fill((10, 26, 46))
    surface.fill((250, 200, 90), pygame.Rect(8, 8, 20, 10))
    return surface


def test_a_kept_first_frame_comes_back_pixel_for_pixel(tmp_path, picture):
    path = snapshot_path(tmp_path)
    assert save_first_frame(path, picture, fingerprint="abc", version="1")
    shown = load_first_frame(path, (64, 40))
    assert shown is not None
    assert pygame.image.tobytes(shown, "RGB") == pygame.image.tobytes(picture, "RGB")


def test_it_is_rewritten_only_when_deck_size_or_kiosk_changed(tmp_path, picture):
    path = snapshot_path(tmp_path)
    assert save_first_frame(path, picture, fingerprint="abc", version="1")
    assert not save_first_frame(path, picture, fingerprint="abc", version="1")  # no SD wear
    assert save_first_frame(path, picture, fingerprint="new deck", version="1")
    assert save_first_frame(path, picture, fingerprint="new deck", version="2")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind


def test_a_picture_for_another_screen_size_is_not_shown(tmp_path, picture):
    path = snapshot_path(tmp_path)
    save_first_frame(path, picture, fingerprint="abc", version="1")
    assert load_first_frame(path, (40, 64)) is None
    assert load_first_frame(path, (1920, 1080)) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-1],  # cut short
        lambda data: data + b"x",  # longer than the header says
        lambda data: b"not a kiosk file\n" + data,
        lambda data: MAGIC + b"[1, 2]\n" + data[data.index(b"\n", len(MAGIC)) + 1 :],
        lambda data: MAGIC + b"{" + b" " * 5000 + b"\n",  # a header line without end
        lambda data: b"",
    ],
)
def test_a_damaged_file_is_ignored_never_shown_half(tmp_path, picture, damage):
    path = snapshot_path(tmp_path)
    save_first_frame(path, picture, fingerprint="abc", version="1")
    path.write_bytes(damage(path.read_bytes()))
    assert load_first_frame(path, (64, 40)) is None


def test_a_missing_file_or_folder_costs_only_the_picture(tmp_path, picture):
    assert load_first_frame(tmp_path / "nothing" / "first-frame.rgb", (64, 40)) is None
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    assert not save_first_frame(blocked / "first-frame.rgb", picture, fingerprint="a", version="1")


def test_the_second_start_shows_the_last_first_frame_before_the_deck_is_checked(tmp_path):
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "XDG_STATE_HOME": str(tmp_path)}
    argv = [
        sys.executable,
        "-c",
        "import sys; from kiosk.cli.main import entry; sys.exit(entry())",
        "run",
        "--windowed",
        "640x400",
        "--first-frame-and-exit",
    ]

    def start() -> list[str]:
        result = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=120, check=False
        )
        assert result.returncode == 0, result.stderr
        return [line.split()[0] for line in result.stdout.splitlines()]

    assert start() == ["first-frame"]  # nothing kept yet: the window waits for the deck
    assert load_first_frame(snapshot_path(tmp_path / "cvi-kiosk"), (640, 400)) is not None
    assert start() == ["first-picture", "first-frame"]


def _flip_a_pixel(data: bytes) -> bytes:
    return data[:-10] + bytes([data[-10] ^ 0xFF]) + data[-9:]


@pytest.mark.parametrize(
    "damage",
    [
        _flip_a_pixel,
        lambda data: data.replace(b'"crc32"', b'"crc33"'),
        lambda data: data.replace(b'"length": ', b'"length": 1'),
        lambda data: b"\0" * len(data),
    ],
)
def test_a_damaged_picture_is_moved_aside_and_written_again(tmp_path, picture, damage, caplog):
    path = snapshot_path(tmp_path)
    save_first_frame(path, picture, fingerprint="abc", version="1")
    path.write_bytes(damage(path.read_bytes()))
    with caplog.at_level(logging.WARNING):
        assert load_first_frame(path, (64, 40)) is None
    assert "damaged" in caplog.text and not path.exists()
    [aside] = tmp_path.glob("first-frame.rgb.damaged-*")
    assert save_first_frame(path, picture, fingerprint="abc", version="1")
    assert load_first_frame(path, (64, 40)) is not None


def test_a_picture_written_by_an_older_kiosk_is_rewritten_without_a_warning(
    tmp_path, picture, caplog
):
    path = snapshot_path(tmp_path)
    path.write_bytes(b"cvi-kiosk first frame 1\n" + b'{"width": 64, "height": 40}\n' + b"\0" * 7680)
    with caplog.at_level(logging.WARNING):
        assert load_first_frame(path, (64, 40)) is None
    assert caplog.text == ""
    assert save_first_frame(path, picture, fingerprint="abc", version="1")
    assert load_first_frame(path, (64, 40)) is not None


def _within(seconds: float, call):  # type: ignore[no-untyped-def]
    """call() in a thread; fails (instead of hanging the suite) when it takes longer."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still waiting after {seconds} s"
    return result[0]


@pytest.mark.parametrize("kind", ["fifo", "folder", "loop", "link"])
def test_a_pipe_folder_or_link_in_its_place_neither_hangs_nor_is_followed(tmp_path, picture, kind):
    path = snapshot_path(tmp_path)
    elsewhere = tmp_path / "elsewhere.rgb"
    save_first_frame(elsewhere, picture, fingerprint="abc", version="1")
    if kind == "fifo":
        os.mkfifo(path)  # nobody writes: an open() without O_NONBLOCK would wait for ever
    elif kind == "folder":
        path.mkdir()
    elif kind == "loop":
        path.symlink_to(path.name)
    else:
        path.symlink_to(elsewhere)  # a link to a good picture is still not ours to follow
    assert _within(2, lambda: load_first_frame(path, (64, 40))) is None
    assert list(tmp_path.glob("first-frame.rgb.damaged-*"))
    assert save_first_frame(path, picture, fingerprint="abc", version="1")
    assert load_first_frame(path, (64, 40)) is not None
    assert elsewhere.is_file()  # what the link pointed at is untouched
