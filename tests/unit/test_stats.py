"""Anonymous view statistics: what is recorded (and what is not), that recording never blocks
or breaks the kiosk, that old files keep working, and the reports."""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import sqlite3
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.ops.stats import store
from kiosk.ops.stats.command import stats_main
from kiosk.ops.stats.recorder import StatsRecorder
from kiosk.ops.stats.report import (
    SessionSummary,
    SlideSummary,
    export_csv,
    sessions_summary,
    summary,
)
from kiosk.ops.stats.store import MAX_QUEUE, default_stats_path
from tests.helpers import FakeClock

# A local time with its offset, as the kiosk's own wall clock gives (UTC here).
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Wall:
    """Local time that moves with the fake clock (clock 0 = START)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    def __call__(self) -> datetime:
        return START + timedelta(seconds=self.clock.now)


def make_recorder(path: Path) -> tuple[StatsRecorder, FakeClock]:
    clock = FakeClock(0.0)
    return StatsRecorder(path, clock=clock, wall=Wall(clock)), clock


@pytest.fixture
def recorder(tmp_path):
    rec, clock = make_recorder(tmp_path / "stats.sqlite3")
    yield rec, clock
    rec.close()


def table(path: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


def visit(rec: StatsRecorder, clock: FakeClock) -> None:
    """Two attract slides, a visitor reads two slides (one in two languages), leaves."""
    rec.observe("welcome", "attract", "en")
    clock.advance(12)
    rec.observe("valves", "attract", "en")
    clock.advance(3)
    for _ in range(50):
        rec.observe("valves", "browsing", "en")  # the loop calls it every pass: once is kept
    clock.advance(20)
    rec.observe("symptoms", "browsing", "en")
    clock.advance(0.5)  # switched language at once: the English view is skipped
    rec.observe("symptoms", "browsing", "es")
    clock.advance(30)
    rec.observe("welcome", "attract", "en")  # idle timeout: the session ends
    clock.advance(5)


VISIT_VIEWS = [
    ("2026-11-24 09:00", "welcome", "attract", "en", 12.0, 0, "+00:00"),
    ("2026-11-24 09:00", "valves", "attract", "en", 3.0, 0, "+00:00"),
    ("2026-11-24 09:00", "valves", "browsing", "en", 20.0, 0, "+00:00"),
    ("2026-11-24 09:00", "symptoms", "browsing", "en", 0.5, 1, "+00:00"),
    ("2026-11-24 09:00", "symptoms", "browsing", "es", 30.0, 0, "+00:00"),
    ("2026-11-24 09:01", "welcome", "attract", "en", 5.0, 0, "+00:00"),  # closed by close()
]


# -- what is recorded ----------------------------------------------------------------------


def test_views_are_recorded_with_dwell_mode_language_and_minute(recorder):
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    assert table(rec.path, "SELECT * FROM views ORDER BY rowid") == VISIT_VIEWS


def test_calling_observe_every_frame_records_one_view(recorder):
    rec, clock = recorder
    for _ in range(600):
        rec.observe("welcome", "attract", "en")
        clock.advance(1 / 60)
    rec.close()
    assert table(rec.path, "SELECT slide_id, dwell_seconds FROM views") == [("welcome", 10.0)]


def test_a_session_runs_from_the_first_touch_back_to_attract_mode(recorder):
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    # 15 s → 65.5 s; two different slides (a language switch is not another slide).
    assert table(rec.path, "SELECT * FROM sessions") == [
        ("2026-11-24 09:00", 50.5, 2, "en,es", "+00:00")
    ]


def test_the_last_slide_of_a_visit_counts_until_the_last_touch_and_its_reading_time(recorder):
    """A visit ends when nobody touched the screen for the idle timeout (here 90 s). The
    visitor left somewhere in it: the last slide counts as read until the last touch plus
    the slide's own reading time, not through the whole wait."""
    rec, clock = recorder
    rec.observe("welcome", "attract", "en")
    clock.advance(10)
    touched = clock.now
    rec.observe("valves", "browsing", "en", last_touch=touched, reading=14.0)
    clock.advance(5)
    rec.observe("symptoms", "browsing", "en", last_touch=clock.now, reading=20.0)
    touched = clock.now
    for _ in range(90):  # every pass of the loop, nobody touches
        clock.advance(1)
        rec.observe("symptoms", "browsing", "en", last_touch=touched, reading=20.0)
    rec.observe("welcome", "attract", "en", last_touch=touched, reading=12.0)
    # A slide the visitor was still touching at the end keeps all of its time, up to the
    # last touch: reading time is added only after it.
    rec.observe("welcome", "browsing", "en", last_touch=clock.now, reading=12.0)
    clock.advance(30)
    touched = clock.now
    clock.advance(3)  # idle timeout cut short by the fake: left 3 s after the last touch
    rec.observe("welcome", "attract", "en", last_touch=touched, reading=12.0)
    rec.close()
    views = table(rec.path, "SELECT slide_id, mode, dwell_seconds FROM views ORDER BY rowid")
    assert views[1:4] == [
        ("valves", "browsing", 5.0),  # ended by a touch: all of it
        ("symptoms", "browsing", 20.0),  # 90 s of waiting, counted as its 20 s of reading
        ("welcome", "attract", 0.0),
    ]
    assert views[4] == ("welcome", "browsing", 33.0)  # 30 s touched + 3 s, under 30 + 12
    sessions = table(rec.path, "SELECT seconds FROM sessions ORDER BY rowid")
    assert sessions == [(25.0,), (33.0,)]


