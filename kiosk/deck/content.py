"""Load a deck folder of YAML into `kiosk.deck.model` objects, and say exactly what is wrong if not.

Files are composed to YAML *nodes* (safe loader, no object construction) so every value keeps
its line number. Each kind of mapping (deck.yaml, a section file, a slide, a column, the
schedule...) is a `Table`: one row per YAML key saying how its value is read, whether it is
required and which model field it fills. One walker checks any mapping against its table;
a key that is absent is left out, so the dataclass in `kiosk.deck.model` supplies its default.
Adding a field is one row here, one in docs/deck-format.md (tests/test_deck_format.py checks
the two agree) and, when it is new, a field in the model.

Every problem is collected — a staff member fixing slides wants the whole list, not one error
per run — and reported as `slides/30-symptoms.yaml:14: slides[2].bullets[1]: expected text,
got a list`.

No pygame here. Files are read through `kiosk.deck.files` (regular files inside the deck only,
bounded reads). Images are `kiosk.deck.images`' business: `find_image` resolves and checks a
slide's `image:` with `image_check` (by default a header sniff; the loader child passes one
that also decodes), so image problems are reported with every other problem, at their line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kiosk.deck.audio import AudioCheck, BadAudioError, find_audio, sniff_audio_file
from kiosk.deck.files import FileRefusedError, FileTooLargeError, read_deck_file
from kiosk.deck.images import BadImageError, ImageCheck, find_image, sniff_file
from kiosk.deck.langtag import tag_problem
from kiosk.deck.limits import DEFAULT_LIMITS, Limits
from kiosk.deck.model import (
    DAY_NAMES,
    LANGUAGE_NAMES,
    RGB,
    Answer,
    Column,
    Deck,
    NarrationSettings,
    Origin,
    RestStyle,
    Review,
    Schedule,
    Slide,
    SlideKind,
    StaffExit,
    Text,
    Theme,
    Tone,
    Transition,
    TransitionStyle,
    Urgency,
)
from kiosk.deck.placeholders import placeholder_problem
from kiosk.deck.review import with_review_on_sources
from kiosk.deck.unitext import normalise, text_problem
from kiosk.deck.words import PLACEHOLDERS, WORD_KEYS, missing_words
from kiosk.deck.yamlnodes import BOOL, FLOAT, INT, STR, NotYAMLError, describe, parse

MAX_BULLETS = 8
_T = TypeVar("_T")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
CLOCK_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WEB_ADDRESS = re.compile(r"https://[^\s]{4,300}")
# An emergency number as dialled: digits, maybe grouped by single spaces or dashes (112, 999,
# 000, "1 800 222 1222"); short enough to show in large digits on a band.
EMERGENCY_NUMBER = re.compile(r"[0-9]+(?:[ -][0-9]+)*")
MAX_EMERGENCY_NUMBER = 16

# Which fields each kind of slide needs and which it may have. A slide field named in none
# of these (id, title, duration...) is one every kind of slide has.
KIND_FIELDS: dict[SlideKind, tuple[frozenset[str], frozenset[str]]] = {
    SlideKind.TITLE: (frozenset(), frozenset({"body", "image"})),
    SlideKind.BULLETS: (frozenset({"bullets"}), frozenset({"body", "image", "urgency"})),
    SlideKind.TEXT_IMAGE: (frozenset({"body", "image"}), frozenset({"bullets", "urgency"})),
    SlideKind.TWO_COLUMN: (frozenset({"columns"}), frozenset({"body", "urgency"})),
    SlideKind.CALLOUT: (frozenset({"body"}), frozenset({"image", "urgency"})),
    SlideKind.SOURCES: (frozenset({"bullets"}), frozenset({"body"})),
    SlideKind.DISCLAIMER: (frozenset({"body"}), frozenset({"bullets"})),
    # The title is the question.
    SlideKind.CHECK: (frozenset({"answers", "explanation", "teaches"}), frozenset()),
}
MIN_ANSWERS, MAX_ANSWERS = 2, 4
# Where a sentence ends inside a text: . ! ? (or …) followed by a space and more words.
SENTENCE_BREAK = re.compile(r"[.!?…][\"')»]?\s+\S")
_BY_KIND: frozenset[str] = frozenset().union(
    *(needed | allowed for needed, allowed in KIND_FIELDS.values())
)


@dataclass(frozen=True)
class ContentError:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.path}: {self.message}"


class DeckError(Exception):
    """The deck cannot be used; `errors` lists every problem found (images included: they are
    checked as they are met). `system_font` is deck.yaml's choice, so fonts can be checked
    in the same run."""

    def __init__(
        self,
        errors: list[ContentError] | tuple[ContentError, ...],
        *,
        system_font: bool = False,
    ) -> None:
        self.errors = tuple(errors)
        self.system_font = system_font
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class _Context:
    """What the whole deck's reading shares: its folder, languages, limits and problems."""

    deck_dir: Path
    languages: tuple[str, ...] = ("en",)
    # False when deck.yaml could not say which languages (a YAML error, a bad `languages:`):
    # its problem is the one reported, not one per text about languages that follow from it.
    languages_known: bool = True
    errors: list[ContentError] = field(default_factory=list)
    limits: Limits = DEFAULT_LIMITS
    image_check: ImageCheck | None = None
    reading: Callable[[Path], None] | None = None
    audio_check: AudioCheck | None = None
    audio_may_be_missing: bool = False  # kiosk narrate: it makes them
    # Each question's `teaches:` (file, line, path, slide id), checked once every slide is read.
    teaches: list[tuple[str, int, str, str]] = field(default_factory=list)

    @property
    def roots(self) -> list[Path]:
        """The folders a deck file may live in (symlinks are followed only within them)."""
        return [self.deck_dir, self.deck_dir.parent / "assets"]

    def check_image(self, path: Path) -> str | None:
        if self.reading is not None:
            self.reading(path)
        if self.image_check is not None:
            return self.image_check(path)
        return sniff_file(path, self.roots, self.limits)

    def check_audio(self, path: Path) -> str | None:
        if self.reading is not None:
            self.reading(path)
        if self.audio_check is not None:
            return self.audio_check(path)
        return sniff_audio_file(path, self.roots, self.limits)


