"""`kiosk metrics`: what a real kiosk's status file becomes, served by a real exporter process,
checked with the official parser and with Prometheus' own linter (`promtool check metrics`)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pygame
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from kiosk.deck.content import load_deck
from kiosk.deck.model import base_id
from kiosk.ops.metrics import (
    OTHER,
    STALE_SECONDS,
    StatusCollector,
    build_registry,
    metrics_main,
    parse_listen,
    write_textfile,
)
from kiosk.ops.stats.recorder import StatsRecorder
from kiosk.ops.status import SCHEMA, StatusWriter
from kiosk.screen.app import KioskApp
from kiosk.screen.intents import LANGUAGE, LARGER_TEXT, NEXT, WAKE
from tests.helpers import FakeClock

ROOT = Path(__file__).resolve().parents[2]
DECK_DIR = ROOT / "slides"
KIOSK = [sys.executable, "-m", "kiosk.cli.main"]
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool is missing: install Debian's prometheus package (.ci/run does)",
)


def samples(registry) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample the registry exposes, parsed back from the text format."""
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def private(collector: StatusCollector) -> CollectorRegistry:
    """A registry like build_registry's, holding a collector with the test's clock."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return registry


def value(found, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted({"screen": "lobby-left", **labels}.items())))]


@pytest.fixture
def kiosk(tmp_path):
    """A real app on the bundled deck writing a real status file; a visitor reads a little."""
    pygame.display.init()
    display = pygame.display.set_mode((1280, 800))
    clock = FakeClock()
    wall = FakeClock(1_700_000_000.0)
    stats = StatsRecorder(tmp_path / "stats.sqlite3", clock=clock)
    app = KioskApp(
        load_deck(DECK_DIR),
        display,
        windowed=True,
        clock=clock,
        sleep=clock.sleep,
        events=list,
        flip=lambda: None,
        stats=stats,
        status=StatusWriter(tmp_path / "state" / "status.json"),
        screen_name="lobby-left",
        deck_info={"source": "folder", "version": "v7", "hash": "0123456789abcdef"},
        wall=wall,
    )

    def run(seconds: float) -> None:
        end = clock.now + seconds
        while clock.now < end:
            app.step()
            clock.advance(0.05)
            wall.advance(0.05)

    run(30)  # two attract slides go by
    nav = app.navigator
    nav.handle(WAKE)
    run(3)
    nav.handle(NEXT)
    run(5)
    nav.handle(LANGUAGE)
    run(4)
    nav.handle(LARGER_TEXT)
    run(3)
    # Next until another slide (larger text may have split this one into pages): that ends
    # the Spanish view, which is then recorded.
    reading = base_id(nav.deck.slides[nav.index].id)
    while base_id(nav.deck.slides[nav.index].id) == reading:
        nav.handle(NEXT)
        run(1)
    run(2)
    yield app, wall
    stats.close()
    pygame.display.quit()


def test_a_kiosks_status_becomes_its_metrics(kiosk):
    app, wall = kiosk
    status = json.loads(app.status.path.read_text())
    found = samples(private(StatusCollector(app.status.path, "lobby-left", wall=lambda: wall.now)))
    assert value(found, "kiosk_up") == 1
    assert 0 <= value(found, "kiosk_status_age_seconds") <= 2.1
    assert value(found, "kiosk_info", version=status["version"]) == 1
    assert value(found, "kiosk_start_time_seconds") == status["started_at"]
    assert value(found, "kiosk_last_frame_timestamp_seconds") == status["last_frame_at"]
    assert value(found, "kiosk_frames_drawn_total") == status["frames_drawn"] > 10
    assert value(found, "kiosk_mode", mode="browsing") == 1
    assert (
        value(found, "kiosk_mode", mode="attract") == value(found, "kiosk_mode", mode="rest") == 0
    )
    deck = {
        "deck_version": "v7",
        "hash": "0123456789abcdef",
        "source": "folder",
        "languages": "en,es",
    }
    assert value(found, "kiosk_deck_info", **deck) == 1
    assert value(found, "kiosk_deck_slides") == len(app.deck.slides)
    assert value(found, "kiosk_deck_reloads_total", result="ok") == 0
    assert value(found, "kiosk_deck_reloads_total", result="refused") == 0
    assert value(found, "kiosk_fallback_to_last_good_total") == 0
    assert value(found, "kiosk_slides_skipped_total") == status["counters"]["slides_skipped"] == 0
    assert value(found, "kiosk_language_switches_total") == 1
    assert value(found, "kiosk_larger_text_total") == 1
    assert value(found, "kiosk_visitor_sessions_total") == status["counters"]["sessions"]
    assert value(found, "kiosk_resident_memory_bytes") == status["memory_bytes"] > 10_000_000
    # The views: exactly the status rows (which are the statistics database's rows).
    rows = status["counters"]["views"]
    assert {r["mode"] for r in rows} == {"attract", "browsing"}
    assert {r["language"] for r in rows} == {"en", "es"}
    for row in rows:
        labels = {"slide": row["slide"], "language": row["language"], "mode": row["mode"]}
        assert value(found, "kiosk_slide_views_total", **labels) == row["views"]
        assert value(found, "kiosk_slide_reading_seconds_total", **labels) == row["seconds"]
    exposed = [key for key in found if key[0] == "kiosk_slide_views_total"]
    assert len(exposed) == len(rows)
    # Every series names the screen: merged fleets need nothing else.
    assert all(dict(labels).get("screen") == "lobby-left" for _, labels in found)


def test_cpu_and_memory_come_from_the_kiosk_process_not_the_exporter(kiosk):
    app, wall = kiosk
    status = json.loads(app.status.path.read_text())
    found = samples(build_registry(app.status.path, "lobby-left"))
    assert value(found, "kiosk_cpu_seconds_total") == status["cpu_seconds"]
    # The private registry holds the kiosk's collector only: no python_gc_*, no process_*.
    assert {name.split("_")[0] for name, _ in found} == {"kiosk"}


def write_status(path: Path, **fields) -> None:
    base = {"schema": SCHEMA, "updated_at": 1000.0, "started_at": 900.0, "mode": "attract"}
    path.write_text(json.dumps({**base, **fields}))


def test_a_stale_status_says_the_kiosk_is_down_but_keeps_its_last_frame(tmp_path):
    path = tmp_path / "status.json"
    write_status(path, last_frame_at=990.0, frames_drawn=5)
    now = [1000.0 + STALE_SECONDS]
    registry = private(StatusCollector(path, "lobby-left", wall=lambda: now[0]))
    found = samples(registry)
    assert value(found, "kiosk_up") == 1  # exactly at the limit: still fine
    now[0] += 1
    found = samples(registry)
    assert value(found, "kiosk_up") == 0
    assert value(found, "kiosk_status_age_seconds") == STALE_SECONDS + 1
    # What the screen last drew stays visible: "not drawing for 2 minutes" is computed from it.
    assert value(found, "kiosk_last_frame_timestamp_seconds") == 990.0


@pytest.mark.parametrize(
    ("content", "damaged"),
    [
        (None, 0.0),
        ('{"schema": 1}', 0.0),
        ("", 1.0),
        ('{"schema": 1, "upd', 1.0),
        ('{"schema": 999}', 1.0),
        ("[]", 1.0),
        ("fifo", 1.0),
        ("link", 1.0),
    ],
)
def test_a_missing_or_broken_status_exposes_only_kiosk_up_0_and_says_which(
    tmp_path, content, damaged
):
    path = tmp_path / "status.json"
    if content == "fifo":
        os.mkfifo(path)  # a reader without O_NONBLOCK would wait here for ever
    elif content == "link":
        (tmp_path / "elsewhere.json").write_text('{"schema": 1, "updated_at": 1}')
        path.symlink_to("elsewhere.json")
    elif content is not None:
        path.write_text(content)
    found = samples(build_registry(path, "lobby-left"))
    assert found == {
        ("kiosk_up", (("screen", "lobby-left"),)): 0.0,
        ("kiosk_status_file_damaged", (("screen", "lobby-left"),)): damaged,
    }


def test_labels_stay_bounded_whatever_the_status_file_says(tmp_path):
    """Free text never becomes a label; rows that do not fit are summed under `_other`, so the
    fleet's totals still equal the statistics."""
    path = tmp_path / "status.json"
    views = [
        {"slide": "welcome", "language": "en", "mode": "attract", "views": 2, "seconds": 24.0},
        {"slide": 'x"}\nevil', "language": "en", "mode": "attract", "views": 1, "seconds": 1.5},
        {"slide": "a b c", "language": "en", "mode": "attract", "views": 1, "seconds": 2.5},
        {"slide": "welcome", "language": "English!", "mode": "browsing", "views": 4, "seconds": 8},
        {"slide": "welcome", "language": "en", "mode": "dancing", "views": 9, "seconds": 9},
        {"slide": "welcome", "language": "en", "mode": "browsing", "views": "x", "seconds": 1},
        "not a row",
    ]
    write_status(
        path,
        updated_at=time.time(),
        version="1.0 beta; rm -rf",
        deck={"version": "v 7", "hash": "NOT-HEX", "source": "folder", "languages": ["en", "E S"]},
        counters={"views": views, "reloads": {"ok": 1, "weird": 5}, "sessions": True},
        last_frame_at=float("nan"),
        mode="party",
    )
    found = samples(build_registry(path, "s"))
    view_series = {
        labels: v for (name, labels), v in found.items() if name == "kiosk_slide_views_total"
    }
    assert view_series == {
        (("language", "en"), ("mode", "attract"), ("screen", "s"), ("slide", "welcome")): 2,
        (("language", "en"), ("mode", "attract"), ("screen", "s"), ("slide", OTHER)): 2,
        (("language", OTHER), ("mode", "browsing"), ("screen", "s"), ("slide", "welcome")): 4,
    }
    info = [dict(labels) for (name, labels), _ in found.items() if name == "kiosk_deck_info"]
    assert info == [
        {"screen": "s", "deck_version": "", "hash": "", "source": "folder", "languages": "en"}
    ]
    assert ("kiosk_info", (("screen", "s"), ("version", "unknown"))) in found
    assert ("kiosk_deck_reloads_total", (("result", "weird"), ("screen", "s"))) not in found
    assert found[("kiosk_visitor_sessions_total", (("screen", "s"),))] == 0  # a bool is no count
    assert not any(name == "kiosk_last_frame_timestamp_seconds" for name, _ in found)
    modes = {dict(labels)["mode"]: v for (name, labels), v in found.items() if name == "kiosk_mode"}
    assert modes == {"attract": 0, "browsing": 0, "rest": 0}


