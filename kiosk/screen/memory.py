"""Giving freed memory back to the system.

CPython and SDL free big pictures with `free()`, but glibc keeps the pages mapped for later,
so a kiosk that once held the larger-text slides would keep that memory for good. Two glibc
calls fix that, through ctypes (elsewhere, musl or macOS, both do nothing):
- `mallopt(M_MMAP_THRESHOLD, 1 MiB)` fixes the size above which a block gets pages of its
  own. glibc otherwise raises that threshold each time a big block is freed, after which
  8-33 MB slide pictures come from the shared heap and stay there when freed.
- `malloc_trim(0)` returns whatever the heap still holds free, after big caches are dropped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
BIG_BLOCK_BYTES = 1024 * 1024


@functools.cache
def _libc() -> ctypes.CDLL | None:
    # Resolved once, at start-up: find_library may run ldconfig, far too slow for a tap.
    for name in ("libc.so.6", ctypes.util.find_library("c")):
        if name:
            try:
                return ctypes.CDLL(name)
            except OSError:
                continue
    return None


def _glibc(name: str) -> Callable[..., int] | None:
    libc = _libc()
    function: Callable[..., int] | None = getattr(libc, name, None) if libc else None
    return function  # None where the C library is not glibc


def big_blocks_get_their_own_pages() -> bool:
    """Blocks over 1 MiB (every full-screen picture) are mapped on their own and unmapped when
    freed. True if the C library took the setting."""
    mallopt = _glibc("mallopt")
    return mallopt is not None and mallopt(M_MMAP_THRESHOLD, BIG_BLOCK_BYTES) == 1


def release_memory() -> bool:
    """Return freed heap pages to the system where the C library allows it. True if it
    could ask."""
    trim = _glibc("malloc_trim")
    if trim is None:
        return False
    trim(0)
    return True
