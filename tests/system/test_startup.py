"""Start-up: follow a deck home, fall back to the last good deck, then the bundled one; keep the
last good deck; log every failure; shut down cleanly on signals."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.model import Deck
from kiosk.decks.follow import CurrentFollower
from kiosk.decks.lastgood import LastGoodKeeper, last_good_id, save_last_good
from kiosk.decks.publish import publish, rollback
from kiosk.decks.startup import (
    BUNDLED,
    CONFIGURED,
    LAST_GOOD,
    DeckSource,
    choose_deck,
    resolve_source,
    version_of,
)
from kiosk.decks.store import PublishError
from kiosk.ops.logs import install_excepthooks
from tests.helpers import FakeClock

ROOT = Path(__file__).resolve().parents[2]
BUNDLED_DECK = ROOT / "slides"


def no_checks(deck: Deck) -> list[str]:
    return []


def copy_deck(target: Path) -> Path:
    shutil.copytree(ROOT / "slides", target / "slides")
    shutil.copytree(ROOT / "assets", target / "assets")
    return target / "slides"


def retitle(slides: Path, title: str) -> None:
    """Change the deck's English title (a marker of which copy is on screen)."""
    path = slides / "deck.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  en:"))
    lines[at] = f'  en: "{title}"\n'
    path.write_text("".join(lines), encoding="utf-8")


def title_of(deck: Deck) -> str:
    return deck.title.get("en")


# -- choosing what to show -------------------------------------------------------------------


def test_resolve_source(tmp_path):
    home = tmp_path / "data" / "cvi-kiosk" / "decks"
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    # Without --deck the screen follows the default home from the start, published or not.
    assert resolve_source(None, BUNDLED_DECK, env) == DeckSource(home, True)
    home.mkdir(parents=True)
    assert resolve_source(None, BUNDLED_DECK, env) == DeckSource(home, True)
    (home / "current").symlink_to("versions/x")  # something was published here
    assert resolve_source(None, BUNDLED_DECK, env) == DeckSource(home, True)
    assert resolve_source(home, BUNDLED_DECK, env).home
    assert resolve_source(BUNDLED_DECK, BUNDLED_DECK, env) == DeckSource(BUNDLED_DECK, False)
    assert DeckSource(home, True).folder() == (tmp_path / home / "versions" / "x" / "slides")


def test_a_good_configured_deck_is_shown(tmp_path):
    slides = copy_deck(tmp_path / "edit")
    chosen = choose_deck(DeckSource(slides, False), no_checks, last_good=None, bundled=BUNDLED_DECK)
    assert chosen is not None and chosen.kind == CONFIGURED and not chosen.fallback
    assert chosen.reasons == []


def test_a_broken_deck_falls_back_to_the_last_good_one_then_the_bundled_one(tmp_path):
    broken = copy_deck(tmp_path / "edit")
    (broken / "deck.yaml").write_text("title: [cut off by a power failure", encoding="utf-8")
    last_good = copy_deck(tmp_path / "last")
    retitle(last_good, "Last good")
    source = DeckSource(broken, False)
    chosen = choose_deck(source, no_checks, last_good=last_good, bundled=BUNDLED_DECK)
    assert chosen is not None and chosen.kind == LAST_GOOD and chosen.fallback
    assert title_of(chosen.deck) == "Last good"
    assert chosen.reasons[0].startswith(f"the configured deck ({broken}) has ")
    assert "slides/deck.yaml:1" in chosen.reasons[0]
    # The last good copy is damaged too: the bundled deck, with both reasons.
    (last_good / "10-welcome.yaml").unlink()
    (last_good / "20-what-is-cvi.yaml").write_text("slides: 3\n", encoding="utf-8")
    chosen = choose_deck(source, no_checks, last_good=last_good, bundled=BUNDLED_DECK)
    assert chosen is not None and chosen.kind == BUNDLED and len(chosen.reasons) == 2


def test_a_deck_that_fails_the_screen_check_falls_back_too(tmp_path):
    slides = copy_deck(tmp_path / "edit")

    def too_big_here(deck: Deck) -> list[str]:
        return ["slides/20-what-is-cvi.yaml:5: text does not fit"] if deck.root == slides else []

    chosen = choose_deck(
        DeckSource(slides, False), too_big_here, last_good=None, bundled=BUNDLED_DECK
    )
    assert chosen is not None and chosen.kind == BUNDLED
    assert "text does not fit" in chosen.reasons[0]


