"""`property_baseline`: where each home stands today and what it costs its tenant.

Thin wiring over `ara_assets.baseline` (pure). Incremental: a property is recomputed only when its input
key changed (effective-EPC physical hash, current certificate, rates and factors versions, calculator
code); the other rows are kept from Postgres. The table is rewritten for the portfolio in one transaction.
"""

# No `from __future__ import annotations` here: Dagster reads the resource annotations of asset functions
# at decoration time and cannot resolve them as strings.

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import polars as pl

from ara_assets.baseline.compute import compute_baseline, versions_tag
from ara_assets.baseline.performance import BASELINE_SCHEMA, input_keys, summarise
from ara_assets.baseline.rates import factors_as_of, rates_as_of
from ara_assets.defs.partitions import portfolios
from ara_assets.epc.bands import band_expr
from ara_assets.resources.scoring import ScoringEndpoint
from ara_assets.resources.warehouse import WarehouseResource
from ara_assets.resources.warehouse_baseline import BaselineRepository

_NON_NEGATIVE = [c for c, t in BASELINE_SCHEMA.items() if c.endswith("_kwh") and t == pl.Float64()] + [
    "energy_cost_gbp",
    "standing_charge_gbp",
    "total_bill_gbp",
]


def _version(frame: pl.DataFrame) -> int | None:
    return int(frame["rates_version"].max()) if "rates_version" in frame.columns and frame.height else None


@dg.asset(
    partitions_def=portfolios,
    group_name="baseline",
    kinds={"postgres", "polars"},
    automation_condition=dg.AutomationCondition.eager(),
    check_specs=[
        dg.AssetCheckSpec("every_property_present", asset="property_baseline", blocking=True),
        dg.AssetCheckSpec("sap_in_range_and_band_consistent", asset="property_baseline", blocking=True),
        dg.AssetCheckSpec("energy_and_bills_non_negative", asset="property_baseline", blocking=True),
    ],
    description="Lodged and effective performance side by side (SAP, band, EI, CO2, primary energy), the "
    "rebaseline reason, and the energy block: delivered kWh per end use and fuel, bills at current fuel "
    "rates, "
    "carbon at current and SAP factors, and an expected-metered estimate. Persisted to "
    "property_baseline_performance.",
)
def property_baseline(
    context: dg.AssetExecutionContext,
    epc_cache: pl.DataFrame,
    effective_epc: pl.DataFrame,
    fuel_rates: pl.DataFrame,
    carbon_factors: pl.DataFrame,
    warehouse: WarehouseResource,
    scoring: ScoringEndpoint,
) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
    portfolio = context.partition_key
    today = dt.date.today()
    rates_version, factors_version = _version(fuel_rates), _version(carbon_factors)
    versions = versions_tag(rates_version, factors_version)
    wh = warehouse.warehouse()
    with wh.unit_of_work() as uow:
        record = uow.portfolios.by_name(portfolio)
        if record is None:
            raise dg.Failure(f"portfolio {portfolio!r} is not in the warehouse")
        previous = BaselineRepository(uow.connection).for_portfolio(record.id)

    keys = input_keys(epc_cache, effective_epc, versions)
    unchanged = keys.join(
        previous.select("property_id", "input_key"), on=["property_id", "input_key"], how="semi"
    )
    keep_ids = unchanged["property_id"].to_list()
    todo = keys.join(unchanged, on="property_id", how="anti")["property_id"]
    context.log.info(
        f"portfolio {portfolio}: {epc_cache.height} properties, {todo.len()} to compute, "
        f"{len(keep_ids)} unchanged"
    )
    fresh = compute_baseline(
        epc_cache.filter(pl.col("property_id").is_in(todo.implode())),
        effective_epc.filter(pl.col("property_id").is_in(todo.implode())),
        rates_as_of(fuel_rates, today, region=None),
        factors_as_of(carbon_factors, today),
        versions,
        rates_version,
        score=scoring.score,
    )
    kept = previous.filter(pl.col("property_id").is_in(keep_ids))
    baseline = pl.concat([kept, fresh]).sort("property_id")

    checks = _checks(baseline, epc_cache)
    if all(c.passed for c in checks):
        # One transaction: the recomputed rows replace the old ones together, or nothing changes.
        with wh.unit_of_work() as uow:
            BaselineRepository(uow.connection).replace(record.id, fresh, keep=keep_ids)
    else:
        context.log.error("baseline checks failed: the warehouse keeps the previous baseline")

    summary = summarise(baseline)
    for row in fresh.filter(pl.col("divergent")).head(5).iter_rows(named=True):
        context.log.info(
            f"property {row['property_id']}: lodged SAP {row['lodged_sap_rating']} vs calculated "
            f"{row['calculated_sap_rating']:.2f} (divergent, not rebaselined)"
        )
    yield dg.Output(
        baseline,
        metadata={
            "properties": baseline.height,
            "recomputed": fresh.height,
            "unchanged": len(keep_ids),
            "rates_version": rates_version,
            "factors_version": factors_version,
            "lodged_bands": dg.MetadataValue.json(summary["lodged_bands"]),
            "effective_bands": dg.MetadataValue.json(summary["effective_bands"]),
            "rebaselined": dg.MetadataValue.json(summary["rebaselined"]),
            "divergent": summary["divergent"],
            "calculation_failed": summary["calculation_failed"],
            "bill_errors": summary["bill_errors"],
            "mean_annual_bill_gbp": summary["mean_annual_bill_gbp"],
            "total_co2_tonnes": summary["total_co2_tonnes"],
        },
    )
    yield from checks


def _checks(baseline: pl.DataFrame, epc_cache: pl.DataFrame) -> list[dg.AssetCheckResult]:
    expected = set(epc_cache["property_id"].to_list())
    got = baseline["property_id"].to_list()
    missing = sorted(expected - set(got))[:10]
    scored = baseline.filter(pl.col("effective_sap_rating_int").is_not_null())
    # SAP 10.2 section 13: the rating is at least 1; above 100 is possible for net exporters.
    out_of_range = scored.filter(~pl.col("effective_sap_rating_int").is_between(1, 150)).height
    band_mismatch = scored.filter(pl.col("effective_band") != band_expr(pl.col("effective_sap_rating_int")))[
        "property_id"
    ].to_list()
    negative = {
        c: int((baseline[c] < 0).sum())
        for c in _NON_NEGATIVE
        if c in baseline.columns and (baseline[c] < 0).any()
    }
    return [
        dg.AssetCheckResult(
            check_name="every_property_present",
            passed=not missing and len(got) == len(set(got)) == len(expected),
            metadata={"expected": len(expected), "rows": len(got), "missing_sample": str(missing)},
        ),
        dg.AssetCheckResult(
            check_name="sap_in_range_and_band_consistent",
            passed=out_of_range == 0 and not band_mismatch,
            metadata={"out_of_range": out_of_range, "band_mismatch_sample": str(band_mismatch[:10])},
        ),
        dg.AssetCheckResult(
            check_name="energy_and_bills_non_negative",
            passed=not negative,
            metadata={"negative_columns": dg.MetadataValue.json(negative)},
        ),
    ]
