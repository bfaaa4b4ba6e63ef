"""`ara portfolio` subcommands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


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
    from ara_assets.resources.warehouse import Warehouse
    from ara_assets.resources.warehouse_imports import ImportRejected
    from ara_assets.resources.warehouse_imports import import_properties as run_import

    warehouse = Warehouse()
    warehouse.migrate()
    try:
        counts = run_import(warehouse, csv, portfolio)
    except ImportRejected as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    typer.echo(
        f"portfolio {portfolio!r}: {counts.added} added, {counts.updated} updated, "
        f"{counts.unchanged} unchanged"
    )
