"""Benchmark of candidate_recommendations + phase_plans, pure core without Dagster.

    .venv/bin/python benchmarks/modelling.py --homes 10000 [--runs 3]

The portfolio is generated (`ara_assets.demo.generate`, as benchmarks/baseline.py), assembled into
effective EPCs and expanded to SAP inputs once (not timed: the baseline benchmark covers it). Then, each
the median of --runs runs, for one scenario of three phases (examples/scenarios/three_phase_net_zero_ready):
  candidates  `run_scenario`: every eligible option of every phase scored exactly against the phase's
              start state, the optimiser's packages re-scored exactly, the state rolled forward
  plans       `build_plans`: the chosen packages re-applied, per-measure attribution by re-scoring every
              prefix of every package, value uplift
Home-variant calculations: rows scored by the calculator (each at the rating and the local climate, and
priced); per second = all rows scored / (candidates + plans). Peak memory: ru_maxrss after all runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--homes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--scenario", type=Path, default=ROOT / "examples/scenarios/three_phase_net_zero_ready.yaml"
    )
    args = parser.parse_args()

    from baseline import current_certificates  # benchmarks/baseline.py

    from ara_assets.baseline.rates import factors_as_of, load_bundled_rates, rates_as_of
    from ara_assets.modelling.candidates import start_inputs
    from ara_assets.modelling.plans import (
        attribution_gaps,
        build_plans,
        packages_from_candidates,
        run_scenario,
    )
    from ara_assets.modelling.rollup import rollup
    from ara_assets.modelling.scenarios import load_scenario_yaml
    from ara_assets.property.effective import assemble_effective_epc

    t0 = time.perf_counter()
    current = current_certificates(args.homes, args.seed)
    overrides = pl.DataFrame(
        schema={"property_id": pl.Int64, "override_id": pl.Int64, "field_path": pl.String, "value": pl.String,
                "author": pl.String, "created_at": pl.Datetime("us", "UTC")}
    )  # fmt: skip
    notes = pl.DataFrame(
        schema={"property_id": pl.Int64, "site_note_id": pl.Int64, "survey_date": pl.Date,
                "document": pl.String, "surveyor": pl.String}
    )  # fmt: skip
    effective = assemble_effective_epc(current, overrides, notes)
    inputs, features, refused = start_inputs(effective)
    features = features.with_columns(
        pl.lit(None, pl.Boolean).alias("listed_building"), pl.lit(None, pl.Boolean).alias("conservation_area")
    )
    print(
        f"prepared {inputs.height} homes ({len(refused)} refused by the expansion) in "
        f"{time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    rates, factors = load_bundled_rates()
    today = dt.date.today()
    rates_t, factors_t = rates_as_of(rates, today, region=None), factors_as_of(factors, today)
    scenario = load_scenario_yaml(args.scenario)

    cand_times, plan_times, scored = [], [], []
    run = plans = None
    for i in range(args.runs):
        t = time.perf_counter()
        run = run_scenario(inputs, features, scenario, rates_t, factors_t, scenario_version=1)
        cand_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        packages = packages_from_candidates(run.candidates, inputs, len(scenario.phases))
        plans = build_plans(inputs, packages, scenario, rates_t, factors_t, scenario_version=1)
        plan_times.append(time.perf_counter() - t)
        scored.append(run.variants_scored + plans.variants_scored)
        print(
            f"run {i + 1}: candidates {cand_times[-1]:.1f} s ({run.variants_scored} variants), plans "
            f"{plan_times[-1]:.1f} s ({plans.variants_scored} variants)",
            flush=True,
        )
    assert run is not None and plans is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cand_s, plan_s = statistics.median(cand_times), statistics.median(plan_times)
    total = cand_s + plan_s
    rate = statistics.median(scored) / total
    rolled = rollup(plans.phases)[0]
    gaps = attribution_gaps(plans).height
    print(
        f"\n| homes | candidates | plans | total | home-variant calculations | per second | peak RSS |\n"
        f"|---|---|---|---|---|---|---|\n"
        f"| {inputs.height:,} | {cand_s:.1f} s | {plan_s:.1f} s | {total:.1f} s | "
        f"{statistics.median(scored):,} | {rate:,.0f} | {peak_mb:,.0f} MB |"
    )
    print(f"candidate rows: {run.candidates.height:,}; attribution gaps: {gaps}")
    for p in rolled["phases"]:
        print(
            f"phase {p['phase']} {p['phase_name']!r}: {p['homes_reaching_target']}/{p['homes']} reach, "
            f"{p['homes_treated']} treated, cost {p['total_cost_gbp']:,.0f} GBP, mean SAP after "
            f"{p['mean_sap_after']}"
        )
    print(
        f"unreachable homes: {len(rolled['unreachable_homes'])}; not modelled: {len(rolled['not_modelled'])}"
    )
    print(
        f"runs (s): candidates {', '.join(f'{x:.1f}' for x in cand_times)}; "
        f"plans {', '.join(f'{x:.1f}' for x in plan_times)}"
    )
    print(f"python {platform.python_version()}, polars {pl.__version__}")


if __name__ == "__main__":
    main()
