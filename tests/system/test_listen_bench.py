"""The read-aloud benchmark row keeps working: a short run reports both numbers and their
ratio (no wall-clock limit asserted: this machine's speed is not the code's property)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_listen_benchmark_runs_and_reports_its_row(tmp_path):
    out = tmp_path / "listen.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "listen_bench.py"),
            "--runs",
            "2",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    row = json.loads(out.read_text())
    assert row["floor_p50_ms"] > 0 and row["listen_p50_ms"] > 0
    assert row["p50_over_floor"] == round(row["listen_p50_ms"] / row["floor_p50_ms"], 2)
    assert "| ratio p50 / floor p50 |" in result.stdout
