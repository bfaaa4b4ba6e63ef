"""`candidate_recommendations` and `phase_plans`: what each home could have, and the optimised plan.

Thin wiring over `ara_assets.modelling` (pure): candidates.py / optimiser.py / plans.py / rollup.py /
allocation.py. docs/adr/0010-phase-plans.md explains the split: the candidates of phase p are scored
against the end of phase p-1 under the chosen packages, so the optimiser runs in
`candidate_recommendations` (marking `in_package`); `phase_plans` rebuilds the states from those
packages, attributes each package to its measures by sequential re-scoring, values the band changes,
runs the portfolio budget allocation, checks and persists.

Scenario snapshots: `candidate_recommendations` reads every scenario once (`uow.scenarios.snapshot`) and
writes the snapshot into its output (`scenario_snapshot`, one categorical value per scenario) and its
metadata (name -> version); `phase_plans` plans with that pinned snapshot, never the live row.
"""

# No `from __future__ import annotations` here: Dagster reads the Config and resource annotations of asset
# functions at decoration time and cannot resolve them as strings.

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator

import dagster as dg
import numpy as np
import polars as pl

from ara_assets.baseline.rates import factors_as_of, rates_as_of
from ara_assets.defs.guard import guard
from ara_assets.defs.metadata import md_table, money, preview, rollup_table, standard
from ara_assets.defs.partitions import portfolios
from ara_assets.modelling.allocation import AllocationError, allocate
from ara_assets.modelling.candidates import CANDIDATE_SCHEMA, start_inputs
from ara_assets.modelling.funding import (
    GRANT_SCHEMA,
    grants_after_end,
    load_funding_rules,
    net_cost_price,
    phase_first_years,
)
from ara_assets.modelling.invariants import candidate_invariants, plan_invariants
from ara_assets.modelling.optimiser import Price
from ara_assets.modelling.outcomes import OUTCOME_SCHEMA, plan_outcomes
from ara_assets.modelling.plans import (
    MEASURE_SCHEMA,
    Plans,
    build_plans,
    packages_from_candidates,
    run_scenario,
)
from ara_assets.modelling.rollup import rollup, with_grants
from ara_assets.modelling.scenarios import Scenario
from ara_assets.resources.warehouse.locks import lock_portfolio
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource


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


