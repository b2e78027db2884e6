"""`kiosk narrate`: read-aloud files for a deck, made offline at authoring time. No pygame."""
