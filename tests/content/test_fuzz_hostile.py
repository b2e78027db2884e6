"""Hypothesis against issue 24's two attack surfaces (slow: `make test` runs it, `make check`
leaves it out; tests/conftest.py):

- hostile text (control, format, combining, surrogate, space, private-use and unassigned code
  points among letters) through the whole check the loader child runs: each one is refused
  with a message naming file and line, or the screen's own renderer draws it;
- hostile state files (PIN guard, status, start attempts, first-frame picture): bytes,
  JSON with odd numbers, a pipe, a folder or a link in their place. The kiosk refuses or
  heals them, and never raises or hangs.

`FUZZ_EXAMPLES=2000` runs a longer campaign."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pygame
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.deck.content import DeckError, load_deck
from kiosk.decks.startup import StartAttempts
from kiosk.loader.preflight import preflight
from kiosk.ops.pin import StaffPin
from kiosk.ops.status import StatusDamagedError, StatusWriter, load_status
from kiosk.screen.layout import Screen
from kiosk.screen.render import FontBook, SlideRenderer, font_dirs
from kiosk.screen.snapshot import load_first_frame, save_first_frame
from tests.helpers import FakeClock, within

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SIZE = (1280, 800)
HOSTILE = ("Cc", "Cf", "Mn", "Cs", "Zs", "Co", "Cn")

# -- hostile text --------------------------------------------------------------------------

letters = st.characters(categories=("Lu", "Ll"), max_codepoint=0x24F)
hostile = st.characters(categories=HOSTILE)
texts = st.lists(st.one_of(letters, hostile, st.just(" ")), min_size=1, max_size=40).map("".join)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    base = tmp_path_factory.mktemp("hostile-text")
    shutil.copytree(ROOT / "assets" / "fonts", base / "assets" / "fonts")
    slides = base / "slides"
    slides.mkdir()
    (slides / "deck.yaml").write_text("title: Fuzz\nlanguages: [en]\n", encoding="utf-8")
    pygame.font.init()
    yield slides


def write(folder: Path, title: str, bullet: str) -> None:
    # JSON strings are YAML double-quoted strings: every code point escaped, even surrogates.
    (folder / "10-signs.yaml").write_text(
        "section: Symptoms\nslides:\n  - id: swelling\n    kind: bullets\n"
        f"    title: {json.dumps(title)}\n    bullets:\n      - {json.dumps(bullet)}\n",
        encoding="utf-8",
    )


@FUZZ
@given(title=texts, bullet=texts)
def test_hostile_text_is_refused_with_a_message_or_drawn(folder: Path, title: str, bullet: str):
    write(folder, title, bullet)
    try:
        deck = load_deck(folder)
    except DeckError as error:
        assert error.errors and all(str(e).startswith("slides/") for e in error.errors)
        return
    problems = preflight(deck, [SIZE])
    if problems:
        assert all("10-signs.yaml:" in p for p in problems), problems
        return
    # Accepted: then the screen draws it, with ink where the text is.
    for value in (deck.slides[0].title.get("en"), deck.slides[0].bullets[0].get("en")):
        assert value == unicodedata.normalize("NFC", value)
    renderer = SlideRenderer(deck, Screen(*SIZE), FontBook(font_dirs(deck.root)))
    surface = renderer.draw(0, "en")
    assert surface.get_size() == SIZE
    lines = renderer.plan(0, "en").lines
    assert {line.text for line in lines}, "nothing of the slide is laid out"


# -- hostile state files ---------------------------------------------------------------------

odd_numbers = st.sampled_from(
    ["1e999", "-1e999", "Infinity", "-Infinity", "NaN", "1e308", "-0", "99999999999999999999"]
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=10,
)


@st.composite
def state_contents(draw: st.DrawFn, keys: tuple[str, ...]) -> bytes | str:
    """What may stand where a state file should be: bytes, JSON of the right shape with odd
    values, or "fifo", "folder", "loop" for those things in its place."""
    kind = draw(st.sampled_from(["bytes", "shaped", "json", "thing"]))
    if kind == "bytes":
        return draw(st.binary(max_size=300))
    if kind == "thing":
        return draw(st.sampled_from(["fifo", "folder", "loop"]))
    if kind == "json":
        return json.dumps(draw(json_values), allow_nan=True).encode()
    fields = {key: draw(st.one_of(odd_numbers, json_values.map(json.dumps))) for key in keys}
    return ("{" + ", ".join(f'"{k}": {v}' for k, v in fields.items()) + "}").encode()


def put(path: Path, content: bytes | str) -> None:
    if content == "fifo":
        os.mkfifo(path)
    elif content == "folder":
        path.mkdir()
    elif content == "loop":
        path.symlink_to(path.name)
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)


@FUZZ
@given(content=state_contents(("failures", "blocked_until")))
def test_a_hostile_pin_guard_never_stops_the_kiosk_and_is_rebuilt(content: bytes | str):
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        put(state / "pin-guard.json", content)
        clock = FakeClock(1000.0)
        staff = within(5, lambda: StaffPin(state / "no-pin", state=state, clock=clock))
        assert isinstance(staff, StaffPin)
        guard = staff.guard
        assert type(guard.failures) is int and guard.failures >= 0
        assert 0 <= guard.wait_seconds() <= 15 * 60  # never longer than the lockout
        assert not staff.attempt("470391")  # no PIN set: refused, never raises
        assert set(json.loads((state / "pin-guard.json").read_text())) == {
            "failures",
            "blocked_until",
        }


@FUZZ
@given(content=state_contents(("schema", "updated_at", "screen")))
def test_a_hostile_status_file_is_read_as_damaged_or_a_status_and_is_rewritten(
    content: bytes | str,
):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "status.json"
        put(path, content)
        try:
            status = within(5, lambda: load_status(path))
            assert status is None or isinstance(status, dict)
        except StatusDamagedError as error:
            assert str(error).startswith(str(path))
        assert StatusWriter(path).write({"schema": 1, "updated_at": 1.0}, now=0.0)
        assert load_status(path) == {"schema": 1, "updated_at": 1.0}


@FUZZ
@given(content=state_contents(("folder", "count")))
def test_a_hostile_start_attempts_file_counts_none_and_is_rebuilt(content: bytes | str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "start-attempts.json"
        put(path, content)
        attempts = StartAttempts(path)
        count = within(5, lambda: attempts.failed_starts(Path("/deck")))
        assert type(count) is int and 0 <= count < 1000
        attempts.drawn()
        attempts.starting(Path("/deck"))
        assert attempts.failed_starts(Path("/deck")) == 1


@st.composite
def damaged_frames(draw: st.DrawFn) -> Callable[[bytes], bytes | str]:
    """A way to damage a good first-frame file: cut, flip, splice, or replace it."""
    how = draw(st.sampled_from(["cut", "flip", "append", "header", "thing", "bytes"]))
    at = draw(st.integers(min_value=0, max_value=10_000))
    junk = draw(st.binary(min_size=1, max_size=64))
    thing = draw(st.sampled_from(["fifo", "folder", "loop"]))

    def damage(data: bytes) -> bytes | str:
        where = at % len(data)
        if how == "cut":
            return data[:where]
        if how == "flip":
            return data[:where] + bytes([data[where] ^ 0x5A]) + data[where + 1 :]
        if how == "append":
            return data + junk
        if how == "header":
            return data[:where] + junk + data[where:]
        if how == "thing":
            return thing
        return junk

    return damage


@FUZZ
@given(damage=damaged_frames())
def test_a_damaged_first_frame_is_never_shown_and_is_written_again(damage):
    picture = pygame.Surface((32, 20))
    picture.fill((10, 26, 46))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "first-frame.rgb"
        save_first_frame(path, picture, fingerprint="a", version="1")
        good = path.read_bytes()
        damaged = damage(good)
        path.unlink()
        put(path, damaged)
        shown = within(5, lambda: load_first_frame(path, (32, 20)))
        if shown is not None:  # only ever the whole picture (a flip in its labels is no harm)
            assert pygame.image.tobytes(shown, "RGB") == pygame.image.tobytes(picture, "RGB")
        save_first_frame(path, picture, fingerprint="a", version="1")
        assert path.read_bytes() == good  # healed: written again whole
