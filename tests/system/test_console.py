"""The staff console, in process (Starlette's TestClient): every route and every rule."""

from __future__ import annotations

import argparse
import difflib
import logging
import os
import re
import stat
import struct
import zlib
from pathlib import Path

import pytest

from kiosk.console import editing
from kiosk.console.auth import LOCKOUT_SECONDS, MAX_FAILURES, read_users
from kiosk.console.cli import console_main, parse_listen
from kiosk.console.decks import DeckHome
from kiosk.console.views.status import verdict
from kiosk.deck.content import load_deck
from kiosk.decks import store
from kiosk.ops.pin import verify_pin
from tests.console_helpers import (
    PASSWORD,
    REPO,
    Clock,
    client_for,
    csrf,
    login,
    make_settings,
    write_stats,
    write_status,
)

SECTION = "20-what-is-cvi.yaml"
SLIDE = f"/edit/slide/{SECTION}/why-the-legs"
RANGE = "from=2026-11-21&to=2026-11-25"


@pytest.fixture(autouse=True)
def _info_logs(caplog):
    caplog.set_level(logging.INFO, logger="kiosk.console")


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def settings(tmp_path, clock):
    made = make_settings(tmp_path, clock)
    write_status(made.status_path)
    write_stats(made.stats_path)
    return made


@pytest.fixture
def client(settings):
    with client_for(settings) as made:
        assert login(made).status_code == 303
        assert made.get("/edit").status_code == 200  # the draft exists from here on
        yield made