def test_a_session_still_open_at_shutdown_is_recorded(recorder):
    rec, clock = recorder
    rec.observe("welcome", "attract", "en")
    clock.advance(100)
    rec.observe("welcome", "browsing", "en")
    clock.advance(7)
    rec.close()
    assert table(rec.path, "SELECT * FROM sessions") == [
        ("2026-11-24 09:01", 7.0, 1, "en", "+00:00")
    ]


def test_resting_ends_a_session_and_is_not_a_view_in_either_mode(recorder):
    rec, clock = recorder
    rec.observe("welcome", "browsing", "en")
    clock.advance(4)
    rec.observe("welcome", "rest", "en")  # what the app reports outside clinic hours
    clock.advance(3600)
    rec.close()
    assert table(rec.path, "SELECT seconds FROM sessions") == [(4.0,)]
    [welcome] = summary(rec.path)
    assert (welcome.attract_views, welcome.browsing_views) == (0, 1)


def test_observe_after_close_is_harmless(recorder):
    rec, clock = recorder
    rec.observe("a", "attract", "en")
    clock.advance(2)
    rec.close()
    rec.observe("b", "attract", "en")
    rec.close()
    assert table(rec.path, "SELECT slide_id FROM views") == [("a",)]


def test_nothing_personal_is_stored(recorder):
    """Only these tables and columns exist: no coordinates, no free text, no device ids."""
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    objects = table(rec.path, "SELECT type, name FROM sqlite_master ORDER BY name")
    assert objects == [
        ("table", "answers"),  # counts per hour (tests/unit/test_stats_answers.py)
        ("table", "helpfulness"),
        ("table", "listening_sessions"),
        ("table", "listens"),
        ("table", "meta"),
        ("table", "sessions"),
        ("index", "sqlite_autoindex_meta_1"),  # meta's primary key
        ("table", "views"),
    ]
    columns = {
        name: [row[1] for row in table(rec.path, f"PRAGMA table_info({name})")]
        for name in ("meta", "views", "sessions", "listens", "listening_sessions")
    }
    assert columns == {
        "meta": ["key", "value"],
        "views": [
            "minute",
            "slide_id",
            "mode",
            "language",
            "dwell_seconds",
            "skipped",
            "utc_offset",
        ],
        "sessions": ["minute", "seconds", "slides", "languages", "utc_offset"],
        "listens": ["hour", "slide_id", "language", "mode"],
        "listening_sessions": ["hour", "language"],
    }
    assert table(rec.path, "SELECT * FROM meta") == [("schema", "3")]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.sampled_from(["attract", "browsing"]),
            st.sampled_from(["en", "es"]),
            st.floats(min_value=0, max_value=100),
        ),
        max_size=30,
    )
)
def test_every_change_is_one_view_and_no_time_goes_missing(steps):
    with tempfile.TemporaryDirectory() as folder:
        rec, clock = make_recorder(Path(folder) / "s.sqlite3")
        changes, sessions, previous = 0, 0, None
        for slide, mode, language, seconds in steps:
            rec.observe(slide, mode, language)
            if (slide, mode, language) != previous:
                changes += 1
                if mode == "browsing" and (previous is None or previous[1] != "browsing"):
                    sessions += 1
                previous = (slide, mode, language)
            clock.advance(seconds)
        rec.close()
        views = table(rec.path, "SELECT dwell_seconds, skipped FROM views")
        assert len(views) == changes
        assert all(skipped == (dwell < 1) for dwell, skipped in views)
        # Each view is rounded to 0.1 s; nothing else is lost or counted twice.
        assert sum(dwell for dwell, _ in views) == pytest.approx(clock.now, abs=0.05 * changes)
        assert sessions_summary(rec.path).count == sessions


