"""The allocation MILP against brute force on small instances whose optimum is known by enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from ara_assets.modelling.allocation import AllocationError, allocate, phase_years

START = 2026
TARGET_YEARS = {1: 2027, 2: 2029}  # phase 1: 2026-2027, phase 2: 2028-2029


def _instance(seed: int, homes: int) -> tuple[pl.DataFrame, dict[int, float]]:
    rng = np.random.default_rng(seed)
    rows = []
    for h in range(homes):
        for phase in (1, 2):
            rows.append(
                {
                    "property_id": h,
                    "phase": phase,
                    "cost_gbp": float(rng.integers(1, 10) * 1000),
                    "reaches_target": bool(rng.random() < 0.6),
                }
            )
    budget = {y: float(rng.integers(4, 14) * 1000) for y in range(2026, 2030)}
    return pl.DataFrame(rows), budget


def _brute_force(plans: pl.DataFrame, budget: dict[int, float], exact: bool) -> int:
    """Best count of home-phase targets reached, enumerating every home's choice (phases done, years)."""
    years = phase_years(TARGET_YEARS, START)
    table = {(r["property_id"], r["phase"]): r for r in plans.to_dicts()}
    homes = sorted({r["property_id"] for r in plans.to_dicts()})
    # per home: list of (reached, {slot: spend}); slot = year (exact) or phase (pooled)
    choices = []
    for h in homes:
        options: list[tuple[int, dict[object, float]]] = [(0, {})]
        p1, p2 = table[(h, 1)], table[(h, 2)]
        slots1 = years[1] if exact else [1]
        slots2 = years[2] if exact else [2]
        for s1 in slots1:
            options.append((int(p1["reaches_target"]), {s1: p1["cost_gbp"]}))
            for s2 in slots2:
                reached = int(p1["reaches_target"]) + int(p2["reaches_target"])
                options.append((reached, {s1: p1["cost_gbp"], s2: p2["cost_gbp"]}))
        choices.append(options)
    cap: dict[object, float] = (
        dict(budget) if exact else {p: sum(budget[y] for y in ys) for p, ys in years.items()}
    )
    best = 0
    for combo in itertools.product(*choices):
        spend: dict[object, float] = {}
        for _, use in combo:
            for slot, cost in use.items():
                spend[slot] = spend.get(slot, 0.0) + cost
        if all(spend[s] <= cap[s] + 1e-9 for s in spend):
            best = max(best, sum(r for r, _ in combo))
    return best


def _check_feasible(selected: pl.DataFrame, budget: dict[int, float], exact: bool) -> None:
    years = phase_years(TARGET_YEARS, START)
    by_year = dict(selected.group_by("year").agg(pl.col("cost_gbp").sum()).iter_rows())
    if exact:
        for y, spent in by_year.items():
            assert spent <= budget[y] + 1e-6
    else:  # pooled: cumulative spend within cumulative budget inside each phase
        for ys in years.values():
            cum_spend = np.cumsum([by_year.get(y, 0.0) for y in ys])
            cum_budget = np.cumsum([budget[y] for y in ys])
            assert (cum_spend <= cum_budget + 1e-6).all()
    for row in selected.to_dicts():
        assert row["year"] in years[row["phase"]]
        if row["phase"] == 2:  # precedence: phase 1 of the same home chosen, in an earlier year
            first = selected.filter((pl.col("property_id") == row["property_id"]) & (pl.col("phase") == 1))
            assert first.height == 1 and first["year"][0] < row["year"]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("mode", ["pooled", "exact"])
def test_milp_matches_brute_force(seed: int, mode: str) -> None:
    plans, budget = _instance(seed, homes=5)
    result = allocate(plans, budget, TARGET_YEARS, START, years=mode)  # type: ignore[arg-type]
    assert result.status == "Optimal"
    assert result.objective == _brute_force(plans, budget, exact=mode == "exact")
    assert result.objective == int(result.selected["reaches_target"].sum())
    assert result.greedy_objective <= result.objective
    _check_feasible(result.selected, budget, exact=mode == "exact")


def test_milp_beats_greedy_where_greedy_is_myopic() -> None:
    # Two years of 5000: cheapest-first fills 2026 with 2000 + 2000, then fits one 3000 in 2027 (3 homes);
    # the optimum pairs 2000 + 3000 in each year (4 homes).
    plans = pl.DataFrame(
        {
            "property_id": [1, 2, 3, 4],
            "phase": [1, 1, 1, 1],
            "cost_gbp": [2000.0, 2000.0, 3000.0, 3000.0],
            "reaches_target": [True] * 4,
        }
    )
    result = allocate(plans, {2026: 5000.0, 2027: 5000.0}, {1: 2027}, START, years="exact")
    assert (result.objective, result.greedy_objective, result.gap_to_greedy) == (4, 3, 1)
    assert result.spend_by_year == {2026: 5000.0, 2027: 5000.0}


def test_ties_are_broken_towards_the_cheaper_selection() -> None:
    plans = pl.DataFrame(
        {
            "property_id": [1, 2, 3],
            "phase": [1, 1, 1],
            "cost_gbp": [3000.0, 5000.0, 5000.0],
            "reaches_target": [True] * 3,
        }
    )
    result = allocate(plans, {2026: 10000.0}, {1: 2026}, START, years="exact")
    assert result.objective == 2
    assert result.selected["cost_gbp"].sum() == 8000.0  # a + b, not b + c


def test_home_that_reaches_only_in_phase_two_gets_phase_one() -> None:
    plans = pl.DataFrame(
        {
            "property_id": [1, 1],
            "phase": [1, 2],
            "cost_gbp": [1000.0, 1000.0],
            "reaches_target": [False, True],
        }
    )
    result = allocate(plans, {2026: 1000.0, 2027: 0.0, 2028: 1000.0, 2029: 0.0}, TARGET_YEARS, START)
    assert result.selected.select("phase", "year").rows() == [(1, 2026), (2, 2028)]
    assert result.objective == 1


def test_bad_input_is_refused() -> None:
    plans, budget = _instance(0, homes=2)
    with pytest.raises(AllocationError, match="field 'cost_gbp' value -1.0"):
        allocate(plans.with_columns(pl.lit(-1.0).alias("cost_gbp")), budget, TARGET_YEARS, START)
    with pytest.raises(AllocationError, match="year=2029: field 'budget_gbp' value None"):
        allocate(plans, {2026: 1.0, 2027: 1.0, 2028: 1.0}, TARGET_YEARS, START)
    with pytest.raises(AllocationError, match="field 'phase' value 3"):
        allocate(plans.with_columns(pl.lit(3).alias("phase")), budget, TARGET_YEARS, START)
    with pytest.raises(AllocationError, match="appears twice"):
        allocate(pl.concat([plans, plans.head(1)]), budget, TARGET_YEARS, START)
    with pytest.raises(AllocationError, match="'reaches_target' is missing"):
        allocate(plans.drop("reaches_target"), budget, TARGET_YEARS, START)
