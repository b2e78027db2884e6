"""What a narration file really is, from its content: WAV or Ogg Vorbis, how long, how many
channels, at what rate; and whether it is whole.

The file name says nothing: random bytes named `.ogg` are refused by what they are. Both
formats are simple, fully specified containers, so their structure is read here by hand and
*all* of it is checked, not only a header: a WAV's chunks must add up to the file (a header
that claims ten hours in a 40 kB file is refused as cut short), and every page of an Ogg
stream is walked with its checksum verified (C speed through `binascii.crc32`, see
`_ogg_crc`), ending on the page that marks the end of the stream. A library that reads tags
(mutagen) reads only the first and last pages and trusts the rest.

The judge of whether the sound itself decodes is the decoder that will play it: `decode_check`
runs SDL_mixer (through pygame) over the whole file in the loader child only, and compares
its length with what the container says. No pygame at module level.
"""

from __future__ import annotations

import binascii
import io
import itertools
import math
import os
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.deck.files import FileRefusedError, read_deck_file
from kiosk.deck.limits import DEFAULT_LIMITS, Limits

OGG = "ogg"  # the names SDL_mixer takes as a type hint
WAV = "wav"
AUDIO_SUFFIXES = (".ogg", ".oga", ".wav")
FORMAT_NAMES = {OGG: "Ogg Vorbis", WAV: "WAV"}


class BadAudioError(Exception):
    """Why a narration file cannot be used, as a short sentence (the caller adds the name)."""


@dataclass(frozen=True)
class AudioInfo:
    format: str  # OGG or WAV
    sample_rate: int
    channels: int
    seconds: float


def _check_limits(info: AudioInfo, limits: Limits) -> AudioInfo:
    name = FORMAT_NAMES[info.format]
    if not limits.audio_min_rate <= info.sample_rate <= limits.audio_max_rate:
        raise BadAudioError(
            f"{name} at {info.sample_rate} samples a second; narration must be "
            f"{limits.audio_min_rate} to {limits.audio_max_rate}"
        )
    if not 1 <= info.channels <= limits.audio_channels:
        raise BadAudioError(
            f"{name} with {info.channels} channels; narration must be mono or stereo"
        )
    if info.seconds > limits.audio_seconds:
        raise BadAudioError(
            f"{name} lasting {_clock(info.seconds)}; narration must be at most "
            f"{_clock(limits.audio_seconds)} per slide"
        )
    if info.seconds < 0.1:
        raise BadAudioError(f"{name} holds no sound ({info.seconds:.2f} s)")
    return info


def _clock(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d} min" if minutes else f"{seconds:.1f} s"


# -- WAV ---------------------------------------------------------------------------------

_PCM = 1
_EXTENSIBLE = 0xFFFE


def _wav(data: bytes, limits: Limits) -> AudioInfo:
    if len(data) < 12 or data[8:12] != b"WAVE":
        raise BadAudioError("a RIFF file that is not WAVE audio")
    fmt: tuple[int, int, int, int, int] | None = None
    at = 12
    while at + 8 <= len(data):
        kind, size = data[at : at + 4], struct.unpack_from("<I", data, at + 4)[0]
        body = at + 8
        if kind == b"fmt ":
            if size < 16 or body + size > len(data):
                raise BadAudioError("WAV format chunk is damaged or cut short")
            tag, channels, rate, _, align, bits = struct.unpack_from("<HHIIHH", data, body)
            if tag == _EXTENSIBLE and size >= 40:
                tag = struct.unpack_from("<H", data, body + 24)[0]
            if tag != _PCM or bits not in (8, 16) or align != channels * bits // 8 or align == 0:
                raise BadAudioError(
                    "WAV is not plain 8- or 16-bit PCM; convert it to Ogg Vorbis (smaller, too)"
                )
            fmt = (tag, channels, rate, align, bits)
        elif kind == b"data":
            if fmt is None:
                raise BadAudioError("WAV has its sound before its format chunk")
            if body + size > len(data):
                claimed = size / (fmt[2] * fmt[3]) if fmt[2] else 0.0
                raise BadAudioError(
                    f"WAV is cut short: its header claims {_clock(claimed)} of sound "
                    f"({size} bytes) but only {len(data) - body} bytes follow"
                )
            if size % fmt[3]:
                raise BadAudioError("WAV sound data ends in the middle of a sample")
            info = AudioInfo(WAV, fmt[2], fmt[1], size / fmt[3] / fmt[2] if fmt[2] else 0.0)
            return _check_limits(info, limits)
        at = body + size + (size & 1)  # chunks are padded to an even length
    raise BadAudioError("WAV has no sound data (no data chunk), or is cut short")


