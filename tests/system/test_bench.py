"""The benchmark keeps working: run it in quick mode and check its report has every number.
(No test asserts a wall-clock time: this machine's speed is not the code's property.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_runs_and_reports_everything(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "kiosk_bench.py"), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    sizes = report["transitions"]
    assert set(sizes) == {"1280x800", "1920x1080", "3840x2160", "1080x1920"}
    for entry in sizes.values():
        for key in ("floor_p50_ms", "crossfade_p99_ms", "slide_p99_ms", "crossfade_p99_over_floor"):
            assert entry[key] > 0
    assert report["static_slide"]["frames_drawn"] == 0  # a still slide is not redrawn
    start = report["cold_start"]
    assert start["median_ms"] > 0 and start["bare_window_median_ms"] > 0
    # Later starts put the last first frame on screen before the checked deck's first frame.
    assert 0 < start["first_picture_median_ms"] <= start["median_ms"]
    assert start["first_start_ms"] > 0
    # Counted in the kiosk and its loader child: each picture decoded once, in the child.
    assert start["images"] > 0 and start["image_decodes"] == start["images"]
    assert report["prerender"]["3840x2160"]["cache_bound"] >= 7
    rows = report["app"]
    assert "dummy 1920x1080" in rows
    if report["xvfb"].startswith(":"):
        assert "xvfb 1920x1080" in rows
    else:
        assert "skipped" in report["xvfb"]  # said plainly, not silently missing
    for row in rows.values():
        memory = row["memory"]
        assert memory["all_slides_and_larger_text_mb"] > memory["start_mb"] > 0
        assert row["stalls"]["worst_frame_after_a_tap_ms"] > 0
        assert row["frames"]["fade_frames_shown"] > 0
        assert row["attract"]["frames_drawn"] >= 0
    week = report["attract_week"]
    assert week["frames_drawn"] > 0 and week["rss_end_mb"] > 0 and week["visits"] > 0
    metrics = report["metrics"]
    assert metrics["status_bytes"] > 0 and metrics["view_rows"] >= 28
    assert metrics["status_cpu_percent_of_one_core"] > 0 and metrics["series"] > 50
    assert metrics["http_scrape_ms_p50"] > 0
    assert "| 1920x1080 |" in result.stdout
    hostile = report["hostile_reload"]
    assert hostile["quiet_step_p99_ms"] > 0
    (row,) = hostile["attacks"].values()
    assert row["judged"] and row["refused"] and "huge.png" in row["problem"]
    assert row["loader_peak_mb"] > 0 and row["step_p99_over_quiet"] > 0
    assert "| huge-image-past-memory-limit |" in result.stdout
