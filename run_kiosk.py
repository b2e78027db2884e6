"""Start the kiosk: `python run_kiosk.py` is the same as `kiosk run`."""

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main(["run", *sys.argv[1:]]))
