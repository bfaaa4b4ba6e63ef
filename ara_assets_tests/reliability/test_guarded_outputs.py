"""Fault injection: a failed blocking check publishes nothing that a later step reads.

Real parts: the register emulator, the real httpx client, the embedded PostgreSQL and real Dagster runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from ara_assets.defs.baseline import property_baseline, sap_inputs
from ara_assets.defs.epc import effective_epc, epc_cache
from ara_assets.defs.modelling import candidate_recommendations, phase_plans
from ara_assets.defs.reference import carbon_factors, fuel_rates
from ara_assets.epc import normalise_register_json, set_field_path
from ara_assets.modelling.scenarios import load_scenario_yaml
from ara_assets_tests.defs.conftest import PORTFOLIO, PipelineEnv

pytestmark = pytest.mark.integration

ALL = [
    epc_cache,
    effective_epc,
    sap_inputs,
    fuel_rates,
    carbon_factors,
    property_baseline,
    candidate_recommendations,
    phase_plans,
]
SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "fabric_first_then_heat.yaml"
TINY = "sap_building_parts[0].sap_floor_dimensions[0].total_floor_area"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stored(env: PipelineEnv) -> dict[str, object]:
    """Everything a reader can see of the portfolio: Parquet files and the Postgres tables."""
    files = {
        p.relative_to(env.asset_dir).as_posix(): _digest(p) for p in sorted(env.asset_dir.rglob("*.parquet"))
    }
    with env.warehouse.unit_of_work() as uow:
        record = uow.portfolios.by_name(PORTFOLIO)
        assert record is not None
        baseline = uow.baseline.for_portfolio(record.id).sort("property_id")
        plans = uow.connection.exec_driver_sql(
            "SELECT count(*), min(sap_before) FROM plan_phases WHERE portfolio_id = %s", (record.id,)
        ).one()
    return {
        "files": files,
        "baseline": baseline.select("property_id", "effective_sap_rating", "input_key").rows(),
        "plans": tuple(plans),
    }


def _full_run(env: PipelineEnv) -> None:
    refs = dg.materialize([fuel_rates, carbon_factors], instance=env.instance, resources=env.resources())
    assert refs.success
    with env.warehouse.unit_of_work() as uow:
        uow.scenarios.create(load_scenario_yaml(SCENARIO).to_spec())
    result = dg.materialize(
        ALL,
        selection=[
            epc_cache,
            effective_epc,
            sap_inputs,
            property_baseline,
            candidate_recommendations,
            phase_plans,
        ],
        partition_key=PORTFOLIO,
        instance=env.instance,
        resources=env.resources(),
    )
    assert result.success


def test_a_failed_baseline_check_keeps_every_stored_output_and_stops_modelling(pipeline: PipelineEnv) -> None:
    _full_run(pipeline)
    before = _stored(pipeline)
    assert before["plans"][0] > 0 and before["plans"][1] >= 1

    # A storey of 0.0001 m2 reaches the baseline by a path the override rules do not cover: a site
    # survey (the whole document, newer than the EPC, so it wins). SAP comes out about -67.
    with pipeline.warehouse.unit_of_work() as uow:
        homes = uow.properties.for_portfolio(PORTFOLIO).sort("property_id")
        # the first home of one building part on one storey: its only floor becomes 0.0001 m2 (on a home
        # of two storeys or with an extension the other floors would keep the rating in range)
        for pid, uprn in homes.select("property_id", "uprn").iter_rows():
            certs = uow.certificates.for_uprns([int(uprn)])
            if certs.is_empty():
                continue
            doc = normalise_register_json(json.loads(certs.sort("registration_date")["raw"][-1]))
            parts = doc["sap_building_parts"]
            if len(parts) == 1 and len(parts[0]["sap_floor_dimensions"]) == 1:
                target = int(pid)
                break
        survey = set_field_path(doc, TINY, 0.0001)
        for key in ("certificate_number", "registration_date", "inspection_date", "schema_type"):
            survey.pop(key, None)
        uow.site_notes.add(target, dt.date.today(), survey, "surveyor@example.invalid")
    result = dg.materialize(
        ALL,
        selection=[effective_epc, sap_inputs, property_baseline, candidate_recommendations, phase_plans],
        partition_key=PORTFOLIO,
        instance=pipeline.instance,
        resources=pipeline.resources(),
        raise_on_error=False,
    )
    assert not result.success
    failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert [e.step_key for e in failures] == ["property_baseline"]
    message = failures[0].step_failure_data.error.message  # type: ignore[union-attr]
    assert "sap_in_range_and_band_consistent" in message and f"property {target} effective SAP -" in message
    assert "nothing was stored" in message
    materialised = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    # the survey's home has new SAP inputs; neither the baseline nor anything downstream was stored
    assert materialised == {"effective_epc", "sap_inputs"}
    started = {e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START}
    # modelling never ran on the rejected rows
    assert started == {"effective_epc", "sap_inputs", "property_baseline"}

    after = _stored(pipeline)
    files_before = dict(before["files"])  # type: ignore[call-overload]
    files_after = dict(after["files"])  # type: ignore[call-overload]
    for upstream in ("effective_epc", "sap_inputs"):
        files_before.pop(f"{upstream}/north.parquet")
        files_after.pop(f"{upstream}/north.parquet")
    assert files_after == files_before
    assert after["baseline"] == before["baseline"] and after["plans"] == before["plans"]
    stored = pl.read_parquet(pipeline.asset_dir / "property_baseline" / "north.parquet")
    assert stored["effective_sap_rating"].min() >= 1


def test_an_override_row_written_around_the_import_is_refused_for_its_home_only(
    pipeline: PipelineEnv,
) -> None:
    _full_run(pipeline)
    with pipeline.warehouse.unit_of_work() as uow:
        target = int(uow.properties.for_portfolio(PORTFOLIO)["property_id"].sort()[0])
        uow.overrides.append_many(
            [
                {"property_id": target, "field_path": TINY, "value": 0.0001, "author": "t"},
                {"property_id": target, "field_path": "sap_building_parts[0].wall_u_value", "value": "NaN",
                 "author": "t"},
            ]
        )  # fmt: skip
    result = dg.materialize(
        ALL,
        selection=[effective_epc, sap_inputs, property_baseline, candidate_recommendations, phase_plans],
        partition_key=PORTFOLIO,
        instance=pipeline.instance,
        resources=pipeline.resources(),
    )
    assert result.success  # the portfolio is modelled; the bad rows are refused for that home
    effective = pl.read_parquet(pipeline.asset_dir / "effective_epc" / "north.parquet")
    row = effective.filter(pl.col("property_id") == target).row(0, named=True)
    rejected = {r["field"]: r["error"] for r in json.loads(row["provenance"])["rejected_overrides"]}
    assert "outside the physical range 0.5..10000 m2" in rejected[TINY]
    assert "NaN and infinities" in rejected["sap_building_parts[0].wall_u_value"]
    after = _stored(pipeline)
    assert after["plans"][1] >= 1  # type: ignore[index]


def test_two_writers_of_one_portfolios_baseline_take_turns(pipeline: PipelineEnv) -> None:
    import threading
    import time

    from ara_assets.resources.warehouse.locks import lock_portfolio

    refs = dg.materialize(
        [fuel_rates, carbon_factors], instance=pipeline.instance, resources=pipeline.resources()
    )
    assert refs.success
    result = dg.materialize(
        ALL,
        selection=[epc_cache, effective_epc, sap_inputs, property_baseline],
        partition_key=PORTFOLIO,
        instance=pipeline.instance,
        resources=pipeline.resources(),
    )
    assert result.success
    with pipeline.warehouse.unit_of_work() as uow:
        record = uow.portfolios.by_name(PORTFOLIO)
        assert record is not None
        rows = uow.baseline.for_portfolio(record.id)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            barrier.wait()
            with pipeline.warehouse.unit_of_work() as uow:
                lock_portfolio(uow.connection, PORTFOLIO)
                # Both read the stored rows, delete them and write theirs: without the lock the second
                # writer's insert collides with the first one's (the raw UniqueViolation of issue 11).
                uow.baseline.replace(record.id, rows, keep=[])
                time.sleep(0.3)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with pipeline.warehouse.unit_of_work() as uow:
        assert uow.baseline.for_portfolio(record.id).height == rows.height
