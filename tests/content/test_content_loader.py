"""Loading and validating decks: every error kind names file, line and field."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.model import Deck, SlideKind, Text, Tone, TransitionStyle

DECK_YAML = """\
title: Test deck
languages: [en]
slide_duration: 9
idle_timeout: 45
transition: {style: slide, seconds: 0.3}
theme:
  accent: "#FFAA00"
staff_exit: {hold_seconds: 4}
"""

SECTION_YAML = """\
section: Symptoms
slides:
  - id: swelling
    kind: bullets
    title: Signs to look for
    bullets:
      - Swollen legs
      - Aching legs
    duration: 14
  - id: do-avoid
    kind: two-column
    section: Prevention
    title: Help your veins
    columns:
      - heading: Do
        tone: do
        bullets: [Walk]
      - heading: Avoid
        tone: avoid
        bullets: [Tight belts]
"""


def make(tmp_path: Path, deck: str = DECK_YAML, **sections: str) -> Path:
    folder = tmp_path / "slides"
    folder.mkdir(exist_ok=True)
    (folder / "deck.yaml").write_text(deck, encoding="utf-8")
    for name, text in (sections or {"s10_symptoms": SECTION_YAML}).items():
        (folder / f"{name.replace('_', '-')}.yaml").write_text(text, encoding="utf-8")
    return folder


def errors_of(folder: Path) -> list[str]:
    with pytest.raises(DeckError) as caught:
        load_deck(folder)
    return [str(e) for e in caught.value.errors]


def test_a_valid_deck_loads_into_the_model(tmp_path):
    deck = load_deck(make(tmp_path))
    assert deck.title == Text({"en": "Test deck"})
    assert (deck.slide_duration, deck.idle_timeout) == (9, 45)
    assert deck.transition.style is TransitionStyle.SLIDE and deck.transition.seconds == 0.3
    assert deck.theme.accent == (255, 170, 0)
    assert deck.staff_exit.hold_seconds == 4
    first, second = deck.slides
    assert first.kind is SlideKind.BULLETS and first.duration == 14
    assert [b.get("en") for b in first.bullets] == ["Swollen legs", "Aching legs"]
    assert str(first.origin) == "slides/s10-symptoms.yaml:3"
    assert (
        second.columns[0].tone is Tone.DO
        and second.columns[1].bullets[0].get("en") == "Tight belts"
    )
    assert [s.title.get("en") for s in deck.sections] == ["Symptoms", "Prevention"]
    assert deck.duration_of(1) == 9


def test_section_files_load_in_name_order(tmp_path):
    one = "section: One\nslides:\n  - {id: one, kind: callout, title: One, body: First}\n"
    two = "section: Two\nslides:\n  - {id: two, kind: callout, title: Two, body: Second}\n"
    deck = load_deck(make(tmp_path, s20_b=two, s10_a=one))
    assert [s.id for s in deck.slides] == ["one", "two"]


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "section: A\nslides:\n  - id: a\n    kind: bullets\n    title: A\n    bullets:\n      - [nested]\n",
            "slides/s10-x.yaml:7: slides[0].bullets[0]: expected text, got a list",
        ),
        (
            "section: A\nslides:\n  - id: a\n    kind: bullets\n    title: A\n    bulets: [x]\n",
            "slides/s10-x.yaml:6: slides[0].bulets: unknown field 'bulets' (did you mean 'bullets'?)",
        ),
        (
            "section: A\nslides:\n  - id: a\n    kind: bullets\n    title: A\n",
            "slides/s10-x.yaml:3: slides[0].bullets: a bullets slide needs 'bullets'",
        ),
        (
            "section: A\nslides:\n  - id: a\n    kind: slideshow\n    title: A\n",
            "slides/s10-x.yaml:4: slides[0].kind: expected one of title, bullets",
        ),
        (
            "section: A\nslides:\n  - id: Big Slide\n    kind: title\n    title: A\n",
            "slides/s10-x.yaml:3: slides[0].id: expected lower-case letters",
        ),
        (
            "section: A\nslides:\n  - id: a\n    kind: title\n    title: true\n",
            "slides/s10-x.yaml:5: slides[0].title: expected text, got true",
        ),
        (
            "section: A\nslides:\n  - id: a\n    kind: title\n    title: A\n    duration: 1000\n",
            "slides/s10-x.yaml:6: slides[0].duration: expected a number of seconds between 2 and 600, got 1000",
        ),
        (
            "section: A\nslides:\n  - id: a\n    kind: callout\n    title: A\n    body: B\n    columns: []\n",
            "slides/s10-x.yaml:7: slides[0].columns: 'columns' is not used by a callout slide",
        ),
        (
            "section: A\nslides:\n  - id: a\n    kind: title\n    title: A\n    title: B\n",
            "slides/s10-x.yaml:6: slides[0].title: 'title' is given twice (first on line 5)",
        ),
        (
            "section: A\nslides:\n  - id: a\n    kind: two-column\n    title: A\n    columns:\n      - {heading: H, bullets: [x]}\n",
            "slides/s10-x.yaml:7: slides[0].columns: expected exactly 2 columns, got 1 items",
        ),
        (
            "section: A\nslides:\n  - id: a\n    kind: bullets\n    title: A\n    bullets: [a, b, c, d, e, f, g, h, i]\n",
            "slides/s10-x.yaml:6: slides[0].bullets: expected 1 to 8 items, got 9",
        ),
        (
            "section: A\nslides:\n  - id: a\n    kind: title\n    title: '   '\n",
            "slides/s10-x.yaml:5: slides[0].title: is empty",
        ),
        (
            "slides:\n  - {id: a, kind: title, title: A}\n",
            "slides/s10-x.yaml:1: section: missing required field 'section'",
        ),
        (
            "section: A\nslides: []\n",
            "slides/s10-x.yaml:2: slides: expected a list of slides, got a list",
        ),
        ("section: A\nslides:\n\t- id: a\n", "slides/s10-x.yaml:3: (file): YAML error"),
    ],
)
def test_each_error_names_file_line_and_field(tmp_path, section, expected):
    found = errors_of(make(tmp_path, s10_x=section))
    assert any(line.startswith(expected) for line in found), found


@pytest.mark.parametrize(
    ("deck", "expected"),
    [
        (
            "title: T\nidle_timeout: soon\n",
            "slides/deck.yaml:2: idle_timeout: expected a number of seconds between 10 and 3600, got 'soon'",
        ),
        ("title: T\ntheme: {accent: red}\n", "slides/deck.yaml:2: theme.accent: expected a colour"),
        (
            "title: T\ntheme: {acent: '#000000'}\n",
            "slides/deck.yaml:2: theme.acent: unknown field 'acent' (did you mean 'accent'?)",
        ),
        (
            "title: T\nstaff_exit: {pin: '2468'}\n",
            "slides/deck.yaml:2: staff_exit.pin: a PIN in the deck can be read by anyone who sees the slides; remove it and run `kiosk set-pin` on each screen instead",
        ),
        (
            "title: T\nstaff_exit: {pin: 0123}\n",
            "slides/deck.yaml:2: staff_exit.pin: a PIN in the deck can be read",
        ),
        (
            "title: T\nlanguages: [en, en]\n",
            "slides/deck.yaml:2: languages[1]: 'en' is listed twice",
        ),
        (
            "title: T\ntransition: {style: wipe}\n",
            "slides/deck.yaml:2: transition.style: expected one of crossfade, slide",
        ),
        ("idle_timeout: 30\n", "slides/deck.yaml:1: title: missing required field 'title'"),
        (
            "title: T\nalternate_languages: sometimes\n",
            "slides/deck.yaml:2: alternate_languages: expected true or false",
        ),
    ],
)
def test_deck_settings_errors(tmp_path, deck, expected):
    found = errors_of(make(tmp_path, deck=deck))
    assert any(line.startswith(expected) for line in found), found


def test_every_problem_is_reported_at_once(tmp_path):
    bad = "section: A\nslides:\n  - id: a\n    kind: title\n    title: [x]\n  - id: b\n    kind: nope\n    title: B\n"
    found = errors_of(make(tmp_path, deck="title: T\nidle_timeout: x\n", s10_x=bad))
    assert len(found) == 3
    assert {line.split(":")[0] for line in found} == {"slides/deck.yaml", "slides/s10-x.yaml"}


def test_duplicate_ids_across_files_name_both_places(tmp_path):
    one = "section: A\nslides:\n  - {id: same, kind: callout, title: A, body: B}\n"
    found = errors_of(make(tmp_path, s10_a=one, s20_b="\n" + one))
    assert found == [
        "slides/s20-b.yaml:4: slides[0].id: slide id 'same' is already used at slides/s10-a.yaml:3"
    ]


def test_missing_deck_yaml_and_empty_folder(tmp_path):
    folder = tmp_path / "slides"
    folder.mkdir()
    found = errors_of(folder)
    assert any("deck.yaml is missing" in line for line in found)
    assert any("no section files" in line for line in found)


def test_alias_bomb_is_refused_quickly(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]\n"
        for n in range(20)
    )
    start = time.monotonic()
    found = errors_of(make(tmp_path, s10_x=bomb))
    assert time.monotonic() - start < 5
    assert any("aliases (*name) are not allowed" in line and ":2:" in line for line in found)


def test_custom_tags_are_refused(tmp_path):
    found = errors_of(make(tmp_path, s10_x="section: !!python/object:os.system A\nslides: []\n"))
    assert any("custom YAML tag" in line for line in found)


def test_bom_is_accepted(tmp_path):
    folder = make(tmp_path)
    (folder / "deck.yaml").write_bytes("\ufeff".encode() + DECK_YAML.encode())
    assert load_deck(folder).title.get("en") == "Test deck"


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02\xff\xfe garbage",
        "título: á\n".encode("latin-1"),
        b"\x89PNG\r\n\x1a\n" + bytes(100),
    ],
)
def test_binary_or_wrongly_encoded_files_are_clean_errors(tmp_path, content):
    folder = make(tmp_path)
    (folder / "s20-bad.yaml").write_bytes(content)
    found = errors_of(folder)
    assert any(line.startswith("slides/s20-bad.yaml:") for line in found)


def test_huge_file_is_refused_before_parsing(tmp_path):
    folder = make(tmp_path)
    (folder / "s20-big.yaml").write_text("# " + "x" * 1_100_000)
    assert any("slide files must be under 256 KB" in line for line in errors_of(folder))


def image_section(path: str) -> str:
    return f"section: A\nslides:\n  - id: a\n    kind: text-image\n    title: A\n    body: B\n    image: {path}\n"


def test_images_resolve_in_the_deck_or_assets_folder(tmp_path):
    folder = make(tmp_path, s10_x=image_section("images/a.svg"))
    (tmp_path / "assets" / "images").mkdir(parents=True)
    (tmp_path / "assets" / "images" / "a.svg").write_text('<svg width="4" height="3"/>')
    assert load_deck(folder).slides[0].image == (tmp_path / "assets" / "images" / "a.svg").resolve()
    (folder / "images").mkdir()
    (folder / "images" / "a.svg").write_text('<svg viewBox="0 0 4 3"/>')
    assert load_deck(folder).slides[0].image == (folder / "images" / "a.svg").resolve()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../../secret.png", "leads outside"),
        ("/etc/passwd.png", "must be relative"),
        (
            "images/missing.png",
            "image not found: images/missing.png (looked in slides/ and assets/)",
        ),
        ("images/notes.txt", "image must be one of"),
    ],
)
def test_bad_image_paths(tmp_path, path, message):
    (tmp_path.parent / "secret.png").write_bytes(b"x")
    found = errors_of(make(tmp_path, s10_x=image_section(path)))
    assert any(
        line.startswith("slides/s10-x.yaml:7: slides[0].image:") and message in line
        for line in found
    ), found


def test_symlink_pointing_outside_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "x.png").write_bytes(b"x")
    folder = make(tmp_path, s10_x=image_section("link.png"))
    (folder / "link.png").symlink_to(outside / "x.png")
    assert any("leads outside" in line for line in errors_of(folder))


def test_multi_language_deck_needs_every_translation(tmp_path):
    deck = "title: {en: T, es: T}\nlanguages: [en, es]\n"
    good = "section: {en: A, es: A}\nslides:\n  - id: a\n    kind: callout\n    title: {en: Hi, es: Hola}\n    body: {en: B, es: B}\n"
    loaded = load_deck(make(tmp_path, deck=deck, s10_x=good))
    assert loaded.slides[0].title.get("es") == "Hola" and loaded.languages == ("en", "es")
    missing = good.replace("{en: Hi, es: Hola}", "{en: Hi}")
    found = errors_of(make(tmp_path, deck=deck, s10_x=missing))
    assert any(
        line.startswith("slides/s10-x.yaml:5: slides[0].title: missing translation for es")
        for line in found
    ), found
    plain = good.replace("{en: Hi, es: Hola}", "Hi")
    assert any(
        "missing translation" in line for line in errors_of(make(tmp_path, deck=deck, s10_x=plain))
    )
    unknown = good.replace("{en: Hi, es: Hola}", "{en: Hi, es: Hola, fr: Salut}")
    assert any(
        "'fr' is not one of the deck's languages" in line
        for line in errors_of(make(tmp_path, deck=deck, s10_x=unknown))
    )


def test_loader_does_not_import_pygame():
    code = "import sys; sys.modules['pygame'] = None; import kiosk.deck.content"
    subprocess.run([sys.executable, "-c", code], check=True)


def _png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(idat) - 4)
        + idat
        + struct.pack(">I", zlib.crc32(idat))
    )


def test_absurd_image_dimensions_are_refused_before_decoding(tmp_path):
    folder = make(tmp_path, s10_x=image_section("images/huge.png"))
    (folder / "images").mkdir()
    (folder / "images" / "huge.png").write_bytes(_png_header(30_000, 30_000))  # 3.6 GB if decoded
    found = errors_of(folder)
    assert any(
        "slides[0].image: image images/huge.png: PNG image is 30000×30000 pixels" in line
        for line in found
    ), found


def test_image_dimensions_from_headers():
    from kiosk.deck.images import Sniffed, sniff

    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200"></svg>'
    assert sniff(_png_header(640, 480)) == Sniffed("PNG", 640, 480)
    assert sniff(svg) == Sniffed("SVG", 1600, 1200)


def test_a_bad_column_does_not_hide_the_problems_of_the_next(tmp_path):
    section = (
        "section: A\nslides:\n  - id: a\n    kind: two-column\n    title: A\n    columns:\n"
        "      - 5\n      - {heading: '', bullets: [x], tone: meh}\n"
    )
    assert errors_of(make(tmp_path, s10_x=section)) == [
        "slides/s10-x.yaml:7: slides[0].columns[0]: expected a mapping of fields, got a number",
        "slides/s10-x.yaml:8: slides[0].columns[1].heading: is empty",
        "slides/s10-x.yaml:8: slides[0].columns[1].tone: expected one of do, avoid, info, got 'meh'",
    ]


def test_every_problem_of_the_schedule_is_reported_at_once(tmp_path):
    deck = "title: T\nschedule:\n  open: '07:00'\n  days: [funday]\n  outside_hours: nap\n"
    assert errors_of(make(tmp_path, deck=deck)) == [
        "slides/deck.yaml:3: schedule.close: missing required field 'close'",
        "slides/deck.yaml:4: schedule.days: expected a list of days from mon, tue, wed, thu, fri, sat, sun",
        "slides/deck.yaml:5: schedule.outside_hours: expected one of dim, sleep, got 'nap'",
    ]


def test_absent_fields_take_the_models_defaults(tmp_path):
    section = (
        "section: A\nslides:\n  - id: a\n    kind: two-column\n    title: A\n    columns:\n"
        "      - {heading: H, bullets: [x]}\n      - {heading: I, bullets: [y]}\n"
        "  - id: b\n    kind: sources\n    title: B\n    bullets: [z]\n"
    )
    deck = load_deck(make(tmp_path, deck="title: T\n", s10_x=section))
    assert deck == Deck(title=deck.title, languages=("en",), slides=deck.slides, root=deck.root)
    columns, sources = deck.slides
    assert [column.tone for column in columns.columns] == [Tone.INFO, Tone.INFO]
    assert (columns.duration, columns.image, columns.take_home) == (None, None, False)
    assert sources.take_home  # the one default that is not the model's: sources slides show it
