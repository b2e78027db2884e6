"""`kiosk narrate`: make the missing and stale narration of a deck, at authoring time.

For each slide and language: the slide's script (`kiosk.deck.script`, the same function the
screen marks sentences by and `kiosk validate` hashes), one sentence at a time through the
engine so each start is known, joined with a short pause into one Ogg Vorbis file, with a
timings file beside it holding the starts and the hash of the script. A file whose recorded
hash matches its script is fresh and left alone (a person's recording, with no hash, too).
Slides get their `narration:` line added in their YAML, comments and layout kept.

Why soundfile for the encoding: it is the maintained binding of libsndfile, whose wheels carry
libsndfile with libvorbis for x86-64 and arm64 alike, so `make` installs it from the
hash-checked lock like everything else and nothing depends on what the system has (sox or
oggenc would have to be installed by hand on every authoring machine). Never on the screen's
path: the screen plays the files with SDL_mixer.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.atomic import write_atomic
from kiosk.deck.audio import BadAudioError, parse_timings, sniff_audio, timings_path
from kiosk.deck.content import load_deck
from kiosk.deck.limits import DEFAULT_LIMITS
from kiosk.deck.model import Deck, Slide
from kiosk.deck.script import Sentence, deck_script, script_hash
from kiosk.narrate.engines import Engine, EngineError, Speech

PAUSE_SECONDS = 0.35  # between sentences, on top of the engine's own
TAIL_SECONDS = 0.3
# libsndfile's Vorbis setting: 0.9 is about 34 kbit/s at 22 kHz mono, clear for speech.
COMPRESSION = 0.9


@dataclass
class NarrateReport:
    made: list[Path] = field(default_factory=list)
    fresh: int = 0
    kept_recordings: int = 0
    seconds: float = 0.0  # length of the audio made
    bytes: int = 0


def default_audio_dir(folder: Path) -> tuple[Path, str]:
    """Where new files go and how a slide names them: `assets/audio/` beside the deck (as
    pictures are in `assets/images/`) when there is an `assets/`, else the deck's `audio/`."""
    assets = folder.parent / "assets"
    return (assets / "audio" if assets.is_dir() else folder / "audio"), "audio"


def _recorded_hash(audio: Path) -> str | None:
    """The script hash recorded beside a file; "" for a file without one (a person's
    recording); None when there is no usable file at all."""
    try:
        data = audio.read_bytes()
        info = sniff_audio(data, DEFAULT_LIMITS)
    except (OSError, BadAudioError):
        return None
    sidecar = timings_path(audio)
    if not sidecar.exists():
        return ""
    try:
        return parse_timings(sidecar.read_bytes(), info.seconds).text_hash or ""
    except (OSError, BadAudioError):
        return None


def encode_ogg(samples: bytes, rate: int) -> bytes:
    import soundfile  # type: ignore[import-untyped]  # authoring only: it brings numpy

    out = io.BytesIO()
    with soundfile.SoundFile(
        out,
        "w",
        samplerate=rate,
        channels=1,
        format="OGG",
        subtype="VORBIS",
        compression_level=COMPRESSION,
    ) as f:
        f.buffer_write(samples, dtype="int16")
    return out.getvalue()


def speak_script(
    sentences: Sequence[Sentence], language: str, engine: Engine
) -> tuple[Speech, list[float]]:
    """The whole script as one sound, and when each sentence starts in it."""
    pieces: list[bytes] = []
    starts: list[float] = []
    rate = 0
    total = 0
    for sentence in sentences:
        speech = engine.speak(sentence.spoken, language)
        if rate and speech.rate != rate:
            raise EngineError(f"the engine changed its rate mid-slide ({rate} -> {speech.rate})")
        rate = speech.rate
        if pieces:
            gap = b"\0\0" * int(PAUSE_SECONDS * rate)
            pieces.append(gap)
            total += len(gap)
        starts.append(round(total / 2 / rate, 3))
        pieces.append(speech.samples)
        total += len(speech.samples)
    pieces.append(b"\0\0" * int(TAIL_SECONDS * rate))
    return Speech(b"".join(pieces), rate), starts


