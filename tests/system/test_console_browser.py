"""End to end in a real browser: Debian's chromium driven by Playwright (never a downloaded
browser). A member of staff logs in, edits a slide's English body, sees the preview change,
publishes; a real kiosk process showing the deck home's `current` deck picks the new version up,
and a fresh render of what was published draws the new text.

Set CONSOLE_SCREENSHOTS=folder to also save a screenshot of every page at desktop and tablet
widths (for looking at them; the test does not need them).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pygame
import pytest
import uvicorn

from kiosk.console.app import create_app
from kiosk.console.decks import DeckHome
from kiosk.console.previews import PreviewCache
from kiosk.decks import publish as publishing
from tests.console_helpers import PASSWORD, REPO, make_settings, write_stats

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SECTION = "20-what-is-cvi.yaml"
SLIDE_ID = "one-way-valves"
NEW_BODY = "Valves are tiny doors in your veins. They help blood go up to your heart."

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, app: object) -> None:
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the console did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def render_slide(deck: Path, out: Path, slide_id: str) -> pygame.Surface:
    cache = PreviewCache(out)
    key, manifest = cache.live(deck, (640, 400), slide_id)
    path = cache.file(key, manifest["slides"][0]["files"]["en"])
    assert path is not None
    return pygame.image.load(io.BytesIO(path.read_bytes()), "x.png")


def screenshots(page, base: str, folder: Path) -> None:
    pages = [
        ("status", "/"),
        ("previews", "/previews"),
        ("stats", "/stats?from=2026-11-21&to=2026-11-25"),
        ("edit", "/edit"),
        ("slide", f"/edit/slide/{SECTION}/{SLIDE_ID}"),
        ("settings", "/edit/settings"),
        ("images", "/edit/images"),
        ("publish", "/publish"),
        ("pin", "/pin"),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    for width, height, label in ((1280, 900, "desktop"), (768, 1024, "tablet")):
        page.set_viewport_size({"width": width, "height": height})
        for name, path in pages:
            page.goto(base + path)
            if name == "previews":
                page.wait_for_selector("figure img", timeout=60_000)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)


def test_edit_preview_publish_and_the_kiosk_follows(tmp_path):
    from playwright.sync_api import expect, sync_playwright

    settings = make_settings(tmp_path)
    write_stats(settings.stats_path)
    # The screen already shows a published deck: version 1 is the bundled one.
    publishing.publish(REPO / "slides", settings.home, who="installer")
    home = DeckHome(settings.home, REPO / "slides")
    first = home.current()
    assert first is not None
    environment = {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
    }
    settings.status_path = tmp_path / "xdg-state" / "cvi-kiosk" / "status.json"
    kiosk = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.cli.main",
            "run",
            "--windowed",
            "1280x800",  # a checked size: every slide of the deck fits it
            "--deck",
            str(settings.home),  # a deck home: the kiosk follows its `current` version
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(
            lambda: read_json(settings.status_path).get("deck", {}).get("hash") == first.hash,
            60,
            "the kiosk did not start showing version 1",
        )
        with Server(create_app(settings)) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(base + "/")
            assert page.url.endswith("/login")
            if os.environ.get("CONSOLE_SCREENSHOTS"):
                folder = Path(os.environ["CONSOLE_SCREENSHOTS"])
                folder.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(folder / "login-desktop.png"), full_page=True)
            page.get_by_label("Name").fill("alice")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            expect(page.locator(".verdict .headline")).to_have_text("Drawing")

            page.goto(f"{base}/edit/slide/{SECTION}/{SLIDE_ID}")
            picture = page.locator('#preview img[data-lang="en"]')
            before = picture.get_attribute("src")
            page.get_by_label("Body (en)").fill(NEW_BODY)
            expect(page.locator("#preview-state")).to_have_text(
                "(as typed, not saved yet)", timeout=30_000
            )
            after = picture.get_attribute("src")
            assert after != before
            expect(page.locator("#problems")).to_contain_text("No problems")
            # The new preview is a different picture, fetched with the browser's session.
            assert page.request.get(base + after).body() != page.request.get(base + before).body()

            page.get_by_role("button", name="Save to the draft").click()
            expect(page.locator(".flash")).to_have_text("Saved to the draft.")
            page.goto(base + "/publish")
            page.get_by_label("What changed (for the history)").fill("clearer valves text")
            page.get_by_role("button", name="Publish now").click()
            expect(page.locator(".flash")).to_contain_text("is live.")
            live = home.current()
            assert live is not None and live.id != first.id and live.who == "alice"
            assert NEW_BODY in (live.folder / SECTION).read_text()

            # The running kiosk reloads the published deck by itself.
            wait_for(
                lambda: read_json(settings.status_path).get("deck", {}).get("hash") == live.hash,
                60,
                "the kiosk did not pick up the published version",
            )
            status = read_json(settings.status_path)
            assert status["last_reload"]["result"] == "ok"
            assert status["deck"]["version"] == live.id and status["deck"]["source"] == "configured"
            page.goto(base + "/")
            expect(page.locator(".verdict .headline")).to_have_text("Drawing")

            if os.environ.get("CONSOLE_SCREENSHOTS"):
                screenshots(page, base, Path(os.environ["CONSOLE_SCREENSHOTS"]))
            browser.close()
    finally:
        kiosk.terminate()
        try:
            kiosk.wait(timeout=10)
        except subprocess.TimeoutExpired:
            kiosk.kill()
            kiosk.wait()
        kiosk.stderr.close()  # type: ignore[union-attr]
    assert kiosk.returncode == 0

    # What the kiosk now loads draws the new words: a fresh render of the published slide
    # differs from version 1's, and only inside the slide (the controls are the same).
    old = render_slide(first.folder, tmp_path / "r1", SLIDE_ID)
    new = render_slide(live.folder, tmp_path / "r2", SLIDE_ID)
    assert old.get_size() == new.get_size() == (640, 400)
    changed = [
        (x, y)
        for x in range(0, 640, 4)
        for y in range(0, 400, 4)
        if old.get_at((x, y)) != new.get_at((x, y))
    ]
    assert changed, "the published slide looks the same as before"
    assert shutil.which("chromium") or CHROMIUM.exists()
