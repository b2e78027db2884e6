"""Load a deck folder of YAML into `kiosk.model` objects, and say exactly what is wrong if not.

Files are composed to YAML *nodes* (safe loader, no object construction) so every value keeps
its line number; then each field is checked against the small schema below. Every problem is
collected — a staff member fixing slides wants the whole list, not one error per run — and
reported as `slides/30-symptoms.yaml:14: slides[2].bullets[1]: expected text, got a list`.

No pygame here. Files are read through `kiosk.files` (regular files inside the deck only,
bounded reads). Images are checked by `image_check`: by default their headers are sniffed
(`kiosk.images.sniff`); the loader child (`kiosk.loader`) passes one that also decodes them,
so image problems are reported together with every other problem, at the slide's line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kiosk.files import FileRefusedError, FileTooLargeError, read_deck_file
from kiosk.images import IMAGE_SUFFIXES, BadImageError, sniff
from kiosk.limits import DEFAULT_LIMITS, Limits
from kiosk.model import (
    DAY_NAMES,
    LANGUAGE_NAMES,
    RGB,
    Column,
    Deck,
    Origin,
    RestStyle,
    Schedule,
    Slide,
    SlideKind,
    StaffExit,
    Text,
    Theme,
    Tone,
    Transition,
    TransitionStyle,
)

MAX_BULLETS = 8
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_STANDARD_TAGS = {
    _STR,
    _INT,
    _FLOAT,
    _BOOL,
    _NULL,
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

# Which fields each kind of slide needs and which it may have (besides id/kind/title/
# section/duration, which every slide has).
KIND_FIELDS: dict[SlideKind, tuple[frozenset[str], frozenset[str]]] = {
    SlideKind.TITLE: (frozenset(), frozenset({"body", "image"})),
    SlideKind.BULLETS: (frozenset({"bullets"}), frozenset({"body", "image"})),
    SlideKind.TEXT_IMAGE: (frozenset({"body", "image"}), frozenset({"bullets"})),
    SlideKind.TWO_COLUMN: (frozenset({"columns"}), frozenset({"body"})),
    SlideKind.CALLOUT: (frozenset({"body"}), frozenset({"image"})),
    SlideKind.SOURCES: (frozenset({"bullets"}), frozenset({"body"})),
    SlideKind.DISCLAIMER: (frozenset({"body"}), frozenset({"bullets"})),
}
SLIDE_FIELDS = (
    "id",
    "kind",
    "title",
    "section",
    "duration",
    "body",
    "bullets",
    "columns",
    "image",
    "take_home",
)
COMMON_FIELDS = frozenset({"id", "kind", "title", "section", "duration", "take_home"})
DECK_FIELDS = (
    "title",
    "languages",
    "slide_duration",
    "idle_timeout",
    "transition",
    "theme",
    "staff_exit",
    "schedule",
    "take_home_url",
    "alternate_languages",
    "system_font",
)
THEME_FIELDS = tuple(Theme.__dataclass_fields__)


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


class _NoAliasLoader(yaml.SafeLoader):
    """Refuses aliases: slides never need them, and they are how "billion laughs" bombs
    expand a few hundred bytes into gigabytes."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in slides", event.start_mark
            )
        return super().compose_node(parent, index)


