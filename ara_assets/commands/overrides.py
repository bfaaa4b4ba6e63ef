"""`ara overrides` subcommands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("import")
def import_overrides(
    csv: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="CSV: uprn,field,value,author[,action][,reason]"
        ),
    ],
    portfolio: Annotated[str, typer.Option("--portfolio", "-p", help="Portfolio the homes belong to.")],
) -> None:
    """Append landlord overrides from CSV; the whole file is refused if any row is bad."""
    from ara_assets.resources.warehouse import Warehouse
    from ara_assets.resources.warehouse_imports import ImportRejected
    from ara_assets.resources.warehouse_imports import import_overrides as run_import

    warehouse = Warehouse()
    warehouse.migrate()
    try:
        ids = run_import(warehouse, csv, portfolio)
    except ImportRejected as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"portfolio {portfolio!r}: {len(ids)} overrides recorded")
