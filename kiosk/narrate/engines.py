"""Offline speech engines, each run as a separate program: text in, 16-bit mono WAV out.

espeak-ng (GPL-3.0-or-later, Debian's `espeak-ng` package) is the default: small, on every
Linux, with `en-us` and `es-419` (Latin-American Spanish) voices. Piper (GPL-3.0 since its
move to OHF-Voice; MIT before) sounds far more natural and is used when the user has it and
names a voice file. Both stay separate programs that the kiosk starts and reads a WAV file
from, so no GPL code is linked into the kiosk, and nothing is ever downloaded: a missing
program or voice is an error saying how to get it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# The deck's language codes -> espeak-ng voices.
ESPEAK_VOICES = {"en": "en-us", "es": "es-419"}
TIMEOUT_SECONDS = 60.0


class EngineError(Exception):
    """The engine cannot speak; `str()` is one sentence for the person running narrate."""


@dataclass(frozen=True)
class Speech:
    samples: bytes  # 16-bit signed, little-endian, mono
    rate: int


class Engine(Protocol):
    def speak(self, text: str, language: str) -> Speech: ...

    def describe(self, language: str) -> str:
        """Engine, version and voice, recorded beside each file it made."""
        ...


def read_wav(path: Path) -> Speech:
    try:
        with wave.open(str(path), "rb") as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise EngineError(
                    f"the engine wrote {w.getnchannels()} channel(s) of "
                    f"{8 * w.getsampwidth()}-bit sound; 16-bit mono was expected"
                )
            return Speech(w.readframes(w.getnframes()), w.getframerate())
    except (wave.Error, EOFError, OSError) as error:
        raise EngineError(f"the engine wrote no usable WAV file ({error})") from None


def _run(command: list[str], *, stdin: str | None = None) -> None:
    try:
        done = subprocess.run(
            command,
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise EngineError(f"{command[0]} did not finish in {TIMEOUT_SECONDS:.0f} s") from None
    except OSError as error:
        raise EngineError(f"{command[0]} could not be started ({error})") from None
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        raise EngineError(f"{command[0]} failed: {said[-1] if said else done.returncode}")


class Espeak:
    def __init__(self, program: str = "espeak-ng", voices: dict[str, str] | None = None):
        found = shutil.which(program)
        if found is None:
            raise EngineError(
                f"{program} is not installed; on Debian or Raspberry Pi OS: "
                "sudo apt-get install espeak-ng"
            )
        self.program = found
        self.voices = voices or ESPEAK_VOICES
        done = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
        words = done.stdout.split()
        self.version = words[3] if len(words) > 3 else "?"

    def voice(self, language: str) -> str:
        if language not in self.voices:
            raise EngineError(f"espeak-ng has no voice chosen for '{language}' here")
        return self.voices[language]

    def describe(self, language: str) -> str:
        return f"espeak-ng {self.version}, voice {self.voice(language)}"

    def speak(self, text: str, language: str) -> Speech:
        with tempfile.TemporaryDirectory(prefix="kiosk-narrate-") as folder:
            out = Path(folder) / "sentence.wav"
            # -s 150 words a minute: espeak's 175 is brisk for a waiting room.
            _run(
                [self.program, "-v", self.voice(language), "-s", "150", "-w", str(out), "--", text]
            )
            return read_wav(out)


class Piper:
    """`piper --model VOICE.onnx`: the voice file fixes the language, so one voice speaks
    one language of the deck."""

    def __init__(self, voice: Path, program: str = "piper"):
        found = shutil.which(program)
        if found is None:
            raise EngineError(
                f"{program} is not installed; install Piper yourself (it is not bundled) and "
                "give a voice you have with --voice FILE.onnx"
            )
        if not voice.is_file():
            raise EngineError(f"voice file {voice} not found (nothing is downloaded)")
        self.program = found
        self.voice = voice

    def describe(self, language: str) -> str:
        return f"piper, voice {self.voice.name}"

    def speak(self, text: str, language: str) -> Speech:
        with tempfile.TemporaryDirectory(prefix="kiosk-narrate-") as folder:
            out = Path(folder) / "sentence.wav"
            _run(
                [self.program, "--model", str(self.voice), "--output_file", str(out)],
                stdin=text,
            )
            return read_wav(out)


__all__ = ["ESPEAK_VOICES", "Engine", "EngineError", "Espeak", "Piper", "Speech", "read_wav"]