def _describe(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {
        _STR: "text",
        _INT: "a number",
        _FLOAT: "a number",
        _BOOL: f"{node.value}",
        _NULL: "nothing",
    }.get(node.tag, f"a {node.tag} value")


@dataclass
class _File:
    """One YAML file being read: its name as shown to people, and the error list."""

    shown: str
    errors: list[ContentError]

    def error(self, node: Node | None, path: str, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.errors.append(ContentError(self.shown, line, path or "(file)", message))

    def origin(self, node: Node) -> Origin:
        return Origin(self.shown, node.start_mark.line + 1)


# Why an image at this (resolved) path cannot be used, or None when it can.
ImageCheck = Callable[[Path], str | None]


def sniff_image(path: Path, roots: list[Path], limits: Limits = DEFAULT_LIMITS) -> str | None:
    """The default image check: read the file (bounded) and sniff its header; no decoding."""
    try:
        sniff(read_deck_file(path, limit=limits.image_file_bytes, roots=roots), limits)
    except (FileRefusedError, BadImageError) as problem:
        return str(problem)
    return None


@dataclass
class _Context:
    deck_dir: Path
    languages: tuple[str, ...] = ("en",)
    errors: list[ContentError] = field(default_factory=list)
    limits: Limits = DEFAULT_LIMITS
    image_check: ImageCheck | None = None
    reading: Callable[[Path], None] | None = None

    @property
    def roots(self) -> list[Path]:
        """The folders a deck file may live in (symlinks are followed only within them)."""
        return [self.deck_dir, self.deck_dir.parent / "assets"]

    def check_image(self, path: Path) -> str | None:
        if self.reading is not None:
            self.reading(path)
        if self.image_check is not None:
            return self.image_check(path)
        return sniff_image(path, self.roots, self.limits)


# -- reading files -----------------------------------------------------------------------


def _read(path: Path, file: _File, ctx: _Context) -> Node | None:
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
        text = raw.decode("utf-8-sig")  # tolerate the BOM some Windows editors add
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        file.errors.append(
            ContentError(file.shown, line, "(file)", "not UTF-8 text: save the file as UTF-8")
        )
        return None
    if "\x00" in text:
        file.error(None, "(file)", "contains binary data, not YAML text")
        return None
    try:
        node: Node | None = yaml.compose(text, Loader=_NoAliasLoader)
    except yaml.MarkedYAMLError as error:
        quote = _unclosed_quote(text, error)
        if quote is not None:
            line, mark_char = quote
            file.errors.append(
                ContentError(
                    file.shown,
                    line,
                    "(file)",
                    f"YAML error: the text that starts with {mark_char} on this line has no "
                    f"closing {mark_char}",
                )
            )
            return None
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = error.problem or "not valid YAML"
        if "\t" in problem or "tab" in problem:
            problem += " (use spaces, not tabs, to indent)"
        file.errors.append(ContentError(file.shown, line, "(file)", f"YAML error: {problem}"))
        return None
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        file.error(None, "(file)", f"YAML error: {error}")
        return None
    if node is None:
        file.error(None, "(file)", "file is empty")
        return None
    for inner in _walk(node):
        if inner.tag not in _STANDARD_TAGS:
            file.error(inner, "(file)", f"custom YAML tag {inner.tag} is not allowed")
            return None
    return node


# A line inside a quoted text that looks like the next field ("  bullets:", "- id: x"): the
# quote before it was never closed and swallowed the lines after it.
_SWALLOWED_FIELD = re.compile(r"\n[ \t]*(?:-[ \t]+)?[A-Za-z_][\w-]*:(?:[ \t]|$)", re.MULTILINE)


def _unclosed_quote(text: str, error: yaml.MarkedYAMLError) -> tuple[int, str] | None:
    """(line, quote character) of a quote that was never closed, when that caused `error`.

    PyYAML reports such an error where it gave up: at the end of the file, or at a later
    quote that it took as the closing one. The person needs the line where the quote opened.
    """
    if error.context == "while scanning a quoted scalar" and error.context_mark is not None:
        start = error.context_mark
        return start.line + 1, text[start.index] if start.index < len(text) else '"'
    suspect: tuple[int, str] | None = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ('"', "'")
                and token.end_mark.line > token.start_mark.line
                and _SWALLOWED_FIELD.search(text, token.start_mark.index, token.end_mark.index)
            ):
                suspect = (token.start_mark.line + 1, str(token.style))
    except yaml.YAMLError:
        pass
    return suspect


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)


def _fields(
    node: Node, path: str, allowed: tuple[str, ...], file: _File
) -> dict[str, tuple[Node, Node]] | None:
    """A mapping's fields by name (with key and value nodes); reports unknown and repeated keys."""
    if not isinstance(node, MappingNode):
        file.error(node, path or "(file)", f"expected a mapping of fields, got {_describe(node)}")
        return None
    found: dict[str, tuple[Node, Node]] = {}
    for key, value in node.value:
        name = key.value if isinstance(key, ScalarNode) else None
        where = f"{path}.{name}" if path and name else (name or path)
        if not isinstance(name, str) or key.tag != _STR:
            file.error(key, path or "(file)", f"field names must be text, got {_describe(key)}")
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
    return found


# -- values ------------------------------------------------------------------------------


