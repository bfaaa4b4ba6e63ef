"""An override imported while the sensors run is followed, with no manual step, by a new baseline and plans.

On a real (SQLite) Dagster instance with Ara's own Definitions, step by step as the daemon of `dagster dev`
does it: the override sensor's tick, its run, then the automation sensor's tick (declarative automation),
its run, and the new rows in Postgres.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from ara_assets.definitions import defs as ara_defs
from ara_assets.defs.partitions import portfolios
from ara_assets.defs.sensors import override_sensor
from ara_assets.demo.run import pick_override
from ara_assets.modelling.scenarios import load_scenario_yaml
from ara_assets.resources.io_manager import PolarsParquetIOManager
from ara_assets_tests.defs.conftest import PORTFOLIO, PipelineEnv

SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "fabric_first_then_heat.yaml"


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:  # SQLite storage in a temporary DAGSTER_HOME
        instance.add_dynamic_partitions(portfolios.name, [PORTFOLIO])
        yield instance


def _defs(env: PipelineEnv) -> dg.Definitions:
    # Ara's assets, jobs and sensors (the automation sensor included), on the test's database and register.
    return dg.Definitions(
        assets=list(ara_defs.assets or []),
        jobs=list(ara_defs.jobs or []),
        sensors=list(ara_defs.sensors or []),
        resources=env.resources(),
        executor=dg.in_process_executor,
    )


def _baseline(env: PipelineEnv) -> pl.DataFrame:
    with env.warehouse.unit_of_work() as uow:
        record = uow.portfolios.by_name(PORTFOLIO)
        assert record is not None
        return uow.baseline.for_portfolio(record.id)


def _execute(defs: dg.Definitions, instance: dg.DagsterInstance, job: str, **kw: object) -> None:
    result = defs.resolve_job_def(job).execute_in_process(instance=instance, **kw)  # type: ignore[arg-type]
    assert result.success, job


@pytest.mark.integration
def test_override_is_followed_by_sensor_then_automation_then_new_baseline(
    pipeline: PipelineEnv, instance: dg.DagsterInstance
):
    defs = _defs(pipeline)
    automation_sensor = next(s for s in defs.sensors if isinstance(s, dg.AutomationConditionSensorDefinition))
    assert automation_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert override_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    scenario = load_scenario_yaml(SCENARIO)
    with pipeline.warehouse.unit_of_work() as uow:
        uow.scenarios.create(scenario.to_spec())
    _execute(defs, instance, "reference_job")
    _execute(defs, instance, "epc_job", partition_key=PORTFOLIO)
    _execute(defs, instance, "plans_job", partition_key=PORTFOLIO)
    # The daemon's state before the override: the automation cursor and the override sensor's cursor.
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    resources = {"warehouse": pipeline.resources()["warehouse"]}
    primed = override_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    before = _baseline(pipeline)
    effective = pl.read_parquet(
        PolarsParquetIOManager(base=str(pipeline.asset_dir)).path_for(["effective_epc"], PORTFOLIO)
    )
    # The demo's correction: the loft topped up to 300 mm (or the cavity filled) on a scored home
    property_id, field, value = pick_override(effective, before)
    target = before.filter(pl.col("property_id") == property_id).row(0, named=True)

    with pipeline.warehouse.unit_of_work() as uow:  # what `ara overrides import` writes
        uow.overrides.append_many(
            [
                {
                    "property_id": property_id,
                    "field_path": field,
                    "value": value,
                    "author": "analyst@example.invalid",
                    "reason": "measured on site",
                }
            ]
        )

    # 1. the override sensor's tick asks for effective_epc of exactly that portfolio; the run follows
    result = override_sensor(
        dg.build_sensor_context(instance=instance, resources=resources, cursor=primed.cursor)
    )
    [request] = result.run_requests or []
    assert request.partition_key == PORTFOLIO
    _execute(
        defs,
        instance,
        "effective_epc_job",
        partition_key=PORTFOLIO,
        tags={"dagster/sensor_name": "override_sensor", "dagster/run_key": request.run_key or ""},
    )

    # 2. the automation tick sees effective_epc updated and requests, for that partition, the baseline and,
    #    downstream of it and of effective_epc, the candidates and plans (the daemon launches them as one run)
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    for asset in ("property_baseline", "candidate_recommendations", "phase_plans"):
        assert tick.get_requested_partitions(dg.AssetKey(asset)) == {PORTFOLIO}, asset
    plans_before = instance.get_latest_materialization_event(dg.AssetKey("phase_plans"))
    _execute(defs, instance, "baseline_job", partition_key=PORTFOLIO)
    _execute(defs, instance, "plans_job", partition_key=PORTFOLIO)

    # 3. new rows: that home's baseline changed with the correction, no other home's did; new plans
    after = _baseline(pipeline)
    joined = before.join(after, on="property_id", suffix="_after")
    changed = joined.filter(pl.col("input_key") != pl.col("input_key_after"))["property_id"].to_list()
    assert changed == [target["property_id"]]
    row = after.filter(pl.col("property_id") == target["property_id"]).row(0, named=True)
    assert row["calculated_sap_rating"] > target["calculated_sap_rating"]  # more insulation, better SAP
    plans_after = instance.get_latest_materialization_event(dg.AssetKey("phase_plans"))
    assert plans_before is not None and plans_after is not None
    assert plans_after.run_id != plans_before.run_id

    # 4. and the next tick asks for nothing more: the daemon does not loop
    tick = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=tick.cursor)
    assert tick.total_requested == 0
