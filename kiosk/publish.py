"""Publishing a deck: immutable versions in a deck home, made live by one atomic symlink switch.

A deck home holds `versions/<id>/` (a full snapshot: `slides/` and `assets/` side by side, plus
`published.json`) and `current -> versions/<id>`. Publishing copies the source deck into a new
version folder, checks it with the same checks as `kiosk validate`, then points `current` at it
by renaming a new symlink over the old one, so a reader sees the old deck or the new one, never
a mix. Rolling back is the same switch to an older version.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.fingerprint import deck_fingerprint

VERSION_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z(?:-[0-9]+)?")
# A validation that takes longer than this is a broken deck (or machine), not a slow one.
VALIDATE_SECONDS = 300


class PublishError(Exception):
    """The deck cannot be published; `problems` says why, one sentence each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class PublishedVersion:
    id: str
    created: str  # UTC, ISO 8601
    who: str
    note: str
    hash: str  # deck_fingerprint of the snapshot
    slides: int
    source: str
    path: Path  # the version folder


def deck_folder(version: PublishedVersion) -> Path:
    """The snapshot's deck folder (its `assets/` is beside it)."""
    return version.path / "slides"


def _validation_problems(source: Path) -> list[str]:
    """What `kiosk validate` says about `source`; empty when the deck is good. Runs in a child
    process, so decoding images and fonts cannot take the caller down with it."""
    environment = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "validate", str(source)],
            capture_output=True,
            text=True,
            timeout=VALIDATE_SECONDS,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [f"{source}: checking the deck took longer than {VALIDATE_SECONDS} s"]
    if done.returncode == 0:
        return []
    lines = [line.strip() for line in done.stderr.splitlines() if line.startswith("  ")]
    return lines or [done.stderr.strip() or f"{source}: the deck could not be checked"]


def _read_version(folder: Path) -> PublishedVersion | None:
    try:
        data = json.loads((folder / "published.json").read_text(encoding="utf-8"))
        return PublishedVersion(
            id=str(data["id"]),
            created=str(data["created"]),
            who=str(data["who"]),
            note=str(data.get("note", "")),
            hash=str(data["hash"]),
            slides=int(data["slides"]),
            source=str(data.get("source", "")),
            path=folder,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def list_versions(home: Path) -> list[PublishedVersion]:
    """Every published version, newest first."""
    versions_dir = home / "versions"
    if not versions_dir.is_dir():
        return []
    found = [
        version
        for child in versions_dir.iterdir()
        if VERSION_ID.fullmatch(child.name) and (version := _read_version(child)) is not None
    ]
    return sorted(found, key=lambda v: (v.created, v.id), reverse=True)


def current_version(home: Path) -> PublishedVersion | None:
    """The version `current` points at, or None before the first publish."""
    link = home / "current"
    if not link.is_symlink():
        return None
    target = (home / os.readlink(link)).resolve()
    if target.parent != (home / "versions").resolve() or not VERSION_ID.fullmatch(target.name):
        return None
    return _read_version(target)


def _switch(home: Path, version_id: str) -> None:
    temporary = home / f".current.{os.getpid()}.tmp"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(Path("versions") / version_id)
    os.replace(temporary, home / "current")


def _count_slides(folder: Path) -> int:
    from kiosk.content import DeckError, load_deck

    try:
        return len(load_deck(folder).slides)
    except DeckError:
        return 0


def publish(source: Path, home: Path, *, who: str, note: str = "") -> PublishedVersion:
    """Snapshot `source` (a deck folder with `assets/` beside it) into a new version and make it
    current. Raises PublishError when the deck is not valid; nothing changes then."""
    problems = _validation_problems(source)
    if problems:
        raise PublishError(problems)
    versions_dir = home / "versions"
    versions_dir.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    version_id = now.strftime("%Y%m%dT%H%M%SZ")
    suffix = 1
    while (versions_dir / version_id).exists():
        suffix += 1
        version_id = f"{now:%Y%m%dT%H%M%SZ}-{suffix}"
    staging = Path(tempfile.mkdtemp(prefix=".publish.", dir=versions_dir))
    try:
        shutil.copytree(source, staging / "slides", symlinks=False)
        assets = source.parent / "assets"
        if assets.is_dir():
            shutil.copytree(assets, staging / "assets", symlinks=False)
        record = {
            "id": version_id,
            "created": now.isoformat(timespec="seconds"),
            "who": who,
            "note": note,
            "hash": deck_fingerprint(staging / "slides"),
            "slides": _count_slides(staging / "slides"),
            "source": str(source),
        }
        (staging / "published.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
        staging.chmod(0o755)
        staging.rename(versions_dir / version_id)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _switch(home, version_id)
    version = _read_version(versions_dir / version_id)
    assert version is not None
    return version


def rollback(home: Path, version_id: str, *, who: str) -> PublishedVersion:
    """Make an earlier version current again."""
    if not VERSION_ID.fullmatch(version_id):
        raise PublishError([f"{version_id!r} is not a version id"])
    version = _read_version(home / "versions" / version_id)
    if version is None:
        raise PublishError([f"version {version_id} is not in {home}"])
    _switch(home, version_id)
    return version