def _text(node: Node, path: str, file: _File, ctx: _Context) -> Text | None:
    if isinstance(node, ScalarNode) and node.tag == _STR:
        if not node.value.strip():
            file.error(node, path, "is empty")
            return None
        if len(ctx.languages) > 1:
            file.error(
                node,
                path,
                f"missing translation: give one text per language ({', '.join(ctx.languages)}), "
                "e.g. {en: ..., es: ...}",
            )
            return None
        return Text({ctx.languages[0]: node.value.strip()})
    if isinstance(node, MappingNode):
        by_language: dict[str, str] = {}
        for key, value in node.value:
            code = key.value if isinstance(key, ScalarNode) else ""
            if code not in ctx.languages:
                file.error(key, f"{path}.{code}", f"'{code}' is not one of the deck's languages")
                continue
            if not (isinstance(value, ScalarNode) and value.tag == _STR):
                file.error(value, f"{path}.{code}", f"expected text, got {_describe(value)}")
                continue
            if not value.value.strip():
                file.error(value, f"{path}.{code}", "is empty")
                continue
            by_language[code] = value.value.strip()
        missing = [code for code in ctx.languages if code not in by_language]
        if missing and len(by_language) + len(missing) == len(ctx.languages):
            file.error(node, path, f"missing translation for {', '.join(missing)}")
        if missing:
            return None
        return Text({code: by_language[code] for code in ctx.languages})
    file.error(node, path, f"expected text, got {_describe(node)}")
    return None


def _texts(
    node: Node, path: str, file: _File, ctx: _Context, most: int = MAX_BULLETS
) -> tuple[Text, ...] | None:
    if not isinstance(node, SequenceNode):
        file.error(node, path, f"expected a list of texts, got {_describe(node)}")
        return None
    if not 1 <= len(node.value) <= most:
        file.error(node, path, f"expected 1 to {most} items, got {len(node.value)}")
        return None
    items = [_text(item, f"{path}[{n}]", file, ctx) for n, item in enumerate(node.value)]
    return tuple(t for t in items if t is not None) if all(items) else None


def _number(node: Node, path: str, file: _File, low: float, high: float) -> float | None:
    if isinstance(node, ScalarNode) and node.tag in (_INT, _FLOAT):
        try:
            value = float(node.value.replace("_", ""))
        except ValueError:
            value = float("nan")
        if low <= value <= high:
            return value
        file.error(
            node,
            path,
            f"expected a number of seconds between {low:g} and {high:g}, got {node.value}",
        )
        return None
    shown = (
        f"'{node.value}'" if isinstance(node, ScalarNode) and node.tag == _STR else _describe(node)
    )
    file.error(
        node, path, f"expected a number of seconds between {low:g} and {high:g}, got {shown}"
    )
    return None


def _choice(node: Node, path: str, file: _File, options: tuple[str, ...]) -> str | None:
    if isinstance(node, ScalarNode) and node.tag == _STR and node.value in options:
        return str(node.value)
    got = f"'{node.value}'" if isinstance(node, ScalarNode) else _describe(node)
    file.error(node, path, f"expected one of {', '.join(options)}, got {got}")
    return None


def _colour(node: Node, path: str, file: _File) -> RGB | None:
    if isinstance(node, ScalarNode) and node.tag == _STR and COLOUR.match(node.value):
        v = node.value
        return (int(v[1:3], 16), int(v[3:5], 16), int(v[5:7], 16))
    got = f"'{node.value}'" if isinstance(node, ScalarNode) else _describe(node)
    file.error(node, path, f'expected a colour like "#0A1A2E" (in quotes), got {got}')
    return None


# -- images ------------------------------------------------------------------------------


def _image(node: Node, path: str, file: _File, ctx: _Context) -> Path | None:
    if not (isinstance(node, ScalarNode) and node.tag == _STR and node.value.strip()):
        file.error(node, path, f"expected an image path, got {_describe(node)}")
        return None
    value = node.value.strip()
    if os.path.isabs(value) or value.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", value):
        file.error(node, path, f"image path must be relative (like images/valves.svg), got {value}")
        return None
    if not value.lower().endswith(IMAGE_SUFFIXES):
        file.error(node, path, f"image must be one of {', '.join(IMAGE_SUFFIXES)}, got {value}")
        return None
    deck_dir = ctx.deck_dir
    roots = [deck_dir.resolve(), (deck_dir.parent / "assets").resolve()]
    for root in roots:
        candidate = root / value
        # Refuse escapes even when the target does not exist: `..` and symlinks are resolved.
        try:
            resolved: Path = candidate.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            file.error(node, path, f"image {value}: is a symlink loop")
            return None
        if not resolved.is_relative_to(root):
            file.error(
                node,
                path,
                f"image {value} leads outside the {root.name}/ folder; keep images inside "
                f"{deck_dir.name}/ or assets/",
            )
            return None
        if os.path.lexists(candidate):
            # Whatever is there (a FIFO, a folder...) is the check's to refuse, not "missing".
            problem = ctx.check_image(resolved)
            if problem:
                file.error(node, path, f"image {value}: {problem}")
                return None
            return resolved
    file.error(node, path, f"image not found: {value} (looked in {deck_dir.name}/ and assets/)")
    return None


