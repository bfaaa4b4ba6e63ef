from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from ara_assets.resources.io_manager import PolarsParquetIOManager, partition_file_name

parts = dg.DynamicPartitionsDefinition(name="io_test_portfolios")


@dg.asset(partitions_def=parts)
def upstream(context: dg.AssetExecutionContext) -> pl.DataFrame:
    return pl.DataFrame({"portfolio": [context.partition_key] * 3, "x": [1, 2, 3]})


@dg.asset(partitions_def=parts)
def downstream(upstream: pl.DataFrame) -> pl.DataFrame:
    return upstream.with_columns((pl.col("x") * 10).alias("y"))


@dg.asset
def unpartitioned() -> pl.DataFrame:
    return pl.DataFrame({"a": [1]})


def _instance(keys: list[str]) -> dg.DagsterInstance:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(parts.name, keys)
    return instance


def test_round_trip_one_file_per_partition(tmp_path: Path):
    io = PolarsParquetIOManager(base=str(tmp_path))
    instance = _instance(["north estate", "south/estate"])
    for key in ["north estate", "south/estate"]:
        result = dg.materialize(
            [upstream, downstream], partition_key=key, resources={"io_manager": io}, instance=instance
        )
        assert result.success
    north = pl.read_parquet(tmp_path / "downstream" / partition_file_name("north estate"))
    assert north["y"].to_list() == [10, 20, 30]
    assert north["portfolio"].unique().to_list() == ["north estate"]
    # A key with a slash stays one file inside the asset's folder.
    files = sorted(p.name for p in (tmp_path / "upstream").iterdir())
    assert files == ["north%20estate.parquet", "south%2Festate.parquet"]


def test_unpartitioned_and_metadata(tmp_path: Path):
    io = PolarsParquetIOManager(base=str(tmp_path))
    result = dg.materialize([unpartitioned], resources={"io_manager": io})
    assert (tmp_path / "unpartitioned.parquet").exists()
    mat = result.get_asset_materialization_events()[0].event_specific_data.materialization
    assert mat.metadata["rows"].value == 1


def test_refuses_non_frames(tmp_path: Path):
    @dg.asset
    def not_a_frame() -> dict:
        return {"a": 1}

    with pytest.raises(Exception, match="polars DataFrames only"):
        dg.materialize([not_a_frame], resources={"io_manager": PolarsParquetIOManager(base=str(tmp_path))})


def test_missing_upstream_names_the_asset(tmp_path: Path):
    io = PolarsParquetIOManager(base=str(tmp_path))
    instance = _instance(["p1"])
    with pytest.raises(Exception, match="materialise the upstream asset"):
        dg.materialize(
            [downstream, upstream],
            partition_key="p1",
            resources={"io_manager": io},
            instance=instance,
            selection=[downstream],
        )
