"""Every place the kiosk keeps files, in one module (XDG base directories, per user).

- `state_dir()`, `$XDG_STATE_HOME/cvi-kiosk`: log, status file, statistics, last good deck,
  first frame, PIN guard;
- `config_dir()`, `$XDG_CONFIG_HOME/cvi-kiosk`: kiosk.toml, the staff PIN hash, console accounts;
- `deck_home()`, `$XDG_DATA_HOME/cvi-kiosk/decks`: published versions and the `current` link;
- `cache_dir()`, `$XDG_CACHE_HOME/cvi-kiosk`: the console's previews.

Each takes the environment as an argument (tests pass their own) and never creates anything.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

APP = "cvi-kiosk"


def _base(environ: Mapping[str, str], variable: str, *fallback: str) -> Path:
    # XDG says a relative value is invalid and must be ignored.
    value = environ.get(variable, "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(environ.get("HOME", "~")).expanduser().joinpath(*fallback)


def state_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_STATE_HOME/cvi-kiosk`, or `~/.local/state/cvi-kiosk`."""
    return _base(environ, "XDG_STATE_HOME", ".local", "state") / APP


def config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_CONFIG_HOME/cvi-kiosk`, or `~/.config/cvi-kiosk`."""
    return _base(environ, "XDG_CONFIG_HOME", ".config") / APP


def deck_home(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_DATA_HOME/cvi-kiosk/decks`, or `~/.local/share/cvi-kiosk/decks`."""
    return _base(environ, "XDG_DATA_HOME", ".local", "share") / APP / "decks"


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_CACHE_HOME/cvi-kiosk`, or `~/.cache/cvi-kiosk`."""
    return _base(environ, "XDG_CACHE_HOME", ".cache") / APP
