"""Console accounts, sessions, CSRF tokens and the login rate limit.

Passwords are argon2id hashes (argon2-cffi: the maintained binding of the reference C code,
with sensible memory-hard defaults) in `$XDG_CONFIG_HOME/cvi-kiosk/console-users`, one
`name:hash` line each, mode 0600. There is no default account: `kiosk console set-password`
creates one. Sessions live in the console's memory (a restart logs everyone out), keyed by a
random token (stdlib `secrets`); each has its own CSRF token compared in constant time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import os
import re
import secrets
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kiosk.paths import config_dir

USER_NAME = re.compile(r"[a-z][a-z0-9._-]{0,31}")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
# A session ends after this long without a request, and in any case after a working day.
IDLE_SECONDS = 30 * 60
MAX_SESSION_SECONDS = 12 * 3600
# Five wrong passwords in 15 minutes lock the name and the address for 15 minutes.
MAX_FAILURES = 5
FAILURE_WINDOW = 15 * 60
LOCKOUT_SECONDS = 15 * 60
# argon2 takes 64 MiB for each check: at most this many at once, and this many more waiting;
# beyond that a login is refused (429) before it costs anything.
HASHES_AT_ONCE = 2
HASHES_WAITING = 6

_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A user name or password that cannot be used; the message is one sentence."""


def default_users_path() -> Path:
    return config_dir() / "console-users"


def read_users(path: Path) -> dict[str, str]:
    """name -> argon2 hash; empty when the file is missing or unreadable."""
    users: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return users
    for line in text.splitlines():
        name, _, hashed = line.strip().partition(":")
        if USER_NAME.fullmatch(name) and hashed.startswith("$argon2"):
            users[name] = hashed
    return users


def set_password(path: Path, name: str, password: str) -> None:
    """Add the account or change its password (atomic write, mode 0600)."""
    if not USER_NAME.fullmatch(name):
        raise AccountError(
            "a user name is 1 to 32 lower-case letters, digits, dots, dashes or underscores, "
            "starting with a letter"
        )
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"a password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long")
    users = read_users(path)
    users[name] = _hasher.hash(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".console-users.", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.writelines(f"{user}:{hashed}\n" for user, hashed in sorted(users.items()))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_password(users: dict[str, str], name: str, password: str) -> bool:
    hashed = users.get(name)
    try:
        return _hasher.verify(hashed or _DUMMY_HASH, password[:MAX_PASSWORD]) and bool(hashed)
    except (VerificationError, InvalidHashError):
        return False


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass
class Session:
    user: str
    csrf: str
    created: float
    seen: float


@dataclass
class SessionStore:
    clock: Callable[[], float] = time.monotonic
    sessions: dict[str, Session] = field(default_factory=dict)

    def create(self, user: str) -> tuple[str, Session]:
        now = self.clock()
        self._expire(now)
        token = secrets.token_urlsafe(32)
        session = Session(user, secrets.token_urlsafe(32), now, now)
        self.sessions[token] = session
        return token, session

    def get(self, token: str | None, *, activity: bool = True) -> Session | None:
        """The live session for `token`; `activity=False` (a page refreshing itself) does
        not keep it alive: only what a person does counts."""
        if not token:
            return None
        now = self.clock()
        session = self.sessions.get(token)
        if session is None:
            return None
        if now - session.seen > IDLE_SECONDS or now - session.created > MAX_SESSION_SECONDS:
            del self.sessions[token]
            return None
        if activity:
            session.seen = now
        return session

    def end(self, token: str | None) -> None:
        if token:
            self.sessions.pop(token, None)

    def _expire(self, now: float) -> None:
        for token, session in list(self.sessions.items()):
            if now - session.seen > IDLE_SECONDS or now - session.created > MAX_SESSION_SECONDS:
                del self.sessions[token]


@dataclass
class LoginLimiter:
    """Counts failed logins per key (a user name, a client address); too many lock the key.

    An attempt counts from the moment it is let in (`begin`), before its password is hashed:
    a burst of simultaneous guesses gets no more checks than the limit, however fast it is."""

    clock: Callable[[], float] = time.monotonic
    failures: dict[str, list[float]] = field(default_factory=dict)
    locked_until: dict[str, float] = field(default_factory=dict)
    checking: dict[str, int] = field(default_factory=dict)  # attempts let in, not yet decided

    def locked(self, *keys: str) -> float:
        """Seconds until every key is free again (0 when none is locked)."""
        now = self.clock()
        return max((self.locked_until.get(key, 0.0) - now for key in keys), default=0.0)

    def begin(self, *keys: str) -> float:
        """Let one attempt in (0) or say how long to wait: locked, or the attempts being
        checked would already reach the limit if they all failed."""
        wait = self.locked(*keys)
        if wait > 0:
            return wait
        now = self.clock()
        for key in keys:
            recent = sum(1 for t in self.failures.get(key, []) if now - t < FAILURE_WINDOW)
            if recent + self.checking.get(key, 0) >= MAX_FAILURES:
                return float(FAILURE_WINDOW)
        for key in keys:
            self.checking[key] = self.checking.get(key, 0) + 1
        return 0.0

    def done(self, *keys: str) -> None:
        """The attempt let in by `begin` is decided (call before `failed`/`succeeded`)."""
        for key in keys:
            left = self.checking.get(key, 0) - 1
            if left > 0:
                self.checking[key] = left
            else:
                self.checking.pop(key, None)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        if len(self.failures) > 10_000:  # a flood of made-up names must not grow memory
            self._forget_old(now)
        for key in keys:
            recent = [t for t in self.failures.get(key, []) if now - t < FAILURE_WINDOW]
            recent.append(now)
            self.failures[key] = recent
            if len(recent) >= MAX_FAILURES:
                self.locked_until[key] = now + LOCKOUT_SECONDS
                self.failures[key] = []

    def _forget_old(self, now: float) -> None:
        for key, times in list(self.failures.items()):
            if not times or now - times[-1] >= FAILURE_WINDOW:
                del self.failures[key]
        for key, until in list(self.locked_until.items()):
            if until <= now:
                del self.locked_until[key]

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self.failures.pop(key, None)


class HashGate:
    """At most `at_once` password checks run together and `waiting` more queue; a login
    beyond that is refused at once, so a burst cannot take the screen's memory."""

    def __init__(self, at_once: int = HASHES_AT_ONCE, waiting: int = HASHES_WAITING) -> None:
        self.limit = at_once + waiting
        self.inside = 0
        self._slots = asyncio.Semaphore(at_once)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[bool]:
        """Yields True with a check slot held, or False at once when the queue is full."""
        if self.inside >= self.limit:
            yield False
            return
        self.inside += 1
        try:
            async with self._slots:
                yield True
        finally:
            self.inside -= 1
