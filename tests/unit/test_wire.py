"""The loader's answer format (`kiosk.loader.wire`): a deck makes the round trip exactly,
pixels are used in place, and anything that does not match the model's types is refused
with the path of the field, never built."""

from __future__ import annotations

import dataclasses
import json
from datetime import time
from pathlib import Path

import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import (
    Deck,
    DeckAssets,
    Pixels,
    RestStyle,
    Schedule,
    SlideKind,
    Tone,
    TransitionStyle,
)
from kiosk.loader.wire import FORMAT, VERSION, WireError, decode_answer, encode_answer, schema


def _blocks(buffers: list[memoryview]) -> list[bytearray]:
    # What the parent holds after reading the out-of-band frames: one bytearray each.
    return [bytearray(buffer) for buffer in buffers]


def _full_deck(repo_root: Path) -> Deck:
    deck = load_deck(repo_root / "slides")
    images = {
        slide.image: Pixels(2, 1, bytes(range(8)))
        for slide in deck.slides
        if slide.image is not None
    }
    assets = DeckAssets(images, {"Font-Bold.ttf": b"\0font"}, fingerprint="abc123")
    schedule = Schedule(time(8, 30), time(17, 0, 15), frozenset({0, 2, 4}), RestStyle.SLEEP)
    return dataclasses.replace(deck, assets=assets, schedule=schedule)


def test_the_bundled_deck_makes_the_round_trip_exactly(repo_root):
    deck = _full_deck(repo_root)
    payload, buffers = encode_answer("deck", deck)
    kind, back = decode_answer(payload, _blocks(buffers))
    assert kind == "deck" and isinstance(back, Deck)
    assert back == deck  # every field but the assets, which do not take part in ==
    assert back.assets is not None and deck.assets is not None
    assert back.assets.fingerprint == deck.assets.fingerprint
    assert back.assets.fonts == deck.assets.fonts
    assert type(back.assets.fonts["Font-Bold.ttf"]) is bytes
    assert {p: (x.width, x.height, bytes(x.rgba)) for p, x in back.assets.images.items()} == {
        p: (x.width, x.height, bytes(x.rgba)) for p, x in deck.assets.images.items()
    }
    # Enums come back as the model's own members, not look-alike strings.
    assert {type(s.kind) for s in back.slides} == {SlideKind}
    assert back.transition.style is deck.transition.style
    assert isinstance(back.transition.style, TransitionStyle)
    assert back.schedule is not None and back.schedule.outside_hours is RestStyle.SLEEP
    columns = [c for s in back.slides for c in s.columns]
    assert columns and all(type(c.tone) is Tone for c in columns)


def test_the_answer_is_versioned_json_naming_no_class(repo_root):
    payload, buffers = encode_answer("deck", _full_deck(repo_root))
    data = json.loads(payload)
    assert (data["format"], data["version"], data["kind"]) == (FORMAT, VERSION, "deck")
    assert data["buffers"] == len(buffers) > 0
    assert "kiosk.deck" not in payload.decode() and "builtins" not in payload.decode()
    # The same deck always gives the same bytes (a set is written sorted).
    assert encode_answer("deck", _full_deck(repo_root))[0] == payload


def test_pixels_are_used_in_the_buffer_they_arrived_in():
    big = bytes(4 * 640 * 480)
    deck = dataclasses.replace(
        _tiny_deck(), assets=DeckAssets({Path("/d/a.png"): Pixels(640, 480, big)})
    )
    payload, buffers = encode_answer("deck", deck)
    assert buffers[0].obj is big  # no copy on the way out either
    blocks = _blocks(buffers)
    _kind, back = decode_answer(payload, blocks)
    assert isinstance(back, Deck) and back.assets is not None
    rgba = back.assets.images[Path("/d/a.png")].rgba
    assert isinstance(rgba, memoryview) and rgba.readonly and rgba.obj is blocks[0]


def test_problems_make_the_round_trip():
    payload, buffers = encode_answer("problems", ["slides/a.yaml:3: title: missing", "b"])
    assert buffers == []
    assert decode_answer(payload, []) == ("problems", ["slides/a.yaml:3: title: missing", "b"])


def _tiny_deck() -> Deck:
    from tests.helpers import make_deck

    return make_deck(2)


def _answer(**change: object) -> dict[str, object]:
    payload, _ = encode_answer("deck", _tiny_deck())
    data: dict[str, object] = json.loads(payload)
    data.update(change)
    return data


def _decode(data: object, blocks: list[bytearray] | None = None) -> object:
    return decode_answer(json.dumps(data).encode(), blocks or [])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "pickle"}, "format 'pickle'"),
        ({"version": 2}, "version 2, this kiosk reads 1"),
        ({"kind": "code"}, "kind 'code'"),
        ({"buffers": 3}, "names 3 buffers and 0 came"),
        ({"extra": 1}, "fields"),
    ],
)
def test_a_wrong_envelope_is_refused(change, message):
    with pytest.raises(WireError, match=message):
        _decode(_answer(**change))


def _slide_field(name: str, value: object) -> dict[str, object]:
    data = _answer()
    value_ = data["value"]
    assert isinstance(value_, dict)
    value_["slides"][1][name] = value
    return data


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("kind", "os.system", r"\$\.slides\[1\]\.kind: expected one of \[.*'bullets'"),
        ("kind", 3, r"\$\.slides\[1\]\.kind: expected one of"),
        ("duration", True, r"\$\.slides\[1\]\.duration: expected a number, got True"),
        ("duration", "5", r"\$\.slides\[1\]\.duration: expected a number, got '5'"),
        ("id", None, r"\$\.slides\[1\]\.id: expected text"),
        ("bullets", {"a": 1}, r"\$\.slides\[1\]\.bullets: expected a list"),
        ("image", "", r"\$\.slides\[1\]\.image: expected a path"),
        (
            "title",
            {"by_language": [["en", 1]], "line": 0},
            r"\.title\.by_language\[0\]\[1\]: expected text",
        ),
        ("title", {"by_language": [["en", "a"], ["en", "b"]], "line": 0}, r"'en' twice"),
        ("title", {}, r"\$\.slides\[1\]\.title: a Text without \['by_language'"),
        ("origin", {"file": "a", "line": 1, "code": "x"}, r"with \['code'\]"),
    ],
)
def test_a_field_that_does_not_match_the_model_is_refused_by_its_path(name, value, message):
    with pytest.raises(WireError, match=message):
        _decode(_slide_field(name, value))


def test_a_buffer_number_must_name_a_buffer_that_came():
    deck = dataclasses.replace(_tiny_deck(), assets=DeckAssets(fonts={"f.ttf": b"x"}))
    payload, buffers = encode_answer("deck", deck)
    data = json.loads(payload)
    data["value"]["assets"]["fonts"][0][1] = 5
    with pytest.raises(WireError, match=r"\$\.assets\.fonts\[0\]\[1\]: expected a buffer number"):
        _decode(data, _blocks(buffers))


def test_every_class_of_the_model_is_in_the_schema():
    from kiosk.deck import model

    classes = schema()
    assert {Deck, DeckAssets, Pixels, Schedule} <= set(classes)
    assert classes[Schedule]["days"] == "frozenset[int]"
    reachable = {
        value
        for value in vars(model).values()
        if isinstance(value, type) and dataclasses.is_dataclass(value)
    }
    # Section is computed from the slides, never sent.
    assert reachable - set(classes) == {model.Section}
