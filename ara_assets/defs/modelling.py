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
from collections.abc import Iterator

import dagster as dg
import numpy as np
import polars as pl

from ara_assets.baseline.rates import factors_as_of, rates_as_of
from ara_assets.defs.partitions import portfolios
from ara_assets.modelling.allocation import AllocationError, allocate
from ara_assets.modelling.candidates import CANDIDATE_SCHEMA, start_inputs
from ara_assets.modelling.catalogue import options_of
from ara_assets.modelling.plans import (
    MEASURE_SCHEMA,
    PHASE_SCHEMA,
    Plans,
    attribution_gaps,
    build_plans,
    packages_from_candidates,
    run_scenario,
)
from ara_assets.modelling.rollup import rollup
from ara_assets.modelling.scenarios import Scenario
from ara_assets.resources.warehouse import WarehouseResource
from ara_assets.resources.warehouse_attributes import PropertyAttributeRepository
from ara_assets.resources.warehouse_plans import PlansRepository


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


def _attributes(warehouse: WarehouseResource, portfolio: str) -> pl.DataFrame:
    with warehouse.warehouse().unit_of_work() as uow:
        attrs = PropertyAttributeRepository(uow.connection).for_portfolio(portfolio)
    return attrs.select(
        pl.col("property_id").cast(pl.String).alias("home_id"),
        "listed_building",
        "conservation_area",
        "property_value_gbp",
    )


