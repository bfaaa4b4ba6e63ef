"""The portfolio-level planning of `candidate_recommendations` and `phase_plans`, as pure functions over
frames: which homes are modelled, the loop over the pinned scenario snapshots, the plans of every scenario
with their outcomes, and the portfolio budget allocation with its yearly budget and start year.

    inputs, features, refused = modelled_homes(effective_epc, property_baseline)
    run = model_scenarios(snapshots, inputs, features, attrs, property_baseline, rates, factors,
                          this_year=2026)
    planned = plan_portfolio(run.candidates, inputs, refused_homes(property_baseline, refused), attrs,
                             rates, factors, start_year=2026, yearly_budget_gbp=60_000.0)
    planned.phases, planned.measures, planned.grants, planned.allocations

The Dagster assets (`defs/modelling.py`) read the frames from their resources, call these, guard and write.
A snapshot is a scenario's `to_spec()` plus the warehouse's `version` (`uow.scenarios.snapshot`); the
candidates carry it as text (`scenario_snapshot`) so `phase_plans` plans with the pinned definition.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ara_assets.baseline.rates import factors_as_of, rates_as_of
from ara_assets.modelling.allocation import AllocationError, allocate
from ara_assets.modelling.candidates import CANDIDATE_SCHEMA, start_inputs
from ara_assets.modelling.funding import (
    GRANT_SCHEMA,
    FundingRules,
    grants_after_end,
    load_funding_rules,
    net_cost_price,
    phase_first_years,
)
from ara_assets.modelling.optimiser import Price
from ara_assets.modelling.outcomes import OUTCOME_SCHEMA, plan_outcomes
from ara_assets.modelling.plans import (
    MEASURE_SCHEMA,
    Plans,
    build_plans,
    packages_from_candidates,
    run_scenario,
)
from ara_assets.modelling.sap_inputs import refresh, split_homes
from ara_assets.modelling.scenarios import Scenario

Progress = Callable[[str], None]

# The property attributes modelling reads (uow.attributes.for_portfolio); absent columns are null.
ATTRIBUTE_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "listed_building": pl.Boolean(),
    "conservation_area": pl.Boolean(),
    "property_value_gbp": pl.Float64(),
    "tenure": pl.String(),
    "on_gas_grid": pl.Boolean(),
}


def current_prices(
    fuel_rates: pl.DataFrame, carbon_factors: pl.DataFrame, day: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The national fuel rates and carbon factors in force on `day` (plans price at today's rates)."""
    return rates_as_of(fuel_rates, day, region=None), factors_as_of(carbon_factors, day)


def modelled_homes(
    effective_epc: pl.DataFrame,
    property_baseline: pl.DataFrame,
    workers: int = 1,
    sap_inputs: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, dict[int, str]]:
    """SAP inputs and features of the homes whose baseline was scored (`baseline_status` ok), and
    property_id -> message of those whose effective EPC the expansion refused.

    sap_inputs: the `sap_inputs` asset's rows, read instead of expanding the documents again (a home whose
    row is missing or older than its document is expanded now); None: every home is expanded here. The
    expansion runs over `workers` processes (identical results)."""
    ok = property_baseline.filter(pl.col("baseline_status") == "ok")["property_id"].implode()
    homes = effective_epc.filter(pl.col("property_id").is_in(ok))
    if sap_inputs is None:
        return start_inputs(homes, workers=workers)
    rows, _ = refresh(homes, sap_inputs.filter(pl.col("property_id").is_in(ok)), workers=workers)
    return split_homes(rows)


