"""`ara scenario` subcommands: create from YAML, list, show a snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("create")
def create(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Scenario YAML (see examples/scenarios/).")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a scenario of the same name (its version is bumped).")
    ] = False,
) -> None:
    """Validate a scenario YAML file and store it in the system of record."""
    from ara_assets.modelling.scenarios import ScenarioError, load_scenario_yaml
    from ara_assets.resources.warehouse.unit_of_work import Warehouse

    try:
        scenario = load_scenario_yaml(file)
    except ScenarioError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    warehouse = Warehouse()
    warehouse.migrate()
    try:
        with warehouse.unit_of_work() as uow:
            scenario_id = uow.scenarios.create(scenario, replace=replace)
            version = uow.scenarios.snapshot(scenario.name)["version"]
    except ValueError as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(code=1) from None
    phases = ", ".join(f"{p.name} by {p.target_year}" for p in scenario.phases)
    typer.echo(f"scenario {scenario.name!r} stored (id {scenario_id}, version {version}): {phases}")


@app.command("list")
def list_scenarios() -> None:
    """List stored scenarios with their version and phases."""
    from ara_assets.resources.warehouse.unit_of_work import Warehouse

    warehouse = Warehouse()
    warehouse.migrate()
    with warehouse.unit_of_work() as uow:
        snapshots = [uow.scenarios.snapshot(name) for name in uow.scenarios.names()]
    if not snapshots:
        typer.echo("no scenarios (create one with: ara scenario create FILE)")
        return
    for snap in snapshots:
        phases = " -> ".join(f"{p['name']} ({p['target_year']})" for p in snap["phases"])
        budget = snap["budget_per_home_gbp"]
        cap = "no cap" if budget is None else f"£{budget:,.0f}/home"
        typer.echo(f"{snap['name']}  v{snap['version']}  {cap}  {phases}")


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="Scenario name.")]) -> None:
    """Print the scenario snapshot (what a run pins) as JSON."""
    from ara_assets.resources.warehouse.unit_of_work import Warehouse

    warehouse = Warehouse()
    warehouse.migrate()
    with warehouse.unit_of_work() as uow:
        try:
            snap = uow.scenarios.snapshot(name)
        except KeyError:
            typer.echo(f"scenario {name!r}: no such scenario", err=True)
            raise typer.Exit(code=1) from None
    typer.echo(json.dumps(snap, indent=2, sort_keys=True, default=str))
