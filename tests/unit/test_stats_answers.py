"""Anonymous results of the questions and of "Was this helpful?": counted per hour in the
statistics database, never as a row per visitor; the reports, the CSV, the status file's
counters and the metrics all give the same numbers."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.ops.metrics import OTHER, StatusCollector
from kiosk.ops.stats.command import stats_main
from kiosk.ops.stats.recorder import StatsRecorder
from kiosk.ops.stats.report import (
    QuestionSummary,
    TopicRatings,
    answers_summary,
    export_results_csv,
    helpfulness_summary,
)
from kiosk.ops.stats.store import RATINGS
from kiosk.ops.status import SCHEMA
from tests.helpers import FakeClock
from tests.unit.test_metrics import private, samples
from tests.unit.test_stats import make_recorder


def rows(path: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(sql).fetchall()


# What three visitors did, one list each: (kind, name, language, right or rating).
VISITORS = [
    [("q", "check-cvi", "en", True), ("q", "check-signs", "en", False), ("r", "Symptoms", "en")],
    [("q", "check-cvi", "es", True), ("r", "What is CVI?", "es", "somewhat")],
    [("q", "check-signs", "en", True), ("q", "check-cvi", "en", False)],
]


def replay(rec: StatsRecorder, clock: FakeClock, events, gap: float = 40.0) -> None:
    for event in events:
        if event[0] == "q":
            rec.answered(event[1], event[2], right=event[3])
        else:
            rec.rated(event[1], event[2], event[3] if len(event) > 3 else "helpful")
        clock.advance(gap)


@pytest.fixture
def recorder(tmp_path):
    rec, clock = make_recorder(tmp_path / "stats.sqlite3")
    yield rec, clock
    rec.close()


def test_answers_and_ratings_are_counted_per_question_language_and_topic(recorder):
    rec, clock = recorder
    for visitor in VISITORS:
        replay(rec, clock, visitor)
    rec.close()
    assert answers_summary(rec.path) == [
        QuestionSummary("check-cvi", "en", answered=2, right_first=1),
        QuestionSummary("check-cvi", "es", answered=1, right_first=1),
        QuestionSummary("check-signs", "en", answered=2, right_first=1),
    ]
    assert helpfulness_summary(rec.path) == [
        TopicRatings("Symptoms", helpful=1, somewhat=0, not_helpful=0),
        TopicRatings("What is CVI?", helpful=0, somewhat=1, not_helpful=0),
    ]


def test_the_running_totals_for_the_status_file_are_the_database_counts(recorder):
    rec, clock = recorder
    for visitor in VISITORS:
        replay(rec, clock, visitor)
    rec.close()
    stored = rows(
        rec.path,
        "SELECT question, language, SUM(answered), SUM(right_first) FROM answers "
        "GROUP BY question, language",
    )
    assert [tuple(t.values()) for t in rec.answer_totals()] == stored
    stored = rows(
        rec.path,
        "SELECT topic, language, rating, SUM(count) FROM helpfulness "
        "GROUP BY topic, language, rating",
    )
    assert [tuple(t.values()) for t in rec.rating_totals()] == stored


def test_a_rating_that_is_not_a_face_is_not_recorded(recorder):
    rec, _ = recorder
    rec.rated("Symptoms", "en", "loved it")
    rec.close()
    assert helpfulness_summary(rec.path) == [] and rec.rating_totals() == []


def test_times_are_kept_to_the_hour_only(recorder):
    rec, clock = recorder
    clock.advance(59 * 60 + 59)  # 09:59:59
    rec.answered("check-cvi", "en", right=True)
    clock.advance(2)  # 10:00:01
    rec.answered("check-cvi", "en", right=False)
    rec.rated("Symptoms", "en", "not_helpful")
    rec.close()
    assert rows(rec.path, "SELECT * FROM answers ORDER BY hour") == [
        ("2026-11-24 09", "check-cvi", "en", 1, 1),
        ("2026-11-24 10", "check-cvi", "en", 1, 0),
    ]
    assert rows(rec.path, "SELECT * FROM helpfulness") == [
        ("2026-11-24 10", "Symptoms", "en", "not_helpful", 1)
    ]


# -- no per-visitor sequence ---------------------------------------------------------------


def dump(path: Path) -> list[str]:
    """Everything the file says about answers and ratings, in the order SQLite stores it."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return [
            line
            for line in db.iterdump()
            if "answers" in line or "helpfulness" in line  # views and sessions are not ours
        ]


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(range(len(VISITORS))), shuffled=st.randoms(use_true_random=False))
def test_the_file_is_the_same_whoever_answered_what_and_in_which_order(
    tmp_path_factory, order, shuffled
):
    """No per-visitor sequence: the stored file says only how many answered what in which
    hour. Visitors in another order, or the same answers split differently between visitors
    (one answered both, or two answered one each), leave exactly the same file, so nothing in
    it can tell which answers came from the same person or what they answered first."""
    base = tmp_path_factory.mktemp("base")
    rec, clock = make_recorder(base / "s.sqlite3")
    for visitor in VISITORS:
        replay(rec, clock, visitor, gap=1)
    rec.close()
    other = tmp_path_factory.mktemp("other")
    rec2, clock2 = make_recorder(other / "s.sqlite3")
    events = [event for n in order for event in VISITORS[n]]
    shuffled.shuffle(events)  # answers regrouped into different "visitors", any order
    replay(rec2, clock2, events, gap=1)
    rec2.close()
    assert dump(rec2.path) == dump(rec.path)


