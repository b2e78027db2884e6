"""The limited loader child: the only process that reads and decodes deck files.

`job` is the screen's side (start a child, poll it, read its answer), `child` the program
the child runs (`python -m kiosk.loader`), `protocol` what they share, `wire` the answer's
versioned format (JSON checked against the model's type hints), and `preflight`
the checks that need fonts and decoders (does every slide fit at every size)."""

from kiosk.loader.job import LoadJob, load_isolated
from kiosk.loader.protocol import LoadOutcome, LoadRequest

__all__ = ["LoadJob", "LoadOutcome", "LoadRequest", "load_isolated"]
