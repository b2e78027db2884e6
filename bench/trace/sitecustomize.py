"""Counts image decodes in every process of a benchmark run: the kiosk and its loader child.

`bench/kiosk_bench.py` puts this folder on PYTHONPATH and names a Unix datagram socket in
KIOSK_BENCH_DECODES; each decode sends "<pid> <where> <image>" there (a socket, because the
loader child may not write files). Nothing happens without the variable, and nothing is
imported until the kiosk imports the module itself, so start-up is timed as it really is.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import os
import socket
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

LOG = os.environ.get("KIOSK_BENCH_DECODES")
# module -> (function, how to name the image it decodes from its first argument)
WATCHED: dict[str, tuple[str, Callable[[Any], str]]] = {
    "kiosk.deck.images": ("decode", lambda data: hashlib.sha1(bytes(data)).hexdigest()[:12]),
    "kiosk.screen.render": ("load_image", lambda path: str(path)),
}


def _counted(
    module: str, real: Callable[..., Any], name: Callable[[Any], str]
) -> Callable[..., Any]:
    def counted(*args: Any, **kwargs: Any) -> Any:
        assert LOG is not None
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as out:
            out.sendto(f"{os.getpid()} {module} {name(args[0])}".encode(), LOG)
        return real(*args, **kwargs)

    return counted


class _Watch(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in WATCHED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        real_exec = loader.exec_module
        function, name = WATCHED[fullname]

        def exec_module(module: ModuleType) -> None:
            real_exec(module)
            setattr(module, function, _counted(fullname, getattr(module, function), name))

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if LOG:
    sys.meta_path.insert(0, _Watch())
