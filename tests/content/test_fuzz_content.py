"""Fuzzing the deck loader: whatever is in the folder, the answer is a Deck or a clean
DeckError naming file and line — never another exception, a hang or a memory blow-up.

Default sizes keep this under a minute in CI. `FUZZ_EXAMPLES=5000 pytest tests/test_fuzz_content.py`
runs a longer campaign."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.model import Deck

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REAL_SECTION = (ROOT / "slides" / "50-symptoms.yaml").read_text(encoding="utf-8")
REAL_DECK = (ROOT / "slides" / "deck.yaml").read_text(encoding="utf-8")
SIMPLE_DECK = "title: Fuzz\nlanguages: [en]\n"


def load_folder(files: dict[str, bytes]) -> Deck | DeckError:
    """Write the files into a fresh deck folder (with the real assets beside it) and load."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "slides"
        folder.mkdir()
        (Path(tmp) / "assets").symlink_to(ROOT / "assets")
        for name, data in files.items():
            (folder / name).write_bytes(data)
        lines = {name: data.count(b"\n") + 1 for name, data in files.items()}
        try:
            return load_deck(folder)
        except DeckError as error:
            for problem in error.errors:
                assert problem.file.startswith("slides/") or problem.file == "slides", problem
                name = problem.file.removeprefix("slides/")
                assert 1 <= problem.line <= lines.get(name, 1) + 1, problem
                assert problem.message.strip(), problem
            return error


def section_deck(section: bytes, deck_yaml: str = SIMPLE_DECK) -> Deck | DeckError:
    return load_folder({"deck.yaml": deck_yaml.encode(), "10-x.yaml": section})


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes_as_a_section_file(data):
    section_deck(data)


@FUZZ
@given(st.text(max_size=3000))
def test_random_text_as_deck_yaml(text):
    load_folder(
        {"deck.yaml": text.encode("utf-8", "surrogatepass"), "10-x.yaml": REAL_SECTION.encode()}
    )


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "bullets",
            "title",
            "callout",
            "two-column",
            "images/vein-valves.svg",
            "../x.png",
            "#FFFFFF",
            "en",
            "do",
        ]
    ),
)
keys = st.one_of(
    st.sampled_from(
        [
            "id",
            "kind",
            "title",
            "body",
            "bullets",
            "columns",
            "image",
            "duration",
            "section",
            "slides",
            "heading",
            "tone",
            "take_home",
            "es",
            "en",
        ]
    ),
    st.text(max_size=12),
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=40,
)


@FUZZ
@given(documents)
def test_random_yaml_documents(document):
    section_deck(yaml.safe_dump(document, allow_unicode=True).encode())


@st.composite
def mutated_section(draw):
    lines = REAL_SECTION.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(
            st.sampled_from(
                [
                    "delete",
                    "duplicate",
                    "swap",
                    "tab",
                    "indent",
                    "garbage",
                    "retype",
                    "typo",
                    "truncate",
                ]
            )
        )
        line = lines[at]
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, line)
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "tab":
            lines[at] = "\t" + line
        elif kind == "indent":
            lines[at] = " " * draw(st.integers(0, 9)) + line.lstrip()
        elif kind == "garbage":
            lines[at] = line[: len(line) // 2] + draw(st.text(max_size=10)) + line[len(line) // 2 :]
        elif kind == "retype" and ":" in line:
            head = line.split(":", 1)[0]
            lines[at] = (
                head
                + ": "
                + draw(
                    st.sampled_from(["[a, b]", "{x: 1}", "12", "true", "null", "''", "&a x", "*a"])
                )
                + "\n"
            )
        elif kind == "typo" and ":" in line:
            head, tail = line.split(":", 1)
            lines[at] = head[:-1] + head[-1:] * 2 + ":" + tail
        elif kind == "truncate":
            text = "".join(lines)
            return text[: draw(st.integers(0, len(text)))]
    return "".join(lines)


@FUZZ
@given(mutated_section())
def test_mutated_real_slides(text):
    section_deck(text.encode("utf-8", "surrogatepass"), REAL_DECK)


def billion_laughs(levels: int = 12) -> bytes:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


def test_yaml_bomb_is_refused_fast():
    start = time.monotonic()
    result = section_deck(billion_laughs())
    assert isinstance(result, DeckError)
    assert any("aliases" in e.message for e in result.errors)
    assert time.monotonic() - start < 2.0


def test_deep_nesting_is_a_clean_error():
    result = section_deck(b"[" * 10_000 + b"]" * 10_000)
    assert isinstance(result, DeckError)


def test_huge_and_long_inputs():
    assert isinstance(section_deck(b"# " + b"x" * 1_100_000), DeckError)  # refused unread
    long_title = (
        "section: A\nslides:\n  - {id: a, kind: callout, title: T, body: '" + "x" * 500_000 + "'}\n"
    )
    section_deck(long_title.encode())  # parses; text fit is checked later by preflight
    many = (
        "section: A\nslides: ["
        + ", ".join(f"{{id: s{n}, kind: callout, title: T, body: B}}" for n in range(3000))
        + "]\n"
    )
    assert isinstance(section_deck(many.encode()), Deck)


def test_encodings():
    text = REAL_SECTION
    assert isinstance(section_deck(text.encode("utf-8-sig"), REAL_DECK), Deck)  # BOM is fine
    assert isinstance(
        section_deck(text.replace("\n", "\r\n").encode(), REAL_DECK), Deck
    )  # CRLF too
    assert isinstance(section_deck(text.encode("utf-16"), REAL_DECK), DeckError)
    assert isinstance(section_deck("section: Síntomas\nslides: []\n".encode("latin-1")), DeckError)
    assert isinstance(
        section_deck(text.encode()[:50] + b"\x00" + text.encode()[50:], REAL_DECK), DeckError
    )


def test_odd_files_in_the_folder(tmp_path):
    folder = tmp_path / "slides"
    shutil.copytree(ROOT / "slides", folder)
    (tmp_path / "assets").symlink_to(ROOT / "assets")
    (folder / "99-dir.yaml").mkdir()
    (folder / "98-dangling.yaml").symlink_to(tmp_path / "missing.yaml")
    try:
        load_deck(folder)
        raise AssertionError("odd files should be reported")
    except DeckError as error:
        names = {e.file for e in error.errors}
        assert {"slides/99-dir.yaml", "slides/98-dangling.yaml"} <= names
