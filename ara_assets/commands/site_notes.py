"""`ara site-notes` subcommands: full surveys of a property, a register-shaped document each."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(
    document: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="Survey as register-shaped JSON."),
    ],
    portfolio: Annotated[str, typer.Option("--portfolio", "-p", help="Portfolio of the property.")],
    uprn: Annotated[int, typer.Option("--uprn", help="UPRN of the surveyed property.")],
    survey_date: Annotated[str, typer.Option("--date", help="Survey date, YYYY-MM-DD.")],
    surveyor: Annotated[str, typer.Option("--surveyor", help="Who surveyed the home.")],
) -> None:
    """Record a full survey of one home; it becomes the home's effective EPC when it is newer than the
    lodged certificate (the override sensor picks it up)."""
    from ara_assets.epc import CertificateValidationError
    from ara_assets.property.effective import survey_as_register_document
    from ara_assets.resources.warehouse.unit_of_work import WarehouseUnavailable, open_warehouse

    def fail(message: str, code: int = 1) -> None:
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(code=code)

    try:
        when = dt.date.fromisoformat(survey_date)
    except ValueError:
        fail(f"field --date value {survey_date!r} is not a date (YYYY-MM-DD)")
    try:
        body = json.loads(document.read_text())
    except json.JSONDecodeError as exc:
        fail(f"{document}: not JSON ({exc})")
    try:
        # Refuse what the pipeline would refuse, before anything is written.
        survey_as_register_document(body, when)
    except CertificateValidationError as exc:
        fail(f"{document}: {exc}")
    try:
        warehouse = open_warehouse(migrate=True)
        with warehouse.unit_of_work() as uow:
            props = uow.properties.for_portfolio(portfolio)
            match = props.filter(props["uprn"] == uprn)
            if match.is_empty():
                fail(f"portfolio {portfolio!r} has no property with uprn {uprn}")
            note_id = uow.site_notes.add(int(match["property_id"][0]), when, body, surveyor)
    except WarehouseUnavailable as exc:
        fail(str(exc), code=2)
    typer.echo(f"site note {note_id} recorded for uprn {uprn} in portfolio {portfolio!r} (survey {when})")
