"""The systemd units in deploy/: strictly well-formed, saying what the kiosk relies on, pointing
at what `make run` builds, and (where systemd-analyze exists) accepted by systemd itself.

systemd is lenient: an unknown section or a misspelt key is a warning in the journal and the
unit still loads, just without the setting. A screen that silently lost `WatchdogSec=` looks
fine until the day it freezes, so the parser below refuses what systemd would only warn about.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import shutil
import stat
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNIT_SUFFIXES = (".service", ".timer", ".target", ".path")
EXPECTED_UNITS = {
    "cvi-kiosk.service",
    "cvi-kiosk-sync.service",
    "cvi-kiosk-sync.timer",
    "cvi-kiosk-publish.path",
    "cvi-kiosk-publish.service",
}

SECTIONS = {
    ".service": {"Unit", "Service", "Install"},
    ".timer": {"Unit", "Timer", "Install"},
    ".target": {"Unit", "Install"},
    ".path": {"Unit", "Path", "Install"},
}

# The directives a kiosk's units could plausibly use. Anything else is far more likely a typo
# than a setting we meant; add it here deliberately when it is wanted.
KNOWN_KEYS = {
    "Unit": {
        "Description", "Documentation", "After", "Before", "Wants", "Requires", "Requisite",
        "BindsTo", "PartOf", "Upholds", "Conflicts", "OnFailure", "OnSuccess",
        "StartLimitIntervalSec", "StartLimitBurst", "StartLimitAction", "StopWhenUnneeded",
        "RefuseManualStart", "RefuseManualStop", "DefaultDependencies", "JobTimeoutSec",
        "CollectMode", "ConditionPathExists", "ConditionPathIsDirectory", "ConditionUser",
        "ConditionEnvironment", "AssertPathExists", "AssertPathIsDirectory",
    },
    "Service": {
        "Type", "ExecStart", "ExecStartPre", "ExecStartPost", "ExecCondition", "ExecStop",
        "ExecStopPost", "ExecReload", "Restart", "RestartSec", "RestartPreventExitStatus",
        "RestartForceExitStatus", "SuccessExitStatus", "TimeoutStartSec", "TimeoutStopSec",
        "TimeoutAbortSec", "TimeoutSec", "WatchdogSec", "NotifyAccess", "WorkingDirectory",
        "Environment", "EnvironmentFile", "PassEnvironment", "UnsetEnvironment",
        "StandardOutput", "StandardError", "StandardInput", "SyslogIdentifier", "Nice",
        "KillMode", "KillSignal", "FinalKillSignal", "SendSIGKILL", "RemainAfterExit", "Slice",
        "MemoryHigh", "MemoryMax", "CPUQuota", "OOMScoreAdjust", "IOSchedulingClass",
        "LogRateLimitIntervalSec", "LogRateLimitBurst", "PrivateTmp", "NoNewPrivileges",
    },
    "Timer": {
        "OnActiveSec", "OnBootSec", "OnStartupSec", "OnUnitActiveSec", "OnUnitInactiveSec",
        "OnCalendar", "AccuracySec", "RandomizedDelaySec", "FixedRandomDelay", "Persistent",
        "WakeSystem", "RemainAfterElapse", "OnClockChange", "OnTimezoneChange", "Unit",
    },
    "Path": {
        "PathExists", "PathExistsGlob", "PathChanged", "PathModified", "DirectoryNotEmpty",
        "Unit", "MakeDirectory", "DirectoryMode", "TriggerLimitIntervalSec",
        "TriggerLimitBurst",
    },
    "Install": {"WantedBy", "RequiredBy", "UpheldBy", "Alias", "Also", "DefaultInstance"},
}  # fmt: skip

# Keys that may be given more than once (systemd appends). Repeating any other key silently
# keeps only the last value, which is never what the author meant.
LIST_KEYS = {
    "Documentation", "After", "Before", "Wants", "Requires", "Requisite", "BindsTo", "PartOf",
    "Upholds", "Conflicts", "OnFailure", "OnSuccess", "ConditionPathExists",
    "ConditionPathIsDirectory", "AssertPathExists", "AssertPathIsDirectory", "ExecStartPre",
    "ExecStartPost", "ExecCondition", "ExecStop", "ExecStopPost", "ExecReload", "Environment",
    "EnvironmentFile", "PassEnvironment", "UnsetEnvironment", "OnActiveSec", "OnBootSec",
    "OnStartupSec", "OnUnitActiveSec", "OnUnitInactiveSec", "OnCalendar", "PathExists",
    "PathExistsGlob", "PathChanged", "PathModified", "DirectoryNotEmpty", "WantedBy",
    "RequiredBy", "UpheldBy", "Alias", "Also", "RestartPreventExitStatus",
    "RestartForceExitStatus", "SuccessExitStatus",
}  # fmt: skip

HEADER = re.compile(r"^\[(?P<name>[^\[\]]+)\]$")
ASSIGNMENT = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9]*)\s*=\s*(?P<value>.*)$")


@dataclass
class Unit:
    name: str
    sections: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def get(self, section: str, key: str) -> list[str]:
        return self.sections.get(section, {}).get(key, [])

    def one(self, section: str, key: str) -> str:
        values = self.get(section, key)
        assert len(values) == 1, f"{self.name}: expected one [{section}] {key}=, got {values}"
        return values[0]


def parse_unit(name: str, text: str) -> Unit:
    """Read a unit file the way systemd does, but report as an error everything systemd would
    only warn about or silently do differently from what the text seems to say."""
    unit = Unit(name)
    suffix = Path(name).suffix
    allowed = SECTIONS.get(suffix)
    if allowed is None:
        unit.errors.append(f"{name}: not a unit type these tests know ({suffix})")
        return unit
    current: str | None = None
    lines = text.split("\n")
    number = 0
    while number < len(lines):
        start = number + 1
        line = lines[number].strip()
        number += 1
        if not line or line.startswith(("#", ";")):
            continue
        # A trailing backslash continues the line (systemd joins with a space).
        while line.endswith("\\") and number < len(lines):
            line = line[:-1] + " " + lines[number].strip()
            number += 1
        where = f"{name}:{start}"
        header = HEADER.match(line)
        if header:
            current = header["name"]
            if current not in allowed:
                unit.errors.append(f"{where}: unknown section [{current}] in a {suffix} file")
            elif current in unit.sections:
                unit.errors.append(f"{where}: section [{current}] appears twice")
            unit.sections.setdefault(current, {})
            continue
        if current is None:
            unit.errors.append(f"{where}: {line!r} comes before any [Section]")
            continue
        assignment = ASSIGNMENT.match(line)
        if assignment is None:
            unit.errors.append(f"{where}: expected Key=value, got {line!r}")
            continue
        key, value = assignment["key"], assignment["value"].strip()
        if current in KNOWN_KEYS and key not in KNOWN_KEYS[current]:
            unit.errors.append(f"{where}: unknown key {key}= in [{current}]")
        if not value:
            unit.errors.append(f"{where}: {key}= is empty (in systemd that resets the setting)")
        if re.search(r"\s[#;]", value):
            unit.errors.append(f"{where}: {key}= has an inline comment; systemd keeps it as text")
        values = unit.sections[current].setdefault(key, [])
        # A oneshot service runs several ExecStart= lines in order; any other type takes one.
        oneshot = unit.sections.get("Service", {}).get("Type") == ["oneshot"]
        if values and key not in LIST_KEYS and not (key == "ExecStart" and oneshot):
            unit.errors.append(f"{where}: {key}= is set twice; systemd keeps only the last one")
        values.append(value)
    return unit


TIME_UNITS = {
    "us": 1e-6, "usec": 1e-6, "µs": 1e-6, "ms": 1e-3, "msec": 1e-3,
    "s": 1, "sec": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "minute": 60,
    "minutes": 60, "h": 3600, "hr": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400, "w": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip


def seconds(span: str) -> float:
    """A systemd time span ("30", "5min", "1min 30s", "infinity") in seconds."""
    if span.strip() == "infinity":
        return math.inf
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-zµ]*)", span)
    assert parts and re.fullmatch(r"(\s*\d+(?:\.\d+)?\s*[a-zµ]*)+\s*", span), span
    return sum(float(number) * TIME_UNITS[unit or "s"] for number, unit in parts)


def unit_files() -> list[Path]:
    return sorted(p for p in DEPLOY.iterdir() if p.suffix in UNIT_SUFFIXES)


def load(name: str) -> Unit:
    return parse_unit(name, (DEPLOY / name).read_text(encoding="utf-8"))


# -- the parser itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[Unit]\nDescription=x\n[Servic]\nExecStart=/bin/true\n", "x.service:3: unknown section"),
        ("[Service]\nTyp=notify\n", "x.service:2: unknown key Typ="),
        ("Type=notify\n[Service]\n", "x.service:1: 'Type=notify' comes before any [Section]"),
        ("[Service]\nRestartSec=3 # seconds\n", "x.service:2: RestartSec= has an inline comment"),
        ("[Service]\nWatchdogSec=\n", "x.service:2: WatchdogSec= is empty"),
        ("[Service]\nType=simple\nType=notify\n", "x.service:3: Type= is set twice"),
        (
            "[Service]\nType=notify\nExecStart=/bin/a\nExecStart=/bin/b\n",
            "x.service:4: ExecStart= is set twice",
        ),
        ("[Service]\nExecStart /bin/true\n", "x.service:2: expected Key=value"),
        ("[Unit]\n[Unit]\n", "x.service:2: section [Unit] appears twice"),
        ("[Timer]\nOnBootSec=1min\n", "x.service:1: unknown section [Timer]"),
    ],
)
def test_the_parser_refuses_what_systemd_would_only_warn_about(text, message):
    errors = parse_unit("x.service", text).errors
    assert any(error.startswith(message) for error in errors), errors


def test_the_parser_reads_continuations_comments_and_repeated_list_keys():
    unit = parse_unit(
        "x.service",
        "# comment\n; also a comment\n[Unit]\nAfter=a.target\nAfter=b.target\n\n"
        "[Service]\nExecStart=/bin/echo one \\\n  two\nEnvironment=A=1\nEnvironment=B=2\n",
    )
    assert unit.errors == []
    assert unit.get("Unit", "After") == ["a.target", "b.target"]
    assert unit.one("Service", "ExecStart") == "/bin/echo one  two"
    assert unit.get("Service", "Environment") == ["A=1", "B=2"]


def test_time_spans():
    assert seconds("30") == 30 and seconds("30s") == 30 and seconds("5min") == 300
    assert seconds("1min 30s") == 90 and seconds("2h") == 7200 and seconds("500ms") == 0.5
    assert seconds("infinity") == math.inf


# -- the units ----------------------------------------------------------------------------------


def test_every_unit_file_is_strictly_well_formed():
    units = {path.name: load(path.name) for path in unit_files()}
    assert set(units) >= EXPECTED_UNITS
    assert [error for unit in units.values() for error in unit.errors] == []
    for unit in units.values():
        assert unit.one("Unit", "Description"), unit.name


def test_the_staff_exit_to_the_desktop_is_the_only_status_systemd_does_not_restart():
    from kiosk.ops import exits

    unit = load("cvi-kiosk.service")
    prevented = {int(v) for v in unit.one("Service", "RestartPreventExitStatus").split()}
    assert prevented == {exits.EXIT_TO_DESKTOP}
    # A crash, a failed start or a missing display must still be restarted.
    for status in (exits.EXIT_OK, exits.EXIT_FAILED, exits.EXIT_NO_DISPLAY, exits.EXIT_RESTART):
        assert status not in prevented
    # The status fits a process exit status and is not one systemd or the shell gives meaning.
    assert 3 < exits.EXIT_TO_DESKTOP < 126 and exits.EXIT_TO_DESKTOP != exits.EXIT_RESTART


def test_the_kiosk_service_restarts_on_crash_and_on_hang():
    unit = load("cvi-kiosk.service")
    assert unit.one("Service", "Type") == "notify"
    # Only the kiosk process itself may report ready or feed the watchdog.
    assert unit.one("Service", "NotifyAccess") == "main"
    assert unit.one("Service", "Restart") == "always"
    restart = seconds(unit.one("Service", "RestartSec"))
    assert 1 <= restart <= 10
    watchdog = seconds(unit.one("Service", "WatchdogSec"))
    # The loop pings every watchdog / 3 and never sleeps more than a frame or two; a limit
    # below 10 s would kill a kiosk that is only busy loading a big deck.
    assert 10 <= watchdog <= 120
    assert "PYTHONUNBUFFERED=1" in unit.get("Service", "Environment")


def test_the_kiosk_service_gives_up_on_a_broken_deck_but_not_on_a_hiccup():
    unit = load("cvi-kiosk.service")
    # Since systemd 230 the start limit lives in [Unit]; in [Service] it is ignored or legacy.
    assert "StartLimitBurst" not in unit.sections["Service"]
    burst = int(unit.one("Unit", "StartLimitBurst"))
    window = seconds(unit.one("Unit", "StartLimitIntervalSec"))
    restart = seconds(unit.one("Service", "RestartSec"))
    assert burst >= 3  # a couple of crashes in a row must not leave the screen dark
    # Failing starts come at least every RestartSec; the limit must be reachable inside the
    # window, otherwise a deck that can never start would be retried for ever.
    assert 0 < burst * restart < window < math.inf


def test_the_kiosk_service_belongs_to_the_desktop_session():
    unit = load("cvi-kiosk.service")
    # It needs the logged-in session's display: a user unit tied to the graphical session.
    assert "graphical-session.target" in " ".join(unit.get("Unit", "After")).split()
    assert "graphical-session.target" in unit.get("Install", "WantedBy")
    assert not unit.get("Service", "User"), "a user unit runs as its user already"


def test_the_kiosk_service_runs_the_venv_kiosk_with_arguments_the_cli_accepts():
    unit = load("cvi-kiosk.service")
    argv = shlex.split(unit.one("Service", "ExecStart"))
    # The repository is cloned to ~/cvi-kiosk and `make run` built .venv there.
    assert argv[0] == "%h/cvi-kiosk/.venv/bin/kiosk"
    home = "/home/kiosk"
    args = build_parser().parse_args([arg.replace("%h", home) for arg in argv[1:]])
    assert args.command == "run"
    assert args.windowed is None, "the screen runs full-screen, where Esc cannot quit"
    if args.deck is not None:
        # The deck the unit names is the clone's slides folder, i.e. this repo's layout.
        assert args.deck == Path(home, "cvi-kiosk", "slides")
        assert (ROOT / "slides" / "deck.yaml").is_file()
    for directory in unit.get("Service", "WorkingDirectory"):
        assert directory == "%h/cvi-kiosk"


def test_the_unit_points_at_what_make_run_builds():
    # `.venv/bin/kiosk` exists because make creates .venv in the repo and pip installs the
    # `kiosk` console script from pyproject.
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    # (`make PYTHON=...` builds .venv-X.Y instead; plain `make run` builds .venv.)
    assert re.search(r"^VENV\s*[:?]?=\s*\.venv\s*$", makefile, re.MULTILINE)
    assert re.search(r"^run:.*\n\t\$\(BIN\)/kiosk run\s*$", makefile, re.MULTILINE)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["kiosk"] == "kiosk.cli.main:entry"


def test_the_sync_timer_pulls_every_five_minutes():
    timer = load("cvi-kiosk-sync.timer")
    assert seconds(timer.one("Timer", "OnUnitActiveSec")) == 300
    assert seconds(timer.one("Timer", "OnBootSec")) <= 600
    target = timer.one("Timer", "Unit")
    assert (DEPLOY / target).is_file(), f"the timer starts {target}, which is not in deploy/"
    assert timer.get("Install", "WantedBy") == ["timers.target"]

    service = load(target)
    assert service.one("Service", "Type") == "oneshot"
    pull, publish = (shlex.split(line) for line in service.get("Service", "ExecStart"))
    assert Path(pull[0]).name == "git" and Path(pull[0]).is_absolute()
    # Fast-forward only: never a merge commit or a conflict in the deck on a screen.
    assert pull[1:5] == ["-C", "%h/cvi-kiosk", "pull", "--ff-only"]
    # Then the one publishing path: checked whole, switched atomically (a oneshot runs its
    # ExecStart lines in order and stops at the first that fails).
    assert publish[0] == "%h/cvi-kiosk/.venv/bin/kiosk"
    args = build_parser().parse_args([a.replace("%h", "/home/kiosk") for a in publish[1:]])
    assert args.command == "publish" and args.source == Path("/home/kiosk/cvi-kiosk/slides")
    assert args.home is None, "publishes into the default deck home, which `kiosk run` follows"


def test_a_synced_editing_folder_is_published_when_it_changes():
    path = load("cvi-kiosk-publish.path")
    watched = path.get("Path", "PathChanged")
    assert watched == ["%h/cvi-kiosk-inbox/slides", "%h/cvi-kiosk-inbox/assets"]
    assert path.one("Path", "Unit") == "cvi-kiosk-publish.service"
    service = load("cvi-kiosk-publish.service")
    assert service.one("Service", "Type") == "oneshot"
    argv = shlex.split(service.one("Service", "ExecStart"))
    args = build_parser().parse_args([a.replace("%h", "/home/kiosk") for a in argv[1:]])
    assert args.command == "publish"
    assert args.source == Path("/home/kiosk/cvi-kiosk-inbox/slides")
    assert args.settle >= 10, "a sync writes many files: wait until it has finished"


def test_the_kiosk_service_follows_the_published_deck_and_reloads_on_sighup():
    unit = load("cvi-kiosk.service")
    argv = shlex.split(unit.one("Service", "ExecStart"))
    assert build_parser().parse_args(argv[1:]).deck is None  # the default deck home
    assert unit.one("Service", "ExecReload") == "/bin/kill -HUP $MAINPID"


def test_the_guide_installs_every_unit():
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for path in unit_files():
        assert path.stem in guide, f"docs/deploy.md never mentions {path.name}"
    for command in (
        "~/.config/systemd/user",
        "systemctl --user enable --now cvi-kiosk",
        "loginctl enable-linger",
        "journalctl --user -u cvi-kiosk",
        "kiosk.log",
    ):
        assert command in guide, command


# -- systemd's own opinion ----------------------------------------------------------------------

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed (package systemd); the strict parser above still ran",
)
# What systemd-analyze prints when this machine cannot host a service manager at all (a
# container without a runtime directory, say): nothing to do with the units.
MANAGER_UNAVAILABLE = ("Failed to initialize manager", "Failed to lookup RuntimeDirectory")


def _stub(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def verify(units: dict[str, str], tmp_path: Path) -> tuple[int, list[str]]:
    """Run `systemd-analyze verify` on these unit texts as the kiosk user would have them:
    %h is a fake home holding a stub `kiosk`, so only the units are judged, not this machine.
    Returns the exit code and the lines that are about our units."""
    home = tmp_path / "home"
    _stub(home / "cvi-kiosk" / ".venv" / "bin" / "kiosk")
    folder = tmp_path / "units"
    folder.mkdir()
    for name, original in units.items():
        text = original
        # A program this machine lacks (git elsewhere than /usr/bin) is not the unit's fault.
        for program in set(re.findall(r"^Exec\w*=[-@:+!]*(/\S+)", text, re.MULTILINE)):
            if not os.access(program, os.X_OK):
                stub = tmp_path / "bin" / Path(program).name
                _stub(stub)
                text = text.replace(program, str(stub))
        (folder / name).write_text(text, encoding="utf-8")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime), "LC_ALL": "C"}
    files = [str(folder / name) for name in units]
    result = None
    for mode in (["--user"], []):  # as installed; else as a system unit, same syntax checks
        result = subprocess.run(
            ["systemd-analyze", *mode, "verify", "--man=no", *files],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        if not any(marker in result.stderr for marker in MANAGER_UNAVAILABLE):
            break
    assert result is not None
    if any(marker in result.stderr for marker in MANAGER_UNAVAILABLE):
        pytest.skip(f"systemd-analyze cannot start a manager here: {result.stderr.strip()}")
    ours = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if any(name in line for name in units)
    ]
    return result.returncode, ours


@needs_systemd_analyze
def test_systemd_analyze_verify_accepts_every_unit(tmp_path):
    units = {path.name: path.read_text(encoding="utf-8") for path in unit_files()}
    code, complaints = verify(units, tmp_path)
    assert complaints == [] and code == 0


@needs_systemd_analyze
def test_systemd_analyze_verify_would_catch_a_typo(tmp_path):
    # Proof that the test above can fail: a misspelt key is only a warning with exit code 0,
    # so the complaints, not the exit code, are what it checks.
    text = (DEPLOY / "cvi-kiosk.service").read_text(encoding="utf-8")
    broken = text.replace("WatchdogSec=", "WatchdogSecs=")
    assert broken != text
    _code, complaints = verify({"cvi-kiosk.service": broken}, tmp_path)
    assert any("WatchdogSecs" in line for line in complaints), complaints
