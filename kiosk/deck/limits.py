"""Every size and time limit on deck files, in one place.

The loader child (`kiosk.loader`) enforces the process limits; `kiosk.deck.files`,
`kiosk.deck.content` and `kiosk.deck.images` enforce the per-file ones. Change a number here
and it changes everywhere, in the checks and in their messages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    # A slide file is a few kilobytes; 256 KB is a whole book chapter of YAML.
    yaml_bytes: int = 256 * 1024
    # Images: on disk, per side and in total pixels (40 Mpx is 160 MB once decoded to RGBA).
    image_file_bytes: int = 20_000_000
    image_side: int = 8192
    image_pixels: int = 40_000_000
    # A font with full Latin coverage is well under 1 MB; CJK fonts reach ~20 MB.
    font_bytes: int = 24_000_000
    # Narration, per slide and language: speech in Ogg Vorbis is ~4 kB a second; 16 MB holds
    # the longest allowed reading even as 16-bit WAV at 22 kHz. Rates and channels are what
    # speech needs and SDL_mixer plays without trouble.
    audio_file_bytes: int = 16_000_000
    audio_seconds: float = 180.0
    audio_min_rate: int = 8000
    audio_max_rate: int = 48000
    audio_channels: int = 2
    # A timings sidecar (sentence start times, text hash) is a few hundred bytes.
    timings_bytes: int = 64 * 1024
    # The loader child: address space (RLIMIT_AS), CPU seconds (RLIMIT_CPU), and the wall time
    # after which the parent kills it (a read stuck on a network share uses no CPU).
    memory_bytes: int = 1_500_000_000
    cpu_seconds: int = 60
    wall_seconds: float = 120.0
    # What the parent accepts back over the pipe: deck, fonts and scaled pixels.
    result_bytes: int = 500_000_000
    # One text (a title, a bullet, a body): the longest in the bundled deck is 239 characters,
    # and a slide holds little more than 400 words on a 1080p screen.
    text_chars: int = 2000
    # Combining marks on one letter (after NFC): Spanish needs none, Vietnamese two. Stacked
    # marks are drawn one above the other: 3,000 of them made one title 28,000 px tall and
    # took the drawing process from 150 MB to 650 MB.
    combining_marks: int = 3
    # A drawn word may be this many times as tall as a line of the font (accents above and
    # below a capital letter stay well within it).
    ink_height_ratio: float = 1.6

    def megabytes(self, value: int) -> str:
        return f"{value / 1e6:.0f} MB"


DEFAULT_LIMITS = Limits()
