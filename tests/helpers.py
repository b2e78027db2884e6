"""Small builders shared by tests: a fake clock and decks made in code."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from kiosk.deck.model import (
    Answer,
    Column,
    Deck,
    Origin,
    Slide,
    SlideKind,
    StaffExit,
    Text,
    Tone,
    Transition,
    TransitionStyle,
)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class FakeStaff:
    """A staff PIN check for tests (the real one, kiosk.ops.pin.StaffPin, hashes and rate-limits)."""

    def __init__(self, pin: str | None = "2468") -> None:
        self.pin = pin
        self.attempts: list[bool] = []

    @property
    def configured(self) -> bool:
        return self.pin is not None

    @property
    def why_closed(self) -> str:
        return "no staff PIN is set on this machine (a test)"

    def attempt(self, pin: str) -> bool:
        self.attempts.append(pin == self.pin)
        return self.attempts[-1]


def text(value: str, es: str | None = None) -> Text:
    return Text({"en": value, "es": es}) if es else Text({"en": value})


def make_slide(
    index: int,
    *,
    kind: SlideKind = SlideKind.BULLETS,
    section: str = "Topic",
    duration: float | None = None,
    image: Path | None = None,
    two_languages: bool = False,
) -> Slide:
    es = "es " if two_languages else None

    def t(value: str) -> Text:
        return text(value, es + value if es else None)

    columns: tuple[Column, ...] = ()
    bullets: tuple[Text, ...] = (t("First point"), t("Second point"))
    if kind is SlideKind.TWO_COLUMN:
        columns = (
            Column(t("Do"), (t("Walk every day"),), Tone.DO),
            Column(t("Avoid"), (t("Tight belts"),), Tone.AVOID),
        )
        bullets = ()
    return Slide(
        id=f"slide-{index}",
        kind=kind,
        title=t(f"Slide number {index}"),
        section=t(section),
        origin=Origin("slides/test.yaml", index + 1),
        body=t("A short paragraph of body text.")
        if kind in (SlideKind.CALLOUT, SlideKind.DISCLAIMER, SlideKind.TEXT_IMAGE, SlideKind.TITLE)
        else None,
        bullets=bullets if kind is not SlideKind.CALLOUT else (),
        columns=columns,
        image=image,
        duration=duration,
    )


def make_deck(
    count: int = 5,
    *,
    durations: list[float | None] | None = None,
    slide_duration: float = 10.0,
    idle_timeout: float = 60.0,
    transition_seconds: float = 0.4,
    style: TransitionStyle = TransitionStyle.CROSSFADE,
    languages: tuple[str, ...] = ("en",),
    sections: list[str] | None = None,
) -> Deck:
    durations = durations or [None] * count
    sections = sections or [f"Topic {i // 2}" for i in range(count)]
    slides = tuple(
        make_slide(
            i,
            duration=durations[i],
            section=sections[i],
            two_languages=len(languages) > 1,
        )
        for i in range(count)
    )
    return Deck(
        title=text("Test deck"),
        languages=languages,
        slides=slides,
        root=Path("/nonexistent/slides"),
        slide_duration=slide_duration,
        idle_timeout=idle_timeout,
        transition=Transition(style, transition_seconds),
        staff_exit=StaffExit(5.0),
    )


def make_question(
    slide_id: str = "check-1",
    *,
    section: str = "Topic",
    answers: int = 3,
    right: int = 1,
    teaches: str = "slide-0",
    two_languages: bool = True,
    privacy_note: bool = False,
) -> Slide:
    """A `check` slide: "Answer n" buttons, answer `right` the right one."""

    def t(value: str) -> Text:
        return text(value, f"es {value}" if two_languages else None)

    return Slide(
        id=slide_id,
        kind=SlideKind.CHECK,
        title=t("Which answer is right?"),
        section=t(section),
        origin=Origin("slides/test.yaml", 1),
        answers=tuple(Answer(t(f"Answer {n + 1}"), n == right) for n in range(answers)),
        explanation=t("The second answer is right because the test says so."),
        teaches=teaches,
        privacy_note=privacy_note,
    )


def question_deck(**settings: object) -> Deck:
    """Six pages in three topics; the last page of topics 0 and 1 is a question."""
    from dataclasses import replace

    deck = make_deck(6, languages=("en", "es"), **settings)  # type: ignore[arg-type]
    slides = list(deck.slides)
    # 10 s on screen like the other pages (their words would give a question a little more).
    slides[1] = replace(
        make_question("check-a", section="Topic 0", privacy_note=True), duration=10.0
    )
    slides[3] = replace(
        make_question("check-b", section="Topic 1", right=0, answers=2), duration=10.0
    )
    return replace(deck, slides=tuple(slides))


def within(seconds: float, call: Callable[[], object]) -> object:
    """call() in a thread; fails (instead of hanging the suite) when it takes longer. What
    it raises is raised here."""
    result: list[object] = []
    raised: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as error:
            raised.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still waiting after {seconds} s"
    if raised:
        raise raised[0]
    return result[0]
