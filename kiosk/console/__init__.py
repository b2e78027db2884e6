"""The staff console: a small web app beside the kiosk (a separate process).

It talks to the kiosk only through files: the status file, the statistics database (read-only)
and the deck home (`kiosk.decks.publish`). If the console crashes or hangs, the screen does
not notice.
"""
