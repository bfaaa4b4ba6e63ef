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
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV: uprn,landlord_reference,address,postcode, optionally the attribute columns of "
            "`ara portfolio attributes import` (tenure, listed_building, ...)",
        ),
    ],
    portfolio: Annotated[str, typer.Option("--portfolio", "-p", help="Portfolio name (created if new).")],
) -> None:
    """Import a portfolio's homes from CSV; the whole file is refused if any row is bad."""
    from ara_assets.commands.csv_import import run_csv_import
    from ara_assets.resources.warehouse.imports import import_properties as run_import

    counts = run_csv_import(run_import, csv, portfolio)
    typer.echo(f"portfolio {portfolio!r}: {counts}")


@app.command("summary")
def summary(
    portfolio: Annotated[str, typer.Argument(help="Portfolio name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Where the portfolio stands: properties, certificates, and its baseline (bands, rebaselining, bills,
    carbon) from the last `property_baseline` run."""
    import json

    from ara_assets.resources.warehouse.repositories.baseline import portfolio_summary
    from ara_assets.resources.warehouse.unit_of_work import WarehouseUnavailable, open_warehouse

    try:
        warehouse = open_warehouse(migrate=False)
        with warehouse.unit_of_work() as uow:
            result = portfolio_summary(uow.connection, portfolio)
    except LookupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    except WarehouseUnavailable as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    from ara_assets.report.text import summary_text

    typer.echo(summary_text(result))


attributes_app = typer.Typer(no_args_is_help=True)
app.add_typer(attributes_app, name="attributes", help="What the landlord knows about each home.")


@attributes_app.command("import")
def import_attributes(
    csv: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV: uprn[,tenure][,listed_building][,listed_grade][,conservation_area][,on_gas_grid]"
            "[,property_value_gbp][,property_value_date][,source]",
        ),
    ],
    portfolio: Annotated[str, typer.Option("--portfolio", "-p", help="Portfolio name.")],
) -> None:
    """Record tenure, listed building, conservation area, gas grid and market value of the portfolio's homes;
    the whole file is refused if any row is bad. Empty cells mean "not known"."""
    from ara_assets.commands.csv_import import run_csv_import
    from ara_assets.resources.warehouse.attributes_import import import_attributes as run_import

    counts = run_csv_import(run_import, csv, portfolio)
    typer.echo(f"portfolio {portfolio!r}: attributes recorded for {counts['homes']} homes")
