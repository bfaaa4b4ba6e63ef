"""Independent worksheet calls side by side in threads: `calculate_all([a, b])`.

A home's figures take two worksheet calls on the same inputs: the rating at the UK-average climate and the
energy at its local climate (`baseline.performance.score_inputs`). The calls share nothing, and most of
their time is spent in numpy and polars kernels that release the GIL, so on a machine with a second idle
core two threads finish them in about 0.7 of the time one thread takes (measured on 2 x 20,000 realistic
homes, docs/benchmarks.md). Results are those of the calls made one after the other.

The number of threads is a process-wide setting made by the process's entry point
(`ara_assets.settings.apply_process_settings`, from ARA_WORKERS), like the allocator's: a pure caller
never reads the environment, and the default is one thread (calls in turn).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import polars as pl

from ara_assets.sap10.calculate import calculate

_THREADS = [1]


def set_calculation_threads(threads: int) -> None:
    """How many worksheet calls `calculate_all` runs at once in this process (at least 1)."""
    if threads < 1:
        raise ValueError(f"calculation threads: value {threads!r} is not a whole number of at least 1")
    _THREADS[0] = int(threads)


def calculation_threads() -> int:
    return _THREADS[0]


def calculate_all(
    batches: Sequence[pl.DataFrame], errors: Literal["raise", "collect"] = "collect"
) -> list[pl.DataFrame]:
    """`calculate(batch, errors=errors)` of every batch, in order; up to `calculation_threads()` at once."""
    threads = min(_THREADS[0], len(batches))
    if threads <= 1:
        return [calculate(b, errors=errors) for b in batches]
    with ThreadPoolExecutor(threads, thread_name_prefix="sap10") as pool:
        futures = [pool.submit(calculate, b, errors=errors) for b in batches[1:]]
        first = calculate(batches[0], errors=errors)
        return [first, *(f.result() for f in futures)]
