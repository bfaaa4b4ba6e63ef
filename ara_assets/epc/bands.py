"""EPC energy efficiency rating bands (A-G) of an integer SAP rating: the one home of this rule.

The bands come from ``data/sap_bands.csv`` (SAP 10.2 section 13, Table 14; SOURCES.txt). A rating below
band G's nominal floor of 1 is band G; a missing rating has no band.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np
import polars as pl


@cache
def _table() -> tuple[tuple[str, int], ...]:
    """(band, lowest integer SAP rating of the band) from A to G; G's lowest is None in the file."""
    with resources.files("ara_assets.epc").joinpath("data/sap_bands.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return tuple((r["band"], int(r["min_sap_rating"]) if r["min_sap_rating"] else -(10**9)) for r in rows)


BANDS: tuple[str, ...] = tuple(band for band, _ in _table())
# lowest rating of each band as quoted (band G: 1, the register's lowest quoted rating)
BAND_MIN_SAP: dict[str, int] = {band: (low if band != "G" else 1) for band, low in _table()}
# The integer SAP ratings a stored rating may take: from band G's quoted floor (1, SAP 10.2 section 13) to
# 150. Above 100 is possible for net exporters; 150 is far beyond any lodged dwelling (a guard against
# nonsense, not a physical limit).
SAP_RANGE: tuple[int, int] = (BAND_MIN_SAP["G"], 150)


def band_of(rating: np.ndarray) -> np.ndarray:
    """Band letters of integer SAP ratings (numpy; NaN gives an empty string)."""
    rating = np.asarray(rating, dtype=np.float64)
    out = np.full(rating.shape, "", dtype="<U1")
    for band, low in reversed(_table()):
        out[rating >= low] = band
    return out


def band_series(rating: np.ndarray, name: str = "band") -> pl.Series:
    """``band_of`` as a polars String column, by a gather from the band letters (a numpy unicode array
    converts to polars slowly: a few milliseconds for 10,000 ratings)."""
    rating = np.asarray(rating, dtype=np.float64)
    ascending = tuple(reversed(_table()))  # G .. A
    lows = np.array([low for _, low in ascending], dtype=np.float64)
    # number of bands whose lowest rating is reached: 0 -> no band, k -> the k-th band from G
    index = np.searchsorted(lows, rating, side="right")
    index[np.isnan(rating)] = 0
    return pl.Series(name, ["", *(band for band, _ in ascending)], dtype=pl.String).gather(index)


def band_expr(rating: pl.Expr) -> pl.Expr:
    """Band letter of an integer SAP rating expression (polars; null stays null)."""
    expr = pl.lit(None, pl.String)
    for band, low in reversed(_table()):
        expr = pl.when(rating >= low).then(pl.lit(band)).otherwise(expr)
    return expr
