"""Narration through the real loader child: checked bytes and timings come back out of band
(nothing decoded for the screen), hostile files are problems naming them, and `kiosk
validate` lists missing and stale narration."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from kiosk.deck.script import deck_script, script_hash
from kiosk.loader.check import check_deck
from kiosk.loader.job import LoadRequest, load_isolated
from tests.audio_samples import narrated_deck, ogg_bytes, wav_bytes

OGG = ogg_bytes(2.0)


def test_narration_comes_back_as_the_checked_compressed_bytes_with_timings(tmp_path):
    timings = json.dumps({"starts": [0.0, 0.5, 1.2], "text_sha256": ""}).encode()
    slides = narrated_deck(
        tmp_path,
        {
            "audio/one.en.ogg": OGG,
            "audio/one.en.timings.json": timings,
            "audio/one.es.ogg": wav_bytes(1.0),
        },
    )
    outcome = load_isolated(LoadRequest(slides, ()))
    assert outcome.ok, outcome.problems
    deck = outcome.deck
    assert deck is not None and deck.assets is not None
    en = deck.assets.narrations[deck.slides[0].narration_file("en")]
    es = deck.assets.narrations[deck.slides[0].narration_file("es")]
    assert bytes(en.data) == OGG  # compressed, as the file holds it
    assert (en.format, en.starts) == ("ogg", (0.0, 0.5, 1.2))
    assert (es.format, es.starts, round(es.seconds, 2)) == ("wav", (), 1.0)
    # `kiosk validate` (no pixels) gets the facts without the bytes.
    checked, problems = check_deck(slides, ())
    assert not problems and checked is not None and checked.assets is not None
    assert all(n.data == b"" for n in checked.assets.narrations.values())


def test_hostile_narration_is_a_problem_naming_the_file(tmp_path):
    slides = narrated_deck(
        tmp_path,
        {
            "audio/one.en.ogg": OGG[: len(OGG) // 2],
            "audio/one.es.ogg": OGG,
            "audio/one.es.timings.json": b'{"starts": [0, 9]}',
        },
    )
    outcome = load_isolated(LoadRequest(slides, ()))
    assert outcome.deck is None
    assert len(outcome.problems) == 2, outcome.problems
    assert outcome.problems[0].startswith(
        "slides/10-one.yaml:7: slides[0].narration.en: audio audio/one.en.ogg: Ogg stream is "
        "cut short: its page at byte "
    )
    assert outcome.problems[1:] == (
        "slides/10-one.yaml:7: slides[0].narration.es: audio audio/one.es.ogg: its timings "
        "one.es.timings.json: a sentence starts at 9.00 s, after the sound ends (2.00 s)",
    )


def _validate(slides):
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "validate", str(slides), "--size", "1280x800"],
        capture_output=True,
        text=True,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
        check=False,
    )


def test_validate_lists_missing_and_stale_narration(tmp_path):
    slides = narrated_deck(tmp_path, {"audio/one.en.ogg": OGG, "audio/one.es.ogg": OGG})
    from kiosk.deck.content import load_deck

    deck = load_deck(slides)
    fresh = script_hash(deck_script(deck, deck.slides[0], "en"))
    (slides / "audio/one.en.timings.json").write_text(
        json.dumps({"starts": [0.0, 0.4, 1.0], "text_sha256": fresh})
    )
    (slides / "audio/one.es.timings.json").write_text(
        json.dumps({"starts": [0.0, 0.4, 1.0], "text_sha256": "0" * 64})
    )
    done = _validate(slides)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert "note: no narration in en for 1 slide(s): two" in lines
    assert "note: no narration in es for 1 slide(s): two" in lines
    stale = [line for line in lines if line.startswith("warning: ") and "narration" in line]
    assert stale == [
        "warning: slides/10-one.yaml:3: slides 'one' narration.es: one.es.ogg was made from "
        "other text (the slide or the pronunciation list changed since); run `kiosk narrate` "
        "to make it again"
    ]
