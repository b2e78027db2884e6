"""Shared set-up for the staff console tests: a deck home, an account, a status file and a
statistics file in a temporary folder, and a logged-in TestClient."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

from starlette.testclient import TestClient

from kiosk.console.app import ConsoleSettings, create_app
from kiosk.console.auth import set_password
from kiosk.ops.stats.store import TABLES

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_settings(tmp: Path, clock: Clock | None = None) -> ConsoleSettings:
    users = tmp / "config" / "console-users"
    set_password(users, "alice", PASSWORD)
    return ConsoleSettings(
        home=tmp / "decks",
        bundled=REPO / "slides",
        users_path=users,
        status_path=tmp / "state" / "status.json",
        stats_path=tmp / "state" / "stats.sqlite3",
        cache_dir=tmp / "cache",
        audit_path=tmp / "state" / "console-audit.jsonl",
        pin_path=tmp / "config" / "staff-pin",
        max_upload=2 * 1024 * 1024,
        clock=clock or time.monotonic,
    )


def write_status(path: Path, **changes: object) -> dict[str, object]:
    now = time.time()
    status: dict[str, object] = {
        "schema": 1,
        "screen": "lobby-left",
        "pid": 4242,
        "version": "0.1.0",
        "started_at": now - 3600,
        "updated_at": now - 1,
        "uptime_seconds": 3600.0,
        "screen_size": [1280, 800],
        "deck": {
            "version": "",
            "hash": "0123456789abcdef",
            "title": "Healthy veins",
            "slides": 28,
            "languages": ["en", "es"],
            "source": "folder",
            "folder": "/somewhere/slides",
        },
        "slide": {"index": 3, "id": "why-the-legs", "title": "Why are the legs hit hardest?"},
        "mode": "attract",
        "language": "en",
        "larger_text": False,
        "overlay": "none",
        "last_frame_at": now - 2,
        "frames_drawn": 5120,
        "last_reload": {
            "at": now - 600,
            "result": "refused",
            "problems": ["slides/30-causes.yaml:12: slides[1].title: expected text, got a list"],
        },
        "errors": [
            {
                "at": now - 600,
                "level": "WARNING",
                "message": "reload refused: slides/30-causes.yaml:12: slides[1].title: expected text",
            }
        ],
        "counters": {
            "reloads": {"ok": 2, "refused": 1},
            "fallbacks": 0,
            "larger_text": 3,
            "language_switches": 4,
            "sessions": 9,
            "views": [],
        },
        "schedule": {"hours": "mon,tue,wed,thu,fri 07:30-18:00", "resting": False},
        "memory_bytes": 83_000_000,
        "cpu_seconds": 12.5,
    }
    status.update(changes)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(status), encoding="utf-8")
    return status


def write_stats(path: Path) -> None:
    """A few days of views and sessions, as the kiosk's StatsRecorder writes them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    for statement in TABLES:
        connection.execute(statement)
    views = [
        ("2026-11-23 09:41", "welcome", "attract", "en", 12.0, 0),
        ("2026-11-23 09:42", "what-is-cvi", "browsing", "en", 20.5, 0),
        ("2026-11-23 09:43", "one-way-valves", "browsing", "en", 31.0, 0),
        ("2026-11-23 09:43", "why-the-legs", "browsing", "en", 0.4, 1),
        ("2026-11-24 14:05", "what-is-cvi", "browsing", "es", 10.5, 0),
        ("2026-11-24 14:06", "what-is-cvi", "browsing", "es", 15.5, 0),
        ("2026-11-20 08:00", "welcome", "browsing", "en", 5.0, 0),  # before the range
    ]
    sessions = [
        ("2026-11-23 09:42", 75.0, 3, "en"),  # a Monday
        ("2026-11-24 14:05", 40.0, 1, "es"),  # a Tuesday
        ("2026-11-20 08:00", 10.0, 1, "en"),
    ]
    connection.executemany(
        "INSERT INTO views (minute, slide_id, mode, language, dwell_seconds, skipped) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        views,
    )
    connection.executemany(
        "INSERT INTO sessions (minute, seconds, slides, languages) VALUES (?, ?, ?, ?)", sessions
    )
    connection.commit()
    connection.close()


def client_for(settings: ConsoleSettings) -> TestClient:
    return TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False)


def login(client: TestClient, user: str = "alice", password: str = PASSWORD) -> object:
    page = client.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token is not None
    return client.post("/login", data={"user": user, "password": password, "login_token": token[1]})


def csrf(client: TestClient, path: str = "/pin") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found[1]
