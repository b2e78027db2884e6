"""The Edit pages: the draft's slides by section, one slide's form with its live preview,
adding, moving and deleting slides, the deck settings, and throwing the draft away."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from kiosk.console import editing
from kiosk.console.auth import Session
from kiosk.console.state import State, problems, screen_size, state_of
from kiosk.console.views.common import problem_lines, redirect, redirect_error, render, text
from kiosk.console.views.images import draft_images
from kiosk.deck.model import LANGUAGE_NAMES

log = logging.getLogger("kiosk.console")


def _slides_by_file(state: State) -> tuple[list[str], list[dict[str, Any]], str]:
    draft = state.decks.ensure_draft()
    langs = editing.languages(draft / "deck.yaml")
    files = []
    problem = ""
    for name in state.decks.section_files():
        try:
            data = editing.load(draft / name)
            section = data.get("section") if isinstance(data, Mapping) else None
            files.append(
                {
                    "name": name,
                    "section": editing._text(section, langs[0]) or name,
                    "slides": editing.read_slides(draft / name, langs),
                }
            )
        except editing.EditError as error:
            problem = str(error)
    return langs, files, problem


async def edit_page(request: Request, session: Session) -> Response:
    state = state_of(request)
    langs, files, problem = await run_in_threadpool(_slides_by_file, state)
    found = await problems(state, state.decks.draft)
    context = {
        "langs": langs,
        "files": files,
        "problem": problem,
        "problems": found,
        "base": state.decks.draft_base(),
        "live": state.decks.current(),
        "changed": await run_in_threadpool(state.decks.draft_changed),
        "kinds": editing.TEMPLATE_KINDS,
        # A refusal is shown in red, never in the green "done" box.
        "error": request.query_params.get("error", "")[:300],
    }
    return render(request, "edit.html", context, session)


def _slide_or_404(state: State, file: str, slide_id: str) -> tuple[Path, editing.SlideText]:
    path = state.decks.section_path(file)  # ValueError for any name not in the deck
    langs = editing.languages(state.decks.draft / "deck.yaml")
    for slide in editing.read_slides(path, langs):
        if slide.id == slide_id:
            return path, slide
    raise ValueError(f"there is no slide {slide_id!r} in {file}")


# Someone who opened a slide within this long is shown to others opening it ("also open by").
EDITING_SECONDS = 15 * 60


def _form_values(slide: editing.SlideText, langs: list[str]) -> dict[str, str]:
    """The slide's saved text as the form's fields hold it."""
    values = {"image": slide.image}
    for lang in langs:
        values[f"title.{lang}"] = slide.title[lang]
        values[f"body.{lang}"] = slide.body[lang]
        values[f"bullets.{lang}"] = "\n".join(slide.bullets[lang])
    return values


def _others_editing(state: State, file: str, slide_id: str, user: str) -> list[dict[str, Any]]:
    """Note that `user` has the slide open; the others who had it open lately."""
    now = state.settings.wall()
    seen = state.editing.setdefault((file, slide_id), {})
    seen[user] = now
    for name, at in list(seen.items()):
        if now - at > EDITING_SECONDS:
            del seen[name]
    return [
        {"user": name, "minutes": max(0, round((now - at) / 60))}
        for name, at in sorted(seen.items())
        if name != user
    ]


async def _slide_response(
    request: Request,
    session: Session,
    state: State,
    path: Path,
    slide: editing.SlideText,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    field_errors: Mapping[str, str] | None = None,
    conflict: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The slide form: the saved text, or what was typed (a refused save) with the reasons
    beside their fields, and when someone else saved meanwhile, their version beside it."""
    file, slide_id = slide.file, slide.id
    langs = editing.languages(state.decks.draft / "deck.yaml")
    found = await problems(state, state.decks.draft)
    size = screen_size(state)
    # The draft's whole-deck previews, when drawn already, hold this slide as saved.
    key = await run_in_threadpool(state.previews.key, state.decks.draft, size)
    drawn = state.previews.manifest(key) or {}
    mine = [shot for shot in drawn.get("slides", []) if shot.get("id") == slide_id]
    if mine:
        preview: dict[str, Any] = {**drawn, "slides": mine, "problems": []}
    else:
        key, preview = await run_in_threadpool(
            state.previews.live, state.decks.draft, size, slide_id
        )
    context = {
        "slide": slide,
        "langs": langs,
        "values": values if values is not None else _form_values(slide, langs),
        "based_on": await run_in_threadpool(editing.slide_version, path, slide_id),
        "field_errors": dict(field_errors or {}),
        "conflict": conflict,
        "others": _others_editing(state, file, slide_id, session.user),
        "problems": problem_lines(found, file, slide.index),
        "file_problems": [p for p in found if f"/{file}:" not in p][:10],
        "images": draft_images(state),
        "teachable": await run_in_threadpool(_teachable, state) if slide.kind == "check" else [],
        "preview_key": key,
        "preview": preview,
        "error": error or request.query_params.get("error", "")[:300],
    }
    return render(request, "slide.html", context, session, status_code)


