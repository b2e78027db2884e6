"""The console's audit log: one JSON line per publish, rollback or PIN change (who, what,
when), appended to `console-audit.jsonl` in the state folder and shown on the Publish page."""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("kiosk.console")


def record(path: Path, who: str, action: str, **details: str) -> None:
    """Append one entry; a log that cannot be written is a warning, never a failed action."""
    entry = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "who": who, "action": action}
    entry.update(details)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(entry) + "\n")
    except OSError as error:
        log.warning("cannot write the console audit log %s: %s", path, error)


def entries(path: Path, limit: int = 50) -> list[dict[str, str]]:
    """The newest `limit` entries, newest first (lines that are not JSON objects skipped)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    found = []
    for line in reversed(lines[-limit:]):
        with contextlib.suppress(ValueError):
            entry = json.loads(line)
            if isinstance(entry, dict):
                found.append({str(k): str(v) for k, v in entry.items()})
    return found