def test_the_textfile_is_written_atomically_and_readable(tmp_path, kiosk):
    app, _ = kiosk
    out = tmp_path / "node" / "kiosk.prom"
    out.parent.mkdir()
    registry = build_registry(app.status.path, "lobby-left")
    for _ in range(3):
        write_textfile(registry, out)
    assert [p.name for p in out.parent.iterdir()] == ["kiosk.prom"]
    assert oct(out.stat().st_mode & 0o777) == "0o644"
    text = out.read_text()
    # The fixture's kiosk lives on a fake clock in 2023: stale now, but all it said is there.
    assert 'kiosk_up{screen="lobby-left"} 0.0' in text
    assert 'kiosk_frames_drawn_total{screen="lobby-left"}' in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--interval", "5"], "--interval is a positive number"),
        (["--textfile", "x.prom", "--listen", ":9464"], "choose one"),
        (["--textfile", "x.txt"], "ending in .prom"),
        (["--listen", "localhost"], "expected HOST:PORT"),
        (["--listen", "host:99999"], "expected HOST:PORT"),
    ],
)
def test_bad_arguments_are_one_clear_sentence(args, message, capsys):
    with pytest.raises(SystemExit) as stop:
        metrics_main(args)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_listen_addresses():
    assert parse_listen("127.0.0.1:9464") == ("127.0.0.1", 9464)
    assert parse_listen(":9464") == ("0.0.0.0", 9464)
    assert parse_listen("[::1]:0") == ("::1", 0)