async def slide_page(request: Request, session: Session) -> Response:
    state = state_of(request)
    file, slide_id = request.path_params["file"], request.path_params["slide"]
    try:
        path, slide = _slide_or_404(state, file, slide_id)
    except (ValueError, editing.EditError) as error:
        return PlainTextResponse(str(error), status_code=404)
    return await _slide_response(request, session, state, path, slide)


def _edit_form(form: FormData, langs: list[str]) -> dict[str, str]:
    fields = {}
    for lang in langs:
        for part in ("title", "body", "bullets"):
            fields[f"{part}.{lang}"] = text(form, f"{part}.{lang}")
    if "teaches" in form:  # a question's form (kiosk/console/templates/question_fields.html)
        fields["right"] = text(form, "right", 10)
        fields["teaches"] = text(form, "teaches", 100)
        for lang in langs:
            fields[f"explanation.{lang}"] = text(form, f"explanation.{lang}")
            for row in range(editing.MAX_ANSWERS):
                fields[f"answer.{row}.{lang}"] = text(form, f"answer.{row}.{lang}")
    return fields


def _teachable(state: State) -> list[tuple[str, str]]:
    """The slides a question can point to, in deck order: (id, title), questions left out."""
    langs, files, _ = _slides_by_file(state)
    return [(s.id, s.title[langs[0]]) for f in files for s in f["slides"] if s.kind != "check"]


def _chosen_image(state: State, form: FormData) -> str | None:
    """The picked image, only if it is one of the draft's images ("" = no picture)."""
    if "image" not in form:
        return None
    image = text(form, "image", 200)
    if image and image not in draft_images(state):
        raise editing.EditError("choose one of the deck's pictures", ("image",))
    return image


def _apply_image(path: Path, slide_id: str, image: str | None) -> None:
    if image is None:
        return
    data = editing.load(path)
    for slide in data.get("slides", []):
        if isinstance(slide, Mapping) and slide.get("id") == slide_id:
            if image:
                slide["image"] = image  # type: ignore[index]
            elif "image" in slide:
                del slide["image"]  # type: ignore[attr-defined]
    editing.save(path, data)


