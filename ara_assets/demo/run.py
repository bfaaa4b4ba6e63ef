"""The demo: a synthetic portfolio through the real pipeline, on embedded defaults.

Steps (each printed as it runs):
1. generate a synthetic portfolio (register-shaped certificates) under ARA_HOME/demo/<name>;
2. start the embedded PostgreSQL and apply the migrations;
3. start the register emulator on those certificates (the real httpx client talks to it);
4. import the portfolio into Postgres;
5. let the portfolio sensor add the partition, and run the EPC job for it (a real Dagster run on the
   instance under DAGSTER_HOME, so `dagster dev` shows it afterwards);
6. write one landlord override, let the override sensor request its run, and show that exactly that
   home's effective EPC changed (on a rerun the demo's earlier override is retracted first, so the same
   override lands on the same home and the summary is the same);
7. print a summary, how to open the Dagster UI on the same instance, and how to stop and reset.

The demo's runs carry the tags a sensor-launched run carries (`dagster/sensor_name`, `dagster/run_key`), so
the daemon of `dagster dev` on the same instance skips the run requests the demo already ran.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from ara_assets.settings import ara_home

if TYPE_CHECKING:  # Dagster is imported where the demo runs, so that `ara --help` stays fast
    import dagster as dg

DEMO_TOKEN = "demo-token"
DEMO_AUTHOR = "demo@ara.invalid"
DEFAULT_HOMES = 200
DEFAULT_SEED = 42
# The tags the sensor daemon gives the runs it launches; it skips a request whose run key a run of the same
# sensor already carries (dagster's documented run_key deduplication).
SENSOR_NAME_TAG = "dagster/sensor_name"
RUN_KEY_TAG = "dagster/run_key"
# The local instance's settings (the same as the repository root's dagster.yaml; storage is the default
# SQLite under DAGSTER_HOME).
LOCAL_INSTANCE_YAML = """\
concurrency:
  pools:
    default_limit: 1  # pool epc_register: one register fetch at a time
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  max_resume_run_attempts: 0
telemetry:
  enabled: false
"""
# "Fabric first to band C by 2030, then low-carbon heat by 2035" (two phases).
DEMO_SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "fabric_first_then_heat.yaml"
LOCAL_REGISTER_RPS = 200.0
# Dagster's own step events at DEBUG would drown the demo's story; asset logs (progress) stay visible.
RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


@dataclass
class _DaemonState:
    """What a running daemon keeps between ticks: the automation cursor (in its last evaluation) and the
    override sensor's cursor (None until the sensor has seen a change)."""

    automation: dg.EvaluateAutomationConditionsResult
    override_cursor: str | None = None


@dataclass(frozen=True)
class DemoResult:
    portfolio: str
    properties: int
    with_certificate: int
    by_source_path: dict[str, int]
    changed_properties: list[int]
    override_field: str
    override_value: object
    summary: dict[str, object]
    changed_baseline: dict[str, object]
    retracted_earlier: bool = False


def _say(msg: str) -> None:
    print(msg, flush=True)


@contextlib.contextmanager
def _step(title: str) -> Iterator[None]:
    start = time.perf_counter()
    _say(f"==> {title}")
    yield
    _say(f"    done in {time.perf_counter() - start:.1f} s")


def _ensure_dagster_home(home: Path) -> Path:
    dagster_home = Path(os.environ.get("DAGSTER_HOME") or home / "dagster_home")
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    # Local instance: SQLite storage under DAGSTER_HOME. Production uses deploy/dagster.yaml (Postgres).
    if not config.exists() or config.read_text() != LOCAL_INSTANCE_YAML:
        config.write_text(LOCAL_INSTANCE_YAML)
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    return dagster_home


