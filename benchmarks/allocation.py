"""Timing of the allocation MILP on synthetic portfolios: `python benchmarks/allocation.py N`.

Synthetic plans: three phases (to 2030, 2035, 2040 from 2026), phase costs drawn uniformly (fabric 500-12000,
heat 6000-20000, PV 3000-9000 GBP), targets reached with probability 0.7 / 0.6 / 0.5, and a flat yearly
budget of `budget_share` of the total cost of all plans spread over the 15 years. Results are recorded in
docs/modelling/allocation.md.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import polars as pl

from ara_assets.modelling.allocation import AllocationResult, allocate

TARGET_YEARS = {1: 2030, 2: 2035, 3: 2040}
START = 2026


def synthetic_plans(homes: int, seed: int = 7) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.arange(homes, dtype=np.int64)
    frames = []
    for phase, (low, high, p_reach) in {
        1: (500, 12000, 0.7),
        2: (6000, 20000, 0.6),
        3: (3000, 9000, 0.5),
    }.items():
        frames.append(
            pl.DataFrame(
                {
                    "property_id": ids,
                    "phase": np.full(homes, phase, dtype=np.int32),
                    "cost_gbp": np.round(rng.uniform(low, high, homes), 0),
                    "reaches_target": rng.random(homes) < p_reach,
                }
            )
        )
    return pl.concat(frames)


def run(homes: int, years: str = "pooled", budget_share: float = 0.4) -> AllocationResult:
    plans = synthetic_plans(homes)
    yearly = float(plans["cost_gbp"].sum()) * budget_share / (max(TARGET_YEARS.values()) - START + 1)
    budget = {y: yearly for y in range(START, max(TARGET_YEARS.values()) + 1)}
    return allocate(plans, budget, TARGET_YEARS, START, years=years, time_limit_s=300.0)  # type: ignore[arg-type]


def main(argv: list[str]) -> None:
    homes = int(argv[0]) if argv else 10000
    years = argv[1] if len(argv) > 1 else "pooled"
    t0 = time.perf_counter()
    r = run(homes, years)
    wall = time.perf_counter() - t0
    print(
        f"homes={homes} years={years} columns={r.columns} rows={r.rows} status={r.status} "
        f"objective={r.objective} upper_bound={r.upper_bound} greedy={r.greedy_objective} "
        f"gap_to_greedy={r.gap_to_greedy} "
        f"mip_gap={r.mip_gap:.2e} build_s={r.build_seconds:.2f} solve_s={r.solve_seconds:.2f} "
        f"wall_s={wall:.2f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