def test_an_unwritable_textfile_is_one_sentence(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert metrics_main(["--textfile", str(blocker / "k.prom"), "--status", "none"]) == 1
    assert "cannot write" in capsys.readouterr().err


# -- the real exporter process, and Prometheus' own linter --------------------------------------


def start_exporter(status: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [*KIOSK, "metrics", "--listen", "127.0.0.1:0", "--status", str(status)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "serving http://127.0.0.1:PORT/metrics from ..."
    assert line.startswith("serving http://127.0.0.1:"), (line, process.stderr)
    return process, line.split()[1]


def stop(process: subprocess.Popen[str]) -> int:
    """SIGTERM its process group; SIGKILL if it has not ended in 10 s. Closes its pipes."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
    return process.returncode


def exporter_env(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "config" / "cvi-kiosk"
    config.mkdir(parents=True, exist_ok=True)
    (config / "kiosk.toml").write_text('screen_name = "lobby-left"\n')
    env = {k: v for k, v in os.environ.items() if k != "CVI_KIOSK_SCREEN"}
    return {**env, "XDG_CONFIG_HOME": str(tmp_path / "config"), "PYTHONPATH": str(ROOT)}


@needs_promtool
def test_promtool_accepts_what_the_real_exporter_serves(kiosk, tmp_path):
    app, _ = kiosk
    # Fresh enough for kiosk_up 1 in the real exporter, which uses the real clock.
    status = json.loads(app.status.path.read_text())
    status["updated_at"] = time.time()
    app.status.path.write_text(json.dumps(status))
    process, url = start_exporter(app.status.path, exporter_env(tmp_path))
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            content_type = response.headers["Content-Type"]
            body = response.read()
    finally:
        assert stop(process) == 0  # SIGTERM ends it cleanly
    assert content_type.startswith("text/plain; version=0.0.4")
    text = body.decode()
    assert 'kiosk_up{screen="lobby-left"} 1.0' in text
    assert "kiosk_slide_views_total{" in text
    lint = subprocess.run(
        [PROMTOOL, "check", "metrics"], input=body, capture_output=True, timeout=30, check=False
    )
    # promtool prints problems (naming, units, missing HELP) and exits non-zero for them.
    assert lint.returncode == 0 and lint.stdout == lint.stderr == b"", lint


@needs_promtool
def test_promtool_accepts_the_textfile_and_the_no_status_case(tmp_path):
    env = exporter_env(tmp_path)
    out = tmp_path / "kiosk.prom"
    result = subprocess.run(
        [*KIOSK, "metrics", "--textfile", str(out), "--status", str(tmp_path / "none.json")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text().splitlines()[-1] == 'kiosk_up{screen="lobby-left"} 0.0'
    lint = subprocess.run(
        [PROMTOOL, "check", "metrics"],
        input=out.read_bytes(),
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert lint.returncode == 0 and lint.stdout == lint.stderr == b"", lint


# -- the systemd units --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["cvi-kiosk-metrics.service", "cvi-kiosk-metrics-textfile.service"]
)
def test_the_metrics_units_run_arguments_kiosk_metrics_accepts(name, monkeypatch):
    from tests.system.test_deploy import load

    unit = load(name)
    assert unit.errors == []
    argv = shlex.split(unit.one("Service", "ExecStart"))
    assert argv[0] == "%h/cvi-kiosk/.venv/bin/kiosk" and argv[1] == "metrics"
    assert unit.one("Service", "Restart") == "always"
    # It must never compete with the screen for CPU or memory.
    assert int(unit.one("Service", "Nice")) > 0
    assert unit.one("Service", "MemoryMax") and unit.one("Service", "CPUQuota")
    # Not part of the graphical session: it keeps reporting while the kiosk is down.
    assert "graphical-session.target" not in " ".join(unit.get("Unit", "After"))
    calls = []
    monkeypatch.setattr("kiosk.ops.metrics._textfile_loop", lambda *a: calls.append(a) or 0)
    monkeypatch.setattr("kiosk.ops.metrics.serve", lambda *a: calls.append(a) or _NoServer())
    assert metrics_main(argv[2:]) == 0
    assert len(calls) == 1
    if "--textfile" in argv:
        assert calls[0][1].name.endswith(".prom") and calls[0][2] == 15
    else:
        assert calls[0][1:] == ("0.0.0.0", 9464)  # reachable by the clinic's Prometheus


class _NoServer:
    server_address = ("0.0.0.0", 9464)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def serve_forever(self):
        return None


def test_a_kiosk_named_differently_is_reported_once_and_the_label_stays(tmp_path, caplog):
    path = tmp_path / "status.json"
    write_status(path, screen="desk-2", updated_at=time.time())
    registry = build_registry(path, "lobby-left")
    with caplog.at_level("WARNING"):
        for _ in range(3):
            found = samples(registry)
    assert value(found, "kiosk_up") == 1  # still the configured name
    assert [r.getMessage() for r in caplog.records if "calls itself" in r.getMessage()] == [
        "the kiosk calls itself 'desk-2' but this exporter's config says 'lobby-left': give both "
        "the same kiosk.toml (or CVI_KIOSK_SCREEN)"
    ]


def test_the_textfile_is_rewritten_every_interval_until_stopped(tmp_path):
    """The textfile service: the file follows the status file, and SIGTERM ends it cleanly."""
    status = tmp_path / "status.json"
    out = tmp_path / "kiosk.prom"
    write_status(status, updated_at=time.time(), frames_drawn=1)
    process = subprocess.Popen(
        [*KIOSK, "metrics", "--textfile", str(out), "--interval", "0.2", "--status", str(status)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=exporter_env(tmp_path),
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while 'kiosk_frames_drawn_total{screen="lobby-left"} 1.0' not in _read(out):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        write_status(status, updated_at=time.time(), frames_drawn=2)
        while 'kiosk_frames_drawn_total{screen="lobby-left"} 2.0' not in _read(out):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
    finally:
        assert stop(process) == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("kiosk.prom")] == ["kiosk.prom"]


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""
