"""CVI waiting-room kiosk: a touch slideshow about chronic venous insufficiency."""

from kiosk.deck.model import Deck, Slide, SlideKind, Text

__all__ = ["Deck", "Slide", "SlideKind", "Text"]
__version__ = "0.1.0"