# -- never blocking, never breaking the kiosk ----------------------------------------------


def test_observe_never_waits_for_a_stalled_writer(tmp_path, monkeypatch):
    """The writer is held inside its SQLite work for the whole loop below. Had observe()
    waited on it (a lock, the queue, anything), the loop could not have finished first."""
    entered, release, returned = threading.Event(), threading.Event(), threading.Event()
    real_write = store.Writer._write

    def stalled_write(self, connection, rows):
        entered.set()
        release.wait(30)  # only a safety net: the test releases it
        try:
            real_write(self, connection, rows)
        finally:
            returned.set()

    monkeypatch.setattr(store.Writer, "_write", stalled_write)
    rec, clock = make_recorder(tmp_path / "s.sqlite3")
    try:
        rec.observe("first", "attract", "en")
        clock.advance(1)
        rec.observe("s0", "attract", "en")  # queues the "first" view
        rec.flush()
        assert entered.wait(10)
        for n in range(1, 2 * MAX_QUEUE + 1):  # twice what the queue holds
            clock.advance(1)
            rec.observe(f"s{n}", "attract", "en")
        assert not returned.is_set()  # the writer is still stuck, yet every call returned
        assert rec.dropped == MAX_QUEUE  # the oldest half was dropped, and counted
    finally:
        release.set()
        rec.close()
    assert returned.is_set()
    saved = table(rec.path, "SELECT slide_id FROM views ORDER BY rowid")
    # "first", then the newest rows the queue held (close() pushed one more out).
    assert saved[0] == ("first",)
    assert len(saved) == 1 + MAX_QUEUE
    assert saved[-1] == (f"s{2 * MAX_QUEUE}",)
    assert rec.dropped == MAX_QUEUE + 1


def test_an_unwritable_location_is_logged_once_and_the_kiosk_carries_on(
    tmp_path, monkeypatch, caplog
):
    # A file where the folder should be: fails for root too (unlike chmod).
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setattr(store, "FLUSH_SECONDS", 0.01)
    monkeypatch.setattr(store, "RETRY_SECONDS", 0.0)
    attempts = threading.Semaphore(0)
    real_open = store.open_for_writing

    def counting_open(path):
        attempts.release()
        return real_open(path)

    monkeypatch.setattr(store, "open_for_writing", counting_open)
    rec, clock = make_recorder(blocker / "stats.sqlite3")
    for n in range(5):
        rec.observe(f"s{n}", "attract", "en")
        clock.advance(5)
    for _ in range(3):  # the writer keeps trying
        assert attempts.acquire(timeout=10)
    rec.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len([r for r in warnings if "not being saved" in r.getMessage()]) == 1
    assert rec.dropped == 5  # and said so when the kiosk stopped
    assert "5 rows were lost" in warnings[-1].getMessage()
    assert not (blocker / "stats.sqlite3").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores chmod")
