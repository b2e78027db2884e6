"""Read-aloud through SDL's real audio path: the `disk` driver writes what the mixer played to
a file, so the test hears it. A kiosk in a child process (its own SDL) loads a deck through
the loader child, a visitor taps Listen, then Next: the sound must come out, be the
narration's tone, and stop once the slide changed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from array import array
from pathlib import Path

import pytest

from tests.audio_samples import narrated_deck, ogg_bytes

ROOT = Path(__file__).resolve().parents[2]
HZ = 523.0  # the narration's tone; the other slide has none

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import pygame
    from kiosk.loader.job import LoadRequest, load_isolated
    from kiosk.screen import intents
    from kiosk.screen.app import KioskApp

    slides, sound_file = Path(sys.argv[1]), Path(sys.argv[2])
    outcome = load_isolated(LoadRequest(slides, ()))
    assert outcome.ok and outcome.deck is not None, outcome.problems
    pygame.display.init()
    surface = pygame.Surface((1280, 800))
    app = KioskApp(outcome.deck, surface, windowed=True, events=lambda: [], flip=lambda: None)

    def run(seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.step()
            app.wait()

    app.step()
    opened_before = app.player.is_open
    app.navigator.handle(intents.WAKE)
    tapped = time.monotonic()
    app.navigator.handle(intents.LISTEN)
    app.step()
    first = time.monotonic() - tapped
    run(1.2)
    app.navigator.handle(intents.NEXT)  # another slide: the reading stops
    app.step()
    size_at_next = sound_file.stat().st_size
    playing_after = app.player.playing
    run(1.0)
    spec = pygame.mixer.get_init()
    app.player.close()
    print(json.dumps({
        "opened_before": opened_before,
        "spec": spec,
        "size_at_next": size_at_next,
        "playing_after": playing_after,
        "play_seconds": first,
    }))
    """
)


@pytest.mark.slow
def test_listen_really_plays_through_sdl_and_stops_on_the_next_slide(tmp_path):
    slides = narrated_deck(
        tmp_path, {"audio/one.en.ogg": ogg_bytes(4.0, HZ), "audio/one.es.ogg": ogg_bytes(4.0, HZ)}
    )
    sound_file = tmp_path / "played.raw"
    env = {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "disk",
        "SDL_DISKAUDIOFILE": str(sound_file),
        "PYGAME_HIDE_SUPPORT_PROMPT": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(slides), str(sound_file)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["opened_before"] is False  # no mixer until someone listened
    rate, bits, channels = facts["spec"]
    assert bits == -16 and channels == 2
    samples = array("h", sound_file.read_bytes())
    frame = channels
    left = samples[::frame]
    loud = [n for n, value in enumerate(left) if abs(value) > 2000]
    assert loud, "nothing but silence came out"
    # The tone of the narration file: count zero crossings over the sound that came out.
    start, end = loud[0], loud[-1]
    crossings = sum(
        1 for a, b in zip(left[start:end], left[start + 1 : end + 1], strict=True) if a < 0 <= b
    )
    heard = crossings / ((end - start) / rate)
    assert abs(heard - HZ) < HZ * 0.05, heard
    # Stopped after the slide change: a few buffers may have been on their way, then silence.
    assert facts["playing_after"] is None
    at_next = facts["size_at_next"] // (2 * channels)
    margin = rate // 4  # 250 ms of buffers already handed to SDL
    after = left[at_next + margin :]
    assert len(after) > rate // 2  # the file went on being written, in silence
    assert max(abs(v) for v in after) < 50
    assert end < at_next + margin
    # 1.2 s of a 4 s file played before the tap on Next: sound for about that long.
    assert 0.8 < (end - start) / rate < 2.0
