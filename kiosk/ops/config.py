"""Per-machine settings: what makes one screen of a fleet different from the others.

The deck is shared by every screen (synced, published); this file is not. It lives at
`$XDG_CONFIG_HOME/cvi-kiosk/kiosk.toml` (`~/.config/cvi-kiosk/kiosk.toml`) and is optional:

    screen_name = "lobby-left"     # names this screen in metrics, status and stats exports
    audio_volume_cap = 0.5         # read-aloud never louder than this here (0..1; default 1)

A missing file means defaults; a broken one is one clear sentence, never a crash of the screen.
"""

from __future__ import annotations

import os
import re
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kiosk.paths import config_dir

# Screen names become Prometheus label values and file names in merged exports: keep them
# short and plain so they need no quoting anywhere.
SCREEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")


class ConfigError(Exception):
    """The machine config file is unreadable or has a bad value; the message is one sentence."""


SETTINGS = ("screen_name", "audio_volume_cap")


@dataclass(frozen=True)
class MachineConfig:
    screen_name: str
    # The deck's `narration.volume` is shared by every screen; a screen by the reception desk
    # or with a loud amplifier may need less.
    audio_volume_cap: float = 1.0


def default_screen_name() -> str:
    """The host name (set by whoever installed the OS), cut to a valid screen name."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", socket.gethostname().split(".")[0])[:63]
    return cleaned if SCREEN_NAME.fullmatch(cleaned) else "kiosk"


def load_config(path: Path | None = None, environ: Mapping[str, str] = os.environ) -> MachineConfig:
    """Read `kiosk.toml`; `CVI_KIOSK_SCREEN` in the environment overrides its screen name."""
    path = path or config_dir(environ) / "kiosk.toml"
    data: dict[str, object] = {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        pass
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: is not valid TOML ({error}).") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror}).") from None
    unknown = sorted(set(data) - set(SETTINGS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting {unknown[0]!r}; the settings are {', '.join(SETTINGS)}."
        )
    cap = data.get("audio_volume_cap", 1.0)
    if isinstance(cap, bool) or not isinstance(cap, int | float) or not 0 <= cap <= 1:
        raise ConfigError(
            f"{path}: audio_volume_cap must be a number from 0 (silent) to 1 (got {cap!r})."
        )
    name = environ.get("CVI_KIOSK_SCREEN") or data.get("screen_name") or default_screen_name()
    if not isinstance(name, str) or not SCREEN_NAME.fullmatch(name):
        raise ConfigError(
            f"{path}: screen_name must be 1 to 63 letters, digits, dots, dashes or "
            f"underscores, starting with a letter or digit (got {name!r})."
        )
    return MachineConfig(screen_name=name, audio_volume_cap=float(cap))
