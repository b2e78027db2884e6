"""What is read aloud for a slide: its script, one sentence (or bullet) at a time.

One function makes the script and everything else uses it: `kiosk narrate` speaks each
sentence and records when it starts, `kiosk validate` hashes the script to tell fresh
narration from stale, and the screen marks the sentence being read by its `part` (which text
of the slide) and its place in that text. Pure: no pygame, no files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from kiosk.deck.model import Deck, Slide

# A sentence ends at . ! ? followed by a space and a capital (or an opening ¿ ¡ or quote);
# a single capital before the dot is an initial ("Michael J. Fucci"), not an ending.
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\b[A-Z]\.)\s+(?=[A-ZÁÉÍÓÚÑ¿¡\"'(])")
_WEB_ADDRESS = re.compile(r"\s*\(?https?://\S+\)?")


@dataclass(frozen=True)
class Sentence:
    part: str  # "title", "body", "bullets[2]", "columns[1].heading", "columns[0].bullets[1]"
    index: int  # its place among the sentences of that part (a body has several)
    display: str  # as written on the slide
    spoken: str  # as the engine is given it: pronunciation applied, web addresses left out


def split_sentences(text: str) -> list[str]:
    return [piece.strip() for piece in _SENTENCE_END.split(text.strip()) if piece.strip()]


def _pronounced(text: str, words: Mapping[str, str]) -> str:
    if not words:
        return text
    # Longest first, so "CVI" in "CVIs" or a phrase containing a shorter entry wins whole.
    names = sorted(words, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
    return pattern.sub(lambda match: words[match[1]], text)


def _parts(slide: Slide, language: str) -> Iterator[tuple[str, str]]:
    yield "title", slide.title.get(language)
    if slide.body is not None:
        yield "body", slide.body.get(language)
    for n, bullet in enumerate(slide.bullets):
        yield f"bullets[{n}]", bullet.get(language)
    for c, column in enumerate(slide.columns):
        yield f"columns[{c}].heading", column.heading.get(language)
        for n, bullet in enumerate(column.bullets):
            yield f"columns[{c}].bullets[{n}]", bullet.get(language)
    # A question is read with its answers; never its explanation, which would give it away.
    for n, answer in enumerate(slide.answers):
        yield f"answers[{n}].text", answer.text.get(language)


def slide_script(
    slide: Slide, language: str, pronounce: Mapping[str, str] | None = None
) -> tuple[Sentence, ...]:
    """The sentences read for `slide` in `language`, in reading order. A title and each bullet
    are one sentence each (a bullet is read whole); a body is split into its sentences."""
    words = pronounce or {}
    sentences: list[Sentence] = []
    for part, text in _parts(slide, language):
        pieces = split_sentences(text) if part == "body" else [text.strip()]
        for index, piece in enumerate(pieces):
            spoken = _pronounced(_WEB_ADDRESS.sub("", piece), words).strip()
            if spoken:
                sentences.append(Sentence(part, index, piece, spoken))
    return tuple(sentences)


def script_hash(sentences: tuple[Sentence, ...]) -> str:
    """sha256 of what is said (one sentence a line): narration made from it is fresh."""
    return hashlib.sha256("\n".join(s.spoken for s in sentences).encode()).hexdigest()


def deck_script(deck: Deck, slide: Slide, language: str) -> tuple[Sentence, ...]:
    return slide_script(slide, language, deck.narration.pronounce.get(language))


@dataclass(frozen=True)
class NarrationNotes:
    """What `kiosk validate` says about narration: slide ids without it (per language), and
    files made from text that has changed since (`file:line: ...` sentences)."""

    missing: Mapping[str, tuple[str, ...]]
    stale: tuple[str, ...]

    def lines(self) -> list[str]:
        out = [
            f"no narration in {code} for {len(ids)} slide(s): {', '.join(ids)}"
            for code, ids in self.missing.items()
            if ids
        ]
        return out + list(self.stale)


def narration_notes(deck: Deck) -> NarrationNotes:
    """Missing and stale narration. Stale needs the hashes the loader child read from each
    file's timings (`deck.assets.narrations`); files without a recorded hash are not judged."""
    missing = {
        code: tuple(s.id for s in deck.slides if s.narration_file(code) is None)
        for code in deck.languages
    }
    narrations = deck.assets.narrations if deck.assets is not None else {}
    stale: list[str] = []
    for slide in deck.slides:
        for code, path in slide.narration:
            found = narrations.get(path)
            if found is None or not found.text_hash:
                continue
            if found.text_hash != script_hash(deck_script(deck, slide, code)):
                stale.append(
                    f"{slide.origin}: slides {slide.id!r} narration.{code}: {path.name} was made "
                    "from other text (the slide or the pronunciation list changed since); run "
                    "`kiosk narrate` to make it again"
                )
    return NarrationNotes(missing, tuple(stale))


__all__ = [
    "NarrationNotes",
    "Sentence",
    "deck_script",
    "narration_notes",
    "script_hash",
    "slide_script",
    "split_sentences",
]
