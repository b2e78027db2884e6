"""The staff console never loses a nurse's work (issue 23), in process: each broken item of
the issue with the test that failed before its fix. The unprivileged real-process checks are
in test_console_process.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.console import editing
from kiosk.ops import pin as staff_pin
from tests.console_helpers import Clock, client_for, csrf, login, make_settings, write_status

SECTION = "20-what-is-cvi.yaml"
SLIDE = f"/edit/slide/{SECTION}/why-the-legs"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def settings(tmp_path, clock):
    made = make_settings(tmp_path, clock)
    write_status(made.status_path)
    return made


@pytest.fixture
def client(settings):
    with client_for(settings) as made:
        assert login(made).status_code == 303
        assert made.get("/edit").status_code == 200
        yield made


def draft_file(settings, name: str = SECTION) -> Path:
    return settings.home / "draft" / "slides" / name


def slide_form(client, token: str, path: str = SLIDE, **changes: str) -> dict[str, str]:
    """The slide form as the page fills it in (hidden fields too), with some fields changed."""
    import html

    page = client.get(path).text
    form = {"csrf": token}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page):
        form[name] = html.unescape(value)
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        form[name] = html.unescape(value)
    form["csrf"] = token
    form.update(changes)
    return form


# -- 1. the draft is writable; a file problem is one sentence --------------------------------


def test_a_draft_made_from_a_published_version_is_writable(client, settings):
    import stat

    token = csrf(client)
    assert client.post("/publish", data={"csrf": token, "note": "first"}).status_code == 303
    assert client.post("/edit/discard", data={"csrf": token}).status_code == 303
    for path in (settings.home / "draft").rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))


def test_a_read_only_draft_left_by_an_older_console_is_repaired(client, settings):
    import os
    import stat

    for folder, _dirs, files in os.walk(settings.home / "draft", topdown=False):
        for name in files:
            os.chmod(Path(folder) / name, 0o444)
        os.chmod(folder, 0o555)
    assert client.get("/edit").status_code == 200
    assert stat.S_IMODE(draft_file(settings).stat().st_mode) == 0o644
    assert stat.S_IMODE(draft_file(settings).parent.stat().st_mode) == 0o755


def test_a_file_the_console_cannot_write_is_named_not_an_internal_server_error(
    client, settings, monkeypatch
):
    token = csrf(client)

    def refuse(path, data):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(editing, "save", refuse)
    answer = client.post(SLIDE, data=slide_form(client, token, **{"title.en": "x"}))
    assert answer.status_code == 500
    assert "Internal Server Error" not in answer.text
    assert f"could not use {draft_file(settings)} (Permission denied)" in answer.text
    assert "chown" in answer.text


# -- 8. the PIN page says what the server checks ----------------------------------------------


def test_the_pin_page_asks_for_what_the_server_accepts(client):
    page = client.get("/pin").text
    low, high = staff_pin.MIN_DIGITS, staff_pin.MAX_DIGITS
    assert f"{low} to {high} digits" in page and "4 to 8" not in page
    patterns = re.findall(r'pattern="([^"]+)"', page)
    assert patterns and all(p == f"[0-9]{{{low},{high}}}" for p in patterns)
    assert all(not re.fullmatch(p, "1234") and re.fullmatch(p, "975310") for p in patterns)


# -- 6. GIF and WebP: what the upload accepts, the lists offer and the loader shows ------------


def test_uploaded_gif_and_webp_pictures_are_listed_and_can_be_chosen(client, settings):
    import io

    from PIL import Image

    from kiosk.deck.images import IMAGE_SUFFIXES

    token = csrf(client, "/edit/images")
    for name, kind in (("waves.gif", "GIF"), ("socks.webp", "WEBP")):
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, kind)
        answer = client.post(
            "/edit/images",
            data={"csrf": token},
            files={"image": (name, buffer.getvalue(), "application/octet-stream")},
        )
        assert answer.status_code == 303 and "Added" in answer.headers["location"], answer.text
        assert Path(name).suffix in IMAGE_SUFFIXES  # the deck loader takes the name too
    gallery = client.get("/edit/images").text
    assert "images/waves.gif" in gallery and "images/socks.webp" in gallery
    picker = client.get(SLIDE).text
    assert "<option>images/waves.gif</option>" in picker
    assert "<option>images/socks.webp</option>" in picker
    answer = client.post(SLIDE, data=slide_form(client, token, image="images/socks.webp"))
    assert answer.status_code == 303 and "Saved" in answer.headers["location"]
    assert "image: images/socks.webp" in draft_file(settings).read_text()
