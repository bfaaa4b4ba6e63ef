"""Load a portfolio's plans for the output commands; exit codes scripts can read (1 unknown portfolio,
2 no database)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from ara_assets.report.load import PlanBundle


def load_or_exit(portfolio: str) -> PlanBundle:
    from ara_assets.report.load import load_bundle
    from ara_assets.resources.warehouse.unit_of_work import WarehouseUnavailable, open_warehouse

    try:
        warehouse = open_warehouse(migrate=False)
        with warehouse.unit_of_work() as uow:
            return load_bundle(uow, portfolio)
    except LookupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    except WarehouseUnavailable as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
