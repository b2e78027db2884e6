"""The bundled deck is read aloud on every slide in English and Spanish, and every file is
fresh: made by `kiosk narrate` from the slide's text as it is now. When a slide's text
changes, this fails until `kiosk narrate` is run (it remakes only what changed)."""

from __future__ import annotations

import io
import json
import math
import struct

import pytest

from kiosk.deck.audio import sniff_audio, timings_path
from kiosk.deck.content import load_deck
from kiosk.deck.script import deck_script, script_hash
from tests.conftest import REPO


@pytest.fixture(scope="module")
def deck():
    return load_deck(REPO / "slides")


def test_every_slide_has_narration_in_every_language(deck):
    missing = [
        f"{slide.id} ({code})"
        for slide in deck.slides
        for code in deck.languages
        if slide.narration_file(code) is None
    ]
    assert not missing, f"run `kiosk narrate`: no narration for {', '.join(missing)}"


def test_every_narration_is_fresh_with_the_text(deck):
    stale = []
    for slide in deck.slides:
        for code, path in slide.narration:
            script = deck_script(deck, slide, code)
            timings = json.loads(timings_path(path).read_text(encoding="utf-8"))
            if timings["text_sha256"] != script_hash(script):
                stale.append(f"{slide.id} ({code})")
                continue
            assert timings["sentences"] == [s.spoken for s in script]
            assert len(timings["starts"]) == len(script)
    assert not stale, f"text changed since the narration was made; run `kiosk narrate`: {stale}"


def _rms(samples: tuple[int, ...]) -> float:
    return math.sqrt(sum(s * s for s in samples) / max(1, len(samples))) / 32768


def test_the_timings_fall_on_the_pauses_between_sentences(deck):
    """Listened to by numbers: before each sentence's start the file is silent (the pause
    narrate put there), right after it there is speech."""
    soundfile = pytest.importorskip("soundfile")
    checked = 0
    for slide in deck.slides[::5]:  # a sample of slides, both languages
        for _code, path in slide.narration:
            data = path.read_bytes()
            info = sniff_audio(data)
            starts = json.loads(timings_path(path).read_text(encoding="utf-8"))["starts"]
            raw, rate = soundfile.read(io.BytesIO(data), dtype="int16")
            samples = struct.unpack(f"<{len(raw)}h", raw.tobytes())
            assert abs(len(samples) / rate - info.seconds) < 0.05
            for start in starts[1:]:
                at = int(start * rate)
                before = samples[at - int(0.2 * rate) : at]
                after = samples[at : at + int(0.4 * rate)]
                assert _rms(before) < 0.01 < _rms(after), (path.name, start)
            checked += 1
    assert checked >= 10


def test_the_bundled_narration_stays_small(deck):
    total = sum(path.stat().st_size for s in deck.slides for _c, path in s.narration)
    # Speech in Ogg Vorbis is ~4 kB a second; the whole deck read twice is about 24 minutes.
    assert total < 8_000_000, total
