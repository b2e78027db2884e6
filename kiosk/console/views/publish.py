"""The Publish page: the draft's problems, publishing it, the versions and rolling back."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from kiosk.console import audit, editing
from kiosk.console.auth import Session
from kiosk.console.decks import PublishError, Stale, VersionInfo
from kiosk.console.state import State, problems, state_of
from kiosk.console.views.common import redirect, redirect_error, render, text

log = logging.getLogger("kiosk.console")


def _base_version(state: State, stale: Stale | None) -> VersionInfo | None:
    if stale is None:
        return None
    return next((v for v in state.decks.versions() if v.id == stale.base), None)


async def publish_page(request: Request, session: Session) -> Response:
    state = state_of(request)
    state.decks.ensure_draft()
    found = await problems(state, state.decks.draft)
    stale = await run_in_threadpool(state.decks.staleness)
    context = {
        "versions": state.decks.versions(),
        "live": state.decks.current(),
        "problems": found,
        "changed": await run_in_threadpool(state.decks.draft_changed),
        "audit": audit.entries(state.settings.audit_path),
        "error_lines": [],
        "stale": stale,
        "stale_base": _base_version(state, stale),
        "error": request.query_params.get("error", "")[:300],
    }
    return render(request, "publish.html", context, session)


async def publish_draft(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    note = editing.one_line(text(form, "note", 300))
    state.decks.ensure_draft()
    # One rule for the console, the CLI and the sync: a draft made from a version that is no
    # longer live is never published as it is (it would put back what changed since).
    stale = await run_in_threadpool(state.decks.staleness)
    if stale is not None:
        log.warning("publish refused for %s: the draft is based on %s, live is %s",
                    session.user, stale.base or "the bundled deck", stale.live.id)  # fmt: skip
        context = {
            "versions": state.decks.versions(),
            "live": stale.live,
            "problems": [],
            "changed": True,
            "audit": audit.entries(state.settings.audit_path),
            "error_lines": [],
            "stale": stale,
            "stale_base": _base_version(state, stale),
            "error": "",
        }
        return render(request, "publish.html", context, session, status_code=409)
    found = await problems(state, state.decks.draft)
    if not found:
        try:
            version = await run_in_threadpool(
                lambda: state.decks.publish(who=session.user, note=note)
            )
        except PublishError as error:
            found = error.problems
    if found:
        log.warning("publish refused for %s: %d problem(s)", session.user, len(found))
        context = {
            "versions": state.decks.versions(),
            "live": state.decks.current(),
            "problems": found,
            "changed": True,
            "audit": audit.entries(state.settings.audit_path),
            "error_lines": found,
            "stale": None,
            "error": "",
        }
        return render(request, "publish.html", context, session, status_code=409)
    log.info("published version %s by %s (%s)", version.id, session.user, note or "no note")
    audit.record(state.settings.audit_path, session.user, "publish", version=version.id, note=note)
    return redirect("/publish", f"Version {version.id} is live.")


async def rollback(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    version_id = text(form, "version", 100)
    try:
        version = await run_in_threadpool(
            lambda: state.decks.rollback(version_id, who=session.user)
        )
    except PublishError as error:
        return PlainTextResponse(" ".join(error.problems), status_code=404)
    log.info("rolled back to version %s by %s", version.id, session.user)
    audit.record(state.settings.audit_path, session.user, "rollback", version=version.id)
    return redirect("/publish", f"Version {version.id} is live again.")


async def rebase_draft(request: Request, session: Session, form: FormData) -> Response:
    """Bring the live version's changes into the draft (the draft's own edits kept)."""
    state = state_of(request)
    try:
        stale = await run_in_threadpool(state.decks.rebase)
    except PublishError as error:
        return redirect_error(
            "/publish",
            "the draft and the live version changed the same file ("
            + ", ".join(p.split(":", 1)[0] for p in error.problems)
            + "): throw the draft away and make your changes again, or ask who published",
        )
    if stale is None:
        return redirect("/publish", "The draft is already based on the live version.")
    log.info("draft rebased on %s by %s", stale.live.id, session.user)
    return redirect(
        "/publish",
        f"The draft now includes the changes published by {stale.live.who}: "
        "check it, then publish.",
    )
