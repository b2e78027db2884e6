"""The "scan to take this home" QR code: where it appears, that its pixels are the code, and
that it is big enough to scan from about a metre."""

from __future__ import annotations

from pathlib import Path

import pygame
import pytest

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.model import MEDLINEPLUS_CVI, MEDLINEPLUS_CVI_ES, SlideKind
from kiosk.screen.layout import Screen
from kiosk.screen.render import FontBook, SlideRenderer, font_dirs, qr_matrix

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def deck():
    pygame.display.init()
    pygame.display.set_mode((1, 1))
    return load_deck(ROOT / "slides")


def test_sources_slides_show_the_code_by_default(deck):
    sources = [s for s in deck.slides if s.kind is SlideKind.SOURCES]
    # One plain "where this comes from" slide carries the code (the full list of sources is
    # in docs/sources.md).
    shown = [s for s in sources if s.take_home]
    assert [s.id for s in shown] == ["where-this-comes-from"]
    assert deck.take_home_url_for("en") == MEDLINEPLUS_CVI
    assert deck.take_home_url_for("es") == MEDLINEPLUS_CVI_ES


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (1280, 800)])
def test_rendered_code_matches_the_url_module_by_module(deck, size, language):
    renderer = SlideRenderer(deck, Screen(*size), FontBook(font_dirs(deck.root)))
    index = next(i for i, s in enumerate(deck.slides) if s.take_home)
    plan = renderer.plan(index, language)
    assert plan.qr is not None
    # Big enough for a phone at ~1 m: at least 30 % of the shorter side.
    assert plan.qr.w >= 0.29 * min(size)
    surface = renderer.surface(index, language)
    # Each language's code opens that language's page (MedlinePlus in Spanish for Spanish).
    matrix = qr_matrix(deck.take_home_url_for(language))
    assert matrix != qr_matrix(deck.take_home_url_for("es" if language == "en" else "en"))
    modules = len(matrix) + 8
    module = plan.qr.w // modules
    assert module >= 4  # whole, crisp modules
    x0 = plan.qr.x + (plan.qr.w - module * modules) // 2
    y0 = plan.qr.y + (plan.qr.h - module * modules) // 2
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            pixel = surface.get_at(
                (x0 + (col + 4) * module + module // 2, y0 + (row + 4) * module + module // 2)
            )
            assert (pixel[:3] == (0, 0, 0)) is dark
    # Quiet zone: white all around.
    assert surface.get_at((x0 + module, y0 + module))[:3] == (255, 255, 255)
    assert any(line.text.startswith(("Scan", "Escanee")) for line in plan.lines)


def write(tmp_path: Path, deck_extra: str, slide_extra: str) -> Path:
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "deck.yaml").write_text("title: T\n" + deck_extra)
    (folder / "10-a.yaml").write_text(
        "section: A\nslides:\n  - id: a\n    kind: callout\n    title: A\n    body: B\n"
        + slide_extra
    )
    return folder


def test_any_slide_can_opt_in_and_the_url_is_configurable(tmp_path):
    deck = load_deck(
        write(tmp_path, "take_home_url: https://example.org/cvi\n", "    take_home: true\n")
    )
    assert deck.slides[0].take_home and deck.take_home_url == "https://example.org/cvi"
    assert deck.take_home_url_for("en") == "https://example.org/cvi"


def write_two_languages(tmp_path: Path, deck_extra: str) -> Path:
    folder = tmp_path / "slides"
    folder.mkdir()
    (folder / "deck.yaml").write_text("title: {en: T, es: T}\nlanguages: [en, es]\n" + deck_extra)
    (folder / "10-a.yaml").write_text(
        "section: {en: A, es: A}\nslides:\n  - id: a\n    kind: callout\n"
        "    title: {en: A, es: A}\n    body: {en: B, es: B}\n    take_home: true\n"
    )
    return folder


def test_a_plain_address_serves_every_language(tmp_path):
    deck = load_deck(write_two_languages(tmp_path, "take_home_url: https://example.org/cvi\n"))
    assert deck.take_home_url_for("en") == deck.take_home_url_for("es") == "https://example.org/cvi"


def test_one_address_per_language(tmp_path):
    deck = load_deck(
        write_two_languages(
            tmp_path,
            "take_home_url:\n  en: https://example.org/en\n  es: https://example.org/es\n",
        )
    )
    assert deck.take_home_url_for("en") == "https://example.org/en"
    assert deck.take_home_url_for("es") == "https://example.org/es"
    assert deck.take_home_url == "https://example.org/en"  # the default language's


def test_without_an_address_each_language_gets_medlineplus(tmp_path):
    deck = load_deck(write_two_languages(tmp_path, ""))
    assert deck.take_home_url_for("en") == MEDLINEPLUS_CVI
    assert deck.take_home_url_for("es") == MEDLINEPLUS_CVI_ES
    assert deck.take_home_url_for("fr") == MEDLINEPLUS_CVI  # no page of its own: the default


@pytest.mark.parametrize(
    ("urls", "expected"),
    [
        (
            "  en: https://example.org/en\n",
            "slides/deck.yaml:4: take_home_url: missing web address for es",
        ),
        (
            "  en: https://example.org/en\n  es: http://example.org/es\n",
            "slides/deck.yaml:5: take_home_url.es: expected a web address starting with https://",
        ),
        (
            "  en: https://example.org/en\n  es: https://example.org/es\n  fr: https://example.org/fr\n",
            "slides/deck.yaml:6: take_home_url.fr: 'fr' is not one of the deck's languages",
        ),
    ],
)
def test_per_language_address_errors_name_file_line_and_field(tmp_path, urls, expected):
    with pytest.raises(DeckError) as caught:
        load_deck(write_two_languages(tmp_path, "take_home_url:\n" + urls))
    assert any(expected in str(e) for e in caught.value.errors), caught.value


@pytest.mark.parametrize(
    ("deck_extra", "slide_extra", "expected"),
    [
        (
            "take_home_url: http://example.org\n",
            "",
            "take_home_url: expected a web address starting with https://",
        ),
        ("", "    take_home: maybe\n", "slides[0].take_home: expected true or false"),
    ],
)
def test_take_home_errors(tmp_path, deck_extra, slide_extra, expected):
    with pytest.raises(DeckError) as caught:
        load_deck(write(tmp_path, deck_extra, slide_extra))
    assert any(expected in str(e) for e in caught.value.errors), caught.value