async def save_slide(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    file, slide_id = request.path_params["file"], request.path_params["slide"]
    target = f"/edit/slide/{file}/{slide_id}"
    try:
        path, saved = _slide_or_404(state, file, slide_id)
    except (ValueError, editing.EditError) as error:
        return PlainTextResponse(str(error), status_code=404)
    langs = editing.languages(state.decks.draft / "deck.yaml")
    typed = {**_edit_form(form, langs), "image": text(form, "image", 200)}
    if "image" not in form:
        typed["image"] = saved.image
    # Saves are based on the version the form was filled from; another one is refused. The
    # check and the write run without an await between them: no other save can interleave.
    if text(form, "based_on", 100) != editing.slide_version(path, slide_id):
        last = state.last_saved.get((file, slide_id))
        conflict = {
            "who": last[0] if last else "someone",
            "minutes": max(0, round((state.settings.wall() - last[1]) / 60)) if last else None,
            "saved": _form_values(saved, langs),
        }
        log.warning("save refused (slide changed meanwhile): %s by %s", slide_id, session.user)
        return await _slide_response(
            request,
            session,
            state,
            path,
            saved,
            values=typed,
            error="someone saved this slide after you opened it; both versions are below",
            conflict=conflict,
            status_code=409,
        )
    try:
        image = _chosen_image(state, form)
        editing.edit_slide(path, slide_id, langs, _edit_form(form, langs))
        _apply_image(path, slide_id, image)
    except editing.EditError as error:
        return await _slide_response(
            request,
            session,
            state,
            path,
            saved,
            values=typed,
            error=str(error),
            field_errors={field: str(error) for field in error.fields},
            status_code=400,
        )
    state.last_saved[(file, slide_id)] = (session.user, state.settings.wall())
    log.info("draft edited: slide %s in %s by %s", slide_id, file, session.user)
    return redirect(target, "Saved to the draft.")


async def live_preview(request: Request, session: Session, form: FormData) -> Response:
    """The slide as the form says now, drawn from a scratch copy of the draft (nothing is
    saved): JSON with the problems and one image URL per language."""
    state = state_of(request)
    file, slide_id = request.path_params["file"], request.path_params["slide"]
    try:
        _slide_or_404(state, file, slide_id)
    except (ValueError, editing.EditError) as error:
        return JSONResponse({"error": str(error)}, status_code=404)
    langs = editing.languages(state.decks.draft / "deck.yaml")
    scratch = Path(tempfile.mkdtemp(prefix="preview.", dir=state.settings.cache_dir))
    try:
        shutil.copytree(state.decks.draft, scratch / "slides")
        # The images are only read: the scratch deck shares the draft's assets.
        (scratch / "assets").symlink_to(state.decks.draft_assets.resolve())
        try:
            image = _chosen_image(state, form)
            editing.edit_slide(scratch / "slides" / file, slide_id, langs, _edit_form(form, langs))
            _apply_image(scratch / "slides" / file, slide_id, image)
        except editing.EditError as error:
            return JSONResponse({"error": str(error), "problems": [], "images": {}})
        key, manifest = await run_in_threadpool(
            state.previews.live, scratch / "slides", screen_size(state), slide_id
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    slides = manifest.get("slides") or []
    images = {
        lang: f"/preview-img/{key}/{name}"
        for lang, name in (slides[0]["files"].items() if slides else [])
    }
    return JSONResponse({"error": "", "problems": manifest.get("problems", []), "images": images})


async def add_slide(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    file, slide_id = text(form, "file", 100), text(form, "id", 100).strip()
    try:
        path = state.decks.section_path(file)
        langs, files, _ = _slides_by_file(state)
        taken = {s.id for f in files for s in f["slides"]}
        # A new question points at the last slide that is not a question up to its topic.
        names = [f["name"] for f in files]
        before = files[: names.index(file) + 1] if file in names else files
        teaches = next(
            (s.id for f in reversed(before) for s in reversed(f["slides"]) if s.kind != "check"),
            "",
        )
        editing.add_slide(path, slide_id, text(form, "kind", 40), langs, taken, teaches)
    except ValueError as error:
        return redirect_error("/edit", f"Not added: {error}.")
    log.info("draft edited: slide %s added to %s by %s", slide_id, file, session.user)
    return redirect(f"/edit/slide/{file}/{slide_id}", "Added from the template: write its text.")


async def move_slide(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    file, slide_id = request.path_params["file"], request.path_params["slide"]
    step = -1 if text(form, "direction", 10) == "up" else 1
    try:
        path, _ = _slide_or_404(state, file, slide_id)
        editing.move_slide(path, slide_id, step)
    except ValueError as error:
        return redirect_error("/edit", f"Not moved: {error}.")
    return redirect("/edit", f"Moved {slide_id} {'up' if step < 0 else 'down'}.")


async def delete_slide(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    file, slide_id = request.path_params["file"], request.path_params["slide"]
    try:
        path, _ = _slide_or_404(state, file, slide_id)
        editing.delete_slide(path, slide_id)
    except ValueError as error:
        return redirect_error("/edit", f"Not deleted: {error}.")
    log.info("draft edited: slide %s deleted from %s by %s", slide_id, file, session.user)
    return redirect("/edit", f"Deleted {slide_id} from the draft.")


async def discard_draft(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    await run_in_threadpool(state.decks.reset_draft)
    log.info("draft discarded by %s", session.user)
    return redirect("/edit", "The draft now matches the live deck again.")


async def settings_page(request: Request, session: Session) -> Response:
    state = state_of(request)
    deck_yaml = state.decks.ensure_draft() / "deck.yaml"
    found = await problems(state, state.decks.draft)
    context = {
        "settings": editing.read_settings(deck_yaml),
        "language_names": LANGUAGE_NAMES,
        "problems": problem_lines(found, "deck.yaml"),
        "error": request.query_params.get("error", "")[:300],
    }
    return render(request, "settings.html", context, session)


async def save_settings(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    deck_yaml = state.decks.ensure_draft() / "deck.yaml"
    days = tuple(day for day in editing.DAYS if form.get(f"day.{day}") == "on")
    settings = editing.DeckSettings(
        idle_timeout=text(form, "idle_timeout", 10).strip(),
        always_open=form.get("always_open") == "on",
        opens=text(form, "open", 10).strip(),
        closes=text(form, "close", 10).strip(),
        days=days,
        outside_hours=text(form, "outside_hours", 10),
        take_home_urls=tuple(
            (language, text(form, f"take_home_url.{language}", 400).strip())
            for language, _ in editing.read_settings(deck_yaml).take_home_urls
        ),
    )
    try:
        editing.edit_settings(deck_yaml, settings)
    except editing.EditError as error:
        return redirect_error("/edit/settings", str(error))
    log.info("draft edited: deck settings by %s", session.user)
    return redirect("/edit/settings", "Saved to the draft.")
