"""The expansion of a large batch split over processes (the per-certificate Python work holds the GIL),
with `ara_assets.forked.fork_map`.

``expand_collect(docs, workers=2)`` expands the first slice of the batch in the calling process while
``workers - 1`` forked processes expand the others, then builds one frame from the column lists in input
order: the result is the one-process result (same rows, columns, dtypes and errors; tested).

Why fork, per batch: a forked worker inherits the documents, so none is pickled (pickling a register
document costs about a third of expanding it); it sends back only column lists of plain values. The
worker runs pure Python (the expansion and its tables) and builds no polars or Arrow object, so the
thread pools of those libraries in the parent, which make forking them unsafe, are never used in it.
Measured in docs/benchmarks.md (``benchmarks/sap_score.py --workers 2``); below ``MIN_PARALLEL``
certificates the batch stays in one process, where a fork would cost more than it saves. ADR 0026.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import polars as pl

from ara_assets.forked import fork_map, slices
from ara_assets.pcdb.products import ProductData
from ara_assets.sap10.gc_pause import gc_paused
from ara_assets.sap10.rdsap.batch import (
    ALL_DTYPES,
    ExpansionError,
    columns_to_frame,
    expand_rows,
    frame_columns,
    row_columns,
)

MIN_PARALLEL = 2_000  # certificates per batch below which the expansion stays in one process

Slice = tuple[dict[str, list[Any]], list[str] | None, list[ExpansionError]]


def _expand_slice(
    docs: Sequence[Mapping[str, Any]],
    normalise_docs: bool,
    products: ProductData | None,
    start: int,
    stop: int,
) -> Slice:
    """One slice of the batch: a list per column (all columns), the keys of its first expanded row (None:
    no row) and its refusals, indexed within the slice."""
    with gc_paused():
        rows, errors = expand_rows(docs[start:stop], normalise_docs, products)
        first = list(rows[0]) if rows else None
        return row_columns(rows, ALL_DTYPES), first, errors


def _even(start: int, stop: int, parts: int) -> list[tuple[int, int]]:
    """``[start, stop)`` in ``parts`` contiguous slices of near-equal size."""
    return [(a + start, b + start) for a, b in slices(stop - start, parts)]


def _slices(n: int, workers: int) -> list[tuple[int, int]]:
    """The slices of a batch of ``n``: the first for this process, one per worker after it."""
    return _even(0, n, workers)


def expand_parallel(
    docs: Sequence[Mapping[str, Any]], normalise_docs: bool, products: ProductData | None, workers: int
) -> tuple[pl.DataFrame, list[ExpansionError]]:
    """``expand_collect`` of ``docs`` over ``workers`` processes (this one included), in input order."""
    bounds = _slices(len(docs), workers)
    parts = fork_map(lambda a, b: _expand_slice(docs, normalise_docs, products, a, b), bounds)
    errors: list[ExpansionError] = []
    first: list[str] | None = None
    for (start, _), (columns, keys, errs) in zip(bounds, parts, strict=True):
        first = keys if first is None else first
        columns["input_index"] = [i + start for i in columns["input_index"]]
        errors += [replace(e, index=e.index + start) for e in errs]
    # one process builds its optional columns from the batch's first expanded row: the same here
    names = frame_columns(first or ())
    joined = {name: [v for columns, _, _ in parts for v in columns[name]] for name in names}
    return columns_to_frame(joined), errors
