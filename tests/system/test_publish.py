"""Atomic publishing: whole, checked, immutable snapshots; `current` switched atomically."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kiosk.cli.main import main
from kiosk.deck.content import load_deck
from kiosk.decks import copying, store
from kiosk.decks import publish as pub
from kiosk.decks.publish import publish, rollback
from kiosk.decks.store import (
    PublishError,
    current_id,
    current_version,
    deck_folder,
    history,
    list_versions,
)

ROOT = Path(__file__).resolve().parents[2]


def no_checks(slides: Path) -> list[str]:
    return []


@pytest.fixture(autouse=True)
def private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pruning spares the version the kiosk's last good copy came from: read it from here.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """An editing folder: a copy of the bundled deck with its assets beside it."""
    folder = tmp_path / "edit"
    shutil.copytree(ROOT / "slides", folder / "slides")
    shutil.copytree(ROOT / "assets", folder / "assets")
    return folder / "slides"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def edit(source: Path, old: str, new: str, name: str = "20-what-is-cvi.yaml") -> None:
    path = source / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_publish_makes_a_checked_immutable_snapshot_and_points_current_at_it(source, home):
    version = publish(source, home, who="ana", note="first")
    assert current_id(home) == version.id
    assert os.readlink(home / "current") == f"versions/{version.id}"  # relative: movable home
    assert deck_folder(version) == home / "versions" / version.id / "slides"
    record = json.loads((version.path / "published.json").read_text())
    assert record["who"] == "ana" and record["note"] == "first"
    assert record["slide_count"] == len(load_deck(source).slides)
    assert len(record["deck_hash"]) == 16
    assert record["source"] == str(source.resolve()) and record["created"].endswith("Z")
    assert record["sequence"] == 1 and version.sequence == 1
    for name in ("deck.yaml", "10-welcome.yaml"):
        assert (deck_folder(version) / name).read_bytes() == (source / name).read_bytes()
    assert (version.path / "assets" / "fonts" / "OFL.txt").is_file()
    # Read-only files and folders: nobody edits a published version in place by accident.
    mode = (deck_folder(version) / "deck.yaml").stat().st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert not deck_folder(version).stat().st_mode & stat.S_IWUSR
    assert [e["action"] for e in history(home)] == ["publish"]
    assert not [p for p in home.iterdir() if p.name.startswith(".incoming-")]


def test_publishing_the_same_deck_again_changes_nothing_unless_forced(source, home):
    first = publish(source, home, who="git-sync", validate=no_checks)
    again = publish(source, home, who="git-sync", validate=no_checks)
    assert again == first and len(list_versions(home)) == 1
    forced = publish(source, home, who="ana", force=True, validate=no_checks)
    assert forced.id != first.id and forced.deck_hash == first.deck_hash
    edit(source, "What is CVI", "What is chronic venous insufficiency")
    changed = publish(source, home, who="ana", validate=no_checks)
    assert changed.deck_hash != first.deck_hash
    assert [v.id for v in list_versions(home)] == [changed.id, forced.id, first.id]


def test_an_invalid_deck_is_not_published_and_problems_name_the_deck_files(source, home):
    good = publish(source, home, who="ana")
    (source / "deck.yaml").write_text("title: T\nidle_timeout: soon\n", encoding="utf-8")
    with pytest.raises(PublishError) as caught:
        publish(source, home, who="ana")
    problems = caught.value.problems
    assert any(p.startswith("slides/deck.yaml:2: idle_timeout") for p in problems), problems
    assert not any(".incoming" in p for p in problems)
    assert current_id(home) == good.id and len(list_versions(home)) == 1
    assert not [p for p in home.iterdir() if p.name.startswith(".incoming-")]


def test_a_deck_that_does_not_fit_the_screen_is_not_published(source, home):
    edit(source, "CVI is short for", "Veins carry blood. " * 120 + "CVI is short for")
    with pytest.raises(PublishError) as caught:
        publish(source, home, who="ana")
    assert any("20-what-is-cvi.yaml" in p for p in caught.value.problems)
    assert current_version(home) is None


def test_a_source_that_changes_while_being_copied_is_refused(source, home, monkeypatch):
    original = copying._copy_file
    touched = []

    def copy_then_edit(src, target, name, before, problems):
        digest = original(src, target, name, before, problems)
        if not touched:  # a sync tool writes another file while we copy
            touched.append(name)
            (source / "85-when-to-call.yaml").write_text("section: Half\n", encoding="utf-8")
        return digest

    monkeypatch.setattr(copying, "_copy_file", copy_then_edit)
    with pytest.raises(PublishError) as caught:
        publish(source, home, who="ana", validate=no_checks)
    assert "changed while they were being copied" in caught.value.problems[0]
    assert current_version(home) is None and list_versions(home) == []


def test_a_file_changing_during_its_own_copy_is_refused(source, home, monkeypatch):
    real_read = os.read
    grown = []

    def read_and_grow(fd, size):
        data = real_read(fd, size)
        if data and not grown and os.fstat(fd).st_size == (source / "deck.yaml").stat().st_size:
            grown.append(True)
            with open(source / "deck.yaml", "a", encoding="utf-8") as handle:
                handle.write("# more\n")
        return data

    monkeypatch.setattr(copying.os, "read", read_and_grow)
    with pytest.raises(PublishError) as caught:
        publish(source, home, who="ana", validate=no_checks)
    assert any("changed" in p for p in caught.value.problems), caught.value.problems


def test_a_file_still_open_for_writing_is_not_published(source, home):
    target = source / "50-symptoms.yaml"
    code = (
        "import sys, time\n"
        f"f = open({str(target)!r}, 'a')\n"
        "print('open', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        with pytest.raises(PublishError) as caught:
            publish(source, home, who="ana", validate=no_checks)
        assert f"process {writer.pid}" in caught.value.problems[0]
        assert "50-symptoms.yaml is open for writing" in caught.value.problems[0]
    finally:
        writer.communicate("done\n", timeout=10)
    assert publish(source, home, who="ana", validate=no_checks).id == current_id(home)


def test_special_files_and_links_leaving_the_deck_are_refused_without_reading(
    source, home, tmp_path
):
    os.mkfifo(source / "zz-pipe.yaml")  # reading it would block forever
    outside = tmp_path / "secret.txt"
    outside.write_text("not part of the deck", encoding="utf-8")
    (source / "link.yaml").symlink_to(outside)
    with pytest.raises(PublishError) as caught:
        publish(source, home, who="ana", validate=no_checks)
    problems = caught.value.problems
    assert "slides/zz-pipe.yaml: a FIFO (named pipe), not a file; remove it" in problems
    assert any(p.startswith("slides/link.yaml: is a link to") for p in problems)


def test_a_link_inside_the_deck_is_published_as_a_plain_copy(source, home):
    (source.parent / "assets" / "images" / "copy.svg").symlink_to("walking.svg")
    version = publish(source, home, who="ana", validate=no_checks)
    copied = version.path / "assets" / "images" / "copy.svg"
    assert (
        not copied.is_symlink()
        and copied.read_bytes()
        == (source.parent / "assets" / "images" / "walking.svg").read_bytes()
    )


def test_old_versions_are_pruned_but_current_and_protected_ones_stay(source, home):
    ids = []
    for _ in range(6):
        ids.append(publish(source, home, who="ana", force=True, validate=no_checks).id)
        assert current_id(home) == ids[-1]
    assert [v.id for v in list_versions(home)] == ids[::-1]  # keep=20: all six
    rollback(home, ids[0], who="ana", validate=no_checks)
    newest = publish(source, home, who="ana", force=True, keep=2, validate=no_checks,
                     protect=[ids[2]])  # fmt: skip
    kept = {v.id for v in list_versions(home)}
    # The two newest, the one that was live just before (the rollback target), the protected.
    assert kept == {newest.id, ids[5], ids[0], ids[2]}
    assert not (home / "versions" / ids[1]).exists()


def test_rollback_switches_current_and_records_who(source, home):
    first = publish(source, home, who="ana", validate=no_checks)
    edit(source, "What is CVI", "What is chronic venous insufficiency")
    second = publish(source, home, who="ben", validate=no_checks)
    assert current_id(home) == second.id
    back = rollback(home, first.id, who="carla", note="typo in new version", validate=no_checks)
    assert back == first and current_id(home) == first.id
    assert history(home)[-1] | {"at": ""} == {
        "at": "",
        "action": "rollback",
        "id": first.id,
        "who": "carla",
        "note": "typo in new version",
    }
    for bad in ("nope", "../versions", ".incoming-x", ""):
        with pytest.raises(PublishError, match="no version"):
            rollback(home, bad, who="carla")
    assert current_id(home) == first.id


def test_rollback_recheck_refuses_a_version_the_current_rules_reject(source, home):
    first = publish(source, home, who="ana", validate=no_checks)
    publish(source, home, who="ana", force=True, validate=no_checks)
    with pytest.raises(PublishError, match="stricter"):
        rollback(home, first.id, who="ana", validate=lambda p: [f"{p}/deck.yaml: stricter"])


def test_a_publish_cut_off_midway_leaves_the_old_version_live_and_is_cleaned_up(source, home):
    good = publish(source, home, who="ana", validate=no_checks)
    # What a power cut leaves behind: a half-copied staging folder and a stray link.
    staging = home / ".incoming-cut"
    (staging / "slides").mkdir(parents=True)
    (staging / "slides" / "deck.yaml").write_text("title: half", encoding="utf-8")
    os.symlink("versions/nowhere", home / ".current-123-x")
    assert current_version(home) == good
    publish(source, home, who="ana", force=True, validate=no_checks)
    assert not staging.exists() and not os.path.lexists(home / ".current-123-x")


def test_readers_never_see_current_missing_or_half_made(source, home):
    publish(source, home, who="ana", validate=no_checks)
    seen: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            # What the kiosk does: follow the link, read the version's deck.
            seen.append((home / "current" / "slides" / "deck.yaml").read_text()[:5])
            seen.append((home / "current" / "published.json").read_text()[:1])

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(8):
            publish(source, home, who="ana", force=True, validate=no_checks)
    finally:
        stop.set()
        reader.join()
    assert seen and set(seen) <= {"{", (source / "deck.yaml").read_text()[:5]}


def test_concurrent_publishes_take_turns(source, home):
    results: list[object] = []

    def run() -> None:
        try:
            results.append(publish(source, home, who="t", force=True, validate=no_checks))
        except Exception as error:
            results.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, store.PublishedVersion) for r in results), results
    assert len({r.id for r in results if isinstance(r, store.PublishedVersion)}) == 3
    assert len(list_versions(home)) == 3


def test_a_checkout_folder_publishes_its_slides(source, home):
    version = publish(source.parent, home, who="git-sync", validate=no_checks)
    assert version.source == str(source.resolve())


def test_publish_versions_and_rollback_commands(source, home, capsys, monkeypatch):
    monkeypatch.setenv("USER", "dora")
    monkeypatch.setenv("XDG_STATE_HOME", str(home.parent / "state"))
    assert main(["publish", str(source), "--home", str(home), "--note", "first"]) == 0
    first = current_id(home)
    out = capsys.readouterr().out
    count = len(load_deck(source).slides)
    assert out.startswith(f"published {first}: {count} slides, now live in {home}")
    assert main(["publish", str(source), "--home", str(home)]) == 0
    assert capsys.readouterr().out.startswith(f"unchanged: {first} is already live")
    edit(source, "What is CVI", "What is chronic venous insufficiency")
    assert main(["publish", str(source), "--home", str(home), "--who", "eve"]) == 0
    second = current_id(home)
    capsys.readouterr()
    assert main(["versions", "--home", str(home)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"* {second}") and lines[0].rstrip().endswith("eve")
    assert lines[1].startswith(f"  {first}") and lines[1].endswith("dora  first")
    assert main(["rollback", str(first), "--home", str(home)]) == 0
    assert capsys.readouterr().out == f"{first} is live again ({count} slides)\n"
    assert current_id(home) == first
    (source / "deck.yaml").write_text("title: [broken\n", encoding="utf-8")
    assert main(["publish", str(source), "--home", str(home)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Nothing was published; ") and "\n  slides/deck.yaml:2: " in err
    assert current_id(home) == first


def test_default_home_follows_xdg():
    assert store.default_home({"XDG_DATA_HOME": "/d"}) == Path("/d/cvi-kiosk/decks")
    assert store.default_home({"HOME": "/h"}) == Path("/h/.local/share/cvi-kiosk/decks")


def test_wait_until_still_waits_for_a_sync_to_stop(source):
    from tests.helpers import FakeClock

    clock = FakeClock(0.0)
    writes = iter(range(5))

    def sleep(seconds: float) -> None:
        clock.advance(seconds)
        step = next(writes, None)
        if step is not None:  # a sync tool writes one file a second for 5 s
            (source / f"9{step}-new.yaml").write_text(f"# {step}\n", encoding="utf-8")

    assert pub.wait_until_still(source, 3.0, clock=clock, sleep=sleep)
    assert 7.0 <= clock.now <= 9.0  # 5 s of writes, then 3 s of quiet

    def busy(seconds: float) -> None:
        clock.advance(seconds)
        (source / "busy.yaml").write_text(str(clock.now), encoding="utf-8")

    assert not pub.wait_until_still(source, 3.0, limit=20.0, clock=clock, sleep=busy)


def test_publish_settle_option(source, home, capsys):
    assert (
        main(["publish", str(source), "--home", str(home), "--settle", "0.01", "--who", "sync"])
        == 0
    )
    assert capsys.readouterr().out.startswith("published ")


def test_the_version_the_kiosk_keeps_as_last_good_is_never_pruned(
    source, home, monkeypatch, tmp_path
):
    from kiosk.decks.lastgood import save_last_good

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    shown = publish(source, home, who="ana", validate=no_checks)
    save_last_good(deck_folder(shown), version=shown.id, state=tmp_path / "state" / "cvi-kiosk")
    # `kiosk publish` tells pruning which version this kiosk keeps (publish() never looks).
    for _ in range(4):
        args = ["publish", str(source), "--home", str(home), "--force", "--keep", "1"]
        assert main(args) == 0
    assert shown.id in {v.id for v in list_versions(home)}
    assert len(list_versions(home)) == 3  # newest, the one before it, and the shown one


def test_a_current_that_is_a_real_folder_is_not_replaced(source, home):
    (home / "current").mkdir(parents=True)
    with pytest.raises(PublishError, match="is a real folder"):
        publish(source, home, who="ana", validate=no_checks)
    assert (home / "current").is_dir() and not (home / "current").is_symlink()


def test_a_disk_error_is_one_sentence(source, home, capsys, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pub.tempfile, "mkdtemp", full)
    assert main(["publish", str(source), "--home", str(home)]) == 1
    assert capsys.readouterr().err == "Nothing changed: [Errno 28] No space left on device\n"
    assert current_version(home) is None
