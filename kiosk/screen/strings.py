"""Words on the controls, per language. Slide text lives in the deck; these belong to the kiosk."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UiText:
    prev: str
    next: str
    home: str
    menu: str
    close: str
    hint: str
    menu_title: str
    pin_title: str
    pin_rejected: str
    counter: str  # format with {current} and {total}
    take_home: str
    larger_text: str  # the "A+" switch
    page_prev: str  # topic menu pages
    page_next: str
    page_of: str  # format with {current} and {total}


UI_TEXT: dict[str, UiText] = {
    "en": UiText(
        prev="Back",
        next="Next",
        home="Start",
        menu="Topics",
        close="Close",
        hint="Touch the screen to learn more",
        menu_title="Choose a topic",
        pin_title="Staff PIN",
        pin_rejected="Wrong PIN. Try again.",
        counter="{current} / {total}",
        take_home="Scan to take this home",
        larger_text="Larger",
        page_prev="Previous",
        page_next="More",
        page_of="Page {current} of {total}",
    ),
    "es": UiText(
        prev="Atrás",
        next="Siguiente",
        home="Inicio",
        menu="Temas",
        close="Cerrar",
        hint="Toque la pantalla para saber más",
        menu_title="Elija un tema",
        pin_title="PIN del personal",
        pin_rejected="PIN incorrecto. Intente de nuevo.",
        counter="{current} / {total}",
        take_home="Escanee para llevarse esta información",
        larger_text="Más grande",
        page_prev="Anterior",
        page_next="Más",
        page_of="Página {current} de {total}",
    ),
}


def ui_text(language: str) -> UiText:
    return UI_TEXT.get(language, UI_TEXT["en"])
