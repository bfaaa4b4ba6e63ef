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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import polars as pl

from ara_assets import jsontext
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

T = TypeVar("T")

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
    return _join(bounds, parts)


def _join(bounds: list[tuple[int, int]], parts: list[Slice]) -> tuple[pl.DataFrame, list[ExpansionError]]:
    """One frame and the refusals, in input order, from the slices' column lists."""
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


# Documents parsed at a time in `expand_texts`: parsed register documents cost about 40 KB each in Python
# objects, so a whole portfolio parsed at once is gigabytes; its expanded rows are a tenth of that.
TEXT_CHUNK = 5_000


def expand_texts(
    texts: Sequence[str],
    products: ProductData | None,
    workers: int,
    extra: Callable[[list[dict[str, Any]]], list[T]] | None = None,
) -> tuple[pl.DataFrame, list[ExpansionError], list[T]]:
    """``expand_collect`` of documents given as JSON text (already normalised), with each process parsing
    its own slice a chunk at a time; ``extra(docs)`` (plain Python, one value per document) runs on each
    parsed chunk, so a caller that needs more from the documents does not parse them again. Returns the
    frame, the refusals and the ``extra`` values in input order (empty without ``extra``)."""
    n = len(texts)

    def work(start: int, stop: int) -> tuple[Slice, list[T]]:
        # plain Python only: it may run in a forked process (ara_assets/forked.py)
        rows: list[dict[str, Any]] = []
        errors: list[ExpansionError] = []
        values: list[T] = []
        with gc_paused():
            for a in range(start, stop, TEXT_CHUNK):
                b = min(a + TEXT_CHUNK, stop)
                docs = [jsontext.loads(t) for t in texts[a:b]]
                chunk_rows, chunk_errors = expand_rows(docs, False, products)
                for row in chunk_rows:
                    row["input_index"] += a - start
                rows += chunk_rows
                errors += [replace(e, index=e.index + a - start) for e in chunk_errors]
                if extra is not None:
                    values += extra(docs)
            first = list(rows[0]) if rows else None
            return (row_columns(rows, ALL_DTYPES), first, errors), values

    bounds = _slices(n, workers) if n >= MIN_PARALLEL else [(0, n)]
    parts = fork_map(work, bounds)
    frame, errors = _join(bounds, [part for part, _ in parts])
    return frame, errors, [v for _, values in parts for v in values]