def pick_override(effective: pl.DataFrame, baseline: pl.DataFrame) -> tuple[int, str, object]:
    """A physically meaningful correction on a home with a certificate that the calculator scores: the
    landlord's records say the loft was topped up to 300 mm (or, failing a loft, the cavity was filled)."""
    scored = baseline.filter(pl.col("baseline_status") == "ok").select("property_id")
    candidates = (
        effective.filter(pl.col("source_path") == "epc").join(scored, on="property_id").sort("property_id")
    )
    if candidates.is_empty():
        raise RuntimeError("the demo portfolio has no scored home with a certificate to override")
    fallback: tuple[int, str, object] | None = None
    for row in candidates.iter_rows(named=True):
        part = (json.loads(row["document"]).get("sap_building_parts") or [{}])[0]
        thickness = part.get("roof_insulation_thickness")
        lodged_mm = re.match(r"\s*(\d+)\s*mm", str(thickness or ""))
        # a top-up: only a loft lodged below 300 mm (a thicker one would be made worse by the "correction")
        if part.get("roof_construction") == 4 and lodged_mm and int(lodged_mm.group(1)) < 300:
            return row["property_id"], "sap_building_parts[0].roof_insulation_thickness", "300mm"
        if fallback is None and part.get("wall_construction") == 4 and part.get("wall_insulation_type") == 4:
            fallback = (row["property_id"], "sap_building_parts[0].wall_insulation_type", 2)
    if fallback is not None:
        return fallback
    row = candidates.row(0, named=True)
    area = float(json.loads(row["document"])["total_floor_area"])
    return row["property_id"], "total_floor_area", area + 5.0


def default_portfolio_name(homes: int, seed: int) -> str:
    """`demo` for the default size and seed, else a name of its own (`demo-1000`, `demo-200-seed7`), so that a
    portfolio never mixes homes of two generated sets."""
    if (homes, seed) == (DEFAULT_HOMES, DEFAULT_SEED):
        return "demo"
    return f"demo-{homes}" + (f"-seed{seed}" if seed != DEFAULT_SEED else "")


def reset_demo(home: Path | None = None) -> list[str]:
    """Stop the embedded PostgreSQL under ARA_HOME and delete the demo's local state (database, assets,
    Dagster instance, generated files); return what was done. An external ARA_DATABASE_URL is never touched.
    """
    from ara_assets.resources.warehouse.database import stop_embedded_server
    from ara_assets.settings import database_url_from_env

    home = home or ara_home()
    done = []
    folders = ["assets", "dagster_home", "demo"]
    if database_url_from_env():
        done.append("ARA_DATABASE_URL is set: that database was left as it is")
    else:
        if stop_embedded_server(home / "pgdata"):
            done.append(f"stopped the embedded PostgreSQL in {home / 'pgdata'}")
        folders.insert(0, "pgdata")
    for name in folders:
        if (home / name).exists():
            shutil.rmtree(home / name)
            done.append(f"deleted {home / name}")
    return done


