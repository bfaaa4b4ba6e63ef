"""`candidate_recommendations` and `phase_plans`: what each home could have, and the optimised plan.

Wiring only: read the frames and the scenario snapshots from the resources, call
`ara_assets.modelling.portfolio` (pure: the homes modelled, the scenario loop, the plans of every scenario,
the allocation's yearly budget and start year), guard with `modelling.invariants`, write, report metadata.
docs/adr/0010-phase-plans.md explains the split: the candidates of phase p are scored against the end of
phase p-1 under the chosen packages, so the optimiser runs in `candidate_recommendations` (marking
`in_package`); `phase_plans` rebuilds the states from those packages, attributes each package to its
measures by sequential re-scoring, values the band changes, runs the portfolio budget allocation, checks
and persists.

Scenario snapshots: `candidate_recommendations` reads every scenario once (`uow.scenarios.snapshot`) and
writes the snapshot into its output (`scenario_snapshot`, one categorical value per scenario) and its
metadata (name -> version); `phase_plans` plans with that pinned snapshot, never the live row.

Incremental (docs/adr/0025): `candidate_recommendations` keys every (home, scenario) by what its candidates
are computed from (`modelling.incremental.candidate_input_keys`), reuses its previous output's rows of the
unchanged pairs and models only the others; the blocking checks run on the whole output. `phase_plans`
does the same per (home, scenario) plan (`modelling.incremental_plans`, docs/adr/0029): it expands and builds
only the changed pairs, funds and allocates every home, checks the whole output and rewrites in Postgres only
the plans whose stored rows changed.
"""

# No `from __future__ import annotations` here: Dagster reads the Config and resource annotations of asset
# functions at decoration time and cannot resolve them as strings.

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import dagster as dg
import polars as pl

from ara_assets.defs.guard import guard
from ara_assets.defs.metadata import md_table, money, preview, rollup_table, standard
from ara_assets.defs.partitions import portfolios
from ara_assets.defs.previous import previous_output
from ara_assets.modelling.incremental import candidate_input_keys, incremental_candidates
from ara_assets.modelling.incremental_plans import incremental_plans, plan_input_keys
from ara_assets.modelling.invariants import candidate_invariants, plan_invariants
from ara_assets.modelling.portfolio import (
    PortfolioPlans,
    allocation_start_year,
    current_prices,
    home_attributes,
)
from ara_assets.modelling.rollup import rollup, with_grants
from ara_assets.resources.scoring import ScoringEndpoint
from ara_assets.resources.warehouse.locks import lock_portfolio
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource
from ara_assets.settings import worker_processes


class CandidateConfig(dg.Config):
    scenarios: list[str] = []
    """Scenario names to model; empty: every scenario in the warehouse."""
    top_k: int = 7
    """Options per home and phase searched exhaustively (2^top_k subsets ranked before exact re-scoring)."""


class PlansConfig(dg.Config):
    yearly_budget_gbp: float | None = None
    """Portfolio budget per year for the allocation (HiGHS); None: no allocation is run."""
    start_year: int | None = None
    """First year of the allocation; default: this year."""


def _attributes(warehouse: WarehouseResource, portfolio: str) -> pl.DataFrame:
    with warehouse.warehouse().unit_of_work() as uow:
        return home_attributes(uow.attributes.for_portfolio(portfolio))


