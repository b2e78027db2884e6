"""The last deck that was shown, kept in the state folder so a broken deck never darkens the screen.

`state_dir()/last-good` is a symlink to a hidden folder holding `slides/`, `assets/` and
`source.json`; a new copy is written beside it, fsynced, and the link is renamed over the old
one, so a power cut leaves the old copy or the new one, never half of either. The kiosk saves a
deck here each time one goes live (off the render loop, in a thread) and starts from it when
the configured deck is broken at start.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from kiosk.atomic import fsync_dir, remove_tree, replace_symlink, write_durably
from kiosk.decks.copying import copy_deck
from kiosk.decks.store import PublishError
from kiosk.paths import state_dir
from kiosk.statefile import DamagedStateError, check_folder, read_state_file

log = logging.getLogger(__name__)

LINK = "last-good"
RECORD = "source.json"


def last_good_dir(environ: Mapping[str, str] = os.environ) -> Path:
    return state_dir(environ) / LINK


def last_good_slides(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The saved deck's `slides/`, or None when none was saved yet or it is no folder (a
    link that loops, a file in its place: said in the log, then the bundled deck is next)."""
    link = last_good_dir(environ)
    if not os.path.lexists(link):
        return None
    slides = link / "slides"
    problem = check_folder(slides)
    if problem is not None:
        log.error("the last good deck %s %s; it is passed over", slides, problem)
        return None
    return slides


def _record(folder: Path) -> dict[str, object]:
    # Read as hostile input: a pipe or a link in its place must not hang the keeper.
    try:
        raw = read_state_file(folder / RECORD, limit=64 * 1024)
        value = json.loads(raw.decode("utf-8")) if raw is not None else {}
    except (DamagedStateError, OSError, ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def last_good_id(environ: Mapping[str, str] = os.environ) -> str | None:
    """The published version id the saved deck came from (so pruning never removes it)."""
    value = _record(last_good_dir(environ)).get("version")
    return value if isinstance(value, str) and value else None


def save_last_good(slides: Path, *, version: str | None = None, state: Path | None = None) -> bool:
    """Copy the deck in `slides` (with its assets) as the last good deck. Returns False when
    the saved copy already has the same content. Raises PublishError when the files are in
    flux (changed while copied, still being written) and OSError when the disk fails."""
    state = state or state_dir()
    state.mkdir(parents=True, exist_ok=True)
    link = state / LINK
    staging = Path(tempfile.mkdtemp(prefix=".last-good-", dir=state))
    try:
        digest = copy_deck(slides, staging)
        if _record(link).get("deck_hash") == digest:
            remove_tree(staging)
            return False
        record = {
            "deck_hash": digest,
            "version": version,
            "source": str(Path(slides).resolve()),
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        write_durably(staging / RECORD, json.dumps(record, indent=2) + "\n")
        fsync_dir(staging)
    except BaseException:
        remove_tree(staging)
        raise
    old = os.readlink(link) if link.is_symlink() else None
    if link.exists() and not link.is_symlink():
        remove_tree(link)  # a plain folder (copied by hand): replaced by the link scheme
    replace_symlink(link, staging.name)
    if old is not None and old != staging.name:
        remove_tree(state / old)
    return True


class LastGoodKeeper:
    """Saves decks that went live, one at a time, in a background thread (never on the loop).
    Only the newest request is kept: a deck replaced before it was saved is skipped."""

    def __init__(self, state: Path | None = None) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._wanted: tuple[Path, str | None] | None = None
        self._thread: threading.Thread | None = None
        self.saved = 0

    def submit(self, slides: Path, version: str | None = None) -> None:
        with self._lock:
            self._wanted = (Path(slides), version)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="last-good", daemon=True)
                self._thread.start()

    def wait(self, timeout: float = 30.0) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _work(self) -> None:
        while True:
            with self._lock:
                wanted, self._wanted = self._wanted, None
                if wanted is None:
                    self._thread = None
                    return
            slides, version = wanted
            try:
                if save_last_good(slides, version=version, state=self._state):
                    self.saved += 1
                    log.info("saved %s as the last good deck", slides)
            except PublishError as error:
                log.info("last good deck not updated (%s); keeping the previous copy", error)
            except Exception:
                log.exception("cannot save the last good deck")