def run_demo(
    homes: int = DEFAULT_HOMES,
    seed: int = DEFAULT_SEED,
    portfolio: str | None = None,
    fresh: bool = False,
    say: Callable[[str], None] = _say,
) -> DemoResult:
    # Imported here: `ara --help` stays fast, and these pull in Dagster.
    import dagster as dg

    from ara_assets.definitions import defs
    from ara_assets.defs.sensors import override_sensor, portfolio_sensor
    from ara_assets.demo.attributes import write_attributes
    from ara_assets.demo.generate import generate_portfolio, write_portfolio
    from ara_assets.emulator.server import start_emulator
    from ara_assets.modelling.scenarios import load_scenario_yaml
    from ara_assets.resources.io_manager import PolarsParquetIOManager
    from ara_assets.resources.warehouse.attributes_import import import_attributes
    from ara_assets.resources.warehouse.imports import import_properties
    from ara_assets.resources.warehouse.repositories.baseline import portfolio_summary
    from ara_assets.resources.warehouse.unit_of_work import Warehouse

    # Dagster's beta/preview notices (data versions, automation evaluation) are for developers, not the demo.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warnings.filterwarnings("ignore", category=dg.PreviewWarning)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    home = ara_home()
    portfolio = portfolio or default_portfolio_name(homes, seed)
    data_dir = home / "demo" / f"{portfolio}-{homes}-{seed}"
    if fresh:
        with _step("--fresh: reset the demo's local state"):
            for line in reset_demo(home):
                say(f"    {line}")
    with _step(f"generate a synthetic portfolio of {homes} homes (seed {seed}) in {data_dir}"):
        if not (data_dir / "portfolio.csv").exists():
            generated = generate_portfolio(homes, seed)
            write_portfolio(generated, data_dir)
            write_attributes(generated, data_dir)
        manifest = json.loads((data_dir / "manifest.json").read_text())
        say(f"    {json.dumps(manifest.get('counts', manifest))}")

    with _step("start the embedded PostgreSQL (or use ARA_DATABASE_URL) and migrate"):
        warehouse = Warehouse()
        applied = warehouse.migrate()
        say(f"    database ready; migrations applied now: {applied or 'none (up to date)'}")

    with start_emulator(data_dir / "certificates", token=DEMO_TOKEN) as emulator:
        say(f"==> register emulator serving {data_dir / 'certificates'} at {emulator.url}")
        os.environ["ARA_REGISTER_URL"] = emulator.url
        os.environ["EPC_REGISTER_TOKEN"] = DEMO_TOKEN
        # The real register allows ~20 requests/s; the local emulator has no such limit, so the demo lifts
        # the client's ceiling (ARA_REGISTER_RPS) unless the user set one.
        os.environ.setdefault("ARA_REGISTER_RPS", str(LOCAL_REGISTER_RPS))
        _ensure_dagster_home(home)

        with _step(f"import {data_dir / 'portfolio.csv'} as portfolio '{portfolio}'"):
            summary = import_properties(warehouse, data_dir / "portfolio.csv", portfolio)
            say(f"    {summary}")
            with warehouse.unit_of_work() as uow:
                held = uow.properties.for_portfolio(portfolio).height
            if held != manifest_homes(manifest):
                raise RuntimeError(
                    f"portfolio '{portfolio}' holds {held} homes, not the {manifest_homes(manifest)} of "
                    "this demo (an earlier run with other --homes/--seed): use another --portfolio, "
                    "or --fresh to rebuild"
                )
        attrs_csv = data_dir / "attributes.csv"
        with _step(f"import what the landlord knows ({attrs_csv}: tenure, gas grid, value)"):
            if not (data_dir / "attributes.csv").exists():
                write_attributes(generate_portfolio(homes, seed), data_dir)
            recorded = import_attributes(warehouse, data_dir / "attributes.csv", portfolio)
            say(f"    attributes recorded for {recorded['homes']} homes")

        instance = dg.DagsterInstance.get()
        # Sensors need only the warehouse (the other resources open connections per run).
        resources = {"warehouse": defs.resources["warehouse"]}
        with _step("reference_job: fuel rates and carbon factors from the bundled snapshot"):
            run = defs.resolve_job_def("reference_job").execute_in_process(
                instance=instance, tags={"ara/trigger": "demo"}, run_config=RUN_CONFIG
            )
            if not run.success:
                raise RuntimeError(f"reference_job failed: run {run.run_id}")
        with _step(f"create the demo scenario from {DEMO_SCENARIO.relative_to(DEMO_SCENARIO.parents[2])}"):
            scenario = load_scenario_yaml(DEMO_SCENARIO)
            with warehouse.unit_of_work() as uow:
                uow.scenarios.create(scenario, replace=uow.scenarios.get(scenario.name) is not None)
            say(f"    scenario {scenario.name!r}: {len(scenario.phases)} phases")
        with _step("portfolio sensor: add the partition and request the EPC job"):
            ctx = dg.build_sensor_context(instance=instance, resources=resources, cursor="0")
            result = portfolio_sensor(ctx)
            for request in result.dynamic_partitions_requests or []:
                instance.add_dynamic_partitions(
                    request.partitions_def_name, list(request.partition_keys or [])
                )
            requests = {r.partition_key: r for r in result.run_requests or []}
            keys = list(requests)
            say(f"    partitions: {instance.get_dynamic_partitions('portfolios')}; run requested for {keys}")
        if portfolio not in keys:
            raise RuntimeError(f"the portfolio sensor did not request a run for '{portfolio}'")
        epc_run_key = requests[portfolio].run_key or ""

        io = PolarsParquetIOManager()
        with _step(f"run epc_job for partition '{portfolio}' (register fetch, effective EPC, baseline)"):
            run = defs.resolve_job_def("epc_job").execute_in_process(
                instance=instance,
                partition_key=portfolio,
                tags={"ara/trigger": "demo", SENSOR_NAME_TAG: "portfolio_sensor", RUN_KEY_TAG: epc_run_key},
                run_config=RUN_CONFIG,
            )
            if not run.success:
                raise RuntimeError(f"epc_job failed for portfolio {portfolio}: run {run.run_id}")
            say(f"    run {run.run_id} succeeded")
        # The automation daemon's first look: it records what exists, so that later ticks see changes.
        first_look = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        state = _DaemonState(automation=first_look)
        current = pl.read_parquet(io.path_for(["epc_cache"], portfolio))

        # Prime the override sensor's cursor with what exists now, as a running daemon would have.
        primed = override_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        state.override_cursor = primed.cursor

        def follow(rows: list[dict[str, object]], title: str) -> None:
            """Write override rows, then what the daemon does: the override sensor's run, then automation."""
            with _step(title), warehouse.unit_of_work() as uow:
                uow.overrides.append_many(rows)
            with _step("override sensor: request effective_epc for the affected partition"):
                ctx = dg.build_sensor_context(
                    instance=instance, resources=resources, cursor=state.override_cursor
                )
                result = override_sensor(ctx)
                state.override_cursor = result.cursor
                partitions = [r.partition_key for r in result.run_requests or []]
                say(f"    runs requested for partitions {partitions}")
                for request in result.run_requests or []:
                    run = defs.resolve_job_def("effective_epc_job").execute_in_process(
                        instance=instance,
                        partition_key=request.partition_key,
                        run_config=RUN_CONFIG,
                        tags={
                            "ara/trigger": "override_sensor",
                            SENSOR_NAME_TAG: "override_sensor",
                            RUN_KEY_TAG: request.run_key or "",
                        },
                    )
                    if not run.success:
                        raise RuntimeError(f"effective_epc_job failed: run {run.run_id}")
            with _step("declarative automation: property_baseline follows its changed upstream"):
                automation = dg.evaluate_automation_conditions(
                    defs=defs,
                    instance=instance,
                    cursor=state.automation.cursor,
                )
                state.automation = automation
                followed = sorted(automation.get_requested_partitions(dg.AssetKey("property_baseline")))
                say(f"    automation requested property_baseline for {followed}")
                for key in followed:
                    run = defs.resolve_job_def("baseline_job").execute_in_process(
                        instance=instance,
                        partition_key=key,
                        run_config=RUN_CONFIG,
                        tags={"ara/trigger": "automation"},
                    )
                    if not run.success:
                        raise RuntimeError(f"property_baseline failed for {key}: run {run.run_id}")
                # The daemon's next tick records that run, so the next change is judged after it (an
                # upstream update and the run it caused, seen in one tick, would cancel out).
                state.automation = dg.evaluate_automation_conditions(
                    defs=defs, instance=instance, cursor=automation.cursor
                )

        # A rerun: retract the demo's earlier override first, so the same home gets the same override again
        # and the story (and the summary) is the one of the first run.
        with warehouse.unit_of_work() as uow:
            ids = pl.read_parquet(io.path_for(["effective_epc"], portfolio))["property_id"].to_list()
            earlier = uow.overrides.effective_for_properties(ids)
        earlier = earlier.filter(pl.col("author") == DEMO_AUTHOR) if earlier.height else earlier
        if earlier.height:
            retractions = [
                {
                    "property_id": r["property_id"],
                    "field_path": r["field_path"],
                    "value": None,
                    "action": "retract",
                    "author": DEMO_AUTHOR,
                    "reason": "the demo runs again: its earlier override is withdrawn first",
                }
                for r in earlier.iter_rows(named=True)
            ]
            follow(retractions, f"retract the demo's earlier override ({len(retractions)} row(s))")

        before = pl.read_parquet(io.path_for(["effective_epc"], portfolio))
        baseline_before = pl.read_parquet(io.path_for(["property_baseline"], portfolio))
        property_id, field, value = pick_override(before, baseline_before)
        override = {
            "property_id": property_id,
            "field_path": field,
            "value": value,
            "action": "set",
            "author": DEMO_AUTHOR,
            "reason": "correction from the landlord's records (demo)",
        }
        follow([override], f"write a landlord override: property {property_id} {field} = {value!r}")
        with _step(f"run plans_job for partition '{portfolio}' (candidate recommendations, phase plans)"):
            run = defs.resolve_job_def("plans_job").execute_in_process(
                instance=instance,
                partition_key=portfolio,
                run_config=RUN_CONFIG,
                tags={"ara/trigger": "demo"},
            )
            if not run.success:
                raise RuntimeError(f"plans_job failed for {portfolio}: run {run.run_id}")
        after = pl.read_parquet(io.path_for(["effective_epc"], portfolio))
        baseline_after = pl.read_parquet(io.path_for(["property_baseline"], portfolio))

    changed = (
        before.select("property_id", pl.col("physical_hash").alias("h0"))
        .join(after.select("property_id", pl.col("physical_hash").alias("h1")), on="property_id")
        .filter(pl.col("h0").ne_missing(pl.col("h1")))
    )["property_id"].to_list()
    by_source = {
        r["source_path"]: r["len"] for r in after.group_by("source_path").len().iter_rows(named=True)
    }
    with warehouse.unit_of_work() as uow:
        summary = portfolio_summary(uow.connection, portfolio)
    changed_baseline = {}
    if changed:
        pid = changed[0]
        b0 = baseline_before.filter(pl.col("property_id") == pid).row(0, named=True)
        b1 = baseline_after.filter(pl.col("property_id") == pid).row(0, named=True)
        # The calculated SAP of the same home before and after the override: the same quantity on both
        # sides (the effective rating before it may be the lodged one, which the calculator never produced).
        changed_baseline = {
            "property_id": pid,
            "sap_before": b0["calculated_sap_rating"],
            "sap_after": b1["calculated_sap_rating"],
            "rebaseline_reason_after": b1["rebaseline_reason"],
            "bill_before_gbp": b0["total_bill_gbp"],
            "bill_after_gbp": b1["total_bill_gbp"],
        }
    return DemoResult(
        portfolio=portfolio,
        properties=after.height,
        with_certificate=int(current["certificate_number"].is_not_null().sum()),
        by_source_path=dict(sorted(by_source.items())),
        changed_properties=changed,
        override_field=field,
        override_value=value,
        summary=summary,
        changed_baseline=changed_baseline,
        retracted_earlier=bool(earlier.height),
    )


