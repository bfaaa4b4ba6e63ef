"""Value uplift of an EPC band change: a percentage from a hedonic price study; pounds where value is known.

Study: DECC (2013), Fuerst, McAllister, Nanda and Wyatt, "An investigation of the effect of EPC ratings
on house prices" (England, 1995-2012 repeat sales; also Energy Economics 48, 2015). Premiums are relative
to band G: A/B +14 %, C +10 %, D +8 %, E/F +6 %, G 0 (`data/value_uplift.csv`). Chosen because it is the
official English study covering every band with one model; the later Nationwide HPI studies find little
difference between C, D and E, so read these uplifts as an upper estimate (docs/modelling/valuation.md).

The uplift of a move from band b0 to b1 is the ratio of the two premiums:
    uplift = (1 + p[b1]) / (1 + p[b0]) - 1
so moves within a combined group (A<->B, E<->F) are worth 0 and a move down is negative.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import polars as pl

from ara_assets.epc.bands import BANDS

DATA = Path(__file__).resolve().parent / "data" / "value_uplift.csv"


class ValuationError(ValueError):
    """Bad valuation input: names the record (property_id), the field and the value."""


@cache
def band_premiums(path: Path = DATA) -> dict[str, float]:
    """Band -> premium over the reference band, as a fraction."""
    with path.open(newline="", encoding="utf-8") as fh:
        out = {row["band"]: float(row["premium_pct"]) / 100.0 for row in csv.DictReader(fh)}
    if set(out) != set(BANDS):
        raise ValuationError(f"{path.name}: field 'band' values {sorted(out)} do not cover {list(BANDS)}")
    return out


def uplift_pct(before: str, after: str) -> float:
    """Percentage value uplift (e.g. 1.85 for +1.85 %) of one band move."""
    p = band_premiums()
    for field, band in (("band_before", before), ("band_after", after)):
        if band not in p:
            raise ValuationError(f"field {field!r} value {band!r} is not a band A-G")
    return ((1.0 + p[after]) / (1.0 + p[before]) - 1.0) * 100.0


def value_uplift(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `value_uplift_pct`, `value_uplift_gbp` to a frame of band_before, band_after, property_value_gbp.

    `property_value_gbp` may be absent or null (unknown): the pounds are then null, the percentage stays.
    Vectorised: one join-free expression over all homes.
    """
    for col in ("band_before", "band_after"):
        if col not in frame.columns:
            raise ValuationError(f"value uplift: field {col!r} is missing (no such column)")
        bad = frame.filter(~pl.col(col).is_in(list(BANDS)) | pl.col(col).is_null())
        if bad.height:
            record = bad["property_id"][0] if "property_id" in bad.columns else None
            raise ValuationError(
                f"property_id={record!r}: field {col!r} value {bad[col][0]!r} is not a band A-G"
            )
    premiums = band_premiums()
    p0 = pl.col("band_before").replace_strict(premiums, return_dtype=pl.Float64)
    p1 = pl.col("band_after").replace_strict(premiums, return_dtype=pl.Float64)
    pct = ((1.0 + p1) / (1.0 + p0) - 1.0) * 100.0
    value = (
        pl.col("property_value_gbp").cast(pl.Float64)
        if "property_value_gbp" in frame.columns
        else pl.lit(None)
    )
    return frame.with_columns(pct.alias("value_uplift_pct")).with_columns(
        (value * pl.col("value_uplift_pct") / 100.0).cast(pl.Float64).alias("value_uplift_gbp")
    )
