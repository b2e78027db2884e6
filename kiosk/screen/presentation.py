"""A deck laid out for one screen size and one text scale: its pages and which slide each
page belongs to.

In normal text a presentation is the deck itself, one page per slide. In larger text ("A+")
slides that no longer fit are re-flowed onto several pages; that transforms content, so it
lives here and not in layout's geometry. The app keeps one presentation per text scale; the
navigator shows one at a time and never builds any. No pygame here.
"""

from __future__ import annotations

import logging
import math
import typing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from kiosk.deck.model import Column, Deck, Slide, SlideKind, Text
from kiosk.deck.script import split_sentences
from kiosk.screen.layout import LayoutError, Screen, TextMeasurer, does_not_fit
from kiosk.screen.layout_check import plan_slide
from kiosk.screen.strings import ui_text

log = logging.getLogger(__name__)

# Per language, the (body, title) sizes a larger-text page never goes under. Per language
# because each language's normal layout chose its own sizes: 1.3 times the larger of the two
# would ask the longer language for more than 1.3 times its own and push it off the page.
Floors = Mapping[str, tuple[int, int]]

# A slide re-flowed for larger text may take at most this many pages.
MAX_PAGES = 6
# Larger text is at least this much larger than what the normal layout chose for the same
# slide (body and title): a slide that then no longer fits takes more pages.
MIN_LARGER_RATIO = 1.3
# Shares of those floors tried, in order, for a slide that cannot reach them.
FALLBACK_SHARES = (1.0, 0.96, 0.92, 0.88, 0.84, 0.8)


@dataclass(frozen=True)
class Presentation:
    """`deck` holds the pages as slides (a page of a re-flowed slide has the id
    `<slide id>~<n>`); `source` is the deck as written."""

    deck: Deck
    source: Deck
    size: tuple[int, int]
    larger_text: bool
    slide_of_page: tuple[int, ...]
    # Larger text: per page, the sizes it never goes under in each language; empty otherwise.
    floors: tuple[Floors, ...] = ()

    @classmethod
    def plain(cls, deck: Deck, size: tuple[int, int] = (0, 0)) -> Presentation:
        """Normal text: one page per slide, nothing to lay out ahead of time."""
        return cls(deck, deck, size, False, tuple(range(len(deck.slides))))

    @property
    def screen(self) -> Screen:
        screen = Screen(*self.size)
        return screen.larger() if self.larger_text else screen

    def screen_for(self, page: int, language: str) -> Screen:
        """The screen page `page` is laid out on in `language`: `screen` with its floors."""
        if 0 <= page < len(self.floors):
            return with_floors(self.screen, self.floors[page], language)
        return self.screen

    @property
    def page_count(self) -> int:
        return len(self.deck.slides)

    def first_page(self, slide: int) -> int:
        """The first page that shows slide number `slide` of the source deck."""
        for page, source in enumerate(self.slide_of_page):
            if source >= slide:
                return page
        return max(0, self.page_count - 1)


def with_floors(screen: Screen, floors: Floors, language: str) -> Screen:
    body, title = floors.get(language, (0, 0))
    return replace(screen, body_floor=body, title_floor=title)


def take_home_labels(deck: Deck) -> list[str]:
    return [ui_text(language, deck.words_for(language)).take_home for language in deck.languages]


