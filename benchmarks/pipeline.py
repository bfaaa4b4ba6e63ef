"""End-to-end benchmark: the national bulk file into the certificate cache, then the Dagster pipeline.

    .venv/bin/python benchmarks/pipeline.py --homes 2000 --json [--certificates N] [--seed S] [--inputs DIR]

Steps (timed):
  setup          generate the portfolio and the national bulk ZIP (`ara_assets/demo/national.py`), start an
                 embedded PostgreSQL under a temporary ARA_HOME (or use ARA_DATABASE_URL), import the
                 portfolio, load one scenario of three phases (examples/scenarios/three_phase_net_zero_ready)
                 and start the register emulator (no rate limit) serving the file, the deltas and the API.
                 Not reported: it builds the inputs.
  bulk_ingest_s  `bulk_sync`: download the ZIP over loopback HTTP, stream it, keep the portfolio's UPRNs and
                 their postcode neighbours, write them to Postgres, record the covered UPRNs as fetched.
  pipeline_s     wall time of `epc_job` (epc_cache: the per-UPRN API only for homes the file lacks;
                 effective_epc; sap_inputs; property_baseline) and `plans_job` (candidate_recommendations,
                 phase_plans) for the portfolio's partition, in this process, on a temporary persistent
                 Dagster instance.
  effective_s, baseline_s, plans_s
                 the step durations of effective_epc, property_baseline and phase_plans (Dagster's
                 STEP_SUCCESS durations); candidate_recommendations is in pipeline_s only.
  peak_rss_mb    the benchmark process's maximum resident set size (ru_maxrss): the pipeline's memory. The
                 register emulator, the inputs' generation and the embedded PostgreSQL run in other
                 processes. The jobs run with `dagster.execute_job` on a persistent temporary instance, as
                 a deployed run does: `execute_in_process` would keep every step's output in memory until
                 the run ends (for `output_for_node`), which no deployed run does.
The inputs live in a temporary folder, removed at the end with the embedded PostgreSQL it started. With
`--inputs DIR` the generated portfolio and national file are kept in DIR/<homes>-<certificates>-<seed> and
reused by the next run with the same sizes (generating 1,000,000 certificates takes minutes).

Prints one JSON object with --json. Timings depend on the machine's load: note it beside any result.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "examples" / "scenarios" / "three_phase_net_zero_ready.yaml"
TOKEN = "bench-token"
PORTFOLIO = "bench"
AS_OF = date(2026, 10, 1)


def epc_job() -> Any:
    """The definitions' `epc_job` (module level, so `dagster.reconstructable` can rebuild it)."""
    from ara_assets.definitions import defs

    return defs.resolve_job_def("epc_job")


def plans_job() -> Any:
    from ara_assets.definitions import defs

    return defs.resolve_job_def("plans_job")


def _execute(job: Any, instance: Any, run_config: dict[str, Any]) -> Any:
    """One partition's run of `job` (a module-level function above) in this process, without the output
    capture of `execute_in_process`; the result's events stay readable after the run."""
    import dagster as dg

    with dg.execute_job(
        dg.reconstructable(job), instance, run_config=run_config, tags={"dagster/partition": PORTFOLIO}
    ) as result:
        if not result.success:
            raise RuntimeError(f"{job.__name__} failed: run {result.run_id}")
        return result


def _step_seconds(result: Any, step: str) -> float:
    for event in result.get_step_success_events():
        if event.step_key == step:
            return event.event_specific_data.duration_ms / 1000.0
    raise RuntimeError(f"no STEP_SUCCESS for step {step!r} in run {result.run_id}")


def _all_steps(*results: Any) -> dict[str, float]:
    """Every step's duration in seconds, by step key, over the given runs."""
    return {
        event.step_key: round(event.event_specific_data.duration_ms / 1000.0, 2)
        for result in results
        for event in result.get_step_success_events()
    }