def test_when_nothing_loads_there_is_no_deck_and_the_log_says_why(tmp_path, caplog):
    def crash(folder: Path) -> Deck:
        raise MemoryError("decoder blew up")

    chosen = choose_deck(
        DeckSource(tmp_path / "none", False),
        no_checks,
        last_good=None,
        bundled=BUNDLED_DECK,
        load=crash,
    )
    assert chosen is None
    assert "no deck can be shown" in caplog.text and "MemoryError: decoder blew up" in caplog.text


def test_a_home_with_nothing_published_yet_shows_the_bundled_deck_without_a_fallback(
    tmp_path, caplog
):
    caplog.set_level(logging.INFO)
    home = tmp_path / "home"
    chosen = choose_deck(DeckSource(home, True), no_checks, last_good=None, bundled=BUNDLED_DECK)
    assert chosen is not None and chosen.kind == BUNDLED
    assert not chosen.fallback and chosen.reasons == []
    assert f"nothing is published in {home} yet: showing the bundled deck" in caplog.text
    assert "FALLBACK" not in caplog.text and "problem" not in caplog.text
    last_good = copy_deck(tmp_path / "last")
    chosen = choose_deck(
        DeckSource(home, True), no_checks, last_good=last_good, bundled=BUNDLED_DECK
    )
    assert chosen is not None and chosen.kind == LAST_GOOD and not chosen.fallback


# -- following a deck home ---------------------------------------------------------------------


def test_a_follower_started_before_the_first_publish_switches_to_it(home_and_source, caplog):
    home, source = home_and_source
    clock = FakeClock()
    bundled = load_deck(BUNDLED_DECK)
    follower = CurrentFollower(home, bundled, clock=clock)
    for _ in range(3):
        clock.advance(1)
        assert follower.poll() is None
    assert "no current version" not in caplog.text  # not yet published is not a warning
    version = publish_titled(source, home, "First publish")
    follower.wake()  # SIGHUP: looks now, not at the next second
    deck = follower.poll()
    assert deck is not None and title_of(deck) == "First publish"
    assert deck.root.parent.name == version


@pytest.fixture
def home_and_source(tmp_path):
    source = copy_deck(tmp_path / "edit")
    home = tmp_path / "home"
    return home, source


def publish_titled(source: Path, home: Path, title: str) -> str:
    retitle(source, title)
    return publish(source, home, who="test", validate=lambda p: []).id


def test_the_follower_shows_each_new_current_version_once(home_and_source):
    home, source = home_and_source
    first = publish_titled(source, home, "First")
    clock = FakeClock()
    start = load_deck(home / "current" / "slides")
    follower = CurrentFollower(home, start, clock=clock)
    clock.advance(1)
    assert follower.poll() is None  # nothing switched
    second = publish_titled(source, home, "Second")
    assert follower.poll() is None  # polls once a second
    clock.advance(1)
    deck = follower.poll()
    assert deck is not None and title_of(deck) == "Second" and deck.root.parent.name == second
    clock.advance(1)
    assert follower.poll() is None
    rollback(home, first, who="test", validate=lambda p: [])
    follower.wake()  # SIGHUP: no waiting for the next second
    deck = follower.poll()
    assert deck is not None and title_of(deck) == "First"


def test_a_version_the_screen_rejects_is_reported_once_and_the_screen_stays(
    home_and_source, caplog
):
    home, source = home_and_source
    publish_titled(source, home, "First")
    clock = FakeClock()
    start = load_deck(home / "current" / "slides")

    def picky(deck: Deck) -> list[str]:
        return (
            ["slides/deck.yaml:1: title: too long for this screen"]
            if "Bad" in title_of(deck)
            else []
        )

    follower = CurrentFollower(home, start, clock=clock, check=picky)
    publish_titled(source, home, "Bad")
    for _ in range(3):
        clock.advance(1)
        assert follower.poll() is None
    assert caplog.text.count("not shown, still showing the previous deck") == 1
    assert follower.problems == ("slides/deck.yaml:1: title: too long for this screen",)
    assert follower.deck is start
    publish_titled(source, home, "Fixed")
    clock.advance(1)
    deck = follower.poll()
    assert deck is not None and title_of(deck) == "Fixed" and follower.problems == ()


def test_a_loader_crash_is_a_problem_not_a_crash(home_and_source):
    home, source = home_and_source
    publish_titled(source, home, "First")
    clock = FakeClock()

    def explode(folder: Path) -> Deck:
        raise DeckError([])

    follower = CurrentFollower(
        home, load_deck(home / "current" / "slides"), clock=clock, load=explode
    )
    publish_titled(source, home, "Second")
    clock.advance(1)
    assert follower.poll() is None and follower.problems


def test_version_of():
    assert version_of(Path("/h/versions/20261125T1-abc/slides")) == "20261125T1-abc"
    assert version_of(Path("/work/slides")) is None


# -- the last good deck -------------------------------------------------------------------------


