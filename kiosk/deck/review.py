"""Who stands behind the deck: the clinic's clinical review, and what `kiosk validate` says
when it is missing or overdue.

Medical text shown to patients needs a clinician who has read it for this clinic. The deck
records that review (`review: {by:, date:, due:}` in deck.yaml, and optionally in a section
file for one topic); nothing here invents one. `today` is passed in, so tests choose the day.

Pure: no pygame, no files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from kiosk.deck.model import Deck, Review, Slide, SlideKind, Text

HOW = (
    "record it in deck.yaml as review: {by: <name and role>, date: YYYY-MM-DD, "
    "due: YYYY-MM-DD} (docs/deck-format.md#clinical-review)"
)

_MONTHS = {
    "en": "January February March April May June July August September October November "
    "December".split(),
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre".split(),
}


def day(text: str) -> dt.date:
    """A review date as written in the deck (checked to be ISO when it was read)."""
    return dt.date.fromisoformat(text)


def review_warnings(deck: Deck, today: dt.date) -> list[str]:
    """`kiosk validate`'s warnings: no review, a review past its due date, one dated in the
    future; the same for each topic that has a review of its own."""
    warnings: list[str] = []
    if deck.review is None:
        warnings.append(
            "no clinical review: a clinician must review this deck for your clinic before "
            f"patients see it; {HOW}"
        )
    else:
        warnings += _dated(deck.review, today, "the deck's clinical review")
    seen: set[str] = set()
    for slide in deck.slides:
        topic = slide.section.get(deck.default_language)
        if slide.review is None or topic in seen:
            continue
        seen.add(topic)
        warnings += _dated(slide.review, today, f"the clinical review of the topic {topic!r}")
    return warnings


def _dated(review: Review, today: dt.date, what: str) -> list[str]:
    due, done = day(review.due), day(review.date)
    if done > today:
        return [f"{what} is dated {review.date}, after today ({today.isoformat()}): check the date"]
    if due <= today:
        late = (today - due).days
        when = "today" if late == 0 else f"{late} day{'s' if late != 1 else ''} ago"
        return [
            f"{what} by {review.by} ({review.date}) was due again on {review.due}, {when}: "
            "a clinician must review it again before patients see it"
        ]
    return []


def spoken_date(text: str, language: str) -> str:
    """A review date as a patient reads it: "March 1, 2027", "1 de marzo de 2027"."""
    date = day(text)
    if language == "es":
        return f"{date.day} de {_MONTHS['es'][date.month - 1]} de {date.year}"
    return f"{_MONTHS['en'][date.month - 1]} {date.day}, {date.year}"


def review_line(review: Review, language: str) -> str:
    """The sources slide's line naming the clinic's review."""
    if language == "es":
        return (
            f"Revisado para esta clínica por {review.by} el {spoken_date(review.date, 'es')}. "
            f"Próxima revisión: {spoken_date(review.due, 'es')}."
        )
    return (
        f"Reviewed for this clinic by {review.by} on {spoken_date(review.date, 'en')}. "
        f"Next review: {spoken_date(review.due, 'en')}."
    )


def with_review_on_sources(
    slides: Sequence[Slide], review: Review | None, languages: Sequence[str]
) -> tuple[Slide, ...]:
    """The slides with the clinic's review as the first bullet of every `sources` slide, when
    the deck records one: patients see who stands behind the deck today, not only the date of
    the page it was written from."""
    if review is None:
        return tuple(slides)
    line = Text({code: review_line(review, code) for code in languages})
    return tuple(
        dataclasses.replace(slide, bullets=(line, *slide.bullets))
        if slide.kind is SlideKind.SOURCES
        else slide
        for slide in slides
    )
