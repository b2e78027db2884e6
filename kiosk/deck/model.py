"""The content model: a deck of slides as plain, frozen data. No pygame, no YAML here.

The loader (`kiosk.deck.content`) builds these objects; everything else only reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from kiosk.deck import pace as reading_pace

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Text:
    """One piece of visitor-facing text in every language of the deck.

    YAML may give a plain string (the deck's default language) or a mapping such as
    `{en: "Swelling", es: "Hinchazón"}`; the loader turns both into this.
    """

    by_language: Mapping[str, str]
    # Where it was written (1-based; 0 when not read from a file): the loader child names it
    # when the text cannot be drawn. Not part of what the text is.
    line: int = field(default=0, compare=False)

    def get(self, language: str) -> str:
        """The text in `language`, or in the first language that has it."""
        if language in self.by_language:
            return self.by_language[language]
        return next(iter(self.by_language.values()))

    @classmethod
    def plain(cls, text: str, language: str = "en") -> Text:
        return cls({language: text})


class SlideKind(StrEnum):
    TITLE = "title"
    BULLETS = "bullets"
    TEXT_IMAGE = "text-image"
    TWO_COLUMN = "two-column"
    CALLOUT = "callout"
    SOURCES = "sources"
    DISCLAIMER = "disclaimer"
    CHECK = "check"  # a question to check what the visitor learned (kiosk.screen.questions)


class Tone(StrEnum):
    """What a column means; shown by icon and words, never by colour alone."""

    DO = "do"
    AVOID = "avoid"
    INFO = "info"


class Urgency(StrEnum):
    """How soon a slide's advice must be acted on, drawn so a visitor who cannot read still
    sees it: a red band with the emergency number, an amber band with a clock, a calm band."""

    EMERGENCY = "emergency"  # call the emergency number now
    TODAY = "today"  # call the clinic the same day
    ROUTINE = "routine"  # ask at the next visit


DEFAULT_EMERGENCY_NUMBER = "911"


@dataclass(frozen=True)
class Origin:
    """Where something was written, for error messages: file shown to people, 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Column:
    heading: Text
    bullets: tuple[Text, ...]
    tone: Tone = Tone.INFO


@dataclass(frozen=True)
class Answer:
    """One answer of a `check` slide; exactly one of a slide's answers is right."""

    text: Text
    right: bool = False


@dataclass(frozen=True)
class Review:
    """A clinician's review of the deck (or of one topic) for this clinic: who, when, and
    when it is due again. Dates are ISO text ("2027-03-01"), checked when the deck is read;
    `kiosk.deck.review` reads them as dates."""

    by: str
    date: str
    due: str


@dataclass(frozen=True)
class Slide:
    id: str
    kind: SlideKind
    title: Text
    section: Text
    origin: Origin
    body: Text | None = None
    bullets: tuple[Text, ...] = ()
    columns: tuple[Column, ...] = ()
    image: Path | None = None  # absolute, already checked to lie inside the deck folder
    duration: float | None = None  # seconds in attract mode; None means the deck default
    take_home: bool = False  # show the "scan to take this home" QR code
    review: Review | None = None  # the topic's own clinical review (its section file)
    image_origin: Origin | None = None  # where `image:` was written, for error messages
    # (language, audio file) pairs, absolute paths checked like `image`; see `Narration`.
    narration: tuple[tuple[str, Path], ...] = ()

    def narration_file(self, language: str) -> Path | None:
        return next((path for code, path in self.narration if code == language), None)

    # A `check` slide: the title is the question; `teaches` is the id of the slide that
    # teaches the answer. `privacy_note` is set by the loader on the deck's first question.
    answers: tuple[Answer, ...] = ()
    explanation: Text | None = None
    teaches: str | None = None
    privacy_note: bool = False
    # How urgent the slide's advice is (None: not a triage slide), and the number an
    # emergency slide shows: the deck's `emergency_number`, copied in by the loader.
    urgency: Urgency | None = None
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER

    @property
    def right_answer(self) -> int:
        """The position of the right answer of a `check` slide (-1 on other slides)."""
        return next((n for n, answer in enumerate(self.answers) if answer.right), -1)

    def texts(self) -> tuple[tuple[str, Text], ...]:
        """Every text a visitor reads on this slide, by field path (for plain-language checks)."""
        found: list[tuple[str, Text]] = [("title", self.title)]
        if self.body is not None:
            found.append(("body", self.body))
        found += [(f"bullets[{n}]", b) for n, b in enumerate(self.bullets)]
        for c, column in enumerate(self.columns):
            found.append((f"columns[{c}].heading", column.heading))
            found += [(f"columns[{c}].bullets[{n}]", b) for n, b in enumerate(column.bullets)]
        found += [(f"answers[{n}].text", a.text) for n, a in enumerate(self.answers)]
        if self.explanation is not None:
            found.append(("explanation", self.explanation))
        return tuple(found)


@dataclass(frozen=True)
class Section:
    """A topic in the menu: its title and the first slide that belongs to it."""

    title: Text
    first_slide: int


@dataclass(frozen=True)
class Theme:
    background: RGB = (10, 26, 46)
    panel: RGB = (22, 44, 72)
    text: RGB = (255, 255, 255)
    muted_text: RGB = (214, 226, 240)
    accent: RGB = (255, 209, 102)
    accent_text: RGB = (10, 26, 46)
    do_color: RGB = (120, 200, 255)
    avoid_color: RGB = (255, 176, 96)
    # The urgency bands (`Urgency`) and the words on them; each pair at least 7:1 (WCAG AAA).
    emergency: RGB = (176, 0, 0)
    emergency_text: RGB = (255, 255, 255)
    today: RGB = (255, 176, 0)
    today_text: RGB = (10, 26, 46)
    routine: RGB = (0, 92, 82)
    routine_text: RGB = (255, 255, 255)


class TransitionStyle(StrEnum):
    CROSSFADE = "crossfade"
    SLIDE = "slide"


@dataclass(frozen=True)
class Transition:
    style: TransitionStyle = TransitionStyle.CROSSFADE
    seconds: float = 0.4


@dataclass(frozen=True)
class StaffExit:
    """The hidden way out for staff: hold the top-left corner, then type the PIN. The PIN is
    per machine (`kiosk set-pin`, kiosk.ops.pin), never part of the deck."""

    hold_seconds: float = 5.0


class RestStyle(StrEnum):
    DIM = "dim"  # the current slide, faint and still
    SLEEP = "sleep"  # a black screen (backlights still glow: let the OS switch the panel off)


DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Schedule:
    """Clinic hours. Outside them the attract loop rests until someone touches the screen."""

    opens: time
    closes: time
    days: frozenset[int] = frozenset(range(7))  # 0 = Monday
    outside_hours: RestStyle = RestStyle.DIM

    def is_open(self, moment: datetime) -> bool:
        return moment.weekday() in self.days and self.opens <= moment.time() < self.closes


def base_id(slide_id: str) -> str:
    """The id of the slide a page belongs to: the larger-text layout splits a slide into
    pages named `<id>~1`, `<id>~2`, ..."""
    return slide_id.split("~", 1)[0]


# A reputable public page on CVI for visitors to take home (U.S. National Library of Medicine),
# and the same page in MedlinePlus' Spanish edition.
MEDLINEPLUS_CVI = "https://medlineplus.gov/ency/article/000203.htm"
MEDLINEPLUS_CVI_ES = "https://medlineplus.gov/spanish/ency/article/000203.htm"
DEFAULT_TAKE_HOME_URLS: Mapping[str, str] = MappingProxyType(
    {"en": MEDLINEPLUS_CVI, "es": MEDLINEPLUS_CVI_ES}
)

NO_WORDS: Mapping[str, str] = MappingProxyType({})
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


@dataclass(frozen=True)
class Pixels:
    """An image already decoded (and scaled) by the loader child: RGBA bytes, row by row.

    `rgba` is bytes, or a read-only view of the buffer it arrived in: the loader's answer
    (`kiosk.loader.wire`) sends it out of band, so the megabytes of pixels are never copied
    on the way."""

    width: int
    height: int
    rgba: bytes | memoryview = field(repr=False)


@dataclass(frozen=True)
class Narration:
    """A slide's reading in one language, checked whole by the loader child: the compressed
    file's bytes as they are (the mixer streams them; nothing is decoded up front), and when
    each sentence of the slide's script (`kiosk.deck.script`) starts, if a timings file says.

    Like `Pixels`, `data` travels out of band in the loader's answer (`kiosk.loader.wire`);
    `kiosk validate` gets no bytes."""

    format: str  # "ogg" or "wav": SDL_mixer's type hint
    seconds: float
    data: bytes | memoryview = field(repr=False, default=b"")
    starts: tuple[float, ...] = ()  # one per sentence; () when the file came without timings
    text_hash: str = ""  # the script the file was made from (kiosk narrate); "" when unknown


@dataclass(frozen=True)
class NarrationSettings:
    """deck.yaml's `narration:`: what the deck asks of read-aloud."""

    required: bool = False  # a slide without narration in a language is an error, not a note
    attract: bool = False  # read aloud in the attract loop too (off: a waiting room is shared)
    volume: float = 0.8  # 0..1 of the mixer's full scale; a machine may cap it (kiosk.ops.config)
    # Per language: word as written -> how the engine should be told to say it (kiosk narrate).
    pronounce: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class DeckAssets:
    """What the loader child read besides the YAML, as plain data, so the drawing process
    never opens a deck file: each slide image's pixels (by `Slide.image` path) and the bytes
    of each font file (by file name), all checked to decode."""

    images: Mapping[Path, Pixels] = field(default_factory=dict)
    fonts: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    # Each narration file's checked bytes and timings, by `Slide.narration` path.
    narrations: Mapping[Path, Narration] = field(default_factory=dict, repr=False)
    # `kiosk.deck.fingerprint.deck_fingerprint` of the files read: the same on every screen.
    fingerprint: str = ""


@dataclass(frozen=True)
class Deck:
    title: Text
    languages: tuple[str, ...]
    slides: tuple[Slide, ...]
    root: Path
    slide_duration: float = 12.0
    idle_timeout: float = 90.0
    transition: Transition = field(default_factory=Transition)
    theme: Theme = field(default_factory=Theme)
    staff_exit: StaffExit = field(default_factory=StaffExit)
    schedule: Schedule | None = None  # None: open all the time
    take_home_url: str = MEDLINEPLUS_CVI  # for any language without its own address below
    alternate_languages: bool = False  # attract loop: each round in the next language
    # The take-home address per language, when the deck gives one for each.
    # A plain dict (not the read-only proxy), as the loader's answer gives it back.
    take_home_urls: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_TAKE_HOME_URLS))
    # Set by `kiosk.loader`; None for decks read in-process (tests, tools).
    assets: DeckAssets | None = field(default=None, compare=False, repr=False)
    system_font: bool = False  # on purpose: the built-in font, no font files needed
    narration: NarrationSettings = field(default_factory=NarrationSettings)
    # What visitors are told to call in an emergency: the standing line and urgency bands.
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER
    review: Review | None = None  # the clinic's clinical review of the deck (deck.yaml)
    # Words on the controls per language (kiosk.deck.words), over the built-in ones.
    words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Each language's own name ("Tiếng Việt"), over the built-in English and Español.
    language_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def sections(self) -> tuple[Section, ...]:
        """Topics in deck order; a topic starts at the first slide that names it."""
        seen: dict[str, Section] = {}
        for index, slide in enumerate(self.slides):
            key = slide.section.get(self.default_language)
            if key not in seen:
                seen[key] = Section(slide.section, index)
        return tuple(seen.values())

    def duration_of(self, index: int, language: str | None = None) -> float:
        """Attract-mode seconds of a slide in a language: its own `duration` when it sets
        one, else worked out from its words in that language (`kiosk.deck.pace`), never less
        than the deck's `slide_duration`."""
        slide = self.slides[index]
        if slide.duration is not None:
            return slide.duration
        pace = reading_pace.Pace(minimum_seconds=self.slide_duration)
        return reading_pace.reading_seconds(slide, language or self.default_language, pace)

    def take_home_url_for(self, language: str) -> str:
        """What the take-home QR code opens for a visitor reading in `language`."""
        return self.take_home_urls.get(language, self.take_home_url)

    def language_name(self, code: str) -> str:
        # es-419 is still "Español" unless the deck names it otherwise.
        own = self.language_names.get(code)
        return own or LANGUAGE_NAMES.get(code) or LANGUAGE_NAMES.get(code.split("-", 1)[0], code)

    def words_for(self, language: str) -> Mapping[str, str]:
        """The deck's own words on the controls in `language` (may be empty)."""
        # One shared empty mapping: callers memoise on its identity (controls_check).
        return self.words.get(language, NO_WORDS)
