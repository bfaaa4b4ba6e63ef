"""Approximations: a value from an older SAP edition, a third-party transcription or an RdSAP convention
standing in where the SAP 10.2 / RdSAP 10 cell is not transcribed or the lodged data are inconsistent.

A home computed with one is scored, never refused; its score names each approximation by code. The
registry (``tables/approximations.csv``) says for each code what was assumed and where the value comes
from, so a reader can judge how far to trust the score.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

import numpy as np
import polars as pl
import pyarrow as pa


@lru_cache(maxsize=1)
def registry() -> dict[str, dict[str, str]]:
    """Approximation code -> {"code", "assumed", "source"}."""
    path = resources.files("ara_assets.sap10") / "tables" / "approximations.csv"
    with path.open(encoding="utf-8") as fh:
        return {r["code"]: dict(r) for r in csv.DictReader(fh)}


def describe(codes: list[str] | None) -> list[dict[str, str]]:
    """The registry entries of ``codes`` (unknown codes kept with empty text, so nothing is hidden)."""
    reg = registry()
    return [reg.get(c, {"code": c, "assumed": "", "source": ""}) for c in codes or []]


def as_column(masks: dict[str, np.ndarray], n: int, name: str = "approximations") -> pl.Series:
    """Per-row list of approximation codes (sorted, empty list where none) from code -> row mask.

    Built as one Arrow list array (offsets from the per-row counts, values in row-major order of the
    rows x codes mask), so the cost does not grow with a Python loop over homes."""
    unknown = sorted(set(masks) - set(registry()))
    if unknown:
        raise KeyError(f"approximation codes missing from tables/approximations.csv: {unknown}")
    codes = sorted(masks)
    hits = (
        np.stack([np.asarray(masks[c], dtype=bool) for c in codes], axis=1)
        if codes
        else np.zeros((n, 0), dtype=bool)
    )
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(hits.sum(axis=1), out=offsets[1:])
    values = np.asarray(codes, dtype=object)[np.nonzero(hits)[1]] if codes else np.array([], dtype=object)
    array = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, type=pa.string()))
    return pl.Series(name, array, dtype=pl.List(pl.String))


def merge(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """Union of two list-of-code columns, sorted, nulls as empty."""
    empty = pl.lit([], dtype=pl.List(pl.String))
    return pl.concat_list(a.fill_null(empty), b.fill_null(empty)).list.unique().list.sort()


def count_homes(approximations: pl.Series) -> dict[str, int]:
    """Homes per approximation code (a summary line for validate and the baseline)."""
    exploded = approximations.drop_nulls().explode().drop_nulls()
    if exploded.len() == 0:
        return {}
    counts = exploded.value_counts(sort=True)
    return dict(zip(counts[:, 0].to_list(), counts[:, 1].to_list(), strict=True))
