"""The render loop's side of the statistics: what is on screen, turned into view and
session rows in memory. Nothing here blocks or raises: `StatsRecorder.observe` only appends
to a bounded deque, and the writer thread (kiosk.ops.stats.store) saves the rows.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kiosk.ops.stats.store import (
    MAX_QUEUE,
    RATINGS,
    SKIP_SECONDS,
    Row,
    Writer,
    hour_of,
    minute_of,
    offset_of,
)

log = logging.getLogger(__name__)

ATTRACT = "attract"
BROWSING = "browsing"
# Shutdown must not hang on a stuck disk: systemd would kill the kiosk anyway.
CLOSE_SECONDS = 5.0


def local_now() -> datetime:
    """Local time with its UTC offset (the repeated hour at a DST change has another one)."""
    return datetime.now().astimezone()


@dataclass
class _Session:
    minute: str
    offset: str | None
    started: float
    slide_ids: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)


class StatsRecorder:
    """Records what the kiosk shows. `observe` is for the render loop; `close` at shutdown."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = local_now,
    ) -> None:
        self.path = path
        self._clock = clock
        self._wall = wall
        # deque.append/popleft are atomic, so the two threads share no lock at all; maxlen
        # drops the oldest rows when the writer cannot keep up.
        self._queue: deque[Row] = deque(maxlen=MAX_QUEUE)
        self._dropped = 0
        self._closed = False
        self._current: tuple[str, str, str] | None = None
        self._started = 0.0
        self._reading: float | None = None  # how long the view on screen takes to read
        self._last_touch: float | None = None
        self._started_minute = ""
        self._started_offset: str | None = None
        self._session: _Session | None = None
        # Running totals of what was recorded since start, for the status file and metrics:
        # (slide, mode, language) -> [views, seconds] (the order `observe` sees them in).
        # Bounded by slides × modes × languages.
        self._totals: dict[tuple[str, str, str], list[float]] = {}
        self.sessions_recorded = 0
        # (question, language) -> [answered, right at the first tap]; (topic, language,
        # rating) -> count. Bounded by the deck's questions and topics × languages.
        self._answers: dict[tuple[str, str], list[int]] = {}
        self._ratings: dict[tuple[str, str, str], int] = {}
        self.listens_recorded = 0
        self.listening_sessions_recorded = 0
        self._writer = Writer(path, self._queue)
        self._writer.thread.start()

    @property
    def dropped(self) -> int:
        """Rows lost because the disk was stuck or failing (0 in normal operation)."""
        return self._dropped + self._writer.lost

    def totals(self) -> list[dict[str, object]]:
        """Views and reading seconds recorded since start, by slide, language and mode: the
        same rows the database got, so a fleet's sums match its screens' statistics."""
        return [
            {"slide": s, "language": lang, "mode": m, "views": int(v), "seconds": round(t, 1)}
            for (s, m, lang), (v, t) in sorted(self._totals.items())
        ]

    def answer_totals(self) -> list[dict[str, object]]:
        """Answers recorded since start, by question and language (the database's counts)."""
        return [
            {"question": q, "language": lang, "answered": n, "right_first": right}
            for (q, lang), (n, right) in sorted(self._answers.items())
        ]

    def rating_totals(self) -> list[dict[str, object]]:
        """ "Was this helpful?" answers recorded since start, by topic, language and rating."""
        return [
            {"topic": topic, "language": lang, "rating": rating, "count": n}
            for (topic, lang, rating), n in sorted(self._ratings.items())
        ]

    # -- the render loop's side: memory only, never blocks, never raises --------------------

    def answered(self, question: str, language: str, *, right: bool) -> None:
        """A visitor answered question `question` (a slide id) for the first time in their
        visit. Only the hour's counts are kept: nothing links it to their other answers."""
        if self._closed:
            return
        total = self._answers.setdefault((question, language), [0, 0])
        total[0] += 1
        total[1] += int(right)
        self._put("answers", (hour_of(self._wall()), question, language, 1, int(right)))

    def rated(self, topic: str, language: str, rating: str) -> None:
        """A visitor answered "Was this helpful?" about `topic` with one of RATINGS."""
        if self._closed or rating not in RATINGS:
            return
        key = (topic, language, rating)
        self._ratings[key] = self._ratings.get(key, 0) + 1
        self._put("helpfulness", (hour_of(self._wall()), topic, language, rating, 1))

    def observe(
        self,
        slide_id: str,
        mode: str,
        language: str,
        *,
        last_touch: float | None = None,
        reading: float | None = None,
    ) -> None:
        """What is on screen now. Cheap enough to call every frame: only a change of slide,
        mode or language records anything (the view that ends, with its dwell time).

        `last_touch` (clock time of the visitor's last touch) and `reading` (seconds the
        slide takes to read) bound the last view of a visit: when the screen goes back to
        its loop because nobody touched it, the visitor left somewhere in the idle time, and
        it counts as read only until the last touch plus its reading time."""
        self._last_touch = last_touch
        seen = (slide_id, mode, language)
        if seen == self._current or self._closed:
            return
        now = self._clock()
        moment = self._wall()
        minute, offset = minute_of(moment), offset_of(moment)
        was_browsing = self._current is not None and self._current[1] == BROWSING
        ended = now
        read_for = self._reading  # the view that ends (`reading` is the one that begins)
        if was_browsing and mode != BROWSING and last_touch is not None and read_for is not None:
            ended = min(now, max(self._started, last_touch) + read_for)
        self._finish_view(ended)
        if mode == BROWSING:
            # The first touch in attract mode wakes the kiosk: a visitor's session begins.
            session = self._session
            if session is None or not was_browsing:
                session = self._session = _Session(minute, offset, now)
            session.slide_ids.add(slide_id)
            session.languages.add(language)
        else:
            self._finish_session(ended)
        self._current = seen
        self._reading = reading
        self._started = now
        self._started_minute = minute
        self._started_offset = offset

    def listened(self, slide_id: str, language: str, mode: str) -> None:
        """A slide began to be read aloud (never blocks, like `observe`)."""
        if not self._closed:
            self.listens_recorded += 1
            self._put("listens", (hour_of(self._wall()), slide_id, language, mode))

    def listening_session(self, language: str) -> None:
        """A visitor tapped Listen, starting listening mode."""
        if not self._closed:
            self.listening_sessions_recorded += 1
            self._put("listening_sessions", (hour_of(self._wall()), language))

    def flush(self) -> None:
        """Ask the writer to save what is queued now, without waiting for it."""
        self._writer.wake.set()

    def close(self) -> None:
        """Record the view (and session) on screen now, save everything, stop the writer.
        Waits at most CLOSE_SECONDS; calling it again does nothing."""
        if self._closed:
            return
        now = self._clock()
        self._finish_view(now)
        self._finish_session(now)
        self._closed = True
        # Set after the last rows are queued: the writer drains once more when it sees it.
        self._writer.stopping = True
        self._writer.wake.set()
        self._writer.thread.join(timeout=CLOSE_SECONDS)
        if self._writer.thread.is_alive():
            log.warning("view statistics: the disk did not answer; the last rows may be lost")
        if self.dropped:
            log.warning("view statistics: %d rows were lost to disk trouble", self.dropped)

    def _finish_view(self, now: float) -> None:
        if self._current is None:
            return
        slide_id, mode, language = self._current
        dwell = round(max(0.0, now - self._started), 1)
        # Judged on the rounded value, so `skipped` always agrees with `dwell_seconds < 1`.
        skipped = int(dwell < SKIP_SECONDS)
        total = self._totals.setdefault(self._current, [0, 0.0])
        total[0] += 1
        total[1] += dwell
        self._put(
            "views",
            (self._started_minute, slide_id, mode, language, dwell, skipped, self._started_offset),
        )

    def _finish_session(self, now: float) -> None:
        session, self._session = self._session, None
        if session is not None:
            seconds = round(max(0.0, now - session.started), 1)
            languages = ",".join(sorted(session.languages))
            self.sessions_recorded += 1
            self._put(
                "sessions",
                (session.minute, seconds, len(session.slide_ids), languages, session.offset),
            )

    def _put(self, table: str, values: tuple[object, ...]) -> None:
        if len(self._queue) == MAX_QUEUE:
            self._dropped += 1  # the append below pushes the oldest row out
        self._queue.append((table, values))
