"""`ara export plans`: every home's plan as CSV, xlsx or Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("plans")
def plans(
    portfolio: Annotated[str, typer.Argument(help="Portfolio name.")],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="File to write.")],
    fmt: Annotated[
        Literal["csv", "xlsx", "parquet"], typer.Option("--format", help="csv, xlsx or parquet.")
    ] = "csv",
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="One scenario (default: every one).")
    ] = None,
) -> None:
    """One row per home and phase plus one per measure; xlsx: a summary sheet and a sheet per scenario."""
    from ara_assets.commands.bundle import load_or_exit
    from ara_assets.report.export import export_plans

    bundle = load_or_exit(portfolio)
    if scenario is not None and scenario not in bundle.scenarios():
        typer.echo(f"error: scenario {scenario!r} has no plans here ({bundle.scenarios()})", err=True)
        raise typer.Exit(code=1)
    rows = export_plans(bundle, fmt, out, scenario)
    typer.echo(f"wrote {out} ({fmt}): {rows} rows")
