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
    from ara_assets.commands.csv_import import run_csv_import
    from ara_assets.resources.warehouse.imports import import_overrides as run_import

    ids = run_csv_import(run_import, csv, portfolio)
    typer.echo(f"portfolio {portfolio!r}: {len(ids)} overrides recorded")