def run(homes: int, certificates: int, seed: int, say: Any, inputs: Path | None = None) -> dict[str, Any]:
    import dagster as dg

    from ara_assets.settings import database_url_from_env

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    work = Path(tempfile.mkdtemp(prefix="ara-bench-pipeline-"))
    embedded = database_url_from_env() is None
    os.environ["ARA_HOME"] = str(work / "ara_home")
    try:
        return _run(work, homes, certificates, seed, say, inputs)
    finally:
        if embedded:  # the embedded server outlives the process by design: stop it, then drop the inputs
            from ara_assets.resources.warehouse.database import stop_embedded_server

            stop_embedded_server(work / "ara_home" / "pgdata")
        shutil.rmtree(work, ignore_errors=True)


def _make_inputs(folder: Path, homes: int, certificates: int, seed: int) -> None:
    """Write the portfolio, the national file and the delta events under `folder` (run in a child process:
    the generated portfolio is several GB of Python objects at 100,000 homes, which `peak_rss_mb` must not
    count)."""
    from ara_assets.demo.generate import generate_portfolio, write_portfolio
    from ara_assets.demo.national import sample_deltas, write_national_file

    portfolio = generate_portfolio(homes, seed)
    write_portfolio(portfolio, folder / "portfolio")
    national = write_national_file(
        portfolio, folder / "national.zip", total_certificates=certificates, as_of=AS_OF, seed=seed
    )
    events = sample_deltas(portfolio, after=AS_OF, removed=5, moved=5, seed=seed)
    (folder / "deltas.json").write_text(json.dumps(events))
    (folder / "national.json").write_text(json.dumps({"certificates": national.certificates}))


def _inputs(folder: Path, homes: int, certificates: int, seed: int, say: Any) -> int:
    """The inputs under `folder`, made once (in a child process); the national file's certificate count."""
    done = folder / "national.json"
    if done.exists() and (folder / "deltas.json").exists():
        made = int(json.loads(done.read_text())["certificates"])
        say(f"inputs: {homes} homes, national file of {made:,} certificates reused from {folder}")
        return made
    t0 = time.perf_counter()
    # an earlier run stopped part-way (national.json is written last): start the folder again
    shutil.rmtree(folder / "portfolio", ignore_errors=True)
    done.unlink(missing_ok=True)
    child = multiprocessing.get_context("spawn").Process(
        target=_make_inputs, args=(folder, homes, certificates, seed)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"generating the inputs failed (exit code {child.exitcode})")
    made = int(json.loads(done.read_text())["certificates"])
    say(
        f"inputs: {homes} homes, national file {made:,} certificates "
        f"({(folder / 'national.zip').stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s"
    )
    return made


def _serve_emulator(folder: Path, started: Any, stop: Any, stats: Any) -> None:
    """The register emulator over the inputs, in its own process until `stop` is set; its counters go back
    through `stats`. (In the benchmark's process, its index of every certificate, several GB at 100,000
    homes, would count in `peak_rss_mb`, and its request handling would share the pipeline's GIL.)"""
    from ara_assets.emulator.bulk import BulkFiles
    from ara_assets.emulator.server import start_emulator

    # The file as rebuilt on AS_OF: the delta events sampled after it are applied by the sync.
    rebuilt = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 0, 30, tzinfo=UTC)
    bulk = BulkFiles(
        zip_path=folder / "national.zip", last_updated=rebuilt, deltas_path=folder / "deltas.json"
    )
    with start_emulator(folder / "portfolio" / "certificates", token=TOKEN, bulk=bulk) as emulator:
        started.put(emulator.url)
        stop.wait()
        stats.put(emulator.stats())


class _RemoteEmulator:
    def __init__(self, url: str) -> None:
        self.url = url
        self.stats: dict[str, Any] = {}


@contextmanager
def _emulator(folder: Path) -> Iterator[_RemoteEmulator]:
    """Run `_serve_emulator` in a child process; `stats` is filled when the block ends."""
    ctx = multiprocessing.get_context("spawn")
    started, stats, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    child = ctx.Process(target=_serve_emulator, args=(folder, started, stop, stats), daemon=True)
    child.start()
    try:
        handle = _RemoteEmulator(started.get(timeout=1800))
        yield handle
        stop.set()
        handle.stats = stats.get(timeout=120)
    finally:
        stop.set()
        child.join(timeout=60)
        if child.is_alive():
            child.kill()