def test_the_tables_hold_counts_and_hours_only(recorder):
    rec, clock = recorder
    replay(rec, clock, VISITORS[0])
    rec.close()
    with contextlib.closing(sqlite3.connect(rec.path)) as db:
        for table, columns in (
            ("answers", ["hour", "question", "language", "answered", "right_first"]),
            ("helpfulness", ["hour", "topic", "language", "rating", "count"]),
        ):
            assert [c[1] for c in db.execute(f"PRAGMA table_info({table})")] == columns
            # No rowid: rows are stored by key, so insertion order (who came first) is lost.
            with pytest.raises(sqlite3.OperationalError, match="rowid"):
                db.execute(f"SELECT rowid FROM {table}")
        hours = [
            h for (h,) in db.execute("SELECT hour FROM answers UNION SELECT hour FROM helpfulness")
        ]
    assert hours == ["2026-11-24 09"]


# -- reports -------------------------------------------------------------------------------


def test_a_file_from_before_questions_reports_no_answers(tmp_path):
    path = tmp_path / "old.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(
            "CREATE TABLE views (minute TEXT, slide_id TEXT, mode TEXT, language TEXT, "
            "dwell_seconds REAL)"
        )
        db.commit()
    assert answers_summary(path) == [] and helpfulness_summary(path) == []
    out = io.StringIO()
    assert export_results_csv(path, out) == 0
    assert out.getvalue() == "hour,kind,name,language,outcome,count\n"


def test_results_csv_one_count_per_row(recorder):
    rec, clock = recorder
    replay(rec, clock, VISITORS[0])
    clock.advance(3600)
    replay(rec, clock, VISITORS[1])
    rec.close()
    out = io.StringIO()
    assert export_results_csv(rec.path, out, screen="lobby") == 8
    assert out.getvalue().splitlines() == [
        "screen,hour,kind,name,language,outcome,count",
        "lobby,2026-11-24 09,question,check-cvi,en,answered,1",
        "lobby,2026-11-24 09,question,check-cvi,en,right_first,1",
        "lobby,2026-11-24 09,question,check-signs,en,answered,1",
        "lobby,2026-11-24 09,question,check-signs,en,right_first,0",
        "lobby,2026-11-24 09,topic,Symptoms,en,helpful,1",
        "lobby,2026-11-24 10,question,check-cvi,es,answered,1",
        "lobby,2026-11-24 10,question,check-cvi,es,right_first,1",
        "lobby,2026-11-24 10,topic,What is CVI?,es,somewhat,1",
    ]
    out = io.StringIO()
    assert export_results_csv(rec.path, out, since=datetime(2026, 11, 24, 10, 30)) == 3


def test_stats_command_prints_answers_and_ratings(recorder, capsys, tmp_path, monkeypatch):
    rec, clock = recorder
    for visitor in VISITORS:
        replay(rec, clock, visitor)
    rec.close()
    assert stats_main(["--db", str(rec.path)]) == 0
    out = capsys.readouterr().out.splitlines()
    start = out.index("questions (answered, right at the first tap):")
    assert out[start + 1 :] == [
        "  check-cvi (en)        2 answered      1 right  (50 %)",
        "  check-cvi (es)        1 answered      1 right  (100 %)",
        "  check-signs (en)      2 answered      1 right  (50 %)",
        "",
        "was this helpful? (helpful / somewhat / not helpful):",
        "  Symptoms          1 /     0 /     0",
        "  What is CVI?      0 /     1 /     0",
    ]
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    target = tmp_path / "answers.csv"
    assert stats_main(["--db", str(rec.path), "--answers-csv", str(target), "--screen", "s1"]) == 0
    assert capsys.readouterr().out == f"wrote 8 counts to {target}\n"
    assert target.read_text(encoding="utf-8").splitlines()[0] == (
        "screen,hour,kind,name,language,outcome,count"
    )
    with pytest.raises(SystemExit):
        stats_main(["--db", str(rec.path), "--csv", "-", "--answers-csv", "-"])
    assert "choose one" in capsys.readouterr().err


