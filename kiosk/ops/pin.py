"""The staff exit PIN: a salted, slow hash per machine, a growing delay after wrong guesses.

Why argon2id (argon2-cffi) rather than hashlib.scrypt: it is the password-hashing
competition's winner and OWASP's first choice, the library writes salt and parameters into
one standard string (`$argon2id$v=19$m=...`) and verifies in constant time, and the staff
console uses the same library for its passwords. The cost is calibrated on the screen itself
when the PIN is set, so checking it takes about 50–100 ms there: long for a guessing program,
unnoticeable for staff, too short to stall the screen.

The hash lives in `$XDG_CONFIG_HOME/cvi-kiosk/staff-pin` (mode 0600), never in the deck:
decks are synced to every screen and shown to whoever edits slides.

A 6-digit PIN has a million values; after 3 free tries each wrong one doubles a wait (2 s up to
64 s) and from the 10th on every wrong one locks the keypad for 15 minutes. The count
survives restarts (a pulled plug does not reset it): at 4 guesses an hour, trying every PIN
would take about 28 years.

Both files are read as hostile input (kiosk.statefile): never through a link or a pipe. A
PIN file whose hash names other parameters than `kiosk set-pin` chooses (a gigabyte of
memory, more passes) is damaged, not a slower PIN: checking it would stall the screen. A
damaged file is reported as damaged, never as "no PIN set". A damaged guard file is moved
aside and rebuilt. The check itself runs beside the drawing loop (kiosk.screen.navigator).
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kiosk.atomic import SECRET, write_atomic
from kiosk.paths import config_dir, state_dir
from kiosk.statefile import DamagedStateError, move_aside, read_state_file

log = logging.getLogger(__name__)

MIN_DIGITS = 6
MAX_DIGITS = 8  # the keypad takes at most 8
# argon2id floor (OWASP: 19 MiB, 2 passes, 1 lane); more passes until a check takes this long.
MEMORY_KIB = 19 * 1024
MIN_TIME_COST = 2
MAX_TIME_COST = 40
TARGET_SECONDS = 0.075

FREE_TRIES = 3
FIRST_DELAY_SECONDS = 2.0
LOCKOUT_AFTER = 10
LOCKOUT_SECONDS = 15 * 60.0
# A PIN file holds one hash line (~100 bytes); the guard file two numbers.
MAX_PIN_FILE_BYTES = 1024
MAX_GUARD_FILE_BYTES = 1024
# The largest count the guard keeps: far past the lockout, far below any overflow.
MAX_FAILURES = 1_000_000


class PinError(ValueError):
    pass


class PinFileDamagedError(Exception):
    """The PIN file is there but unusable; `str()` says why, for a person."""


def pin_path(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_CONFIG_HOME/cvi-kiosk/staff-pin`, or `~/.config/cvi-kiosk/staff-pin`."""
    return config_dir(environ) / "staff-pin"


def check_pin_format(pin: str) -> None:
    """Raise PinError (one sentence) for a PIN that is too short or too easy to guess."""
    if not re.fullmatch(r"[0-9]+", pin):
        raise PinError("the PIN must be digits only (the keypad has nothing else)")
    if not MIN_DIGITS <= len(pin) <= MAX_DIGITS:
        raise PinError(f"the PIN must have {MIN_DIGITS} to {MAX_DIGITS} digits")
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if len(steps) == 1 and steps <= {0, 1, 9}:
        raise PinError("the PIN is too easy to guess (repeated or consecutive digits)")


def _hasher(time_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=MEMORY_KIB, parallelism=1)


def hash_pin(pin: str, target_seconds: float = TARGET_SECONDS) -> tuple[str, float]:
    """Hash `pin` with a cost calibrated on this machine. Returns the hash and how long one
    check of it took."""
    check_pin_format(pin)
    probe = _hasher(MIN_TIME_COST)
    started = time.perf_counter()
    probe.hash(pin)
    per_pass = (time.perf_counter() - started) / MIN_TIME_COST
    cost = min(MAX_TIME_COST, max(MIN_TIME_COST, math.floor(target_seconds / per_pass)))
    hashed = _hasher(cost).hash(pin)
    started = time.perf_counter()
    verify_pin(hashed, pin)
    return hashed, time.perf_counter() - started


