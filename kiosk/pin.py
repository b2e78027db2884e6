"""The screen's staff PIN, stored only as a slow salted hash (argon2) in the machine's config
folder: `$XDG_CONFIG_HOME/cvi-kiosk/staff-pin`, readable by its owner only."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kiosk.config import config_dir

PIN = re.compile(r"[0-9]{4,8}")


class PinError(ValueError):
    """The PIN is not 4 to 8 digits."""


def default_pin_path() -> Path:
    return config_dir() / "staff-pin"


def set_pin(pin: str, path: Path | None = None) -> None:
    """Store the argon2 hash of `pin` (4 to 8 digits), atomically, mode 0600."""
    if not PIN.fullmatch(pin):
        raise PinError("the staff PIN must be 4 to 8 digits")
    path = path or default_pin_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".staff-pin.", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(PasswordHasher().hash(pin) + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_pin(pin: str, path: Path | None = None) -> bool:
    """True when `pin` matches the stored hash (False when none is stored)."""
    try:
        stored = (path or default_pin_path()).read_text(encoding="ascii").strip()
        return PasswordHasher().verify(stored, pin)
    except (OSError, VerificationError, InvalidHashError):
        return False
