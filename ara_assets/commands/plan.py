"""`ara plan show`: one home's plan, phase by phase and measure by measure."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("show")
def show(
    portfolio: Annotated[str, typer.Argument(help="Portfolio name.")],
    property_id: Annotated[
        int, typer.Option("--property", help="Property id (as in the summary and exports).")
    ],
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="One scenario (default: every one).")
    ] = None,
) -> None:
    """The home now, each phase's package with each measure's cost and effect, grants and net cost, and
    why a target is missed."""
    import polars as pl

    from ara_assets.commands.bundle import load_or_exit
    from ara_assets.report.text import plan_text

    bundle = load_or_exit(portfolio)
    home = bundle.properties.filter(pl.col("property_id") == property_id)
    if home.is_empty():
        typer.echo(f"error: property {property_id} is not a home of portfolio {portfolio!r}", err=True)
        raise typer.Exit(code=1)
    info = home.row(0, named=True)
    base = bundle.baseline.filter(pl.col("property_id") == property_id)
    if base.height:
        info |= base.row(0, named=True)
    if bundle.attributes is not None:
        attrs = bundle.attributes.filter(pl.col("property_id") == property_id)
        if attrs.height:
            info |= {"tenure": attrs["tenure"][0]}
    phases = bundle.phases.filter(pl.col("property_id") == property_id)
    measures = bundle.measures.filter(pl.col("property_id") == property_id)
    grants = bundle.grants.filter(pl.col("property_id") == property_id)
    if scenario is not None:
        if scenario not in bundle.scenarios():
            typer.echo(f"error: scenario {scenario!r} has no plans here ({bundle.scenarios()})", err=True)
            raise typer.Exit(code=1)
        phases, measures, grants = (
            f.filter(pl.col("scenario") == scenario) for f in (phases, measures, grants)
        )
    if phases.is_empty():
        typer.echo(f"property {property_id}: no plans yet (run plans_job for portfolio {portfolio!r})")
        raise typer.Exit(code=0)
    typer.echo(plan_text(portfolio, info, phases, measures, grants))