@dg.asset(
    partitions_def=portfolios,
    group_name="modelling",
    kinds={"polars"},
    automation_condition=dg.AutomationCondition.eager(),
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
) -> dg.Output[pl.DataFrame]:
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
    parts: list[pl.DataFrame] = []
    scored = 0
    t0 = time.perf_counter()
    for n, snap in enumerate(snapshots.values(), start=1):
        scenario = Scenario.from_spec(snap)
        started = time.perf_counter()
        run = run_scenario(
            inputs, features, scenario, rates, factors, scenario_version=snap["version"], top_k=config.top_k
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
    return dg.Output(
        out,
        metadata={
            "homes_modelled": inputs.height,
            "homes_refused": len(refused),
            "scenario_versions": dg.MetadataValue.json({n: s["version"] for n, s in snapshots.items()}),
            "candidate_rows": out.height,
            "variants_scored": scored,
            "variants_per_second": round(scored / seconds, 1) if seconds > 0 else None,
            "options_per_phase": dg.MetadataValue.json(
                {
                    f"{r['scenario']}/{r['phase']}": {"options": r["options"], "chosen": r["chosen"]}
                    for r in per_phase.iter_rows(named=True)
                }
            ),
        },
    )


@dg.asset(
    partitions_def=portfolios,
    group_name="modelling",
    kinds={"postgres", "polars"},
    automation_condition=dg.AutomationCondition.eager(),
    check_specs=[
        dg.AssetCheckSpec("no_plan_over_budget", asset="phase_plans", blocking=True),
        dg.AssetCheckSpec("no_ineligible_measure", asset="phase_plans", blocking=True),
        dg.AssetCheckSpec("no_phase_worse_on_its_goal", asset="phase_plans", blocking=True),
        dg.AssetCheckSpec("attribution_sums_to_totals", asset="phase_plans", blocking=True),
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
    inputs, _, _ = _homes(effective_epc, property_baseline)
    values = _attributes(warehouse, portfolio).select("home_id", "property_value_gbp")
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
            all_phases.append(plans.phases)
            all_measures.append(plans.measures)
            context.log.info(
                f"phase_plans: scenario {n}/{len(snap_texts)} {scenario.name!r}: plans of "
                f"{plans.phases['home_id'].n_unique() if plans.phases.height else 0:,} homes built in "
                f"{time.perf_counter() - started:.1f} s"
            )
            if config.yearly_budget_gbp is not None:
                run, meta = _allocate(plans, scenario, snap["version"], config)
                allocation_meta[scenario.name] = meta
                if run is not None:
                    allocations.append(run)
    phases = pl.concat(all_phases) if all_phases else pl.DataFrame(schema=PHASE_SCHEMA)
    measures = pl.concat(all_measures) if all_measures else pl.DataFrame(schema=MEASURE_SCHEMA)
    plans_all = Plans(phases, measures, 0)
    checks = _checks(plans_all, cands, scenarios)
    if all(c.passed for c in checks):
        with warehouse.warehouse().unit_of_work() as uow:
            written = PlansRepository(uow.connection).replace(record.id, phases, measures, allocations)
        context.log.info(f"plans written: {written}")
    else:
        context.log.error("plan checks failed: the warehouse keeps the previous plans")
    rolled = rollup(phases) if phases.height else []
    yield dg.Output(
        phases,
        metadata={
            "homes": inputs.height,
            "scenarios": dg.MetadataValue.json(
                {
                    n: int(phases.filter(pl.col("scenario") == n)["scenario_version"].max() or 0)
                    for n in scenarios
                }
            ),
            "rollup": dg.MetadataValue.json(rolled),
            "total_cost_gbp": round(float(phases["cost_gbp"].sum()), 2) if phases.height else 0.0,
            "unreachable_homes": dg.MetadataValue.json(
                {s["scenario"]: s["unreachable_homes"] for s in rolled}
            ),
            "allocation": dg.MetadataValue.json(
                allocation_meta or {"note": "no yearly_budget_gbp configured"}
            ),
        },
    )
    yield from checks


def _allocate(
    plans: Plans, scenario: Scenario, version: int, config: PlansConfig
) -> tuple[dict | None, dict[str, object]]:
    """The HiGHS allocation of the per-home plans within the yearly budget (pooled per phase)."""
    start = config.start_year or dt.date.today().year
    years = {i + 1: p.target_year for i, p in enumerate(scenario.phases)}
    budget = float(config.yearly_budget_gbp or 0.0)
    ok = plans.phases.filter(pl.col("score_error").is_null() & pl.col("property_id").is_not_null())
    frame = ok.select(
        pl.col("property_id").cast(pl.String).alias("home_id"), "phase", "cost_gbp", "reaches_target"
    )
    try:
        result = allocate(frame, dict.fromkeys(range(start, max(years.values()) + 1), budget), years, start)
    except AllocationError as exc:
        return None, {"error": str(exc)}
    selected = result.selected.with_columns(pl.col("home_id").cast(pl.Int64).alias("property_id"))
    meta = {
        "yearly_budget_gbp": budget,
        "start_year": start,
        "targets_reached": result.objective,
        "upper_bound": result.upper_bound,
        "greedy_targets_reached": result.greedy_objective,
        "status": result.status,
        "home_phases_selected": selected.height,
        "spend_by_year": {str(k): round(v, 2) for k, v in result.spend_by_year.items()},
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


def _checks(plans: Plans, cands: pl.DataFrame, scenarios: dict[str, Scenario]) -> list[dg.AssetCheckResult]:
    phases, measures = plans.phases, plans.measures
    over = phases.filter(pl.col("cost_gbp") > pl.col("budget_gbp").fill_null(np.inf) + 0.01)
    caps = {n: sc.budget_per_home_gbp for n, sc in scenarios.items() if sc.budget_per_home_gbp is not None}
    # scenarios without a per-home cap (or no scenario at all) cannot be over it
    total_cap = (
        pl.col("scenario").replace_strict(caps, default=np.inf, return_dtype=pl.Float64)
        if caps
        else pl.lit(np.inf)
    )
    over_total = phases.filter(pl.col("cost_to_date_gbp") > total_cap + 0.01)
    eligible = cands.select("scenario", "home_id", "phase", "option_id").unique()
    heat_pumps = [o.option_id for o in options_of("air_source_heat_pump")]
    ineligible = pl.concat(
        [
            measures.join(eligible, on=["scenario", "home_id", "phase", "option_id"], how="anti").select(
                "home_id", "phase"
            ),
            # a heat pump installed on fabric below the standard (eligibility's minimum) is ineligible too
            phases.filter(
                pl.col("package").list.eval(pl.element().is_in(heat_pumps)).list.any()
                & ~pl.col("heat_pump_fabric_ok_after").fill_null(False)
            ).select("home_id", "phase"),
        ]
    )
    worse = phases.filter(pl.col("goal_metric_after") < pl.col("goal_metric_before") - 1e-9)
    gaps = (
        pl.concat(
            [
                attribution_gaps(
                    Plans(phases.filter(pl.col("scenario") == n), measures.filter(pl.col("scenario") == n), 0)
                )
                for n in scenarios
            ]
        )
        if scenarios
        else pl.DataFrame()
    )

    def sample(frame: pl.DataFrame) -> str:
        return str(frame.select("home_id", "phase").head(10).rows()) if frame.height else "[]"

    return [
        dg.AssetCheckResult(
            check_name="no_plan_over_budget",
            passed=over.height == 0 and over_total.height == 0,
            metadata={
                "over_phase_budget": over.height,
                "over_scenario_budget": over_total.height,
                "sample": sample(over),
            },
        ),
        dg.AssetCheckResult(
            check_name="no_ineligible_measure",
            passed=ineligible.height == 0,
            metadata={"ineligible_measures": ineligible.height, "sample": sample(ineligible)},
        ),
        dg.AssetCheckResult(
            check_name="no_phase_worse_on_its_goal",
            passed=worse.height == 0,
            metadata={"worse_phases": worse.height, "sample": sample(worse)},
        ),
        dg.AssetCheckResult(
            check_name="attribution_sums_to_totals",
            passed=gaps.height == 0,
            metadata={"mismatched_phases": gaps.height, "sample": sample(gaps)},
        ),
    ]


plans_job = dg.define_asset_job(
    "plans_job",
    selection=dg.AssetSelection.assets(candidate_recommendations, phase_plans),
    description="Model a portfolio's scenarios: candidate options, optimised phase plans, the allocation "
    "(run after `ara scenario create`; declarative automation covers upstream changes).",
)
