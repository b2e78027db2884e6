"""Every kind of slide is handled everywhere a kind matters: the loader's table of fields, the
guide's kinds table, layout at every checked size and the larger-text re-flow. A new kind in
`SlideKind` fails here until each of them knows it (and until it has a sample below)."""

from __future__ import annotations

import re
from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import KIND_FIELDS
from kiosk.deck.model import Answer, Column, Origin, Slide, SlideKind, Text, Tone
from kiosk.loader.check import STANDARD_SIZES
from kiosk.screen.layout import Screen
from kiosk.screen.layout_check import plan_slide
from kiosk.screen.presentation import paginate
from kiosk.screen.render import FontBook, font_dirs

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deck-format.md"
SIZES = STANDARD_SIZES  # the sizes `kiosk validate` checks every deck at
IMAGE = ROOT / "assets" / "images" / "leg-veins.svg"


def t(words: str) -> Text:
    return Text({"en": words, "es": f"{words} (es)"})


# One plain slide of each kind, with the fields its row of KIND_FIELDS requires.
SAMPLES: dict[SlideKind, dict[str, object]] = {
    SlideKind.TITLE: {"body": t("A short subtitle")},
    SlideKind.BULLETS: {"bullets": (t("Swollen legs"), t("Aching legs"))},
    SlideKind.TEXT_IMAGE: {"body": t("Veins carry blood to the heart."), "image": IMAGE},
    SlideKind.TWO_COLUMN: {
        "columns": (
            Column(t("Do"), (t("Walk"),), Tone.DO),
            Column(t("Avoid"), (t("Tight belts"),), Tone.AVOID),
        )
    },
    SlideKind.CALLOUT: {"body": t("Treatment aims to keep blood flowing.")},
    SlideKind.SOURCES: {"bullets": (t("MedlinePlus, Venous insufficiency"),)},
    SlideKind.DISCLAIMER: {"body": t("This is not medical advice.")},
    SlideKind.CHECK: {
        "answers": (Answer(t("Carry blood to the heart"), True), Answer(t("Make blood"))),
        "explanation": t("Veins carry blood back to the heart."),
        "teaches": "what-is-cvi",
    },
}


def sample(kind: SlideKind) -> Slide:
    return Slide(
        id=f"sample-{kind.value}",
        kind=kind,
        title=t("A title"),
        section=t("Topic"),
        origin=Origin("slides/test.yaml", 1),
        **SAMPLES[kind],  # type: ignore[arg-type]
    )


def guide_kinds() -> dict[str, tuple[str, str]]:
    """The guide's "Kinds and what they need" table: kind -> (required, allowed too)."""
    text = GUIDE.read_text(encoding="utf-8")
    table = text.split("### Kinds and what they need", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


@pytest.fixture(scope="module")
def fonts() -> FontBook:
    pygame.display.init()
    pygame.display.set_mode((1, 1))
    return FontBook(font_dirs(ROOT / "slides"))


def test_every_kind_has_fields_a_guide_row_and_a_sample():
    kinds = set(SlideKind)
    assert set(KIND_FIELDS) == kinds, "kiosk/deck/content.py KIND_FIELDS"
    assert set(SAMPLES) == kinds, "add a sample slide of the new kind above"
    assert set(guide_kinds()) == {k.value for k in kinds}, "docs/deck-format.md kinds table"


@pytest.mark.parametrize("kind", list(SlideKind), ids=lambda k: k.value)
def test_the_guide_names_the_fields_each_kind_needs_and_allows(kind):
    required, allowed = guide_kinds()[kind.value]
    needs, may = KIND_FIELDS[kind]
    assert set(re.findall(r"`([a-z_]+)`", required)) == needs | {"title"}, kind
    assert set(re.findall(r"`([a-z_]+)`", allowed)) == may, kind


@pytest.mark.parametrize("kind", list(SlideKind), ids=lambda k: k.value)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_kind_lays_out_and_reflows_for_larger_text(fonts, kind, size):
    slide = sample(kind)
    screen = Screen(*size)
    for language in ("en", "es"):
        plan = plan_slide(slide, language, screen, fonts)
        assert plan.lines, (kind, language)
    pages = paginate(slide, ("en", "es"), screen.larger(), fonts)
    assert pages and all(base.kind in SlideKind for base in pages)
