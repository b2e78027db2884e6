"""Hot reload of the deck folder: debounce, atomic swap, grace for half-written files, and the
ways fleets actually deliver files (git pull, rsync-style renames). Time is a fake clock;
file mtimes are set by hand so that every change is visible whatever the filesystem's
timestamp resolution."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kiosk.decks.reload as reload_module
from kiosk.deck.content import DeckError, load_deck
from kiosk.deck.model import Deck
from kiosk.decks.reload import DeckWatcher, is_temporary, scan
from tests.helpers import FakeClock

DECK_YAML = "title: Clinic deck\nlanguages: [en]\n"


def section(name: str, *ids: str, title: str = "Title") -> str:
    lines = [f"section: {name}", "slides:"]
    for slide_id in ids:
        lines += [
            f"  - id: {slide_id}",
            "    kind: bullets",
            f"    title: {title} {slide_id}",
            "    bullets:",
            "      - Walk every day",
            "      - Raise your legs",
        ]
    return "\n".join(lines) + "\n"


class Files:
    """Writes deck files with strictly increasing, explicit mtimes: a change is always visible
    even where the filesystem keeps mtimes to the second (or to two seconds on FAT)."""

    def __init__(self) -> None:
        self.stamp = 1_700_000_000 * 10**9

    def touch(self, path: Path) -> None:
        self.stamp += 10**9
        os.utime(path, ns=(self.stamp, self.stamp))

    def write(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.touch(path)


@pytest.fixture
def files() -> Files:
    return Files()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_deck(root: Path, files: Files, **sections: str) -> Path:
    folder = root / "slides"
    files.write(folder / "deck.yaml", DECK_YAML)
    for name, text in (sections or {"10-legs": section("Legs", "walk", "raise")}).items():
        files.write(folder / f"{name}.yaml", text)
    return folder


def titles(deck: Deck) -> list[str]:
    return [slide.title.get("en") for slide in deck.slides]


class CountingLoad:
    """The real loader, counting calls; `before` runs first (to change files mid-load)."""

    def __init__(self, before: Callable[[int], None] | None = None) -> None:
        self.calls = 0
        self.before = before

    def __call__(self, folder: Path) -> Deck:
        self.calls += 1
        if self.before is not None:
            self.before(self.calls)
        return load_deck(folder)


def watch(folder: Path, clock: FakeClock, **options: object) -> DeckWatcher:
    return DeckWatcher(folder, load_deck(folder), clock=clock, **options)  # type: ignore[arg-type]


def run(
    watcher: DeckWatcher, clock: FakeClock, seconds: float, step: float = 0.1
) -> list[tuple[float, Deck]]:
    """Poll like the app loop would for `seconds`; every deck handed over, with its time."""
    swapped = []
    end = clock.now + seconds
    while clock.now < end - 1e-9:
        clock.advance(step)
        deck = watcher.poll()
        if deck is not None:
            swapped.append((clock.now, deck))
    return swapped


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.name == "kiosk.decks.reload" and r.levelno >= logging.ERROR
    ]


# -- change detection and debounce -----------------------------------------------------------


def test_nothing_changes_nothing_loads(tmp_path, files, clock):
    folder = make_deck(tmp_path, files)
    load = CountingLoad()
    watcher = watch(folder, clock, load=load)
    assert run(watcher, clock, 30) == []
    assert load.calls == 0 and watcher.problems == () and not watcher.pending


def test_an_edit_is_picked_up_after_settle_time_and_not_before(tmp_path, files, clock):
    folder = make_deck(tmp_path, files)
    watcher = watch(folder, clock, poll_seconds=1.0, settle_seconds=1.5)
    start = clock.now
    files.write(folder / "10-legs.yaml", section("Legs", "walk", "raise", title="New"))
    # The first scan after the edit is at start + 1 s; the deck may load 1.5 s after that.
    assert run(watcher, clock, 2.4) == []
    assert watcher.pending
    swapped = run(watcher, clock, 2.0)
    assert len(swapped) == 1
    at, deck = swapped[0]
    assert start + 2.5 - 1e-6 <= at <= start + 2.6
    assert titles(deck) == ["New walk", "New raise"]
    assert watcher.deck is deck and watcher.problems == () and not watcher.pending
    assert run(watcher, clock, 10) == []  # handed over exactly once


def test_a_burst_of_writes_loads_once(tmp_path, files, clock):
    folder = make_deck(tmp_path, files)
    load = CountingLoad()
    watcher = watch(folder, clock, load=load)
    # A sync tool copying files for 4 s, one every half second: never stable for 1.5 s.
    for round_ in range(8):
        files.write(folder / f"{20 + round_}-extra.yaml", section("More", f"extra-{round_}"))
        assert run(watcher, clock, 0.5) == []
    swapped = run(watcher, clock, 10)
    assert load.calls == 1
    assert len(swapped) == 1
    assert len(swapped[0][1].slides) == 2 + 8


def test_poll_is_cheap_until_due(tmp_path, files, clock, monkeypatch):
    folder = make_deck(tmp_path, files)
    watcher = watch(folder, clock, poll_seconds=1.0)
    scans = []
    real_scan = reload_module.scan

    def counting_scan(path: Path, limit: int = reload_module.MAX_ENTRIES) -> reload_module.Snapshot:
        scans.append(clock.now)
        return real_scan(path, limit)

    monkeypatch.setattr(reload_module, "scan", counting_scan)
    for _ in range(100):
        assert watcher.poll() is None
    assert scans == []
    assert watcher.next_due() == pytest.approx(clock.now + 1.0)
    clock.advance(1.0)
    watcher.poll()
    assert len(scans) == 1
    assert watcher.next_due() == pytest.approx(clock.now + 1.0)


def test_next_due_points_at_the_pending_load(tmp_path, files, clock):
    folder = make_deck(tmp_path, files)
    watcher = watch(folder, clock, poll_seconds=5.0, settle_seconds=1.5)
    files.write(folder / "10-legs.yaml", section("Legs", "walk", title="Changed"))
    clock.advance(5.0)
    assert watcher.poll() is None  # saw the change
    assert watcher.next_due() == pytest.approx(clock.now + 1.5)  # sooner than the next scan
    clock.now = watcher.next_due()
    deck = watcher.poll()
    assert deck is not None and titles(deck) == ["Changed walk"]


# -- broken edits, grace, problems -----------------------------------------------------------


def test_a_broken_edit_keeps_the_old_deck_then_reports_once_and_a_fix_swaps(
    tmp_path, files, clock, caplog
):
    caplog.set_level(logging.INFO, logger="kiosk.decks.reload")
    folder = make_deck(tmp_path, files)
    watcher = watch(folder, clock, grace_seconds=10.0)
    broken = section("Legs", "walk").replace("    bullets:", "    bulets:")
    files.write(folder / "10-legs.yaml", broken)

    # Within the grace time it is "not yet": no problems, nothing logged, nothing swapped.
    assert run(watcher, clock, 9.0) == []
    assert watcher.problems == ()
    assert errors_logged(caplog) == []

    assert run(watcher, clock, 3.0) == []
    assert watcher.problems
    assert all(p.startswith("slides/10-legs.yaml:") for p in watcher.problems)
    assert "slides/10-legs.yaml:6: slides[0].bulets: unknown field 'bulets'" in "\n".join(
        watcher.problems
    )
    assert len(errors_logged(caplog)) == 1
    assert "slides/10-legs.yaml:6" in errors_logged(caplog)[0].getMessage()

    # Given up for this version: no more loads, no more logging, the running deck stays.
    assert run(watcher, clock, 60) == []
    assert len(errors_logged(caplog)) == 1
    assert titles(watcher.deck) == ["Title walk", "Title raise"]

    files.write(folder / "10-legs.yaml", section("Legs", "walk", title="Fixed"))
    swapped = run(watcher, clock, 3.0)
    assert [titles(deck) for _, deck in swapped] == [["Fixed walk"]]
    assert watcher.problems == ()
    assert "deck reloaded: 1 slides" in caplog.messages
    assert len(errors_logged(caplog)) == 1


def test_a_half_written_file_completed_within_grace_never_surfaces(tmp_path, files, clock, caplog):
    folder = make_deck(tmp_path, files)
    watcher = watch(folder, clock)
    complete = section("Legs", "walk", "raise", "sit", title="Complete")
    # Cut off mid-way, as an editor or sync tool leaves it for a moment: "bullets:" and no list.
    files.write(folder / "10-legs.yaml", complete[: complete.index("      - Walk")])
    with pytest.raises(DeckError):
        load_deck(folder)
    for _ in range(40):  # 4 s: settles, fails to load, is retried, all quietly
        assert run(watcher, clock, 0.1) == []
        assert watcher.problems == ()
    files.write(folder / "10-legs.yaml", complete)
    swapped = run(watcher, clock, 4.0)
    assert [titles(deck) for _, deck in swapped] == [
        ["Complete walk", "Complete raise", "Complete sit"]
    ]
    assert watcher.problems == ()
    assert errors_logged(caplog) == []


def test_a_removed_slide_file_yields_a_deck_without_its_slides(tmp_path, files, clock):
    folder = make_deck(
        tmp_path,
        files,
        **{"10-legs": section("Legs", "walk"), "20-diet": section("Diet", "salt", "water")},
    )
    watcher = watch(folder, clock)
    assert len(watcher.deck.slides) == 3
    (folder / "20-diet.yaml").unlink()
    swapped = run(watcher, clock, 4.0)
    assert len(swapped) == 1
    assert [s.id for s in swapped[0][1].slides] == ["walk"]


def test_a_failing_check_blocks_the_swap(tmp_path, files, clock, caplog):
    folder = make_deck(tmp_path, files)
    problem = "slides/10-legs.yaml:3: slides[0].image: cannot decode images/legs.png"

    def check(deck: Deck) -> list[str]:
        return [problem] if any("Blurry" in t for t in titles(deck)) else []

    watcher = watch(folder, clock, check=check)
    files.write(folder / "10-legs.yaml", section("Legs", "walk", title="Blurry"))
    assert run(watcher, clock, 15.0) == []
    assert watcher.problems == (problem,)
    assert len(errors_logged(caplog)) == 1
    assert titles(watcher.deck) == ["Title walk", "Title raise"]

    files.write(folder / "10-legs.yaml", section("Legs", "walk", title="Sharp"))
    swapped = run(watcher, clock, 4.0)
    assert [titles(deck) for _, deck in swapped] == [["Sharp walk"]]
    assert watcher.problems == ()


def test_an_undone_edit_clears_problems_without_a_reload(tmp_path, files, clock):
    folder = make_deck(tmp_path, files)
    good = (folder / "10-legs.yaml").read_bytes()
    good_stat = (folder / "10-legs.yaml").stat()
    load = CountingLoad()
    watcher = watch(folder, clock, load=load)
    files.write(folder / "10-legs.yaml", "section: [oops\n")
    assert run(watcher, clock, 15.0) == []
    assert watcher.problems
    # Restored byte for byte with its old mtime, as `git checkout -- file` might after a revert.
    (folder / "10-legs.yaml").write_bytes(good)
    os.utime(folder / "10-legs.yaml", ns=(good_stat.st_mtime_ns, good_stat.st_mtime_ns))
    calls = load.calls
    assert run(watcher, clock, 4.0) == []
    assert watcher.problems == ()
    assert load.calls == calls


# -- nothing escapes ---------------------------------------------------------------------------


def test_an_exception_in_load_is_contained(tmp_path, files, clock, caplog):
    folder = make_deck(tmp_path, files)

    def exploding_load(path: Path) -> Deck:
        raise RuntimeError("disk on fire")

    watcher = DeckWatcher(folder, load_deck(folder), clock=clock, load=exploding_load)
    files.write(folder / "10-legs.yaml", section("Legs", "walk", title="New"))
    assert run(watcher, clock, 15.0) == []
    assert len(watcher.problems) == 1
    assert "RuntimeError: disk on fire" in watcher.problems[0]
    assert len(errors_logged(caplog)) == 1


def test_an_exception_in_check_is_contained(tmp_path, files, clock):
    folder = make_deck(tmp_path, files)

    def exploding_check(deck: Deck) -> list[str]:
        raise MemoryError("image too big")

    watcher = watch(folder, clock, check=exploding_check)
    files.write(folder / "10-legs.yaml", section("Legs", "walk", title="New"))
    assert run(watcher, clock, 15.0) == []
    assert "MemoryError: image too big" in watcher.problems[0]


def test_a_deleted_deck_folder_keeps_the_old_deck_and_recovers(tmp_path, files, clock, caplog):
    folder = make_deck(tmp_path, files)
    watcher = watch(folder, clock)
    shutil.rmtree(folder)
    assert run(watcher, clock, 15.0) == []
    (problem,) = watcher.problems
    assert "not found" in problem
    assert len(errors_logged(caplog)) == 1
    assert titles(watcher.deck) == ["Title walk", "Title raise"]
    assert run(watcher, clock, 30.0) == []
    assert len(errors_logged(caplog)) == 1

    make_deck(tmp_path, files, **{"10-legs": section("Legs", "walk", title="Back")})
    swapped = run(watcher, clock, 4.0)
    assert [titles(deck) for _, deck in swapped] == [["Back walk"]]
    assert watcher.problems == ()


def test_a_folder_briefly_missing_during_a_sync_never_surfaces(tmp_path, files, clock, caplog):
    folder = make_deck(tmp_path, files)
    watcher = watch(folder, clock)
    aside = tmp_path / "slides.old"
    folder.rename(aside)
    assert run(watcher, clock, 3.0) == []
    aside.rename(folder)
    files.write(folder / "10-legs.yaml", section("Legs", "walk", title="Synced"))
    swapped = run(watcher, clock, 4.0)
    assert [titles(deck) for _, deck in swapped] == [["Synced walk"]]
    assert errors_logged(caplog) == [] and watcher.problems == ()


def test_a_deck_with_no_slides_is_never_swapped_in(tmp_path, files, clock):
    folder = make_deck(tmp_path, files)
    empty = Deck(title=watch(folder, clock).deck.title, languages=("en",), slides=(), root=folder)
    watcher = watch(folder, clock, load=lambda path: empty)
    files.touch(folder / "10-legs.yaml")
    assert run(watcher, clock, 15.0) == []
    assert "no slides" in watcher.problems[0]


# -- what counts as a change ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        ".10-legs.yaml.swp",
        "10-legs.yaml.swp",
        "4913",
        "10-legs.yaml~",
        ".#10-legs.yaml",
        "#10-legs.yaml#",
        "10-legs.yaml.tmp",
        "10-legs.yaml.part",
        ".syncthing.10-legs.yaml.tmp",
        ".10-legs.yaml.Xa81bC",  # rsync's temp name
    ],
)
def test_editor_and_sync_temp_files_do_not_trigger_reloads(tmp_path, files, clock, name):
    assert is_temporary(name)
    folder = make_deck(tmp_path, files)
    load = CountingLoad()
    watcher = watch(folder, clock, load=load)
    files.write(folder / name, "half a file")
    files.write(tmp_path / "assets" / "images" / name, "half an image")
    assert run(watcher, clock, 5.0) == []
    (folder / name).unlink()
    assert run(watcher, clock, 5.0) == []
    assert load.calls == 0 and not watcher.pending


def test_ordinary_names_are_not_temporary():
    for name in ("10-legs.yaml", "deck.yaml", "legs.png", "tmp.yaml", "swap.svg"):
        assert not is_temporary(name)


def test_a_changed_image_in_assets_reloads(tmp_path, files, clock):
    folder = make_deck(tmp_path, files)
    files.write(tmp_path / "assets" / "images" / "legs.png", "v1")
    load = CountingLoad()
    watcher = watch(folder, clock, load=load)
    files.write(tmp_path / "assets" / "images" / "legs.png", "version 2")
    assert len(run(watcher, clock, 4.0)) == 1
    assert load.calls == 1


def test_the_scan_follows_no_symlinked_folders_and_is_bounded(tmp_path, files):
    folder = make_deck(tmp_path, files)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    entries = scan(folder).entries
    assert entries and not any("loop" in entry[0] for entry in entries)
    for index in range(20):
        files.write(folder / "many" / f"{index}.txt", "x")
    assert scan(folder, limit=10).error is not None
    assert scan(folder, limit=100).error is None


def test_a_change_during_load_is_discarded_and_retried(tmp_path, files, clock):
    folder = make_deck(tmp_path, files)

    def change_underneath(call: int) -> None:
        if call == 1:  # the sync tool writes the next file while we read
            files.write(folder / "20-diet.yaml", section("Diet", "salt", title="Late"))

    load = CountingLoad(before=change_underneath)
    watcher = watch(folder, clock, load=load)
    files.write(folder / "10-legs.yaml", section("Legs", "walk", title="Early"))
    swapped = run(watcher, clock, 10.0)
    assert load.calls == 2
    assert [titles(deck) for _, deck in swapped] == [["Early walk", "Late salt"]]


def test_reload_never_imports_pygame():
    code = "import sys; sys.modules['pygame'] = None; import kiosk.decks.reload"
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


# -- how fleets deliver files --------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        [
            "git",
            "-c",
            "user.name=Kiosk Test",
            "-c",
            "user.email=kiosk@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
    )
    return result.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_fleet_git_pull_on_another_screen_swaps_in_the_new_deck(tmp_path, files, clock):
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--bare", str(remote))
    editor = tmp_path / "editor"
    git(tmp_path, "clone", str(remote), str(editor))
    make_deck(editor, files, **{"10-legs": section("Legs", "walk", "raise")})
    git(editor, "add", "-A")
    git(editor, "commit", "-m", "first deck")
    git(editor, "push", "origin", "HEAD:main")

    screen = tmp_path / "screen"
    git(tmp_path, "clone", "--branch", "main", str(remote), str(screen))
    watcher = watch(screen / "slides", clock)
    assert run(watcher, clock, 5.0) == []  # .git/ activity is not a deck change

    (editor / "slides" / "10-legs.yaml").write_text(
        section("Legs", "walk", title="Pulled"), encoding="utf-8"
    )
    (editor / "slides" / "20-diet.yaml").write_text(section("Diet", "salt"), encoding="utf-8")
    git(editor, "add", "-A")
    git(editor, "commit", "-m", "new slides")
    git(editor, "push", "origin", "HEAD:main")
    git(screen, "pull", "--ff-only", "origin", "main")

    swapped = run(watcher, clock, 5.0)
    assert [titles(deck) for _, deck in swapped] == [["Pulled walk", "Title salt"]]
    assert watcher.problems == ()


def test_rsync_style_renames_end_on_the_complete_new_deck(tmp_path, files, clock, caplog):
    folder = make_deck(
        tmp_path,
        files,
        **{"10-legs": section("Legs", "walk"), "30-old": section("Old", "gone")},
    )
    watcher = watch(folder, clock)
    staging = tmp_path / "staging"
    files.write(staging / "deck.yaml", "title: Clinic deck v2\n")
    files.write(staging / "10-legs.yaml", section("Legs", "walk", title="V2"))
    files.write(staging / "20-diet.yaml", section("Diet", "salt", title="V2"))
    files.write(staging / "25-rest.yaml", section("Rest", "nap", title="V2"))

    # One file at a time, with pauses long enough that the watcher may load in between:
    # every step it swaps in must be a whole, valid deck, and the last one must be v2.
    swapped = []
    for name in ("deck.yaml", "10-legs.yaml", "20-diet.yaml", "25-rest.yaml"):
        os.replace(staging / name, folder / name)
        swapped += run(watcher, clock, 1.7)
    (folder / "30-old.yaml").unlink()  # --delete-after
    swapped += run(watcher, clock, 5.0)

    assert swapped
    final = swapped[-1][1]
    assert final is watcher.deck
    assert final.title.get("en") == "Clinic deck v2"
    assert titles(final) == ["V2 walk", "V2 salt", "V2 nap"]
    assert errors_logged(caplog) == []


def test_rsync_style_renames_in_quick_succession_load_once(tmp_path, files, clock):
    folder = make_deck(tmp_path, files)
    load = CountingLoad()
    watcher = watch(folder, clock, load=load)
    staging = tmp_path / "staging"
    for index in range(5):
        files.write(staging / f"{20 + index}-new.yaml", section("New", f"new-{index}"))
    for index in range(5):
        os.replace(staging / f"{20 + index}-new.yaml", folder / f"{20 + index}-new.yaml")
        assert run(watcher, clock, 0.6) == []
    swapped = run(watcher, clock, 5.0)
    assert load.calls == 1 and len(swapped) == 1
    assert len(swapped[0][1].slides) == 2 + 5


# -- any sequence of edits ends right ----------------------------------------------------------

EDITS = st.lists(
    st.tuples(
        st.sampled_from(["good", "broken", "half", "delete", "temp"]),
        st.sampled_from(["10-legs", "20-diet"]),
        st.sampled_from([0.0, 0.3, 1.0, 1.6, 4.0, 12.0]),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(edits=EDITS)
def test_any_sequence_of_edits_ends_on_what_the_folder_holds(edits):
    with tempfile.TemporaryDirectory() as tmp:
        files, clock = Files(), FakeClock()
        folder = make_deck(Path(tmp), files)
        watcher = watch(folder, clock)
        for version, (kind, name, pause) in enumerate(edits):
            path = folder / f"{name}.yaml"
            good = section(name.split("-")[1], f"{name}-v{version}", title=f"V{version}")
            if kind == "good":
                files.write(path, good)
            elif kind == "broken":
                files.write(path, good.replace("kind:", "knd:"))
            elif kind == "half":
                files.write(path, good[: len(good) // 2])
            elif kind == "delete" and path.exists():
                path.unlink()
            elif kind == "temp":
                files.write(folder / f".{name}.yaml.swp", "junk")
            for _, deck in run(watcher, clock, pause, step=0.3):
                assert deck.slides  # only whole, valid decks are ever handed over
        run(watcher, clock, 20.0, step=0.5)  # quiet long enough to settle and pass grace
        try:
            expected = load_deck(folder)
        except DeckError as error:
            assert watcher.problems == tuple(str(e) for e in error.errors)
        else:
            assert watcher.problems == ()
            assert titles(watcher.deck) == titles(expected)
