"""The loader child's answer as plain data: versioned JSON whose schema is the content model.

Why not pickle: what pickle writes depends on the interpreter (Debian's 3.11.2 pickles an
enum member as a call to `builtins.getattr`, 3.12 as a call to its class), so an allow-list
of callables is only as good as the interpreters it was tried on, and any callable it lets
through is code the child chooses. Here the wire names no class and no function at all:
the receiver decides every type from `kiosk.deck.model`'s own type hints, and the answer
either matches them exactly or is refused with the path of the first field that does not.

The answer is one JSON object:

    {"format": "cvi-kiosk/loader-answer", "version": 1, "kind": "deck" | "problems",
     "buffers": <how many>, "value": <the Deck, or a list of problem sentences>}

A dataclass is an object with exactly its fields; an enum is its value; a path is its text;
a time is `HH:MM[:SS]`; a tuple, list or frozenset is an array; a mapping is an array of
`[key, value]` pairs (keys may be paths). Bytes (image pixels, font files) never go into
the JSON: each is an index into the out-of-band buffers sent before it, and pixels are used
in place, without a copy, as they arrived.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from datetime import time
from functools import cache
from pathlib import Path

from kiosk.deck import model
from kiosk.deck.model import Deck

FORMAT = "cvi-kiosk/loader-answer"
VERSION = 1

Encoder = Callable[[object, list[memoryview]], object]
Decoder = Callable[[object, Sequence[bytearray], str], object]


class WireError(ValueError):
    """The answer does not match the schema: the message names the field."""


class SchemaError(TypeError):
    """A type in the content model that this format cannot carry (a programming error,
    caught by the tests the moment someone adds such a field)."""


def encode_answer(kind: str, value: Deck | Sequence[str]) -> tuple[bytes, list[memoryview]]:
    """The JSON answer and the buffers it refers to, in order."""
    buffers: list[memoryview] = []
    if kind == "deck":
        encoded = _codec(Deck)[0](value, buffers)
    elif kind == "problems":
        encoded = _codec(list[str])[0](list(typing.cast(Sequence[str], value)), buffers)
    else:
        raise ValueError(f"unknown answer kind {kind!r}")
    head = {"format": FORMAT, "version": VERSION, "kind": kind, "buffers": len(buffers)}
    text = json.dumps({**head, "value": encoded}, ensure_ascii=False, separators=(",", ":"))
    return text.encode(), buffers


def decode_answer(
    payload: bytes | bytearray | memoryview, blocks: Sequence[bytearray]
) -> tuple[str, Deck | list[str]]:
    """("deck", Deck) or ("problems", [sentence, ...]); WireError for anything else."""
    try:
        data = json.loads(bytes(payload))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WireError(f"not JSON ({error})") from None
    if not isinstance(data, dict):
        raise WireError("not a JSON object")
    if data.get("format") != FORMAT:
        raise WireError(f"format {data.get('format')!r}, expected {FORMAT!r}")
    if data.get("version") != VERSION:
        # Child and screen come from the same installation; a mismatch is a half update.
        raise WireError(f"version {data.get('version')!r}, this kiosk reads {VERSION}")
    if set(data) != {"format", "version", "kind", "buffers", "value"}:
        raise WireError(f"fields {sorted(data)}")
    if data["buffers"] != len(blocks):
        raise WireError(f"it names {data['buffers']!r} buffers and {len(blocks)} came")
    kind = data["kind"]
    if kind == "deck":
        return "deck", typing.cast(Deck, _codec(Deck)[1](data["value"], blocks, "$"))
    if kind == "problems":
        return "problems", typing.cast(list[str], _codec(list[str])[1](data["value"], blocks, "$"))
    raise WireError(f"kind {kind!r}")


# -- the schema, read from the type hints once per type -----------------------------------


def _fail(where: str, expected: str, value: object) -> typing.NoReturn:
    shown = type(value).__name__ if not isinstance(value, str | int | float) else repr(value)
    raise WireError(f"{where}: expected {expected}, got {shown[:60]}")


@cache
def _codec(hint: object) -> tuple[Encoder, Decoder]:
    """How to write and read a value of type `hint`."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint in (str, int, float, bool):
        return _scalar(typing.cast(type, hint))
    if hint is type(None):
        return (lambda v, b: None), _none
    if hint is Path:
        return (lambda v, b: str(v)), _path
    if hint is time:
        return (lambda v, b: typing.cast(time, v).isoformat()), _time
    if hint is bytes:
        return _buffer(copy=True)
    if origin in (types.UnionType, typing.Union):
        return _union(args)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(args[0], tuple)
    if origin is tuple and args:
        return _fixed(args)
    if origin in (list, frozenset) and len(args) == 1:
        return _sequence(args[0], typing.cast(Callable[[list[object]], object], origin))
    if origin in (Mapping, dict) and len(args) == 2:
        return _mapping(args[0], args[1])
    if isinstance(hint, type) and hint.__module__ == model.__name__:
        if issubclass(hint, enum.Enum):
            return _enum(hint)
        if dataclasses.is_dataclass(hint):
            return _dataclass(hint)
    raise SchemaError(f"the loader's answer cannot carry a {hint!r}")