class PresentationBuilder:
    """Builds a presentation one slide per `step()`, so the loop can do it in idle time
    without ever blocking a frame for long. `build()` runs the remaining steps at once.

    A slide that cannot be re-flowed raises `LayoutError` from `step()`."""

    def __init__(
        self, deck: Deck, size: tuple[int, int], measure: TextMeasurer, *, larger_text: bool
    ) -> None:
        self.deck = deck
        self.size = size
        self.larger_text = larger_text
        self._measure = measure
        self._pages: list[Slide] = []
        self._owners: list[int] = []
        self._floors: list[Floors] = []
        self._steps = self._slides()
        self.result: Presentation | None = None
        if not larger_text:
            self.result = Presentation.plain(deck, size)

    @property
    def done(self) -> bool:
        return self.result is not None

    def _slides(self) -> Iterator[None]:
        normal = Screen(*self.size)
        larger = normal.larger()
        labels = take_home_labels(self.deck)
        languages = self.deck.languages
        for number, slide in enumerate(self.deck.slides):
            wanted = larger_floors(slide, languages, normal, self._measure, labels)
            pages: tuple[Slide, ...] | None = None
            # When not even MAX_PAGES pages hold it that large (a question cannot be split),
            # as close to it as fits, and at worst the plain larger-text screen.
            floors: Floors = {}
            for share in FALLBACK_SHARES:
                floors = {
                    language: (round(body * share), round(title * share))
                    for language, (body, title) in wanted.items()
                }
                try:
                    pages = paginate(slide, languages, larger, self._measure, labels, floors)
                    break
                except LayoutError:
                    continue
            if pages is None:
                floors = {}
                pages = paginate(slide, languages, larger, self._measure, labels)
            if floors != wanted:
                log.info("slide '%s': larger text below %g times here", slide.id, MIN_LARGER_RATIO)
            self._pages += pages
            self._owners += [number] * len(pages)
            self._floors += [floors] * len(pages)
            if number == len(self.deck.slides) - 1:
                self._finish()
            yield
        self._finish()

    def _finish(self) -> None:
        self.result = Presentation(
            replace(self.deck, slides=tuple(self._pages)),
            self.deck,
            self.size,
            True,
            tuple(self._owners),
            tuple(self._floors),
        )

    def step(self) -> bool:
        """Do one slide's worth of work. True while there is more to do."""
        if self.result is None:
            next(self._steps, None)
        return self.result is None

    def build(self) -> Presentation:
        while self.step():
            pass
        assert self.result is not None
        return self.result


def present(
    deck: Deck, size: tuple[int, int], measure: TextMeasurer, *, larger_text: bool = False
) -> Presentation:
    """The whole presentation at once (for `kiosk render`, preflight and tests)."""
    return PresentationBuilder(deck, size, measure, larger_text=larger_text).build()


def larger_floors(
    slide: Slide,
    languages: Sequence[str],
    normal: Screen,
    measure: TextMeasurer,
    labels: Sequence[str] = (),
) -> dict[str, tuple[int, int]]:
    """Per language, the body and title sizes larger text must reach on `slide`:
    MIN_LARGER_RATIO times what the normal layout chose (none where it cannot be laid out)."""
    label_of = dict(zip(languages, labels, strict=False))
    wanted = {}
    for language in languages:
        try:
            plan = plan_slide(slide, language, normal, measure, label_of.get(language, ""))
        except LayoutError:
            continue
        wanted[language] = (
            math.ceil(plan.body_size * MIN_LARGER_RATIO),
            math.ceil(plan.title_size * MIN_LARGER_RATIO),
        )
    return wanted


# -- re-flow: one slide onto more pages --------------------------------------------------


def paginate(
    slide: Slide,
    languages: Sequence[str],
    screen: Screen,
    measure: TextMeasurer,
    labels: Sequence[str] = (),
    floors: Floors | None = None,
) -> tuple[Slide, ...]:
    """The slide as one or more pages that each fit `screen` (usually the larger-text
    screen) with each language's `floors`. Bullets, columns or sentences are shared out in
    order; every language gets the same number of pages so switching language keeps the
    visitor on the same page."""
    label_of = dict(zip(languages, labels, strict=False))
    screens = {language: with_floors(screen, floors or {}, language) for language in languages}
    for count in range(1, MAX_PAGES + 1):
        for pages in _splits(slide, languages, count):
            try:
                for page in pages:
                    for language in languages:
                        label = label_of.get(language, "")
                        plan_slide(page, language, screens[language], measure, label)
            except LayoutError:
                continue
            return tuple(pages)
    raise does_not_fit(slide, screen)


