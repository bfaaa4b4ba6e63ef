"""`ara register bulk-sync` and `ara register national-file`: the register's monthly bulk data.

Attached to the `ara register` group (see `cli.py`); kept apart from `register.py`'s per-UPRN commands.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ara_assets.commands.register import app
from ara_assets.settings import REGISTER_API_URL, REGISTER_REQUESTS_PER_SECOND


@app.command("bulk-sync")
def bulk_sync(
    portfolio: Annotated[
        list[str] | None, typer.Option("--portfolio", "-p", help="Only these portfolios (default: all).")
    ] = None,
    base_url: Annotated[str, typer.Option("--base-url", help="Register base URL.")] = REGISTER_API_URL,
    token_env_var: Annotated[str, typer.Option("--token-env-var", help="Env var of the token.")] = (
        "EPC_REGISTER_TOKEN"
    ),
    rps: Annotated[
        float, typer.Option("--rps", help="Request rate ceiling (0 = unlimited).")
    ] = REGISTER_REQUESTS_PER_SECOND,
    force: Annotated[
        bool, typer.Option("--force", help="Load the file even if this month's is loaded.")
    ] = False,
    neighbours: Annotated[
        bool, typer.Option("--neighbours/--no-neighbours", help="Also keep the homes' postcode neighbours.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Load the register's monthly bulk file into the certificate cache and apply its deltas since."""
    from ara_assets.resources.register.bulk import bulk_sync as run_sync
    from ara_assets.resources.register.client import RegisterClient, RegisterError
    from ara_assets.resources.warehouse.unit_of_work import WarehouseUnavailable, open_warehouse

    client = RegisterClient(base_url=base_url, token_env_var=token_env_var, requests_per_second=rps)
    try:
        warehouse = open_warehouse(migrate=True)
        report = run_sync(
            warehouse,
            client,
            portfolios=portfolio or None,
            neighbours=neighbours,
            force=force,
            log=lambda m: typer.echo(m, err=True),
        )
    except (RegisterError, WarehouseUnavailable, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=1, default=str))
    else:
        typer.echo(
            f"bulk file {report.file_month}: {'loaded' if report.file_loaded else 'already loaded'}; "
            f"{report.certificates_kept} certificates kept, {report.uprns_covered}/{report.uprns_wanted} "
            f"UPRNs covered; {report.events} delta events"
        )
    for message in report.refused[:10]:
        typer.echo(f"refused: {message}", err=True)


@app.command("national-file")
def national_file(
    out: Annotated[Path, typer.Option("--out", help="Folder to write (portfolio + national file).")],
    homes: Annotated[int, typer.Option("--homes", help="Homes in the portfolio.")] = 200,
    certificates: Annotated[
        int, typer.Option("--certificates", help="Certificates in the national file (1000000 for scale).")
    ] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed.")] = 42,
    as_of: Annotated[
        str, typer.Option("--as-of", help="The file's cut-off date (YYYY-MM-DD).")
    ] = "2026-10-01",
    removed: Annotated[int, typer.Option("--removed", help="'removed' delta events.")] = 3,
    moved: Annotated[int, typer.Option("--moved", help="'uprn_updated' delta events.")] = 3,
) -> None:
    """A synthetic portfolio, the national bulk ZIP holding it (and fillers), and delta events."""
    from ara_assets.demo.generate import generate_portfolio, write_portfolio
    from ara_assets.demo.national import sample_deltas, write_national_file

    cut = date.fromisoformat(as_of)
    portfolio = generate_portfolio(homes, seed)
    write_portfolio(portfolio, out)
    result = write_national_file(
        portfolio, out / "national.zip", total_certificates=certificates, as_of=cut, seed=seed
    )
    events = sample_deltas(portfolio, after=cut, removed=removed, moved=moved, seed=seed)
    (out / "deltas.json").write_text(json.dumps(events, indent=1), encoding="utf-8")
    (out / "national.json").write_text(json.dumps(result.manifest(), indent=1), encoding="utf-8")
    typer.echo(
        f"{out}: {homes} homes, national.zip with {result.certificates:,} certificates "
        f"({len(result.withheld_certificates)} withheld after {cut}), {len(events)} delta events"
    )