def verify_pin(stored: str, pin: str) -> bool:
    """Constant-time check (argon2 compares the digests itself). False on any mismatch."""
    try:
        return PasswordHasher().verify(stored, pin)
    except VerifyMismatchError:
        return False
    except (VerificationError, InvalidHashError):
        log.error("the staff PIN file does not hold a valid hash; set it again with kiosk set-pin")
        return False


def set_pin(pin: str, path: Path | None = None) -> float:
    """Store the hash of `pin` in `path` (0600, written atomically). Returns the check time."""
    path = path or pin_path()
    hashed, seconds = hash_pin(pin)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, (hashed + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    return seconds


def check_hash_parameters(stored: str) -> None:
    """Raise PinFileDamagedError unless `stored` is an argon2id hash with the parameters
    `kiosk set-pin` chooses (19 MiB, 1 lane, 2 to 40 passes): any other cost is not ours,
    and a large one would stall the screen on every try."""
    try:
        params = extract_parameters(stored)
    except (InvalidHashError, ValueError) as error:
        raise PinFileDamagedError(f"it does not hold an argon2 hash ({error})") from None
    if params.type is not Type.ID or params.version != 19:
        raise PinFileDamagedError("its hash is not argon2id version 19")
    if params.memory_cost != MEMORY_KIB or params.parallelism != 1:
        raise PinFileDamagedError(
            f"its hash asks for {params.memory_cost} KiB and {params.parallelism} lanes, not "
            f"the {MEMORY_KIB} KiB and 1 lane `kiosk set-pin` chooses"
        )
    if not MIN_TIME_COST <= params.time_cost <= MAX_TIME_COST:
        raise PinFileDamagedError(
            f"its hash asks for {params.time_cost} passes, outside the {MIN_TIME_COST} to "
            f"{MAX_TIME_COST} `kiosk set-pin` chooses"
        )
    if not 8 <= params.salt_len <= 64 or not 16 <= params.hash_len <= 64:
        raise PinFileDamagedError("its hash has an unusual salt or digest length")


def load_pin_hash(path: Path | None = None) -> str | None:
    """The stored hash; None when no PIN is set; PinFileDamagedError when the file is there
    but unusable (a link, a pipe, not a hash, parameters `kiosk set-pin` never chooses)."""
    try:
        raw = read_state_file(path or pin_path(), limit=MAX_PIN_FILE_BYTES)
    except DamagedStateError as error:
        raise PinFileDamagedError(str(error)) from None
    if raw is None:
        return None
    try:
        text = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise PinFileDamagedError("it is not plain text") from None
    if not text.startswith("$argon2"):
        raise PinFileDamagedError("it does not hold an argon2 hash")
    check_hash_parameters(text)
    return text


def read_pin_hash(path: Path | None = None) -> str | None:
    """The stored hash, or None when no PIN is set or the file is damaged."""
    try:
        return load_pin_hash(path)
    except PinFileDamagedError:
        return None


def pin_problem(path: Path | None = None) -> str | None:
    """Why the corner hold will not open the keypad (no PIN, or a damaged PIN file), or None."""
    path = path or pin_path()
    try:
        if load_pin_hash(path) is not None:
            return None
    except PinFileDamagedError as error:
        return (
            f"the staff PIN file {path} is damaged ({error}): the corner hold will not open "
            "the keypad until the PIN is set again with `kiosk set-pin`"
        )
    return (
        f"no staff PIN is set on this machine ({path}): the corner hold will not open the "
        "keypad, so staff cannot leave the kiosk; run `kiosk set-pin`"
    )


def no_pin_warning(path: Path | None = None) -> str | None:
    """One sentence for `kiosk validate` and the start-up log when the screen has no usable
    PIN (none set, or a damaged file: each said as what it is)."""
    return pin_problem(path)


# -- guessing ---------------------------------------------------------------------------------


@dataclass
class PinGuard:
    """How long the keypad must wait before the next try; pure, with an injected clock.

    Failures 1–3 cost nothing, the 4th to 9th wait 2, 4, 8 … 64 s, and from the 10th each
    wrong PIN locks the keypad for 15 minutes. A right PIN clears the count.
    """

    clock: Callable[[], float]
    failures: int = 0
    blocked_until: float = 0.0

    def wait_seconds(self) -> float:
        # Never longer than the current delay itself: a wall clock set backwards must not
        # lock staff out for days.
        left = self.blocked_until - self.clock()
        return max(0.0, min(left, self.delay_after(self.failures)))

    def record(self, accepted: bool) -> None:
        if accepted:
            self.failures = 0
            self.blocked_until = 0.0
            return
        self.failures += 1
        self.blocked_until = self.clock() + self.delay_after(self.failures)

    @staticmethod
    def delay_after(failures: int) -> float:
        if failures >= LOCKOUT_AFTER:
            return LOCKOUT_SECONDS
        if failures <= FREE_TRIES:
            return 0.0
        return FIRST_DELAY_SECONDS * float(2 ** (failures - FREE_TRIES - 1))


class StaffPin:
    """The keypad's check: reads the per-machine hash, applies the guard, logs every attempt
    (never the digits) and keeps the guard's count in the state folder across restarts."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        state: Path | None = None,
        clock: Callable[[], float] = time.time,
        verify: Callable[[str, str], bool] = verify_pin,
    ) -> None:
        self._path = path or pin_path()
        self._state = (state or state_dir()) / "pin-guard.json"
        self._verify = verify
        self.guard = PinGuard(clock)
        self._load_state()

    @property
    def configured(self) -> bool:
        return read_pin_hash(self._path) is not None

    @property
    def why_closed(self) -> str:
        """Why the keypad stays closed when it is not `configured`, for the log."""
        return pin_problem(self._path) or "the staff PIN can be checked"

    def attempt(self, pin: str) -> bool:
        wait = self.guard.wait_seconds()
        if wait > 0:
            log.warning("staff PIN attempt refused: keypad locked for another %.0f s", wait)
            return False
        try:
            stored = load_pin_hash(self._path)
        except PinFileDamagedError as error:
            log.error("staff PIN attempt, but the PIN file %s is damaged (%s)", self._path, error)
            return False
        if stored is None:
            log.warning("staff PIN attempt, but no PIN is set on this machine (kiosk set-pin)")
            return False
        accepted = self._verify(stored, pin)
        self.guard.record(accepted)
        if accepted:
            log.info("staff PIN accepted")
        else:
            log.warning(
                "staff PIN wrong (%d in a row); next try allowed in %.0f s",
                self.guard.failures,
                self.guard.wait_seconds(),
            )
        self._save_state()
        return accepted

    def _load_state(self) -> None:
        """The count from the last run. A damaged file (a link, a pipe, numbers like 1e999 or
        NaN, anything this class does not write) is moved aside and written afresh."""
        try:
            raw = read_state_file(self._state, limit=MAX_GUARD_FILE_BYTES)
            if raw is None:
                return
            self.guard.failures, self.guard.blocked_until = _parse_guard(raw)
        except DamagedStateError as error:
            move_aside(self._state, str(error))
            self._save_state()

    def _save_state(self) -> None:
        data = {"failures": self.guard.failures, "blocked_until": self.guard.blocked_until}
        try:
            self._state.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self._state, json.dumps(data, allow_nan=False), mode=SECRET)
        except (OSError, ValueError) as error:
            log.warning("cannot keep the PIN attempt count in %s: %s", self._state, error)


def _parse_guard(raw: bytes) -> tuple[int, float]:
    """(failures, blocked until) from a guard file, or DamagedStateError naming the fault."""

    def refuse(constant: str) -> float:
        raise DamagedStateError(f"it holds {constant}, not a number")

    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=refuse)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise DamagedStateError(f"it is not JSON ({error})") from None
    if not isinstance(data, dict):
        raise DamagedStateError("it is not a JSON object")
    failures, blocked = data.get("failures"), data.get("blocked_until")
    if type(failures) is not int or not 0 <= failures <= MAX_FAILURES:
        raise DamagedStateError(f"its failure count {failures!r} is not a count")
    if not isinstance(blocked, int | float) or isinstance(blocked, bool):
        raise DamagedStateError(f"its lock time {blocked!r} is not a time")
    if not math.isfinite(blocked) or blocked < 0:
        raise DamagedStateError(f"its lock time {blocked!r} is not a time")
    return failures, float(blocked)
