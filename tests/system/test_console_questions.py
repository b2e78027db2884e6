"""The staff console and the questions: answers and "Was this helpful?" on the statistics page
(charts with the same numbers as their tables, the CSV of hourly counts)."""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
from pathlib import Path

import pytest

from kiosk.ops.stats.store import INSERT
from tests.console_helpers import client_for, login, make_settings, write_stats, write_status

RANGE = "from=2026-11-21&to=2026-11-25"

ANSWERS = [
    ("2026-11-23 09", "check-valves", "en", 4, 3),
    ("2026-11-23 10", "check-valves", "en", 2, 1),
    ("2026-11-24 14", "check-valves", "es", 3, 3),
    ("2026-11-24 14", "check-call-911", "en", 5, 2),
    ("2026-11-20 08", "check-call-911", "en", 7, 7),  # before the range
]
RATINGS = [
    ("2026-11-23 09", "What is CVI?", "en", "helpful", 3),
    ("2026-11-23 09", "What is CVI?", "en", "somewhat", 1),
    ("2026-11-24 14", "What is CVI?", "es", "helpful", 2),
    ("2026-11-24 14", "When to call", "en", "not_helpful", 1),
    ("2026-11-20 08", "When to call", "en", "helpful", 9),  # before the range
]


def write_answers(path: Path) -> None:
    """Hourly counts, written with the kiosk's own statements (kiosk.ops.stats.store)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executemany(INSERT["answers"], ANSWERS)
        db.executemany(INSERT["helpfulness"], RATINGS)
        db.commit()


@pytest.fixture(autouse=True)
def _info_logs(caplog):
    caplog.set_level(logging.INFO, logger="kiosk.console")


@pytest.fixture
def settings(tmp_path):
    made = make_settings(tmp_path)
    write_status(made.status_path)
    write_stats(made.stats_path)
    write_answers(made.stats_path)
    return made


@pytest.fixture
def client(settings):
    with client_for(settings) as made:
        assert login(made).status_code == 303
        assert made.get("/edit").status_code == 200
        yield made


def cells(html: str, heading: str) -> list[list[str]]:
    """The rows of the table after `heading`, as text cells."""
    section = html.split(f"<h2>{heading}</h2>", 1)[1].split("</table>", 1)[0]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", row)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", section)
    ]


def test_the_statistics_page_tables_the_answers_and_ratings_of_the_chosen_days(client):
    html = client.get("/stats?" + RANGE).text
    assert cells(html, "Questions") == [
        ["Question (language)", "Answered", "Right at the first tap", "Share right"],
        # In deck order (check-valves comes first in the deck, not in the alphabet).
        ["check-valves (en)", "6", "4", "67 %"],
        ["check-valves (es)", "3", "3", "100 %"],
        ["check-call-911 (en)", "5", "2", "40 %"],
    ]
    assert cells(html, "Was this helpful?") == [
        ["Topic", "Helpful", "Somewhat", "Not helpful", "All"],
        ["What is CVI?", "5", "1", "0", "6"],
        ["When to call", "0", "0", "1", "1"],
    ]
    assert "/stats/chart/answers.svg?" in html and "/stats/chart/helpful.svg?" in html


def bar_values(svg: str) -> list[str]:
    """The numbers matplotlib wrote beside or inside the bars (as text, in the SVG's order)."""
    return re.findall(r'<g id="value-[a-z_]+-\d+">\s*<!-- (\d*) -->', svg)


def test_the_charts_show_the_numbers_of_the_tables(client):
    answers = client.get("/stats/chart/answers.svg?" + RANGE)
    assert answers.status_code == 200 and answers.headers["content-type"] == "image/svg+xml"
    # Answered (6, 3, 5), then right at the first tap (4, 3, 2): the table's columns.
    assert bar_values(answers.text) == ["6", "3", "5", "4", "3", "2"]
    helpful = client.get("/stats/chart/helpful.svg?" + RANGE)
    assert helpful.status_code == 200
    # Helpful 5 | 0, somewhat 1 | 0, not helpful 0 | 1: empty parts carry no label.
    assert bar_values(helpful.text) == ["5", "1", "1"]
    for text in ("What is CVI?", "When to call", "Not helpful", "right at the first tap"):
        assert f"<!-- {text} -->" in helpful.text + answers.text


def test_the_answers_csv_has_the_hourly_counts_of_the_chosen_days(client):
    answer = client.get("/stats/answers.csv?" + RANGE)
    assert answer.headers["content-disposition"] == (
        'attachment; filename="kiosk-answers-20261121-20261125.csv"'
    )
    lines = answer.text.splitlines()
    assert lines[0] == "hour,kind,name,language,outcome,count"
    assert "2026-11-23 09,question,check-valves,en,answered,4" in lines
    assert "2026-11-24 14,topic,When to call,en,not_helpful,1" in lines
    assert len(lines) == 1 + 2 * 4 + 4 and "2026-11-20" not in answer.text


def test_a_file_from_before_questions_says_there_are_no_answers(tmp_path):
    settings = make_settings(tmp_path)
    write_status(settings.status_path)
    write_stats(settings.stats_path)
    with contextlib.closing(sqlite3.connect(settings.stats_path)) as db:
        db.execute("DROP TABLE answers")
        db.execute("DROP TABLE helpfulness")
        db.commit()
    with client_for(settings) as client:
        assert login(client).status_code == 303
        html = client.get("/stats?" + RANGE).text
        assert "No answers to questions in these days." in html
        assert 'No answers to "Was this helpful?" in these days.' in html
        assert client.get("/stats/chart/answers.svg?" + RANGE).status_code == 404
        assert client.get("/stats/answers.csv?" + RANGE).text == (
            "hour,kind,name,language,outcome,count\n"
        )
