"""`ara rates` subcommands: fuel rates and carbon factors in the warehouse (migrations/0005)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


class Kind(StrEnum):
    rates = "rates"
    factors = "factors"


def _warehouse() -> object:
    from ara_assets.resources.warehouse.unit_of_work import Warehouse

    warehouse = Warehouse()
    warehouse.migrate()
    return warehouse


def _report(result: object) -> None:
    typer.echo(result.message)


@app.command("import")
def import_csv(
    csv: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="CSV of rates or factors (see --kind)."
        ),
    ],
    kind: Annotated[Kind, typer.Option("--kind", help="What the file holds.")] = Kind.rates,
    note: Annotated[str | None, typer.Option("--note", help="Why; kept with the version.")] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="The file becomes the whole table (default: laid over the current one)."
        ),
    ] = False,
) -> None:
    """Import manual corrections as a new rates version; a bad row rejects the whole file.

    Rates columns: fuel, region (default GB), tariff, unit_rate_p_per_kwh, standing_charge_p_per_day
    (default 0), valid_from, valid_to (empty = open), source. Factors columns: fuel, scheme (DESNZ or
    SAP 10.2), basis, kg_co2e_per_kwh, primary_energy_factor, valid_from, valid_to, source.
    """
    from ara_assets.baseline import rates as rates_mod

    try:
        frame = rates_mod.read_csv(csv)
    except Exception as exc:  # any unreadable file is reported the same way
        typer.echo(f"{csv}: not a readable CSV: {exc}", err=True)
        raise typer.Exit(code=1) from None
    warehouse = _warehouse()
    try:
        with warehouse.unit_of_work() as uow:
            result = uow.rates.import_frame(
                frame,
                kind.value,
                source=f"file:{csv.name}",
                note=note,
                mode="replace" if replace else "overlay",
            )
    except rates_mod.RatesError as exc:
        # Rows are numbered from the first data line; a spreadsheet shows it as line 2.
        typer.echo(f"{csv}: {exc}\n(nothing was imported)", err=True)
        raise typer.Exit(code=1) from None
    _report(result)


@app.command()
def refresh(
    source: Annotated[
        str, typer.Option("--source", help="'bundled' (the snapshot shipped with Ara) or an http(s) CSV URL.")
    ] = "bundled",
    kind: Annotated[
        Kind | None, typer.Option("--kind", help="For a URL: what the CSV holds (default rates).")
    ] = None,
) -> None:
    """Refresh the tables from a source; an unchanged source makes no new version."""
    from ara_assets.baseline.rates import RatesError
    from ara_assets.resources.warehouse.repositories.rates import BUNDLED
    from ara_assets.resources.warehouse.repositories.rates import refresh as run_refresh

    if source == BUNDLED:
        kinds = (kind.value,) if kind else ("rates", "factors")
    else:
        kinds = ((kind or Kind.rates).value,)
    warehouse = _warehouse()
    try:
        with warehouse.unit_of_work() as uow:
            result = run_refresh(uow.rates, source, kinds)
    except RatesError as exc:
        typer.echo(f"{exc}\n(nothing was imported)", err=True)
        raise typer.Exit(code=1) from None
    _report(result)


@app.command()
def show(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default today).", show_default=False)
    ] = None,
    region: Annotated[str, typer.Option("--region", help="Region code; GB rates fill gaps.")] = "GB",
) -> None:
    """Print the current version and the rates and factors valid on a date."""
    import polars as pl


    try:
        on = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        typer.echo(f"--as-of: value {as_of!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(code=2) from None
    warehouse = _warehouse()
    with warehouse.unit_of_work() as uow:
        repo = uow.rates
        version = repo.current_version()
        if version is None:
            typer.echo("no rates imported yet; run `ara rates refresh`")
            raise typer.Exit(code=1)
        rates = repo.rates_as_of(on, region)
        factors = repo.factors_as_of(on)
    typer.echo(
        f"rates version {version.id} ({version.kind} from {version.source}, "
        f"{version.created_at:%Y-%m-%d %H:%M} UTC){' - ' + version.note if version.note else ''}"
    )
    typer.echo(f"valid on {on.isoformat()}, region {region}:")
    with pl.Config(
        tbl_rows=-1, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True, fmt_str_lengths=40
    ):
        typer.echo(
            rates.select(
                "fuel",
                "region",
                "tariff",
                "unit_rate_p_per_kwh",
                "standing_charge_p_per_day",
                "valid_from",
                "valid_to",
            )
        )
        typer.echo(factors.select("fuel", "scheme", "kg_co2e_per_kwh", "primary_energy_factor", "valid_from"))
    from ara_assets.baseline.rates import sap_fuel_map

    priced = set(rates["fuel"].to_list())
    unpriced = sorted(set(sap_fuel_map()["price_fuel"].to_list()) - priced)
    if unpriced:
        # Bills for homes using these fail with an error naming the fuel until a rate is imported.
        typer.echo(f"unpriced on {on.isoformat()}: {', '.join(unpriced)}")
