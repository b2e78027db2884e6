"""Editing the live folder never shows a partial file: files open for writing are not loaded."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.deck.content import load_deck
from kiosk.deck.model import Deck
from kiosk.decks.reload import DeckWatcher
from kiosk.decks.writers import Writer, open_for_writing, supported
from tests.helpers import FakeClock

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(not supported(), reason="needs Linux /proc")

START = """\
section: {en: Stockings, es: Medias}
slides:
  - id: stockings-note
    kind: bullets
    title: {en: Compression stockings, es: Medias de compresión}
    bullets:
      - es: No use medias de compresión a menos que su equipo de salud se las indique.
        en: Do not wear compression stockings"""
REST = " unless your care team has advised them.\n"
PARTIAL = "Do not wear compression stockings"
WHOLE = PARTIAL + REST.rstrip("\n")

# A writer that stops in the middle of a sentence: it writes the first half, flushes it (the
# file on disk is now valid YAML that says the opposite), then waits before finishing.
WRITER = """\
import sys, time
path, pause = sys.argv[1], sys.argv[2]
with open(path, "w", encoding="utf-8") as f:
    f.write(sys.argv[3])
    f.flush()
    print("paused", flush=True)
    if pause == "stdin":
        sys.stdin.readline()
    else:
        time.sleep(float(pause))
    f.write(sys.argv[4])
print("done", flush=True)
"""


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "slides", tmp_path / "slides")
    shutil.copytree(ROOT / "assets", tmp_path / "assets")
    return tmp_path / "slides"


def texts(deck: Deck) -> list[str]:
    return [b.get("en") for s in deck.slides for b in s.bullets]


def start_writer(path: Path, pause: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), pause, START, REST],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "paused"
    return process


def test_open_for_writing_sees_writers_not_readers(tmp_path):
    inside = tmp_path / "deck" / "a.yaml"
    inside.parent.mkdir()
    inside.write_text("x")
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("x")
    with open(inside, encoding="utf-8"):
        assert open_for_writing([inside.parent]) == []  # read-only: fine
    with open(outside, "a", encoding="utf-8"):
        assert open_for_writing([inside.parent]) == []  # not in the deck
    with open(inside, "r+", encoding="utf-8"):
        found = open_for_writing([inside.parent])
    assert [(w.path, w.command != "") for w in found] == [(str(inside), True)]
    assert open_for_writing([inside.parent]) == []
    assert open_for_writing([tmp_path / "missing"]) == []


def test_flags_are_read_from_fdinfo(tmp_path):
    """A fake /proc: O_WRONLY and O_RDWR count, O_RDONLY (with other bits) does not."""
    proc = tmp_path / "proc"
    deck = tmp_path / "deck"
    deck.mkdir()
    for pid, flags in (("10", "0100001"), ("11", "02"), ("12", "0100000"), ("13", "bogus")):
        (proc / pid / "fd").mkdir(parents=True)
        (proc / pid / "fdinfo").mkdir()
        (proc / pid / "fd" / "3").symlink_to(deck / f"{pid}.yaml")
        (proc / pid / "fdinfo" / "3").write_text(f"pos:\t0\nflags:\t{flags}\nmnt_id:\t1\n")
        (proc / pid / "comm").write_text(f"editor{pid}\n")
    (proc / "self").mkdir()
    (proc / "14").mkdir()  # a process that vanished: no fd folder
    found = sorted(open_for_writing([deck], proc=proc), key=lambda w: w.pid)
    assert found == [
        Writer(10, str(deck / "10.yaml"), "editor10"),
        Writer(11, str(deck / "11.yaml"), "editor11"),
    ]
    assert str(found[0]) == f"{deck / '10.yaml'} is open for writing by process 10 (editor10)"


def watch(deck_dir: Path, clock, **options) -> DeckWatcher:
    return DeckWatcher(deck_dir, load_deck(deck_dir), clock=clock, load=load_deck, **options)


def test_a_write_paused_mid_sentence_is_never_shown(deck_dir, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.decks.reload")
    clock = FakeClock()
    watcher = watch(deck_dir, clock)
    writer = start_writer(deck_dir / "75-stockings.yaml", "stdin")
    try:
        # The writer holds the file for 40 s of the kiosk's time: far past the settle time
        # (1.5 s) and the grace time (10 s). Nothing is loaded, nothing is given up.
        for _ in range(160):
            clock.advance(0.25)
            assert watcher.poll() is None
        assert watcher.pending and watcher.problems == ()
        assert "75-stockings.yaml is open for writing by process" in caplog.text
    finally:
        assert writer.communicate("go\n", timeout=30)[0].strip() == "done"
    shown = []
    for _ in range(20):
        clock.advance(0.25)
        deck = watcher.poll()
        if deck is not None:
            shown.append(deck)
    assert len(shown) == 1
    assert WHOLE in texts(shown[0]) and PARTIAL not in texts(shown[0])


def test_without_the_gate_the_same_write_would_be_shown(deck_dir):
    """Proof the test above can fail: the settle timer alone loads the half sentence."""
    clock = FakeClock()
    watcher = watch(deck_dir, clock, writers=lambda roots: [])
    writer = start_writer(deck_dir / "75-stockings.yaml", "stdin")
    try:
        shown = []
        for _ in range(40):
            clock.advance(0.25)
            deck = watcher.poll()
            if deck is not None:
                shown.append(deck)
        assert shown and PARTIAL in texts(shown[0])
    finally:
        writer.communicate("go\n", timeout=30)


def test_a_real_five_second_pause_is_never_shown(deck_dir):
    """The same with real time: a writer that sleeps 5 s mid-sentence, a watcher polling on
    the real clock with short settle and grace times."""
    watcher = watch(
        deck_dir, time.monotonic, poll_seconds=0.1, settle_seconds=0.3, grace_seconds=1.0
    )
    writer = start_writer(deck_dir / "75-stockings.yaml", "5")
    shown: list[Deck] = []
    finished_at = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        deck = watcher.poll()
        if deck is not None:
            shown.append(deck)
        if finished_at is None and writer.poll() is not None:
            finished_at = time.monotonic()
        if shown and finished_at is not None:
            break
        time.sleep(0.05)
    writer.communicate(timeout=10)
    assert writer.returncode == 0
    assert finished_at is not None and shown, "the finished file was never shown"
    for deck in shown:
        assert PARTIAL not in texts(deck)
    assert WHOLE in texts(shown[-1])
