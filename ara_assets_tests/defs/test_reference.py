"""The reference assets against a migrated database: refresh, metadata, data versions, the schedule."""

from __future__ import annotations

import dagster as dg
import polars as pl
import pytest

from ara_assets.defs.reference import carbon_factors, fuel_rates
from ara_assets.defs.schedules import reference_quarterly_schedule
from ara_assets.resources.io_manager import PolarsParquetIOManager
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource

pytestmark = pytest.mark.integration


def _materialize(warehouse, tmp_path, instance, run_config=None) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [fuel_rates, carbon_factors],
        instance=instance,
        run_config=run_config,
        resources={
            "warehouse": WarehouseResource(database_url=warehouse.url),
            "io_manager": PolarsParquetIOManager(base=str(tmp_path)),
        },
    )


def _data_versions(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    return {
        e.asset_key.to_user_string(): e.step_materialization_data.materialization.tags["dagster/data_version"]
        for e in result.get_asset_materialization_events()
    }


def test_assets_refresh_return_frames_and_version_data(warehouse, tmp_path) -> None:
    instance = dg.DagsterInstance.ephemeral()
    first = _materialize(warehouse, tmp_path, instance)
    assert first.success
    rates = first.output_for_node("fuel_rates")
    factors = first.output_for_node("carbon_factors")
    assert isinstance(rates, pl.DataFrame) and {"mains_gas", "electricity"} <= set(rates["fuel"])
    assert set(factors["scheme"]) == {"DESNZ", "SAP 10.2"}
    assert (tmp_path / "fuel_rates.parquet").exists() and (tmp_path / "carbon_factors.parquet").exists()
    meta = {
        e.asset_key.to_user_string(): e.step_materialization_data.materialization.metadata
        for e in first.get_asset_materialization_events()
    }
    assert meta["fuel_rates"]["new_version"].value is True
    assert "mains_gas" in meta["fuel_rates"]["fuels"].data
    assert meta["fuel_rates"]["latest_valid_from"].value == "2026-07-01"
    with warehouse.unit_of_work() as uow:
        current = uow.rates.current_version_id()
    # Two refreshes (one per asset) in one run: two versions; the later one holds both tables.
    assert max(meta[k]["rates_version"].value for k in meta) == current == 2
    assert set(rates["rates_version"]) | set(factors["rates_version"]) == {1, 2}

    # Nothing changed at the source: no new version, the same data version, so nothing downstream is stale.
    second = _materialize(warehouse, tmp_path, instance)
    assert second.success
    assert _data_versions(second) == _data_versions(first)
    with warehouse.unit_of_work() as uow:
        assert uow.rates.current_version_id() == current

    # A manual correction makes a new version; the scheduled refresh does not undo it, the data version moves.
    with warehouse.unit_of_work() as uow:
        uow.rates.import_frame(
            pl.DataFrame(
                {
                    "fuel": ["mains_gas"],
                    "tariff": ["standard"],
                    "unit_rate_p_per_kwh": ["6.5"],
                    "valid_from": ["2026-10-01"],
                    "source": ["synthetic Q4 correction"],
                }
            ),
            "rates",
            source="file:q4.csv",
        )
    third = _materialize(warehouse, tmp_path, instance)
    assert third.success
    assert _data_versions(third)["fuel_rates"] != _data_versions(second)["fuel_rates"]
    assert _data_versions(third)["carbon_factors"] == _data_versions(second)["carbon_factors"]
    gas = third.output_for_node("fuel_rates").filter(pl.col("fuel") == "mains_gas")
    assert gas.sort("valid_from")["unit_rate_p_per_kwh"][-1] == 6.5


def test_bad_source_fails_the_run_and_writes_nothing(warehouse, tmp_path) -> None:
    result = dg.materialize(
        [fuel_rates],
        run_config={"ops": {"fuel_rates": {"config": {"source": "http://127.0.0.1:9/none.csv"}}}},
        resources={
            "warehouse": WarehouseResource(database_url=warehouse.url),
            "io_manager": PolarsParquetIOManager(base=str(tmp_path)),
        },
        raise_on_error=False,
    )
    assert not result.success
    with warehouse.unit_of_work() as uow:
        assert uow.rates.current_version_id() is None


def test_quarterly_schedule() -> None:
    assert reference_quarterly_schedule.cron_schedule == "0 6 1 1,4,7,10 *"
    assert reference_quarterly_schedule.execution_timezone == "Europe/London"
    defs = dg.Definitions(
        assets=[fuel_rates, carbon_factors],
        schedules=[reference_quarterly_schedule],
        resources={"warehouse": WarehouseResource(database_url="postgresql+psycopg://unused/none")},
    )
    job = defs.resolve_job_def(reference_quarterly_schedule.job_name)
    assert {k.to_user_string() for k in job.asset_layer.selected_asset_keys} == {
        "fuel_rates",
        "carbon_factors",
    }
    assert fuel_rates.group_names_by_key[fuel_rates.key] == "reference"
    assert fuel_rates.partitions_def is None and carbon_factors.partitions_def is None
