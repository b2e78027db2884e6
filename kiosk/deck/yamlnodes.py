"""YAML text to nodes that keep their line numbers, refusing what slides never need.

Composed with PyYAML's safe loader (no object construction); aliases and custom tags are
refused, and every problem becomes `NotYAMLError(line, sentence)` with the line a person
should look at (for a quote never closed: where it opened, not where PyYAML gave up).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
# An unquoted 2027-01-15 (a review date): nodes are only composed, never constructed, so the
# field reading it (kiosk.deck.content._iso_date) decides what it means.
TIMESTAMP = "tag:yaml.org,2002:timestamp"
_STANDARD_TAGS = {
    STR,
    INT,
    FLOAT,
    BOOL,
    NULL,
    TIMESTAMP,
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class NotYAMLError(Exception):
    """Why a file is not usable YAML, and the 1-based line to look at."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


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


def describe(node: Node) -> str:
    """What a value is, in words for the messages: "a list", "text", "a number"..."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {
        STR: "text",
        INT: "a number",
        FLOAT: "a number",
        BOOL: f"{node.value}",
        NULL: "nothing",
    }.get(node.tag, f"a {node.tag} value")


def parse(raw: bytes) -> Node:
    """The document's root node, or NotYAMLError."""
    try:
        text = raw.decode("utf-8-sig")  # tolerate the BOM some Windows editors add
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise NotYAMLError(line, "not UTF-8 text: save the file as UTF-8") from None
    if "\x00" in text:
        raise NotYAMLError(1, "contains binary data, not YAML text")
    try:
        node: Node | None = yaml.compose(text, Loader=_NoAliasLoader)
    except yaml.MarkedYAMLError as error:
        quote = _unclosed_quote(text, error)
        if quote is not None:
            line, mark_char = quote
            raise NotYAMLError(
                line,
                f"YAML error: the text that starts with {mark_char} on this line has no "
                f"closing {mark_char}",
            ) from None
        mark = error.problem_mark or error.context_mark
        problem = error.problem or "not valid YAML"
        if "\t" in problem or "tab" in problem:
            problem += " (use spaces, not tabs, to indent)"
        raise NotYAMLError(1 if mark is None else mark.line + 1, f"YAML error: {problem}") from None
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        raise NotYAMLError(1, f"YAML error: {error}") from None
    if node is None:
        raise NotYAMLError(1, "file is empty")
    for inner in _walk(node):
        if inner.tag not in _STANDARD_TAGS:
            raise NotYAMLError(
                inner.start_mark.line + 1, f"custom YAML tag {inner.tag} is not allowed"
            )
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
