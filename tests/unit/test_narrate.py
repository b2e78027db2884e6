"""`kiosk narrate`: one sentence at a time, timings from where each one starts, one Ogg
Vorbis file per slide and language, the script's hash beside it; fresh files left alone,
recordings never overwritten unasked, YAML edited with its comments kept."""

from __future__ import annotations

import json
import shutil

import pytest

from kiosk.deck.audio import sniff_audio, timings_path
from kiosk.deck.content import load_deck
from kiosk.deck.script import deck_script, narration_notes, script_hash, slide_script
from kiosk.narrate.engines import Espeak, Speech
from kiosk.narrate.make import PAUSE_SECONDS, narrate_deck
from tests.audio_samples import RATE, narrated_deck, tone, wav_bytes


class FakeEngine:
    """A tone whose length follows the text: 20 ms a character."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    def speak(self, text: str, language: str) -> Speech:
        self.said.append((language, text))
        return Speech(tone(0.02 * len(text), 300), RATE)

    def describe(self, language: str) -> str:
        return f"fake {language}"


PRONOUNCE = "narration:\n  pronounce: {en: {Twice: Two times}}\n"


@pytest.fixture
def deck_folder(tmp_path):
    slides = narrated_deck(tmp_path, {}, narration="{en: audio/one.en.ogg}", deck_extra=PRONOUNCE)
    (slides / "10-one.yaml").write_text(
        (slides / "10-one.yaml")
        .read_text()
        .replace("  - id: two", "  # the second slide\n  - id: two")
    )
    (slides / "audio").mkdir()
    return slides


def test_every_slide_and_language_is_made_with_its_timings(deck_folder):
    engine = FakeEngine()
    report = narrate_deck(deck_folder, engine, say=lambda line: None)
    assert len(report.made) == 4
    deck = load_deck(deck_folder)  # the YAML now names every file, and they pass the checks
    first, second = deck.slides
    assert first.narration_file("en") == (deck_folder / "audio/one.en.ogg").resolve()
    assert second.narration_file("es") == (deck_folder / "audio/two.es.ogg").resolve()
    text = (deck_folder / "10-one.yaml").read_text()
    assert "# the second slide" in text  # comments kept
    assert "narration: {en: audio/two.en.ogg, es: audio/two.es.ogg}" in text
    # One sentence at a time, pronunciation applied; starts where each one began.
    script = slide_script(first, "en", {"Twice": "Two times"})
    assert [t for code, t in engine.said[:3]] == [
        "First slide",
        "It is read aloud.",
        "Two times over.",
    ]
    timings = json.loads(timings_path(first.narration_file("en")).read_text())
    assert timings["text_sha256"] == script_hash(script)
    first_length = 0.02 * len("First slide")
    assert timings["starts"][:2] == [0.0, pytest.approx(first_length + PAUSE_SECONDS, abs=0.002)]
    info = sniff_audio(first.narration_file("en").read_bytes())
    assert info.format == "ogg" and info.seconds > timings["starts"][-1]
    assert narration_notes(deck).lines() == []


def test_fresh_files_are_left_alone_and_changed_text_is_made_again(deck_folder):
    narrate_deck(deck_folder, FakeEngine(), say=lambda line: None)
    again = narrate_deck(deck_folder, FakeEngine(), say=lambda line: None)
    assert (again.made, again.fresh) == ([], 4)
    yaml = deck_folder / "10-one.yaml"
    yaml.write_text(yaml.read_text().replace("Not read.", "Not read at all."))
    engine = FakeEngine()
    changed = narrate_deck(deck_folder, engine, say=lambda line: None)
    assert [p.name for p in changed.made] == ["two.en.ogg"]
    assert ("en", "Not read at all.") in engine.said


def test_stale_narration_is_what_validate_warns_about(deck_folder):
    narrate_deck(deck_folder, FakeEngine(), say=lambda line: None)
    yaml = deck_folder / "10-one.yaml"
    yaml.write_text(yaml.read_text().replace("Segunda", "La segunda"))
    from kiosk.deck.audio import parse_timings
    from kiosk.deck.model import DeckAssets, Narration

    deck = load_deck(deck_folder)
    narrations = {}
    for slide in deck.slides:
        for _code, path in slide.narration:
            found = parse_timings(timings_path(path).read_bytes(), 60.0)
            narrations[path] = Narration("ogg", 1.0, b"", found.starts, found.text_hash)
    import dataclasses

    notes = narration_notes(dataclasses.replace(deck, assets=DeckAssets(narrations=narrations)))
    assert (
        len(notes.stale) == 1
        and "narration.es: two.es.ogg was made from other text" in notes.stale[0]
    )
    assert deck_script(deck, deck.slides[1], "es")[0].display == "La segunda"


def test_a_recording_without_timings_is_kept(deck_folder):
    (deck_folder / "audio/one.en.ogg").write_bytes(wav_bytes(1.0))  # a person's recording
    said: list[str] = []
    report = narrate_deck(deck_folder, FakeEngine(), ["en"], say=said.append)
    assert report.kept_recordings == 1
    assert (deck_folder / "audio/one.en.ogg").read_bytes() == wav_bytes(1.0)
    assert said[0] == "kept one.en.ogg: a recording without timings (--force replaces it)"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_ng_speaks_both_languages(tmp_path):
    slides = narrated_deck(tmp_path, {}, narration="{en: audio/one.en.ogg}")
    report = narrate_deck(slides, Espeak(), say=lambda line: None)
    assert len(report.made) == 4
    for path in report.made:
        info = sniff_audio(path.read_bytes())
        timings = json.loads(timings_path(path).read_text())
        assert 1.0 < info.seconds < 15 and len(timings["starts"]) >= 2
        assert timings["made_with"].startswith("espeak-ng ")
    assert "voice es-419" in json.loads(timings_path(report.made[-1]).read_text())["made_with"]