def _scalar(kind: type) -> tuple[Encoder, Decoder]:
    name = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}[kind]

    def decode(value: object, blocks: Sequence[bytearray], where: str) -> object:
        if isinstance(value, bool) != (kind is bool):
            _fail(where, name, value)
        if kind is float and isinstance(value, int):
            return float(value)
        if not isinstance(value, kind):
            _fail(where, name, value)
        return value

    if kind is float:
        return (lambda v, b: float(typing.cast(float, v))), decode
    return (lambda v, b: v), decode


def _none(value: object, blocks: Sequence[bytearray], where: str) -> None:
    if value is not None:
        _fail(where, "null", value)


def _path(value: object, blocks: Sequence[bytearray], where: str) -> Path:
    if not isinstance(value, str) or not value or "\0" in value:
        _fail(where, "a path", value)
    return Path(value)


def _time(value: object, blocks: Sequence[bytearray], where: str) -> time:
    if not isinstance(value, str):
        _fail(where, "a time", value)
    try:
        return time.fromisoformat(value)
    except ValueError:
        _fail(where, "a time", value)


def _buffer(*, copy: bool) -> tuple[Encoder, Decoder]:
    def encode(value: object, buffers: list[memoryview]) -> object:
        view = memoryview(typing.cast(bytes, value)).cast("B")
        buffers.append(view)
        return len(buffers) - 1

    def decode(value: object, blocks: Sequence[bytearray], where: str) -> object:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(blocks):
            _fail(where, f"a buffer number below {len(blocks)}", value)
        # Pixels are used in place (the buffer they arrived in, read-only); a font's few
        # hundred kilobytes become bytes, as its readers expect.
        block = blocks[value]
        return bytes(block) if copy else memoryview(block).toreadonly()

    return encode, decode


def _union(args: tuple[object, ...]) -> tuple[Encoder, Decoder]:
    if set(args) == {bytes, memoryview}:
        return _buffer(copy=False)
    others = [a for a in args if a is not type(None)]
    if len(others) != 1 or len(args) != 2:
        raise SchemaError(f"the loader's answer cannot carry a union of {args!r}")
    encode_one, decode_one = _codec(others[0])

    def encode(value: object, buffers: list[memoryview]) -> object:
        return None if value is None else encode_one(value, buffers)

    def decode(value: object, blocks: Sequence[bytearray], where: str) -> object:
        return None if value is None else decode_one(value, blocks, where)

    return encode, decode


def _sequence(item: object, build: Callable[[list[object]], object]) -> tuple[Encoder, Decoder]:
    encode_one, decode_one = _codec(item)
    ordered = build is frozenset

    def encode(value: object, buffers: list[memoryview]) -> object:
        items = typing.cast(Sequence[object], value)
        if ordered:  # a set has no order of its own: sorted, so one deck gives one answer
            items = sorted(items, key=repr)
        return [encode_one(v, buffers) for v in items]

    def decode(value: object, blocks: Sequence[bytearray], where: str) -> object:
        if not isinstance(value, list):
            _fail(where, "a list", value)
        return build([decode_one(v, blocks, f"{where}[{n}]") for n, v in enumerate(value)])

    return encode, decode


