"""The whole baseline of a set of properties: performance pair, energy block, bills, carbon, metered estimate.

Pure. `ara_assets/defs/baseline.py` calls `compute_baseline` for the properties whose inputs changed and
keeps the stored rows of the others.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from ara_assets.baseline.carbon import carbon_portfolio
from ara_assets.baseline.metered import expected_metered
from ara_assets.baseline.performance import (
    assemble_baseline,
    conform,
    energy_block,
    input_keys,
    score_effective,
)
from ara_assets.baseline.pricing import price_portfolio
from ara_assets.pcdb import ProductData
from ara_assets.source_digest import source_digest


def calculator_digest() -> str:
    """A digest of the code and tables that compute a baseline row (sap10, baseline and the PCDB look-ups).

    Any change to the calculator or its tables changes it, so stored rows are recomputed after an upgrade.
    """
    return source_digest(("sap10", "baseline", "pcdb"))


def versions_tag(
    rates_version: int | None, factors_version: int | None, products: ProductData | None = None
) -> str:
    """The part of every home's input key shared by the whole run: rates and factors versions, the
    calculator digest and the PCDB in use (revision and file digest, ``pcdb:none`` without one).

    A new PCDB re-scores every home, not only those whose lodged product changed: Table 172 gives the
    local climate of every home whose postcode district is known, so nearly every home's figures depend on
    the import, and imports are rare (BRE publishes monthly at most). See ADR 0017.
    """
    pcdb = products.tag() if products is not None else "pcdb:none"
    return f"rates:{rates_version}|factors:{factors_version}|calc:{calculator_digest()}|{pcdb}"


def compute_baseline(
    current: pl.DataFrame,
    effective: pl.DataFrame,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
    versions: str,
    rates_version: int | None,
    score: Callable[[pl.DataFrame], pl.DataFrame] = score_effective,
) -> pl.DataFrame:
    """Baseline rows (BASELINE_SCHEMA) for the properties of `current` (the epc_cache rows) and `effective`.

    rates / factors: fuel rates and carbon factors valid today (`rates_as_of(..., region=None)`,
    `factors_as_of`). score: effective frame -> CALCULATED_SCHEMA; the in-process calculator by default, or
    a remote endpoint (`ara_assets.resources.scoring.ScoringEndpoint.score`, ADR 0009).
    """
    calculated = score(effective)
    base = assemble_baseline(current, effective, calculated)
    energy, meters = energy_block(calculated)
    bills = price_portfolio(energy, meters, rates)
    carbon = carbon_portfolio(energy, factors)
    metered = expected_metered(base["effective_primary_energy_kwh_per_m2"], base["effective_band"]).select(
        pl.col("expected_metered_primary_energy_kwh_m2_estimate")
    )
    out = (
        pl.concat([base, metered], how="horizontal")
        .join(bills, on="property_id", how="left")
        .join(carbon, on="property_id", how="left")
        .join(input_keys(current, effective, versions), on="property_id", how="left")
        .with_columns(pl.lit(rates_version, pl.Int64).alias("rates_version"))
    )
    return conform(out).sort("property_id")
