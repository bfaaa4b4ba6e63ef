"""Integration: the real register client against the emulator, the embedded PostgreSQL, real Dagster runs."""

from __future__ import annotations

import json

import dagster as dg
import polars as pl

from ara_assets.defs.epc import effective_epc, epc_cache
from ara_assets.defs.sensors import override_sensor
from ara_assets.resources.io_manager import PolarsParquetIOManager
from ara_assets_tests.defs.conftest import PORTFOLIO, PipelineEnv


def _run(
    env: PipelineEnv, assets: list, run_config: dict | None = None, selection: list | None = None
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        assets,
        selection=selection,
        partition_key=PORTFOLIO,
        instance=env.instance,
        resources=env.resources(),
        run_config=run_config,
        raise_on_error=False,
    )


def _read(env: PipelineEnv, asset: str) -> pl.DataFrame:
    return pl.read_parquet(PolarsParquetIOManager(base=str(env.asset_dir)).path_for([asset], PORTFOLIO))


def test_epc_cache_and_effective_epc_end_to_end(pipeline: PipelineEnv):
    manifest = json.loads((pipeline.data_dir / "manifest.json").read_text())
    result = _run(pipeline, [epc_cache, effective_epc])
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())

    cache = _read(pipeline, "epc_cache")
    properties = cache.height
    assert properties == 40
    without = cache.filter(pl.col("certificate_number").is_null())
    assert without.height == manifest["counts"]["homes_without_certificate"]
    assert without["reason"].str.contains("no certificate").all()

    # The current certificate is the latest lodged one of each UPRN.
    with pipeline.warehouse.unit_of_work() as uow:
        stored = uow.certificates.for_uprns(cache["uprn"].to_list())
    latest = stored.sort("registration_date").group_by("uprn").agg(pl.col("certificate_number").last())
    joined = cache.join(latest, on="uprn", suffix="_latest")
    assert (joined["certificate_number"] == joined["certificate_number_latest"]).all()
    assert stored.height == manifest["counts"]["certificates"]

    effective = _read(pipeline, "effective_epc")
    assert effective.height == properties
    assert set(effective["source_path"].unique()) <= {"epc", "predicted", "none"}
    # every home without a certificate is predicted from its neighbours, none is left without a document
    predicted = effective.filter(pl.col("source_path") == "predicted")
    assert predicted.height == manifest["counts"]["homes_without_certificate"]
    assert effective["document"].is_null().sum() == 0
    assert predicted["prediction_confidence"].is_between(0, 1).all()
    assert predicted["lodged_physical_hash"].is_null().all()
    with_doc = effective.filter(pl.col("source_path") == "epc")
    # No override yet: the effective picture is the lodged one.
    assert (with_doc["physical_hash"] == with_doc["lodged_physical_hash"]).all()


def test_override_sensor_reassembles_exactly_the_changed_home(pipeline: PipelineEnv):
    assert _run(pipeline, [epc_cache, effective_epc]).success
    before = _read(pipeline, "effective_epc")
    resources = {"warehouse": pipeline.resources()["warehouse"]}
    primed = override_sensor(dg.build_sensor_context(instance=pipeline.instance, resources=resources))
    target = before.filter(pl.col("source_path") == "epc").row(0, named=True)
    with pipeline.warehouse.unit_of_work() as uow:
        uow.overrides.append_many(
            [
                {
                    "property_id": target["property_id"],
                    "field_path": "total_floor_area",
                    "value": 123.0,
                    "author": "analyst@example.invalid",
                    "reason": "measured",
                }
            ]
        )
    result = override_sensor(
        dg.build_sensor_context(instance=pipeline.instance, resources=resources, cursor=primed.cursor)
    )
    assert [r.partition_key for r in result.run_requests] == [PORTFOLIO]
    assert (
        json.loads(result.cursor)["overrides"] > json.loads(primed.cursor or '{"overrides": 0}')["overrides"]
    )

    # Only effective_epc runs; epc_cache is read back from its Parquet file.
    assert _run(pipeline, [epc_cache, effective_epc], selection=[effective_epc]).success
    after = _read(pipeline, "effective_epc")
    changed = before.join(after, on="property_id", suffix="_after").filter(
        pl.col("physical_hash").ne_missing(pl.col("physical_hash_after"))
    )
    assert changed["property_id"].to_list() == [target["property_id"]]
    row = after.filter(pl.col("property_id") == target["property_id"]).row(0, named=True)
    assert row["source_path"] == "epc_with_overrides"
    assert json.loads(row["document"])["total_floor_area"] == 123.0
    provenance = json.loads(row["provenance"])
    assert provenance["fields"]["total_floor_area"]["author"] == "analyst@example.invalid"

    # The next tick sees nothing new.
    again = override_sensor(
        dg.build_sensor_context(instance=pipeline.instance, resources=resources, cursor=result.cursor)
    )
    assert not again.run_requests


