"""The blocking rules of `effective_epc`, as pure functions over the frame (docs/reliability.md)."""

from __future__ import annotations

import polars as pl

from ara_assets.invariants import Invariant


def effective_epc_invariants(effective: pl.DataFrame, epc_cache: pl.DataFrame) -> list[Invariant]:
    no_reason = effective.filter(pl.col("document").is_null() & pl.col("reason").is_null())
    expected = set(epc_cache["property_id"].to_list())
    got = set(effective["property_id"].to_list())
    missing = sorted(expected - got)
    duplicated = sorted(effective.filter(pl.col("property_id").is_duplicated())["property_id"].unique())
    return [
        Invariant(
            "every_property_has_effective_epc_or_reason",
            passed=no_reason.height == 0 and not missing and effective.height == epc_cache.height,
            detail=f"{no_reason.height} without document or reason, {len(missing)} missing of "
            f"{len(expected)}",
            homes=tuple(no_reason["property_id"].to_list() + missing),
            metadata={"without_document_or_reason": no_reason.height, "rows": effective.height},
        ),
        Invariant(
            "no_duplicate_properties",
            passed=not duplicated,
            detail=f"{len(duplicated)} properties with more than one row",
            homes=tuple(duplicated),
            metadata={"duplicates": effective.height - effective["property_id"].n_unique()},
        ),
    ]
