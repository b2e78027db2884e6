"""Atomic publishing: a deck goes live only as a whole, finished, checked, immutable snapshot.

`publish()` copies the editing folder into a temporary folder inside the deck home
(kiosk.decks.store; same filesystem, so the final rename is atomic), fsyncs it, refuses it if
the source changed while being copied or a file was still open for writing
(kiosk.decks.copying), validates the *copy* with the same checks as `kiosk validate`, renames
it into `versions/` and points `current` at it with a new symlink renamed over the old one. A
power cut at any moment leaves either the old or the new version current, never a mix. The
kiosk (`kiosk run --deck HOME`) notices `current` switch.

Every way of editing ends here: `kiosk publish`, the git-sync unit, rsync/Syncthing recipes
(docs/deploy.md) and the staff console all call these functions.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from kiosk.atomic import fsync_dir, remove_tree, write_durably
from kiosk.decks.copying import snapshot, source_deck
from kiosk.decks.reload import scan
from kiosk.decks.store import (
    CURRENT,
    KEEP_VERSIONS,
    RECORD,
    VERSIONS,
    PublishedVersion,
    PublishError,
    append_history,
    current_id,
    current_version,
    freeze,
    list_versions,
    locked,
    new_version_id,
    point_current,
    prune,
    read_version,
    remove_leftovers,
)
from kiosk.loader.check import validation_problems

log = logging.getLogger(__name__)

Validator = Callable[[Path], list[str]]


def publish(
    source: Path,
    home: Path,
    *,
    who: str,
    note: str = "",
    keep: int = KEEP_VERSIONS,
    force: bool = False,
    validate: Validator | None = None,
    protect: Sequence[str] = (),
    clock: Callable[[], float] = time.time,
) -> PublishedVersion:
    """Copy, check and switch to a new version of the deck in `source` (a `slides/` folder
    with `assets/` beside it). Old versions beyond the `keep` newest are removed, except the
    live one, the one live just before and `protect` (callers add their kiosk's last good one).
    Returns the new current version; when the deck is identical to the current one (same
    hash) and not `force`, returns the current one unchanged.
    Raises PublishError with every problem found; then nothing live has changed."""
    slides = source_deck(source)
    if not slides.is_dir():
        raise PublishError([f"{slides}: deck folder not found"])
    home = Path(home)
    validate = validate or validation_problems
    live = home / CURRENT
    if os.path.lexists(live) and not live.is_symlink():
        raise PublishError([f"{live}: is a real folder, not the link publishing switches; move "
                            "it out of the deck home"])  # fmt: skip
    home.mkdir(parents=True, exist_ok=True)
    (home / VERSIONS).mkdir(exist_ok=True)
    with locked(home):
        remove_leftovers(home)
        staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=home))
        try:
            digest = snapshot(slides, staging)
            current = current_version(home)
            if current is not None and current.deck_hash == digest and not force:
                log.info("deck unchanged: %s is already current", current.id)
                return current
            problems = [_relative(p, staging) for p in validate(staging / "slides")]
            if problems:
                raise PublishError(problems)
            created = datetime.fromtimestamp(clock(), UTC)
            version_id = new_version_id(home, created, digest)
            record = {
                "id": version_id,
                "created": created.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "who": who,
                "note": note,
                "deck_hash": digest,
                "slide_count": _slide_count(staging / "slides"),
                "source": str(slides.resolve()),
                "sequence": max((v.sequence for v in list_versions(home)), default=0) + 1,
            }
            write_durably(staging / RECORD, json.dumps(record, indent=2) + "\n")
            freeze(staging)
            target = home / VERSIONS / version_id
            # Moving a folder to another parent rewrites its "..": it must stay writable
            # until it is in place (root would not notice; the kiosk user would).
            os.rename(staging, target)
            os.chmod(target, 0o555)
            fsync_dir(home / VERSIONS)
        except BaseException:
            remove_tree(staging)
            raise
        previous = current_id(home)
        point_current(home, version_id)
        append_history(home, "publish", version_id, who, note, clock)
        version = read_version(target)
        log.info("published %s (%d slides) by %s", version_id, version.slide_count, who)
        prune(home, keep, {version_id, *(p for p in (previous,) if p), *protect})
        return version


def rollback(
    home: Path,
    version_id: str,
    *,
    who: str,
    note: str = "",
    validate: Validator | None = None,
    clock: Callable[[], float] = time.time,
) -> PublishedVersion:
    """Make an earlier version current again (it is re-checked first: the kiosk's rules may
    have become stricter since it was published)."""
    home = Path(home)
    folder = home / VERSIONS / version_id
    if not version_id or "/" in version_id or version_id.startswith(".") or not folder.is_dir():
        known = ", ".join(v.id for v in list_versions(home)[:5]) or "none"
        raise PublishError([f"{home}: no version {version_id!r} (newest: {known})"])
    with locked(home):
        try:
            version = read_version(folder)
        except ValueError as error:
            raise PublishError([str(error)]) from None
        check = validate or validation_problems
        problems = [_relative(p, folder) for p in check(folder / "slides")]
        if problems:
            raise PublishError(problems)
        point_current(home, version_id)
        append_history(home, "rollback", version_id, who, note, clock)
    log.info("rolled back to %s by %s", version_id, who)
    return version


def wait_until_still(
    source: Path,
    seconds: float,
    *,
    limit: float = 600.0,
    poll: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Wait until the deck in `source` (and its assets) has not changed for `seconds`, for
    a sync tool that writes many files one after another. False if it never settled within
    `limit` seconds."""
    slides = source_deck(source)
    started = clock()
    seen = scan(slides)
    still_since = started
    while clock() - still_since < seconds:
        if clock() - started > limit:
            return False
        sleep(poll)
        now = scan(slides)
        if now != seen:
            seen, still_since = now, clock()
    return True


# -- helpers -----------------------------------------------------------------------------------


def _relative(problem: str, root: Path) -> str:
    # Problems name the temporary copy's paths; staff know the files by their deck names.
    return str(problem).replace(f"{root}/", "").replace(str(root), "")


def _slide_count(slides: Path) -> int:
    from kiosk.deck.content import DeckError, load_deck

    try:
        return len(load_deck(slides).slides)
    except DeckError:
        return 0