def _fixed(args: tuple[object, ...]) -> tuple[Encoder, Decoder]:
    codecs = [_codec(a) for a in args]

    def encode(value: object, buffers: list[memoryview]) -> object:
        items = typing.cast(tuple[object, ...], value)
        return [c[0](v, buffers) for c, v in zip(codecs, items, strict=True)]

    def decode(value: object, blocks: Sequence[bytearray], where: str) -> object:
        if not isinstance(value, list) or len(value) != len(codecs):
            _fail(where, f"a list of {len(codecs)}", value)
        return tuple(
            c[1](v, blocks, f"{where}[{n}]")
            for n, (c, v) in enumerate(zip(codecs, value, strict=False))
        )

    return encode, decode


def _mapping(key: object, item: object) -> tuple[Encoder, Decoder]:
    encode_key, decode_key = _codec(key)
    encode_item, decode_item = _codec(item)

    def encode(value: object, buffers: list[memoryview]) -> object:
        pairs = typing.cast(Mapping[object, object], value).items()
        return [[encode_key(k, buffers), encode_item(v, buffers)] for k, v in pairs]

    def decode(value: object, blocks: Sequence[bytearray], where: str) -> object:
        if not isinstance(value, list):
            _fail(where, "a list of [key, value] pairs", value)
        found: dict[object, object] = {}
        for n, pair in enumerate(value):
            if not isinstance(pair, list) or len(pair) != 2:
                _fail(f"{where}[{n}]", "a [key, value] pair", pair)
            k = decode_key(pair[0], blocks, f"{where}[{n}][0]")
            if k in found:
                raise WireError(f"{where}[{n}][0]: {k!r} twice")
            found[k] = decode_item(pair[1], blocks, f"{where}[{n}][1]")
        return found

    return encode, decode


def _enum(kind: type[enum.Enum]) -> tuple[Encoder, Decoder]:
    values = {member.value: member for member in kind}

    def decode(value: object, blocks: Sequence[bytearray], where: str) -> object:
        if not isinstance(value, str | int) or isinstance(value, bool) or value not in values:
            _fail(where, f"one of {sorted(map(str, values))}", value)
        return values[value]

    return (lambda v, b: typing.cast(enum.Enum, v).value), decode


def _dataclass(kind: type) -> tuple[Encoder, Decoder]:
    hints = typing.get_type_hints(kind)
    # Every field's type is checked now, when the schema is built, not on the first answer.
    codecs = {f.name: _codec(hints[f.name]) for f in dataclasses.fields(kind) if f.init}
    fields = list(codecs)

    def encode(value: object, buffers: list[memoryview]) -> object:
        return {name: codecs[name][0](getattr(value, name), buffers) for name in fields}

    def decode(value: object, blocks: Sequence[bytearray], where: str) -> object:
        if not isinstance(value, dict):
            _fail(where, f"a {kind.__name__}", value)
        if set(value) != set(fields):
            missing = sorted(set(fields) - set(value))
            extra = sorted(set(value) - set(fields))
            raise WireError(f"{where}: a {kind.__name__} without {missing} or with {extra}")
        kwargs = {name: codecs[name][1](value[name], blocks, f"{where}.{name}") for name in fields}
        return kind(**kwargs)

    return encode, decode


def schema() -> dict[type, dict[str, str]]:
    """Every class the answer may hold and its fields' types, as the decoder reads them
    (for the tests and for anyone reading a captured answer by hand)."""
    found: dict[type, dict[str, str]] = {}

    def visit(hint: object) -> None:
        if hint is Ellipsis:  # tuple[X, ...]
            return
        _codec(hint)
        args = typing.get_args(hint)
        if set(args) == {bytes, memoryview}:  # a buffer, as a whole
            return
        for arg in args:
            visit(arg)
        if isinstance(hint, type) and dataclasses.is_dataclass(hint) and hint not in found:
            hints = typing.get_type_hints(hint)
            fields = [f.name for f in dataclasses.fields(hint) if f.init]
            found[hint] = {name: str(hints[name]) for name in fields}
            for name in fields:
                visit(hints[name])

    visit(Deck)
    return found