def _run(
    work: Path, homes: int, certificates: int, seed: int, say: Any, inputs: Path | None
) -> dict[str, Any]:
    import dagster as dg

    # The resources read ARA_* when a run sets them up, so the variables set below need no import order.
    from ara_assets.definitions import defs
    from ara_assets.modelling.scenarios import load_scenario_yaml
    from ara_assets.resources.register.bulk import bulk_sync
    from ara_assets.resources.register.client import RegisterClient
    from ara_assets.resources.warehouse.imports import import_properties
    from ara_assets.resources.warehouse.unit_of_work import Warehouse

    os.environ["ARA_ASSET_BASE"] = str(work / "assets")
    folder = work if inputs is None else inputs / f"{homes}-{certificates}-{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    national_certificates = _inputs(folder, homes, certificates, seed, say)

    warehouse = Warehouse()
    warehouse.migrate()
    os.environ["ARA_DATABASE_URL"] = warehouse.url
    import_properties(warehouse, folder / "portfolio" / "portfolio.csv", PORTFOLIO)
    scenario = load_scenario_yaml(SCENARIO)
    with warehouse.unit_of_work() as uow:
        uow.scenarios.create(scenario.to_spec(), replace=uow.scenarios.get(scenario.name) is not None)

    with _emulator(folder) as emulator:
        os.environ.update(
            {"ARA_REGISTER_URL": emulator.url, "EPC_REGISTER_TOKEN": TOKEN, "ARA_REGISTER_RPS": "0"}
        )
        client = RegisterClient(base_url=emulator.url, token=TOKEN, requests_per_second=0)
        start = time.perf_counter()
        report = bulk_sync(warehouse, client, log=say)
        bulk_ingest_s = time.perf_counter() - start

        (work / "dagster_home").mkdir()
        instance = dg.DagsterInstance.local_temp(str(work / "dagster_home"))
        instance.add_dynamic_partitions("portfolios", [PORTFOLIO])
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        ref = defs.resolve_job_def("reference_job").execute_in_process(instance=instance, run_config=quiet)
        if not ref.success:
            raise RuntimeError("reference_job failed")
        start = time.perf_counter()
        epc = _execute(epc_job, instance, quiet)
        plans_config = {
            **quiet,
            "ops": {"candidate_recommendations": {"config": {"scenarios": [scenario.name]}}},
        }
        plans = _execute(plans_job, instance, plans_config)
        pipeline_s = time.perf_counter() - start
    api_searches = emulator.stats["search_requests"]

    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "homes": homes,
        "bulk_ingest_s": round(bulk_ingest_s, 2),
        "pipeline_s": round(pipeline_s, 2),
        "effective_s": round(_step_seconds(epc, "effective_epc"), 2),
        "baseline_s": round(_step_seconds(epc, "property_baseline"), 2),
        "plans_s": round(_step_seconds(plans, "phase_plans"), 2),
        "peak_rss_mb": round(peak_kb / 1024.0, 1),
        "detail": {
            "national_certificates": national_certificates,
            "certificates_kept": report.certificates_kept,
            "uprns_covered_by_file": report.uprns_covered,
            "api_searches_in_epc_cache": api_searches,
            "delta_events": report.events,
            "cpu_count": os.cpu_count(),
            "load_avg_1min": round(os.getloadavg()[0], 2),
            "step_s": _all_steps(epc, plans),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--homes", type=int, default=2000)
    parser.add_argument(
        "--certificates", type=int, default=None, help="national file size (default 10 x homes, >= 20,000)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true", help="print only the JSON result on stdout")
    parser.add_argument(
        "--inputs", type=Path, default=None, help="keep and reuse the generated inputs in this folder"
    )
    args = parser.parse_args()
    certificates = args.certificates or max(20_000, 10 * args.homes)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    result = run(args.homes, certificates, args.seed, say, args.inputs)
    if args.json:
        print(json.dumps(result))
    else:
        print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
