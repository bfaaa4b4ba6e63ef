"""Multi-phase plans of a scenario: candidates per phase, the optimised package, the state rolled forward,
per-measure attribution by sequential re-scoring, value uplift (docs/adr/0010-phase-plans.md).

    run = run_scenario(inputs, features, scenario, rates, factors, scenario_version=3)
    run.candidates      # CANDIDATE_SCHEMA: every eligible option of every phase, in_package marked
    plans = build_plans(inputs, packages_from_candidates(run.candidates, inputs), scenario, rates, factors)
    plans.phases, plans.measures

The candidates of phase p are scored against the state at the start of p, which is the end of p-1 under
the chosen packages, so the optimiser runs inside `run_scenario` phase by phase. `build_plans` rebuilds
the same states from the chosen packages (apply_package is deterministic) and attributes each package to
its measures by re-scoring its prefixes in install order: measure j's effect is score(first j) minus
score(first j-1), so the effects add up to the package total exactly (a telescoping sum).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from ara_assets.modelling.candidates import CANDIDATE_SCHEMA, SCORE_SCHEMA, phase_candidates, score_states
from ara_assets.modelling.eligibility import heat_pump_fabric_ok
from ara_assets.modelling.measures import apply_package
from ara_assets.modelling.optimiser import (
    Price,
    goal_metric,
    goal_threshold,
    in_install_order,
    optimise_phase,
    reaches,
)
from ara_assets.modelling.scenarios import Scenario
from ara_assets.modelling.valuation import value_uplift


class PlanError(ValueError):
    """Bad plan input: names the record (property_id / phase), the field and the value."""


@dataclass(frozen=True)
class ScenarioRun:
    candidates: pl.DataFrame  # CANDIDATE_SCHEMA
    packages: pl.DataFrame  # scenario, phase, property_id, package, cost_gbp, reaches_target
    variants_scored: int  # home variants scored exactly (each at the rating and the local climate)


PHASE_SCHEMA: dict[str, pl.DataType] = {
    "scenario": pl.String(),
    "scenario_version": pl.Int64(),
    "property_id": pl.Int64(),
    "phase": pl.Int32(),
    "phase_name": pl.String(),
    "goal": pl.String(),
    "goal_kind": pl.String(),
    "target_year": pl.Int32(),
    "budget_gbp": pl.Float64(),
    "package": pl.List(pl.String()),
    "cost_gbp": pl.Float64(),
    "cost_to_date_gbp": pl.Float64(),
    "reaches_target": pl.Boolean(),
    "goal_metric_before": pl.Float64(),
    "goal_metric_after": pl.Float64(),
    "sap_before": pl.Float64(),
    "sap_after": pl.Float64(),
    "sap_int_after": pl.Int64(),
    "band_before": pl.String(),
    "band_after": pl.String(),
    "co2_before_t": pl.Float64(),
    "co2_after_t": pl.Float64(),
    "primary_energy_before_kwh_m2": pl.Float64(),
    "primary_energy_after_kwh_m2": pl.Float64(),
    "bill_before_gbp": pl.Float64(),
    "bill_after_gbp": pl.Float64(),
    "band_at_start": pl.String(),
    # walls, roofs and windows meet the heat-pump fabric standard after the phase (a package with a heat
    # pump must leave this true)
    "heat_pump_fabric_ok_after": pl.Boolean(),
    "property_value_gbp": pl.Float64(),
    "value_uplift_pct": pl.Float64(),
    "value_uplift_gbp": pl.Float64(),
    "score_error": pl.String(),
}

MEASURE_SCHEMA: dict[str, pl.DataType] = {
    "scenario": pl.String(),
    "scenario_version": pl.Int64(),
    "property_id": pl.Int64(),
    "phase": pl.Int32(),
    "install_order": pl.Int32(),
    "option_id": pl.String(),
    "measure_type": pl.String(),
    "quantity": pl.Float64(),
    "cost_gbp": pl.Float64(),
    "delta_sap": pl.Float64(),
    "delta_co2_t": pl.Float64(),
    "delta_primary_energy_kwh_m2": pl.Float64(),
    "delta_bill_gbp": pl.Float64(),
}


@dataclass(frozen=True)
class Plans:
    phases: pl.DataFrame  # PHASE_SCHEMA, one row per (home, phase)
    measures: pl.DataFrame  # MEASURE_SCHEMA, one row per (home, phase, measure), install order
    variants_scored: int


def phase_budgets(scenario: Scenario, index: int, spent: np.ndarray) -> np.ndarray:
    """Money a home may spend in phase `index`: its phase budget, capped by what the scenario leaves."""
    phase = scenario.phases[index].budget_gbp
    budget = np.full(spent.shape, np.inf if phase is None else float(phase))
    if scenario.budget_per_home_gbp is not None:
        budget = np.minimum(budget, float(scenario.budget_per_home_gbp) - spent)
    return np.maximum(budget, 0.0)


def _conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return frame.select(
        [pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c) for c, t in schema.items()]
    )


def run_scenario(
    inputs: pl.DataFrame,
    features: pl.DataFrame,
    scenario: Scenario,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
    *,
    scenario_version: int | None = None,
    top_k: int = 7,
    rounds: int = 2,
    price_for_phase: Callable[[int], Price | None] | None = None,
    sap_sd: np.ndarray | None = None,
) -> ScenarioRun:
    """Candidates of every phase, scored against the phase's start state, with the chosen packages.

    price_for_phase: phase index -> what the optimiser ranks reaching packages by (objective `net_cost`:
    funding.net_cost_price); None ranks them by capital cost.
    sap_sd: per home (row-aligned with `inputs`), the baseline SAP spread; with the scenario's
    `target_confidence` it raises band/SAP thresholds (modelling/uncertainty.py)."""
    if inputs["property_id"].is_duplicated().any():
        dup = inputs.filter(pl.col("property_id").is_duplicated())["property_id"][0]
        raise PlanError(f"property_id={dup!r}: field 'property_id' is duplicated")
    state = inputs
    scores = score_states(inputs, rates, factors)
    base = scores
    scored = inputs.height
    spent = np.zeros(inputs.height)
    cand_parts: list[pl.DataFrame] = []
    pkg_parts: list[pl.DataFrame] = []
    for i in range(len(scenario.phases)):
        cands = phase_candidates(state, features, scenario, i, scores, rates, factors)
        scored += cands.height
        budget = phase_budgets(scenario, i, spent)
        choice = optimise_phase(
            state,
            cands,
            scores,
            base,
            scenario.phase_goal(i),
            budget,
            rates,
            factors,
            top_k=top_k,
            rounds=rounds,
            price=price_for_phase(i) if price_for_phase is not None else None,
            sap_sd=sap_sd,
            target_confidence=scenario.target_confidence,
        )
        scored += choice.variants_scored
        chosen = choice.packages.select("property_id", "package").explode("package").drop_nulls("package")
        cands = cands.with_columns(
            pl.struct("property_id", "option_id")
            .is_in(
                chosen.select(pl.struct("property_id", pl.col("package").alias("option_id")))
                .to_series()
                .implode()
            )
            .alias("in_package")
        )
        cand_parts.append(cands)
        pkg_parts.append(
            choice.packages.with_columns(
                pl.lit(scenario.name).alias("scenario"), pl.lit(i + 1, pl.Int32).alias("phase")
            )
        )
        spent = spent + choice.packages["cost_gbp"].to_numpy()
        state, scores = choice.end_state, choice.end_scores
    candidates = pl.concat(cand_parts, how="diagonal_relaxed").with_columns(
        pl.lit(scenario_version, pl.Int64).alias("scenario_version")
    )
    return ScenarioRun(_conform(candidates, CANDIDATE_SCHEMA), pl.concat(pkg_parts), scored)


def packages_from_candidates(candidates: pl.DataFrame, inputs: pl.DataFrame, n_phases: int) -> pl.DataFrame:
    """(property_id, phase, package) for every home of `inputs` and phase 1..n_phases, from the
    `in_package` rows."""
    chosen = (
        candidates.filter(pl.col("in_package"))
        .group_by("property_id", "phase")
        .agg(pl.col("option_id").alias("package"))
    )
    grid = inputs.select("property_id").join(
        pl.DataFrame({"phase": np.arange(1, n_phases + 1, dtype=np.int32)}), how="cross"
    )
    out = grid.join(chosen, on=["property_id", "phase"], how="left").with_columns(
        pl.col("package").fill_null(pl.lit([], pl.List(pl.String)))
    )
    return out.with_columns(in_install_order(out["package"]).alias("package"))


def build_plans(
    inputs: pl.DataFrame,
    packages: pl.DataFrame,
    scenario: Scenario,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
    *,
    values: pl.DataFrame | None = None,
    scenario_version: int | None = None,
) -> Plans:
    """Phase rows and per-measure attribution of each home's chosen packages (property_id, phase, package).

    values: optional property_id, property_value_gbp (pounds of value uplift where known).
    """
    n = inputs.height
    state = inputs
    base = score_states(inputs, rates, factors)
    scores = base
    scored = n
    spent = np.zeros(n)
    hmap = inputs.select("property_id").with_row_index("h").with_columns(pl.col("h").cast(pl.Int64))
    phase_parts: list[pl.DataFrame] = []
    measure_parts: list[pl.DataFrame] = []
    for i, phase in enumerate(scenario.phases):
        goal = scenario.phase_goal(i)
        pk = hmap.join(packages.filter(pl.col("phase") == i + 1), on="property_id", how="left").sort("h")
        pkg = pk["package"].fill_null(pl.lit([], pl.List(pl.String)))
        budget = phase_budgets(scenario, i, spent)
        end_state, costs = apply_package(state, pkg)
        steps = (
            pl.DataFrame({"h": np.arange(n, dtype=np.int64), "package": pkg})
            .with_columns(pl.int_ranges(1, pl.col("package").list.len() + 1).alias("j"))
            .explode("j")
            .drop_nulls("j")
            .with_columns(pl.col("package").list.head(pl.col("j")).alias("prefix"))
        )
        prefix_state, _ = apply_package(state.select(pl.all().gather(steps["h"].to_numpy())), steps["prefix"])
        step_scores = score_states(prefix_state, rates, factors)
        scored += steps.height
        start = scores.with_columns(
            pl.Series("h", np.arange(n, dtype=np.int64)), pl.lit(0, pl.Int64).alias("j")
        )
        chain = pl.concat(
            [
                start,
                pl.concat([steps.select("h", pl.col("j").cast(pl.Int64)), step_scores], how="horizontal"),
            ],
            how="diagonal_relaxed",
        ).sort("h", "j")
        deltas = chain.with_columns(
            (pl.col("sap_rating") - pl.col("sap_rating").shift(1).over("h")).alias("delta_sap"),
            (pl.col("co2_t") - pl.col("co2_t").shift(1).over("h")).alias("delta_co2_t"),
            (
                pl.col("primary_energy_kwh_per_m2") - pl.col("primary_energy_kwh_per_m2").shift(1).over("h")
            ).alias("delta_primary_energy_kwh_m2"),
            (pl.col("bill_gbp") - pl.col("bill_gbp").shift(1).over("h")).alias("delta_bill_gbp"),
        ).filter(pl.col("j") > 0)
        # per-measure costs of the whole package (state before each option), in install order
        costed = costs.with_columns(
            pl.int_range(1, pl.len() + 1).over("row").cast(pl.Int64).alias("j")
        ).rename({"row": "h"})
        measures = deltas.join(costed, on=["h", "j"], how="left").join(hmap, on="h", how="left")
        measure_parts.append(
            measures.with_columns(
                pl.lit(i + 1, pl.Int32).alias("phase"), pl.col("j").cast(pl.Int32).alias("install_order")
            )
        )
        last = chain.group_by("h").agg(pl.all().sort_by("j").last()).sort("h").drop("j")
        end_scores = last.select(list(SCORE_SCHEMA))
        threshold = goal_threshold(goal, base)
        cost = (
            pl.DataFrame({"h": np.arange(n, dtype=np.int64)})
            .join(costed.group_by("h").agg(pl.col("cost_gbp").sum()), on="h", how="left")
            .sort("h")["cost_gbp"]
            .fill_null(0.0)
            .to_numpy()
        )
        spent = spent + cost
        phase_parts.append(
            pl.DataFrame(
                {
                    "property_id": inputs["property_id"],
                    "phase": np.full(n, i + 1, dtype=np.int32),
                    "phase_name": [phase.name] * n,
                    "goal": [goal.describe()] * n,
                    "goal_kind": [goal.kind] * n,
                    "target_year": np.full(n, phase.target_year, dtype=np.int32),
                    "budget_gbp": budget,
                    "package": pkg,
                    "cost_gbp": cost,
                    "cost_to_date_gbp": spent,
                    "reaches_target": reaches(end_scores, goal, threshold),
                    "goal_metric_before": goal_metric(scores, goal),
                    "goal_metric_after": goal_metric(end_scores, goal),
                    "sap_before": scores["sap_rating"],
                    "sap_after": end_scores["sap_rating"],
                    "sap_int_after": end_scores["sap_rating_int"],
                    "band_before": scores["band"],
                    "band_after": end_scores["band"],
                    "co2_before_t": scores["co2_t"],
                    "co2_after_t": end_scores["co2_t"],
                    "primary_energy_before_kwh_m2": scores["primary_energy_kwh_per_m2"],
                    "primary_energy_after_kwh_m2": end_scores["primary_energy_kwh_per_m2"],
                    "bill_before_gbp": scores["bill_gbp"],
                    "bill_after_gbp": end_scores["bill_gbp"],
                    "band_at_start": base["band"],
                    "heat_pump_fabric_ok_after": heat_pump_fabric_ok(end_state),
                    "score_error": end_scores["score_error"],
                }
            )
        )
        state, scores = end_state, end_scores
    phases = pl.concat(phase_parts, how="vertical_relaxed")
    if values is not None and "property_value_gbp" in values.columns:
        phases = phases.join(values.select("property_id", "property_value_gbp"), on="property_id", how="left")
    # value uplift of the home's band at the scenario start to its band after each phase
    ok = pl.col("band_at_start").is_not_null() & pl.col("band_after").is_not_null()
    valued = value_uplift(
        phases.filter(ok).rename({"band_at_start": "band_before", "band_before": "_bb"})
    ).rename({"band_before": "band_at_start", "_bb": "band_before"})
    phases = pl.concat([valued, phases.filter(~ok)], how="diagonal_relaxed")
    tagged = (
        pl.lit(scenario.name).alias("scenario"),
        pl.lit(scenario_version, pl.Int64).alias("scenario_version"),
    )
    phases = _conform(phases.with_columns(*tagged), PHASE_SCHEMA).sort("property_id", "phase")
    measures = pl.concat(measure_parts, how="diagonal_relaxed") if measure_parts else pl.DataFrame()
    measures = _conform(measures.with_columns(*tagged), MEASURE_SCHEMA).sort(
        "property_id", "phase", "install_order"
    )
    return Plans(phases, measures, scored)


def attribution_gaps(plans: Plans, tolerance: float = 1e-6) -> pl.DataFrame:
    """(home, phase) rows whose measure effects or costs do not add up to the phase totals."""
    sums = plans.measures.group_by("property_id", "phase").agg(
        pl.col("delta_sap").sum(),
        pl.col("delta_co2_t").sum(),
        pl.col("delta_bill_gbp").sum(),
        pl.col("cost_gbp").sum().alias("measure_cost"),
    )
    joined = plans.phases.filter(pl.col("package").list.len() > 0).join(
        sums, on=["property_id", "phase"], how="left"
    )
    return joined.filter(
        ((pl.col("sap_after") - pl.col("sap_before") - pl.col("delta_sap")).abs() > tolerance)
        | ((pl.col("co2_after_t") - pl.col("co2_before_t") - pl.col("delta_co2_t")).abs() > tolerance)
        | (
            (pl.col("bill_after_gbp") - pl.col("bill_before_gbp") - pl.col("delta_bill_gbp")).abs()
            > tolerance
        )
        | ((pl.col("cost_gbp") - pl.col("measure_cost")).abs() > tolerance)
        | pl.col("delta_sap").is_null()
    ).select("property_id", "phase")