def _rates(fuel_rates: pl.DataFrame, carbon_factors: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    today = dt.date.today()
    return rates_as_of(fuel_rates, today, region=None), factors_as_of(carbon_factors, today)


def _homes(
    effective_epc: pl.DataFrame, property_baseline: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, dict[int, str]]:
    """SAP inputs and features of the homes whose baseline was scored."""
    ok = property_baseline.filter(pl.col("baseline_status") == "ok")["property_id"]
    return start_inputs(effective_epc.filter(pl.col("property_id").is_in(ok.implode())))


def sap_spread(inputs: pl.DataFrame, property_baseline: pl.DataFrame) -> np.ndarray:
    """The baseline SAP spread of each home of `inputs` (row-aligned; NaN where unknown)."""
    spread = property_baseline.select(
        pl.col("property_id").cast(pl.String).alias("home_id"),
        pl.col("effective_sap_sd") if "effective_sap_sd" in property_baseline.columns
        else pl.lit(None, pl.Float64).alias("effective_sap_sd"),
    )  # fmt: skip
    aligned = inputs.select("home_id").join(spread, on="home_id", how="left", maintain_order="left")
    return aligned["effective_sap_sd"].cast(pl.Float64).fill_null(np.nan).to_numpy()


def _attributes(warehouse: WarehouseResource, portfolio: str) -> pl.DataFrame:
    with warehouse.warehouse().unit_of_work() as uow:
        attrs = uow.attributes.for_portfolio(portfolio)
    return attrs.select(
        pl.col("property_id").cast(pl.String).alias("home_id"),
        "listed_building",
        "conservation_area",
        "property_value_gbp",
        "tenure",
        "on_gas_grid",
    )


def _net_cost_pricing(
    scenario: Scenario, attrs: pl.DataFrame, property_baseline: pl.DataFrame
) -> Callable[[int], Price | None] | None:
    """Objective `net_cost`: phase index -> the optimiser's price (cost less the grants a package draws)."""
    if scenario.objective != "net_cost":
        return None
    rules = load_funding_rules()
    homes = attrs.select("home_id", "tenure", "on_gas_grid").join(
        property_baseline.select(
            pl.col("property_id").cast(pl.String).alias("home_id"),
            pl.col("effective_band").alias("band_at_start"),
        ),
        on="home_id",
        how="left",
    )
    firsts = phase_first_years([p.target_year for p in scenario.phases], dt.date.today().year)
    schemes = list(scenario.funding_schemes)
    return lambda i: net_cost_price(schemes, homes, scenario.tenure, rules, phase_first_year=firsts[i])


def _refused(property_baseline: pl.DataFrame, expansion_refused: dict[int, str]) -> pl.DataFrame:
    """property_id, reason of every home without a scored start state (baseline or SAP-input expansion)."""
    no_baseline = property_baseline.filter(pl.col("baseline_status") != "ok").select(
        "property_id",
        pl.coalesce(pl.col("baseline_reason"), pl.col("baseline_status")).alias("reason"),
    )
    expansion = pl.DataFrame(
        {"property_id": list(expansion_refused), "reason": list(expansion_refused.values())},
        schema={"property_id": pl.Int64, "reason": pl.String},
    )
    return pl.concat([no_baseline.cast({"property_id": pl.Int64}), expansion]).unique("property_id")


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
    property_baseline: pl.DataFrame,
    fuel_rates: pl.DataFrame,
    carbon_factors: pl.DataFrame,
    warehouse: WarehouseResource,
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
    rates, factors = _rates(fuel_rates, carbon_factors)
    inputs, features, refused = _homes(effective_epc, property_baseline)
    attrs = _attributes(warehouse, portfolio)
    features = features.join(
        attrs.select("home_id", "listed_building", "conservation_area"), on="home_id", how="left"
    )
    sap_sd = sap_spread(inputs, property_baseline)
    parts: list[pl.DataFrame] = []
    scored = 0
    t0 = time.perf_counter()
    for n, snap in enumerate(snapshots.values(), start=1):
        scenario = Scenario.from_spec(snap)
        started = time.perf_counter()
        run = run_scenario(
            inputs,
            features,
            scenario,
            rates,
            factors,
            scenario_version=snap["version"],
            top_k=config.top_k,
            price_for_phase=_net_cost_pricing(scenario, attrs, property_baseline),
            sap_sd=sap_sd,
        )
        scored += run.variants_scored
        elapsed = time.perf_counter() - started
        # One line per scenario: on a large portfolio each takes minutes.
        context.log.info(
            f"candidate_recommendations: scenario {n}/{len(snapshots)} {scenario.name!r}: "
            f"{run.variants_scored:,} variants of {inputs.height:,} homes scored in {elapsed:.1f} s "
            f"({run.variants_scored / elapsed if elapsed > 0 else 0:,.0f}/s)"
        )
        parts.append(
            run.candidates.with_columns(
                pl.lit(json.dumps(snap, sort_keys=True)).cast(pl.Categorical).alias("scenario_snapshot")
            )
        )
    seconds = time.perf_counter() - t0
    empty = pl.DataFrame(schema={**CANDIDATE_SCHEMA, "scenario_snapshot": pl.Categorical()})
    out = pl.concat(parts, how="vertical_relaxed") if parts else empty
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
            "homes_modelled": inputs.height,
            "homes_refused": len(refused),
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
    "(HiGHS). Persisted to plans, plan_phases, plan_measures, plan_allocations.",
)
def phase_plans(
    context: dg.AssetExecutionContext,
    config: PlansConfig,
    candidate_recommendations: pl.DataFrame,
    effective_epc: pl.DataFrame,
    property_baseline: pl.DataFrame,
    fuel_rates: pl.DataFrame,
    carbon_factors: pl.DataFrame,
    warehouse: WarehouseResource,
) -> Iterator[dg.Output[pl.DataFrame] | dg.AssetCheckResult]:
    portfolio = context.partition_key
    with warehouse.warehouse().unit_of_work() as uow:
        record = uow.portfolios.by_name(portfolio)
    if record is None:
        raise dg.Failure(f"portfolio {portfolio!r} is not in the warehouse")
    rates, factors = _rates(fuel_rates, carbon_factors)
    inputs, _, expansion_refused = _homes(effective_epc, property_baseline)
    attrs = _attributes(warehouse, portfolio)
    values = attrs.select("home_id", "property_value_gbp")
    refused = _refused(property_baseline, expansion_refused)
    start_year = config.start_year or dt.date.today().year
    all_grants: list[pl.DataFrame] = []
    cands = candidate_recommendations
    all_phases: list[pl.DataFrame] = []
    all_measures: list[pl.DataFrame] = []
    allocations: list[dict] = []
    allocation_meta: dict[str, object] = {}
    scenarios: dict[str, Scenario] = {}
    if cands.height:
        snap_texts = cands["scenario_snapshot"].cast(pl.String).unique().sort().to_list()
        for n, snap_text in enumerate(snap_texts, start=1):
            started = time.perf_counter()
            snap = json.loads(snap_text)
            scenario = Scenario.from_spec(snap)
            scenarios[scenario.name] = scenario
            mine = cands.filter(pl.col("scenario") == scenario.name)
            packages = packages_from_candidates(mine, inputs, len(scenario.phases))
            plans = build_plans(
                inputs, packages, scenario, rates, factors, values=values, scenario_version=snap["version"]
            )
            outcome = plan_outcomes(
                plans,
                mine,
                scenario,
                refused,
                attrs,
                start_year=start_year,
                scenario_version=snap["version"],
            )
            all_phases.append(outcome.phases)
            all_measures.append(plans.measures)
            all_grants.append(outcome.grants)
            context.log.info(
                f"phase_plans: scenario {n}/{len(snap_texts)} {scenario.name!r}: plans of "
                f"{plans.phases['home_id'].n_unique() if plans.phases.height else 0:,} homes built in "
                f"{time.perf_counter() - started:.1f} s"
            )
            if config.yearly_budget_gbp is not None:
                run, meta = _allocate(
                    Plans(outcome.phases, plans.measures, 0),
                    outcome.grants,
                    scenario,
                    snap["version"],
                    config,
                )
                allocation_meta[scenario.name] = meta
                if run is not None:
                    allocations.append(run)
    phases = pl.concat(all_phases) if all_phases else pl.DataFrame(schema=OUTCOME_SCHEMA)
    grants = pl.concat(all_grants) if all_grants else pl.DataFrame(schema=GRANT_SCHEMA)
    measures = pl.concat(all_measures) if all_measures else pl.DataFrame(schema=MEASURE_SCHEMA)
    plans_all = Plans(phases, measures, 0)
    # The blocking rules run before anything is stored (Postgres plans or the Parquet file).
    checks = guard("phase_plans", portfolio, plan_invariants(plans_all, cands, scenarios))
    with warehouse.warehouse().unit_of_work() as uow:
        lock_portfolio(uow.connection, portfolio)
        written = uow.plans.replace(
            record.id, phases, measures, allocations, grants=grants
        )
    context.log.info(f"plans written: {written}")
    report_path = _write_report(warehouse, portfolio, context)
    rolled = with_grants(rollup(phases), grants) if phases.height else []
    misses = phases.filter(pl.col("miss_reason").is_not_null()) if phases.height else phases
    yield dg.Output(
        phases,
        metadata={
            **standard(phases),
            "homes": inputs.height,
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
    warehouse: WarehouseResource, portfolio: str, context: dg.AssetExecutionContext
) -> str | None:
    """The portfolio report from what was just stored, under ARA_HOME/reports/; its path, or None."""
    from ara_assets.report.html import render_report
    from ara_assets.report.load import load_bundle
    from ara_assets.settings import ara_home

    try:
        with warehouse.warehouse().unit_of_work() as uow:
            bundle = load_bundle(uow, portfolio)
        path = ara_home() / "reports" / f"{portfolio}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_report(bundle), encoding="utf-8")
    except (OSError, LookupError) as exc:
        context.log.warning(f"portfolio report not written: {exc}")
        return None
    return str(path)


def _allocate(
    plans: Plans, grants: pl.DataFrame, scenario: Scenario, version: int, config: PlansConfig
) -> tuple[dict | None, dict[str, object]]:
    """The HiGHS allocation of the per-home plans within the yearly budget (pooled per phase).

    The budget is the landlord's money: each home-phase costs its net cost (cost less grants)."""
    start = config.start_year or dt.date.today().year
    years = {i + 1: p.target_year for i, p in enumerate(scenario.phases)}
    budget = float(config.yearly_budget_gbp or 0.0)
    ok = plans.phases.filter(pl.col("score_error").is_null() & pl.col("property_id").is_not_null())
    frame = ok.select(
        pl.col("property_id").cast(pl.String).alias("home_id"),
        "phase",
        pl.coalesce("net_cost_gbp", "cost_gbp").clip(lower_bound=0.0).alias("cost_gbp"),
        "reaches_target",
    )
    try:
        result = allocate(frame, dict.fromkeys(range(start, max(years.values()) + 1), budget), years, start)
    except AllocationError as exc:
        return None, {"error": str(exc)}
    selected = result.selected.with_columns(pl.col("home_id").cast(pl.Int64).alias("property_id"))
    late = grants_after_end(selected, grants, load_funding_rules())
    meta = {
        "yearly_budget_gbp": budget,
        "start_year": start,
        "targets_reached": result.objective,
        "upper_bound": result.upper_bound,
        "greedy_targets_reached": result.greedy_objective,
        "status": result.status,
        "home_phases_selected": selected.height,
        "spend_by_year": {str(k): round(v, 2) for k, v in result.spend_by_year.items()},
        # home-phases the allocation places after their grant scheme ends (the grant cannot be drawn)
        "grants_after_scheme_end": late.height,
        "grant_lost_after_scheme_end_gbp": round(float(late["grant_gbp"].sum()), 2) if late.height else 0.0,
    }
    run = {
        "scenario": scenario.name,
        "scenario_version": version,
        "yearly_budget_gbp": budget,
        "start_year": start,
        "targets_reached": result.objective,
        "upper_bound": result.upper_bound,
        "greedy_targets_reached": result.greedy_objective,
        "status": result.status,
        "selected": selected,
    }
    return run, meta