def test_failed_refresh_keeps_the_cache(pipeline: PipelineEnv):
    assert _run(pipeline, [epc_cache]).success
    before = _read(pipeline, "epc_cache")
    # The register now answers 403 to everything (a revoked token): the run fails, nothing is wiped.
    failed = dg.materialize(
        [epc_cache],
        partition_key=PORTFOLIO,
        instance=pipeline.instance,
        resources={**pipeline.resources(token_env_var="ARA_TEST_NO_SUCH_TOKEN")},
        run_config={"ops": {"epc_cache": {"config": {"force_refresh": True}}}},
        raise_on_error=False,
    )
    assert not failed.success
    with pipeline.warehouse.unit_of_work() as uow:
        kept = uow.certificates.for_uprns(before["uprn"].to_list())
    assert kept.height >= before["certificate_number"].drop_nulls().len()
    assert _read(pipeline, "epc_cache").equals(before)


def test_cache_ttl_skips_fresh_uprns(pipeline: PipelineEnv):
    first = _run(pipeline, [epc_cache])
    assert first.success
    second = _run(pipeline, [epc_cache])
    meta = second.get_asset_materialization_events()[0].event_specific_data.materialization.metadata
    assert meta["fetched_this_run"].value == 0
    forced = _run(
        pipeline, [epc_cache], run_config={"ops": {"epc_cache": {"config": {"force_refresh": True}}}}
    )
    meta = forced.get_asset_materialization_events()[0].event_specific_data.materialization.metadata
    assert meta["fetched_this_run"].value == 40


def test_assets_in_memory_with_partition_on_ephemeral_instance(pipeline: PipelineEnv):
    resources = {k: v for k, v in pipeline.resources().items() if k != "io_manager"}
    result = dg.materialize_to_memory(
        [epc_cache, effective_epc], partition_key=PORTFOLIO, instance=pipeline.instance, resources=resources
    )
    assert result.success
    effective = result.output_for_node("effective_epc")
    cache = result.output_for_node("epc_cache")
    assert effective["property_id"].to_list() == cache["property_id"].to_list()
    assert effective.filter(pl.col("source_path") == "none")["reason"].is_not_null().all()


def test_effective_epc_reassembles_only_changed_homes(pipeline: PipelineEnv):
    assert _run(pipeline, [epc_cache, effective_epc]).success
    again = _run(pipeline, [epc_cache, effective_epc], selection=[effective_epc])
    meta = again.get_asset_materialization_events()[0].event_specific_data.materialization.metadata
    assert meta["assembled"].value == 0 and meta["unchanged"].value == 40
    target = _read(pipeline, "effective_epc").filter(pl.col("source_path") == "epc")["property_id"][0]
    with pipeline.warehouse.unit_of_work() as uow:
        uow.overrides.append_many(
            [{"property_id": int(target), "field_path": "total_floor_area", "value": 99.0, "author": "t"}]
        )
    changed = _run(pipeline, [epc_cache, effective_epc], selection=[effective_epc])
    meta = changed.get_asset_materialization_events()[0].event_specific_data.materialization.metadata
    after = _read(pipeline, "effective_epc")
    # the changed home, and the predicted homes that have it among their neighbours (their prediction
    # was made from it); nothing else
    predicted_from_it = sum(
        int(target) in json.loads(p)["neighbour_ids"]
        for p in after.filter(pl.col("source_path") == "predicted")["provenance"]
    )
    assert meta["assembled"].value == 1 + predicted_from_it
    assert meta["unchanged"].value == 39 - predicted_from_it
    assert after.height == 40 and after["property_id"].is_sorted()
    assert after.filter(pl.col("property_id") == target)["source_path"].item() == "epc_with_overrides"
