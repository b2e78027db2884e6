"""The staff menu, opened by the corner hold and the right PIN: exit to the desktop, restart,
this screen's facts, a touch test, cancel. Its words and the facts it shows; its geometry is
in `controls` (`staff_controls`), and the navigator logs every choice."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.screen.intents import StaffChoice


@dataclass(frozen=True)
class StaffText:
    title: str
    exit_to_desktop: str
    restart: str
    facts: str
    touch_test: str
    cancel: str
    back: str
    facts_title: str
    touch_title: str  # the touch test's instruction


STAFF_TEXT: dict[str, StaffText] = {
    "en": StaffText(
        title="Staff menu",
        exit_to_desktop="Exit to the desktop",
        restart="Restart the kiosk",
        facts="This screen's facts",
        touch_test="Touch test",
        cancel="Cancel",
        back="Back",
        facts_title="This screen",
        touch_title="Touch anywhere: each touch is marked where the screen felt it",
    ),
    "es": StaffText(
        title="Menú del personal",
        exit_to_desktop="Salir al escritorio",
        restart="Reiniciar el quiosco",
        facts="Datos de esta pantalla",
        touch_test="Prueba táctil",
        cancel="Cancelar",
        back="Volver",
        facts_title="Esta pantalla",
        touch_title="Toque en cualquier lugar: cada toque se marca donde la pantalla lo sintió",
    ),
}

# The menu's choices, top to bottom.
MENU: tuple[tuple[StaffChoice | None, str], ...] = (
    (StaffChoice.EXIT_TO_DESKTOP, "exit_to_desktop"),
    (StaffChoice.RESTART, "restart"),
    (StaffChoice.FACTS, "facts"),
    (StaffChoice.TOUCH_TEST, "touch_test"),
    (None, "cancel"),  # CLOSE
)

MAX_TOUCHES = 12  # marks kept on the touch test, oldest dropped first


def staff_text(language: str) -> StaffText:
    return STAFF_TEXT.get(language, STAFF_TEXT["en"])


# -- the facts -------------------------------------------------------------------------------


def ip_address() -> str:
    """This machine's address on the network it would use to reach the internet (no packet
    is sent: connecting a UDP socket only picks the route), or "no network"."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere for real
        return str(s.getsockname()[0])
    return "no network"


def published_when(folder: Path) -> str:
    """When and by whom the version a deck folder belongs to was published, if it is one."""
    from kiosk.decks.store import read_version

    version = Path(folder).parent
    if version.parent.name != "versions":
        return "not a published version"
    try:
        record = read_version(version)
    except ValueError:
        return "unknown (its record cannot be read)"
    return f"{record.created} by {record.who}" if record.who else record.created


def screen_facts(
    *,
    screen_name: str,
    version: str,
    deck_info: Mapping[str, str],
    deck_folder: Path,
    deck_title: str,
    last_error: str | None,
    ip: str,
    now: datetime,
) -> tuple[str, ...]:
    """The lines of "This screen's facts", in staff words."""
    deck_version = deck_info.get("version") or "not a published version"
    source = deck_info.get("source", "")
    return (
        f"Name: {screen_name}",
        f"IP address: {ip}",
        f"Kiosk version: {version}",
        f"Deck: {deck_title} ({source or 'folder'})",
        f"Deck version: {deck_version}",
        f"Published: {published_when(deck_folder)}",
        f"Last error: {last_error or 'none since the kiosk started'}",
        f"Checked at: {now:%Y-%m-%d %H:%M:%S}",
    )