def test_save_last_good_replaces_the_copy_atomically(tmp_path):
    slides = copy_deck(tmp_path / "edit")
    state = tmp_path / "state"
    assert save_last_good(slides, version="v1", state=state)
    link = state / "last-good"
    first_target = os.readlink(link)
    assert link.is_symlink() and (link / "slides" / "deck.yaml").is_file()
    assert (link / "assets" / "fonts" / "OFL.txt").is_file()
    assert last_good_id({"XDG_STATE_HOME": str(tmp_path / "state-parent")}) is None
    assert not save_last_good(slides, version="v1", state=state)  # same content: no copy
    retitle(slides, "Changed")
    assert save_last_good(slides, version="v2", state=state)
    assert os.readlink(link) != first_target and not (state / first_target).exists()
    assert title_of(load_deck(link / "slides")) == "Changed"
    assert sorted(p.name for p in state.iterdir()) == sorted(["last-good", os.readlink(link)])


def test_last_good_id_protects_the_version_from_pruning(tmp_path):
    slides = copy_deck(tmp_path / "edit")
    save_last_good(slides, version="20261125T000000Z-abc", state=tmp_path / "s" / "cvi-kiosk")
    assert last_good_id({"XDG_STATE_HOME": str(tmp_path / "s")}) == "20261125T000000Z-abc"


def test_a_deck_in_flux_does_not_replace_the_last_good_copy(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.decks.lastgood")
    slides = copy_deck(tmp_path / "edit")
    state = tmp_path / "state"
    save_last_good(slides, state=state)
    retitle(slides, "Half")
    with open(slides / "deck.yaml", "a", encoding="utf-8"):  # still being written
        with pytest.raises(PublishError, match="open for writing"):
            save_last_good(slides, state=state)
        keeper = LastGoodKeeper(state)
        keeper.submit(slides)
        keeper.wait()
    assert keeper.saved == 0 and "keeping the previous copy" in caplog.text
    assert title_of(load_deck(state / "last-good" / "slides")) != "Half"
    keeper.submit(slides)
    keeper.wait()
    assert keeper.saved == 1


def test_the_keeper_saves_off_the_calling_thread(tmp_path):
    slides = copy_deck(tmp_path / "edit")
    keeper = LastGoodKeeper(tmp_path / "state")
    caller = threading.current_thread()
    seen = []
    original = keeper._work

    def spy() -> None:
        seen.append(threading.current_thread())
        original()

    keeper._work = spy  # type: ignore[method-assign]
    keeper.submit(slides, "v")
    keeper.wait()
    assert seen and seen[0] is not caller and keeper.saved == 1


# -- uncaught errors ------------------------------------------------------------------------


def test_uncaught_errors_are_logged_with_their_traceback(caplog):
    saved = sys.excepthook, threading.excepthook
    try:
        install_excepthooks()
        try:
            raise RuntimeError("boom in the loop")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
        thread = threading.Thread(target=lambda: 1 / 0, name="worker")
        thread.start()
        thread.join()
    finally:
        sys.excepthook, threading.excepthook = saved
    records = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert [r.getMessage() for r in records] == [
        "uncaught error: boom in the loop",
        "uncaught error in thread worker: division by zero",
    ]
    assert all(r.exc_info for r in records)


# -- the real process ----------------------------------------------------------------------


def kiosk_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SDL_VIDEODRIVER": "dummy",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        **extra,
    }


def run_first_frame(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli.main", "run", "--windowed", "1280x800",
         "--first-frame-and-exit", *args],
        capture_output=True, text=True, cwd=ROOT, env=kiosk_env(tmp_path, **extra),
        timeout=120, check=False,
    )  # fmt: skip


def test_run_follows_the_default_deck_home_and_keeps_the_last_good_deck(tmp_path):
    slides = copy_deck(tmp_path / "edit")
    home = tmp_path / "data" / "cvi-kiosk" / "decks"
    version = publish(slides, home, who="test", validate=lambda p: []).id
    result = run_first_frame(tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"versions/{version}/slides (configured)" in result.stderr
    assert "no staff PIN is set on this machine" in result.stderr  # the start-up warning
    last_good = tmp_path / "state" / "cvi-kiosk" / "last-good"
    assert (last_good / "slides" / "deck.yaml").is_file()
    assert last_good_id({"XDG_STATE_HOME": str(tmp_path / "state")}) == version


def test_run_starts_on_the_last_good_deck_after_a_broken_sync(tmp_path):
    slides = copy_deck(tmp_path / "edit")
    retitle(slides, "Good edition")
    assert run_first_frame(tmp_path, "--deck", str(slides)).returncode == 0
    # A power cut during the next sync: half a file.
    (slides / "deck.yaml").write_text("title: Half\nlanguages: [en, e", encoding="utf-8")
    notify = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(notify))
        sock.settimeout(5)
        result = run_first_frame(tmp_path, "--deck", str(slides), NOTIFY_SOCKET=str(notify))
        # `systemctl status` shows it too.
        assert (
            sock.recv(4096)
            == f"READY=1\nSTATUS=showing {len(load_deck(ROOT / 'slides').slides)} slides (FALLBACK: last good deck)".encode()
        )
    assert result.returncode == 0, result.stderr
    log_text = (tmp_path / "state" / "cvi-kiosk" / "kiosk.log").read_text()
    for text in (result.stderr, log_text):
        assert "FALLBACK: showing the last good deck" in text
        assert "slides/deck.yaml:2" in text
    assert "(last good), 1280x800" in result.stderr


