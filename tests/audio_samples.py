"""Narration files made in the test itself: tones as 16-bit WAV (stdlib `wave`) and as Ogg
Vorbis (soundfile, the encoder `kiosk narrate` uses), and a small deck that uses them."""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from kiosk.deck.model import Deck, DeckAssets, Narration

RATE = 22050


def tone(seconds: float, hz: float = 440.0, rate: int = RATE, level: float = 0.4) -> bytes:
    """Mono 16-bit samples of a sine tone."""
    count = int(seconds * rate)
    peak = int(32767 * level)
    return struct.pack(
        f"<{count}h", *(int(peak * math.sin(2 * math.pi * hz * n / rate)) for n in range(count))
    )


def wav_bytes(seconds: float = 1.0, hz: float = 440.0, rate: int = RATE) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone(seconds, hz, rate))
    return out.getvalue()


def ogg_bytes(seconds: float = 1.0, hz: float = 440.0, rate: int = RATE) -> bytes:
    import soundfile

    out = io.BytesIO()
    with soundfile.SoundFile(
        out, "w", samplerate=rate, channels=1, format="OGG", subtype="VORBIS"
    ) as f:
        f.buffer_write(tone(seconds, hz, rate), dtype="int16")
    return out.getvalue()


DECK_YAML = "title: {en: Narrated, es: Narrado}\nlanguages: [en, es]\nsystem_font: true\n"


def narrated_deck(
    root: Path,
    files: dict[str, bytes],
    *,
    narration: str = "{en: audio/one.en.ogg, es: audio/one.es.ogg}",
    deck_extra: str = "",
) -> Path:
    """`root/slides` with one section of two slides; the first has `narration`, `files` are
    written under `root/slides/` by relative name."""
    slides = root / "slides"
    slides.mkdir(parents=True)
    (slides / "deck.yaml").write_text(DECK_YAML + deck_extra, encoding="utf-8")
    (slides / "10-one.yaml").write_text(
        "section: {en: One, es: Uno}\n"
        "slides:\n"
        "  - id: one\n"
        "    kind: callout\n"
        "    title: {en: First slide, es: Primera}\n"
        "    body: {en: It is read aloud. Twice over., es: Se lee en voz alta. Dos veces.}\n"
        f"    narration: {narration}\n"
        "  - id: two\n"
        "    kind: callout\n"
        "    title: {en: Second slide, es: Segunda}\n"
        "    body: {en: Not read., es: No se lee.}\n",
        encoding="utf-8",
    )
    for name, data in files.items():
        path = slides / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return slides


def with_narration(
    deck: Deck,
    seconds: float = 4.0,
    starts: tuple[float, ...] = (),
    *,
    slides: Iterable[int] | None = None,
    data: bytes = b"",
    attract: bool = False,
) -> Deck:
    """`deck` (made in code) with narration in each of its languages on `slides` (all by
    default), as the loader child would hand it over: paths on the slides, `Narration`s with
    `seconds`, `starts` and `data` in the assets."""
    chosen = set(range(len(deck.slides)) if slides is None else slides)
    narrations: dict[Path, Narration] = {}
    new_slides = []
    for n, slide in enumerate(deck.slides):
        if n in chosen:
            pairs = tuple(
                (code, deck.root / f"audio/{slide.id}.{code}.ogg") for code in deck.languages
            )
            for _code, path in pairs:
                narrations[path] = Narration("ogg", seconds, data, starts)
            new_slides.append(replace(slide, narration=pairs))
        else:
            new_slides.append(slide)
    return replace(
        deck,
        slides=tuple(new_slides),
        assets=DeckAssets(narrations=narrations),
        narration=replace(deck.narration, attract=attract),
    )
