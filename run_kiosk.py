"""Start the kiosk: `python run_kiosk.py` is the same as `kiosk run`."""

import sys

from kiosk.screen.display import leave_out_optional_imports

if __name__ == "__main__":
    leave_out_optional_imports()  # before anything imports pygame: see kiosk/display.py
    from kiosk.cli.main import main

    sys.exit(main(["run", *sys.argv[1:]]))
