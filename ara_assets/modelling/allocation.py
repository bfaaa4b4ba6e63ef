"""Portfolio budget allocation: which homes to treat in which phase and year, to get the most homes to target.

Input: per-home plan results, one row per (home, phase) -- the cost of that phase's package and whether
the home reaches the phase's target after it -- and a yearly portfolio budget. A home's phases are done
in order (phase p needs phases 1..p-1 done before it), and phase p is spent within its years
`(target_year of p-1, target_year of p]` (the first phase starts at `start_year`).

The model is a 0-1 knapsack over the per-home plans with precedence, solved as a MILP with HiGHS:

    x[h, p, s] in {0, 1}   home h does phase p in budget slot s of phase p
    maximise   sum r[h, p] x[h, p, s]
    subject to sum_h,p cost[h, p] x[h, p, s] <= budget[s]               for every slot s
               sum_s x[h, p, s] <= 1                                       for every (h, p)
               sum_s x[h, p, s] <= sum_s x[h, p-1, s]                      for p >= 2

`r[h, p]` is 1 when the home reaches phase p's target after it (so the objective counts home-phase targets
reached). Ties are broken towards cheaper selections in a second solve (lexicographic): minimise cost
subject to the same rows and `sum r x >= ` the stage-1 count, warm-started at the stage-1 selection.

HiGHS stops at `mip_rel_gap` (default 0.1 %): `upper_bound` reports the proven best count, so the shortfall
of a large portfolio is stated, not hidden. Below 1000 home-phase targets the default proves optimality
(the count is integral, so a gap below 1 is a proof).

Budget slots (`years=`):
- "exact": one slot per year; a home-phase is paid in one year and each year's spend stays within that
  year's budget. Columns = home-phases x years of the phase.
- "pooled" (default; what scales to 100k homes): one slot per phase holding the sum of its years'
  budgets, i.e. money unspent in one year of a phase carries to the next year of the same phase (never
  across phases). The chosen homes are then given years in order of cost so that cumulative spend never
  exceeds cumulative budget within the phase, which that carry-over makes always possible.

A greedy heuristic (cheapest reaching homes first, phase by phase) runs alongside, only to report the gap.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import highspy
import numpy as np
import polars as pl

# The tie-break (stage 2) stops once its selection costs at most this much more than the cheapest one with
# the same count could: 1 % of spend, a few hundred pounds on a demo, is not worth seconds of search.
TIE_BREAK_REL_GAP = 1e-2


class AllocationError(ValueError):
    """Bad allocation input: names the record (property_id / phase / year), the field and the value."""


@dataclass(frozen=True)
class AllocationResult:
    selected: pl.DataFrame  # property_id, phase, year, cost_gbp, reaches_target
    objective: int  # home-phase targets reached by the MILP selection
    upper_bound: int  # HiGHS's proven bound on that count: the selection is at most this far from the best
    greedy_objective: int  # the same count for the greedy heuristic
    status: str  # HiGHS model status, e.g. "Optimal", "Time limit reached"
    mip_gap: float  # relative gap HiGHS reports (0 when proven optimal)
    solve_seconds: float
    build_seconds: float
    spend_by_year: dict[int, float] = field(default_factory=dict)
    columns: int = 0
    rows: int = 0

    @property
    def gap_to_greedy(self) -> int:
        return self.objective - self.greedy_objective


def phase_years(phase_target_years: Mapping[int, int], start_year: int) -> dict[int, list[int]]:
    """Phase -> its years: (previous phase's target year, this phase's target year]; first from start_year."""
    out: dict[int, list[int]] = {}
    first = start_year
    for phase in sorted(phase_target_years):
        end = phase_target_years[phase]
        if end < first:
            raise AllocationError(
                f"phase={phase}: field 'target_year' value {end} is before its first year {first}"
            )
        out[phase] = list(range(first, end + 1))
        first = end + 1
    return out


def _validate(
    plans: pl.DataFrame, years_of: dict[int, list[int]], budget: Mapping[int, float]
) -> pl.DataFrame:
    need = ("property_id", "phase", "cost_gbp", "reaches_target")
    missing = [c for c in need if c not in plans.columns]
    if missing:
        raise AllocationError(f"plans: field {missing[0]!r} is missing (no such column)")
    p = plans.select(
        pl.col("property_id").cast(pl.Int64),
        pl.col("phase").cast(pl.Int32),
        pl.col("cost_gbp").cast(pl.Float64),
        pl.col("reaches_target").cast(pl.Boolean),
    )
    for col, cond, why in (
        (
            "cost_gbp",
            pl.col("cost_gbp").is_null() | (pl.col("cost_gbp") < 0),
            "must be a non-negative amount",
        ),
        ("phase", ~pl.col("phase").is_in(list(years_of)), f"is not a phase of {sorted(years_of)}"),
        ("reaches_target", pl.col("reaches_target").is_null(), "must be true or false"),
        ("phase", pl.struct("property_id", "phase").is_duplicated(), "appears twice for the home"),
    ):
        bad = p.filter(cond)
        if bad.height:
            raise AllocationError(
                f"property_id={bad['property_id'][0]!r}: field {col!r} value {bad[col][0]!r} {why}"
            )
    for years in years_of.values():
        for y in years:
            b = budget.get(y)
            if b is None or b < 0:
                raise AllocationError(
                    f"year={y}: field 'budget_gbp' value {b!r} must be a non-negative amount"
                )
    return p


def _useful(p: pl.DataFrame) -> pl.DataFrame:
    """Drop home-phases that cannot help: no target reached in this phase or any later one."""
    return p.sort("property_id", "phase").filter(
        pl.col("reaches_target").cast(pl.Int8).reverse().cum_max().reverse().over("property_id") > 0
    )


def allocate(
    plans: pl.DataFrame,
    yearly_budget_gbp: Mapping[int, float],
    phase_target_years: Mapping[int, int],
    start_year: int,
    *,
    years: Literal["pooled", "exact"] = "pooled",
    time_limit_s: float = 120.0,
    mip_rel_gap: float = 1e-3,
    presolve: bool = False,
    highs_options: Mapping[str, bool | int | float | str] | None = None,
) -> AllocationResult:
    """Choose home-phases (and years) within the yearly budgets to maximise home-phase targets reached."""
    t0 = time.perf_counter()
    years_of = phase_years(phase_target_years, start_year)
    p = _useful(_validate(plans, years_of, yearly_budget_gbp))
    # slots: (phase, years covered, budget)
    slots: list[tuple[int, list[int], float]] = []
    for phase, ys in years_of.items():
        if years == "exact":
            slots += [(phase, [y], float(yearly_budget_gbp[y])) for y in ys]
        else:
            slots.append((phase, ys, float(sum(yearly_budget_gbp[y] for y in ys))))
    slot_frame = pl.DataFrame(
        {
            "phase": [s[0] for s in slots],
            "slot": list(range(len(slots))),
            "slot_budget": [s[2] for s in slots],
        },
        schema={"phase": pl.Int32, "slot": pl.Int64, "slot_budget": pl.Float64},
    )
    # one column per (home, phase, slot) that fits the slot's budget on its own
    cols = (
        p.with_row_index("hp")
        .join(slot_frame, on="phase")
        .filter(pl.col("cost_gbp") <= pl.col("slot_budget"))
        .sort("hp", "slot")
    )
    n = cols.height
    greedy = _greedy(p, slots)
    budget = {int(k): float(v) for k, v in yearly_budget_gbp.items()}
    if n == 0:
        return _result(cols, slots, budget, 0, 0, greedy, "Empty", 0.0, 0.0, time.perf_counter() - t0, 0, 0)

    cost = cols["cost_gbp"].to_numpy()
    reach = cols["reaches_target"].cast(pl.Float64).to_numpy()
    hp = cols["hp"].to_numpy()
    slot = cols["slot"].to_numpy()
    col_idx = np.arange(n)

    # rows: budget per slot; at most one slot per home-phase; precedence on phases
    # budget rows in thousands of pounds: keeps HiGHS's coefficient ranges tame at 100k homes
    rows_i: list[np.ndarray] = [slot]
    rows_j: list[np.ndarray] = [col_idx]
    vals: list[np.ndarray] = [cost / 1000.0]
    upper: list[np.ndarray] = [np.array([s[2] for s in slots]) / 1000.0]
    next_row = len(slots)
    hp_ids, hp_row = np.unique(hp, return_inverse=True)
    if years == "exact":
        rows_i.append(next_row + hp_row)
        rows_j.append(col_idx)
        vals.append(np.ones(n))
        upper.append(np.ones(len(hp_ids)))
        next_row += len(hp_ids)
    # precedence: for each home-phase with a previous phase of the same home
    hp_table = p.with_row_index("hp").select("hp", "property_id", "phase")
    prev = hp_table.join(
        hp_table.with_columns((pl.col("phase") + 1).alias("phase")).rename({"hp": "hp_prev"}),
        on=["property_id", "phase"],
        how="left",
    )
    later = prev.filter(pl.col("hp_prev").is_not_null())
    # a later phase whose previous phase was dropped (cannot help / not useful) cannot be done at all
    orphan = prev.filter(pl.col("hp_prev").is_null() & (pl.col("phase") > min(years_of)))
    col_lower = np.zeros(n)
    col_upper = np.ones(n)
    if orphan.height:
        blocked = np.isin(hp, orphan["hp"].to_numpy())
        col_upper[blocked] = 0.0
    if later.height:
        # each home-phase is the later end of at most one precedence row and the earlier end of at most one
        row_of_hp = np.full(p.height, -1, dtype=np.int64)
        row_of_prev = np.full(p.height, -1, dtype=np.int64)
        lat_hp = later["hp"].to_numpy()
        lat_prev = later["hp_prev"].to_numpy()
        rows_for = next_row + np.arange(len(lat_hp))
        row_of_hp[lat_hp] = rows_for
        row_of_prev[lat_prev] = rows_for
        mine = row_of_hp[hp]
        sel = mine >= 0
        rows_i.append(mine[sel])
        rows_j.append(col_idx[sel])
        vals.append(np.ones(int(sel.sum())))
        theirs = row_of_prev[hp]
        sel2 = theirs >= 0
        rows_i.append(theirs[sel2])
        rows_j.append(col_idx[sel2])
        vals.append(-np.ones(int(sel2.sum())))
        upper.append(np.zeros(len(lat_hp)))
        next_row += len(lat_hp)
    ri = np.concatenate(rows_i)
    rj = np.concatenate(rows_j)
    rv = np.concatenate(vals)
    order = np.lexsort((rj, ri))
    ri, rj, rv = ri[order], rj[order], rv[order]
    starts = np.searchsorted(ri, np.arange(next_row + 1))

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = next_row
    lp.col_cost_ = reach
    lp.col_lower_ = col_lower
    lp.col_upper_ = col_upper
    lp.row_lower_ = np.full(next_row, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate(upper)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = next_row
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = rj.astype(np.int32)
    lp.a_matrix_.value_ = rv.astype(np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h = highspy.Highs()
    # silent; highs_options={"output_flag": True} prints the solver log (for tuning)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    # Stage 1 counts targets only: the objective is integral, so HiGHS rounds its bound down and a gap
    # below 1 proves the count optimal. (A cost term in the same objective, even below 0.5 in all, kept
    # it proving the cheapest tie-break instead: 286 s at 200 homes for a count found in 2 s.)
    h.setOptionValue("mip_abs_gap", 0.99)
    h.setOptionValue("threads", 1)
    # presolve costs more than it saves on this structure (measured: 8 s of 10 s at 10k homes)
    h.setOptionValue("presolve", "on" if presolve else "off")
    for key, value in (highs_options or {}).items():
        h.setOptionValue(key, value)
    h.passModel(lp)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    values = np.asarray(h.getSolution().col_value)
    if values.size != n:  # no feasible point found within the limit (cannot happen: x = 0 is feasible)
        raise AllocationError(f"allocation: HiGHS returned no solution (status {status})")
    info = h.getInfo()
    gap = float(getattr(info, "mip_gap", 0.0))
    dual = float(getattr(info, "mip_dual_bound", np.inf))
    count = int(round(float(reach @ (values > 0.5))))
    bound = int(np.floor(dual + 1e-6)) if np.isfinite(dual) else count
    bound = max(bound, count)
    values = _cheapest_with_count(h, values, reach, cost, count, time_limit_s - (time.perf_counter() - t1))
    solve = time.perf_counter() - t1
    chosen = cols.filter(pl.Series(values > 0.5))
    objective = int(chosen["reaches_target"].sum())
    gap = gap if np.isfinite(gap) else 0.0
    return _result(chosen, slots, budget, objective, bound, greedy, status, gap, solve, build, n, next_row)


def _cheapest_with_count(
    h: highspy.Highs, start: np.ndarray, reach: np.ndarray, cost: np.ndarray, count: int, seconds: float
) -> np.ndarray:
    """Stage 2 (the tie-break): the cheapest selection that still reaches `count` targets, from `start`.

    The stage-1 model with one more row (targets reached >= count) and cost as the objective, warm-started
    at the stage-1 selection, within the time left: the result is never dearer than `start` and never
    reaches fewer targets. Cost only breaks ties, so it stops within TIE_BREAK_REL_GAP of the cheapest.
    """
    if count == 0 or seconds <= 0.05:
        return start
    idx = np.flatnonzero(reach > 0).astype(np.int32)
    h.addRow(float(count), highspy.kHighsInf, idx.size, idx, np.ones(idx.size))
    n = start.size
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost / 1000.0)  # kGBP, as the budget rows
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    h.setOptionValue("time_limit", float(seconds))
    h.setOptionValue("mip_abs_gap", 0.0)
    h.setOptionValue("mip_rel_gap", TIE_BREAK_REL_GAP)
    warm = highspy.HighsSolution()
    warm.col_value = list(np.where(start > 0.5, 1.0, 0.0))
    h.setSolution(warm)
    h.run()
    values = np.asarray(h.getSolution().col_value)
    if values.size != n:
        return start
    chosen = values > 0.5
    if reach @ chosen < count - 1e-9 or cost @ chosen > cost @ (start > 0.5) + 1e-6:
        return start
    return values


def _assign_years(
    chosen: pl.DataFrame, slots: list[tuple[int, list[int], float]], budget_per_year: dict[int, float]
) -> pl.DataFrame:
    """A year in its slot for each home-phase: cheapest first, cumulative spend <= cumulative budget."""
    parts = []
    for s, (_, ys, _) in enumerate(slots):
        part = chosen.filter(pl.col("slot") == s).sort("cost_gbp", "property_id")
        if part.is_empty():
            continue
        if len(ys) == 1:
            parts.append(part.with_columns(pl.lit(ys[0], dtype=pl.Int32).alias("year")))
            continue
        cum_budget = np.cumsum([budget_per_year[y] for y in ys])
        cum_spend = part["cost_gbp"].cum_sum().to_numpy()
        # first year whose cumulative budget covers the cumulative spend up to this home
        idx = np.searchsorted(cum_budget, cum_spend - 1e-6, side="left").clip(0, len(ys) - 1)
        parts.append(part.with_columns(pl.Series("year", np.asarray(ys)[idx], dtype=pl.Int32)))
    if not parts:
        return chosen.with_columns(pl.lit(None, dtype=pl.Int32).alias("year"))
    return pl.concat(parts)


def _result(
    chosen: pl.DataFrame,
    slots: list[tuple[int, list[int], float]],
    budget_per_year: dict[int, float],
    objective: int,
    upper_bound: int,
    greedy: int,
    status: str,
    gap: float,
    solve: float,
    build: float,
    n: int,
    m: int,
) -> AllocationResult:
    names = ["property_id", "phase", "year", "cost_gbp", "reaches_target"]
    if chosen.is_empty():
        types = [pl.Int64, pl.Int32, pl.Int32, pl.Float64, pl.Boolean]
        selected = pl.DataFrame(schema=dict(zip(names, types, strict=True)))
    else:
        selected = _assign_years(chosen, slots, budget_per_year).select(names).sort("property_id", "phase")
    spend = {int(y): float(c) for y, c in selected.group_by("year").agg(pl.col("cost_gbp").sum()).iter_rows()}
    return AllocationResult(
        selected, objective, upper_bound, greedy, status, gap, solve, build, dict(sorted(spend.items())), n, m
    )


def _greedy(p: pl.DataFrame, slots: list[tuple[int, list[int], float]]) -> int:
    """Phase by phase, cheapest first among homes whose earlier phases are done; counts targets reached.

    A row loop (first-fit into the slots), run only to report the MILP's gain; about 0.2 s at 100k homes.

    Only reaching home-phases are bought, except when a later phase of the home reaches its target.
    """
    done: set[str] = set()
    first_phase = min((s[0] for s in slots), default=0)
    reached = 0
    for phase in sorted({s[0] for s in slots}):
        phase_slots = [s for s in slots if s[0] == phase]
        remaining = [s[2] for s in phase_slots]
        cand = p.filter(pl.col("phase") == phase)
        if phase != first_phase:
            cand = cand.filter(pl.col("property_id").is_in(list(done)))
        cand = cand.sort(pl.col("reaches_target").not_(), "cost_gbp", "property_id")
        now: set[int] = set()
        for home, cost, reaches in cand.select("property_id", "cost_gbp", "reaches_target").iter_rows():
            for i, left in enumerate(remaining):
                if cost <= left + 1e-9:
                    remaining[i] = left - cost
                    now.add(home)
                    reached += int(reaches)
                    break
        done = now
    return reached
