"""`python -m kiosk.loader`: the limited loader child (see `kiosk.loader.child`)."""

import sys

from kiosk.loader.child import main

sys.exit(main())
