"""Slide previews drawn by a child process (`render_worker`), cached by deck fingerprint.

A deck's previews depend only on its files and the screen size, so `<fingerprint>-<w>x<h>`
names a finished set for good: it is rendered once into a temporary folder and renamed into
place, and every page view after that is a few file reads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.deck.fingerprint import deck_fingerprint

SET_KEY = re.compile(r"[0-9a-f]{16}-[0-9]{3,4}x[0-9]{3,4}")
KEY = re.compile(rf"{SET_KEY.pattern}|live-[0-9a-f]{{32}}")
# A language folder or menu is named by its BCP 47 tag (en, es-419, zh-Hant): letters, digits, '-'.
TAG = r"[A-Za-z][A-Za-z0-9-]{1,34}"
FILE = re.compile(rf"(?:{TAG}/)?(?:[0-9]{{2,3}}-[a-z0-9-]{{1,64}}|menu-{TAG})\.png")
RENDER_SECONDS = 180
# Live previews are throwaway: keep the newest few for the pages that still show them.
KEEP_LIVE = 40
# Whole-deck sets: the live deck, the draft and a few recent versions at one or two sizes.
KEEP_SETS = 12


def _worker_command(deck: Path, out: Path, size: tuple[int, int], *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "kiosk.console.workers.render_worker",
        str(deck),
        str(out),
        f"{size[0]}x{size[1]}",
        *extra,
    ]


def _environment() -> dict[str, str]:
    return {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}


class PreviewCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._running: dict[str, subprocess.Popen[bytes]] = {}
        self._done: dict[str, threading.Event] = {}

    def key(self, deck: Path, size: tuple[int, int]) -> str:
        return f"{deck_fingerprint(deck)}-{size[0]}x{size[1]}"

    def manifest(self, key: str) -> dict[str, Any] | None:
        try:
            data = json.loads((self.folder / key / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def request(self, deck: Path, size: tuple[int, int]) -> tuple[str, dict[str, Any] | None]:
        """The set's key, and its manifest when ready; starts rendering it when missing."""
        key = self.key(deck, size)
        found = self.manifest(key)
        if found is not None:
            return key, found
        with self._lock:
            job = self._running.get(key)
            if job is not None and job.poll() is None:
                return key, None
            self.folder.mkdir(parents=True, exist_ok=True)
            self._prune(lambda name: SET_KEY.fullmatch(name) is not None, KEEP_SETS)
            staging = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=self.folder))
            job = subprocess.Popen(
                _worker_command(deck, staging, size),
                env=_environment(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self._running[key] = job
            self._done[key] = threading.Event()
            threading.Thread(target=self._finish, args=(key, job, staging), daemon=True).start()
        return key, None

    def _finish(self, key: str, job: subprocess.Popen[bytes], staging: Path) -> None:
        try:
            job.wait(timeout=RENDER_SECONDS)
        except subprocess.TimeoutExpired:
            job.kill()
            job.wait()
        try:
            if (staging / "manifest.json").is_file():
                os.replace(staging, self.folder / key)
        except OSError:
            pass  # another process finished the same set first: theirs is identical
        shutil.rmtree(staging, ignore_errors=True)
        self._done[key].set()

    def wait(self, key: str, timeout: float = RENDER_SECONDS) -> dict[str, Any] | None:
        """Block until the set is ready (for tests and the command line)."""
        done = self._done.get(key)
        if done is not None:
            done.wait(timeout)
        return self.manifest(key)

    def live(self, deck: Path, size: tuple[int, int], slide_id: str) -> tuple[str, dict[str, Any]]:
        """Check and draw one slide of `deck` now (about half a second)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._prune_live()
        key = f"live-{os.urandom(16).hex()}"
        out = self.folder / key
        try:
            subprocess.run(
                _worker_command(deck, out, size, "--slide", slide_id),
                env=_environment(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=RENDER_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return key, {"problems": ["drawing the preview took too long"], "slides": []}
        found = self.manifest(key)
        return key, found or {"problems": ["the preview could not be drawn"], "slides": []}

    def _prune_live(self) -> None:
        self._prune(lambda name: name.startswith("live-"), KEEP_LIVE)

    def _prune(self, chosen: Callable[[str], bool], keep: int) -> None:
        """Remove all but the `keep` newest folders whose names are `chosen`."""
        try:
            found = sorted(
                (p for p in self.folder.iterdir() if chosen(p.name)),
                key=lambda p: p.stat().st_mtime,
            )
        except OSError:
            return
        for old in found[:-keep]:
            shutil.rmtree(old, ignore_errors=True)

    def file(self, key: str, name: str) -> Path | None:
        """A rendered PNG, only by names the worker writes; None for anything else."""
        if not KEY.fullmatch(key) or not FILE.fullmatch(name):
            return None
        path = (self.folder / key / name).resolve()
        if not path.is_relative_to(self.folder.resolve()) or not path.is_file():
            return None
        return path
