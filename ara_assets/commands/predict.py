"""`ara predict` subcommands: how well the predicted EPC does on a portfolio."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("validate")
def validate(
    portfolio: Annotated[str, typer.Argument(help="Portfolio name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Leave-one-out over the portfolio's homes with certificates: each is predicted from the others
    (address and postcode only) and its calculated SAP compared with that of its real certificate."""
    import json

    import polars as pl

    from ara_assets.epc import CertificateValidationError, normalise_register_json
    from ara_assets.prediction.validate import leave_one_out
    from ara_assets.property.certificates import pick_current_certificates
    from ara_assets.resources.warehouse.unit_of_work import WarehouseUnavailable, open_warehouse

    try:
        warehouse = open_warehouse(migrate=False)
        with warehouse.unit_of_work() as uow:
            homes = uow.properties.for_portfolio(portfolio)
            uprns = [int(u) for u in homes["uprn"].to_list()]
            current = pick_current_certificates(
                homes, uow.certificates.for_uprns(uprns), uow.fetches.for_uprns(uprns)
            )
    except WarehouseUnavailable as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    if homes.is_empty():
        typer.echo(f"error: portfolio {portfolio!r} has no properties", err=True)
        raise typer.Exit(code=1)
    ids, docs = [], []
    for row in current.filter(pl.col("raw").is_not_null()).iter_rows(named=True):
        try:
            docs.append(json.dumps(normalise_register_json(json.loads(row["raw"]))))
            ids.append(int(row["property_id"]))
        except CertificateValidationError:
            continue  # a certificate the parser refuses is not a reference either
    scored = pl.DataFrame(
        {"property_id": ids, "document": docs}, schema={"property_id": pl.Int64, "document": pl.String}
    )
    frame = homes.select("property_id", "uprn", "postcode", "address").join(scored, on="property_id")
    metrics, _ = leave_one_out(frame)
    if as_json:
        typer.echo(json.dumps(metrics, indent=2))
        return
    for key, value in metrics.items():
        typer.echo(f"{key}: {value}")