def png(width: int, height: int, *, corrupt: bool = False) -> bytes:
    """A real (tiny, grey) PNG; `corrupt` keeps the header but breaks the pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\0" + b"\x80" * width for _ in range(min(height, 64))))
    if corrupt:
        pixels = b"this is not zlib data at all" * 4
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def draft_file(settings, name: str = SECTION) -> Path:
    return settings.home / "draft" / "slides" / name


def edit_form(client, token: str, **changes: str) -> dict[str, str]:
    """The slide form as the page fills it in, with some fields changed."""
    page = client.get(SLIDE).text
    based_on = re.search(r'name="based_on" value="([^"]+)"', page)
    assert based_on is not None
    form = {"csrf": token, "based_on": based_on[1]}
    for name in ("title", "body", "bullets"):
        for lang in ("en", "es"):
            tag = "input" if name == "title" else "textarea"
            if tag == "input":
                found = re.search(rf'name="{name}\.{lang}" value="([^"]*)"', page)
            else:
                found = re.search(rf'name="{name}\.{lang}"[^>]*>([^<]*)</textarea>', page)
            assert found is not None, (name, lang)
            form[f"{name}.{lang}"] = found[1].replace("&#39;", "'").replace("&amp;", "&")
    form.update(changes)
    return form


# -- logging in ----------------------------------------------------------------------------


def test_every_page_needs_a_login(settings):
    with client_for(settings) as anonymous:
        for path in (
            "/",
            "/previews",
            "/stats",
            "/edit",
            "/edit/settings",
            "/edit/images",
            SLIDE,
            "/publish",
            "/pin",
            "/stats/views.csv",
            "/stats/chart/views.svg",
        ):
            answer = anonymous.get(path)
            assert answer.status_code == 303 and answer.headers["location"] == "/login", path
        assert (
            anonymous.get("/preview-img/live-" + "0" * 32 + "/en/01-welcome.png").status_code == 401
        )
        for path in ("/edit/add", "/publish", "/rollback", "/pin", SLIDE, "/logout"):
            assert anonymous.post(path, data={"csrf": "x"}).status_code == 401, path


def test_login_sets_a_strict_http_only_session_cookie(settings):
    with client_for(settings) as browser:
        answer = login(browser)
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        cookie = next(
            v
            for k, v in answer.headers.multi_items()
            if k == "set-cookie" and v.startswith("cvi_console=")
        )
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert browser.get("/").status_code == 200


def test_wrong_password_is_refused_then_locked_out_even_for_the_right_one(settings, clock, caplog):
    with client_for(settings) as browser:
        for _ in range(MAX_FAILURES):
            answer = login(browser, password="wrong password!")
            assert answer.status_code == 401
            assert "Wrong name or password" in answer.text
        locked = login(browser)  # the right password, too late
        assert locked.status_code == 429
        assert "Too many wrong passwords" in locked.text
        assert browser.get("/").status_code == 303
        clock.now += LOCKOUT_SECONDS + 1
        assert login(browser).status_code == 303
    messages = [r.getMessage() for r in caplog.records]
    assert any("console login failed: user=alice" in m for m in messages)
    assert any("locked out" in m for m in messages)
    assert any("console login: user=alice" in m for m in messages)


def test_unknown_users_are_locked_out_too(settings):
    with client_for(settings) as browser:
        for _ in range(MAX_FAILURES):
            assert login(browser, user="mallory", password="guess guess").status_code == 401
        # The address is locked as well: guessing names does not get around the limit.
        assert login(browser).status_code == 429


def test_login_form_needs_its_token(settings):
    with client_for(settings) as browser:
        browser.get("/login")
        answer = browser.post("/login", data={"user": "alice", "password": PASSWORD})
        assert answer.status_code == 403


def test_logout_ends_the_session(client):
    token = csrf(client, "/")
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert client.get("/").status_code == 303


def test_sessions_expire_when_idle(client, clock):
    clock.now += 31 * 60
    assert client.get("/").status_code == 303


# -- CSRF, origin, headers, size caps -------------------------------------------------------


def test_a_post_without_the_sessions_csrf_token_is_refused(client, settings):
    token = csrf(client, "/edit")  # also makes the draft
    before = draft_file(settings).read_bytes()
    for data in ({}, {"csrf": "forged"}, {"csrf": token[:-1] + ("A" if token[-1] != "A" else "B")}):
        answer = client.post(f"{SLIDE}/delete", data=data)
        assert answer.status_code == 403
        assert "out of date" in answer.text
    assert draft_file(settings).read_bytes() == before
    assert client.post("/pin", data={"pin": "1234", "pin_again": "1234"}).status_code == 403


def test_a_post_from_another_site_is_refused(client):
    token = csrf(client)
    answer = client.post(
        f"{SLIDE}/delete", data={"csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403


def test_every_response_has_strict_security_headers(client):
    for path in ("/", "/login", "/edit", "/static/console.css", "/stats/chart/views.svg?" + RANGE):
        headers = client.get(path).headers
        assert headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy or "sandbox" in policy
    page = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in page and "unsafe-inline" not in page


def test_pages_have_no_inline_script_or_style(client):
    for path in (
        "/",
        "/previews",
        "/stats?" + RANGE,
        "/edit",
        SLIDE,
        "/edit/settings",
        "/edit/images",
        "/publish",
        "/pin",
    ):
        html = client.get(path).text
        assert "<script>" not in html and "<style" not in html and " style=" not in html, path
        assert not re.search(r"<[^>]*\son[a-z]+=", html), path


def test_oversized_forms_are_refused_before_they_are_read(client):
    token = csrf(client)
    answer = client.post(f"{SLIDE}/move", data={"csrf": token, "direction": "x" * 300_000})
    assert answer.status_code == 413


def test_form_labels_point_at_fields(client):
    for path in ("/login", SLIDE, "/edit/settings", "/edit/images", "/pin", "/edit", "/publish"):
        html = client.get(path).text
        fields = set(re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html))
        labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
        assert fields <= labelled, (path, fields - labelled)


# -- status ----------------------------------------------------------------------------------


def test_status_page_shows_the_screen_at_a_glance(client, settings):
    # Written now, not when the fixture was made: on a loaded machine set-up alone can take
    # longer than the status file stays fresh, and this page is about a kiosk that is drawing.
    write_status(settings.status_path)
    html = client.get("/").text
    assert "Drawing" in html and "NOT drawing" not in html
    assert "lobby-left" in html and "1280×800" in html
    assert "Why are the legs hit hardest?" in html
    assert "mon,tue,wed,thu,fri 07:30-18:00" in html
    assert "slides/30-causes.yaml:12: slides[1].title" in html  # the error, with file:line
    assert 'http-equiv="refresh"' in html


def test_status_page_says_not_drawing_when_the_kiosk_is_gone(client, settings):
    import time

    write_status(settings.status_path, updated_at=time.time() - 60, last_frame_at=time.time() - 60)
    html = client.get("/").text
    assert "NOT drawing" in html and "stopped or is stuck" in html
    settings.status_path.unlink()
    assert "NOT drawing" in client.get("/").text


def test_verdict():
    now = 10_000.0
    fresh = {"updated_at": now - 1, "last_frame_at": now - 5, "mode": "attract"}
    assert verdict(fresh, now, 90)["ok"]
    assert not verdict({**fresh, "updated_at": now - 30}, now, 90)["ok"]
    assert not verdict({**fresh, "last_frame_at": now - 500}, now, 90)["ok"]
    resting = verdict({**fresh, "mode": "rest", "last_frame_at": now - 5000}, now, 90)
    assert resting["ok"] and resting["headline"] == "Resting"
    assert not verdict(None, now, 90)["ok"]


# -- previews ------------------------------------------------------------------------------


def test_previews_of_every_slide_and_the_menu_in_each_language_at_the_screens_size(
    client, settings
):
    import pygame

    first = client.get("/previews")
    assert first.status_code == 200
    if "Drawing the previews" in first.text:
        state = client.app.state.console  # type: ignore[attr-defined]
        key = re.search(r"[0-9a-f]{16}-1280x800", str(list(state.previews._done)))
        assert key is not None
        assert state.previews.wait(key[0]) is not None
    html = client.get("/previews").text
    images = re.findall(r'src="(/preview-img/[^"]+)"', html)
    slides = len(load_deck(REPO / "slides").slides)
    assert len(images) == slides * 2 + 2  # every slide in each language, and each menu
    assert any("menu-es.png" in src for src in images)
    answer = client.get(images[0])
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    picture = pygame.image.load(__import__("io").BytesIO(answer.content), "x.png")
    assert picture.get_size() == (1280, 800)
    # The draft's previews are drawn the same way, and the slide editor reuses them.
    draft = client.get("/previews?deck=draft")
    assert (
        draft.status_code == 200 and 'href="/previews?deck=draft" aria-current="page"' in draft.text
    )
    state = client.app.state.console  # type: ignore[attr-defined]
    key = state.previews.key(settings.home / "draft" / "slides", (1280, 800))
    assert state.previews.wait(key) is not None
    editor = client.get("/edit/slide/20-what-is-cvi.yaml/why-the-legs").text
    assert f"/preview-img/{key}/en/04-why-the-legs.png" in editor
    # Portrait screens get portrait previews.
    write_status(settings.status_path, screen_size=[800, 1280])
    assert "800×1280" in client.get("/previews").text


def test_preview_images_cannot_name_other_files(client, settings):
    secret = settings.cache_dir / "previews" / "secret.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("no")
    for path in (
        "/preview-img/..%2F..%2Fconfig/console-users",
        "/preview-img/live-" + "0" * 32 + "/..%2F..%2F..%2Fconfig%2Fconsole-users",
        "/preview-img/live-" + "0" * 32 + "/../secret.txt",
        "/preview-img/0123456789abcdef-1280x800/en/01-welcome.png",
    ):
        answer = client.get(path)
        assert answer.status_code != 200 and answer.text != "no", path


# -- statistics ----------------------------------------------------------------------------


def test_statistics_page_charts_and_tables_for_the_chosen_days(client):
    html = client.get("/stats?" + RANGE).text
    assert "<strong>2</strong> visitor sessions" in html
    assert "<strong>5</strong> slide views by visitors" in html
    for name in ("views", "reading", "hours", "weekdays", "languages", "larger-text"):
        assert f"/stats/chart/{name}.svg" in html
    # Median reading time leaves out flicks under a second; the table says so.
    assert re.search(r"what-is-cvi</th><td>3</td><td>0</td><td>15.5</td>", html)
    assert re.search(r"why-the-legs</th><td>1</td><td>0</td><td>–</td>", html)
    assert "<strong>3</strong> times A+ was switched on" in html


def test_charts_are_svg(client):
    for name in ("views", "reading", "hours", "weekdays", "languages", "larger-text"):
        answer = client.get(f"/stats/chart/{name}.svg?" + RANGE)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/svg+xml"
        assert answer.text.lstrip().startswith("<?xml") and "<svg" in answer.text
    assert client.get("/stats/chart/secrets.svg").status_code == 404


def test_csv_download_has_only_the_chosen_days(client):
    answer = client.get("/stats/views.csv?" + RANGE)
    assert (
        answer.headers["content-disposition"]
        == 'attachment; filename="kiosk-views-20261121-20261125.csv"'
    )
    lines = answer.text.splitlines()
    assert lines[0] == "minute,slide_id,mode,language,dwell_seconds"
    assert len(lines) == 1 + 6 and "2026-11-20" not in answer.text
    sessions = client.get("/stats/sessions.csv?" + RANGE).text.splitlines()
    assert sessions == [
        "minute,seconds,slides,languages",
        "2026-11-23 09:42,75.0,3,en",
        "2026-11-24 14:05,40.0,1,es",
    ]
    assert client.get("/stats/meta.csv").status_code == 404


def test_statistics_without_a_file_or_with_bad_dates(client, settings):
    assert "Dates are written as YYYY-MM-DD" in client.get("/stats?from=yesterday").text
    assert "first day is after the last" in client.get("/stats?from=2026-11-25&to=2026-11-01").text
    settings.stats_path.unlink()
    html = client.get("/stats").text
    assert "no statistics yet" in html
    assert not settings.stats_path.exists()  # read-only: never created by the console


# -- editing -------------------------------------------------------------------------------


def test_the_draft_starts_as_a_copy_of_the_bundled_deck(client, settings):
    client.get("/edit")
    for path in (REPO / "slides").glob("*.yaml"):
        assert (settings.home / "draft" / "slides" / path.name).read_bytes() == path.read_bytes()


def test_round_trip_keeps_every_bundled_file_byte_for_byte(tmp_path):
    for path in sorted((REPO / "slides").glob("*.yaml")):
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        editing.save(copy, editing.load(copy))
        assert copy.read_bytes() == path.read_bytes(), path.name


def test_editing_a_slide_changes_only_its_text_and_keeps_comments(client, settings):
    token = csrf(client)
    before = draft_file(settings).read_text()
    answer = client.post(
        SLIDE,
        data=edit_form(
            client,
            token,
            **{"body.en": "Gravity pulls blood down.", "body.es": "La gravedad baja la sangre."},
        ),
    )
    assert answer.status_code == 303 and "Saved" in answer.headers["location"]
    after = draft_file(settings).read_text()
    changes = [
        line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"
    ]
    assert changes == [
        "+     body:",
        "+       en: Gravity pulls blood down.",
        "+       es: La gravedad baja la sangre.",
    ]


def test_comments_survive_edits_of_a_commented_file(client, settings):
    token = csrf(client)
    path = draft_file(settings)
    text = path.read_text().replace(
        "  - id: why-the-legs\n",
        "  # Hand-written note: keep this slide short.\n  - id: why-the-legs  # reviewed by Dr. B\n",
    )
    path.write_text(text)
    client.post(SLIDE, data=edit_form(client, token, **{"title.en": "Why the legs?"}))
    after = path.read_text()
    assert "  # Hand-written note: keep this slide short.\n" in after
    assert "- id: why-the-legs  # reviewed by Dr. B\n" in after
    assert "      en: Why the legs?\n" in after


def test_bullets_need_the_same_count_in_every_language(client, settings):
    token = csrf(client)
    before = draft_file(settings).read_bytes()
    form = edit_form(client, token, **{"bullets.en": "One\nTwo"})
    answer = client.post(SLIDE, data=form)
    assert answer.status_code == 400 and "same number of bullets" in answer.text
    assert draft_file(settings).read_bytes() == before


def test_an_invalid_edit_shows_validate_messages_and_cannot_be_published(client, settings):
    token = csrf(client)
    client.post(SLIDE, data=edit_form(client, token, **{"title.en": ""}))
    page = client.get(SLIDE).text
    assert "slides/20-what-is-cvi.yaml:35: slides[2].title.en: is empty" in page
    answer = client.post("/publish", data={"csrf": token, "note": "broken"})
    assert answer.status_code == 409
    assert "Not published" in answer.text and "slides[2].title.en: is empty" in answer.text
    assert store.current_version(settings.home) is None
    assert "disabled" in client.get("/publish").text


def test_live_preview_draws_the_typed_text_without_saving(client, settings):
    token = csrf(client)
    before = draft_file(settings).read_bytes()
    first = client.post(f"{SLIDE}/preview", data=edit_form(client, token)).json()
    changed = client.post(
        f"{SLIDE}/preview", data=edit_form(client, token, **{"bullets.en": "A\nB\nC\nD"})
    ).json()
    assert first["problems"] == [] == changed["problems"]
    assert set(first["images"]) == {"en", "es"}
    old = client.get(first["images"]["en"]).content
    new = client.get(changed["images"]["en"]).content
    assert old != new
    assert client.get(first["images"]["es"]).content == client.get(changed["images"]["es"]).content
    assert draft_file(settings).read_bytes() == before
    broken = client.post(
        f"{SLIDE}/preview", data=edit_form(client, token, **{"title.es": ""})
    ).json()
    assert any("slides[2].title.es: is empty" in line for line in broken["problems"])
    mismatch = client.post(
        f"{SLIDE}/preview", data=edit_form(client, token, **{"bullets.es": "x"})
    ).json()
    assert "same number of bullets" in mismatch["error"]


def test_add_move_and_delete_slides(client, settings):
    token = csrf(client)
    answer = client.post(
        "/edit/add", data={"csrf": token, "file": SECTION, "id": "leg-care", "kind": "bullets"}
    )
    assert answer.status_code == 303 and answer.headers["location"].startswith(
        f"/edit/slide/{SECTION}/leg-care"
    )
    langs = ["en", "es"]
    ids = [s.id for s in editing.read_slides(draft_file(settings), langs)]
    assert ids == ["what-is-cvi", "one-way-valves", "why-the-legs", "leg-care"]
    client.post(f"/edit/slide/{SECTION}/leg-care/move", data={"csrf": token, "direction": "up"})
    ids = [s.id for s in editing.read_slides(draft_file(settings), langs)]
    assert ids == ["what-is-cvi", "one-way-valves", "leg-care", "why-the-legs"]
    client.post(f"/edit/slide/{SECTION}/leg-care/delete", data={"csrf": token})
    ids = [s.id for s in editing.read_slides(draft_file(settings), langs)]
    assert ids == ["what-is-cvi", "one-way-valves", "why-the-legs"]
    # The id rules are checked; a used id is refused.
    taken = client.post(
        "/edit/add", data={"csrf": token, "file": SECTION, "id": "welcome", "kind": "bullets"}
    )
    assert "already used" in taken.headers["location"].replace("+", " ")
    bad = client.post(
        "/edit/add", data={"csrf": token, "file": SECTION, "id": "Bad Id", "kind": "bullets"}
    )
    assert "Not+added" in bad.headers["location"]


def test_nothing_from_the_browser_names_a_path_outside_the_deck(client, settings):
    token = csrf(client)
    outside = settings.home / "outside.yaml"
    outside.write_text("slides:\n  - id: x\n")
    for file in (
        "../outside.yaml",
        "..%2Foutside.yaml",
        "%2Fetc%2Fpasswd",
        "deck.yaml",
        "nope.yaml",
    ):
        assert client.get(f"/edit/slide/{file}/x").status_code == 404, file
        assert client.post(f"/edit/slide/{file}/x", data={"csrf": token}).status_code in (
            303,
            404,
        ), file
        added = client.post(
            "/edit/add", data={"csrf": token, "file": file, "id": "y", "kind": "bullets"}
        )
        assert "Not+added" in added.headers["location"], file
    assert outside.read_text() == "slides:\n  - id: x\n"
    # Pictures: only the deck's own images may be chosen.
    answer = client.post(SLIDE, data=edit_form(client, token, image="../../../etc/passwd"))
    assert answer.status_code == 400 and "choose one of the deck" in answer.text
    assert client.get("/edit/images/..%2F..%2Fslides%2Fdeck.yaml").status_code == 404


def test_deck_settings_keep_comments(client, settings):
    token = csrf(client)
    deck = settings.home / "draft" / "slides" / "deck.yaml"
    form = {
        "csrf": token,
        "open": "08:00",
        "close": "17:30",
        "day.mon": "on",
        "day.wed": "on",
        "outside_hours": "sleep",
        "idle_timeout": "120",
        "take_home_url.en": "https://example.org/cvi",
        "take_home_url.es": "https://example.org/es/cvi",
    }
    assert client.post("/edit/settings", data=form).status_code == 303
    text = deck.read_text()
    assert (
        "idle_timeout: 120         # seconds without a touch" in text
    )  # the comment stays in its column
    assert (
        '  open: "08:00"' in text
        and "  days: [mon, wed]" in text
        and "outside_hours: sleep" in text
    )
    # One link per language, in the mapping the file already had (its comment kept).
    assert "  en: https://example.org/cvi" in text and "  es: https://example.org/es/cvi" in text
    assert "take_home_url:            # the QR code on the sources slides" in text
    assert load_deck(deck.parent).take_home_url_for("es") == "https://example.org/es/cvi"
    assert "# The CVI waiting-room deck." in text
    page = client.get("/edit/settings").text
    assert 'value="08:00"' in page and 'value="120"' in page
    assert 'value="https://example.org/es/cvi"' in page and "Take-home link in Español" in page
    same = {**form, "take_home_url.es": "https://example.org/cvi"}
    assert client.post("/edit/settings", data=same).status_code == 303
    assert "take_home_url: https://example.org/cvi" in deck.read_text()  # one for all
    assert load_deck(deck.parent).take_home_url_for("es") == "https://example.org/cvi"
    bad = client.post("/edit/settings", data={**form, "open": "8 am"})
    assert "error=" in bad.headers["location"]
    always = client.post(
        "/edit/settings", data={"csrf": token, "always_open": "on", "idle_timeout": "90"}
    )
    assert always.status_code == 303 and "schedule" not in deck.read_text()


# -- images ----------------------------------------------------------------------------------


def upload(client, token: str, name: str, data: bytes):
    return client.post(
        "/edit/images", data={"csrf": token}, files={"image": (name, data, "image/png")}
    )


def test_upload_a_checked_image_and_use_it(client, settings):
    token = csrf(client)
    answer = upload(client, token, "../../My Legs!.PNG", png(64, 48))
    assert answer.status_code == 303, answer.text
    stored = settings.home / "draft" / "assets" / "images" / "my-legs.png"
    assert stored.is_file()
    assert "images/my-legs.png" in client.get("/edit/images").text
    assert (
        client.get("/edit/images/my-legs.png")
        .headers["content-security-policy"]
        .endswith("sandbox")
    )
    client.post(SLIDE, data=edit_form(client, token, image="images/my-legs.png"))
    assert "    image: images/my-legs.png" in draft_file(settings).read_text()


def test_the_type_is_sniffed_from_the_content(client, settings):
    token = csrf(client)
    answer = upload(client, token, "notes.png", b"#!/bin/sh\necho not a picture\n")
    assert "cannot+be+used+as+a+picture" in answer.headers["location"]
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    assert upload(client, token, "drawing.png", svg).status_code == 303
    assert (settings.home / "draft" / "assets" / "images" / "drawing.svg").is_file()


def test_images_that_cannot_be_decoded_or_are_absurdly_large_are_refused(client, settings):
    token = csrf(client)
    broken = upload(client, token, "broken.png", png(64, 48, corrupt=True))
    assert "broken.png" in broken.headers["location"] and "error=" in broken.headers["location"]
    huge = upload(client, token, "huge.png", png(30000, 30000))
    assert "8192" in huge.headers["location"]
    assert sorted(
        p.name for p in (settings.home / "draft" / "assets" / "images").iterdir()
    ) == sorted(p.name for p in (REPO / "assets" / "images").iterdir())


def test_oversized_uploads_are_refused(client, settings):
    token = csrf(client)
    big = png(64, 48) + b"\0" * (3 * 1024 * 1024)
    assert upload(client, token, "big.png", big).status_code == 413
    assert not (settings.home / "draft" / "assets" / "images" / "big.png").exists()


# -- publishing and rolling back -----------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_publish_then_roll_back_restores_the_exact_files(client, settings, caplog):
    token = csrf(client)
    first = client.post("/publish", data={"csrf": token, "note": "first"})
    assert first.status_code == 303, first.text
    home = DeckHome(settings.home, REPO / "slides")
    version_one = home.current()
    assert version_one is not None and version_one.who == "alice" and version_one.note == "first"
    published_one = snapshot(version_one.folder.parent)
    assert published_one["slides/20-what-is-cvi.yaml"] == (REPO / "slides" / SECTION).read_bytes()

    client.post(
        SLIDE,
        data=edit_form(client, token, **{"body.en": "New words.", "body.es": "Palabras nuevas."}),
    )
    assert client.post("/publish", data={"csrf": token, "note": "second"}).status_code == 303
    version_two = home.current()
    assert version_two is not None and version_two.id != version_one.id
    assert "New words." in (version_two.folder / SECTION).read_text()
    assert [v.id for v in home.versions()] == [version_two.id, version_one.id]

    page = client.get("/publish").text
    assert version_one.id in page and version_two.id in page and "Make live again" in page
    back = client.post("/rollback", data={"csrf": token, "version": version_one.id})
    assert back.status_code == 303
    live = store.current_version(settings.home)
    assert live is not None
    assert snapshot(store.deck_folder(live).parent) == published_one  # the exact bytes
    assert snapshot((settings.home / "current").resolve()) == published_one
    history = client.get("/publish").text
    assert "alice: rollback " + version_one.id in history and "alice: publish" in history
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(f"published version {version_one.id} by alice") for m in messages)
    assert any(m == f"rolled back to version {version_one.id} by alice" for m in messages)


def test_rollback_to_an_unknown_version_is_refused(client, settings):
    token = csrf(client)
    for version in ("../../etc", "20990101T000000Z", ""):
        assert client.post("/rollback", data={"csrf": token, "version": version}).status_code == 404
    assert not (settings.home / "current").exists()


def test_discarding_the_draft_starts_again_from_the_live_deck(client, settings):
    token = csrf(client)
    client.post(SLIDE, data=edit_form(client, token, **{"title.en": "Changed"}))
    assert "unpublished changes" in client.get("/edit").text
    client.post("/edit/discard", data={"csrf": token})
    assert draft_file(settings).read_bytes() == (REPO / "slides" / SECTION).read_bytes()


def test_a_deck_managed_by_git_is_shown_read_only(client, settings):
    token = csrf(client)
    (settings.home / ".git").mkdir(parents=True)
    html = client.get("/edit").text
    assert "managed by git" in html and "Add a slide" not in html
    assert "readonly" in client.get(SLIDE).text
    before = draft_file(settings).read_bytes()
    for path, data in (
        (SLIDE, edit_form(client, token, **{"title.en": "x"})),
        ("/publish", {}),
        (f"{SLIDE}/delete", {}),
        ("/edit/add", {}),
    ):
        answer = client.post(path, data={"csrf": token, **data})
        assert answer.status_code == 409 and "managed by git" in answer.text, path
    assert draft_file(settings).read_bytes() == before


# -- staff PIN -------------------------------------------------------------------------------


def test_set_the_staff_pin_stored_only_as_a_hash(client, settings, caplog):
    token = csrf(client, "/pin")
    assert (
        "different"
        not in client.post(
            "/pin", data={"csrf": token, "pin": "12ab", "pin_again": "12ab"}
        ).headers["location"]
    )
    assert not settings.pin_path.exists()
    easy = client.post("/pin", data={"csrf": token, "pin": "123456", "pin_again": "123456"})
    assert "too+easy" in easy.headers["location"] and not settings.pin_path.exists()
    mismatch = client.post("/pin", data={"csrf": token, "pin": "975310", "pin_again": "975311"})
    assert "not+the+same" in mismatch.headers["location"] and not settings.pin_path.exists()
    assert (
        client.post(
            "/pin", data={"csrf": token, "pin": "975310", "pin_again": "975310"}
        ).status_code
        == 303
    )
    assert stat.S_IMODE(settings.pin_path.stat().st_mode) == 0o600
    stored = settings.pin_path.read_text()
    assert "975310" not in stored
    assert verify_pin(stored.strip(), "975310") and not verify_pin(stored.strip(), "975311")
    assert any(r.getMessage() == "staff PIN changed by alice" for r in caplog.records)
    assert all("975310" not in r.getMessage() for r in caplog.records)


# -- command line ----------------------------------------------------------------------------


def test_the_console_refuses_to_start_without_a_password(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert console_main([]) == 1
    assert "no staff password is set" in capsys.readouterr().err


def test_set_password_stores_an_argon2_hash(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("short\n"))
    assert console_main(["set-password", "--user", "bob", "--password-stdin"]) == 1
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a long enough password\n"))
    assert console_main(["set-password", "--user", "bob", "--password-stdin"]) == 0
    path = tmp_path / "config" / "cvi-kiosk" / "console-users"
    assert list(read_users(path)) == ["bob"] and read_users(path)["bob"].startswith("$argon2id$")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_listen_addresses():
    assert parse_listen("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert parse_listen("0.0.0.0:80") == ("0.0.0.0", 80)
    assert parse_listen("[::1]:8080") == ("::1", 8080)
    for bad in ("localhost:8080", "127.0.0.1", "127.0.0.1:0", "1.2.3.4:99999"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_listen(bad)


def test_kiosk_console_is_a_kiosk_command(tmp_path, monkeypatch, capsys):
    from kiosk.cli.main import main

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert main(["console"]) == 1
    assert "kiosk console set-password" in capsys.readouterr().err
    assert os.environ.get("SDL_VIDEODRIVER") == "dummy"


def test_the_console_unit_runs_the_console_on_this_computer_only():
    import shlex

    from kiosk.console.cli import build_parser

    text = (REPO / "deploy" / "cvi-kiosk-console.service").read_text()
    line = next(line for line in text.splitlines() if line.startswith("ExecStart="))
    argv = shlex.split(line.removeprefix("ExecStart="))
    assert argv[0] == "%h/cvi-kiosk/.venv/bin/kiosk" and argv[1] == "console"
    args = build_parser().parse_args(argv[2:])
    assert args.listen == ("127.0.0.1", 8080) and args.command is None


def test_a_screen_showing_a_git_checkout_makes_the_console_read_only(client, settings, tmp_path):
    token = csrf(client)
    checkout = tmp_path / "clone"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "slides").mkdir()
    write_status(
        settings.status_path,
        deck={
            "folder": str(checkout / "slides"),
            "hash": "",
            "version": "",
            "title": "t",
            "slides": 1,
            "languages": ["en"],
            "source": "folder",
        },
    )
    html = client.get("/edit").text
    assert f"managed by git in <code>{checkout}</code>" in html
    assert client.post("/edit/discard", data={"csrf": token}).status_code == 409


def test_a_screen_showing_another_folder_is_pointed_out(client, settings):
    html = client.get("/publish").text
    assert "The screen shows the deck in <code>/somewhere/slides</code>" in html
    write_status(
        settings.status_path,
        deck={
            "folder": str(settings.home / "versions" / "x" / "slides"),
            "hash": "",
            "version": "x",
            "title": "t",
            "slides": 1,
            "languages": ["en"],
            "source": "home",
        },
    )
    assert "The screen shows the deck in" not in client.get("/publish").text


def test_the_login_limiter_forgets_old_failures():
    from kiosk.console.auth import FAILURE_WINDOW, LoginLimiter

    clock = Clock()
    limiter = LoginLimiter(clock=clock)
    for number in range(10_001):
        limiter.failed(f"user:made-up-{number}")
    clock.now += FAILURE_WINDOW + 1
    limiter.failed("user:one-more")
    assert list(limiter.failures) == ["user:one-more"]


def test_old_preview_sets_are_removed(tmp_path):
    from kiosk.console.previews import KEEP_SETS, PreviewCache

    cache = PreviewCache(tmp_path / "previews")
    for number in range(KEEP_SETS + 5):
        folder = tmp_path / "previews" / f"{number:016x}-1280x800"
        folder.mkdir(parents=True)
        os.utime(folder, (number, number))
    cache._prune(lambda name: name.endswith("-1280x800"), KEEP_SETS)
    left = sorted(p.name for p in (tmp_path / "previews").iterdir())
    assert left == [f"{number:016x}-1280x800" for number in range(5, KEEP_SETS + 5)]