@dg.asset(
    partitions_def=portfolios,
    group_name="modelling",
    kinds={"polars"},
    automation_condition=dg.AutomationCondition.eager(),
    check_specs=[
        dg.AssetCheckSpec(name, asset="candidate_recommendations", blocking=True)
        for name in ("start_sap_in_range", "cost_finite_and_non_negative", "every_row_names_its_home")
    ],
    description="Per property, scenario and phase: every eligible measure option with its cost and its exact "
    "impact on SAP, CO2, primary energy and bills against the state at the start of the phase (each option "
    "an edit of the home's SAP inputs, re-scored by the calculator in one batch). `in_package` marks the "
    "options of the optimised package; `scenario_version` the pinned scenario snapshot.",
)
def candidate_recommendations(
    context: dg.AssetExecutionContext,
    config: CandidateConfig,
    effective_epc: pl.DataFrame,
    sap_inputs: pl.DataFrame,
    property_baseline: pl.DataFrame,
    fuel_rates: pl.DataFrame,
    carbon_factors: pl.DataFrame,
    warehouse: WarehouseResource,
    io_manager: dg.ResourceParam[Any],
    scoring: ScoringEndpoint,  # set up for the run: installs the imported PCDB the measures score with
) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
    portfolio = context.partition_key
    with warehouse.warehouse().unit_of_work() as uow:
        names = config.scenarios or uow.scenarios.names()
        try:
            snapshots = {name: uow.scenarios.snapshot(name) for name in names}
        except KeyError as exc:
            raise dg.Failure(str(exc)) from None
    if not snapshots:
        context.log.warning("no scenarios in the warehouse: nothing to model (ara scenario create FILE)")
    today = dt.date.today()
    rates, factors = current_prices(fuel_rates, carbon_factors, today)
    attrs = _attributes(warehouse, portfolio)
    # Incremental (docs/adr/0025): only the (home, scenario) pairs whose input key changed are modelled.
    keys = candidate_input_keys(
        effective_epc,
        property_baseline,
        attrs,
        snapshots,
        rates,
        factors,
        this_year=today.year,
        top_k=config.top_k,
    )
    run = incremental_candidates(
        keys,
        previous_output(io_manager, "candidate_recommendations", portfolio),
        snapshots,
        effective_epc,
        property_baseline,
        attrs,
        rates,
        factors,
        this_year=today.year,
        top_k=config.top_k,
        progress=lambda line: context.log.info(f"candidate_recommendations: {line}"),
        workers=worker_processes(),
        sap_inputs=sap_inputs,
    )
    context.log.info(
        f"portfolio {portfolio}: {run.recomputed} (home, scenario) pairs to model, {run.unchanged} unchanged"
    )
    out, scored, seconds = run.candidates, run.variants_scored, run.seconds
    per_phase = (
        out.group_by("scenario", "phase").agg(
            pl.len().alias("options"), pl.col("in_package").sum().alias("chosen")
        )
        if out.height
        else pl.DataFrame()
    )
    # Before the IO manager stores anything: a failure leaves the previous candidates for phase_plans.
    checks = guard("candidate_recommendations", portfolio, candidate_invariants(out))
    yield dg.Output(
        out,
        metadata={
            **standard(out.drop("scenario_snapshot")),
            "homes_modelled": run.homes_modelled,
            "homes_refused": len(run.refused),
            # (home, scenario) pairs modelled in this run and those whose previous rows were reused
            "recomputed": run.recomputed,
            "unchanged": run.unchanged,
            "reused_rows": run.reused_rows,
            "scenario_versions": md_table(
                ["scenario", "version"], [(n, s["version"]) for n, s in snapshots.items()]
            ),
            "candidate_rows": out.height,
            "variants_scored": scored,
            "variants_per_second": round(scored / seconds, 1) if seconds > 0 else None,
            "options_per_phase": md_table(
                ["scenario", "phase", "options scored", "chosen"],
                [
                    (r["scenario"], r["phase"], r["options"], r["chosen"])
                    for r in per_phase.sort("scenario", "phase").iter_rows(named=True)
                ]
                if per_phase.height
                else [],
            ),
        },
    )
    yield from checks


