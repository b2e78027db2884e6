"""How long a slide stays up in the attract loop: long enough for a slow reader to finish it.

Most waiting-room viewers watch from their chair and never touch the screen, so a slide that
changes before they have read it is wasted. A slide's time is worked out from the words it
shows in each language (Spanish takes more words to say the same thing, so it gets its own,
longer times), at a slow reading pace, plus a moment to look at its picture, and never less
than a minimum. A slide's own `duration` in the YAML overrides it.

Why 100 words a minute: adults read English non-fiction silently at about 238 words a minute,
most between 175 and 300, and more slowly when older or reading in a second language
(Brysbaert, "How many words do we read per minute?", Journal of Memory and Language, 2019).
A waiting room is full of exactly those readers, reading at a distance, many of them unwell;
100 is well under the slowest typical adult. Reading rates in other languages follow the
number of words they need (the same paper), so one pace per word serves English and Spanish.

Pure: no pygame, no files; the navigator's attract timing and `kiosk validate` use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# What this module needs of a slide and a deck (kiosk.deck.model's Slide and Deck), as
# protocols: the model uses this module, so this module does not import the model.


class _Text(Protocol):
    def get(self, language: str) -> str: ...


class Slide(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def image(self) -> Path | None: ...
    @property
    def take_home(self) -> bool: ...
    @property
    def duration(self) -> float | None: ...
    def texts(self) -> Sequence[tuple[str, _Text]]: ...


class Deck(Protocol):
    @property
    def slides(self) -> Sequence[Slide]: ...
    @property
    def languages(self) -> tuple[str, ...]: ...
    @property
    def slide_duration(self) -> float: ...
    def duration_of(self, index: int, language: str | None = None) -> float: ...


WORDS_PER_MINUTE = 100.0
PICTURE_SECONDS = 3.0  # a look at the picture before or after the words
MAXIMUM_SECONDS = 600.0  # the most `duration` may say (kiosk.deck.content)

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


@dataclass(frozen=True)
class Pace:
    """The reading pace of one deck."""

    words_per_minute: float = WORDS_PER_MINUTE
    picture_seconds: float = PICTURE_SECONDS
    minimum_seconds: float = 8.0


def shown_words(slide: Slide, language: str) -> int:
    """The words a visitor reads on the slide in `language`: title, body, bullets, columns,
    and a question's answers and explanation (the attract loop reveals it)."""
    return sum(len(_WORD.findall(text)) for text in _texts(slide, language))


def _texts(slide: Slide, language: str) -> Iterator[str]:
    for _path, text in slide.texts():
        yield text.get(language)


def reading_seconds(slide: Slide, language: str, pace: Pace | None = None) -> float:
    """Attract-mode seconds for `slide` in `language`, worked out from its words (the slide's
    own `duration` is not consulted here: `Deck.duration_of` applies it)."""
    pace = pace or Pace()
    seconds = shown_words(slide, language) * 60.0 / pace.words_per_minute
    if slide.image is not None or slide.take_home:  # a picture, or the QR code to scan
        seconds += pace.picture_seconds
    return round(min(MAXIMUM_SECONDS, max(pace.minimum_seconds, seconds)), 1)


def pace_lines(deck: Deck) -> list[str]:
    """`kiosk validate`'s report of each slide's attract time in each language."""
    pace = Pace(minimum_seconds=deck.slide_duration)
    lines = [
        f"attract time per slide, from its words at {pace.words_per_minute:g} words a minute, "
        f"+{pace.picture_seconds:g} s for a picture, at least {pace.minimum_seconds:g} s "
        "(a slide's `duration` overrides):"
    ]
    width = max(len(slide.id) for slide in deck.slides)
    totals = dict.fromkeys(deck.languages, 0.0)
    for index, slide in enumerate(deck.slides):
        cells = []
        for language in deck.languages:
            seconds = deck.duration_of(index, language)
            totals[language] += seconds
            cells.append(f"{language} {seconds:5.1f} s ({shown_words(slide, language)} words)")
        own = "  duration set" if slide.duration is not None else ""
        lines.append(f"  {slide.id:{width}}  " + "   ".join(cells) + own)
    lines.append(
        "  one round of the loop: "
        + ", ".join(f"{code} {total / 60:.1f} min" for code, total in totals.items())
    )
    return lines