# -- deck.yaml ---------------------------------------------------------------------------


def _deck_settings(node: Node, file: _File, ctx: _Context) -> dict[str, Any]:
    fields = _fields(node, "", DECK_FIELDS, file)
    settings: dict[str, Any] = {}
    if fields is None:
        return settings
    if "languages" in fields:
        languages_node = fields["languages"][1]
        codes = _languages(languages_node, file)
        if codes:
            ctx.languages = codes
            settings["languages"] = codes
    if "title" not in fields:
        file.error(node, "title", "missing required field 'title'")
    else:
        settings["title"] = _text(fields["title"][1], "title", file, ctx)
    if "slide_duration" in fields:
        settings["slide_duration"] = _number(
            fields["slide_duration"][1], "slide_duration", file, 2, 600
        )
    if "idle_timeout" in fields:
        settings["idle_timeout"] = _number(
            fields["idle_timeout"][1], "idle_timeout", file, 10, 3600
        )
    if "transition" in fields:
        settings["transition"] = _transition(fields["transition"][1], file)
    if "theme" in fields:
        settings["theme"] = _theme(fields["theme"][1], file)
    if "staff_exit" in fields:
        settings["staff_exit"] = _staff_exit(fields["staff_exit"][1], file)
    if "schedule" in fields:
        settings["schedule"] = _schedule(fields["schedule"][1], file)
    if "alternate_languages" in fields:
        settings["alternate_languages"] = _flag(
            fields["alternate_languages"][1], "alternate_languages", file
        )
    if "take_home_url" in fields:
        urls = _urls(fields["take_home_url"][1], "take_home_url", file, ctx)
        if urls is not None:
            settings["take_home_url"] = urls[ctx.languages[0]]
            settings["take_home_urls"] = urls
    if "system_font" in fields:
        settings["system_font"] = _flag(fields["system_font"][1], "system_font", file)
    return settings


def _clock_time(node: Node, path: str, file: _File) -> dt.time | None:
    text = node.value if isinstance(node, ScalarNode) and node.tag == _STR else None
    match = re.fullmatch(r"([01]?[0-9]|2[0-3]):([0-5][0-9])", text or "")
    if match is None:
        # YAML 1.1 reads an unquoted 07:30 as a number (sexagesimal): ask for quotes.
        file.error(node, path, 'expected a time like "07:30" (24-hour, in quotes)')
        return None
    return dt.time(int(match[1]), int(match[2]))


def _schedule(node: Node, file: _File) -> Schedule | None:
    fields = _fields(node, "schedule", ("open", "close", "days", "outside_hours"), file)
    if fields is None:
        return None
    for needed in ("open", "close"):
        if needed not in fields:
            file.error(node, f"schedule.{needed}", f"missing required field '{needed}'")
    if "open" not in fields or "close" not in fields:
        return None
    opens = _clock_time(fields["open"][1], "schedule.open", file)
    closes = _clock_time(fields["close"][1], "schedule.close", file)
    days = frozenset(range(7))
    if "days" in fields:
        days_node = fields["days"][1]
        names = [d.value for d in days_node.value] if isinstance(days_node, SequenceNode) else None
        if not names or any(not isinstance(n, str) or n not in DAY_NAMES for n in names):
            file.error(
                days_node, "schedule.days", f"expected a list of days from {', '.join(DAY_NAMES)}"
            )
            return None
        days = frozenset(DAY_NAMES.index(n) for n in names)
    style = RestStyle.DIM
    if "outside_hours" in fields:
        chosen = _choice(
            fields["outside_hours"][1],
            "schedule.outside_hours",
            file,
            tuple(r.value for r in RestStyle),
        )
        style = RestStyle(chosen) if chosen else style
    if opens is None or closes is None:
        return None
    if closes <= opens:
        file.error(
            fields["close"][1], "schedule.close", "closing time must be later than opening time"
        )
        return None
    return Schedule(opens, closes, days, style)


