"""`ara db` subcommands: the PostgreSQL system of record."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

app = typer.Typer(no_args_is_help=True)

if TYPE_CHECKING:
    from ara_assets.resources.warehouse.unit_of_work import Warehouse


def _open() -> Warehouse:
    from ara_assets.resources.warehouse.unit_of_work import WarehouseUnavailable, open_warehouse

    try:
        return open_warehouse()
    except WarehouseUnavailable as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None


@app.command()
def migrate() -> None:
    """Apply pending SQL migrations (migrations/NNNN_*.sql) and print the ones applied."""
    applied = _open().migrate()
    if not applied:
        typer.echo("database schema is up to date; no migration applied")
    for name in applied:
        typer.echo(f"applied {name}")


@app.command()
def status() -> None:
    """Print the database URL (password hidden), applied and pending migrations, and row counts."""
    from ara_assets.resources.warehouse.unit_of_work import TABLES

    report = _open().status()
    typer.echo(f"database: {report.url}")
    typer.echo(f"migrations applied: {', '.join(report.applied) or 'none'}")
    typer.echo(f"migrations pending: {', '.join(report.pending) or 'none'}")
    for table in TABLES:
        count = report.row_counts.get(table)
        typer.echo(f"  {table:<22} {'(missing)' if count is None else count:>10}")


@app.command()
def stop() -> None:
    """Stop the embedded PostgreSQL under ARA_HOME (it otherwise keeps running for other processes)."""
    from ara_assets.resources.warehouse.database import embedded_data_dir, stop_embedded_server

    if stop_embedded_server():
        typer.echo(f"stopped the embedded server in {embedded_data_dir()}")
    else:
        typer.echo(f"no embedded server is running in {embedded_data_dir()}")