# -- Ogg Vorbis --------------------------------------------------------------------------

_PAGE = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, seq, crc, segs
_CONTINUED, _FIRST, _LAST = 1, 2, 4
# Ogg's CRC is CRC-32 with polynomial 0x04C11DB7, not reflected, starting at 0, no final xor.
# binascii.crc32 is the reflected form: fed bit-reversed bytes, its register (with the usual
# start and final xor undone) bit-reversed again is Ogg's checksum, computed in C.
_REVERSE = bytes(int(f"{n:08b}"[::-1], 2) for n in range(256))


def _ogg_crc(page: bytes) -> int:
    register = binascii.crc32(page.translate(_REVERSE), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{register:032b}"[::-1], 2)


def _ogg(data: bytes, limits: Limits) -> AudioInfo:
    """Walk every page: checksum, one logical stream, sequence numbers in order, headers of a
    Vorbis stream, and a last page that closes the stream."""
    at = 0
    serial = expected_seq = 0
    granule = -1
    packets: list[bytes] = []  # the first three packets (the Vorbis headers)
    partial = b""
    flags = 0
    while at < len(data):
        if len(data) - at < _PAGE.size:
            raise BadAudioError(f"Ogg stream is cut short inside a page header (byte {at})")
        capture, version, flags, page_granule, page_serial, seq, crc, count = _PAGE.unpack_from(
            data, at
        )
        if capture != b"OggS" or version != 0:
            raise BadAudioError(f"Ogg stream is damaged: no page starts at byte {at}")
        table = data[at + _PAGE.size : at + _PAGE.size + count]
        end = at + _PAGE.size + count + sum(table)
        if len(table) < count or end > len(data):
            raise BadAudioError(f"Ogg stream is cut short: its page at byte {at} is incomplete")
        page = bytearray(data[at:end])
        page[22:26] = b"\0\0\0\0"
        if _ogg_crc(bytes(page)) != crc:
            raise BadAudioError(f"Ogg stream is damaged: the page at byte {at} fails its checksum")
        if at == 0:
            if not flags & _FIRST:
                raise BadAudioError("Ogg stream does not start with a first page")
            serial = page_serial
        elif page_serial != serial or flags & _FIRST:
            raise BadAudioError("Ogg file holds more than one stream; narration must be one")
        if seq != expected_seq:
            raise BadAudioError(f"Ogg stream is damaged: page {expected_seq} is missing")
        expected_seq += 1
        if page_granule != -1:
            if page_granule < granule:
                raise BadAudioError("Ogg stream is damaged: its positions go backwards")
            granule = page_granule
        if len(packets) < 3:
            body = at + _PAGE.size + count
            for size in table:
                partial += data[body : body + size]
                body += size
                if size < 255:
                    packets.append(partial)
                    partial = b""
                    if len(packets) == 3:
                        break
        at = end
        if flags & _LAST:
            break
    if at != len(data):
        raise BadAudioError(f"Ogg file goes on after its stream ends (byte {at})")
    if not flags & _LAST:
        raise BadAudioError("Ogg stream is cut short: its last page is missing")
    channels, rate = _vorbis_headers(packets)
    if granule < 0:
        raise BadAudioError("Ogg stream has no sound in it")
    return _check_limits(AudioInfo(OGG, rate, channels, granule / rate), limits)


def _vorbis_headers(packets: list[bytes]) -> tuple[int, int]:
    """Channels and rate from the identification header; the comment and setup headers must
    follow it. Anything else in Ogg (Opus, FLAC, Theora...) is not Vorbis."""
    if not packets or not packets[0].startswith(b"\x01vorbis"):
        raise BadAudioError("Ogg file that is not Vorbis audio (Opus, FLAC or video are refused)")
    ident = packets[0]
    if len(ident) < 30:
        raise BadAudioError("Vorbis identification header is cut short")
    version, channels, rate = struct.unpack_from("<IBI", ident, 7)
    sizes = ident[28]
    small, large = sizes & 0x0F, sizes >> 4
    if version != 0 or not 6 <= small <= large <= 13 or not ident[29] & 1:
        raise BadAudioError("Vorbis identification header is damaged")
    if len(packets) < 3 or not packets[1].startswith(b"\x03vorbis"):
        raise BadAudioError("Vorbis comment header is missing")
    if not packets[2].startswith(b"\x05vorbis"):
        raise BadAudioError("Vorbis setup header is missing")
    return channels, rate


def sniff_audio(data: bytes, limits: Limits = DEFAULT_LIMITS) -> AudioInfo:
    """Format, rate, channels and length from the whole container; BadAudioError when it must
    not be played. No decoding (see `decode_check`)."""
    if len(data) > limits.audio_file_bytes:
        raise BadAudioError(
            f"file is {len(data)} bytes; narration must be under "
            f"{limits.megabytes(limits.audio_file_bytes)}"
        )
    if not data:
        raise BadAudioError("file is empty")
    if data.startswith(b"RIFF"):
        return _wav(data, limits)
    if data.startswith(b"OggS"):
        return _ogg(data, limits)
    raise BadAudioError("not WAV or Ogg Vorbis audio (the content is something else)")


def decode_check(data: bytes, info: AudioInfo, limits: Limits = DEFAULT_LIMITS) -> None:
    """Decode the whole file with the decoder that will play it (SDL_mixer). Loader child only:
    it opens a mixer on SDL's dummy driver, which plays to nowhere."""
    import pygame  # only in the loader child; this module is otherwise pygame-free

    if not pygame.mixer.get_init():
        os.environ["SDL_AUDIODRIVER"] = "dummy"  # this process only decodes
        pygame.mixer.init(22050, -16, 1, 1024)
    name = FORMAT_NAMES[info.format]
    try:
        sound = pygame.mixer.Sound(file=io.BytesIO(data))
    except MemoryError:
        raise BadAudioError(
            f"needs more memory to decode than allowed ({limits.megabytes(limits.memory_bytes)})"
        ) from None
    except (pygame.error, ValueError, OSError) as error:
        raise BadAudioError(f"{name} that cannot be decoded ({str(error)[:160]})") from None
    decoded = sound.get_length()
    del sound
    # Vorbis decoders may drop or pad up to one block at the ends.
    if abs(decoded - info.seconds) > max(0.25, info.seconds * 0.02):
        raise BadAudioError(
            f"{name} says it lasts {info.seconds:.1f} s but decodes to {decoded:.1f} s: damaged"
        )


# -- timings -----------------------------------------------------------------------------

MAX_SENTENCES = 200


def timings_path(audio: Path) -> Path:
    """The sidecar beside a narration file: `x.en.ogg` -> `x.en.timings.json`."""
    return audio.with_name(audio.stem + ".timings.json")


@dataclass(frozen=True)
class Timings:
    starts: tuple[float, ...]  # when each sentence of the script starts, in seconds
    text_hash: str  # sha256 of the script it was made from ("" when not recorded)


def parse_timings(raw: bytes, seconds: float) -> Timings:
    """A timings sidecar: `{"starts": [0.0, 2.4, ...], "text_sha256": "..."}`. Starts must
    rise and lie within the sound; BadAudioError says what is wrong."""
    import json

    def refuse(constant: str) -> float:
        raise BadAudioError(f"holds {constant}, which is not a time")

    try:
        data = json.loads(raw, parse_constant=refuse)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadAudioError(f"is not JSON ({error})") from None
    except RecursionError:  # [[[[...]]]] under the size limit: refused, not a crash
        raise BadAudioError("is nested too deeply to be a timings file") from None
    if not isinstance(data, dict):
        raise BadAudioError("must be a JSON object with a list of sentence starts")
    starts = data.get("starts")
    if not isinstance(starts, list) or not 1 <= len(starts) <= MAX_SENTENCES:
        raise BadAudioError(f"'starts' must be a list of 1 to {MAX_SENTENCES} times in seconds")
    if not all(isinstance(t, int | float) and not isinstance(t, bool) for t in starts):
        raise BadAudioError("'starts' must hold numbers of seconds")
    times = tuple(float(t) for t in starts)
    if not all(math.isfinite(t) for t in times):  # 1e999 reads as infinity
        raise BadAudioError("'starts' must hold finite numbers of seconds")
    if any(b <= a for a, b in itertools.pairwise(times)) or times[0] < 0:
        raise BadAudioError("'starts' must rise from 0 or more")
    if times[-1] >= seconds:
        raise BadAudioError(
            f"a sentence starts at {times[-1]:.2f} s, after the sound ends ({seconds:.2f} s)"
        )
    text_hash = data.get("text_sha256", "")
    if not (isinstance(text_hash, str) and re.fullmatch(r"(?:[0-9a-f]{64})?", text_hash)):
        raise BadAudioError("'text_sha256' must be 64 hexadecimal digits")
    return Timings(times, text_hash)


# -- a slide's `narration:` --------------------------------------------------------------

# Why the audio file at this (resolved) path cannot be used, or None when it can.
AudioCheck = Callable[[Path], str | None]


def sniff_audio_file(path: Path, roots: list[Path], limits: Limits = DEFAULT_LIMITS) -> str | None:
    """The default check: read the file (bounded) and walk its container; no decoding."""
    try:
        sniff_audio(read_deck_file(path, limit=limits.audio_file_bytes, roots=roots), limits)
    except (FileRefusedError, BadAudioError) as problem:
        return str(problem)
    return None


def find_audio(
    value: str, deck_dir: Path, check: AudioCheck, *, may_be_missing: bool = False
) -> Path:
    """The resolved file a slide's `narration: {xx: value}` names, looked up like an image: in
    the deck folder, then in `assets/` beside it, after `check` accepted it; or BadAudioError
    with the whole sentence (the caller adds file, line and field). `may_be_missing` (for
    `kiosk narrate`, which makes it): a file found nowhere is where it would be made, in the
    first of the two folders that has its folder, else in the deck folder."""
    if os.path.isabs(value) or value.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", value):
        raise BadAudioError(f"audio path must be relative (like audio/valves.en.ogg), got {value}")
    if not value.lower().endswith(AUDIO_SUFFIXES):
        raise BadAudioError(f"audio must be one of {', '.join(AUDIO_SUFFIXES)}, got {value}")
    for root in (deck_dir.resolve(), (deck_dir.parent / "assets").resolve()):
        candidate = root / value
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            raise BadAudioError(f"audio {value}: is a symlink loop") from None
        if not resolved.is_relative_to(root):
            raise BadAudioError(
                f"audio {value} leads outside the {root.name}/ folder; keep narration inside "
                f"{deck_dir.name}/ or assets/"
            )
        if os.path.lexists(candidate):
            problem = check(resolved)
            if problem:
                raise BadAudioError(f"audio {value}: {problem}")
            return resolved
    if may_be_missing:
        roots = [deck_dir.resolve(), (deck_dir.parent / "assets").resolve()]
        home = next((r for r in roots if (r / value).parent.is_dir()), roots[0])
        return (home / value).resolve()
    raise BadAudioError(f"audio not found: {value} (looked in {deck_dir.name}/ and assets/)")


__all__ = [
    "AUDIO_SUFFIXES",
    "OGG",
    "WAV",
    "AudioCheck",
    "AudioInfo",
    "BadAudioError",
    "Timings",
    "decode_check",
    "find_audio",
    "parse_timings",
    "sniff_audio",
    "sniff_audio_file",
    "timings_path",
]
