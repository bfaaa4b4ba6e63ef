"""The project's Parquet IO manager for polars frames.

Why our own: dagster-polars and dagster-duckdb-polars break on polars 2 / duckdb 2 (see
docs/adr/0002-dependencies.md). This one writes one Parquet file per asset partition:

    <base>/<asset key path>/<partition key>.parquet      (partitioned assets)
    <base>/<asset key path>.parquet                      (unpartitioned assets)

`base` is a local folder (default ARA_HOME/assets) or an object-store URI such as s3://bucket/prefix, which
polars reads and writes itself given `storage_options` (credentials, region). DuckDB queries across
partitions with `read_parquet('<base>/<asset>/*.parquet')`.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

import dagster as dg
import polars as pl

from ara_assets.memory import release_free_memory
from ara_assets.settings import asset_base


def _is_remote(base: str) -> bool:
    return "://" in base and not base.startswith("file://")


def partition_file_name(partition_key: str) -> str:
    # Portfolio names are user text: quote them so that any name maps to one safe file name.
    return urllib.parse.quote(partition_key, safe="-_.") + ".parquet"


class PolarsParquetIOManager(dg.ConfigurableIOManager):
    """Stores polars DataFrames as Parquet, one file per asset partition."""

    base: str | None = None
    storage_options: dict[str, str] | None = None
    compression: str = "zstd"

    def _base(self) -> str:
        return (self.base or asset_base()).rstrip("/")

    def path_for(self, asset_path: list[str], partition_key: str | None) -> str:
        stem = "/".join(urllib.parse.quote(p, safe="-_.") for p in asset_path)
        if partition_key is None:
            return f"{self._base()}/{stem}.parquet"
        return f"{self._base()}/{stem}/{partition_file_name(partition_key)}"

    def _output_path(self, context: dg.OutputContext) -> str:
        key = context.asset_partition_key if context.has_asset_partitions else None
        return self.path_for(list(context.asset_key.path), key)

    def handle_output(self, context: dg.OutputContext, obj: pl.DataFrame | None) -> None:
        if obj is None:
            return
        if not isinstance(obj, pl.DataFrame):
            raise TypeError(
                f"asset {context.asset_key.to_user_string()} returned {type(obj).__name__}; "
                "the Parquet IO manager stores polars DataFrames only"
            )
        path = self._output_path(context)
        if _is_remote(path):
            obj.write_parquet(path, compression=self.compression, storage_options=self.storage_options)
        else:
            # Write beside the target and rename, so a reader never sees a half-written file and a
            # failed run leaves the previous materialisation intact.
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            obj.write_parquet(tmp, compression=self.compression)
            os.replace(tmp, target)
        context.add_output_metadata(
            {
                "rows": dg.MetadataValue.int(obj.height),
                "parquet": dg.MetadataValue.text(path),
            }
        )

    def load_previous(self, asset_path: list[str], partition_key: str | None) -> pl.DataFrame | None:
        """The last stored materialisation of an asset partition, or None: for assets that reuse the
        unchanged part of their previous output (incremental runs)."""
        path = self.path_for(asset_path, partition_key)
        if _is_remote(path):
            try:
                return pl.read_parquet(path, storage_options=self.storage_options)
            except FileNotFoundError:
                return None
        return pl.read_parquet(path) if Path(path).exists() else None

    def load_input(self, context: dg.InputContext) -> pl.DataFrame:
        upstream = context.upstream_output
        if upstream is None or not context.has_asset_key:
            raise dg.DagsterInvariantViolationError("the Parquet IO manager loads asset inputs only")
        # A step starts by loading its inputs: what the previous step freed goes back to the system
        # first, so this step's peak is not stacked on the last one's leftovers (ara_assets/memory.py).
        release_free_memory()
        asset_path = list(context.asset_key.path)
        if context.has_asset_partitions:
            keys = list(context.asset_partition_keys)
            frames = [self._read(self.path_for(asset_path, k), context) for k in keys]
            return pl.concat(frames, how="diagonal_relaxed") if len(frames) != 1 else frames[0]
        return self._read(self.path_for(asset_path, None), context)

    def _read(self, path: str, context: dg.InputContext) -> pl.DataFrame:
        if not _is_remote(path) and not Path(path).exists():
            raise FileNotFoundError(
                f"no stored data for asset {context.asset_key.to_user_string()} at {path}: "
                "materialise the upstream asset for this partition first"
            )
        return pl.read_parquet(path, storage_options=self.storage_options if _is_remote(path) else None)
