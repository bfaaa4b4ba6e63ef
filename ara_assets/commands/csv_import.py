"""What the CSV import commands share: migrate, import all or nothing, exit codes scripts can read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

if TYPE_CHECKING:
    from ara_assets.resources.warehouse.unit_of_work import Warehouse

T = TypeVar("T")


def run_csv_import(run: Callable[[Warehouse, Path, str], T], csv: Path, portfolio: str) -> T:
    """Run one import; exit 1 when the file is refused (every bad row is printed), 2 when the database
    cannot be reached."""
    from ara_assets.resources.warehouse.imports import ImportRejected
    from ara_assets.resources.warehouse.unit_of_work import WarehouseUnavailable, open_warehouse

    try:
        # The schema is brought up to date first (idempotent, under the migration lock).
        return run(open_warehouse(migrate=True), csv, portfolio)
    except ImportRejected as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    except WarehouseUnavailable as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
