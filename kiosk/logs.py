"""Logging for an unattended screen: to stderr (the journal) and to a small rotating file in
the XDG state directory, so a clinic's IT person can read what happened last week."""

from __future__ import annotations

import logging
import logging.handlers
import os
from collections.abc import Mapping
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# 1 MB × 5 files: a week of normal operation, and an SD card never fills up.
MAX_BYTES = 1_000_000
BACKUPS = 5
_MARK = "_cvi_kiosk_handler"


def state_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_STATE_HOME/cvi-kiosk`, or `~/.local/state/cvi-kiosk`."""
    base = environ.get("XDG_STATE_HOME") or str(
        Path(environ.get("HOME", "~")).expanduser() / ".local" / "state"
    )
    return Path(base) / "cvi-kiosk"


def setup_logging(directory: Path | None = None, *, verbose: bool = False) -> Path | None:
    """Log to stderr and to `kiosk.log` in `directory` (default: the state directory).
    Returns the log file, or None when it could not be opened (then stderr only). Calling it
    again replaces the handlers it added instead of duplicating them."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    formatter = logging.Formatter(FORMAT)
    console = logging.StreamHandler()
    console.setFormatter(formatter)
    setattr(console, _MARK, True)
    root.addHandler(console)
    folder = directory or state_dir()
    path = folder / "kiosk.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        rotating = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as error:
        logging.getLogger(__name__).warning(
            "logging to stderr only: cannot write %s (%s)", path, error
        )
        return None
    rotating.setFormatter(formatter)
    setattr(rotating, _MARK, True)
    root.addHandler(rotating)
    return path


def log_file() -> Path | None:
    """The file `setup_logging` writes to, or None (stderr only, or not set up)."""
    for handler in logging.getLogger().handlers:
        if getattr(handler, _MARK, False) and isinstance(
            handler, logging.handlers.RotatingFileHandler
        ):
            return Path(handler.baseFilename)
    return None
