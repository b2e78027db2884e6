"""`check` slides in the deck format: what `kiosk validate` accepts and what it says otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import SlideKind
from tests.content.test_content_loader import errors_of, make

DECK = """\
title: {en: Test deck, es: Mazo de prueba}
languages: [en, es]
"""

TEACHING = """\
section: {en: Veins, es: Venas}
slides:
  - id: what-veins-do
    kind: bullets
    title: {en: Veins, es: Venas}
    bullets:
      - {en: Veins carry blood to the heart., es: Las venas llevan la sangre al corazón.}
"""


def question(
    *,
    answers: str = """
      - text: {en: Carry blood to the heart, es: Llevan la sangre al corazón}
        right: true
      - text: {en: Make blood, es: Hacen sangre}
""",
    explanation: str = "{en: Veins carry blood to the heart., es: Las venas la llevan.}",
    teaches: str = "what-veins-do",
    extra: str = "",
    slide_id: str = "check-veins",
) -> str:
    return f"""\
section: {{en: Veins, es: Venas}}
slides:
  - id: {slide_id}
    kind: check
    title: {{en: "What do veins do?", es: "¿Qué hacen las venas?"}}
    answers:{answers}
    explanation: {explanation}
    teaches: {teaches}
{extra}"""


def deck_with(tmp_path: Path, check: str) -> Path:
    return make(tmp_path, DECK, s10_veins=TEACHING, s20_check=check)


def test_a_question_loads_with_its_answers_in_order(tmp_path):
    deck = load_deck(deck_with(tmp_path, question()))
    check = deck.slides[1]
    assert check.kind is SlideKind.CHECK
    assert [a.text.get("es") for a in check.answers] == [
        "Llevan la sangre al corazón",
        "Hacen sangre",
    ]
    assert check.right_answer == 0
    assert check.teaches == "what-veins-do"
    assert check.explanation is not None and check.explanation.get("en").startswith("Veins")
    # The first question of the deck says that answers are anonymous; other slides do not.
    assert check.privacy_note and not deck.slides[0].privacy_note
    # Answers and explanation are visitor texts: plain-language checks read them.
    paths = [path for path, _text in check.texts()]
    assert paths == ["title", "answers[0].text", "answers[1].text", "explanation"]


def test_only_the_first_question_carries_the_privacy_line(tmp_path):
    two = question() + question(slide_id="check-again").split("slides:\n", 1)[1]
    deck = load_deck(deck_with(tmp_path, two))
    assert [s.privacy_note for s in deck.slides] == [False, True, False]


TWO_RIGHT = """
      - text: {en: Carry blood, es: Llevan sangre}
        right: true
      - text: {en: Make blood, es: Hacen sangre}
        right: true
"""
NONE_RIGHT = """
      - text: {en: Carry blood, es: Llevan sangre}
      - text: {en: Make blood, es: Hacen sangre}
"""
ONE_ANSWER = """
      - text: {en: Carry blood, es: Llevan sangre}
        right: true
"""
FIVE = "".join(f"\n      - text: {{en: A{n}, es: R{n}}}" for n in range(4)) + (
    "\n      - text: {en: A, es: R}\n        right: true\n"
)
NO_SPANISH = """
      - text: {en: Carry blood, es: Llevan sangre}
        right: true
      - text: {en: Make blood}
"""


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        (
            question(answers=TWO_RIGHT),
            "s20-check.yaml:7: slides[0].answers: exactly one answer must be right "
            "(right: true), got 2",
        ),
        (
            question(answers=NONE_RIGHT),
            "s20-check.yaml:7: slides[0].answers: exactly one answer must be right "
            "(right: true), got 0",
        ),
        (
            question(answers=ONE_ANSWER),
            "s20-check.yaml:7: slides[0].answers: expected 2 to 4 answers, got 1",
        ),
        (
            question(answers=FIVE),
            "s20-check.yaml:7: slides[0].answers: expected 2 to 4 answers, got 5",
        ),
        (
            question(answers=NO_SPANISH),
            "s20-check.yaml:9: slides[0].answers[1].text: missing translation for es",
        ),
        (
            question(explanation="{en: Veins carry blood. They have valves., es: Llevan sangre.}"),
            "s20-check.yaml:11: slides[0].explanation.en: expected one sentence, got several",
        ),
        (
            question(teaches="what-veins-d"),
            "s20-check.yaml:12: slides[0].teaches: no slide has the id 'what-veins-d' "
            "(did you mean 'what-veins-do'?)",
        ),
        (
            question(teaches="check-veins"),
            "s20-check.yaml:12: slides[0].teaches: 'check-veins' is a question: name the "
            "slide that teaches the answer",
        ),
        (
            question(extra="    body: {en: More, es: Más}\n"),
            "s20-check.yaml:13: slides[0].body: 'body' is not used by a check slide",
        ),
        (
            question(extra="    take_home: true\n"),
            "s20-check.yaml:13: slides[0].take_home: a check slide has no room for the "
            "take-home code",
        ),
        (
            question(
                answers="\n      - {text: {en: A, es: R}, rigth: true}\n      - {text: {en: B, es: S}}\n"
            ),
            "s20-check.yaml:7: slides[0].answers[0].rigth: unknown field 'rigth' (did you "
            "mean 'right'?)",
        ),
    ],
)
def test_question_problems_name_file_line_and_field(tmp_path, check, expected):
    problems = errors_of(deck_with(tmp_path, check))
    assert any(p.endswith(expected) for p in problems), problems


def test_a_question_needs_answers_explanation_and_teaches(tmp_path):
    bare = """\
section: {en: Veins, es: Venas}
slides:
  - id: check-veins
    kind: check
    title: {en: "What do veins do?", es: "¿Qué hacen las venas?"}
"""
    problems = errors_of(deck_with(tmp_path, bare))
    for name in ("answers", "explanation", "teaches"):
        assert any(p.endswith(f"slides[0].{name}: a check slide needs '{name}'") for p in problems)


def test_answers_belong_to_questions_only(tmp_path):
    section = TEACHING + "    answers:\n      - text: {en: A, es: R}\n        right: true\n"
    problems = errors_of(make(tmp_path, DECK, s10_veins=section))
    assert any(
        p.endswith("slides[0].answers: 'answers' is not used by a bullets slide") for p in problems
    )
