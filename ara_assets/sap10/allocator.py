"""Allocator setting for batch worksheets: keep freed heap pages instead of returning them to the OS.

The worksheet makes a few thousand short-lived (N, 12) float arrays per batch. With glibc's defaults
the memory they free goes back to the OS (large blocks are unmapped, the heap top is trimmed), so the
next temporaries touch fresh zeroed pages: measured at N = 10,000, ~20,000 minor page faults per
``calculate`` call and about 40 % of its time (144 ms with them, 80 ms without; docs/benchmarks/sap.md).
Serving blocks up to 32 MB from the heap (``M_MMAP_THRESHOLD``) and keeping 64 MB of free space at its
top (``M_TOP_PAD``) removes them; the process may then hold up to that much freed memory.
Set once per process, on glibc only, by the process's entry point (the ``ara`` command, the Dagster
scoring resource, the benchmarks; ``ara_assets.settings.apply_process_settings`` reads
``ARA_SAP_MALLOC=0`` to leave the allocator alone): a pure calculation never changes the process.
"""

from __future__ import annotations

import ctypes
import platform

_M_TOP_PAD = -2  # mallopt parameters (glibc malloc.h)
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # bytes; glibc's maximum for this parameter on 64-bit
TOP_PAD = 64 << 20

_done = False


def tune_allocator(enabled: bool = True) -> bool:
    """Apply the setting once; True if glibc accepted it (False elsewhere or when ``enabled`` is false)."""
    global _done
    if _done:
        return False
    _done = True
    if not enabled or platform.system() != "Linux":
        return False
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mmap_ok = libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        return bool(mmap_ok) and bool(libc.mallopt(_M_TOP_PAD, TOP_PAD))
    except (OSError, AttributeError):
        return False
