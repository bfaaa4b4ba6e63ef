"""Why a home-phase misses its target: one reason per home-phase that does not reach it.

    phases = explain_misses(plans.phases, candidates, scenario)     # + REASON_SCHEMA columns
    rows = not_modelled_rows(refused, scenario, reason_of)          # homes the calculator could not score

Reasons, tested in this order:
- `not_modelled`: the home (or a state of its plan) could not be scored; `miss_detail` carries the
  calculator's or the source's reason. Such a home never counts as reaching a target.
- `no_eligible_measure`: no candidate option of the phase improves the phase's goal metric.
- `budget_limit`: the phase has a budget, and the best package estimated without it would reach the target;
  `reachable_within_budget` is the goal metric the chosen package reaches within the budget.
- `max_achievable_below_target`: even the best package falls short; `best_achievable` is the goal metric of
  the best package (the optimiser's exact result with no budget, else an additive estimate: the start plus the
  best gain of each slot -- one wall, one roof, one heating system... -- which over-states a little, since
  gains of one package overlap).

Goal metric units: the SAP rating for band and SAP goals, tonnes of CO2 a year for `co2_cut`, pounds a year
for `bill_cut` (shown positive here, lower is better).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ara_assets.modelling.optimiser import SLOTS
from ara_assets.modelling.scenarios import Goal, Scenario

MISS_REASONS = ("not_modelled", "no_eligible_measure", "budget_limit", "max_achievable_below_target")

REASON_SCHEMA: dict[str, pl.DataType] = {
    "miss_reason": pl.String(),
    "miss_detail": pl.String(),
    "reachable_within_budget": pl.Float64(),
    "best_achievable": pl.Float64(),
}

_GAIN = {"band": "delta_sap", "sap": "delta_sap", "co2_cut": "delta_co2_t", "bill_cut": "delta_bill_gbp"}


def _sign(goal: Goal) -> float:
    """+1 when the metric rises towards the goal (SAP), -1 when it falls (CO2, bills)."""
    return 1.0 if goal.kind in ("band", "sap") else -1.0


def _metric_cols(goal: Goal) -> tuple[str, str]:
    if goal.kind in ("band", "sap"):
        return "sap_before", "sap_after"
    if goal.kind == "co2_cut":
        return "co2_before_t", "co2_after_t"
    return "bill_before_gbp", "bill_after_gbp"


def _unit(goal: Goal, value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "?"
    if goal.kind in ("band", "sap"):
        return f"SAP {value:.0f}"
    if goal.kind == "co2_cut":
        return f"{value:.2f} t CO2/yr"
    return f"£{value:,.0f}/yr"


def explain_misses(phases: pl.DataFrame, candidates: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    """Add REASON_SCHEMA columns to one scenario's phase rows (null where the target is reached)."""
    parts: list[pl.DataFrame] = []
    # a home counts only when every phase of its plan was scored: one unscored phase makes every phase of the
    # home `not_modelled` (with the first error as its detail)
    bad = phases.filter(pl.col("score_error").is_not_null() | pl.col("sap_before").is_null())
    first_error = (
        bad.sort("phase")
        .group_by("property_id")
        .agg(pl.col("score_error").drop_nulls().first().alias("_home_error"))
    )
    phases = phases.join(first_error, on="property_id", how="left").with_columns(
        pl.when(pl.col("property_id").is_in(bad["property_id"].implode()))
        .then(pl.coalesce("_home_error", pl.lit("the home's start state could not be scored")))
        .alias("_home_error")
    )
    start = phases.filter(pl.col("phase") == 1).select(
        "property_id",
        pl.col("co2_before_t").alias("_co2_0"),
        pl.col("bill_before_gbp").alias("_bill_0"),
    )
    for i in range(len(scenario.phases)):
        goal = scenario.phase_goal(i)
        rows = phases.filter(pl.col("phase") == i + 1).join(start, on="property_id", how="left")
        before, after = _metric_cols(goal)
        sign = _sign(goal)
        gain_col = _GAIN[goal.kind]
        cands = candidates.filter((pl.col("phase") == i + 1) & pl.col("score_error").is_null())
        # best gain per home and slot, positive only; the slot groups options that exclude each other
        gains = (
            cands.with_columns(
                (pl.col(gain_col) * sign).alias("_gain"),
                pl.col("measure_type").replace_strict(SLOTS, default=pl.col("measure_type")).alias("_slot"),
            )
            .filter(pl.col("_gain") > 1e-9)
            .group_by("property_id", "_slot")
            .agg(pl.col("_gain").max())
            .group_by("property_id")
            .agg(pl.col("_gain").sum().alias("_est_gain"), pl.len().alias("_useful"))
        )
        rows = rows.join(gains, on="property_id", how="left").with_columns(
            pl.col("_est_gain").fill_null(0.0), pl.col("_useful").fill_null(0)
        )
        if goal.kind in ("band", "sap"):
            assert goal.min_sap is not None
            need = pl.lit(float(goal.min_sap))
        else:
            base = pl.col("_co2_0") if goal.kind == "co2_cut" else pl.col("_bill_0")
            need = base * (1.0 - float(goal.share or 0.0))
        estimate = pl.col(before) + sign * pl.col("_est_gain")
        has_budget = pl.col("budget_gbp").is_not_null() & pl.col("budget_gbp").is_finite()
        best = (
            pl.when(has_budget)
            .then(
                pl.max_horizontal(estimate, pl.col(after))
                if sign > 0
                else pl.min_horizontal(estimate, pl.col(after))
            )
            .otherwise(pl.col(after))
        )
        # band goals are judged on the integer rating: SAP min_sap - 0.5 rounds up to the band
        reach_est = (best >= need - 0.5) if sign > 0 else (best <= need + 1e-9)
        not_modelled = pl.col("_home_error").is_not_null()
        reason = (
            pl.when(pl.col("reaches_target") & ~not_modelled)
            .then(None)
            .when(not_modelled)
            .then(pl.lit("not_modelled"))
            .when(pl.col("_useful") == 0)
            .then(pl.lit("no_eligible_measure"))
            .when(has_budget & reach_est)
            .then(pl.lit("budget_limit"))
            .otherwise(pl.lit("max_achievable_below_target"))
        )
        rows = rows.with_columns(
            reason.alias("miss_reason"),
            best.alias("_best"),
            need.alias("_need"),
        ).with_columns(
            pl.when(pl.col("miss_reason") == "budget_limit")
            .then(pl.col(after))
            .otherwise(None)
            .alias("reachable_within_budget"),
            pl.when(pl.col("miss_reason") == "max_achievable_below_target")
            .then(pl.col("_best"))
            .otherwise(None)
            .alias("best_achievable"),
        )
        detail = [
            _detail(goal, r)
            for r in rows.select(
                "miss_reason", "_home_error", "_need", after, "_best", "budget_gbp"
            ).iter_rows()
        ]
        parts.append(
            rows.with_columns(pl.Series("miss_detail", detail, dtype=pl.String)).drop(
                "_co2_0", "_bill_0", "_est_gain", "_useful", "_best", "_need", "_home_error"
            )
        )
    out = pl.concat(parts, how="vertical_relaxed") if parts else phases
    # a home that was not modelled never counts as reaching a target
    return out.with_columns(
        (pl.col("reaches_target") & pl.col("miss_reason").is_null()).alias("reaches_target")
    ).sort("property_id", "phase")