def test_a_running_kiosk_switches_to_the_first_publish(tmp_path):
    """A new screen: the service starts on the bundled deck with nothing published; the first
    `kiosk publish` (the console's, or the git sync's two minutes after boot) reaches it."""
    notify = tmp_path / "notify.sock"
    home = tmp_path / "data" / "cvi-kiosk" / "decks"
    slides = copy_deck(tmp_path / "edit")
    retitle(slides, "The first publish")
    state = tmp_path / "state" / "cvi-kiosk"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(notify))
        sock.settimeout(60)
        process = start_kiosk(tmp_path, notify)
        try:
            assert (
                sock.recv(4096)
                == f"READY=1\nSTATUS=showing {len(load_deck(BUNDLED_DECK).slides)} slides".encode()
            )
            published = subprocess.run(
                [sys.executable, "-m", "kiosk.cli.main", "publish", str(slides)],
                capture_output=True, text=True, cwd=ROOT, env=kiosk_env(tmp_path), timeout=120,
                check=False,
            )  # fmt: skip
            assert published.returncode == 0, published.stderr
            version = os.readlink(home / "current").split("/")[-1]
            process.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 60
            status: dict[str, object] = {}
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError, ValueError):
                    status = json.loads((state / "status.json").read_text())
                deck = status.get("deck")
                if isinstance(deck, dict) and deck.get("version") == version:
                    break
                time.sleep(0.2)
            assert isinstance(deck, dict), status
            assert deck["version"] == version and deck["title"] == "The first publish"
            assert deck["source"] == "configured"
            process.send_signal(signal.SIGTERM)
            out, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    log_text = (state / "kiosk.log").read_text()
    assert f"nothing is published in {home} yet: showing the bundled deck" in log_text
    assert "(bundled), 1280x800" in log_text and "(configured)" not in log_text
    assert "FALLBACK" not in log_text
    assert f"now showing published version {version}" in log_text
    assert "Traceback" not in err


def start_kiosk(tmp_path: Path, notify: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli.main", "run", "--windowed", "1280x800"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=kiosk_env(tmp_path, NOTIFY_SOCKET=str(notify)),
    )  # fmt: skip


@pytest.mark.parametrize("name", ["SIGTERM", "SIGINT", "SIGQUIT", "SIGUSR1", "SIGUSR2"])
def test_terminating_signals_shut_down_cleanly(tmp_path, name):
    notify = tmp_path / "notify.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(notify))
        sock.settimeout(60)
        process = start_kiosk(tmp_path, notify)
        try:
            assert sock.recv(4096).startswith(b"READY=1")
            if name == "SIGTERM":
                process.send_signal(signal.SIGHUP)  # first: a reload request does not stop it
                time.sleep(0.5)
                assert process.poll() is None
            process.send_signal(getattr(signal, name))
            out, err = process.communicate(timeout=60)
            assert sock.recv(4096) == b"STOPPING=1"
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0, err
    log_text = (tmp_path / "state" / "cvi-kiosk" / "kiosk.log").read_text()
    assert f"stopping: {name} received" in log_text and "kiosk stopped" in log_text
    if name == "SIGTERM":
        assert "SIGHUP received: looking for a new deck now" in log_text
    # Statistics were flushed: the database exists and was closed cleanly (no journal left).
    state = tmp_path / "state" / "cvi-kiosk"
    assert (state / "stats.sqlite3").is_file()
    assert not (state / "stats.sqlite3-journal").exists()
    assert "Traceback" not in err


def test_the_navigator_is_still_pure():
    # The staff check is injected; the pure modules import neither pygame nor argon2.
    code = (
        "import sys, kiosk.screen.navigator, kiosk.deck.content, kiosk.deck.model;"
        "print(sorted(m for m in ('pygame', 'argon2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout  # fmt: skip
    assert out.strip() == "[]"