def test_stats_command_without_answers_says_so(recorder, capsys):
    rec, clock = recorder
    rec.observe("welcome", "attract", "en")
    clock.advance(5)
    rec.close()
    assert stats_main(["--db", str(rec.path)]) == 0
    out = capsys.readouterr().out
    assert "(no answers recorded in this period)" in out
    assert "(no ratings recorded in this period)" in out


# -- metrics -------------------------------------------------------------------------------


def test_metrics_count_answers_and_ratings_with_bounded_labels(tmp_path):
    path = tmp_path / "status.json"
    answers = [
        {"question": "check-cvi", "language": "en", "answered": 5, "right_first": 3},
        {"question": "check-cvi", "language": "es", "answered": 2, "right_first": 2},
        {"question": "bad id!", "language": "en", "answered": 1, "right_first": 0},
        {"question": "check-cvi", "language": "en", "answered": "x", "right_first": 0},
    ]
    ratings = [
        {"topic": "What is CVI?", "language": "en", "rating": "helpful", "count": 4},
        {"topic": "¿Qué es la IVC?", "language": "es", "rating": "somewhat", "count": 1},
        {"topic": 'x"}\nevil', "language": "en", "rating": "not_helpful", "count": 2},
        {"topic": "What is CVI?", "language": "en", "rating": "meh", "count": 9},
    ]
    path.write_text(
        json.dumps(
            {
                "schema": SCHEMA,
                "updated_at": 1000.0,
                "started_at": 900.0,
                "counters": {"answers": answers, "ratings": ratings},
            }
        )
    )
    found = samples(private(StatusCollector(path, "s", wall=lambda: 1000.0)))

    def series(name: str) -> dict[tuple, float]:
        return {
            tuple(v for k, v in labels if k != "screen"): value
            for (n, labels), value in found.items()
            if n == name
        }

    # Labels sorted by name: language, question / language, rating, topic.
    assert series("kiosk_question_answers_total") == {
        ("en", "check-cvi"): 5,
        ("es", "check-cvi"): 2,
        ("en", OTHER): 1,
    }
    assert series("kiosk_question_right_first_total") == {
        ("en", "check-cvi"): 3,
        ("es", "check-cvi"): 2,
        ("en", OTHER): 0,
    }
    assert series("kiosk_topic_ratings_total") == {
        ("en", "helpful", "What is CVI?"): 4,
        ("es", "somewhat", "¿Qué es la IVC?"): 1,
        ("en", "not_helpful", OTHER): 2,
    }
    assert set(RATINGS) == {"helpful", "somewhat", "not_helpful"}


# -- in the app ----------------------------------------------------------------------------


def test_the_app_counts_a_visitors_answer_and_rating(tmp_path):
    import pygame

    from kiosk.deck.content import load_deck
    from kiosk.deck.model import SlideKind, base_id
    from kiosk.ops.status import StatusWriter
    from kiosk.screen import intents
    from kiosk.screen.app import KioskApp
    from kiosk.screen.view import Overlay

    pygame.display.init()
    display = pygame.display.set_mode((640, 400))
    deck = load_deck(Path(__file__).resolve().parents[2] / "slides")
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
        status=StatusWriter(tmp_path / "status.json"),
    )
    try:
        page = next(n for n, s in enumerate(deck.slides) if s.kind is SlideKind.CHECK)
        question = deck.slides[page]
        nav = app.navigator
        nav.handle(intents.WAKE)
        nav.handle(intents.goto(page))
        app.run(max_steps=30)
        nav.handle(intents.answer(question.right_answer))
        nav.handle(intents.answer(question.right_answer))  # a double tap counts once
        app.run(max_steps=5)
        # On to the end of the topic: "Was this helpful?" asks about it.
        while nav.overlay is not Overlay.HELPFUL:
            nav.handle(intents.NEXT)
            app.run(max_steps=20)
        nav.handle(intents.rate(1))
        app.run(max_steps=80)  # a status write is due
        status = json.loads((tmp_path / "status.json").read_text())
    finally:
        rec.close()
        pygame.display.quit()
    assert answers_summary(rec.path) == [QuestionSummary(base_id(question.id), "en", 1, 1)]
    [topic] = helpfulness_summary(rec.path)
    assert (topic.helpful, topic.somewhat, topic.not_helpful) == (0, 1, 0)
    assert status["counters"]["answers"] == [
        {"question": base_id(question.id), "language": "en", "answered": 1, "right_first": 1}
    ]
    assert status["counters"]["ratings"] == [
        {"topic": topic.topic, "language": "en", "rating": "somewhat", "count": 1}
    ]