def _detail(
    goal: Goal,
    row: tuple[str | None, str | None, float | None, float | None, float | None, float | None],
) -> str | None:
    reason, error, need, after, best, budget = row
    if reason is None:
        return None
    target = goal.describe()
    if reason == "not_modelled":
        return error or "the home's start state could not be scored"
    if reason == "no_eligible_measure":
        return f"no eligible measure of the phase improves it towards {target}"
    if reason == "budget_limit":
        return f"{_unit(goal, after)} within £{budget:,.0f}; {target} needs {_unit(goal, need)}"
    return f"best package reaches {_unit(goal, best)}; {target} needs {_unit(goal, need)}"


def not_modelled_rows(
    refused: pl.DataFrame, scenario: Scenario, scenario_version: int | None
) -> pl.DataFrame:
    """Phase rows for homes the calculator or the source could not give a start state.

    refused: property_id, reason (why no baseline). Each phase row says `not_modelled`, with no package and
    no cost, and never reaches the target.
    """
    n = refused.height
    parts = []
    for i, phase in enumerate(scenario.phases):
        goal = scenario.phase_goal(i)
        parts.append(
            pl.DataFrame(
                {
                    "scenario": [scenario.name] * n,
                    "scenario_version": [scenario_version] * n,
                    "property_id": refused["property_id"].cast(pl.Int64),
                    "phase": np.full(n, i + 1, dtype=np.int32),
                    "phase_name": [phase.name] * n,
                    "goal": [goal.describe()] * n,
                    "goal_kind": [goal.kind] * n,
                    "target_year": np.full(n, phase.target_year, dtype=np.int32),
                    "budget_gbp": [phase.budget_gbp] * n,
                    "package": [[] for _ in range(n)],
                    "cost_gbp": np.zeros(n),
                    "cost_to_date_gbp": np.zeros(n),
                    "reaches_target": np.zeros(n, dtype=bool),
                    "score_error": refused["reason"].cast(pl.String).fill_null("no baseline"),
                    "miss_reason": ["not_modelled"] * n,
                    "miss_detail": refused["reason"].cast(pl.String).fill_null("no baseline"),
                    "grant_gbp": np.zeros(n),
                    "net_cost_gbp": np.zeros(n),
                },
                schema_overrides={
                    "package": pl.List(pl.String),
                    "budget_gbp": pl.Float64,
                    "scenario_version": pl.Int64,
                },
            )
        )
    return pl.concat(parts) if parts else pl.DataFrame()


def reason_counts(phases: pl.DataFrame) -> dict[int, dict[str, int]]:
    """Phase -> miss reason -> home count (every reason present, zero when none)."""
    out: dict[int, dict[str, int]] = {}
    for phase in sorted(phases["phase"].unique().to_list()):
        counts = dict.fromkeys(MISS_REASONS, 0)
        rows = phases.filter((pl.col("phase") == phase) & pl.col("miss_reason").is_not_null())
        for reason, n in rows.group_by("miss_reason").len().iter_rows():
            counts[str(reason)] = int(n)
        out[int(phase)] = counts
    return out
