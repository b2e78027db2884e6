"""The locks install from wheels alone on Python 3.14, on x86-64 and on aarch64 (a Raspberry Pi).

uv resolves every pinned line of requirements/*.txt for the target interpreter and platform
with building from source forbidden: a package whose pinned version has no wheel there (as
pygame 2.6.1 has none for 3.14) fails the test by name. It needs the package index, so it skips
with the reason when the network is not there (uv's cache alone cannot answer for other
platforms).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".tools" / "bin" / "uv"
PLATFORMS = ("x86_64-manylinux_2_28", "aarch64-manylinux_2_28")
# What uv says when it cannot reach the index (as opposed to a real resolution failure).
OFFLINE_SIGNS = (
    "failed to fetch",
    "error sending request",
    "dns error",
    "network is unreachable",
    "connection refused",
    "could not connect",
    "operation timed out",
    "offline mode",
)


def compile_for(lock: Path, platform: str, python: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV_NO_CONFIG": "1"}
    return subprocess.run(
        [
            str(UV),
            "pip",
            "compile",
            str(lock),
            "--python-version",
            python,
            "--python-platform",
            platform,
            "--only-binary",
            ":all:",
            "--no-deps",
            "--quiet",
            "-o",
            os.devnull,
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("lock", ["run.txt", "dev.txt"])
@pytest.mark.parametrize("platform", PLATFORMS)
def test_lock_has_wheels_for_python_3_14(lock: str, platform: str) -> None:
    if not UV.exists():
        pytest.skip(f"{UV.relative_to(ROOT)} is not installed (make .venv/.installed-dev does it)")
    result = compile_for(ROOT / "requirements" / lock, platform, "3.14")
    if result.returncode != 0 and any(s in result.stderr.lower() for s in OFFLINE_SIGNS):
        pytest.skip(
            f"the package index cannot be reached, so wheels cannot be looked up: "
            f"{result.stderr.strip().splitlines()[0]}"
        )
    assert result.returncode == 0, (
        f"requirements/{lock} does not install from wheels on Python 3.14 ({platform}):\n"
        f"{result.stderr}"
    )


def test_lock_is_universal_from_python_3_11() -> None:
    """The markers in the lock cover every Python from 3.11 up (3.14 included): the lock is
    compiled --universal, not for the interpreter that ran `make lock`."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    flags = next(line for line in makefile.splitlines() if line.startswith("LOCK_FLAGS"))
    assert "--universal" in flags and "--python-version 3.11" in flags
    lock = (ROOT / "requirements" / "run.txt").read_text(encoding="utf-8")
    assert "\npygame-ce==" in lock and "\npygame==" not in lock
