"""`property_baseline`: where each home stands today and what it costs its tenant.

Thin wiring over `ara_assets.baseline` (pure). Incremental: a property is recomputed only when its input
key changed (effective-EPC physical hash, current certificate, rates and factors versions, calculator
code); the other rows are kept from the asset's previous output (`property.reuse`, docs/adr/0025). The
table is rewritten for the portfolio in one transaction.
"""

# No `from __future__ import annotations` here: Dagster reads the resource annotations of asset functions
# at decoration time and cannot resolve them as strings.

import datetime as dt
from collections.abc import Iterator
from typing import Any

import dagster as dg
import polars as pl

from ara_assets.baseline.compute import compute_baseline, versions_tag
from ara_assets.baseline.invariants import baseline_invariants
from ara_assets.baseline.performance import BASELINE_SCHEMA, divergence_reason_expr, input_keys, summarise
from ara_assets.baseline.rates import factors_as_of, rates_as_of
from ara_assets.defs.guard import guard
from ara_assets.defs.metadata import band_table, md_table, preview, standard
from ara_assets.defs.partitions import portfolios
from ara_assets.defs.previous import previous_output
from ara_assets.epc.bands import SAP_RANGE
from ara_assets.modelling.sap_inputs import refresh, sap_inputs_invariants
from ara_assets.pcdb import active as pcdb_active
from ara_assets.property.reuse import KEY_SCHEMA, reusable_rows
from ara_assets.resources.register.progress import FetchProgress
from ara_assets.resources.scoring import ScoringEndpoint
from ara_assets.resources.warehouse.locks import lock_portfolio
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource
from ara_assets.settings import worker_processes

# Homes per baseline chunk: large enough to keep the worksheet vectorised, small enough to log progress.
BASELINE_CHUNK_HOMES = 5_000


def _version(frame: pl.DataFrame) -> int | None:
    return int(frame["rates_version"].max()) if "rates_version" in frame.columns and frame.height else None


@dg.asset(
    partitions_def=portfolios,
    group_name="baseline",
    kinds={"polars"},
    automation_condition=dg.AutomationCondition.eager(),
    check_specs=[
        dg.AssetCheckSpec(
            "one_row_per_home_with_a_document",
            asset="sap_inputs",
            blocking=True,
            description="Every home with an effective EPC document has exactly one row: its SAP inputs or "
            "the expansion's refusal.",
        ),
    ],
    description="The SAP 10.2 worksheet inputs of every home's effective EPC (the RdSAP 10 expansion) and "
    "the eligibility features modelling reads, one row per home: the one expansion the baseline scores "
    "and every plan starts from. Incremental: only homes whose document changed are expanded again.",
)
def sap_inputs(
    context: dg.AssetExecutionContext,
    effective_epc: pl.DataFrame,
    io_manager: dg.ResourceParam[Any],
    scoring: ScoringEndpoint,  # set up for the run: installs the imported PCDB the expansion looks up
) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
    portfolio = context.partition_key
    rows, expanded = refresh(
        effective_epc, previous_output(io_manager, "sap_inputs", portfolio), workers=worker_processes()
    )
    refused = int(rows["expansion_error"].is_not_null().sum())
    context.log.info(f"sap_inputs: {expanded} homes expanded, {rows.height - expanded} unchanged")
    checks = guard("sap_inputs", portfolio, sap_inputs_invariants(rows, effective_epc))
    yield dg.Output(
        rows,
        metadata={
            "rows": rows.height,
            "expanded": expanded,
            "unchanged": rows.height - expanded,
            "refused_by_the_expansion": refused,
        },
    )
    yield from checks