def _chunks(items: Sequence[object], count: int) -> list[list[object]] | None:
    if count > len(items):
        return None
    size, extra = divmod(len(items), count)
    out, start = [], 0
    for n in range(count):
        end = start + size + (1 if n < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return out


def _sentences(text: Text, languages: Sequence[str], count: int) -> list[Text] | None:
    per_language = {}
    for language in languages:
        chunks = _chunks(split_sentences(text.get(language)), count)
        if chunks is None:
            return None
        per_language[language] = [" ".join(str(p) for p in chunk) for chunk in chunks]
    return [Text({lang: per_language[lang][n] for lang in languages}) for n in range(count)]


def _splits(slide: Slide, languages: Sequence[str], count: int) -> list[list[Slide]]:
    """Every way to show `slide` on `count` pages, the most like the slide first. Empty when
    it cannot take that many (fewer bullets or sentences than pages)."""
    if count == 1:
        return [[slide]]

    def titled(n: int) -> Text:
        return Text({lang: f"{slide.title.get(lang)} ({n + 1}/{count})" for lang in languages})

    def page(n: int, **changes: object) -> Slide:
        return replace(slide, id=f"{slide.id}~{n + 1}", title=titled(n), **changes)  # type: ignore[arg-type]

    if slide.columns:
        columns = _column_pages(slide, count)
        if columns is None:
            return []
        return [
            [
                page(n, body=slide.body if n == 0 else None, columns=(c,))
                for n, c in enumerate(columns)
            ]
        ]
    found: list[list[Slide]] = []
    bullets = slide.bullets
    if slide.body is not None and bullets:
        # The lead paragraph (over one or more pages) keeps the picture; the points follow
        # at full width.
        for body_pages in range(1, count):
            bodies = _sentences(slide.body, languages, body_pages)
            rest = _chunks(bullets, count - body_pages)
            if bodies is None or rest is None:
                continue
            lead = [
                page(n, body=b, bullets=(), image=slide.image if n == 0 else None)
                for n, b in enumerate(bodies)
            ]
            if lead[0].kind is SlideKind.BULLETS and slide.image is not None:
                lead[0] = replace(lead[0], kind=SlideKind.TEXT_IMAGE)
            found.append(
                [
                    *lead,
                    *(
                        page(body_pages + n, body=None, image=None, bullets=tuple(g))
                        for n, g in enumerate(rest)
                    ),
                ]
            )
    groups = _chunks(bullets, count)
    if groups is not None:
        # The points shared out, the paragraph first; the picture on every page, and if
        # that leaves too little room, on the first only.
        for pictured in ("all", "first") if slide.image is not None else ("all",):
            found.append(
                [
                    page(
                        n,
                        body=slide.body if n == 0 else None,
                        bullets=tuple(g),
                        image=slide.image if pictured == "all" or n == 0 else None,
                    )
                    for n, g in enumerate(groups)
                ]
            )
    if slide.body is not None and not bullets:
        bodies = _sentences(slide.body, languages, count)
        if bodies is not None:
            found.append(
                [
                    page(n, body=b, image=slide.image if n == 0 else None)
                    for n, b in enumerate(bodies)
                ]
            )
    return found


def _column_pages(slide: Slide, count: int) -> list[Column] | None:
    """Two columns become a page each, then their bullets are shared out if needed: the
    later pages go to the column with the most bullets per page, its heading kept."""
    if count < len(slide.columns):
        return None
    shares = [1] * len(slide.columns)
    for _ in range(count - len(slide.columns)):
        most = max(range(len(shares)), key=lambda c: len(slide.columns[c].bullets) / shares[c])
        if shares[most] >= len(slide.columns[most].bullets):
            return None
        shares[most] += 1
    parts: list[Column] = []
    for column, share in zip(slide.columns, shares, strict=True):
        groups = _chunks(column.bullets, share)
        assert groups is not None
        parts += [replace(column, bullets=tuple(typing.cast(list[Text], g))) for g in groups]
    return parts
