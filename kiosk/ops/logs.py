"""Logging for an unattended screen: to stderr (the journal) and to a small rotating file in
the XDG state directory, so a clinic's IT person can read what happened last week."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path
from types import TracebackType

from kiosk.paths import state_dir

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# 1 MB × 5 files: a week of normal operation, and an SD card never fills up.
MAX_BYTES = 1_000_000
BACKUPS = 5
_MARK = "_cvi_kiosk_handler"


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


def install_excepthooks() -> None:
    """Uncaught errors (main thread or any other) go through logging: kiosk.log as well as
    stderr (the journal), with the traceback."""
    logger = logging.getLogger("kiosk")

    def main_hook(
        kind: type[BaseException], value: BaseException, traceback: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, traceback)
            return
        logger.critical("uncaught error: %s", value, exc_info=(kind, value, traceback))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "?"
        logger.critical(
            "uncaught error in thread %s: %s",
            name,
            args.exc_value,
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )

    sys.excepthook = main_hook
    threading.excepthook = thread_hook


def log_file() -> Path | None:
    """The file `setup_logging` writes to, or None (stderr only, or not set up)."""
    for handler in logging.getLogger().handlers:
        if getattr(handler, _MARK, False) and isinstance(
            handler, logging.handlers.RotatingFileHandler
        ):
            return Path(handler.baseFilename)
    return None
