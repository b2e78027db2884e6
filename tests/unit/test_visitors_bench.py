"""The scripted visitors (bench/visitors.py) on the real app: what the database counts is
exactly what the visitors did, and nothing else."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import visitors  # noqa: E402


def test_the_database_counts_what_simulated_visitors_did(tmp_path):
    db = tmp_path / "stats.sqlite3"
    expected, stored = visitors.simulate(6, seed=3, db=db)
    answered, right, rated = expected
    assert stored == expected
    assert sum(answered.values()) >= 6 and 0 < sum(right.values()) < sum(answered.values())
    assert sum(rated.values()) > 0
    with contextlib.closing(sqlite3.connect(db)) as connection:
        hours = {h for (h,) in connection.execute("SELECT hour FROM answers")}
    assert all(len(h) == len("2026-11-24 08") for h in hours)  # the hour, nothing finer
