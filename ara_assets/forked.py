"""Per-home Python work split over forked processes: `fork_map(work, worker_slices(n, workers))`.

The pipeline's per-home steps that are Python rather than columnar (normalising a register document,
assembling an effective EPC, expanding SAP inputs) hold the GIL, so a second core helps only from another
process. A forked child inherits what the caller has built (documents, tables), so nothing is pickled on the
way in; only each slice's result comes back. The first slice runs in the calling process while the others
run in children, and the results come back in slice order, so the outcome is the one-process outcome.

Fork is safe here only because the work in a child is plain Python: the thread pools of polars and Arrow
in the parent (which make forking them unsafe) are never touched in a child. Callers must keep it so. Where
fork is missing (not Linux or macOS) everything runs in this process. ADR 0026.
"""

from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")

# The work of the fork_map call in progress, set before the children fork so that they inherit it.
_WORK: list[Callable[[int, int], Any]] = []


def _run_slice(start: int, stop: int) -> Any:
    return _WORK[0](start, stop)


def slices(n: int, parts: int) -> list[tuple[int, int]]:
    """``[0, n)`` in at most ``parts`` contiguous slices of near-equal size (one empty slice when n is 0)."""
    if n <= 0:
        return [(0, 0)]
    size = -(-n // max(parts, 1))
    return [(i, min(i + size, n)) for i in range(0, n, size)]


def worker_slices(n: int, workers: int, *, min_items: int = 2_000) -> list[tuple[int, int]]:
    """The slices `fork_map` should take for ``n`` items: one per worker, or one in all below ``min_items``
    (where forking costs more than it saves)."""
    return slices(n, workers if n >= min_items else 1)


def fork_map(work: Callable[[int, int], T], bounds: list[tuple[int, int]]) -> list[T]:
    """``work(start, stop)`` for each slice of ``bounds``, in order: the first in this process, the others
    in forked children; all here when there is one slice or no fork."""
    return list(fork_iter(work, bounds))


def fork_iter(work: Callable[[int, int], T], bounds: list[tuple[int, int]]) -> Iterator[T]:
    """`fork_map`'s results one at a time, in slice order, each handed over as soon as it is ready and not
    kept here: a caller that turns each slice's rows into a frame and drops them holds one slice's rows
    at a time (at 100,000 homes a slice of assembled documents is hundreds of MB). The children are forked
    before the first result is yielded, so what only they need may be dropped by then."""
    if len(bounds) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for a, b in bounds:
            yield work(a, b)
        return
    if _WORK:
        raise RuntimeError("fork_map: a call is already in progress in this process")
    _WORK.append(work)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(len(bounds) - 1, mp_context=context) as pool:
            with warnings.catch_warnings():
                # Python 3.12+ warns when a process with threads forks; the children use none of the
                # threaded libraries (see the module docstring), which is what the warning is about
                warnings.filterwarnings(
                    "ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning
                )
                futures = [pool.submit(_run_slice, a, b) for a, b in bounds[1:]]
            yield work(*bounds[0])
            while futures:
                # the future would keep its result alive after it is handed over
                result = futures.pop(0).result()
                yield result
                del result
    finally:
        _WORK.clear()