@dg.asset(
    partitions_def=portfolios,
    group_name="baseline",
    kinds={"postgres", "polars"},
    automation_condition=dg.AutomationCondition.eager(),
    check_specs=[
        dg.AssetCheckSpec(
            "one_row_per_property",
            asset="property_baseline",
            blocking=True,
            description="Every property of the portfolio has exactly one baseline row (scored or with the "
            "reason it is not).",
        ),
        dg.AssetCheckSpec(
            "sap_in_range_and_band_consistent",
            asset="property_baseline",
            blocking=True,
            description=f"Effective SAP ratings lie in {SAP_RANGE[0]}-{SAP_RANGE[1]} and each band matches "
            "its rating (SAP 10.2 section 13).",
        ),
        dg.AssetCheckSpec(
            "energy_and_bills_non_negative",
            asset="property_baseline",
            blocking=True,
            description="Delivered energy, bills and carbon are never negative.",
        ),
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
    sap_inputs: pl.DataFrame,
    fuel_rates: pl.DataFrame,
    carbon_factors: pl.DataFrame,
    warehouse: WarehouseResource,
    scoring: ScoringEndpoint,
    io_manager: dg.ResourceParam[Any],
) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
    portfolio = context.partition_key
    today = dt.date.today()
    rates_version, factors_version = _version(fuel_rates), _version(carbon_factors)
    # the PCDB of this run's scores (installed by the scoring resource's set-up), named in every key
    versions = versions_tag(rates_version, factors_version, pcdb_active())
    wh = warehouse.warehouse()
    with wh.unit_of_work() as uow:
        record = uow.portfolios.by_name(portfolio)
        if record is None:
            raise dg.Failure(f"portfolio {portfolio!r} is not in the warehouse")

    reuse = reusable_rows(
        input_keys(epc_cache, effective_epc, versions),
        previous_output(io_manager, "property_baseline", portfolio),
        BASELINE_SCHEMA,
    )
    keep_ids, todo = reuse.kept_ids, reuse.todo_ids
    context.log.info(
        f"portfolio {portfolio}: {epc_cache.height} properties, {todo.len()} to compute, "
        f"{len(keep_ids)} unchanged"
    )
    rates, factors = rates_as_of(fuel_rates, today, region=None), factors_as_of(carbon_factors, today)
    # In chunks of homes (every row is computed from its own home only), so a large portfolio logs progress
    # (done/total, rate, ETA) as it goes; at most one chunk is in memory beyond the inputs.
    progress = FetchProgress(context.log.info, label="baseline", unit="homes")
    todo_ids = todo.to_list()
    chunks = [todo_ids[i : i + BASELINE_CHUNK_HOMES] for i in range(0, len(todo_ids), BASELINE_CHUNK_HOMES)]
    parts = []
    done = 0
    for chunk in chunks or [[]]:
        ids = pl.Series("property_id", chunk, dtype=todo.dtype).implode()
        expanded = sap_inputs.filter(pl.col("property_id").is_in(ids))
        parts.append(
            compute_baseline(
                epc_cache.filter(pl.col("property_id").is_in(ids)),
                effective_epc.filter(pl.col("property_id").is_in(ids)),
                rates,
                factors,
                versions,
                rates_version,
                # in-process scoring reads the homes' SAP inputs (the sap_inputs asset) instead of
                # expanding their documents again
                score=lambda effective, expanded=expanded: scoring.score(effective, sap_inputs=expanded),
            )
        )
        done += len(chunk)
        if chunk:
            progress(done, len(todo_ids))
    fresh = pl.concat(parts).sort("property_id")
    baseline = pl.concat([reuse.kept, fresh]).sort("property_id")

    # The blocking rules run before anything is stored: a failure ends the step here, so Postgres and
    # the Parquet file keep the previous baseline and no modelling step reads the rejected rows.
    checks = guard("property_baseline", portfolio, baseline_invariants(baseline, epc_cache))
    # One transaction: the recomputed rows replace the old ones together, or nothing changes. A reused row
    # that the table lacks or holds under another key (a restored database, a write that failed after the
    # commit) is written with the fresh rows, so the table holds exactly this run's rows.
    with wh.unit_of_work() as uow:
        lock_portfolio(uow.connection, portfolio)
        stored = reusable_rows(
            reuse.kept.select("property_id", "input_key"), uow.baseline.keys(record.id), KEY_SCHEMA
        )
        written = pl.concat(
            [fresh, reuse.kept.filter(pl.col("property_id").is_in(stored.todo_ids.implode()))]
        )
        uow.baseline.replace(record.id, written, keep=stored.kept_ids)

    summary = summarise(baseline)
    divergent = fresh.filter(pl.col("divergent")).with_columns(divergence_reason_expr())
    for row in divergent.head(5).iter_rows(named=True):
        context.log.info(
            f"property {row['property_id']}: lodged SAP {row['lodged_sap_rating']} vs calculated "
            f"{row['calculated_sap_rating']:.2f} (divergent: {row['divergence_reason']}, not rebaselined)"
        )
    yield dg.Output(
        baseline,
        metadata={
            **standard(baseline),
            "properties": baseline.height,
            "recomputed": fresh.height,
            "unchanged": len(keep_ids),
            "rates_version": rates_version,
            "factors_version": factors_version,
            "bands": band_table({"lodged": summary["lodged_bands"], "effective": summary["effective_bands"]}),
            "rebaselined": md_table(["reason", "homes"], list(summary["rebaselined"].items())),
            "source_paths": md_table(["source path", "homes"], list(summary["source_paths"].items())),
            "mean_sap_sd": summary["mean_sap_sd"],
            "homes_needing_attention": preview(_attention(baseline)),
            "divergent": summary["divergent"],
            "divergent_by_reason": md_table(
                ["reason", "homes"], list(summary["divergent_by_reason"].items())
            ),
            "calculation_failed": summary["calculation_failed"],
            "bill_errors": summary["bill_errors"],
            "mean_annual_bill_gbp": summary["mean_annual_bill_gbp"],
            "total_co2_tonnes": summary["total_co2_tonnes"],
        },
    )
    yield from checks


def _attention(baseline: pl.DataFrame) -> pl.DataFrame:
    """Homes an analyst should look at: no baseline, an unpriced bill, or a divergent rating."""
    issue = (
        pl.when(pl.col("baseline_status") != "ok")
        .then(pl.lit("not modelled"))
        .when(pl.col("bill_error").is_not_null())
        .then(pl.lit("bill not priced"))
        .when(pl.col("divergent"))
        .then(pl.lit("divergent"))
    )
    reason = (
        pl.when(pl.col("baseline_status") != "ok")
        .then(pl.col("baseline_reason"))
        .when(pl.col("bill_error").is_not_null())
        .then(pl.col("bill_error"))
        .otherwise(
            pl.format(
                "lodged SAP {} vs calculated {} ({})",
                pl.col("lodged_sap_rating").round(1),
                pl.col("calculated_sap_rating").round(1),
                divergence_reason_expr(),
            )
        )
    )
    return (
        baseline.with_columns(issue.alias("issue"), reason.alias("reason"))
        .filter(pl.col("issue").is_not_null())
        .select("property_id", "uprn", "issue", "reason")
        .sort("issue", "property_id")
    )