@dataclass
class _File:
    """One YAML file being read: its name as shown to people, and the section its slides are
    in unless they say otherwise."""

    shown: str
    ctx: _Context
    section: Text | None = None

    def error(self, node: Node | None, path: str, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.ctx.errors.append(ContentError(self.shown, line, path or "(file)", message))

    def origin(self, node: Node) -> Origin:
        return Origin(self.shown, node.start_mark.line + 1)


# -- reading files -----------------------------------------------------------------------


def _read(path: Path, file: _File) -> Node | None:
    ctx = file.ctx
    if ctx.reading is not None:
        ctx.reading(path)
    try:
        raw = read_deck_file(path, limit=ctx.limits.yaml_bytes, roots=ctx.roots)
    except FileTooLargeError as refused:
        limit = ctx.limits.yaml_bytes // 1024
        file.error(None, "(file)", f"{refused}: slide files must be under {limit} KB")
        return None
    except FileRefusedError as refused:
        file.error(None, "(file)", str(refused))
        return None
    try:
        return parse(raw)
    except NotYAMLError as problem:
        ctx.errors.append(ContentError(file.shown, problem.line, "(file)", str(problem)))
        return None


# -- tables of fields --------------------------------------------------------------------

# How one YAML value is read: the value, or None after reporting why it cannot be used.
Convert = Callable[[Node, str, _File], Any]


@dataclass(frozen=True)
class Field:
    """One YAML key of a mapping: how its value is read, and which model field it fills."""

    key: str
    convert: Convert
    required: bool = False
    attr: str = ""  # the model field; "" means the same name as the key
    hint: str = ""  # said after "missing required field 'key'"
    first: bool = False  # read before the others, which depend on it

    @property
    def fills(self) -> str:
        return self.attr or self.key


@dataclass
class _Found:
    """A mapping being walked: its node and path, its keys, and the values read so far (by
    model field; only keys present and valid, so the model's defaults fill the rest)."""

    node: Node
    path: str
    keys: dict[str, tuple[Node, Node]]
    values: dict[str, Any]
    problems_before: int  # problems found before its values were read (unknown keys aside)

    def where(self, key: str) -> str:
        return _join(self.path, key)


@dataclass(frozen=True)
class Rule:
    """A check or a computed value that involves several fields, run in the table's order
    once the fields before it are read."""

    apply: Callable[[_Found, _File], None]


@dataclass(frozen=True)
class Table:
    """The fields of one kind of mapping, and what they make (keyword arguments for `model`)."""

    steps: tuple[Field | Rule, ...]
    model: Callable[..., Any] | None = None

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(step for step in self.steps if isinstance(step, Field))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _keys(node: Node, path: str, allowed: tuple[str, ...], file: _File) -> _Found | None:
    """A mapping's keys by name (with key and value nodes); reports unknown and repeated keys."""
    if not isinstance(node, MappingNode):
        file.error(node, path or "(file)", f"expected a mapping of fields, got {describe(node)}")
        return None
    found: dict[str, tuple[Node, Node]] = {}
    for key, value in node.value:
        name = key.value if isinstance(key, ScalarNode) else None
        where = _join(path, name) if isinstance(name, str) and name else path
        if not isinstance(name, str) or key.tag != STR:
            file.error(key, path or "(file)", f"field names must be text, got {describe(key)}")
            continue
        if name in found:
            first = found[name][0].start_mark.line + 1
            file.error(key, where, f"'{name}' is given twice (first on line {first})")
            continue
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            file.error(key, where, f"unknown field '{name}'{hint}")
            continue
        found[name] = (key, value)
    return _Found(node, path, found, {}, len(file.ctx.errors))


def _walk_table(node: Node, path: str, table: Table, file: _File) -> _Found | None:
    """Check a mapping against its table: unknown keys; then the fields the others depend on
    (`first`); then every missing required key; then the other values in the table's order,
    with cross-field rules where the table puts them."""
    found = _keys(node, path, tuple(f.key for f in table.fields), file)
    if found is None:
        return None

    def missing(fields: list[Field]) -> None:
        for f in fields:
            if f.required and f.key not in found.keys:
                file.error(node, found.where(f.key), f"missing required field '{f.key}'{f.hint}")

    def read(f: Field) -> None:
        if f.key in found.keys:
            value = f.convert(found.keys[f.key][1], found.where(f.key), file)
            if value is not None:
                found.values[f.fills] = value

    for f in table.fields:
        if f.first:
            missing([f])
            read(f)
    missing([f for f in table.fields if not f.first])
    for step in table.steps:
        if isinstance(step, Rule):
            step.apply(found, file)
        elif not step.first:
            read(step)
    return found


@dataclass(frozen=True)
class Nested:
    """A mapping with its own table; its model object when every field in it is good."""

    table: Table

    def __call__(self, node: Node, path: str, file: _File) -> Any:
        found = _walk_table(node, path, self.table, file)
        # An unknown key alone does not spoil the object (a slide with a typo still counts
        # when later slides reuse its id); any problem with a value does.
        if found is None or len(file.ctx.errors) > found.problems_before or not self.table.model:
            return None
        return self.table.model(**found.values)


@dataclass(frozen=True)
class ListOf:
    """A list of mappings with one table: `exactly` items, `between` a range, or at least
    one. Items that fail are None in the result, so positions still match the YAML."""

    table: Table
    noun: str
    exactly: int | None = None
    between: tuple[int, int] | None = None  # at least, at most

    def __call__(self, node: Node, path: str, file: _File) -> tuple[Any, ...] | None:
        if self.between is not None and isinstance(node, SequenceNode):
            least, most = self.between
            if not least <= len(node.value) <= most:
                count = len(node.value)
                file.error(node, path, f"expected {least} to {most} {self.noun}, got {count}")
                return None
        if self.exactly is not None:
            if not isinstance(node, SequenceNode) or len(node.value) != self.exactly:
                got = f"{len(node.value)} items" if isinstance(node, SequenceNode) else None
                file.error(
                    node,
                    path,
                    f"expected exactly {self.exactly} {self.noun}, got {got or describe(node)}",
                )
                return None
        elif not isinstance(node, SequenceNode) or not node.value:
            file.error(node, path, f"expected a list of {self.noun}, got {describe(node)}")
            return None
        item = Nested(self.table)
        return tuple(item(value, f"{path}[{n}]", file) for n, value in enumerate(node.value))


# -- kinds of values ---------------------------------------------------------------------


def _by_language(
    node: MappingNode, path: str, file: _File, each: Convert, what: str
) -> dict[str, Any] | None:
    """A mapping with one value (read by `each`) for every language of the deck."""
    languages = file.ctx.languages
    found: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key, value in node.value:
        code = key.value if isinstance(key, ScalarNode) else ""
        if code in lines:
            file.error(
                key, f"{path}.{code}", f"'{code}' is given twice (first on line {lines[code]})"
            )
            continue
        lines[code] = key.start_mark.line + 1
        if code not in languages and file.ctx.languages_known:
            file.error(key, f"{path}.{code}", f"'{code}' is not one of the deck's languages")
            continue
        item = each(value, f"{path}.{code}", file)
        if item is not None:
            found[code] = item
    if not file.ctx.languages_known:
        return found or None
    missing = [code for code in languages if code not in found]
    if missing and len(found) + len(missing) == len(languages):
        file.error(node, path, f"missing {what} for {', '.join(missing)}")
    return None if missing else found


def _plain_text(node: Node, path: str, file: _File) -> str | None:
    if not (isinstance(node, ScalarNode) and node.tag == STR):
        file.error(node, path, f"expected text, got {describe(node)}")
        return None
    text = normalise(str(node.value)).strip()
    if not text:
        file.error(node, path, "is empty")
        return None
    problem = text_problem(text, file.ctx.limits) or placeholder_problem(text)
    if problem is not None:
        file.error(node, path, problem)
        return None
    return text


def _text(node: Node, path: str, file: _File) -> Text | None:
    """A string, or in a deck of several languages a mapping with one string per language."""
    languages = file.ctx.languages
    if isinstance(node, MappingNode):
        texts = _by_language(node, path, file, _plain_text, "translation")
        if texts is None:
            return None
        if not file.ctx.languages_known:
            return Text(texts, line=node.start_mark.line + 1)
        return Text({code: texts[code] for code in languages}, line=node.start_mark.line + 1)
    text = _plain_text(node, path, file)
    if text is not None and len(languages) > 1 and file.ctx.languages_known:
        file.error(
            node,
            path,
            f"missing translation: give one text per language ({', '.join(languages)}), "
            "e.g. {en: ..., es: ...}",
        )
        return None
    return None if text is None else Text({languages[0]: text}, line=node.start_mark.line + 1)


def _texts(node: Node, path: str, file: _File) -> tuple[Text, ...] | None:
    if not isinstance(node, SequenceNode):
        file.error(node, path, f"expected a list of texts, got {describe(node)}")
        return None
    if not 1 <= len(node.value) <= MAX_BULLETS:
        file.error(node, path, f"expected 1 to {MAX_BULLETS} items, got {len(node.value)}")
        return None
    items = [_text(item, f"{path}[{n}]", file) for n, item in enumerate(node.value)]
    return tuple(t for t in items if t is not None) if all(items) else None


def _one_sentence(node: Node, path: str, file: _File) -> Text | None:
    """A text of one sentence in every language (a question's explanation)."""
    text = _text(node, path, file)
    if text is None:
        return None
    for language, words in text.by_language.items():
        if SENTENCE_BREAK.search(words):
            file.error(node, f"{path}.{language}", "expected one sentence, got several")
            return None
    return text


def _seconds(low: float, high: float) -> Convert:
    """A number of seconds from `low` to `high`."""

    def convert(node: Node, path: str, file: _File) -> float | None:
        if isinstance(node, ScalarNode) and node.tag in (INT, FLOAT):
            try:
                value = float(node.value.replace("_", ""))
            except ValueError:
                value = float("nan")
            if low <= value <= high:
                return value
            got = node.value
        elif isinstance(node, ScalarNode) and node.tag == STR:
            got = f"'{node.value}'"
        else:
            got = describe(node)
        file.error(
            node, path, f"expected a number of seconds between {low:g} and {high:g}, got {got}"
        )
        return None

    return convert


def _choice(options: type[StrEnum]) -> Convert:
    """One of an enum's values, as that enum's member."""

    values = tuple(option.value for option in options)

    def convert(node: Node, path: str, file: _File) -> StrEnum | None:
        if isinstance(node, ScalarNode) and node.tag == STR and node.value in values:
            return options(node.value)
        got = f"'{node.value}'" if isinstance(node, ScalarNode) else describe(node)
        file.error(node, path, f"expected one of {', '.join(values)}, got {got}")
        return None

    return convert


def _colour(node: Node, path: str, file: _File) -> RGB | None:
    if isinstance(node, ScalarNode) and node.tag == STR and COLOUR.fullmatch(node.value):
        v = node.value
        return (int(v[1:3], 16), int(v[3:5], 16), int(v[5:7], 16))
    got = f"'{node.value}'" if isinstance(node, ScalarNode) else describe(node)
    file.error(node, path, f'expected a colour like "#0A1A2E" (in quotes), got {got}')
    return None


def _flag(node: Node, path: str, file: _File) -> bool | None:
    if isinstance(node, ScalarNode) and node.tag == BOOL:
        return bool(node.value.lower() in ("true", "yes", "on"))
    file.error(node, path, f"expected true or false, got {describe(node)}")
    return None


def _slug(node: Node, path: str, file: _File) -> str | None:
    if isinstance(node, ScalarNode) and node.tag == STR and SLUG.fullmatch(node.value):
        return str(node.value)
    file.error(node, path, "expected lower-case letters, digits and dashes, like 'what-is-cvi'")
    return None


def _image(node: Node, path: str, file: _File) -> Path | None:
    if not (isinstance(node, ScalarNode) and node.tag == STR and node.value.strip()):
        file.error(node, path, f"expected an image path, got {describe(node)}")
        return None
    try:
        return find_image(node.value.strip(), file.ctx.deck_dir, file.ctx.check_image)
    except BadImageError as problem:
        file.error(node, path, str(problem))
        return None


def _narration(node: Node, path: str, file: _File) -> tuple[tuple[str, Path], ...] | None:
    """A slide's audio file per language; a slide may have it in some languages only."""
    if not isinstance(node, MappingNode) or not node.value:
        file.error(node, path, "expected one audio file per language, e.g. {en: audio/x.en.ogg}")
        return None
    found: dict[str, Path] = {}
    for key, value in node.value:
        code = key.value if isinstance(key, ScalarNode) else ""
        where = f"{path}.{code}"
        if code not in file.ctx.languages and file.ctx.languages_known:
            file.error(key, where, f"'{code}' is not one of the deck's languages")
        elif not (isinstance(value, ScalarNode) and value.tag == STR and value.value.strip()):
            file.error(value, where, f"expected an audio file path, got {describe(value)}")
        else:
            try:
                found[code] = find_audio(
                    value.value.strip(),
                    file.ctx.deck_dir,
                    file.ctx.check_audio,
                    may_be_missing=file.ctx.audio_may_be_missing,
                )
            except BadAudioError as problem:
                file.error(value, where, str(problem))
    if len(found) < len(node.value):
        return None
    order = [code for code in file.ctx.languages if code in found]
    return tuple((code, found[code]) for code in order + sorted(found.keys() - set(order)))


def _volume(node: Node, path: str, file: _File) -> float | None:
    if isinstance(node, ScalarNode) and node.tag in (INT, FLOAT):
        try:
            value = float(node.value.replace("_", ""))
        except ValueError:
            value = -1.0
        if 0 <= value <= 1:
            return value
    file.error(node, path, f"expected a volume from 0 to 1 (like 0.8), got {describe(node)}")
    return None


def _per_language(
    node: Node, path: str, file: _File, expected: str, read: Callable[[Node, str], _T | None]
) -> dict[str, _T] | None:
    """A mapping from the deck's languages to what `read` makes of each value (pronunciation
    lists, control words, language names); a key that is no deck language is an error."""
    if not isinstance(node, MappingNode):
        file.error(node, path, expected)
        return None
    found: dict[str, _T] = {}
    for key, value in node.value:
        code = key.value if isinstance(key, ScalarNode) else None
        if not isinstance(code, str) or code not in file.ctx.languages:
            if file.ctx.languages_known:
                file.error(key, f"{path}.{code}", f"'{code}' is not one of the deck's languages")
            continue
        item = read(value, f"{path}.{code}")
        if item is not None:
            found[code] = item
    return found


def _pronounce(node: Node, path: str, file: _File) -> dict[str, dict[str, str]] | None:
    """Per language, `word: how to say it`, for `kiosk narrate` (CVI as letters and so on)."""

    def word_list(words: Node, where: str) -> dict[str, str] | None:
        if not isinstance(words, MappingNode):
            file.error(words, where, "expected `word: how to say it` lines")
            return None
        said: dict[str, str] = {}
        for word, say in words.value:
            text = _plain_text(say, f"{where}.{getattr(word, 'value', '?')}", file)
            if isinstance(word, ScalarNode) and word.value.strip() and text is not None:
                said[str(word.value).strip()] = text
        return said

    expected = "expected a word list per language, e.g. {en: {CVI: C V I}}"
    return _per_language(node, path, file, expected, word_list)


def _emergency_number(node: Node, path: str, file: _File) -> str | None:
    # Quoted or not: YAML reads 911 as a number and "000" only quoted keeps its zeros.
    if (
        isinstance(node, ScalarNode)
        and node.tag in (STR, INT)
        and EMERGENCY_NUMBER.fullmatch(node.value)
        and len(node.value) <= MAX_EMERGENCY_NUMBER
        and not (node.tag == INT and node.value.startswith("0"))
    ):
        return str(node.value)
    got = f"'{node.value}'" if isinstance(node, ScalarNode) else describe(node)
    file.error(
        node,
        path,
        f'expected the number to call, in digits (like 911, or "000" in quotes), got {got}',
    )
    return None


def _url(node: Node, path: str, file: _File) -> str | None:
    value = node.value if isinstance(node, ScalarNode) and node.tag == STR else ""
    if WEB_ADDRESS.fullmatch(value):
        return str(value)
    file.error(node, path, "expected a web address starting with https://")
    return None


def _urls(node: Node, path: str, file: _File) -> dict[str, str] | None:
    """One web address for every language, or a mapping with one per language (like a text)."""
    if isinstance(node, MappingNode):
        return _by_language(node, path, file, _url, "web address")
    url = _url(node, path, file)
    return None if url is None else dict.fromkeys(file.ctx.languages, url)


def _words(node: Node, path: str, file: _File) -> dict[str, dict[str, str]] | None:
    """The words on the controls per language: `{vi: {prev: Quay lại, ...}, ...}`."""

    def controls(value: Node, where_code: str) -> dict[str, str] | None:
        if not isinstance(value, MappingNode):
            file.error(value, where_code, "expected words and texts, e.g. {next: Siguiente}")
            return None
        words: dict[str, str] = {}
        for name_node, text_node in value.value:
            name = name_node.value if isinstance(name_node, ScalarNode) else None
            where = f"{where_code}.{name}"
            if not isinstance(name, str) or name not in WORD_KEYS:
                close = difflib.get_close_matches(str(name), WORD_KEYS, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                file.error(name_node, where, f"'{name}' is not a word on the controls{hint}")
                continue
            text = _plain_text(text_node, where, file)
            if text is None:
                continue
            absent = [p for p in PLACEHOLDERS.get(name, ()) if p not in text]
            if absent:
                file.error(text_node, where, f"must contain {' and '.join(absent)}")
                continue
            words[name] = text
        return words

    expected = "expected the words per language, e.g. {es: {next: Siguiente}}"
    return _per_language(node, path, file, expected, controls)


def _language_names(node: Node, path: str, file: _File) -> dict[str, str] | None:
    """Each language's own name for the language button: {vi: Tiếng Việt, zh-Hant: 中文}."""
    expected = "expected a name per language, e.g. {vi: Tiếng Việt}"
    return _per_language(
        node, path, file, expected, lambda value, where: _plain_text(value, where, file)
    )


def _words_complete(found: _Found, file: _File) -> None:
    """A language without built-in words needs them all from the deck, and its own name."""
    if not file.ctx.languages_known:
        return
    words = found.values.get("words", {})
    names = found.values.get("language_names", {})
    for code in file.ctx.languages:
        missing = missing_words(code, words.get(code, {}))
        if missing:
            file.error(
                found.node,
                f"words.{code}",
                f"the kiosk has no built-in words for '{code}': missing {', '.join(missing)}",
            )
        if code not in names and code.split("-", 1)[0] not in LANGUAGE_NAMES:
            file.error(
                found.node,
                f"language_names.{code}",
                f"give the name of '{code}' in its own language (shown on the language button)",
            )


def _languages(node: Node, path: str, file: _File) -> tuple[str, ...] | None:
    """The deck's language codes; every text read after this one must have each of them."""
    file.ctx.languages_known = False  # until every code below is good
    if not isinstance(node, SequenceNode) or not node.value:
        file.error(node, path, "expected a list of language codes such as [en, es]")
        return None
    codes: list[str] = []
    for n, item in enumerate(node.value):
        code = item.value if isinstance(item, ScalarNode) else None
        if not (isinstance(code, str) and item.tag == STR):
            file.error(
                item, f"{path}[{n}]", f"expected a language tag such as en, got {describe(item)}"
            )
            return None
        problem = tag_problem(code)
        if problem is not None:
            file.error(item, f"{path}[{n}]", problem)
            return None
        if code in codes:
            file.error(item, f"{path}[{n}]", f"'{code}' is listed twice")
            return None
        codes.append(code)
    file.ctx.languages = tuple(codes)
    file.ctx.languages_known = True
    return file.ctx.languages


def _clock_time(node: Node, path: str, file: _File) -> dt.time | None:
    text = node.value if isinstance(node, ScalarNode) and node.tag == STR else None
    match = CLOCK_TIME.fullmatch(text or "")
    if match is None:
        # YAML 1.1 reads an unquoted 07:30 as a number (sexagesimal): ask for quotes.
        file.error(node, path, 'expected a time like "07:30" (24-hour, in quotes)')
        return None
    return dt.time(int(match[1]), int(match[2]))


def _iso_date(node: Node, path: str, file: _File) -> str | None:
    """A date written YYYY-MM-DD (quoted or not: YAML reads an unquoted one as a timestamp)."""
    text = node.value.strip() if isinstance(node, ScalarNode) else ""
    if not ISO_DATE.fullmatch(text):
        got = f"'{text}'" if isinstance(node, ScalarNode) else describe(node)
        file.error(node, path, f"expected a date like 2027-03-01 (year-month-day), got {got}")
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        file.error(node, path, f"{text} is not a date on the calendar")
        return None


def _days(node: Node, path: str, file: _File) -> frozenset[int] | None:
    names = [d.value for d in node.value] if isinstance(node, SequenceNode) else None
    if not names or any(not isinstance(n, str) or n not in DAY_NAMES for n in names):
        file.error(node, path, f"expected a list of days from {', '.join(DAY_NAMES)}")
        return None
    return frozenset(DAY_NAMES.index(n) for n in names)


def _refused(why: str) -> Convert:
    """A key people may reach for that the deck must not have: always an error, saying why."""

    def convert(node: Node, path: str, file: _File) -> None:
        file.error(node, path, why)

    return convert


# -- the rules that involve several fields -----------------------------------------------


def _kind_fields(found: _Found, file: _File) -> None:
    kind = found.values.get("kind")
    if kind is None:
        return
    required, optional = KIND_FIELDS[kind]
    for name in sorted(required - found.keys.keys()):
        file.error(found.node, found.where(name), f"a {kind.value} slide needs '{name}'")
    for name in sorted(found.keys.keys() & _BY_KIND - required - optional):
        file.error(
            found.keys[name][0], found.where(name), f"'{name}' is not used by a {kind.value} slide"
        )


def _take_home(found: _Found, file: _File) -> None:
    values = found.values
    if values.get("take_home") and values.get("kind") is SlideKind.CHECK:
        file.error(
            found.keys["take_home"][0],
            found.where("take_home"),
            "a check slide has no room for the take-home code",
        )
    if values.get("take_home") and "image" in values:
        file.error(
            found.keys["take_home"][0],
            found.where("take_home"),
            "a slide with an image has no room for the take-home code",
        )
    if "take_home" not in found.keys:
        # Sources slides are where visitors look for "where can I read more".
        values["take_home"] = values.get("kind") is SlideKind.SOURCES


def _one_right_answer(found: _Found, file: _File) -> None:
    answers = found.values.get("answers")
    if not answers or None in answers:
        return  # missing, or an answer with its own problem (already reported)
    right = sum(1 for answer in answers if answer.right)
    if right != 1:
        file.error(
            found.keys["answers"][1],
            found.where("answers"),
            f"exactly one answer must be right (right: true), got {right}",
        )
        found.values.pop("answers")


def _note_teaches(found: _Found, file: _File) -> None:
    if "teaches" in found.values:
        line = found.keys["teaches"][1].start_mark.line + 1
        file.ctx.teaches.append((file.shown, line, found.where("teaches"), found.values["teaches"]))


def _slide_place(found: _Found, file: _File) -> None:
    """Where the slide and its image were written, and its section (else the file's)."""
    found.values["origin"] = file.origin(found.node)
    if "image" in found.values:
        found.values["image_origin"] = file.origin(found.keys["image"][1])
    found.values.setdefault("section", file.section)


def _narration_required(slides: list[Slide], ctx: _Context) -> None:
    """deck.yaml's `narration: {required: true}`: every slide read in every language."""
    for slide in slides:
        missing = [code for code in ctx.languages if slide.narration_file(code) is None]
        if missing:
            ctx.errors.append(
                ContentError(
                    slide.origin.file,
                    slide.origin.line,
                    "narration",
                    f"slide '{slide.id}' has no narration in {', '.join(missing)}, and "
                    "deck.yaml says narration is "
                    "required (run `kiosk narrate`, or add recordings)",
                )
            )


def _slide(section: Text | None = None, **values: Any) -> Slide | None:
    # No section of its own and none for the file: the file's problem is already reported.
    return None if section is None else Slide(section=section, **values)


def _file_section(found: _Found, file: _File) -> None:
    file.section = found.values.get("section")


def _open_before_close(found: _Found, file: _File) -> None:
    opens, closes = found.values.get("opens"), found.values.get("closes")
    if opens is not None and closes is not None and closes <= opens:
        file.error(
            found.keys["close"][1],
            found.where("close"),
            "closing time must be later than opening time",
        )


def _due_after_date(found: _Found, file: _File) -> None:
    done, due = found.values.get("date"), found.values.get("due")
    if done is not None and due is not None and due <= done:
        file.error(
            found.keys["due"][1],
            found.where("due"),
            "the next review must be due after the review's date",
        )


def _take_home_urls(found: _Found, file: _File) -> None:
    if "take_home_urls" in found.values:
        found.values["take_home_url"] = found.values["take_home_urls"][file.ctx.languages[0]]


# -- the tables --------------------------------------------------------------------------

COLUMN = Table(
    (
        Field("heading", _text, required=True),
        Field("bullets", _texts, required=True),
        Field("tone", _choice(Tone)),
    ),
    Column,
)
ANSWER = Table((Field("text", _text, required=True), Field("right", _flag)), Answer)


SLIDE = Table(
    (
        Field("id", _slug, required=True),
        Field("kind", _choice(SlideKind), required=True),
        Rule(_kind_fields),
        Field("title", _text, required=True),
        Field("section", _text),
        Field("duration", _seconds(2, 600)),
        Field("body", _text),
        Field("bullets", _texts),
        Field("columns", ListOf(COLUMN, "columns", exactly=2)),
        Field("image", _image),
        Field("take_home", _flag),
        Field("narration", _narration),
        Field("answers", ListOf(ANSWER, "answers", between=(MIN_ANSWERS, MAX_ANSWERS))),
        Rule(_one_right_answer),
        Field("explanation", _one_sentence),
        Field("teaches", _slug),
        Rule(_note_teaches),
        Field("urgency", _choice(Urgency)),
        Rule(_take_home),
        Rule(_slide_place),
    ),
    _slide,
)
# A clinician's review for this clinic (docs/deck-format.md#clinical-review).
REVIEW = Table(
    (
        Field("by", _plain_text, required=True),
        Field("date", _iso_date, required=True),
        Field("due", _iso_date, required=True),
        Rule(_due_after_date),
    ),
    Review,
)
SECTION_FILE = Table(
    (
        Field("section", _text, required=True, hint=" (the topic-menu entry)", first=True),
        Rule(_file_section),
        Field("review", Nested(REVIEW)),  # this topic's own review, besides the deck's
        Field("slides", ListOf(SLIDE, "slides"), required=True),
    )
)
TRANSITION = Table(
    (Field("style", _choice(TransitionStyle)), Field("seconds", _seconds(0, 2))), Transition
)
THEME = Table(tuple(Field(f.name, _colour) for f in dataclasses.fields(Theme)), Theme)
STAFF_EXIT = Table(
    (
        Field("hold_seconds", _seconds(2, 30)),
        # Decks are synced to every screen and read by everyone who edits slides: a PIN there
        # is no secret. Each screen keeps only a hash of its own (kiosk.ops.pin).
        Field(
            "pin",
            _refused(
                "a PIN in the deck can be read by anyone who sees the slides; remove it and run "
                "`kiosk set-pin` on each screen instead"
            ),
        ),
    ),
    StaffExit,
)
SCHEDULE = Table(
    (
        Field("open", _clock_time, required=True, attr="opens"),
        Field("close", _clock_time, required=True, attr="closes"),
        Field("days", _days),
        Field("outside_hours", _choice(RestStyle)),
        Rule(_open_before_close),
    ),
    Schedule,
)
NARRATION = Table(
    (
        Field("required", _flag),
        Field("attract", _flag),
        Field("volume", _volume),
        Field("pronounce", _pronounce),
    ),
    NarrationSettings,
)
DECK = Table(
    (
        Field("languages", _languages, first=True),  # every text is read in these
        Field("title", _text, required=True),
        Field("slide_duration", _seconds(2, 600)),
        Field("idle_timeout", _seconds(10, 3600)),
        Field("transition", Nested(TRANSITION)),
        Field("theme", Nested(THEME)),
        Field("staff_exit", Nested(STAFF_EXIT)),
        Field("schedule", Nested(SCHEDULE)),
        Field("alternate_languages", _flag),
        Field("take_home_url", _urls, attr="take_home_urls"),
        Rule(_take_home_urls),
        Field("system_font", _flag),
        Field("narration", Nested(NARRATION)),
        Field("emergency_number", _emergency_number),
        Field("review", Nested(REVIEW)),
        Field("words", _words),
        Field("language_names", _language_names),
        Rule(_words_complete),
    ),
    Deck,
)


# -- the deck ----------------------------------------------------------------------------


def _check_questions(slides: list[Slide], ctx: _Context) -> list[Slide]:
    """Every question's `teaches` names a slide of the deck that is not itself a question;
    the first question carries the line saying answers are anonymous."""
    kinds = {slide.id: slide.kind for slide in slides}
    for shown, line, path, slide_id in ctx.teaches:
        if slide_id not in kinds:
            close = difflib.get_close_matches(slide_id, list(kinds), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            message = f"no slide has the id '{slide_id}'{hint}"
        elif kinds[slide_id] is SlideKind.CHECK:
            message = f"'{slide_id}' is a question: name the slide that teaches the answer"
        else:
            continue
        ctx.errors.append(ContentError(shown, line, path, message))
    first = next((n for n, s in enumerate(slides) if s.kind is SlideKind.CHECK), None)
    if first is not None:
        slides[first] = dataclasses.replace(slides[first], privacy_note=True)
    return slides


def load_deck(
    folder: str | os.PathLike[str],
    *,
    limits: Limits = DEFAULT_LIMITS,
    image_check: ImageCheck | None = None,
    reading: Callable[[Path], None] | None = None,
    audio_check: AudioCheck | None = None,
    audio_may_be_missing: bool = False,
) -> Deck:
    """Read and check a deck folder. Raises DeckError listing every problem found.

    `image_check` replaces the default header sniff (the loader child decodes there);
    `reading` is told each file's path before it is read (the child reports progress so a
    crash can be pinned on a file); `audio_check` replaces the header walk of narration files
    (the child decodes them and reads their timings); `audio_may_be_missing` is for `kiosk
    narrate`, which makes the files."""
    deck_dir = Path(folder)
    ctx = _Context(deck_dir, limits=limits, image_check=image_check, reading=reading)
    ctx.audio_check, ctx.audio_may_be_missing = audio_check, audio_may_be_missing
    name = deck_dir.name or str(deck_dir)

    def shown(path: Path) -> str:
        return f"{name}/{path.name}"

    if not deck_dir.is_dir():
        raise DeckError([ContentError(name, 1, "(folder)", "deck folder not found")])

    deck_file = _File(shown(deck_dir / "deck.yaml"), ctx)
    settings: Mapping[str, Any] = {}
    if not os.path.lexists(deck_dir / "deck.yaml"):
        deck_file.error(
            None, "(file)", "deck.yaml is missing: every deck needs one (see docs/deck-format.md)"
        )
    else:
        node = _read(deck_dir / "deck.yaml", deck_file)
        found = _walk_table(node, "", DECK, deck_file) if node is not None else None
        settings = found.values if found is not None else {}
        ctx.languages_known = ctx.languages_known and found is not None

    section_paths = sorted(p for p in deck_dir.glob("*.yaml") if p.name != "deck.yaml")
    for stray in sorted(deck_dir.glob("*.yml")):
        _File(shown(stray), ctx).error(None, "(file)", "section files must end in .yaml")
    if not section_paths:
        deck_file.error(
            None, "(folder)", "no section files (*.yaml besides deck.yaml) in the deck folder"
        )

    slides: list[Slide] = []
    seen: dict[str, Origin] = {}
    for path in section_paths:
        file = _File(shown(path), ctx)
        node = _read(path, file)
        found = _walk_table(node, "", SECTION_FILE, file) if node is not None else None
        topic_review = found.values.get("review") if found is not None else None
        for n, slide in enumerate(found.values.get("slides", ()) if found is not None else ()):
            if slide is None:
                continue
            if slide.id in seen:
                ctx.errors.append(
                    ContentError(
                        file.shown,
                        slide.origin.line,
                        f"slides[{n}].id",
                        f"slide id '{slide.id}' is already used at {seen[slide.id]}",
                    )
                )
                continue
            seen[slide.id] = slide.origin
            reviewed = topic_review is not None
            slides.append(dataclasses.replace(slide, review=topic_review) if reviewed else slide)
    slides = _check_questions(slides, ctx)
    if not slides and not ctx.errors:
        deck_file.error(None, "(folder)", "the deck has no slides")
    narration = settings.get("narration")
    if narration is not None and narration.required:
        _narration_required(slides, ctx)
    if ctx.errors:
        raise DeckError(ctx.errors, system_font=bool(settings.get("system_font")))
    settings = {**settings, "languages": ctx.languages}
    number = settings.get("emergency_number")
    if number is not None:
        # The urgency band draws the deck's number without being handed the deck.
        slides = [
            dataclasses.replace(s, emergency_number=number) if s.urgency else s for s in slides
        ]
    shown_slides = with_review_on_sources(slides, settings.get("review"), ctx.languages)
    return Deck(slides=shown_slides, root=deck_dir.resolve(), **settings)


__all__ = ["LANGUAGE_NAMES", "ContentError", "DeckError", "load_deck"]
