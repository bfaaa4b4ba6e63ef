"""Blocking checks that guard what later steps read.

The rules are pure (`ara_assets.*.invariants`); this module runs them inside the asset step, BEFORE the
output is handed to the IO manager or written to Postgres. A failed rule raises `dg.Failure` naming the
rule and its homes: Dagster records no materialisation, the IO manager writes nothing, the previous
Parquet file and Postgres rows stay what every reader sees, and downstream steps of the run are skipped.
Passing rules become the asset's check results (the `check_specs` of the asset).
"""

from __future__ import annotations

import dagster as dg

from ara_assets.invariants import Invariant, failure_text


def _meta(inv: Invariant) -> dict[str, dg.MetadataValue]:
    meta: dict[str, dg.MetadataValue] = {"detail": dg.MetadataValue.text(inv.detail)}
    meta.update({k: dg.MetadataValue.json(v) if isinstance(v, dict) else v for k, v in inv.metadata.items()})
    if inv.homes:
        meta["homes_sample"] = dg.MetadataValue.text(", ".join(str(h) for h in inv.homes[:10]))
    return meta


def guard(asset: str, portfolio: str, invariants: list[Invariant]) -> list[dg.AssetCheckResult]:
    """Check results for `invariants`, or `dg.Failure` if any failed (nothing stored, nothing downstream)."""
    if any(not i.passed for i in invariants):
        raise dg.Failure(
            description=failure_text(asset, portfolio, invariants),
            metadata={
                f"check:{i.name}": dg.MetadataValue.text(i.message()) for i in invariants if not i.passed
            },
            allow_retries=False,
        )
    return [
        dg.AssetCheckResult(
            check_name=i.name,
            asset_key=asset,
            passed=True,
            description=f"Passed: {i.detail}." if i.detail else "Passed.",
            metadata=_meta(i),
        )
        for i in invariants
    ]