def test_a_read_only_folder_does_not_stop_the_kiosk(tmp_path, caplog):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        rec, clock = make_recorder(folder / "stats.sqlite3")
        rec.observe("a", "attract", "en")
        clock.advance(5)
        rec.observe("b", "attract", "en")
        rec.close()
    finally:
        folder.chmod(0o700)
    assert any("not being saved" in r.getMessage() for r in caplog.records)


def test_a_failed_write_is_retried_and_nothing_is_lost(tmp_path, monkeypatch, caplog):
    failed = threading.Event()
    real_write = store.Writer._write

    def full_once(self, connection, rows):
        if not failed.is_set():
            failed.set()
            raise sqlite3.OperationalError("database or disk is full")
        real_write(self, connection, rows)

    monkeypatch.setattr(store.Writer, "_write", full_once)
    rec, clock = make_recorder(tmp_path / "s.sqlite3")
    visit(rec, clock)
    rec.flush()
    assert failed.wait(10)
    rec.close()  # retries once more, whatever the retry interval
    assert table(rec.path, "SELECT * FROM views ORDER BY rowid") == VISIT_VIEWS
    assert rec.dropped == 0
    assert ["disk is full" in r.getMessage() for r in caplog.records] == [True]


# -- the file over time --------------------------------------------------------------------


def test_the_file_survives_reopening(tmp_path):
    path = tmp_path / "s.sqlite3"
    for _ in range(2):
        rec, clock = make_recorder(path)
        rec.observe("a", "browsing", "en")
        clock.advance(4)
        rec.close()
    assert summary(path)[0].browsing_views == 2
    assert table(path, "SELECT value FROM meta") == [("3",)]
    assert table(path, "PRAGMA journal_mode") == [("wal",)]


V1_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE views (minute TEXT NOT NULL, slide_id TEXT NOT NULL, mode TEXT NOT NULL,
                    language TEXT NOT NULL, dwell_seconds REAL NOT NULL);