def home_attributes(attributes: pl.DataFrame) -> pl.DataFrame:
    """ATTRIBUTE_SCHEMA of the stored property attributes (one row per property that has any)."""
    return attributes.select(
        "property_id",
        *[
            (pl.col(c) if c in attributes.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in ATTRIBUTE_SCHEMA.items()
            if c != "property_id"
        ],
    )


def sap_spread(inputs: pl.DataFrame, property_baseline: pl.DataFrame) -> np.ndarray:
    """The baseline SAP spread of each home of `inputs` (row-aligned; NaN where unknown)."""
    spread = property_baseline.select(
        "property_id",
        pl.col("effective_sap_sd") if "effective_sap_sd" in property_baseline.columns
        else pl.lit(None, pl.Float64).alias("effective_sap_sd"),
    )  # fmt: skip
    aligned = inputs.select("property_id").join(spread, on="property_id", how="left", maintain_order="left")
    return aligned["effective_sap_sd"].cast(pl.Float64).fill_null(np.nan).to_numpy()


def net_cost_pricing(
    scenario: Scenario,
    attrs: pl.DataFrame,
    property_baseline: pl.DataFrame,
    *,
    this_year: int,
    rules: FundingRules | None = None,
) -> Callable[[int], Price | None] | None:
    """Objective `net_cost`: phase index -> the optimiser's price (cost less the grants a package draws);
    None for objective `cost`. The first phase starts in `this_year`."""
    if scenario.objective != "net_cost":
        return None
    rules = rules or load_funding_rules()
    homes = attrs.select("property_id", "tenure", "on_gas_grid").join(
        property_baseline.select(
            "property_id",
            pl.col("effective_band").alias("band_at_start"),
        ),
        on="property_id",
        how="left",
    )
    firsts = phase_first_years([p.target_year for p in scenario.phases], this_year)
    schemes = list(scenario.funding_schemes)
    return lambda i: net_cost_price(schemes, homes, scenario.tenure, rules, phase_first_year=firsts[i])


def refused_homes(property_baseline: pl.DataFrame, expansion_refused: Mapping[int, str]) -> pl.DataFrame:
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


@dataclass(frozen=True)
class CandidateRun:
    candidates: pl.DataFrame  # CANDIDATE_SCHEMA + scenario_snapshot (categorical JSON of the snapshot)
    variants_scored: int
    seconds: float


def model_scenarios(
    snapshots: Mapping[str, dict[str, Any]],
    inputs: pl.DataFrame,
    features: pl.DataFrame,
    attrs: pl.DataFrame,
    property_baseline: pl.DataFrame,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
    *,
    this_year: int,
    top_k: int = 7,
    rules: FundingRules | None = None,
    progress: Progress | None = None,
    homes: Mapping[str, pl.Series] | None = None,
) -> CandidateRun:
    """The candidates of every scenario snapshot (name -> snapshot), each row tagged with its snapshot.

    homes: scenario name -> the property ids to model in it (the others of `inputs` are left out: their
    previous candidates still hold, modelling/incremental.py); None models every home of `inputs`."""
    all_features = features.join(
        attrs.select("property_id", "listed_building", "conservation_area"), on="property_id", how="left"
    )
    all_inputs = inputs
    parts: list[pl.DataFrame] = []
    scored = 0
    t0 = time.perf_counter()
    for n, (name, snap) in enumerate(snapshots.items(), start=1):
        inputs, features = all_inputs, all_features
        if homes is not None and inputs.height:
            ids = homes.get(name, pl.Series("property_id", [], pl.Int64)).cast(pl.Int64).implode()
            inputs = all_inputs.filter(pl.col("property_id").is_in(ids))
            features = all_features.filter(pl.col("property_id").is_in(ids))
        if inputs.height == 0:
            continue
        sap_sd = sap_spread(inputs, property_baseline)
        scenario = Scenario.from_spec(snap)
        started = time.perf_counter()
        run = run_scenario(
            inputs,
            features,
            scenario,
            rates,
            factors,
            scenario_version=snap["version"],
            top_k=top_k,
            price_for_phase=net_cost_pricing(
                scenario, attrs, property_baseline, this_year=this_year, rules=rules
            ),
            sap_sd=sap_sd,
        )
        scored += run.variants_scored
        elapsed = time.perf_counter() - started
        if progress is not None:
            # one line per scenario: on a large portfolio each takes minutes
            progress(
                f"scenario {n}/{len(snapshots)} {scenario.name!r}: "
                f"{run.variants_scored:,} variants of {inputs.height:,} homes scored in {elapsed:.1f} s "
                f"({run.variants_scored / elapsed if elapsed > 0 else 0:,.0f}/s)"
            )
        parts.append(
            run.candidates.with_columns(
                pl.lit(json.dumps(snap, sort_keys=True)).cast(pl.Categorical).alias("scenario_snapshot")
            )
        )
    empty = pl.DataFrame(schema={**CANDIDATE_SCHEMA, "scenario_snapshot": pl.Categorical()})
    out = pl.concat(parts, how="vertical_relaxed") if parts else empty
    return CandidateRun(out, scored, time.perf_counter() - t0)


def allocation_start_year(configured: int | None, today: dt.date) -> int:
    """First year of the allocation: the configured one, else this year."""
    return configured or today.year


def yearly_budgets(scenario: Scenario, yearly_budget_gbp: float, start_year: int) -> dict[int, float]:
    """The same budget for every year from `start_year` to the scenario's last target year."""
    last = max(p.target_year for p in scenario.phases)
    return dict.fromkeys(range(start_year, last + 1), float(yearly_budget_gbp))


def allocate_scenario(
    phases: pl.DataFrame,
    grants: pl.DataFrame,
    scenario: Scenario,
    version: int,
    *,
    yearly_budget_gbp: float | None,
    start_year: int,
    rules: FundingRules | None,
    runs: list[dict[str, Any]],
    meta: dict[str, dict[str, object]],
) -> None:
    """`allocate_plans` of one scenario when a yearly budget is set: its run appended to `runs` (unless the
    allocation refused its input) and its summary to `meta` under the scenario's name."""
    if yearly_budget_gbp is None:
        return
    run, summary = allocate_plans(
        phases,
        grants,
        scenario,
        version,
        yearly_budget_gbp=yearly_budget_gbp,
        start_year=start_year,
        rules=rules,
    )
    meta[scenario.name] = summary
    if run is not None:
        runs.append(run)


def allocate_plans(
    phases: pl.DataFrame,
    grants: pl.DataFrame,
    scenario: Scenario,
    version: int,
    *,
    yearly_budget_gbp: float,
    start_year: int,
    rules: FundingRules | None = None,
) -> tuple[dict[str, Any] | None, dict[str, object]]:
    """The HiGHS allocation of one scenario's home-phases (OUTCOME_SCHEMA rows) within the yearly budget
    (pooled per phase): the run to store (None when the allocation refused its input) and its summary.

    The budget is the landlord's money: each home-phase costs its net cost (cost less grants)."""
    years = {i + 1: p.target_year for i, p in enumerate(scenario.phases)}
    budget = float(yearly_budget_gbp)
    ok = phases.filter(pl.col("score_error").is_null() & pl.col("property_id").is_not_null())
    frame = ok.select(
        "property_id",
        "phase",
        pl.coalesce("net_cost_gbp", "cost_gbp").clip(lower_bound=0.0).alias("cost_gbp"),
        "reaches_target",
    )
    try:
        result = allocate(frame, yearly_budgets(scenario, budget, start_year), years, start_year)
    except AllocationError as exc:
        return None, {"error": str(exc)}
    selected = result.selected
    late = grants_after_end(selected, grants, rules or load_funding_rules())
    # what the stored allocation run and the asset's metadata both say
    outcome: dict[str, Any] = {
        "yearly_budget_gbp": budget,
        "start_year": start_year,
        "targets_reached": result.objective,
        "upper_bound": result.upper_bound,
        "greedy_targets_reached": result.greedy_objective,
        "status": result.status,
    }
    meta: dict[str, object] = {
        **outcome,
        "home_phases_selected": selected.height,
        "spend_by_year": {str(k): round(v, 2) for k, v in result.spend_by_year.items()},
        # home-phases the allocation places after their grant scheme ends (the grant cannot be drawn)
        "grants_after_scheme_end": late.height,
        "grant_lost_after_scheme_end_gbp": round(float(late["grant_gbp"].sum()), 2) if late.height else 0.0,
    }
    run = {"scenario": scenario.name, "scenario_version": version, **outcome, "selected": selected}
    return run, meta


@dataclass(frozen=True)
class PortfolioPlans:
    phases: pl.DataFrame  # OUTCOME_SCHEMA, every home of the portfolio per scenario and phase
    measures: pl.DataFrame  # MEASURE_SCHEMA
    grants: pl.DataFrame  # GRANT_SCHEMA
    allocations: list[dict[str, Any]]  # runs for the plans repository (allocate_plans)
    allocation_meta: dict[str, dict[str, object]]  # scenario name -> allocation summary (or its error)
    scenarios: dict[str, Scenario] = field(default_factory=dict)  # the pinned definitions planned

    @property
    def plans(self) -> Plans:
        """The phases and measures of every scenario as one `Plans` (what the blocking rules check)."""
        return Plans(self.phases, self.measures, 0)


def plan_portfolio(
    candidates: pl.DataFrame,
    inputs: pl.DataFrame,
    refused: pl.DataFrame,
    attrs: pl.DataFrame,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
    *,
    start_year: int,
    yearly_budget_gbp: float | None,
    rules: FundingRules | None = None,
    progress: Progress | None = None,
) -> PortfolioPlans:
    """The plans of every scenario snapshot in `candidates` (from `model_scenarios`), with miss reasons,
    funding, `not_modelled` rows for `refused` homes and, when `yearly_budget_gbp` is set, the allocation.

    refused: property_id, reason (`refused_homes`); attrs: ATTRIBUTE_SCHEMA (`home_attributes`)."""
    rules = rules or load_funding_rules()
    values = attrs.select("property_id", "property_value_gbp")
    all_phases: list[pl.DataFrame] = []
    all_measures: list[pl.DataFrame] = []
    all_grants: list[pl.DataFrame] = []
    allocations: list[dict[str, Any]] = []
    allocation_meta: dict[str, dict[str, object]] = {}
    scenarios: dict[str, Scenario] = {}
    snap_texts = (
        candidates["scenario_snapshot"].cast(pl.String).unique().sort().to_list() if candidates.height else []
    )
    for n, snap_text in enumerate(snap_texts, start=1):
        started = time.perf_counter()
        snap = json.loads(snap_text)
        scenario = Scenario.from_spec(snap)
        scenarios[scenario.name] = scenario
        mine = candidates.filter(pl.col("scenario") == scenario.name)
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
            rules=rules,
        )
        all_phases.append(outcome.phases)
        all_measures.append(plans.measures)
        all_grants.append(outcome.grants)
        if progress is not None:
            progress(
                f"scenario {n}/{len(snap_texts)} {scenario.name!r}: plans of "
                f"{plans.phases['property_id'].n_unique() if plans.phases.height else 0:,} homes built in "
                f"{time.perf_counter() - started:.1f} s"
            )
        allocate_scenario(
            outcome.phases,
            outcome.grants,
            scenario,
            snap["version"],
            yearly_budget_gbp=yearly_budget_gbp,
            start_year=start_year,
            rules=rules,
            runs=allocations,
            meta=allocation_meta,
        )
    return PortfolioPlans(
        phases=pl.concat(all_phases) if all_phases else pl.DataFrame(schema=OUTCOME_SCHEMA),
        measures=pl.concat(all_measures) if all_measures else pl.DataFrame(schema=MEASURE_SCHEMA),
        grants=pl.concat(all_grants) if all_grants else pl.DataFrame(schema=GRANT_SCHEMA),
        allocations=allocations,
        allocation_meta=allocation_meta,
        scenarios=scenarios,
    )
