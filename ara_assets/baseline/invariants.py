"""The blocking rules of `property_baseline`, as pure functions over the frame (docs/reliability.md).

They run before the baseline is written anywhere: a failure refuses the whole step, naming the homes.
"""

from __future__ import annotations

import polars as pl

from ara_assets.baseline.performance import BASELINE_SCHEMA
from ara_assets.epc.bands import SAP_RANGE, band_expr
from ara_assets.invariants import Invariant

NON_NEGATIVE = [c for c, t in BASELINE_SCHEMA.items() if c.endswith("_kwh") and t == pl.Float64()] + [
    "energy_cost_gbp",
    "standing_charge_gbp",
    "total_bill_gbp",
]


def baseline_invariants(baseline: pl.DataFrame, epc_cache: pl.DataFrame) -> list[Invariant]:
    expected = set(epc_cache["property_id"].to_list())
    got = baseline["property_id"].to_list()
    missing = sorted(expected - set(got))
    duplicated = sorted(baseline.filter(pl.col("property_id").is_duplicated())["property_id"].unique())
    scored = baseline.filter(pl.col("effective_sap_rating_int").is_not_null())
    lo, hi = SAP_RANGE
    out_of_range = scored.filter(~pl.col("effective_sap_rating_int").is_between(lo, hi))
    band_mismatch = scored.filter(pl.col("effective_band") != band_expr(pl.col("effective_sap_rating_int")))
    negative = {
        c: baseline.filter(pl.col(c) < 0)["property_id"].to_list()
        for c in NON_NEGATIVE
        if c in baseline.columns and (baseline[c] < 0).any()
    }
    sap_detail = [
        f"property {r['property_id']} effective SAP {r['effective_sap_rating']:.2f} outside {lo}..{hi}"
        for r in out_of_range.head(5).iter_rows(named=True)
    ]
    return [
        Invariant(
            "one_row_per_property",
            passed=not missing and not duplicated and len(got) == len(expected),
            detail=f"{len(expected)} properties expected, {len(got)} rows, {len(missing)} missing, "
            f"{len(duplicated)} duplicated",
            homes=tuple(missing + duplicated),
            metadata={"expected": len(expected), "rows": len(got)},
        ),
        Invariant(
            "sap_in_range_and_band_consistent",
            passed=out_of_range.height == 0 and band_mismatch.height == 0,
            detail=f"{out_of_range.height} rating(s) out of range ({'; '.join(sap_detail) or 'none'}), "
            f"{band_mismatch.height} band(s) not matching the rating",
            homes=tuple(out_of_range["property_id"].to_list() + band_mismatch["property_id"].to_list()),
            metadata={"out_of_range": out_of_range.height, "band_mismatch": band_mismatch.height},
        ),
        Invariant(
            "energy_and_bills_non_negative",
            passed=not negative,
            detail="negative values in " + (", ".join(sorted(negative)) or "no column"),
            homes=tuple(sorted({p for ids in negative.values() for p in ids})),
            metadata={"negative_columns": {c: len(v) for c, v in negative.items()}},
        ),
    ]
