"""`release_free_memory` gives freed C-heap pages back to the system (glibc), as the pipeline relies on."""

from __future__ import annotations

import sys

import pytest

from ara_assets.memory import release_free_memory


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 1e6


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's (Linux only)")
def test_freed_document_strings_leave_the_process() -> None:
    release_free_memory()
    before = _rss_mb()
    # 40,000 strings of 6 KB, like register documents, with every 50th kept: the freed ones sit between
    # live chunks, which glibc does not give back by itself
    texts = [("x" * 6000) + str(i) for i in range(40_000)]
    keep = texts[::50]
    del texts
    held = _rss_mb()
    assert held - before > 150, f"the test's strings should hold memory ({held - before:.0f} MB)"
    assert release_free_memory() is True
    assert _rss_mb() - before < 60, f"{_rss_mb() - before:.0f} MB still held after the trim"
    assert len(keep) == 800