def _target(slide: Slide, language: str, folder: Path) -> tuple[Path, str | None]:
    """The file to write, and the `narration:` value to add to the YAML (None: it is there)."""
    named = slide.narration_file(language)
    if named is not None:
        return named, None
    where, prefix = default_audio_dir(folder)
    name = f"{slide.id}.{language}.ogg"
    return where / name, f"{prefix}/{name}"


def narrate_deck(
    folder: Path,
    engine: Engine,
    languages: Sequence[str] | None = None,
    *,
    force: bool = False,
    say: Callable[[str], None] = print,
) -> NarrateReport:
    """Make every missing or stale narration file of the deck in `folder` (all of them with
    `force`), in `languages` (default: all of the deck's). Raises DeckError, EngineError."""
    # Only the YAML matters here (the audio files are judged below, by their hashes), and any
    # narration file may be the broken one being replaced: accept every one while reading.
    deck = load_deck(folder, audio_check=lambda path: None, audio_may_be_missing=True)
    report = NarrateReport()
    additions: dict[str, dict[str, dict[str, str]]] = {}  # file -> slide id -> language -> path
    for language in languages or deck.languages:
        if language not in deck.languages:
            raise EngineError(f"'{language}' is not one of the deck's languages")
        for slide in deck.slides:
            _one(deck, slide, language, folder, engine, force, report, additions, say)
    for shown, slides in additions.items():
        add_narration_lines(folder / Path(shown).name, slides)
    return report


def _one(
    deck: Deck,
    slide: Slide,
    language: str,
    folder: Path,
    engine: Engine,
    force: bool,
    report: NarrateReport,
    additions: dict[str, dict[str, dict[str, str]]],
    say: Callable[[str], None],
) -> None:
    script = deck_script(deck, slide, language)
    wanted = script_hash(script)
    target, yaml_value = _target(slide, language, folder)
    recorded = _recorded_hash(target)
    if not force and recorded == wanted:
        report.fresh += 1
        return
    if not force and recorded == "":
        report.kept_recordings += 1  # a person's recording: never overwritten unasked
        say(f"kept {target.name}: a recording without timings (--force replaces it)")
        return
    speech, starts = speak_script(script, language, engine)
    data = encode_ogg(speech.samples, speech.rate)
    seconds = len(speech.samples) / 2 / speech.rate
    info = sniff_audio(data, DEFAULT_LIMITS)  # what the loader will check, checked now
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
    timings = {
        "starts": starts,
        "text_sha256": wanted,
        "made_with": engine.describe(language),
        "sentences": [s.spoken for s in script],
    }
    write_atomic(timings_path(target), json.dumps(timings, ensure_ascii=False, indent=1) + "\n")
    report.made.append(target)
    report.seconds += info.seconds
    report.bytes += len(data)
    say(
        f"made {_shown(target, folder)}: {len(script)} sentences, {seconds:.1f} s, "
        f"{len(data) // 1024} kB"
    )
    if yaml_value is not None:
        additions.setdefault(slide.origin.file, {}).setdefault(slide.id, {})[language] = yaml_value


def _shown(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder.resolve().parent))
    except ValueError:
        return str(path)


def add_narration_lines(path: Path, slides: dict[str, dict[str, str]]) -> None:
    """Add `narration: {en: ..., es: ...}` to the named slides of one section file, keeping
    its comments and layout (ruamel.yaml round trip)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    data: Any = yaml.load(path.read_text(encoding="utf-8"))
    for item in data["slides"]:
        wanted = slides.get(str(item.get("id")))
        if not wanted:
            continue
        current = item.get("narration")
        if isinstance(current, dict):
            current.update(wanted)
            continue
        value = CommentedMap(wanted)
        value.fa.set_flow_style()
        # Before the last key: a blank line after a slide belongs to its last key's comment.
        item.insert(max(0, len(item) - 1), "narration", value)
    out = io.StringIO()
    yaml.dump(data, out)
    write_atomic(path, out.getvalue(), mode=os.stat(path).st_mode & 0o777)


__all__ = ["NarrateReport", "add_narration_lines", "encode_ogg", "narrate_deck", "speak_script"]
