"""The console's child processes (`python -m kiosk.console.workers.<name>`): whatever decodes
deck images or imports pygame runs here, so a hostile file can at worst crash one short-lived
child, never the web process."""
