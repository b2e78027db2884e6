"""The staff console and the questions: answers and "Was this helpful?" on the statistics page
(charts with the same numbers as their tables, the CSV of hourly counts)."""

from __future__ import annotations

import contextlib
import html
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


# -- editing questions ---------------------------------------------------------------------

QUESTION_FILE = "25-check-what-is-cvi.yaml"
QUESTION = f"/edit/slide/{QUESTION_FILE}/check-valves"


def draft(settings, name: str = QUESTION_FILE) -> Path:
    return settings.home / "draft" / "slides" / name


def unescape(text: str) -> str:
    return html.unescape(text)


def question_form(client, token: str, **changes: str) -> dict[str, str]:
    """The question form as the page fills it in, with some fields changed."""
    page = client.get(QUESTION).text
    # The version of the slide the page was made from: a save based on another is refused.
    based_on = re.search(r'name="based_on" value="([^"]+)"', page)
    assert based_on is not None
    form = {"csrf": token, "based_on": based_on[1]}
    for name in re.findall(r'<input id="[^"]+" name="((?:title|answer)\.[^"]+)"', page):
        found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
        assert found is not None, name
        form[name] = unescape(found[1])
    for lang in ("en", "es"):
        found = re.search(rf'name="explanation\.{lang}"[^>]*>([^<]*)</textarea>', page)
        assert found is not None, lang
        form[f"explanation.{lang}"] = unescape(found[1])
    right = re.search(r'name="right" value="(\d)" checked', page)
    teaches = re.search(r'<option value="([^"]+)" selected>', page)
    assert right is not None and teaches is not None
    form["right"], form["teaches"] = right[1], teaches[1]
    form.update(changes)
    return form


def csrf_of(client) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(QUESTION).text)
    assert found is not None
    return found[1]


def test_the_question_form_shows_every_part_in_both_languages(client):
    form = question_form(client, csrf_of(client))
    assert form["title.en"] == "What do valves in your veins do?"
    assert form["title.es"] == "¿Qué hacen las válvulas de sus venas?"
    assert form["answer.0.en"] == "Keep blood going toward the heart"
    assert form["answer.2.es"] == "Limpian la sangre"
    assert form["answer.3.en"] == "" == form["answer.3.es"]  # room for a fourth
    assert form["right"] == "0" and form["teaches"] == "one-way-valves"
    assert form["explanation.es"].startswith("Son puertas de un solo sentido")
    page = client.get(QUESTION).text
    # The linked slide is chosen from the deck's slides that are not questions.
    assert '<option value="why-the-legs">' in page and '<option value="check-risk">' not in page
    assert 'name="body.en"' not in page  # a question has no body or bullets


def test_editing_a_question_in_both_languages_keeps_the_rest_of_the_file(client, settings):
    from kiosk.deck.content import load_deck

    token = csrf_of(client)
    before = draft(settings).read_text()
    changes = {
        "answer.3.en": "Warm the legs",
        "answer.3.es": "Calientan las piernas",
        "answer.1.en": "",  # removed in every language: the answers close up
        "answer.1.es": "",
        "right": "3",
        "explanation.en": "Valves let blood go toward the heart and stop it falling back.",
        "teaches": "why-the-legs",
    }
    answer = client.post(QUESTION, data=question_form(client, token, **changes))
    assert answer.status_code == 303 and "Saved" in answer.headers["location"]
    after = draft(settings).read_text()
    assert after.splitlines()[:6] == before.splitlines()[:6]  # comments and section kept
    assert "narration: {en: audio/check-valves.en.ogg" in after
    deck = load_deck(settings.home / "draft" / "slides", audio_may_be_missing=True)
    [slide] = [s for s in deck.slides if s.id == "check-valves"]
    assert [a.text.get("en") for a in slide.answers] == [
        "Keep blood going toward the heart",
        "Clean the blood",
        "Warm the legs",
    ]
    assert [a.text.get("es") for a in slide.answers][2] == "Calientan las piernas"
    assert slide.right_answer == 2 and slide.teaches == "why-the-legs"
    assert "Save to the draft" in client.get(QUESTION).text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"answer.3.en": "Warm the legs"}, "answer 4 needs its text in every language"),
        (
            {"answer.1.en": "", "answer.1.es": "", "answer.2.en": "", "answer.2.es": ""},
            "a question needs 2 to 4 answers",
        ),
        ({"right": "3"}, "mark the right answer"),
        ({"teaches": ""}, "choose the slide that teaches the answer"),
    ],
)
def test_a_question_that_cannot_be_written_is_refused_with_one_sentence(
    client, settings, changes, message
):
    token = csrf_of(client)
    before = draft(settings).read_bytes()
    answer = client.post(QUESTION, data=question_form(client, token, **changes))
    # Refused: the form comes back with what was typed and the reason (nothing saved).
    assert answer.status_code == 400
    assert draft(settings).read_bytes() == before
    assert message in unescape(answer.text)


def test_the_live_preview_draws_the_question_and_runs_the_deck_checks(client, settings):
    token = csrf_of(client)
    before = draft(settings).read_bytes()
    first = client.post(f"{QUESTION}/preview", data=question_form(client, token)).json()
    assert first["problems"] == [] and set(first["images"]) == {"en", "es"}
    changed = client.post(
        f"{QUESTION}/preview",
        data=question_form(client, token, **{"answer.2.es": "Limpian y enfrían la sangre"}),
    ).json()
    assert client.get(first["images"]["es"]).content != client.get(changed["images"]["es"]).content
    assert client.get(first["images"]["en"]).content == client.get(changed["images"]["en"]).content
    # The same checks as `kiosk validate`: a slide that does not exist, two sentences.
    broken = client.post(
        f"{QUESTION}/preview",
        data=question_form(
            client, token, teaches="no-such-slide", **{"explanation.es": "Una. Dos."}
        ),
    ).json()
    assert any("no slide has the id 'no-such-slide'" in p for p in broken["problems"])
    assert any("explanation.es: expected one sentence" in p for p in broken["problems"])
    assert draft(settings).read_bytes() == before


def test_a_new_question_from_the_template_points_at_its_topic_and_passes_the_checks(
    client, settings
):
    from kiosk.deck.content import load_deck

    token = csrf_of(client)
    answer = client.post(
        "/edit/add",
        data={"csrf": token, "file": QUESTION_FILE, "id": "check-doors", "kind": "check"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith(f"/edit/slide/{QUESTION_FILE}/check-doors")
    deck = load_deck(settings.home / "draft" / "slides", audio_may_be_missing=True)
    [slide] = [s for s in deck.slides if s.id == "check-doors"]
    # The last slide of the topic before it (20-what-is-cvi.yaml) teaches it.
    assert slide.teaches == "why-the-legs" and len(slide.answers) == 2
    assert slide.title.get("es") == "A short question? (es)"
    page = client.get(f"/edit/slide/{QUESTION_FILE}/check-doors").text
    assert 'name="answer.0.es" value="The right answer (es)"' in page
