"""The status file other processes read, the per-machine config, the deck fingerprint."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.fingerprint import deck_fingerprint
from kiosk.ops.config import ConfigError, load_config
from kiosk.ops.stats.recorder import StatsRecorder
from kiosk.ops.status import SCHEMA, RecentErrors, StatusWriter, read_status
from kiosk.screen.app import KioskApp
from kiosk.screen.intents import LANGUAGE, LARGER_TEXT, WAKE
from tests.helpers import FakeClock

REPO = Path(__file__).resolve().parents[2]
DECK_DIR = REPO / "slides"


# -- the writer ----------------------------------------------------------------------------


def test_status_is_written_whole_and_read_back(tmp_path):
    writer = StatusWriter(tmp_path / "state" / "status.json", interval=2.0)
    assert writer.due(0.0)
    assert writer.write({"schema": SCHEMA, "mode": "attract"}, now=0.0)
    assert not writer.due(1.9) and writer.due(2.0)
    assert read_status(writer.path) == {"schema": SCHEMA, "mode": "attract"}
    # No temporary files are left beside it.
    assert [p.name for p in writer.path.parent.iterdir()] == ["status.json"]


def test_reader_ignores_missing_torn_or_foreign_files(tmp_path):
    path = tmp_path / "status.json"
    assert read_status(path) is None
    path.write_text('{"schema": 1, "mode": "att')
    assert read_status(path) is None
    path.write_text('{"schema": 999}')
    assert read_status(path) is None
    path.write_text("[1, 2]")
    assert read_status(path) is None


def test_an_unwritable_folder_is_logged_once_and_never_raises(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    writer = StatusWriter(blocker / "status.json")
    with caplog.at_level(logging.WARNING):
        assert not writer.write({"schema": SCHEMA}, now=0.0)
        assert not writer.write({"schema": SCHEMA}, now=5.0)
    assert len([r for r in caplog.records if "status file" in r.getMessage()]) == 1


def test_a_reader_never_sees_a_partial_file(tmp_path):
    """Many writes of a big status while another reader reads: every read parses."""
    writer = StatusWriter(tmp_path / "status.json", interval=0.0)
    big = {"schema": SCHEMA, "errors": [{"message": "x" * 400}] * 20}
    for n in range(200):
        writer.write({**big, "n": n}, now=float(n))
        data = read_status(writer.path)
        assert data is not None and data["n"] == n


def test_recent_errors_keep_the_newest_warnings_only():
    handler = RecentErrors(wall=lambda: 5.0)
    logger = logging.getLogger("kiosk.test-recent")
    logger.addHandler(handler)
    try:
        logger.info("not kept")
        for n in range(30):
            logger.warning("problem %d", n)
        logger.error("x" * 2000)
    finally:
        logger.removeHandler(handler)
    messages = [entry["message"] for entry in handler.entries]
    assert len(messages) == 20
    assert messages[0] == "problem 11" and len(messages[-1]) == 500
    assert "not kept" not in messages


# -- the app writes it ---------------------------------------------------------------------


@pytest.fixture
def app(tmp_path):
    pygame.display.init()
    display = pygame.display.set_mode((1280, 800))  # a checked size: larger text (A+) is there
    deck = load_deck(DECK_DIR)
    clock = FakeClock()
    wall = FakeClock(1_700_000_000.0)
    stats = StatsRecorder(tmp_path / "stats.sqlite3", clock=clock)
    app = KioskApp(
        deck,
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=list,
        flip=lambda: None,
        stats=stats,
        status=StatusWriter(tmp_path / "status.json"),
        screen_name="lobby-left",
        deck_info={"source": "folder", "version": "", "hash": "abc"},
        wall=wall,
    )
    yield app, clock, wall
    stats.close()
    pygame.display.quit()


def test_the_app_writes_what_is_on_screen(app):
    kiosk, clock, wall = app
    kiosk.step()
    status = read_status(kiosk.status.path)
    assert status is not None
    assert status["screen"] == "lobby-left"
    assert status["mode"] == "attract" and status["slide"]["index"] == 0
    assert status["slide"]["id"] == kiosk.deck.slides[0].id
    assert status["deck"]["slides"] == len(kiosk.deck.slides)
    assert status["deck"]["languages"] == ["en", "es"]
    assert status["frames_drawn"] == 1 and status["last_frame_at"] == wall.now
    assert status["memory_bytes"] > 10_000_000
    assert status["screen_size"] == [1280, 800]


def test_status_is_rewritten_every_interval_not_every_frame(app):
    kiosk, clock, wall = app
    for _ in range(100):  # 100 passes within one second
        kiosk.step()
        clock.advance(0.01)
    assert kiosk.status.writes == 1
    clock.advance(2.0)
    kiosk.step()
    assert kiosk.status.writes == 2


def test_visitor_choices_are_counted_once_each(app):
    kiosk, clock, wall = app
    nav = kiosk.navigator
    kiosk.step()
    nav.handle(WAKE)
    nav.handle(LANGUAGE)
    kiosk.step()
    nav.handle(LARGER_TEXT)
    for _ in range(5):
        kiosk.step()
        clock.advance(0.1)
    assert kiosk.language_switches == 1
    assert kiosk.larger_text_uses == 1
    # Idle: back to the default language and normal text; that is not a visitor's choice.
    clock.advance(kiosk.deck.idle_timeout + 1)
    kiosk.step()
    assert nav.language == "en" and not nav.larger_text
    assert kiosk.language_switches == 1 and kiosk.larger_text_uses == 1


def test_view_counters_match_what_the_statistics_record(app):
    kiosk, clock, wall = app
    for _ in range(3000):  # a few attract slides go by
        kiosk.step()
        clock.advance(0.05)
    totals = kiosk.stats.totals()
    assert sum(row["views"] for row in totals) >= 3
    kiosk.stats.close()
    import sqlite3

    with contextlib.closing(sqlite3.connect(kiosk.stats.path)) as db:
        (rows,) = db.execute("SELECT COUNT(*) FROM views").fetchone()
    # close() records the view on screen as one more row.
    assert rows == sum(row["views"] for row in kiosk.stats.totals())


def test_reload_results_are_counted(app, tmp_path):
    kiosk, clock, wall = app

    class Watcher:
        problems: tuple[str, ...] = ()
        deck = None

        def poll(self):
            deck, self.deck = self.deck, None
            return deck

    watcher = Watcher()
    kiosk.watcher = watcher  # type: ignore[assignment]
    watcher.deck = load_deck(DECK_DIR)
    kiosk.step()
    watcher.problems = ("slides/x.yaml:3: title: missing",)
    kiosk.step()
    kiosk.step()  # the same problems again: one refusal, not two
    assert kiosk.reloads == {"ok": 1, "refused": 1}
    assert kiosk.last_reload is not None and kiosk.last_reload["result"] == "refused"
    assert kiosk.status_snapshot()["last_reload"]["problems"] == list(watcher.problems)


def test_status_json_is_plain_json(app):
    kiosk, clock, wall = app
    kiosk.step()
    text = kiosk.status.path.read_text()
    assert json.loads(text)["schema"] == SCHEMA
    assert oct(os.stat(kiosk.status.path).st_mode & 0o777) == "0o644"


# -- config --------------------------------------------------------------------------------


def test_config_defaults_to_the_host_name(tmp_path):
    config = load_config(tmp_path / "none.toml", environ={})
    assert config.screen_name


def test_config_reads_the_screen_name_and_env_overrides(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('screen_name = "lobby-left"\n')
    assert load_config(path, environ={}).screen_name == "lobby-left"
    assert load_config(path, environ={"CVI_KIOSK_SCREEN": "desk2"}).screen_name == "desk2"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('screen_name = "lobby left!"', "screen_name must be"),
        ("screen_name = 3", "screen_name must be"),
        ('screen = "x"', "unknown setting 'screen'"),
        ("screen_name = ", "is not valid TOML"),
    ],
)
def test_config_errors_are_one_sentence_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "kiosk.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=expected) as error:
        load_config(path, environ={})
    assert str(path) in str(error.value)


# -- fingerprint ---------------------------------------------------------------------------


def test_fingerprint_depends_on_content_not_on_place_or_time(tmp_path):
    first = tmp_path / "a"
    shutil.copytree(DECK_DIR, first / "slides")
    shutil.copytree(REPO / "assets", first / "assets")
    second = tmp_path / "b"
    shutil.copytree(first, second)
    os.utime(second / "slides" / "deck.yaml", (1, 1))
    (second / "slides" / ".deck.yaml.swp").write_text("editor junk")
    assert deck_fingerprint(first / "slides") == deck_fingerprint(second / "slides")
    deck_file = second / "slides" / "deck.yaml"
    deck_file.write_text(deck_file.read_text() + "\n# edited\n")
    assert deck_fingerprint(first / "slides") != deck_fingerprint(second / "slides")
    before = deck_fingerprint(first / "slides")
    (first / "assets" / "images" / "leg-veins.svg").write_text("<svg/>")
    assert deck_fingerprint(first / "slides") != before  # assets count too


def test_fingerprint_skips_special_files(tmp_path):
    deck = tmp_path / "slides"
    deck.mkdir()
    (deck / "deck.yaml").write_text("title: x\n")
    before = deck_fingerprint(deck)
    os.mkfifo(deck / "pipe.yaml")
    (deck / "zero.yaml").symlink_to("/dev/zero")
    assert deck_fingerprint(deck) == before
