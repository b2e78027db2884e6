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


# -- 10 and 2. the bundled deck in a clone is editable; the git sync's home is not -------------


def test_a_screen_showing_the_bundled_deck_of_a_clone_leaves_the_console_editable(
    client, settings, tmp_path
):
    import shutil

    from tests.console_helpers import REPO

    clone = tmp_path / "cvi-kiosk"  # docs/deploy.md: git clone ... ~/cvi-kiosk
    (clone / ".git").mkdir(parents=True)
    shutil.copytree(REPO / "slides", clone / "slides")
    settings.bundled = clone / "slides"
    deck = {"folder": str(clone / "slides"), "hash": "", "version": "", "title": "t",
            "slides": 28, "languages": ["en", "es"], "source": "bundled"}  # fmt: skip
    write_status(settings.status_path, deck=deck)
    token = csrf(client)
    page = client.get("/publish").text
    assert "managed by git" not in page and "Publish now" in page
    added = client.post(
        "/edit/add", data={"csrf": token, "file": SECTION, "id": "leg-care", "kind": "bullets"}
    )
    assert added.status_code == 303 and "leg-care" in added.headers["location"]


def test_a_home_the_git_sync_publishes_into_is_read_only(client, settings, tmp_path):
    from kiosk.decks import publish as publishing
    from tests.console_helpers import REPO

    token = csrf(client)
    publishing.publish(REPO / "slides", settings.home, who="git-sync", note="git-pull")
    page = client.get("/edit").text
    assert "managed by git" in page and "Add a slide" not in page
    answer = client.post(SLIDE, data=slide_form(client, token, **{"title.en": "x"}))
    assert answer.status_code == 409 and "managed by git" in answer.text


def test_an_enabled_sync_timer_makes_the_console_read_only(client, settings, tmp_path):
    timer = tmp_path / "systemd" / "user" / "timers.target.wants" / "cvi-kiosk-sync.timer"
    settings.sync_timer = timer
    assert "managed by git" not in client.get("/edit").text
    timer.parent.mkdir(parents=True)
    timer.symlink_to("/nowhere/cvi-kiosk-sync.timer")
    assert "managed by git" in client.get("/edit").text
    assert client.post("/edit/discard", data={"csrf": csrf(client)}).status_code == 409


# -- 5. a refused save keeps what was typed, with the reason beside the field ------------------


def test_a_refused_save_shows_what_was_typed_with_the_reason_beside_the_fields(client, settings):
    token = csrf(client)
    before = draft_file(settings).read_bytes()
    typed = "My careful new title"
    answer = client.post(
        SLIDE, data=slide_form(client, token, **{"title.en": typed, "bullets.en": "One\nTwo"})
    )
    assert answer.status_code == 400
    assert draft_file(settings).read_bytes() == before
    page = answer.text
    assert f'value="{typed}"' in page  # nothing typed is lost
    assert re.search(r'name="bullets\.en"[^>]*aria-invalid="true"[^>]*>One\nTwo</textarea>', page)
    beside = re.search(r'<p class="field-error" id="error-bullets-es">([^<]+)</p>', page)
    assert beside is not None and "same number of bullets" in beside[1]
    assert 'aria-invalid="true"' not in re.search(r'<input id="title-en"[^>]*>', page)[0]


# -- 3. two staff on one slide: a save based on an older version is refused --------------------


def test_two_staff_on_one_slide_never_overwrite_each_other(client, settings):
    from starlette.testclient import TestClient

    from kiosk.console.auth import set_password
    from tests.console_helpers import PASSWORD

    set_password(settings.users_path, "bob", PASSWORD)
    with TestClient(client.app, follow_redirects=False) as bob:
        assert login(bob, "bob").status_code == 303
        alice_form = slide_form(client, csrf(client))  # Alice opens the slide first
        bob_token = csrf(bob)
        assert "Also open by <strong>alice</strong>" in bob.get(SLIDE).text
        fix = "¿Por qué se afectan más las piernas?"
        saved = bob.post(SLIDE, data=slide_form(bob, bob_token, **{"title.es": fix}))
        assert saved.status_code == 303
        alice_form["body.en"] = "Alice's new body text."
        refused = client.post(SLIDE, data=alice_form)
    assert refused.status_code == 409
    page = refused.text
    assert "Saved meanwhile by bob" in page and fix in page  # Bob's version, shown
    assert "Alice&#39;s new body text." in page  # and what Alice typed, still in her form
    text = draft_file(settings).read_text()
    assert fix in text and "Alice's new body text." not in text
    # Saving again from the page she was shown (now based on Bob's version) goes through.
    again = slide_form(client, csrf(client), **{"body.en": "Alice's new body text."})
    assert client.post(SLIDE, data=again).status_code == 303
    text = draft_file(settings).read_text()
    assert fix in text and "Alice's new body text." in text


# -- 2. a publish based on a version that is no longer live never discards what changed --------


def _it_publishes(settings, tmp_path, change) -> None:
    """IT publishes with the CLI's code path from a copy of the live deck, changed."""
    import shutil

    from kiosk.decks import publish as publishing
    from kiosk.decks import store

    live = store.deck_folder(store.current_version(settings.home))
    folder = tmp_path / "it"
    shutil.copytree(live, folder / "slides")
    shutil.copytree(live.parent / "assets", folder / "assets")
    change(folder / "slides")
    publishing.publish(folder / "slides", settings.home, who="it", note="IT fixed a title")


