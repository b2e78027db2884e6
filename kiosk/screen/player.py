"""Plays narration: a thin layer over `pygame.mixer.music`, which streams a compressed file
from memory while SDL's audio thread decodes a buffer at a time.

What it costs is the point of this module. The mixer's thread wakes the CPU every buffer
(~40 times a second) for as long as the mixer is open, even in silence, so it is opened only
when narration first plays and closed again after `QUIET_SECONDS` without sound: a screen
nobody listens to costs what it did before narration existed. Nothing is decoded up front;
`play` hands SDL_mixer the checked bytes the loader child sent (`kiosk.deck.model.Narration`)
and returns. The navigator decides what plays and when (kiosk.screen.navigator); this only
does it, and says when the machine cannot.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from typing import Protocol

import pygame

from kiosk.deck.model import Narration

log = logging.getLogger(__name__)

# The mixer's output format: CD rate and stereo, so a recording staff made plays as it was
# made (a mono 22 kHz engine voice is converted by SDL_mixer as it streams).
FREQUENCY = 44100
CHANNELS = 2
# Frames per buffer: ~23 ms at 44.1 kHz. Small, so the first sound comes soon after a tap.
BUFFER_FRAMES = 1024
QUIET_SECONDS = 60.0


class Music(Protocol):
    """The parts of `pygame.mixer.music` the player uses."""

    def load(self, filename: io.BytesIO, namehint: str = "") -> None: ...
    def play(self) -> None: ...
    def stop(self) -> None: ...
    def unload(self) -> None: ...
    def get_busy(self) -> bool: ...
    def set_volume(self, volume: float) -> None: ...


class Mixer(Protocol):
    """The parts of `pygame.mixer` the player uses (tests pass a fake)."""

    @property
    def music(self) -> Music: ...

    def init(self, frequency: int, size: int, channels: int, buffer: int) -> None: ...
    def quit(self) -> None: ...
    def get_init(self) -> object: ...


class NarrationPlayer:
    def __init__(
        self,
        mixer: Mixer | None = None,
        clock: Callable[[], float] = time.monotonic,
        quiet_seconds: float = QUIET_SECONDS,
    ) -> None:
        self._mixer: Mixer = mixer if mixer is not None else pygame.mixer
        self._clock = clock
        self._quiet_seconds = quiet_seconds
        self._source: io.BytesIO | None = None  # what the mixer streams from: kept alive
        self._quiet_since: float | None = None  # the mixer is open and silent since then
        self.playing: int | None = None  # the serial of the reading handed to the mixer
        self.opened = 0  # how often the mixer was opened (for tests and the benchmark)
        self._refused = False  # logged once: this machine has no usable audio output

    @property
    def is_open(self) -> bool:
        return bool(self._mixer.get_init())

    def play(self, serial: int, narration: Narration, volume: float) -> bool:
        """Start `narration` from its first sample (stopping anything else). False when this
        machine cannot play sound or the mixer refuses the file; it is said once in the log."""
        try:
            if not self._mixer.get_init():
                self._mixer.init(FREQUENCY, -16, CHANNELS, BUFFER_FRAMES)
                self.opened += 1
            music = self._mixer.music
            music.stop()
            # A copy of a few hundred kB: the mixer reads it on its own thread while the
            # answer's buffer may be let go when another deck arrives.
            source = io.BytesIO(bytes(narration.data))
            music.load(source, narration.format)
            music.set_volume(max(0.0, min(1.0, volume)))
            music.play()
        except (pygame.error, OSError, ValueError) as error:
            if not self._refused:
                log.warning("narration cannot be played on this machine: %s", error)
                self._refused = True
            self.playing = None
            self._quiet_since = self._clock() if self.is_open else None
            return False
        self._source = source
        self.playing = serial
        self._quiet_since = None
        return True

    def stop(self) -> None:
        """Silence now; the mixer stays open for the quiet spell (a next tap is quick)."""
        if self.playing is None and self._source is None:
            return
        if self._mixer.get_init():
            self._mixer.music.stop()
            self._mixer.music.unload()
        self._source = None
        self.playing = None
        self._quiet_since = self._clock()

    def tick(self) -> None:
        """Close the mixer after a quiet spell. Cheap: called on every pass of the loop."""
        if self._quiet_since is None:
            if self.playing is not None and not self._mixer.music.get_busy():
                # The file played to its end on its own.
                self._source = None
                self.playing = None
                self._quiet_since = self._clock()
            return
        if self._clock() - self._quiet_since >= self._quiet_seconds:
            self.close()

    def close(self) -> None:
        if self._mixer.get_init():
            self._mixer.music.stop()
            self._mixer.quit()
            log.debug("audio mixer closed after a quiet spell")
        self._source = None
        self.playing = None
        self._quiet_since = None