def _languages(node: Node, file: _File) -> tuple[str, ...] | None:
    if not isinstance(node, SequenceNode) or not node.value:
        file.error(node, "languages", "expected a list of language codes such as [en, es]")
        return None
    codes: list[str] = []
    for n, item in enumerate(node.value):
        code = item.value if isinstance(item, ScalarNode) else None
        if not (isinstance(code, str) and LANGUAGE_CODE.match(code)):
            file.error(
                item,
                f"languages[{n}]",
                f"expected a two-letter language code, got {_describe(item)}",
            )
            return None
        if code in codes:
            file.error(item, f"languages[{n}]", f"'{code}' is listed twice")
            return None
        codes.append(code)
    return tuple(codes)


def _transition(node: Node, file: _File) -> Transition | None:
    fields = _fields(node, "transition", ("style", "seconds"), file)
    if fields is None:
        return None
    style = TransitionStyle.CROSSFADE
    seconds = 0.4
    if "style" in fields:
        chosen = _choice(
            fields["style"][1], "transition.style", file, tuple(s.value for s in TransitionStyle)
        )
        style = TransitionStyle(chosen) if chosen else style
    if "seconds" in fields:
        value = _number(fields["seconds"][1], "transition.seconds", file, 0, 2)
        seconds = value if value is not None else seconds
    return Transition(style, seconds)


def _theme(node: Node, file: _File) -> Theme | None:
    fields = _fields(node, "theme", THEME_FIELDS, file)
    if fields is None:
        return None
    colours = {name: _colour(value, f"theme.{name}", file) for name, (_, value) in fields.items()}
    return Theme(**{name: c for name, c in colours.items() if c is not None})


def _staff_exit(node: Node, file: _File) -> StaffExit | None:
    fields = _fields(node, "staff_exit", ("hold_seconds", "pin"), file)
    if fields is None:
        return None
    hold = 5.0
    if "hold_seconds" in fields:
        value = _number(fields["hold_seconds"][1], "staff_exit.hold_seconds", file, 2, 30)
        hold = value if value is not None else hold
    if "pin" in fields:
        # Decks are synced to every screen and read by everyone who edits slides: a PIN there
        # is no secret. Each screen keeps only a hash of its own (kiosk.pin).
        file.error(
            fields["pin"][1],
            "staff_exit.pin",
            "a PIN in the deck can be read by anyone who sees the slides; remove it and run "
            "`kiosk set-pin` on each screen instead",
        )
    return StaffExit(hold)


# -- section files -----------------------------------------------------------------------


def _section_file(node: Node, file: _File, ctx: _Context) -> list[tuple[Slide, Node, str]]:
    """The file's good slides, each with its node and its path (`slides[2]`) for messages."""
    fields = _fields(node, "", ("section", "slides"), file)
    if fields is None:
        return []
    section = None
    if "section" in fields:
        section = _text(fields["section"][1], "section", file, ctx)
    else:
        file.error(node, "section", "missing required field 'section' (the topic-menu entry)")
    if "slides" not in fields:
        file.error(node, "slides", "missing required field 'slides'")
        return []
    slides_node = fields["slides"][1]
    if not isinstance(slides_node, SequenceNode) or not slides_node.value:
        file.error(
            slides_node, "slides", f"expected a list of slides, got {_describe(slides_node)}"
        )
        return []
    slides = []
    for n, item in enumerate(slides_node.value):
        slide = _slide(item, f"slides[{n}]", file, ctx, section)
        if slide is not None:
            slides.append((slide, item, f"slides[{n}]"))
    return slides


