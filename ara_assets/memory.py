"""Give the C heap's free pages back to the operating system between pipeline steps.

A step that parses a portfolio's register documents makes hundreds of thousands of strings of a few
kilobytes each. CPython allocates those with the C library's `malloc`, and glibc keeps the pages of freed
chunks that sit below the top of its heap: after such a step the process keeps gigabytes it no longer uses,
and the next step's peak is stacked on top of them (measured at 100,000 homes: a floor of about 4.8 GB
between steps; docs/benchmarks.md). `malloc_trim(0)` returns those pages. polars allocates through
jemalloc, which returns its own free pages after a few seconds, so it needs nothing here.

Only glibc has `malloc_trim`; elsewhere (musl, macOS, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache
from typing import Any


@cache
def _libc() -> Any | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system; True if trimmed. (No garbage collection here:
    reference counting has freed the documents by the time a step ends, and a full collection over a
    large heap costs more than it finds.)"""
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
