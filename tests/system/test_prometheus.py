"""deploy/prometheus/: the rules, their unit tests, the scrape config and the Grafana dashboard,
judged by Prometheus' own tool (`promtool`, from Debian's prometheus package)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
RULES = PROMETHEUS / "kiosk-alerts.yml"
RULE_TESTS = PROMETHEUS / "kiosk-alerts.test.yml"
DASHBOARD = PROMETHEUS / "grafana-kiosk-fleet.json"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool is missing: install Debian's prometheus package (.ci/run does)",
)
# Every metric `kiosk metrics` can expose (tests/test_metrics.py checks the exporter side).
KIOSK_METRICS = {
    "kiosk_up", "kiosk_status_age_seconds", "kiosk_info", "kiosk_start_time_seconds",
    "kiosk_last_frame_timestamp_seconds", "kiosk_frames_drawn_total", "kiosk_mode",
    "kiosk_deck_info", "kiosk_deck_slides", "kiosk_deck_reloads_total",
    "kiosk_deck_last_reload_success", "kiosk_deck_last_reload_timestamp_seconds",
    "kiosk_fallback_to_last_good_total", "kiosk_slides_skipped_total", "kiosk_slide_views_total",
    "kiosk_slide_reading_seconds_total", "kiosk_visitor_sessions_total", "kiosk_larger_text_total",
    "kiosk_language_switches_total", "kiosk_resident_memory_bytes", "kiosk_cpu_seconds_total",
    "kiosk_status_file_damaged",
}  # fmt: skip


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def rules() -> list[dict]:
    return [
        rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]
    ]


def alerts() -> list[dict]:
    return [rule for rule in rules() if "alert" in rule]


def test_the_rules_cover_what_the_issue_asks_for():
    names = {rule["alert"] for rule in alerts()}
    assert names == {
        "KioskNotDrawing",  # not drawing for 2 minutes
        "KioskNotRunning",
        "KioskUnreachable",
        "KioskRestartingRepeatedly",
        "KioskRefusingDeck",
        "KioskDeckDiffersFromFleet",  # for over an hour
        "KioskOnLastGoodDeck",
        "KioskSkippingSlides",  # a slide the screen could not draw (issue 24)
    }
    by_name = {rule["alert"]: rule for rule in alerts()}
    assert "> 120" in by_name["KioskNotDrawing"]["expr"]
    assert by_name["KioskDeckDiffersFromFleet"]["for"] == "1h"
    for rule in alerts():
        assert rule["labels"]["severity"] in {"page", "warning"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_rules_use_only_metrics_the_exporter_exposes():
    used = set()
    for rule in rules():
        used |= set(re.findall(r"\b(kiosk_[a-z_]+)\b", rule["expr"]))
    assert used <= KIOSK_METRICS, used - KIOSK_METRICS


def test_every_alert_has_a_unit_test_that_fires_and_one_that_does_not():
    cases: dict[str, list[list]] = {}
    for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]:
        for case in test.get("alert_rule_test", []):
            cases.setdefault(case["alertname"], []).append(case["exp_alerts"])
    for rule in alerts():
        expected = cases.get(rule["alert"], [])
        assert any(expected), f"{rule['alert']}: no test where it fires"
        assert any(not alerts for alerts in expected), f"{rule['alert']}: no test where it is quiet"


@needs_promtool
def test_promtool_checks_the_rules():
    result = promtool("check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules())} rules found" in result.stdout


@needs_promtool
def test_promtool_runs_the_rule_unit_tests():
    result = promtool("test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@needs_promtool
def test_promtool_checks_the_example_scrape_config():
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    job = config["scrape_configs"][0]
    assert job["job_name"] == "cvi-kiosk"  # the job KioskUnreachable names
    assert (
        'job="cvi-kiosk"' in next(r for r in alerts() if r["alert"] == "KioskUnreachable")["expr"]
    )
    targets = yaml.safe_load((PROMETHEUS / job["file_sd_configs"][0]["files"][0]).read_text())
    assert all(t.endswith(":9464") for group in targets for t in group["targets"])


@needs_promtool
@pytest.mark.parametrize("alert", [rule["alert"] for rule in alerts()])
def test_the_unit_tests_would_catch_a_broken_alert(alert, tmp_path):
    """Mutation check: an alert that never fires, or one that always fires, fails the unit
    tests. So every alert's tests really look at it, both ways."""
    for broken in ("vector(1) == 2", "vector(1)"):
        data = yaml.safe_load(RULES.read_text())
        for group in data["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") == alert:
                    rule["expr"] = broken
        (tmp_path / RULES.name).write_text(yaml.safe_dump(data))
        shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)
        result = promtool("test", "rules", RULE_TESTS.name, cwd=tmp_path)
        assert result.returncode != 0, f"{alert} = {broken!r} still passes its tests"
        assert alert in result.stdout + result.stderr


# -- the Grafana dashboard -------------------------------------------------------------------


def dashboard_queries() -> list[tuple[str, str]]:
    board = json.loads(DASHBOARD.read_text())
    return [(panel["title"], t["expr"]) for panel in board["panels"] for t in panel["targets"]]


def test_the_dashboard_has_what_the_issue_asks_for():
    board = json.loads(DASHBOARD.read_text())
    titles = {panel["title"]: panel for panel in board["panels"]}
    fleet = titles["Fleet"]
    assert fleet["type"] == "table"
    exprs = " ".join(t["expr"] for t in fleet["targets"])
    for needed in (
        "kiosk_deck_info",  # deck version and hash
        "kiosk_last_frame_timestamp_seconds",  # last frame age
        "kiosk_mode",
        "kiosk_resident_memory_bytes",
    ):
        assert needed in exprs
    columns = fleet["transformations"][1]["options"]["renameByName"]
    assert {"deck version", "last frame", "memory"} <= set(columns.values())
    assert any("kiosk_slide_views_total" in expr for _, expr in dashboard_queries())
    sessions = titles["Visitor sessions by hour"]
    assert "increase(kiosk_visitor_sessions_total" in sessions["targets"][0]["expr"]
    assert sessions["interval"] == "1h"
    # Panels do not overlap on Grafana's 24-column grid.
    cells = set()
    for panel in board["panels"]:
        g = panel["gridPos"]
        assert g["x"] + g["w"] <= 24
        area = {
            (x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])
        }
        assert not cells & area, panel["title"]
        cells |= area
    # The datasource is chosen on import (a variable), never one site's uid.
    assert all(panel["datasource"]["uid"] == "${datasource}" for panel in board["panels"])


def test_the_dashboard_uses_only_metrics_the_exporter_exposes():
    for title, expr in dashboard_queries():
        used = set(re.findall(r"\b(kiosk_[a-z_]+)\b", expr))
        assert used <= KIOSK_METRICS, (title, used - KIOSK_METRICS)
        assert used or "ALERTS{" in expr, title
