"""The console's only door to publishing: the deck home, its versions and the staff's draft.

Everything the console does to decks goes through here, so the publishing module
(`kiosk.decks.publish`) is used in one place. Staff edit a *draft* (`<home>/draft/slides` and
`<home>/draft/assets`), made from the live version; publishing snapshots the draft.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk.atomic import remove_tree
from kiosk.deck.fingerprint import deck_fingerprint
from kiosk.decks import publish as publishing
from kiosk.decks import store
from kiosk.decks.lastgood import last_good_id
from kiosk.decks.store import PublishedVersion, PublishError
from kiosk.loader import check

__all__ = [
    "DeckHome",
    "PublishError",
    "Stale",
    "VersionInfo",
    "validation_problems",
]

# deploy/cvi-kiosk-sync.service publishes as this: a home it publishes into has git as its
# one editing source, and the console must not edit it (the next timer run would undo it).
SYNC_WHO = "git-sync"
SECTION_FILE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,60}\.yaml")
VERSION_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,80}")


# A check that takes longer than this is a broken deck (or machine), not a slow one.


def validation_problems(folder: Path) -> list[str]:
    """`kiosk validate`'s messages for a deck folder (empty when it is good): the same
    check, in the same limited loader child, so the console shows what staff would see."""
    return check.validation_problems(folder)


@dataclass(frozen=True)
class VersionInfo:
    """What the console shows of a published version (read from kiosk.decks.publish's objects
    here only, so the pages do not depend on how that module names things)."""

    id: str
    created: str  # UTC, ISO 8601
    who: str
    note: str
    hash: str
    slides: int
    folder: Path  # the snapshot's deck folder


def _info(version: PublishedVersion) -> VersionInfo:
    return VersionInfo(
        id=version.id,
        created=version.created,
        who=version.who,
        note=version.note,
        hash=version.deck_hash,
        slides=version.slide_count,
        folder=store.deck_folder(version),
    )


@dataclass(frozen=True)
class Stale:
    """The draft was made from a version that is no longer live: publishing it as it is
    would silently put back what the live version changed since."""

    base: str  # the version the draft was made from ("" for the bundled deck)
    live: VersionInfo
    changed: tuple[str, ...]  # files (slides/..., assets/...) the live version changed since
    conflicts: tuple[str, ...]  # of those, the ones the draft changed too


def _files(root: Path) -> dict[str, str]:
    """`slides/...` and `assets/...` below `root` -> a fingerprint of their bytes."""
    found = {}
    for part in ("slides", "assets"):
        for path in sorted((root / part).rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[str(path.relative_to(root))] = digest
    return found


def make_writable(top: Path) -> None:
    """Folders 0755 and files 0644 below `top`, for the user the console runs as: a draft
    copied from a sealed published version (0555/0444) must be editable. Root never notices
    read-only modes, so only an unprivileged run shows the difference (a test runs one)."""
    os.chmod(top, 0o755)
    for folder, dirs, files in os.walk(top):
        for name in dirs:
            os.chmod(Path(folder) / name, 0o755)
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                os.chmod(path, 0o644)


def _writable(top: Path) -> bool:
    """Every folder and file below `top` has its owner's write bit (the modes, not
    os.access: root may write anything, the kiosk user may not)."""
    for folder, _dirs, files in os.walk(top):
        if os.stat(folder).st_mode & 0o300 != 0o300:
            return False
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink() and not path.stat().st_mode & 0o200:
                return False
    return True


def git_managed(*folders: Path) -> Path | None:
    """The folder whose `.git` manages the deck (in it or its parent), or None."""
    for folder in folders:
        for candidate in (folder, folder.parent):
            if (candidate / ".git").exists():
                return candidate
    return None


@dataclass(frozen=True)
class DeckHome:
    home: Path
    bundled: Path  # the deck a brand-new home's first draft starts from

    @property
    def draft(self) -> Path:
        return self.home / "draft" / "slides"

    @property
    def draft_assets(self) -> Path:
        return self.home / "draft" / "assets"

    def versions(self) -> list[VersionInfo]:
        """Every published version, newest first."""
        return [_info(version) for version in store.list_versions(self.home)]

    def current(self) -> VersionInfo | None:
        version = store.current_version(self.home)
        return _info(version) if version is not None else None

    def live_folder(self) -> Path | None:
        version = self.current()
        return version.folder if version else None

    def git_root(self) -> Path | None:
        return git_managed(self.home)

    def synced_from(self) -> Path | None:
        """The git checkout the sync timer publishes into this home from, when a kept version
        says it does (its `who`), else None. The checkout itself may hold the bundled deck
        without any sync (docs/deploy.md clones it): only the sync's own mark counts."""
        for version in store.list_versions(self.home):
            if version.who == SYNC_WHO:
                source = Path(version.source)
                return git_managed(source) or source
        return None

    def ensure_draft(self) -> Path:
        """The draft folder, made from the live version (or the bundled deck) when missing."""
        if not (self.draft / "deck.yaml").is_file():
            self.reset_draft()
        elif not _writable(self.draft.parent):
            make_writable(self.draft.parent)  # a draft made by an older console: repair it
        return self.draft

    def reset_draft(self) -> None:
        """Throw the draft away and start again from the live version."""
        live = self.live_folder()
        source = live if live is not None else self.bundled
        draft_root = self.draft.parent
        draft_root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".draft.", dir=draft_root.parent))
        try:
            # copyfile, not copy2: the draft takes none of the sealed snapshot's modes.
            shutil.copytree(source, staging / "slides", copy_function=shutil.copyfile)
            if (source.parent / "assets").is_dir():
                shutil.copytree(
                    source.parent / "assets", staging / "assets", copy_function=shutil.copyfile
                )
            else:
                (staging / "assets").mkdir()
            make_writable(staging)
            version = self.current()
            (staging / "base.json").write_text(
                json.dumps({"version": version.id if version else "", "source": str(source)}),
                encoding="utf-8",
            )
            if draft_root.exists():
                remove_tree(draft_root)  # even a read-only draft left by an older console
            staging.rename(draft_root)
        except BaseException:
            remove_tree(staging)
            raise

    def draft_base(self) -> str:
        """The version id the draft was made from ("" for the bundled deck)."""
        try:
            data = json.loads((self.draft.parent / "base.json").read_text(encoding="utf-8"))
            return str(data.get("version", ""))
        except (OSError, ValueError, AttributeError):
            return ""

    def _version_root(self, version_id: str) -> Path | None:
        """Where the files of the version the draft was made from are (None when pruned)."""
        if not version_id:
            return self.bundled.parent
        for version in self.versions():
            if version.id == version_id:
                return version.folder.parent
        return None

    def staleness(self) -> Stale | None:
        """None when the draft is based on the live version (or holds the same files);
        otherwise what changed since, and which of it the draft changed too."""
        live = self.current()
        base = self.draft_base()
        if live is None or base == live.id:
            return None
        self.ensure_draft()
        draft, now = _files(self.draft.parent), _files(live.folder.parent)
        if draft == now:
            return None
        root = self._version_root(base)
        if root is None:  # the base version was pruned: every difference is in doubt
            differ = tuple(
                sorted(f for f in draft.keys() | now.keys() if draft.get(f) != now.get(f))
            )
            return Stale(base, live, differ, differ)
        then = _files(root)
        changed = tuple(sorted(f for f in then.keys() | now.keys() if then.get(f) != now.get(f)))
        conflicts = tuple(f for f in changed if draft.get(f) not in (then.get(f), now.get(f)))
        return Stale(base, live, changed, conflicts)

    def rebase(self) -> Stale | None:
        """Bring what the live version changed into the draft, keeping the draft's own
        changes, and base the draft on the live version. Refused (PublishError) when the
        draft changed a file the live version changed too: then nothing is touched."""
        stale = self.staleness()
        if stale is None:
            return None
        if stale.conflicts:
            raise PublishError(
                [
                    f"{name}: changed both in the draft and in the live version"
                    for name in stale.conflicts
                ]
            )
        live_root = stale.live.folder.parent
        for name in stale.changed:
            target = self.inside(self.draft.parent, name)
            source = live_root / name
            if source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
                os.chmod(target, 0o644)
            else:
                target.unlink(missing_ok=True)
        self._mark_base(stale.live)
        return stale

    def draft_changed(self) -> bool:
        """True when the draft differs from the live deck (or nothing is live yet)."""
        version = self.current()
        return version is None or deck_fingerprint(self.ensure_draft()) != version.hash

    def section_files(self) -> list[str]:
        """The draft's section file names, in deck order; the only names edits may use."""
        return sorted(
            path.name
            for path in self.ensure_draft().glob("*.yaml")
            if path.name != "deck.yaml" and SECTION_FILE.fullmatch(path.name)
        )

    def section_path(self, name: str) -> Path:
        """The draft section file `name`; ValueError unless it is one of `section_files()`."""
        if not SECTION_FILE.fullmatch(name) or name not in self.section_files():
            raise ValueError(f"{name!r} is not a section file of the deck")
        return self.inside(self.draft, name)

    @staticmethod
    def inside(folder: Path, name: str) -> Path:
        """`folder/name`, refusing anything that resolves outside `folder`."""
        path = (folder / name).resolve()
        if not path.is_relative_to(folder.resolve()) or path == folder.resolve():
            raise ValueError(f"{name!r} is outside the deck folder")
        return path

    def publish(self, *, who: str, note: str) -> VersionInfo:
        shown = last_good_id()  # this user's kiosk's last good version is never pruned
        version = _info(
            publishing.publish(
                self.ensure_draft(),
                self.home,
                who=who,
                note=note,
                protect=(shown,) if shown else (),
            )
        )
        self._mark_base(version)
        return version

    def rollback(self, version_id: str, *, who: str) -> VersionInfo:
        if not VERSION_ID.fullmatch(version_id) or version_id not in {
            v.id for v in self.versions()
        }:
            raise PublishError([f"there is no published version {version_id!r}"])
        return _info(publishing.rollback(self.home, version_id, who=who))

    def _mark_base(self, version: VersionInfo) -> None:
        (self.draft.parent / "base.json").write_text(
            json.dumps({"version": version.id, "source": str(version.folder)}),
            encoding="utf-8",
        )
