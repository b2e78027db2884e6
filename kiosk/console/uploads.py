"""Image uploads into the draft: a safe name, the type and size sniffed from the bytes by the
same code the deck loader uses (`kiosk.deck.images.sniff`: Pillow's header read, defusedxml for
SVG, the limits of `kiosk.deck.limits`), then a real decode in a limited child process, before
the file takes its place in `assets/images/`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from kiosk.deck.images import SVG, BadImageError
from kiosk.deck.images import sniff as sniff_image

NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
DECODE_SECONDS = 30


class UploadError(ValueError):
    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


class NameTakenError(UploadError):
    """Another picture has this name already: replacing it changes every slide using it, so
    the member of staff chooses (keep both, or replace)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"there is already a different picture called {name}")
        self.name = name


# What to do when the name is taken by a different picture.
ASK, REPLACE, KEEP_BOTH = "ask", "replace", "keep-both"


# The extension a stored upload gets, by the format found in its bytes.
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp", SVG: "svg"}


def sniff(data: bytes) -> str:
    """The extension for what the bytes are, whatever the name says; UploadError otherwise."""
    try:
        found = sniff_image(data)
    except BadImageError as error:
        raise UploadError(f"the file cannot be used as a picture: {error}") from None
    kind = EXTENSIONS.get(found.format)
    if kind is None:
        raise UploadError(f"the file is a {found.format} image; use PNG, JPEG, GIF, WebP or SVG")
    return kind


def safe_stem(filename: str) -> str:
    """A plain file name from whatever the browser sent: no folders, no odd characters."""
    stem = Path(filename.replace("\\", "/")).name.rsplit(".", 1)[0].lower()
    stem = re.sub(r"[^a-z0-9_-]+", "-", stem).strip("-_")[:60]
    if not NAME.fullmatch(stem):
        raise UploadError("the file name needs at least one letter or digit")
    return stem


def decode_problem(path: Path) -> str | None:
    """Decode the image the way the kiosk will, in a child process: a hostile file can at
    worst crash that child. Returns why it cannot be shown, or None."""
    environment = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "kiosk.console.workers.image_check", str(path)],
            capture_output=True,
            text=True,
            timeout=DECODE_SECONDS,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "decoding it took too long"
    if done.returncode == 0:
        return None
    return done.stdout.strip() or "it cannot be decoded as an image"


def free_name(folder: Path, stem: str, kind: str) -> str:
    """`stem.kind`, or `stem-2.kind`, `stem-3.kind`... the first not in `folder`."""
    number = 1
    while True:
        name = f"{stem}.{kind}" if number == 1 else f"{stem[:56]}-{number}.{kind}"
        if not (folder / name).exists():
            return name
        number += 1


def store_image(
    folder: Path, filename: str, data: bytes, max_bytes: int, if_taken: str = ASK
) -> str:
    """Check the upload and put it into `folder`; returns the stored file name. A name
    taken by a different picture raises NameTakenError unless `if_taken` says what to do."""
    if len(data) > max_bytes:
        raise UploadError(
            f"the file is larger than {max_bytes // (1024 * 1024)} MB", too_large=True
        )
    if not data:
        raise UploadError("the file is empty")
    kind = sniff(data)
    name = f"{safe_stem(filename)}.{kind}"
    existing = folder / name
    if existing.is_file() and existing.read_bytes() == data:
        return name  # the same picture again: nothing to change
    if existing.exists():
        if if_taken == KEEP_BOTH:
            name = free_name(folder, safe_stem(filename), kind)
        elif if_taken != REPLACE:
            raise NameTakenError(f"images/{name}")
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".upload.", suffix=f".{kind}", dir=folder)
    staged = Path(temporary)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        problem = decode_problem(staged)
        if problem:
            raise UploadError(f"{name}: {problem}")
        os.chmod(staged, 0o644)
        os.replace(staged, folder / name)
    finally:
        staged.unlink(missing_ok=True)
    return name
