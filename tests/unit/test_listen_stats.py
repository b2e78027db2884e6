"""Read-aloud in the statistics: readings per slide and language and listening sessions go to
their own tables (to the hour, nothing else), `kiosk stats`, the status file and metrics."""

from __future__ import annotations

import contextlib
import io
import sqlite3
import time
from datetime import datetime

import pygame

from kiosk.ops.metrics import OTHER, build_registry
from kiosk.ops.stats.command import stats_main
from kiosk.ops.stats.recorder import StatsRecorder
from kiosk.ops.stats.report import listens_summary, print_table, sessions_summary, summary
from kiosk.screen import intents
from kiosk.screen.app import KioskApp
from kiosk.screen.player import NarrationPlayer
from tests.helpers import FakeClock
from tests.unit.test_listen import FakeMixer, narrated
from tests.unit.test_metrics import samples, write_status

WALL = datetime(2026, 11, 24, 9, 41, 27)


def _app(tmp_path, clock: FakeClock) -> KioskApp:
    pygame.display.init()
    stats = StatsRecorder(tmp_path / "stats.sqlite3", clock=clock, wall=lambda: WALL)
    return KioskApp(
        narrated(seconds=2.0),
        pygame.Surface((1280, 800)),
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=lambda: [],
        flip=lambda: None,
        stats=stats,
        player=NarrationPlayer(FakeMixer(), clock),
    )


def _listen_through_a_topic(app: KioskApp, clock: FakeClock) -> None:
    app.navigator.handle(intents.WAKE)
    app.navigator.handle(intents.LISTEN)
    for _ in range(200):  # 20 s: the three slides of the first topic, read one after another
        app.step()
        clock.advance(0.1)


def test_readings_and_listening_sessions_are_stored_to_the_hour(tmp_path):
    clock = FakeClock()
    app = _app(tmp_path, clock)
    _listen_through_a_topic(app, clock)
    assert app.stats is not None
    app.stats.close()
    db = tmp_path / "stats.sqlite3"
    with contextlib.closing(sqlite3.connect(db)) as connection:
        rows = connection.execute("SELECT * FROM listens ORDER BY rowid").fetchall()
        sessions = connection.execute("SELECT * FROM listening_sessions").fetchall()
    assert rows == [
        ("2026-11-24 09", "slide-0", "en", "browsing"),
        ("2026-11-24 09", "slide-1", "en", "browsing"),
        ("2026-11-24 09", "slide-2", "en", "browsing"),
    ]
    assert sessions == [("2026-11-24 09", "en")]
    found = listens_summary(db)
    assert found.listens == {("slide-0", "en"): 1, ("slide-1", "en"): 1, ("slide-2", "en"): 1}
    assert (found.sessions, found.sessions_by_language) == (1, {"en": 1})
    assert listens_summary(db, since=datetime(2026, 11, 25)).listens == {}
    out = io.StringIO()
    print_table(summary(db), sessions_summary(db), out, found)
    text = out.getvalue()
    assert "read aloud (Listen):" in text and "listening sessions: 1 (en 1)" in text
    assert [line.split() for line in text.splitlines() if line.startswith("slide-1 ")][-1] == [
        "slide-1",
        "1",
    ]


def test_kiosk_stats_prints_them_and_an_older_file_without_the_tables_reads_as_none(
    tmp_path, capsys
):
    clock = FakeClock()
    app = _app(tmp_path, clock)
    _listen_through_a_topic(app, clock)
    assert app.stats is not None
    app.stats.close()
    assert stats_main(["--db", str(tmp_path / "stats.sqlite3")]) == 0
    assert "listening sessions: 1 (en 1)" in capsys.readouterr().out
    old = tmp_path / "old.sqlite3"
    with contextlib.closing(sqlite3.connect(old)) as connection, connection:
        connection.execute(
            "CREATE TABLE views (minute TEXT, slide_id TEXT, mode TEXT, language TEXT, "
            "dwell_seconds REAL)"
        )
        connection.execute("CREATE TABLE sessions (minute, seconds, slides, languages)")
    assert listens_summary(old).sessions == 0
    assert stats_main(["--db", str(old)]) == 0
    assert "read aloud" not in capsys.readouterr().out  # nothing to say, so nothing said


def test_the_status_file_and_metrics_count_them(tmp_path):
    clock = FakeClock()
    app = _app(tmp_path, clock)
    _listen_through_a_topic(app, clock)
    counters = app.status_snapshot()["counters"]
    assert counters["listening_sessions"] == 1
    assert counters["listens"] == [
        {"slide": f"slide-{n}", "language": "en", "listens": 1} for n in range(3)
    ]
    assert app.stats is not None
    app.stats.close()
    path = tmp_path / "status.json"
    write_status(
        path,
        updated_at=time.time(),
        counters={
            **counters,
            "listens": [
                *counters["listens"],
                {"slide": "x y", "language": "en", "listens": 2},  # free text: not a label
                {"slide": "slide-0", "language": "en", "listens": "many"},
            ],
        },
    )
    found = samples(build_registry(path, "lobby"))
    series = {
        dict(labels)["slide"]: v
        for (name, labels), v in found.items()
        if name == "kiosk_narration_listens_total"
    }
    assert series == {"slide-0": 1, "slide-1": 1, "slide-2": 1, OTHER: 2}
    assert found[("kiosk_listening_sessions_total", (("screen", "lobby"),))] == 1
