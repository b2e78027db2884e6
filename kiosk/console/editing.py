"""Edits to deck YAML that keep the file's comments, quoting and layout.

ruamel.yaml's round-trip mode is the maintained YAML library that keeps comments and key order,
so a file edited here and by hand keeps both people's work; loading and dumping an untouched
bundled file gives back the same bytes (a test checks). Only values the console owns change.
Whether the result is a *valid* deck is `kiosk validate`'s job (run on the draft afterwards):
these functions only refuse what cannot be written at all.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from kiosk.deck import placeholders

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CLOCK = re.compile(r"([01]?[0-9]|2[0-3]):[0-5][0-9]")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEMPLATE_KINDS = ("bullets", "callout", "text-image", "title", "check")
MAX_TEXT = 2000
# A question's answers (the deck format's limits: kiosk.deck.content.MIN_ANSWERS/MAX_ANSWERS).
MIN_ANSWERS, MAX_ANSWERS = 2, 4


class EditError(ValueError):
    """The edit cannot be written; the message is one sentence for the form, and `fields`
    names the form fields it is about (shown beside them)."""

    def __init__(self, message: str, fields: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.fields = tuple(fields)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line: hand editors expect one line per text
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load(path: Path) -> Any:
    try:
        return _yaml().load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError, UnicodeDecodeError) as error:
        raise EditError(f"{path.name} cannot be read as YAML ({error}); fix it by hand") from None


def save(path: Path, data: Any) -> None:
    """Write atomically, so the kiosk's or validator's reader never sees half a file."""
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(buffer.getvalue())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def languages(deck_yaml: Path) -> list[str]:
    data = load(deck_yaml)
    found = data.get("languages") if isinstance(data, Mapping) else None
    if isinstance(found, Sequence) and found and all(isinstance(x, str) for x in found):
        return [str(x) for x in found]
    return ["en"]


def one_line(text: str) -> str:
    """Line breaks typed into a field become spaces; no-break spaces stay (they are wanted)."""
    return re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", text).strip(" \t\r\n")


def _text(value: Any, language: str) -> str:
    if isinstance(value, Mapping):
        found = value.get(language)
        return found if isinstance(found, str) else ""
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class SlideText:
    file: str
    index: int  # in the file's `slides` list
    id: str
    kind: str
    title: dict[str, str]
    body: dict[str, str]
    bullets: dict[str, list[str]]
    image: str
    # A question (kind: check): its answers per language, which is right (-1: none marked),
    # the one-sentence explanation and the slide that teaches it.
    answers: dict[str, list[str]] = field(default_factory=dict)
    right: int = -1
    explanation: dict[str, str] = field(default_factory=dict)
    teaches: str = ""


def _slides(data: Any, name: str) -> CommentedSeq:
    slides = data.get("slides") if isinstance(data, Mapping) else None
    if not isinstance(slides, CommentedSeq):
        raise EditError(f"{name} has no list of slides to edit")
    return slides


def read_slides(path: Path, langs: Sequence[str]) -> list[SlideText]:
    out = []
    for index, slide in enumerate(_slides(load(path), path.name)):
        if not isinstance(slide, Mapping):
            continue
        bullets = slide.get("bullets")
        items = (
            list(bullets) if isinstance(bullets, Sequence) and not isinstance(bullets, str) else []
        )
        out.append(
            SlideText(
                file=path.name,
                index=index,
                id=str(slide.get("id", "")),
                kind=str(slide.get("kind", "")),
                title={lang: _text(slide.get("title"), lang) for lang in langs},
                body={lang: _text(slide.get("body"), lang) for lang in langs},
                bullets={lang: [_text(item, lang) for item in items] for lang in langs},
                image=str(slide.get("image") or ""),
                **_question_text(slide, langs),
            )
        )
    return out


def slide_version(path: Path, slide_id: str) -> str:
    """A short fingerprint of one slide as saved: a save based on another one is refused,
    so two staff editing the same slide never overwrite each other without knowing."""
    slides = _slides(load(path), path.name)
    slide = slides[_find(slides, slide_id, path.name)]
    return hashlib.sha256(json.dumps(slide, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _answers(slide: Mapping[str, Any]) -> list[Any]:
    answers = slide.get("answers")
    if isinstance(answers, Sequence) and not isinstance(answers, str):
        return list(answers)
    return []


def _question_text(slide: Mapping[str, Any], langs: Sequence[str]) -> dict[str, Any]:
    if slide.get("kind") != "check":
        return {}
    answers = [a if isinstance(a, Mapping) else {} for a in _answers(slide)]
    right = next((n for n, a in enumerate(answers) if a.get("right") is True), -1)
    return {
        "answers": {lang: [_text(a.get("text"), lang) for a in answers] for lang in langs},
        "right": right,
        "explanation": {lang: _text(slide.get("explanation"), lang) for lang in langs},
        "teaches": str(slide.get("teaches") or ""),
    }


def _find(slides: CommentedSeq, slide_id: str, name: str) -> int:
    for index, slide in enumerate(slides):
        if isinstance(slide, Mapping) and slide.get("id") == slide_id:
            return index
    raise EditError(f"there is no slide {slide_id!r} in {name}")


def _set_text(owner: Any, key: str | int, values: Mapping[str, str], langs: Sequence[str]) -> None:
    existing = owner[key] if (isinstance(key, int) or key in owner) else None
    if len(langs) == 1 and not isinstance(existing, Mapping):
        owner[key] = values[langs[0]]
        return
    if not isinstance(existing, CommentedMap):
        existing = CommentedMap()
        owner[key] = existing
    for lang in langs:
        existing[lang] = values[lang]


def edit_slide(path: Path, slide_id: str, langs: Sequence[str], form: Mapping[str, str]) -> None:
    """Write the title, body and bullets of every language from the form's `title.<lang>`,
    `body.<lang>` and `bullets.<lang>` (one bullet per line) fields."""
    for name, value in form.items():
        if len(value) > MAX_TEXT * 8:
            raise EditError("this field is longer than any slide can show", (name,))
    data = load(path)
    slides = _slides(data, path.name)
    slide = slides[_find(slides, slide_id, path.name)]
    if slide.get("kind") == "check":
        _edit_question(slide, langs, form)
        save(path, data)
        return
    titles = {lang: one_line(form.get(f"title.{lang}", "")) for lang in langs}
    bodies = {lang: one_line(form.get(f"body.{lang}", "")) for lang in langs}
    bullets = {
        lang: [
            one_line(line) for line in form.get(f"bullets.{lang}", "").splitlines() if line.strip()
        ]
        for lang in langs
    }
    counts = {lang: len(items) for lang, items in bullets.items()}
    if len(set(counts.values())) > 1:
        described = ", ".join(f"{lang}: {count}" for lang, count in counts.items())
        raise EditError(
            f"every language needs the same number of bullets, one per line (now {described})",
            [f"bullets.{lang}" for lang in langs],
        )
    _set_text(slide, "title", titles, langs)
    if any(bodies.values()):
        _set_text(slide, "body", bodies, langs)
    elif "body" in slide:
        del slide["body"]
    count = next(iter(counts.values()), 0)
    if count == 0:
        if "bullets" in slide:
            del slide["bullets"]
    else:
        items = slide.get("bullets")
        if not isinstance(items, CommentedSeq):
            items = CommentedSeq()
            slide["bullets"] = items
        del items[count:]  # keep the first items' comments; drop what was removed
        for position in range(count):
            values = {lang: bullets[lang][position] for lang in langs}
            if position < len(items):
                _set_text(items, position, values, langs)
            else:
                items.append(values[langs[0]] if len(langs) == 1 else CommentedMap(values))
    save(path, data)


def _edit_question(slide: Any, langs: Sequence[str], form: Mapping[str, str]) -> None:
    """A question from the form: `title.<lang>` (the question), `answer.<n>.<lang>` for up
    to MAX_ANSWERS rows (an empty row is no answer), `right` (the row of the right answer),
    `explanation.<lang>` and `teaches` (a slide id)."""
    rows = []
    for row in range(MAX_ANSWERS):
        texts = {lang: one_line(form.get(f"answer.{row}.{lang}", "")) for lang in langs}
        if not any(texts.values()):
            continue
        missing = [lang for lang, words in texts.items() if not words]
        if missing:
            raise EditError(
                f"answer {row + 1} needs its text in every language (missing: "
                f"{', '.join(missing)})"
            )
        rows.append((row, texts))
    if not MIN_ANSWERS <= len(rows) <= MAX_ANSWERS:
        raise EditError(f"a question needs {MIN_ANSWERS} to {MAX_ANSWERS} answers")
    chosen = form.get("right", "")
    right = [n for n, (row, _) in enumerate(rows) if str(row) == chosen]
    if not right:
        raise EditError("mark the right answer (one that has text)")
    teaches = form.get("teaches", "").strip()
    if not SLUG.fullmatch(teaches):
        raise EditError("choose the slide that teaches the answer")
    _set_text(
        slide, "title", {lang: one_line(form.get(f"title.{lang}", "")) for lang in langs}, langs
    )
    items = slide.get("answers")
    if not isinstance(items, CommentedSeq):
        items = CommentedSeq()
        slide["answers"] = items
    del items[len(rows) :]  # keep the first answers' comments; drop what was removed
    for position, (_, texts) in enumerate(rows):
        if position >= len(items) or not isinstance(items[position], CommentedMap):
            answer = CommentedMap()
            if position < len(items):
                items[position] = answer
            else:
                items.append(answer)
        answer = items[position]
        _set_text(answer, "text", texts, langs)
        if position == right[0]:
            answer["right"] = True
        elif "right" in answer:
            del answer["right"]
    explanation = {lang: one_line(form.get(f"explanation.{lang}", "")) for lang in langs}
    _set_text(slide, "explanation", explanation, langs)
    slide["teaches"] = teaches


def add_slide(
    path: Path,
    slide_id: str,
    kind: str,
    langs: Sequence[str],
    taken: set[str],
    teaches: str = "",
) -> None:
    """Append a slide made from a template; its placeholder text tells staff what to write.
    A question (`check`) points at `teaches`, the slide that teaches its answer."""
    if not SLUG.fullmatch(slide_id) or len(slide_id) > 60:
        raise EditError("a slide id is lower-case letters, digits and single dashes, e.g. leg-care")
    if slide_id in taken:
        raise EditError(f"the slide id {slide_id!r} is already used")
    if kind not in TEMPLATE_KINDS:
        raise EditError(f"new slides can be one of: {', '.join(TEMPLATE_KINDS)}")
    data = load(path)
    slides = _slides(data, path.name)

    def text(words: str) -> Any:
        if len(langs) == 1:
            return words
        return CommentedMap((lang, placeholders.in_language(words, lang)) for lang in langs)

    # Validation refuses these words, so the slide cannot be published until it is written.
    slide = CommentedMap([("id", slide_id), ("kind", kind), ("title", text(placeholders.TITLE))])
    if kind in ("callout", "text-image", "title"):
        slide["body"] = text(placeholders.BODY)
    if kind == "bullets":
        slide["bullets"] = CommentedSeq([text(words) for words in placeholders.BULLETS])
    if kind == "text-image":
        slide["image"] = "images/leg-veins.svg"
    if kind == "check":
        slide["title"] = text("A short question?")
        slide["answers"] = CommentedSeq(
            [
                CommentedMap([("text", text("The right answer")), ("right", True)]),
                CommentedMap([("text", text("A wrong answer"))]),
            ]
        )
        slide["explanation"] = text("One sentence that says why")
        if teaches:
            slide["teaches"] = teaches
    slides.append(slide)
    save(path, data)


def delete_slide(path: Path, slide_id: str) -> None:
    data = load(path)
    slides = _slides(data, path.name)
    del slides[_find(slides, slide_id, path.name)]
    save(path, data)


def move_slide(path: Path, slide_id: str, step: int) -> None:
    """Move a slide one place up (-1) or down (+1) within its topic file."""
    data = load(path)
    slides = _slides(data, path.name)
    index = _find(slides, slide_id, path.name)
    target = index + step
    if step not in (-1, 1) or not 0 <= target < len(slides):
        raise EditError("the slide is already at that end of its topic")
    slides.insert(target, slides.pop(index))
    save(path, data)


def set_image(path: Path, slide_id: str, image: str) -> None:
    data = load(path)
    slides = _slides(data, path.name)
    slides[_find(slides, slide_id, path.name)]["image"] = image
    save(path, data)


@dataclass(frozen=True)
class DeckSettings:
    idle_timeout: str
    always_open: bool
    opens: str
    closes: str
    days: tuple[str, ...]
    outside_hours: str
    # The take-home link per deck language ("" for none: the kiosk's default page).
    take_home_urls: tuple[tuple[str, str], ...]


def read_settings(deck_yaml: Path) -> DeckSettings:
    data = load(deck_yaml)
    schedule = data.get("schedule") if isinstance(data, Mapping) else None
    schedule = schedule if isinstance(schedule, Mapping) else {}
    days = schedule.get("days")
    return DeckSettings(
        idle_timeout=str(data.get("idle_timeout", 90)),
        always_open=not schedule,
        opens=str(schedule.get("open", "07:30")),
        closes=str(schedule.get("close", "18:00")),
        days=tuple(str(d) for d in days) if isinstance(days, Sequence) else DAYS,
        outside_hours=str(schedule.get("outside_hours", "dim")),
        take_home_urls=_take_home_urls(data),
    )


def _take_home_urls(data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    languages = data.get("languages")
    codes = [str(c) for c in languages] if isinstance(languages, Sequence) else ["en"]
    given = data.get("take_home_url", "")
    if isinstance(given, Mapping):
        return tuple((code, str(given.get(code, ""))) for code in codes)
    # One address for every language (or none).
    return tuple((code, str(given or "")) for code in codes)


def edit_settings(deck_yaml: Path, settings: DeckSettings) -> None:
    """Write clinic hours, idle timeout and the take-home link into deck.yaml."""
    if not re.fullmatch(r"[0-9]{1,4}", settings.idle_timeout):
        raise EditError("the idle timeout is a whole number of seconds")
    for language, url in settings.take_home_urls:
        if url and not re.fullmatch(r"https://\S{4,300}", url):
            raise EditError(
                f"the take-home link ({language}) must be a web address starting with https://"
            )
    data = load(deck_yaml)
    data["idle_timeout"] = int(settings.idle_timeout)
    urls = {language: url for language, url in settings.take_home_urls if url}
    if not urls:
        if "take_home_url" in data:
            del data["take_home_url"]
    elif len(set(urls.values())) == 1 and len(urls) == len(settings.take_home_urls):
        data["take_home_url"] = next(iter(urls.values()))  # the same for every language
    else:
        old = data.get("take_home_url")
        if isinstance(old, MutableMapping):  # keep its comments and order
            for language in list(old):
                if language not in urls:
                    del old[language]
            old.update(urls)
        else:
            data["take_home_url"] = urls
    if settings.always_open:
        if "schedule" in data:
            del data["schedule"]
    else:
        if not (CLOCK.fullmatch(settings.opens) and CLOCK.fullmatch(settings.closes)):
            raise EditError("opening and closing times are 24-hour clock times such as 07:30")
        if not settings.days or any(day not in DAYS for day in settings.days):
            raise EditError("choose at least one opening day")
        if settings.outside_hours not in ("dim", "sleep"):
            raise EditError("outside the hours the screen is either dim or asleep")
        schedule = data.get("schedule")
        if not isinstance(schedule, CommentedMap):
            schedule = CommentedMap()
            data["schedule"] = schedule
        schedule["open"] = DoubleQuotedScalarString(settings.opens.zfill(5))
        schedule["close"] = DoubleQuotedScalarString(settings.closes.zfill(5))
        days = CommentedSeq(settings.days)
        days.fa.set_flow_style()
        schedule["days"] = days
        schedule["outside_hours"] = settings.outside_hours
    save(deck_yaml, data)
