"""`ara portfolio` subcommands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ara_assets.resources.warehouse import Warehouse
    from ara_assets.resources.warehouse_repositories import UpsertCounts

app = typer.Typer(no_args_is_help=True)


def import_portfolio_csv(warehouse: Warehouse, csv: Path, portfolio: str) -> UpsertCounts:
    """Validate `csv` and upsert its homes into `portfolio`, all or nothing (raises ImportRejected).

    For callers other than the CLI (the demo); `str()` of the result reads "N added, N updated, N unchanged".
    """
    from ara_assets.resources.warehouse_imports import import_properties as run_import

    return run_import(warehouse, csv, portfolio)


@app.command("import")
def import_properties(
    csv: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="CSV: uprn,landlord_reference,address,postcode"
        ),
    ],
    portfolio: Annotated[str, typer.Option("--portfolio", "-p", help="Portfolio name (created if new).")],
) -> None:
    """Import a portfolio's homes from CSV; the whole file is refused if any row is bad."""
    from ara_assets.resources.warehouse import WarehouseUnavailable, open_warehouse
    from ara_assets.resources.warehouse_imports import ImportRejected
    from ara_assets.resources.warehouse_imports import import_properties as run_import

    try:
        # The schema is brought up to date first (idempotent, under the migration lock).
        warehouse = open_warehouse(migrate=True)
        counts = run_import(warehouse, csv, portfolio)
    except ImportRejected as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    except WarehouseUnavailable as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"portfolio {portfolio!r}: {counts}")
