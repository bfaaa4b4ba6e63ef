"""The one way an incremental asset reads its previous run: its own last stored output (docs/adr/0025)."""

from __future__ import annotations

import polars as pl

from ara_assets.resources.io_manager import PolarsParquetIOManager


def previous_output(io_manager: object, asset: str, partition_key: str) -> pl.DataFrame | None:
    """The asset partition's last stored materialisation as the project's IO manager wrote it (local
    Parquet or S3); None when there is none, or when the run's IO manager keeps nothing between runs
    (the in-memory one of `materialize_to_memory`): then every home is computed again."""
    if not isinstance(io_manager, PolarsParquetIOManager):
        return None
    return io_manager.load_previous([asset], partition_key)