def _slide(node: Node, path: str, file: _File, ctx: _Context, section: Text | None) -> Slide | None:
    fields = _fields(node, path, SLIDE_FIELDS, file)
    if fields is None:
        return None
    before = len(file.errors)
    for needed in ("id", "kind", "title"):
        if needed not in fields:
            file.error(node, f"{path}.{needed}", f"missing required field '{needed}'")
    slide_id = None
    if "id" in fields:
        id_node = fields["id"][1]
        if isinstance(id_node, ScalarNode) and id_node.tag == _STR and SLUG.match(id_node.value):
            slide_id = id_node.value
        else:
            file.error(
                id_node,
                f"{path}.id",
                "expected lower-case letters, digits and dashes, like 'what-is-cvi'",
            )
    kind = None
    if "kind" in fields:
        chosen = _choice(fields["kind"][1], f"{path}.kind", file, tuple(k.value for k in SlideKind))
        kind = SlideKind(chosen) if chosen else None
    if kind is not None:
        required, optional = KIND_FIELDS[kind]
        for name in sorted(required - fields.keys()):
            file.error(node, f"{path}.{name}", f"a {kind.value} slide needs '{name}'")
        for name in sorted(fields.keys() - required - optional - COMMON_FIELDS):
            file.error(
                fields[name][0], f"{path}.{name}", f"'{name}' is not used by a {kind.value} slide"
            )

    def get(name: str, convert: Callable[[Node, str], Any]) -> Any:
        return convert(fields[name][1], f"{path}.{name}") if name in fields else None

    title = get("title", lambda n, p: _text(n, p, file, ctx))
    own_section = get("section", lambda n, p: _text(n, p, file, ctx))
    duration = get("duration", lambda n, p: _number(n, p, file, 2, 600))
    body = get("body", lambda n, p: _text(n, p, file, ctx))
    bullets = get("bullets", lambda n, p: _texts(n, p, file, ctx))
    columns = get("columns", lambda n, p: _columns(n, p, file, ctx))
    image = get("image", lambda n, p: _image(n, p, file, ctx))
    image_origin = file.origin(fields["image"][1]) if image is not None else None
    take_home = get("take_home", lambda n, p: _flag(n, p, file))
    if take_home and image is not None:
        file.error(
            fields["take_home"][0],
            f"{path}.take_home",
            "a slide with an image has no room for the take-home code",
        )
    if take_home is None:
        take_home = kind is SlideKind.SOURCES  # where visitors look for "where can I read more"
    if len(file.errors) > before or slide_id is None or kind is None or title is None:
        return None
    chosen_section = own_section or section
    if chosen_section is None:
        return None
    return Slide(
        id=slide_id,
        kind=kind,
        title=title,
        section=chosen_section,
        origin=file.origin(node),
        body=body,
        bullets=bullets or (),
        columns=columns or (),
        image=image,
        duration=duration,
        take_home=bool(take_home),
        image_origin=image_origin,
    )


def _flag(node: Node, path: str, file: _File) -> bool | None:
    if isinstance(node, ScalarNode) and node.tag == _BOOL:
        return bool(node.value.lower() in ("true", "yes", "on"))
    file.error(node, path, f"expected true or false, got {_describe(node)}")
    return None


def _url(node: Node, path: str, file: _File) -> str | None:
    value = node.value if isinstance(node, ScalarNode) and node.tag == _STR else ""
    if re.fullmatch(r"https://[^\s]{4,300}", value):
        return str(value)
    file.error(node, path, "expected a web address starting with https://")
    return None


def _urls(node: Node, path: str, file: _File, ctx: _Context) -> dict[str, str] | None:
    """One web address for every language, or a mapping with one per language (like a text)."""
    if not isinstance(node, MappingNode):
        url = _url(node, path, file)
        return None if url is None else dict.fromkeys(ctx.languages, url)
    urls: dict[str, str] = {}
    for key, value in node.value:
        code = key.value if isinstance(key, ScalarNode) else ""
        if code not in ctx.languages:
            file.error(key, f"{path}.{code}", f"'{code}' is not one of the deck's languages")
            continue
        url = _url(value, f"{path}.{code}", file)
        if url is not None:
            urls[code] = url
    missing = [code for code in ctx.languages if code not in urls]
    if missing and len(urls) + len(missing) == len(ctx.languages):
        file.error(node, path, f"missing web address for {', '.join(missing)}")
    return None if missing else urls