def test_a_draft_older_than_the_live_version_is_not_published_over_it(client, settings, tmp_path):
    from kiosk.decks import store

    token = csrf(client)
    assert client.post("/publish", data={"csrf": token, "note": "first"}).status_code == 303
    ours = "Gravity pulls blood down."
    form = slide_form(client, token, **{"body.en": ours, "body.es": "La gravedad baja la sangre."})
    assert client.post(SLIDE, data=form).status_code == 303

    def retitle(slides):
        path = slides / "30-causes.yaml"
        path.write_text(path.read_text().replace("What causes CVI?", "Why does CVI happen?"))

    _it_publishes(settings, tmp_path, retitle)
    it_version = store.current_id(settings.home)
    refused = client.post("/publish", data={"csrf": token, "note": "mine"})
    assert refused.status_code == 409
    assert "Someone published after your draft was made" in refused.text
    assert "it published a new one" in refused.text and "slides/30-causes.yaml" in refused.text
    assert store.current_id(settings.home) == it_version  # nothing was undone
    assert "Bring their changes into my draft" in client.get("/publish").text
    rebased = client.post("/publish/rebase", data={"csrf": token})
    assert rebased.status_code == 303
    assert "includes the changes" in rebased.headers["location"].replace("+", " ")
    assert client.post("/publish", data={"csrf": token, "note": "mine"}).status_code == 303
    live = store.deck_folder(store.current_version(settings.home))
    assert "Why does CVI happen?" in (live / "30-causes.yaml").read_text()  # IT's change
    assert ours in (live / SECTION).read_text()  # and ours


def test_when_both_changed_the_same_file_the_console_says_so_and_changes_nothing(
    client, settings, tmp_path
):
    token = csrf(client)
    assert client.post("/publish", data={"csrf": token, "note": "first"}).status_code == 303
    form = slide_form(client, token, **{"body.en": "Ours.", "body.es": "Nuestro."})
    assert client.post(SLIDE, data=form).status_code == 303

    def retitle(slides):
        path = slides / SECTION
        path.write_text(path.read_text().replace("What is CVI?", "What is vein trouble?"))

    _it_publishes(settings, tmp_path, retitle)
    before = draft_file(settings).read_bytes()
    page = client.get("/publish").text
    assert "you changed it too" in page and "Bring their changes" not in page
    answer = client.post("/publish/rebase", data={"csrf": token})
    assert "changed+the+same+file" in answer.headers["location"]
    assert draft_file(settings).read_bytes() == before
    assert client.post("/publish", data={"csrf": token}).status_code == 409


# -- 7. an upload with a name in use asks: keep both, or replace (listing the slides) ----------


def test_an_upload_with_a_taken_name_asks_before_replacing_a_used_picture(client, settings):
    images = settings.home / "draft" / "assets" / "images"
    original = (images / "leg-veins.svg").read_bytes()
    drawing = (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" '
        b'height="10"><rect width="10" height="10"/></svg>'
    )
    token = csrf(client, "/edit/images")

    def send():
        return client.post(
            "/edit/images",
            data={"csrf": token},
            files={"image": ("leg-veins.svg", drawing, "image/svg+xml")},
        )

    asked = send()
    assert asked.status_code == 409
    assert "There is already a different picture called <code>images/leg-veins.svg</code>" in (
        asked.text
    )
    used = re.search(r"It is shown on (\d+) slide", asked.text)
    assert used is not None and int(used[1]) >= 2
    assert (images / "leg-veins.svg").read_bytes() == original  # nothing replaced yet
    pending = re.search(r'name="pending" value="([^"]+)"', asked.text)[1]
    kept = client.post(
        "/edit/images-pending", data={"csrf": token, "pending": pending, "choice": "keep-both"}
    )
    assert kept.status_code == 303 and "leg-veins-2.svg" in kept.headers["location"]
    assert (images / "leg-veins-2.svg").read_bytes() == drawing
    assert (images / "leg-veins.svg").read_bytes() == original
    pending = re.search(r'name="pending" value="([^"]+)"', send().text)[1]
    replaced = client.post(
        "/edit/images-pending", data={"csrf": token, "pending": pending, "choice": "replace"}
    )
    assert replaced.status_code == 303 and "Replaced" in replaced.headers["location"]
    assert (images / "leg-veins.svg").read_bytes() == drawing
    # The waiting upload is used once only.
    again = client.post(
        "/edit/images-pending", data={"csrf": token, "pending": pending, "choice": "replace"}
    )
    assert "no+longer+waiting" in again.headers["location"]


def test_a_refusal_is_shown_as_an_error_not_in_the_green_done_box(client):
    token = csrf(client)
    answer = client.post(
        "/edit/add", data={"csrf": token, "file": SECTION, "id": "Bad Id", "kind": "bullets"}
    )
    assert "done=" not in answer.headers["location"]
    page = client.get(answer.headers["location"]).text
    assert re.search(r'<p class="error" role="alert">Not added: a slide id is', page)
    assert 'class="flash"' not in page


# -- sessions: the Status page's own refresh is not activity ----------------------------------


def test_the_status_pages_auto_refresh_does_not_keep_a_session_alive(client, clock):
    assert 'content="10; url=/?auto=1"' in client.get("/").text
    for _ in range(4):  # 4 × 8 min of the page refreshing itself, nobody touching it
        clock.now += 8 * 60
        answer = client.get("/?auto=1")
        if answer.status_code != 200:
            break
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