CREATE TABLE sessions (minute TEXT NOT NULL, seconds REAL NOT NULL, slides INTEGER NOT NULL,
                       languages TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', '1');
INSERT INTO views VALUES ('2026-11-20 10:00', 'old', 'browsing', 'en', 0.4);
INSERT INTO views VALUES ('2026-11-20 10:00', 'old', 'browsing', 'en', 9.0);
"""


def test_a_file_from_the_first_release_keeps_working(tmp_path):
    path = tmp_path / "s.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(V1_SCHEMA)
    # Reports read it as it is...
    assert summary(path)[0].skipped_views == 1
    # ...and the kiosk upgrades it in place, keeping the old rows.
    rec, clock = make_recorder(path)
    rec.observe("new", "browsing", "en")
    clock.advance(2)
    rec.close()
    assert table(path, "SELECT slide_id, dwell_seconds, skipped FROM views ORDER BY rowid") == [
        ("old", 0.4, 1),
        ("old", 9.0, 0),
        ("new", 2.0, 0),
    ]
    assert table(path, "SELECT value FROM meta") == [("3",)]


def test_a_file_from_a_newer_kiosk_keeps_its_version(tmp_path):
    path = tmp_path / "s.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(V1_SCHEMA.replace("'1'", "'7'"))
        db.execute("ALTER TABLE views ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0")
        db.execute("ALTER TABLE views ADD COLUMN future TEXT")
        db.commit()
    rec, clock = make_recorder(path)
    rec.observe("new", "attract", "en")
    clock.advance(2)
    rec.close()
    assert table(path, "SELECT value FROM meta") == [("7",)]
    assert table(path, "SELECT count(*) FROM views WHERE slide_id = 'new'") == [(1,)]


def test_default_location_is_the_xdg_state_dir():
    assert default_stats_path({"XDG_STATE_HOME": "/state", "HOME": "/home/k"}) == Path(
        "/state/cvi-kiosk/stats.sqlite3"
    )
    assert default_stats_path({"HOME": "/home/k"}) == Path(
        "/home/k/.local/state/cvi-kiosk/stats.sqlite3"
    )


# -- reports -------------------------------------------------------------------------------


def test_summary_per_slide(recorder):
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    assert summary(rec.path) == [
        # The 0.5 s English view is counted but left out of the median.
        SlideSummary("symptoms", 0, 2, 1, 30.0, 30.5, ("en", "es")),
        SlideSummary("valves", 1, 1, 0, 20.0, 20.0, ("en",)),
        SlideSummary("welcome", 2, 0, 0, None, 0.0, ("en",)),
    ]


def sessions_on_two_days(rec: StatsRecorder, clock: FakeClock) -> None:
    for seconds, slides, wait in ((30, 1, 60), (90, 3, 60), (60, 2, 86_400)):
        rec.observe("welcome", "attract", "en")
        clock.advance(wait)
        for n in range(slides):
            rec.observe(f"s{n}", "browsing", "en")
            clock.advance(seconds / slides)
        rec.observe("welcome", "attract", "en")


def test_sessions_summary(recorder):
    rec, clock = recorder
    sessions_on_two_days(rec, clock)
    rec.close()
    assert sessions_summary(rec.path) == SessionSummary(
        count=3,
        median_seconds=60.0,
        median_slides=2,
        per_day={"2026-11-24": 2, "2026-11-25": 1},
    )
    since = datetime(2026, 11, 25)
    assert sessions_summary(rec.path, since).per_day == {"2026-11-25": 1}
    assert {s.slide_id for s in summary(rec.path, since)} == {"s0", "s1", "welcome"}


def test_reports_of_an_empty_file(recorder):
    rec, _ = recorder
    rec.close()
    assert summary(rec.path) == []
    assert sessions_summary(rec.path) == SessionSummary(0, None, None, {})


def test_reports_need_an_existing_file_and_never_create_one(tmp_path):
    with pytest.raises(FileNotFoundError):
        summary(tmp_path / "none.sqlite3")
    assert not (tmp_path / "none.sqlite3").exists()


VISIT_CSV = """\
minute,slide_id,mode,language,dwell_seconds,utc_offset
2026-11-24 09:00,welcome,attract,en,12.0,+00:00
2026-11-24 09:00,valves,attract,en,3.0,+00:00
2026-11-24 09:00,valves,browsing,en,20.0,+00:00
2026-11-24 09:00,symptoms,browsing,en,0.5,+00:00
2026-11-24 09:00,symptoms,browsing,es,30.0,+00:00
2026-11-24 09:01,welcome,attract,en,5.0,+00:00
"""


def test_running_totals_are_the_database_rows_by_slide_language_and_mode(recorder):
    """The status file (and so the metrics) report these totals: each label in its place."""
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    rows = table(
        rec.path,
        "SELECT slide_id, language, mode, COUNT(*), ROUND(SUM(dwell_seconds), 1) FROM views "
        "GROUP BY slide_id, language, mode",
    )
    totals = {
        (t["slide"], t["language"], t["mode"]): (t["views"], t["seconds"]) for t in rec.totals()
    }
    assert totals == {(s, lang, m): (n, secs) for s, lang, m, n, secs in rows}
    assert ("symptoms", "es", "browsing") in totals


def test_csv_export(recorder):
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    out = io.StringIO()
    assert export_csv(rec.path, out) == 6
    assert out.getvalue() == VISIT_CSV
    out = io.StringIO()
    assert export_csv(rec.path, out, since=datetime(2026, 11, 24, 9, 1)) == 1
    assert out.getvalue().splitlines()[1:] == ["2026-11-24 09:01,welcome,attract,en,5.0,+00:00"]


def test_a_path_with_uri_characters_can_be_read(tmp_path):
    rec, clock = make_recorder(tmp_path / "a?b#c%20d" / "s.sqlite3")
    rec.observe("a", "attract", "en")
    clock.advance(1)
    rec.close()
    assert [s.slide_id for s in summary(rec.path)] == ["a"]


# -- kiosk stats ---------------------------------------------------------------------------


def test_stats_command_prints_a_table_and_the_sessions(recorder, capsys):
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    assert stats_main(["--db", str(rec.path)]) == 0
    # Answers and ratings follow (tests/unit/test_stats_answers.py).
    assert capsys.readouterr().out.splitlines()[:6] == [
        "slide id  attract views  browsing views  median dwell s  languages",
        "symptoms              0               2            30.0  en,es",
        "valves                1               1            20.0  en",
        "welcome               2               0               -  en",
        "",
        "visitor sessions: 1, median length 50 s, median 2 slides per session",
    ]


def with_screen(text: str, screen: str) -> str:
    """VISIT_CSV as `kiosk stats` writes it: the screen's name first on every row."""
    header, *rows = text.splitlines()
    return "".join(f"{line}\n" for line in [f"screen,{header}", *(f"{screen},{r}" for r in rows)])


def test_stats_command_writes_csv(recorder, tmp_path, capsys, monkeypatch):
    rec, clock = recorder
    visit(rec, clock)
    rec.close()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("CVI_KIOSK_SCREEN", "lobby-left")
    assert stats_main(["--db", str(rec.path), "--csv", "-"]) == 0
    assert capsys.readouterr().out == with_screen(VISIT_CSV, "lobby-left")
    out = tmp_path / "views.csv"
    assert stats_main(["--db", str(rec.path), "--csv", str(out), "--since", "2026-11-24"]) == 0
    assert out.read_text(encoding="utf-8") == with_screen(VISIT_CSV, "lobby-left")
    assert capsys.readouterr().out == f"wrote 6 views to {out}\n"
    assert stats_main(["--db", str(rec.path), "--since", "2026-11-25"]) == 0
    assert "(no views recorded in this period)" in capsys.readouterr().out


def test_csv_exports_of_a_fleet_merge_into_one_table(tmp_path, capsys, monkeypatch):
    """Each screen's export names the screen (from its kiosk.toml, or --screen for a copied
    file), so a clinic can stack them and still tell which screen showed what."""
    config = tmp_path / "config" / "cvi-kiosk"
    config.mkdir(parents=True)
    (config / "kiosk.toml").write_text('screen_name = "waiting-room-2"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("CVI_KIOSK_SCREEN", raising=False)
    merged: list[list[str]] = []
    for name in ("a", "b"):
        rec, clock = make_recorder(tmp_path / name / "stats.sqlite3")
        visit(rec, clock)
        rec.close()
        args = ["--db", str(rec.path), "--csv", "-"] + (["--screen", "desk"] if name == "b" else [])
        assert stats_main(args) == 0
        rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
        assert rows[0] == [
            "screen",
            "minute",
            "slide_id",
            "mode",
            "language",
            "dwell_seconds",
            "utc_offset",
        ]
        merged.extend(rows[1:])
    assert [row[0] for row in merged] == ["waiting-room-2"] * 6 + ["desk"] * 6
    assert [row[1:] for row in merged[:6]] == [row[1:] for row in merged[6:]]
    with pytest.raises(SystemExit):
        stats_main(["--db", str(tmp_path / "a" / "stats.sqlite3"), "--csv", "-", "--screen", "a b"])


def test_stats_command_without_data_says_so_in_one_line(tmp_path, capsys):
    missing = tmp_path / "none.sqlite3"
    assert stats_main(["--db", str(missing)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("kiosk stats: no statistics yet:")
    assert captured.err.count("\n") == 1
    assert not missing.exists()


def test_stats_command_with_a_file_that_is_not_statistics(tmp_path, capsys):
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_text("not a database, just text " * 100)
    assert stats_main(["--db", str(bogus)]) == 1
    assert capsys.readouterr().err.startswith(f"kiosk stats: cannot read {bogus}")


def test_stats_command_rejects_a_bad_date(recorder, capsys):
    rec, _ = recorder
    rec.close()
    assert stats_main(["--db", str(rec.path), "--since", "24/11/2026"]) == 2
    assert capsys.readouterr().err == (
        "kiosk stats: --since '24/11/2026' is not a day the kiosk knows; use today, yesterday, "
        "a number of days such as 7d, or a date such as 2026-11-24.\n"
    )


# -- in the app ----------------------------------------------------------------------------


def test_the_app_records_what_is_on_screen(tmp_path):
    import pygame

    from kiosk.deck.content import load_deck
    from kiosk.screen import intents
    from kiosk.screen.app import KioskApp

    pygame.display.init()
    display = pygame.display.set_mode((640, 400))
    import dataclasses

    bundled = load_deck(Path(__file__).resolve().parents[2] / "slides")
    # 12 s a slide (not each slide's reading time), so 18 s of attract shows two slides.
    deck = dataclasses.replace(
        bundled, slides=tuple(dataclasses.replace(s, duration=12.0) for s in bundled.slides)
    )
    rec, clock = make_recorder(tmp_path / "s.sqlite3")
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
    # The attract loop until its second slide is up (the first stays as long as its words need).
    for _ in range(10_000):
        app.run(max_steps=10)
        if app.navigator.index == 1 and not app.navigator.animating:
            break
    assert app.navigator.index == 1
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
    sessions = sessions_summary(rec.path)
    assert (sessions.count, sessions.median_slides) == (1, 2)  # closed when the kiosk stopped
    assert sessions.per_day == {"2026-11-24": 1}


# -- the repeated hour, and damaged files ---------------------------------------------------


def test_the_hour_repeated_when_clocks_go_back_stays_two_hours(tmp_path):
    """New York, 1 November 2026: 01:00-01:59 happens twice (EDT, then EST). A view in each
    is filed under the same local minute, told apart by its offset, and exported in order."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    clock = FakeClock(0.0)

    def wall() -> datetime:
        return (first + timedelta(seconds=clock.now)).astimezone(zone)

    path = tmp_path / "stats.sqlite3"
    rec = StatsRecorder(path, clock=clock, wall=wall)
    rec.observe("welcome", "browsing", "en")
    clock.advance(3600)  # an hour later the wall clock shows 01:30 again, now EST
    rec.observe("valves", "browsing", "en")
    clock.advance(60)
    rec.close()
    rows = table(
        path,
        "SELECT slide_id, minute, utc_offset, datetime(minute || utc_offset) FROM views "
        "ORDER BY rowid",
    )
    assert rows == [
        ("welcome", "2026-11-01 01:30", "-04:00", "2026-11-01 05:30:00"),
        ("valves", "2026-11-01 01:30", "-05:00", "2026-11-01 06:30:00"),
    ]
    hours = table(path, "SELECT DISTINCT strftime('%H', minute || utc_offset) FROM views")
    assert len(hours) == 2  # without the offset both rows would fall in one hour
    out = io.StringIO()
    export_csv(path, out)
    assert [line.split(",")[1] for line in out.getvalue().splitlines()[1:]] == [
        "welcome",
        "valves",
    ]


def test_a_version_2_file_gets_the_offset_column_and_keeps_its_rows(tmp_path):
    path = tmp_path / "s.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(V1_SCHEMA)
        db.execute("ALTER TABLE views ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0")
        db.execute("UPDATE meta SET value = '2'")
        db.commit()
    out = io.StringIO()
    export_csv(path, out)  # a report reads it before any migration
    assert out.getvalue().splitlines()[1] == "2026-11-20 10:00,old,browsing,en,0.4,"
    rec, clock = make_recorder(path)
    rec.observe("new", "browsing", "en")
    clock.advance(2)
    rec.close()
    assert table(path, "SELECT slide_id, utc_offset FROM views ORDER BY rowid") == [
        ("old", None),  # never recorded: left unknown rather than guessed
        ("old", None),
        ("new", "+00:00"),
    ]
    assert table(path, "SELECT value FROM meta") == [("3",)]


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"this is not a database\n" * 100),
        lambda path: path.write_bytes(b"SQLite format 3\0" + b"\xff" * 4080),
        lambda path: path.mkdir(),
        lambda path: os.mkfifo(path),
        lambda path: path.symlink_to(path.name),
    ],
    ids=["text", "bad-header", "folder", "fifo", "loop"],
)
def test_a_damaged_statistics_file_is_moved_aside_and_begun_again(tmp_path, damage, caplog):
    path = tmp_path / "stats.sqlite3"
    damage(path)
    rec, clock = make_recorder(path)
    rec.observe("welcome", "browsing", "en")
    clock.advance(5)
    rec.close()
    assert "stats.sqlite3 was damaged" in caplog.text
    assert len(list(tmp_path.glob("stats.sqlite3.damaged-*"))) == 1
    assert table(path, "SELECT slide_id, dwell_seconds FROM views") == [("welcome", 5.0)]
    assert summary(path)[0].browsing_views == 1


def test_reports_refuse_a_pipe_or_link_in_place_of_the_file(tmp_path):
    fifo = tmp_path / "stats.sqlite3"
    os.mkfifo(fifo)
    with pytest.raises(sqlite3.DatabaseError, match="named pipe"):
        summary(fifo)


def test_bcp_47_language_tags_are_recorded_as_written(recorder):
    rec, clock = recorder
    rec.observe("welcome", "attract", "zh-Hant")
    clock.advance(2)
    rec.observe("welcome", "browsing", "es-419")
    clock.advance(3)
    rec.observe("valves", "browsing", "pt-BR")
    clock.advance(4)
    rec.close()
    assert table(rec.path, "SELECT language FROM views ORDER BY rowid") == [
        ("zh-Hant",),
        ("es-419",),
        ("pt-BR",),
    ]
    assert table(rec.path, "SELECT languages FROM sessions") == [("es-419,pt-BR",)]


def test_the_running_kiosk_counts_the_last_slide_only_until_it_was_likely_read(tmp_path):
    """End to end: a visitor taps to slide 2 and walks away; 60 s later the kiosk goes back
    to its loop. Slide 2 is recorded with its reading time (10 s here), not 60 s."""
    import pygame

    from kiosk.screen import intents
    from kiosk.screen.app import KioskApp
    from tests.helpers import make_deck

    pygame.display.init()
    clock = FakeClock(0.0)
    rec = StatsRecorder(tmp_path / "stats.sqlite3", clock=clock, wall=Wall(clock))
    deck = make_deck(4, durations=[10.0] * 4, idle_timeout=60.0)
    app = KioskApp(
        deck,
        pygame.Surface((1280, 800)),
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=list,
        flip=lambda: None,
        stats=rec,
    )
    app.step()
    app.navigator.handle(intents.WAKE)
    app.navigator.handle(intents.goto(2))
    for _ in range(700):  # 70 s in steps of 0.1 s: nobody touches it again
        app.step()
        clock.advance(0.1)
    rec.close()
    pygame.display.quit()
    views = table(rec.path, "SELECT slide_id, mode, dwell_seconds FROM views ORDER BY rowid")
    browsing = [(slide, dwell) for slide, mode, dwell in views if mode == "browsing"]
    assert browsing[-1] == ("slide-2", 10.0), views
    assert table(rec.path, "SELECT seconds FROM sessions") == [(10.0,)]
