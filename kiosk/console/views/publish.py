"""The Publish page: the draft's problems, publishing it, the versions and rolling back."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from kiosk.console import audit, editing
from kiosk.console.auth import Session
from kiosk.console.decks import PublishError
from kiosk.console.state import problems, state_of
from kiosk.console.views.common import redirect, render, text

log = logging.getLogger("kiosk.console")


async def publish_page(request: Request, session: Session) -> Response:
    state = state_of(request)
    state.decks.ensure_draft()
    found = await problems(state, state.decks.draft)
    context = {
        "versions": state.decks.versions(),
        "live": state.decks.current(),
        "problems": found,
        "changed": await run_in_threadpool(state.decks.draft_changed),
        "audit": audit.entries(state.settings.audit_path),
        "error_lines": [],
    }
    return render(request, "publish.html", context, session)


async def publish_draft(request: Request, session: Session, form: FormData) -> Response:
    state = state_of(request)
    note = editing.one_line(text(form, "note", 300))
    state.decks.ensure_draft()
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
