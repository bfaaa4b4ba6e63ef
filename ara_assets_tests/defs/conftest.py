"""Fixtures for Dagster tests: a generated portfolio served by the register emulator, imported into a
fresh migrated database, and the resources that point at both."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from ara_assets.defs.partitions import portfolios
from ara_assets.resources.io_manager import PolarsParquetIOManager
from ara_assets.resources.register.client import EpcRegisterClient
from ara_assets.resources.scoring import ScoringEndpoint
from ara_assets.resources.warehouse.unit_of_work import Warehouse, WarehouseResource

TOKEN = "test-token"
PORTFOLIO = "north"


@dataclass
class PipelineEnv:
    warehouse: Warehouse
    data_dir: Path
    register_url: str
    asset_dir: Path
    instance: dg.DagsterInstance

    def resources(self, **register_overrides: object) -> dict[str, object]:
        return {
            "warehouse": WarehouseResource(database_url=self.warehouse.url),
            "epc_register": EpcRegisterClient(
                base_url=self.register_url,
                requests_per_second=0,  # the local emulator has no rate limit to respect
                backoff_base_s=0.01,
                backoff_max_s=0.05,
                **register_overrides,
            ),
            "io_manager": PolarsParquetIOManager(base=str(self.asset_dir)),
            "scoring": ScoringEndpoint(),
        }


@pytest.fixture(scope="session")
def generated_portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ara_assets.demo.generate import generate_portfolio, write_portfolio

    out = tmp_path_factory.mktemp("portfolio")
    write_portfolio(generate_portfolio(40, 7), out)
    return out


def import_properties(warehouse: Warehouse, data_dir: Path, name: str) -> int:
    import polars as pl

    with (data_dir / "portfolio.csv").open() as f:
        rows = list(csv.DictReader(f))
    frame = pl.DataFrame(rows).with_columns(pl.col("uprn").cast(pl.Int64))
    with warehouse.unit_of_work() as uow:
        pid = uow.portfolios.get_or_create(name)
        uow.properties.upsert_many(pid, frame)
    return len(rows)


@pytest.fixture
def pipeline(
    warehouse: Warehouse, generated_portfolio: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PipelineEnv]:
    from ara_assets.emulator.server import start_emulator

    monkeypatch.setenv("EPC_REGISTER_TOKEN", TOKEN)
    # The scoring resource installs the PCDB snapshot under ARA_HOME at set-up: none here, whatever the
    # developer imported into ./.ara.
    monkeypatch.setenv("ARA_HOME", str(tmp_path / "ara_home"))
    import_properties(warehouse, generated_portfolio, PORTFOLIO)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(portfolios.name, [PORTFOLIO])
    with start_emulator(generated_portfolio / "certificates", token=TOKEN) as emulator:
        yield PipelineEnv(warehouse, generated_portfolio, emulator.url, tmp_path / "assets", instance)
