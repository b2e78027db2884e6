"""docs/deck-format.md and the loader's tables of fields say the same thing.

Every key the loader accepts is a row in one of the guide's tables (nested keys as
`transition.style` or `columns[].tone`), every row is a key the loader accepts, a key the
guide calls required is one the loader requires, and a default written as a single literal
is the default the model has."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kiosk.deck.content import DECK, SECTION_FILE, SLIDE, Field, ListOf, Nested, Table

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "deck-format.md"
# Each table of keys in the guide, by the heading it sits under.
DOCUMENTED = {"deck.yaml": DECK, "Section files": SECTION_FILE, "Slide fields": SLIDE}


@dataclasses.dataclass(frozen=True)
class Row:
    key: str
    cells: tuple[str, ...]  # the rest of the row
    header: tuple[str, ...]


def guide_rows() -> dict[str, dict[str, Row]]:
    """The rows of every table whose first column is `key` or `field`, by heading."""
    tables: dict[str, dict[str, Row]] = {}
    heading = ""
    header: tuple[str, ...] = ()
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading, header = line.lstrip("#").strip(), ()
            continue
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        cells = tuple(cell.strip() for cell in line.strip().strip("|").split("|"))
        if not header:
            header = cells
            continue
        if header[0] not in ("key", "field"):
            continue
        key = re.fullmatch(r"`([^`]+)`", cells[0])
        assert key, f"{heading}: the first cell of {line!r} is not one `key`"
        assert key[1] not in tables.get(heading, {}), f"{heading}: `{key[1]}` is listed twice"
        tables.setdefault(heading, {})[key[1]] = Row(key[1], cells[1:], header[1:])
    return tables


def table_keys(table: Table, prefix: str = "") -> Iterator[tuple[str, Field, Table]]:
    """Every key of `table` and of the mappings inside it, as the guide writes them, except
    tables the guide documents under their own heading."""
    for f in table.fields:
        yield prefix + f.key, f, table
        inner = f.convert
        if isinstance(inner, Nested | ListOf) and inner.table not in DOCUMENTED.values():
            mark = "[]." if isinstance(inner, ListOf) else "."
            yield from table_keys(inner.table, f"{prefix}{f.key}{mark}")


ROWS = guide_rows()
KEYS = {
    (heading, key): (f, owner)
    for heading, table in DOCUMENTED.items()
    for key, f, owner in table_keys(table)
}


def test_the_guide_has_a_table_for_each_kind_of_file():
    assert set(DOCUMENTED) <= set(ROWS), "a table the test expects is gone from the guide"


@pytest.mark.parametrize(("heading", "key"), sorted(KEYS))
def test_every_key_the_loader_reads_is_in_the_guide(heading, key):
    assert key in ROWS.get(heading, {}), f"docs/deck-format.md, {heading}: add a row for `{key}`"


@pytest.mark.parametrize(
    ("heading", "key"), sorted((h, k) for h, rows in ROWS.items() if h in DOCUMENTED for k in rows)
)
def test_every_key_in_the_guide_is_read_by_the_loader(heading, key):
    assert (
        heading,
        key,
    ) in KEYS, f"docs/deck-format.md, {heading}: `{key}` is not a key the loader reads"


# Keys in both, for the tests that compare what the two say about a key.
BOTH = sorted(k for k in KEYS if k[1] in ROWS.get(k[0], {}))


@pytest.mark.parametrize(("heading", "key"), BOTH)
def test_required_in_the_guide_means_required_by_the_loader(heading, key):
    row = ROWS[heading][key]
    says_required = any(cell.startswith("required") for cell in row.cells)
    assert says_required == KEYS[heading, key][0].required, f"{heading}: `{key}`"


def model_default(f: Field, owner: Table) -> Any:
    model = owner.model
    if not (isinstance(model, type) and dataclasses.is_dataclass(model)):
        return dataclasses.MISSING
    field = {fd.name: fd for fd in dataclasses.fields(model)}.get(f.fills)
    if field is None:
        return dataclasses.MISSING
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def literal_defaults() -> Iterator[tuple[str, str, Any, Any]]:
    """(heading, key, what the guide says, what the model has) for each default the guide
    writes as one literal, like `12` or `"#0A1A2E"`."""
    for heading, key in BOTH:
        f, owner = KEYS[heading, key]
        row = ROWS[heading][key]
        if "default" not in row.header:
            continue
        literal = re.fullmatch(r"`([^`]+)`", row.cells[row.header.index("default")])
        default = model_default(f, owner)
        if literal and default is not dataclasses.MISSING:
            yield heading, key, yaml.safe_load(literal[1]), default


def test_some_defaults_are_checked():
    checked = {key for _, key, _, _ in literal_defaults()}
    assert {"slide_duration", "transition.seconds", "theme.panel", "system_font"} <= checked


@pytest.mark.parametrize(("heading", "key", "written", "default"), list(literal_defaults()))
def test_a_default_in_the_guide_is_the_models(heading, key, written, default):
    if isinstance(default, tuple):  # a colour: the guide writes "#RRGGBB"
        written = tuple(int(written[n : n + 2], 16) for n in (1, 3, 5))
    assert written == default, f"docs/deck-format.md, {heading}: `{key}` defaults to {default!r}"