def manifest_homes(manifest: dict[str, object]) -> int:
    counts = manifest.get("counts", manifest)
    if not isinstance(counts, dict):
        raise ValueError(f"demo manifest: field 'counts' has value {counts!r}, not an object")
    return int(counts["homes"])


def print_summary(result: DemoResult, say: Callable[[str], None] = _say) -> None:
    home = ara_home()
    say("")
    say(
        f"Portfolio '{result.portfolio}': {result.properties} properties, "
        f"{result.with_certificate} with a certificate"
    )
    say(f"Effective EPC by source path: {result.by_source_path}")
    say(
        f"Override {result.override_field} = {result.override_value!r} changed the effective EPC of "
        f"{len(result.changed_properties)} property (property_id {result.changed_properties}) and no other."
    )
    cb = result.changed_baseline
    if cb:

        def fmt(x: object) -> str:
            return f"{x:.1f}" if isinstance(x, float) else str(x)

        say(
            "Its baseline was recomputed by automation: calculated SAP "
            f"{fmt(cb['sap_before'])} -> {fmt(cb['sap_after'])} "
            f"(rebaseline reason {cb['rebaseline_reason_after']}), bill £{fmt(cb['bill_before_gbp'])} -> "
            f"£{fmt(cb['bill_after_gbp'])} a year."
        )
    say("")
    from ara_assets.report.text import summary_text

    say("Portfolio summary with the plans' roll-up (ara portfolio summary " + result.portfolio + "):")
    say(summary_text(result.summary))
    say(
        f"The report: ara report {result.portfolio} --out report.html; one home: ara plan show "
        f"{result.portfolio} --property ID; every plan: ara export plans {result.portfolio} --format xlsx "
        "--out plans.xlsx"
    )
    say("")
    say("Open the Dagster UI on the same instance (assets, the partition, runs, checks and sensors):")
    say(f"  export DAGSTER_HOME={home / 'dagster_home'} ARA_HOME={home}")
    say("  .venv/bin/dagster dev        # from the repository root; then open http://127.0.0.1:3000")
    say("")
    say(f"The embedded PostgreSQL keeps running for the UI and the CLI (data in {home / 'pgdata'}).")
    say("  .venv/bin/ara db stop        # stop it (any ara command starts it again)")
    say("  .venv/bin/ara demo reset     # stop it, delete the demo's database, assets, instance and files")