@dg.asset(
    partitions_def=portfolios,
    group_name="modelling",
    kinds={"postgres", "polars"},
    automation_condition=dg.AutomationCondition.eager(),
    check_specs=[
        dg.AssetCheckSpec(
            "no_plan_over_budget",
            asset="phase_plans",
            blocking=True,
            description="No phase costs more than its budget per home, and no plan more than the scenario's "
            "budget per home.",
        ),
        dg.AssetCheckSpec(
            "no_ineligible_measure",
            asset="phase_plans",
            blocking=True,
            description="Every measure of a plan was an eligible candidate of its phase, and every heat pump "
            "sits on fabric that meets the heat-pump standard.",
        ),
        dg.AssetCheckSpec(
            "no_phase_worse_on_its_goal",
            asset="phase_plans",
            blocking=True,
            description="No phase leaves a home worse on the phase's own goal metric than it started.",
        ),
        dg.AssetCheckSpec(
            "attribution_sums_to_totals",
            asset="phase_plans",
            blocking=True,
            description="Each phase's per-measure costs and effects add up to the phase totals.",
        ),
        dg.AssetCheckSpec(
            "sap_before_in_range",
            asset="phase_plans",
            blocking=True,
            description="Every modelled home starts its first phase from a SAP rating within the baseline's "
            "range (a nonsense start rating never reaches the plans table).",
        ),
    ],
    description="Per property and scenario, phase by phase: the optimised package (cheapest reaching the "
    "phase target within budget, else the largest gain), SAP, band, CO2, bills, cost to date and value "
    "uplift after each phase, per-measure attribution in install order; the portfolio budget allocation "
    "(HiGHS). Persisted to plans, plan_phases, plan_measures, plan_grants, plan_allocations (only the plans "
    "whose rows changed are rewritten). Incremental: only plans whose inputs changed are built again; the "
    "stored output (phase rows with their measures and the plan's input key) is what the next run reuses.",
)
def phase_plans(
    context: dg.AssetExecutionContext,
    config: PlansConfig,
    candidate_recommendations: pl.DataFrame,
    effective_epc: pl.DataFrame,
    sap_inputs: pl.DataFrame,
    property_baseline: pl.DataFrame,
    fuel_rates: pl.DataFrame,
    carbon_factors: pl.DataFrame,
    warehouse: WarehouseResource,
    io_manager: dg.ResourceParam[Any],
) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
    portfolio = context.partition_key
    with warehouse.warehouse().unit_of_work() as uow:
        record = uow.portfolios.by_name(portfolio)
    if record is None:
        raise dg.Failure(f"portfolio {portfolio!r} is not in the warehouse")
    today = dt.date.today()
    rates, factors = current_prices(fuel_rates, carbon_factors, today)
    # where the step's time goes (metadata `seconds`)
    seconds: dict[str, float] = {}
    lap = time.perf_counter()

    def _lap(part: str) -> None:
        nonlocal lap
        now = time.perf_counter()
        seconds[part] = round(now - lap, 2)
        lap = now

    attrs = _attributes(warehouse, portfolio)
    # Incremental (docs/adr/0029): only the (home, scenario) plans whose input key changed are built.
    keys = plan_input_keys(effective_epc, property_baseline, attrs, candidate_recommendations, rates, factors)
    previous = previous_output(io_manager, "phase_plans", portfolio)
    _lap("keys")
    run = incremental_plans(
        keys,
        previous,
        candidate_recommendations,
        effective_epc,
        property_baseline,
        attrs,
        rates,
        factors,
        start_year=allocation_start_year(config.start_year, today),
        yearly_budget_gbp=config.yearly_budget_gbp,
        progress=lambda line: context.log.info(f"phase_plans: {line}"),
        workers=worker_processes(),
        sap_inputs=sap_inputs,
    )
    seconds.update(run.seconds)
    lap = time.perf_counter()
    planned = run.planned
    phases, measures, grants = planned.phases, planned.measures, planned.grants
    scenarios, allocation_meta = planned.scenarios, planned.allocation_meta
    context.log.info(
        f"portfolio {portfolio}: {run.recomputed} (home, scenario) plans built, {run.unchanged} unchanged"
    )
    # The blocking rules run on every plan before anything is stored (Postgres plans or the Parquet file).
    checks = guard(
        "phase_plans", portfolio, plan_invariants(planned.plans, candidate_recommendations, scenarios)
    )
    _lap("checks")
    with warehouse.warehouse().unit_of_work() as uow:
        lock_portfolio(uow.connection, portfolio)
        written = uow.plans.replace(
            record.id,
            phases,
            measures,
            planned.allocations,
            grants=grants,
            input_keys=run.output.select("scenario", "property_id", "input_key"),
        )
    context.log.info(f"plans written: {written}")
    _lap("write")
    report_path = _write_report(warehouse, portfolio, context, planned, seconds)
    rolled = with_grants(rollup(phases), grants) if phases.height else []
    misses = phases.filter(pl.col("miss_reason").is_not_null()) if phases.height else phases
    yield dg.Output(
        run.output,
        metadata={
            **standard(run.output),
            # homes with a plan built from a scored start state (now or reused)
            "homes": run.output.filter(pl.col("modelled"))["property_id"].n_unique(),
            # (home, scenario) plans built in this run and those whose previous rows were reused
            "recomputed": run.recomputed,
            "unchanged": run.unchanged,
            "homes_expanded": run.homes_expanded,
            # (home, scenario) plans rewritten in Postgres (their stored rows changed) and removed
            "pairs_written": written["pairs_written"],
            "pairs_deleted": written["pairs_deleted"],
            "seconds": md_table(["part", "seconds"], list(seconds.items())),
            "plans_by_phase": rollup_table(rolled),
            "scenario_versions": md_table(
                ["scenario", "version"],
                [
                    (n, int(phases.filter(pl.col("scenario") == n)["scenario_version"].max() or 0))
                    for n in scenarios
                ],
            ),
            "total_cost_gbp": round(float(phases["cost_gbp"].sum()), 2) if phases.height else 0.0,
            "total_grant_gbp": round(float(phases["grant_gbp"].sum()), 2) if phases.height else 0.0,
            "grants_by_scheme": md_table(
                ["scenario", "scheme", "grant"],
                [(s["scenario"], k, money(v)) for s in rolled for k, v in s["grant_by_scheme_gbp"].items()],
            ),
            "homes_missing_a_target": sum(s["unreachable_count"] for s in rolled),
            "homes_not_modelled": sum(s["not_modelled_count"] for s in rolled),
            "home_phases_missing_target": preview(
                misses.select("scenario", "property_id", "phase", "miss_reason", "miss_detail").sort(
                    "scenario", "miss_reason", "property_id", "phase"
                )
            ),
            "where_to_look": "Every home's plan: `ara plan show PORTFOLIO --property ID`, "
            "`ara export plans PORTFOLIO --format xlsx --out plans.xlsx`, or the plan_phases table.",
            "report": dg.MetadataValue.path(report_path) if report_path else "not written (checks failed)",
            "allocation": md_table(
                [
                    "scenario",
                    *sorted({k for m in allocation_meta.values() for k in m if k != "spend_by_year"}),
                ],
                [
                    (
                        n,
                        *[
                            m.get(k)
                            for k in sorted(
                                {k for m in allocation_meta.values() for k in m if k != "spend_by_year"}
                            )
                        ],
                    )
                    for n, m in allocation_meta.items()
                ],
            )
            if allocation_meta
            else "no yearly_budget_gbp configured",
        },
    )
    yield from checks


def _write_report(
    warehouse: WarehouseResource,
    portfolio: str,
    context: dg.AssetExecutionContext,
    planned: PortfolioPlans,
    seconds: dict[str, float],
) -> str | None:
    """The portfolio report of the plans just stored, under ARA_HOME/reports/; its path, or None.
    The plans come from memory (`bundle_of_plans`, equal to reading the tables back); the properties,
    baseline and attributes are read. Adds the seconds spent reading and rendering to `seconds`."""
    from ara_assets.report.html import render_report
    from ara_assets.report.load import bundle_of_plans
    from ara_assets.settings import ara_home

    try:
        started = time.perf_counter()
        with warehouse.warehouse().unit_of_work() as uow:
            bundle = bundle_of_plans(
                uow, portfolio, planned.phases, planned.measures, planned.grants, planned.allocations
            )
        loaded = time.perf_counter()
        path = ara_home() / "reports" / f"{portfolio}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_report(bundle), encoding="utf-8")
        seconds["report_load"] = round(loaded - started, 2)
        seconds["report_render"] = round(time.perf_counter() - loaded, 2)
    except (OSError, LookupError) as exc:
        context.log.warning(f"portfolio report not written: {exc}")
        return None
    return str(path)