def _columns(node: Node, path: str, file: _File, ctx: _Context) -> tuple[Column, ...] | None:
    if not isinstance(node, SequenceNode) or len(node.value) != 2:
        count = f"{len(node.value)} items" if isinstance(node, SequenceNode) else _describe(node)
        file.error(node, path, f"expected exactly 2 columns, got {count}")
        return None
    columns = []
    for n, item in enumerate(node.value):
        where = f"{path}[{n}]"
        fields = _fields(item, where, ("heading", "bullets", "tone"), file)
        if fields is None:
            return None
        for required in ("heading", "bullets"):
            if required not in fields:
                file.error(item, f"{where}.{required}", f"missing required field '{required}'")
        heading = (
            _text(fields["heading"][1], f"{where}.heading", file, ctx)
            if "heading" in fields
            else None
        )
        bullets = (
            _texts(fields["bullets"][1], f"{where}.bullets", file, ctx)
            if "bullets" in fields
            else None
        )
        tone = Tone.INFO
        if "tone" in fields:
            chosen = _choice(fields["tone"][1], f"{where}.tone", file, tuple(t.value for t in Tone))
            tone = Tone(chosen) if chosen else tone
        if heading is None or bullets is None:
            return None
        columns.append(Column(heading, bullets, tone))
    return tuple(columns)


# -- the deck ----------------------------------------------------------------------------


def load_deck(
    folder: str | os.PathLike[str],
    *,
    limits: Limits = DEFAULT_LIMITS,
    image_check: ImageCheck | None = None,
    reading: Callable[[Path], None] | None = None,
) -> Deck:
    """Read and check a deck folder. Raises DeckError listing every problem found.

    `image_check` replaces the default header sniff (the loader child decodes there);
    `reading` is told each file's path before it is read (the child reports progress so a
    crash can be pinned on a file)."""
    deck_dir = Path(folder)
    ctx = _Context(deck_dir=deck_dir, limits=limits, image_check=image_check, reading=reading)
    name = deck_dir.name or str(deck_dir)

    def shown(path: Path) -> str:
        return f"{name}/{path.name}"

    if not deck_dir.is_dir():
        raise DeckError([ContentError(name, 1, "(folder)", "deck folder not found")])

    deck_file = _File(shown(deck_dir / "deck.yaml"), ctx.errors)
    settings: dict[str, Any] = {}
    if not os.path.lexists(deck_dir / "deck.yaml"):
        deck_file.error(
            None, "(file)", "deck.yaml is missing: every deck needs one (see docs/deck-format.md)"
        )
    else:
        node = _read(deck_dir / "deck.yaml", deck_file, ctx)
        if node is not None:
            settings = _deck_settings(node, deck_file, ctx)

    section_paths = sorted(p for p in deck_dir.glob("*.yaml") if p.name != "deck.yaml")
    for stray in sorted(deck_dir.glob("*.yml")):
        _File(shown(stray), ctx.errors).error(None, "(file)", "section files must end in .yaml")
    if not section_paths:
        deck_file.error(
            None, "(folder)", "no section files (*.yaml besides deck.yaml) in the deck folder"
        )

    slides: list[Slide] = []
    seen: dict[str, Origin] = {}
    for path in section_paths:
        file = _File(shown(path), ctx.errors)
        node = _read(path, file, ctx)
        if node is None:
            continue
        for slide, slide_node, where in _section_file(node, file, ctx):
            if slide.id in seen:
                file.error(
                    slide_node,
                    f"{where}.id",
                    f"slide id '{slide.id}' is already used at {seen[slide.id]}",
                )
                continue
            seen[slide.id] = slide.origin
            slides.append(slide)
    if not slides and not ctx.errors:
        deck_file.error(None, "(folder)", "the deck has no slides")
    if ctx.errors:
        raise DeckError(ctx.errors, system_font=bool(settings.get("system_font")))

    defaults = Deck(title=Text({"en": ""}), languages=("en",), slides=(), root=deck_dir)
    return Deck(
        title=settings.get("title") or Text({ctx.languages[0]: name}),
        languages=ctx.languages,
        slides=tuple(slides),
        root=deck_dir.resolve(),
        slide_duration=settings.get("slide_duration") or defaults.slide_duration,
        idle_timeout=settings.get("idle_timeout") or defaults.idle_timeout,
        transition=settings.get("transition") or defaults.transition,
        theme=settings.get("theme") or defaults.theme,
        staff_exit=settings.get("staff_exit") or defaults.staff_exit,
        schedule=settings.get("schedule"),
        take_home_url=settings.get("take_home_url") or defaults.take_home_url,
        take_home_urls=settings.get("take_home_urls") or defaults.take_home_urls,
        alternate_languages=bool(settings.get("alternate_languages")),
        system_font=bool(settings.get("system_font")),
    )


__all__ = ["LANGUAGE_NAMES", "ContentError", "DeckError", "load_deck"]
