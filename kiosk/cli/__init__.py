"""Every `kiosk …` command: the parser, the start-up composition and the staff commands."""
