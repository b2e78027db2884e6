"""What a real X server shows during a crossfade is what the kiosk drew, although frames
present only the parts that changed (Debian's Xvfb, which `.ci/run` installs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    shutil.which("Xvfb") is None, reason="Xvfb not installed (Debian package xvfb)"
)


def test_the_x_server_shows_every_changed_part_of_a_fade(tmp_path):
    for number in range(140, 180):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            break
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x720x24", "-fbdir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.05)
        env = {
            **os.environ,
            "DISPLAY": f":{number}",
            "SDL_VIDEODRIVER": "x11",
            "SDL_FRAMEBUFFER_ACCELERATION": "0",
            "PYTHONPATH": str(HERE.parent),
        }
        result = subprocess.run(
            [sys.executable, str(HERE / "xvfb_present.py"), str(tmp_path / "Xvfb_screen0")],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["size"] == [1280, 720]
    assert report["partial"], "the surface path presents only what changed"
    assert report["compared"] >= 6  # frames 2, 6, 12, 18 of three fades (fewer on a slow box)
    assert report["differing"] == 0
