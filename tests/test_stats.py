"""Anonymous view statistics: what is recorded, that recording never blocks, and the report."""

from __future__ import annotations

import io
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.stats import StatsRecorder, export_csv, sessions_summary, stats_main, summary
from tests.helpers import FakeClock


class Wall:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def __call__(self) -> datetime:
        return datetime(2026, 11, 24, 9, 0) + timedelta(seconds=self.clock.now)


@pytest.fixture
def recorder(tmp_path):
    clock = FakeClock(0.0)
    rec = StatsRecorder(tmp_path / "stats.sqlite3", clock=clock, wall=Wall(clock))
    yield rec, clock
    rec.close()


def visit(rec: StatsRecorder, clock: FakeClock) -> None:
    rec.observe("welcome", "attract", "en")
    clock.advance(12)
    rec.observe("valves", "attract", "en")
    clock.advance(3)
    for _ in range(50):
        rec.observe("valves", "browsing", "en")  # the loop calls it every pass: once is kept
    clock.advance(20)
    rec.observe("symptoms", "browsing", "en")
    clock.advance(0.5)  # flicked past
    rec.observe("symptoms", "browsing", "es")
    clock.advance(30)
    rec.observe("welcome", "attract", "en")
    clock.advance(5)


def test_views_and_sessions_are_recorded(recorder):
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    rows = summary(rec.path)
    by_id = {r.slide_id: r for r in rows}
    assert by_id["valves"].attract_views == 1 and by_id["valves"].browsing_views == 1
    assert by_id["valves"].median_dwell == 20.0
    assert by_id["symptoms"].browsing_views == 2 and by_id["symptoms"].languages == "en,es"
    assert by_id["welcome"].attract_views == 2
    sessions = sessions_summary(rec.path)
    assert sessions.count == 1
    assert sessions.median_seconds == 50.5  # first touch to back in attract mode
    assert sessions.median_slides == 3
    assert sessions.per_day == {"2026-11-24": 1}


def test_nothing_personal_is_stored(recorder):
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    with sqlite3.connect(rec.path) as db:
        columns = {
            table: [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    db.close()
    assert columns == {
        "meta": ["key", "value"],
        "views": ["minute", "slide_id", "mode", "language", "dwell_seconds"],
        "sessions": ["minute", "seconds", "slides", "languages"],
    }


def test_csv_export(recorder):
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    out = io.StringIO()
    assert export_csv(rec.path, out) == 6
    lines = out.getvalue().splitlines()
    assert lines[0] == "minute,slide_id,mode,language,dwell_seconds"
    assert "2026-11-24 09:00,valves,browsing,en,20.0" in lines


def test_observe_never_waits_for_the_writer(tmp_path, monkeypatch):
    """Even with the writer stuck on a lock, observe() only touches memory."""
    clock = FakeClock(0.0)
    rec = StatsRecorder(tmp_path / "s.sqlite3", clock=clock, wall=Wall(clock))
    stuck = threading.Event()
    release = threading.Event()
    real_flush = StatsRecorder._flush

    def slow_flush(self, connection):
        stuck.set()
        release.wait(5)
        real_flush(self, connection)

    monkeypatch.setattr(StatsRecorder, "_flush", slow_flush)
    rec._wake.set()
    assert stuck.wait(5)
    for n in range(20_000):  # more than the queue holds
        clock.advance(1)
        rec.observe(f"s{n % 7}", "attract", "en")
    assert rec.dropped > 0  # the oldest rows were dropped, nothing blocked
    release.set()
    rec.close()
    assert summary(rec.path)  # and the rest reached the disk


def test_unwritable_location_does_not_stop_the_kiosk(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    clock = FakeClock(0.0)
    rec = StatsRecorder(blocker / "stats.sqlite3", clock=clock, wall=Wall(clock))
    rec.observe("a", "attract", "en")
    clock.advance(5)
    rec.observe("b", "attract", "en")
    rec.close()
    assert any("not being saved" in r.message for r in caplog.records)


def test_reopening_keeps_old_data(tmp_path):
    clock = FakeClock(0.0)
    for _ in range(2):
        rec = StatsRecorder(tmp_path / "s.sqlite3", clock=clock, wall=Wall(clock))
        rec.observe("a", "browsing", "en")
        clock.advance(4)
        rec.close()
    assert summary(tmp_path / "s.sqlite3")[0].browsing_views == 2


def test_stats_command(recorder, capsys):
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    assert stats_main(["--db", str(rec.path)]) == 0
    printed = capsys.readouterr().out
    assert "attract views  browsing views" in printed and "valves" in printed
    assert "visitor sessions: 1" in printed
    assert stats_main(["--db", str(rec.path), "--csv", "-"]) == 0
    assert capsys.readouterr().out.startswith("minute,slide_id")


def test_stats_command_without_data(tmp_path, capsys):
    assert stats_main(["--db", str(tmp_path / "none.sqlite3")]) == 1
    assert "no statistics yet" in capsys.readouterr().err


def test_the_app_records_what_is_on_screen(tmp_path):
    import pygame

    from kiosk import intents
    from kiosk.app import KioskApp
    from kiosk.content import load_deck

    pygame.display.init()
    display = pygame.display.set_mode((640, 400))
    deck = load_deck(Path(__file__).resolve().parents[1] / "slides")
    clock = FakeClock(0.0)
    rec = StatsRecorder(tmp_path / "s.sqlite3", clock=clock, wall=Wall(clock))
    app = KioskApp(
        deck,
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=list,
        flip=lambda: None,
        stats=rec,
    )
    app.run(max_steps=600)  # 18 s of attract loop
    app.navigator.handle(intents.WAKE)
    app.run(max_steps=100)
    app.navigator.handle(intents.NEXT)
    app.run(max_steps=100)
    rec.close()
    pygame.display.quit()
    rows = {r.slide_id: r for r in summary(rec.path)}
    assert rows["welcome"].attract_views == 1
    assert rows["what-is-cvi"].attract_views == 1 and rows["what-is-cvi"].browsing_views == 1
    assert rows["one-way-valves"].browsing_views == 1
    assert sessions_summary(rec.path).count == 1  # closed when the kiosk stopped
