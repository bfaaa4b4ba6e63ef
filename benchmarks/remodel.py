"""Re-modelling after one override: the incremental steps timed on a generated portfolio (issue 16).

    .venv/bin/python benchmarks/remodel.py --homes 2000 [--seed S] [--yearly-budget GBP]

Steps:
  setup       generate the portfolio, start an embedded PostgreSQL under a temporary ARA_HOME (or use
              ARA_DATABASE_URL), import it, load one scenario of three phases
              (examples/scenarios/three_phase_net_zero_ready) and start the register emulator (no rate limit).
  first run   `reference_job`, `epc_job` and `plans_job` for the portfolio's partition, in process, on an
              ephemeral Dagster instance: every home computed (reported as `first_*_s`, for scale).
  override    the demo's correction (`demo.run.pick_override`: a loft topped up, or a cavity filled) on
              one scored home, appended as an analyst's override.
  re-run      effective_epc -> sap_inputs -> property_baseline -> candidate_recommendations -> phase_plans
              in one run
              (timed: `remodel_s` wall, and each step's Dagster STEP_SUCCESS duration). Each incremental
              step reuses the unchanged homes of its previous output (docs/adr/0025, 0029); phase_plans
              builds only the changed (home, scenario) plans, funds every home, reruns the portfolio budget
              allocation (HiGHS, `--yearly-budget`) and rewrites in Postgres only the plans that changed.

Prints one JSON object: the seconds of each step of the re-run, how many homes each step recomputed and
reused, the first run's step seconds, the load average and the peak RSS. Timings depend on the machine's
load: note it beside any result.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "scenarios" / "three_phase_net_zero_ready.yaml"
TOKEN = "bench-token"
PORTFOLIO = "bench"
STEPS = ("effective_epc", "sap_inputs", "property_baseline", "candidate_recommendations", "phase_plans")


def _step_seconds(result: Any, step: str) -> float:
    for event in result.get_step_success_events():
        if event.step_key == step:
            return round(event.event_specific_data.duration_ms / 1000.0, 2)
    raise RuntimeError(f"no STEP_SUCCESS for step {step!r} in run {result.run_id}")


def _step_seconds_in(results: tuple[Any, ...], step: str) -> float:
    for result in results:
        if any(e.step_key == step for e in result.get_step_success_events()):
            return _step_seconds(result, step)
    raise RuntimeError(f"no STEP_SUCCESS for step {step!r} in runs {[r.run_id for r in results]}")


def _metadata(result: Any, asset: str) -> dict[str, Any]:
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key.to_user_string() == asset:
            return {k: v.value for k, v in mat.metadata.items()}
    raise RuntimeError(f"no materialization of {asset!r} in run {result.run_id}")


def run(homes: int, seed: int, yearly_budget: float | None, say: Any) -> dict[str, Any]:
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    work = Path(tempfile.mkdtemp(prefix="ara-bench-remodel-"))
    embedded = not os.environ.get("ARA_DATABASE_URL")
    os.environ["ARA_HOME"] = str(work / "ara_home")
    try:
        return _run(work, homes, seed, yearly_budget, say)
    finally:
        if embedded:  # the embedded server outlives the process by design: stop it, then drop the inputs
            from ara_assets.resources.warehouse.database import stop_embedded_server

            stop_embedded_server(work / "ara_home" / "pgdata")
        shutil.rmtree(work, ignore_errors=True)


def _run(work: Path, homes: int, seed: int, yearly_budget: float | None, say: Any) -> dict[str, Any]:
    import dagster as dg
    import polars as pl

    from ara_assets.demo.generate import generate_portfolio, write_portfolio
    from ara_assets.demo.run import pick_override
    from ara_assets.emulator.server import start_emulator
    from ara_assets.modelling.scenarios import load_scenario_yaml
    from ara_assets.resources.warehouse.imports import import_properties
    from ara_assets.resources.warehouse.unit_of_work import Warehouse

    os.environ["ARA_ASSET_BASE"] = str(work / "assets")
    write_portfolio(generate_portfolio(homes, seed), work / "portfolio")
    warehouse = Warehouse()
    warehouse.migrate()
    os.environ["ARA_DATABASE_URL"] = warehouse.url
    import_properties(warehouse, work / "portfolio" / "portfolio.csv", PORTFOLIO)
    scenario = load_scenario_yaml(SCENARIO)
    with warehouse.unit_of_work() as uow:
        uow.scenarios.create(scenario.to_spec(), replace=uow.scenarios.get(scenario.name) is not None)

    with start_emulator(work / "portfolio" / "certificates", token=TOKEN) as emulator:
        os.environ.update(
            {"ARA_REGISTER_URL": emulator.url, "EPC_REGISTER_TOKEN": TOKEN, "ARA_REGISTER_RPS": "0"}
        )
        from ara_assets.definitions import defs  # reads the environment set above

        instance = dg.DagsterInstance.ephemeral()
        instance.add_dynamic_partitions("portfolios", [PORTFOLIO])
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        plans_config = {
            **quiet,
            "ops": {
                "candidate_recommendations": {"config": {"scenarios": [scenario.name]}},
                "phase_plans": {"config": {"yearly_budget_gbp": yearly_budget}},
            },
        }

        def execute(job: str, **kwargs: Any) -> Any:
            result = defs.resolve_job_def(job).execute_in_process(instance=instance, **kwargs)
            if not result.success:
                raise RuntimeError(f"{job} failed: run {result.run_id}")
            return result

        execute("reference_job", run_config=quiet)
        say(f"first run: {homes} homes")
        start = time.perf_counter()
        epc = execute("epc_job", partition_key=PORTFOLIO, run_config=quiet)
        plans = execute("plans_job", partition_key=PORTFOLIO, run_config=plans_config)
        first_s = time.perf_counter() - start

        assets = work / "assets"
        target, field, value = pick_override(
            pl.read_parquet(assets / "effective_epc" / f"{PORTFOLIO}.parquet"),
            pl.read_parquet(assets / "property_baseline" / f"{PORTFOLIO}.parquet"),
        )
        with warehouse.unit_of_work() as uow:
            uow.overrides.append_many(
                [{"property_id": target, "field_path": field, "value": value, "author": "benchmark"}]
            )
        say(f"override: property {target} {field} = {value!r}; re-run")
        start = time.perf_counter()
        again = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance,
            partition_key=PORTFOLIO,
            asset_selection=[dg.AssetKey(s) for s in STEPS],
            run_config=plans_config,
        )
        remodel_s = time.perf_counter() - start
        if not again.success:
            raise RuntimeError(f"re-run failed: run {again.run_id}")

    baseline_meta = _metadata(again, "property_baseline")
    cand_meta = _metadata(again, "candidate_recommendations")
    plans_meta = _metadata(again, "phase_plans")
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "homes": homes,
        "remodel_s": round(remodel_s, 2),
        **{f"{s}_s": _step_seconds(again, s) for s in STEPS},
        "recomputed": {
            "property_baseline": baseline_meta["recomputed"],
            "candidate_recommendations": cand_meta["recomputed"],
            "phase_plans": plans_meta.get("recomputed"),
        },
        "reused": {
            "property_baseline": baseline_meta["unchanged"],
            "candidate_recommendations": cand_meta["unchanged"],
            "phase_plans": plans_meta.get("unchanged"),
        },
        # (home, scenario) plans rewritten in Postgres
        "plans_written": plans_meta.get("pairs_written"),
        # phase_plans' own breakdown (its `seconds` metadata table)
        "phase_plans_parts": plans_meta["seconds"],
        "first_run_s": round(first_s, 2),
        "first": {
            # each step from the job that ran it (epc_job or plans_job)
            **{f"{s}_s": _step_seconds_in((epc, plans), s) for s in STEPS},
        },
        "yearly_budget_gbp": yearly_budget,
        "peak_rss_mb": round(peak_kb / 1024.0, 1),
        "cpu_count": os.cpu_count(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--homes", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--yearly-budget",
        type=float,
        default=None,
        help="portfolio budget per year for the allocation (default: 1,500 GBP x homes)",
    )
    args = parser.parse_args()

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    budget = args.yearly_budget if args.yearly_budget is not None else 1_500.0 * args.homes
    print(json.dumps(run(args.homes, args.seed, budget, say), indent=1))


if __name__ == "__main__":
    main()
