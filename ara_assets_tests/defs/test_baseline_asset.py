"""property_baseline end to end: real register client and emulator, embedded Postgres, real Dagster runs."""

import json

import dagster as dg
import polars as pl

from ara_assets.baseline.performance import BASELINE_SCHEMA
from ara_assets.defs.baseline import property_baseline, sap_inputs
from ara_assets.defs.epc import effective_epc, epc_cache
from ara_assets.defs.reference import carbon_factors, fuel_rates
from ara_assets.resources.warehouse.repositories.baseline import portfolio_summary
from ara_assets_tests.defs.conftest import PORTFOLIO, PipelineEnv

ALL = [epc_cache, effective_epc, sap_inputs, fuel_rates, carbon_factors, property_baseline]


def _materialize(env: PipelineEnv, selection: list) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        ALL, selection=selection, partition_key=PORTFOLIO, instance=env.instance, resources=env.resources()
    )
    assert result.success
    return result


def _meta(result: dg.ExecuteInProcessResult, key: str) -> dict:
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key == dg.AssetKey(key):
            return {k: v.value for k, v in mat.metadata.items()}
    raise AssertionError(f"no materialization of {key}")


def _run_all(env: PipelineEnv) -> dg.ExecuteInProcessResult:
    refs = dg.materialize([fuel_rates, carbon_factors], instance=env.instance, resources=env.resources())
    assert refs.success
    return _materialize(env, [epc_cache, effective_epc, sap_inputs, property_baseline])


def test_the_range_check_names_the_range_of_the_bands_module() -> None:
    from ara_assets.epc.bands import SAP_RANGE

    spec = next(s for s in property_baseline.check_specs if s.name == "sap_in_range_and_band_consistent")
    assert f"lie in {SAP_RANGE[0]}-{SAP_RANGE[1]} " in (spec.description or "")


def test_table_columns_follow_the_schema(warehouse):
    with warehouse.unit_of_work() as uow:
        columns = uow.baseline.columns()
    assert columns[: len(BASELINE_SCHEMA)] == list(BASELINE_SCHEMA)
    assert set(columns) - set(BASELINE_SCHEMA) == {"portfolio_id", "computed_at"}


def test_baseline_persisted_with_checks_and_summary(pipeline: PipelineEnv):
    result = _run_all(pipeline)
    checks = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert checks["one_row_per_property"] and checks["sap_in_range_and_band_consistent"]
    assert checks["energy_and_bills_non_negative"]
    meta = _meta(result, "property_baseline")
    assert meta["properties"] == 40 and meta["recomputed"] == 40
    # what an analyst reads in the UI: the standard row count and schema, a band table, homes to look at
    assert meta["dagster/row_count"] == 40
    assert "effective_band" in [c.name for c in meta["dagster/column_schema"].columns]
    assert meta["bands"].startswith("| band | lodged | effective |")
    attention = meta["homes_needing_attention"]
    assert [c.name for c in attention.schema.columns] == ["property_id", "uprn", "issue", "reason"]
    assert all(c.description for c in result.get_asset_check_evaluations())

    with pipeline.warehouse.unit_of_work() as uow:
        summary = portfolio_summary(uow.connection, PORTFOLIO)
        portfolio_id = uow.portfolios.by_name(PORTFOLIO).id
        stored = uow.baseline.for_portfolio(portfolio_id)
    assert stored.height == 40
    assert summary["properties"] == 40
    base = summary["baseline"]
    manifest = json.loads((pipeline.data_dir / "manifest.json").read_text())
    # homes without a certificate are predicted: every home has an effective EPC
    assert base["without_effective_epc"] == 0
    assert base["source_paths"].get("predicted", 0) == manifest["counts"]["homes_without_certificate"]
    assert sum(base["source_paths"].values()) == 40
    assert sum(base["lodged_bands"].values()) == 40 - manifest["counts"]["homes_without_certificate"]
    # every scored home carries a SAP spread; predicted ones their prediction's confidence
    scored = stored.filter(pl.col("effective_sap_rating").is_not_null())
    assert scored["effective_sap_sd"].is_not_null().all() and (scored["effective_sap_sd"] > 0).all()
    predicted = stored.filter(pl.col("source_path") == "predicted")
    assert predicted["prediction_confidence"].is_not_null().all()
    assert (
        base["rebaselined"].get("pre_sap10", 0) == stored.filter(pl.col("lodged_sap_version") < 10.2).height
    )
    ok = stored.filter(pl.col("baseline_status") == "ok")
    assert ok.height > 0
    assert ok.filter(pl.col("bill_error").is_null())["total_bill_gbp"].min() > 0
    # Lodged figures stand where nothing was rebaselined.
    none = ok.filter(pl.col("rebaseline_reason") == "none")
    assert (none["effective_sap_rating"] == none["lodged_sap_rating"]).all()


def test_rerun_after_one_changed_home_recomputes_only_that_home(pipeline: PipelineEnv):
    _run_all(pipeline)
    again = _materialize(pipeline, [property_baseline])
    assert _meta(again, "property_baseline")["recomputed"] == 0

    with pipeline.warehouse.unit_of_work() as uow:
        props = uow.properties.for_portfolio(PORTFOLIO)
    effective = pl.read_parquet(pipeline.asset_dir / "effective_epc" / f"{PORTFOLIO}.parquet").filter(
        pl.col("source_path") == "epc"
    )
    target = int(effective["property_id"][0])
    assert target in props["property_id"].to_list()
    with pipeline.warehouse.unit_of_work() as uow:
        uow.overrides.append_many(
            [{"property_id": target, "field_path": "total_floor_area", "value": 150.0, "author": "t"}]
        )
    result = _materialize(pipeline, [effective_epc, sap_inputs, property_baseline])
    meta = _meta(result, "property_baseline")
    assert meta["recomputed"] == 1 and meta["unchanged"] == 39
    with pipeline.warehouse.unit_of_work() as uow:
        stored = uow.baseline.for_portfolio(uow.portfolios.by_name(PORTFOLIO).id)
    row = stored.filter(pl.col("property_id") == target).row(0, named=True)
    assert row["rebaseline_reason"] in ("physical_state_changed", "both")


def test_reused_rows_the_table_lacks_are_written_again(pipeline: PipelineEnv):
    """The previous run is read from the asset's own output (ADR 0025); the table still ends up holding
    every row of the run when it lost some (a restored database, a write that failed after the commit)."""
    import sqlalchemy as sa

    from ara_assets.resources.warehouse.repositories.baseline import TABLE

    _run_all(pipeline)
    with pipeline.warehouse.unit_of_work() as uow:
        pid = uow.portfolios.by_name(PORTFOLIO).id
        before = uow.baseline.for_portfolio(pid)
        lost = before["property_id"].head(2).to_list()
        uow.connection.execute(sa.text(f"DELETE FROM {TABLE} WHERE property_id = ANY(:ids)"), {"ids": lost})
    again = _materialize(pipeline, [property_baseline])
    assert _meta(again, "property_baseline")["recomputed"] == 0
    with pipeline.warehouse.unit_of_work() as uow:
        after = uow.baseline.for_portfolio(pid)
    assert after.height == before.height == 40
    restored = after.filter(pl.col("property_id").is_in(lost))
    assert restored.equals(before.filter(pl.col("property_id").is_in(lost)))
