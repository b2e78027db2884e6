"""Links and state files read as hostile input: a `current` or `last-good` link that loops,
a pipe, folder or damaged file where the kiosk keeps its state. None of them may stop or hang
the kiosk; damaged files are moved aside with a warning and rebuilt."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.deck.model import Deck
from kiosk.decks.follow import CurrentFollower
from kiosk.decks.lastgood import last_good_id, last_good_slides
from kiosk.decks.startup import BUNDLED, LAST_GOOD, DeckSource, StartAttempts, choose_deck
from kiosk.ops.status import StatusWriter, load_status
from kiosk.statefile import DamagedStateError, move_aside, read_state_file
from tests.helpers import FakeClock, make_deck, within


def fake_load(decks: dict[str, Deck]) -> Callable[[Path], Deck]:
    """A loader that knows some folders by their real path (as the loader child would)."""

    def load(folder: Path) -> Deck:
        real = os.path.realpath(folder)
        if real not in decks:
            raise FileNotFoundError(f"{folder}: deck folder not found")
        return decks[real]

    return load


def publish(home: Path, version: str) -> Path:
    slides = home / "versions" / version / "slides"
    slides.mkdir(parents=True)
    return slides


def point(home: Path, target: str) -> None:
    temporary = home / ".current-new"
    temporary.symlink_to(target)
    os.replace(temporary, home / "current")


def test_a_current_link_that_loops_at_start_falls_back_without_a_crash(tmp_path, caplog):
    home = tmp_path / "home"
    home.mkdir()
    (home / "current").symlink_to("current")
    bundled, last_good = tmp_path / "bundled", tmp_path / "last-good"
    decks = {str(bundled): make_deck(2), str(last_good): make_deck(3)}
    bundled.mkdir()
    last_good.mkdir()
    source = DeckSource(home, True)
    chosen = choose_deck(source, last_good=last_good, bundled=bundled, load=fake_load(decks))
    assert chosen is not None and chosen.kind == LAST_GOOD
    assert "cannot be followed" in caplog.text
    chosen = choose_deck(source, last_good=None, bundled=bundled, load=fake_load(decks))
    assert chosen is not None and chosen.kind == BUNDLED


@pytest.mark.parametrize("target", ["current", "versions/b", "versions/missing", "/dev/zero"])
def test_a_running_kiosk_survives_current_turning_into_a_loop(tmp_path, target, caplog):
    home = tmp_path / "home"
    good = publish(home, "a")
    loop = home / "versions" / "b"
    loop.parent.mkdir(exist_ok=True)
    shown = make_deck(3)
    point(home, "versions/a")
    clock = FakeClock(0.0)
    follower = CurrentFollower(
        home, shown, clock=clock, load=fake_load({str(good): shown}), poll_seconds=1.0
    )
    if target == "versions/b":
        loop.symlink_to("b")  # the version itself loops
    point(home, target)
    for _ in range(5):
        clock.advance(1.0)
        assert follower.poll() is None  # never raises; the screen keeps its deck
    assert follower.deck is shown
    assert follower.problems  # and it says why the new target is not shown


def test_a_last_good_link_that_loops_or_is_a_file_is_passed_over(tmp_path, caplog):
    state = Path(os.environ["XDG_STATE_HOME"]) / "cvi-kiosk"
    state.mkdir(parents=True)
    link = state / "last-good"
    link.symlink_to("last-good")
    assert last_good_slides() is None and last_good_id() is None
    assert "last good deck" in caplog.text and "cannot be followed" in caplog.text
    link.unlink()
    link.write_text("not a folder")
    assert last_good_slides() is None


def test_a_pipe_in_place_of_the_last_good_record_does_not_hang(tmp_path):
    state = Path(os.environ["XDG_STATE_HOME"]) / "cvi-kiosk"
    (state / ".copy" / "slides").mkdir(parents=True)
    os.mkfifo(state / ".copy" / "source.json")
    (state / "last-good").symlink_to(".copy")
    assert within(2, last_good_id) is None
    assert last_good_slides() == state / "last-good" / "slides"


@pytest.mark.parametrize(
    "content",
    [b"[", b"{}", b'{"folder": "x", "count": 1e999}', b'{"folder": 1, "count": 1}', b"\xff"],
)
def test_a_damaged_start_attempts_file_is_moved_aside_and_counts_none(tmp_path, content, caplog):
    path = tmp_path / "start-attempts.json"
    path.write_bytes(content)
    attempts = StartAttempts(path)
    assert attempts.failed_starts(tmp_path / "deck") == 0
    assert "start-attempts.json was damaged" in caplog.text
    assert len(list(tmp_path.glob("start-attempts.json.damaged-*"))) == 1
    attempts.starting(tmp_path / "deck")
    assert attempts.failed_starts(tmp_path / "deck") == 1


@pytest.mark.parametrize("kind", ["fifo", "folder", "loop"])
def test_a_pipe_folder_or_loop_in_place_of_start_attempts_neither_hangs_nor_stops(tmp_path, kind):
    path = tmp_path / "start-attempts.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to(path.name)
    attempts = StartAttempts(path)
    assert within(2, lambda: attempts.failed_starts(tmp_path)) == 0
    attempts.starting(tmp_path)
    assert attempts.failed_starts(tmp_path) == 1 and path.is_file()


@pytest.mark.parametrize("kind", ["fifo", "folder", "link"])
def test_the_status_writer_moves_what_stands_in_its_place_aside(tmp_path, kind, caplog):
    path = tmp_path / "status.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        (tmp_path / "elsewhere").write_text("{}")
        path.symlink_to("elsewhere")
    with pytest.raises(ValueError, match="is not|is a"):
        within(2, lambda: load_status(path))
    writer = StatusWriter(path)
    assert writer.write({"schema": 1, "updated_at": 5.0}, now=0.0)
    assert load_status(path) == {"schema": 1, "updated_at": 5.0}
    assert "status.json was damaged" in caplog.text
    if kind == "link":
        assert (tmp_path / "elsewhere").read_text() == "{}"  # never written through the link


def test_reading_refuses_before_opening_and_says_what_it_found(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(DamagedStateError, match="named pipe"):
        within(2, lambda: read_state_file(tmp_path / "pipe", limit=10))
    (tmp_path / "big").write_bytes(b"x" * 11)
    with pytest.raises(DamagedStateError, match="larger than"):
        read_state_file(tmp_path / "big", limit=10)
    assert read_state_file(tmp_path / "missing", limit=10) is None


def test_moving_aside_twice_in_a_second_keeps_both(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    for content in ("one", "two"):
        (tmp_path / "x.json").write_text(content)
        assert move_aside(tmp_path / "x.json", "a test", wall=lambda: 0.0) is not None
    kept = sorted(p.read_text() for p in tmp_path.glob("x.json.damaged-*"))
    assert kept == ["one", "two"]
    assert json.dumps(caplog.text).count("x.json was damaged (a test)") == 2


@pytest.mark.parametrize(
    "record",
    [
        b'{"id": "v", "created": "x", "who": "x", "deck_hash": "x", "slide_count": 1e999}',
        b"[" * 50_000,
        "fifo",
        "loop",
    ],
)
def test_a_hostile_version_record_is_unreadable_not_a_crash(tmp_path, record, caplog):
    from kiosk.decks.store import list_versions, read_version

    version = tmp_path / "versions" / "v"
    version.mkdir(parents=True)
    path = version / "published.json"
    if record == "fifo":
        os.mkfifo(path)
    elif record == "loop":
        path.symlink_to(path.name)
    else:
        assert isinstance(record, bytes)
        path.write_bytes(record)
    with pytest.raises(ValueError, match="cannot read the version record"):
        within(2, lambda: read_version(version))
    assert within(2, lambda: list_versions(tmp_path)) == []
    assert "cannot read the version record" in caplog.text


def test_a_version_that_loops_is_refused_without_starting_the_loader(tmp_path):
    home = tmp_path / "home"
    good = publish(home, "a")
    shown = make_deck(3)
    point(home, "versions/a")
    started: list[Path] = []

    def start(folder: Path) -> object:
        started.append(folder)
        raise AssertionError("no loader for a folder that loops")

    clock = FakeClock(0.0)
    follower = CurrentFollower(
        home,
        shown,
        clock=clock,
        load=fake_load({str(good): shown}),
        start=start,  # type: ignore[arg-type]
    )
    (home / "versions" / "b").symlink_to("b")
    point(home, "versions/b")
    clock.advance(2.0)
    assert follower.poll() is None and started == []
    assert "the published version cannot be followed" in follower.problems[0]


def test_the_loader_child_refuses_a_folder_that_loops_with_a_sentence(tmp_path):
    from kiosk.loader.child import _child
    from kiosk.loader.protocol import LoadRequest

    (tmp_path / "slides").symlink_to("slides")
    kind, value = _child(LoadRequest(tmp_path / "slides", ()), lambda _: None)
    assert kind == "problems" and isinstance(value, list)
    assert "the deck folder cannot be followed" in value[0]
