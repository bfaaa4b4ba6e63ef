"""The `ara` command: everything a user does outside the Dagster UI.

Each subcommand group lives in `ara_assets/commands/<group>.py` and exposes a Typer `app`.
Heavy imports (Dagster, polars, the database) happen inside the commands, so `ara --help` is quick.
"""

from __future__ import annotations

import typer

from ara_assets.commands import db, demo, overrides, portfolio, rates, register, sap, scenario, site_notes

app = typer.Typer(
    name="ara",
    help="Ara: plan the energy retrofit of a housing portfolio (SAP 10.2 / RdSAP 10).",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(demo.app, name="demo", help="Generate a synthetic portfolio and run the demo pipeline.")
app.add_typer(register.app, name="register", help="The EPC register: local emulator and fetches.")
app.add_typer(db.app, name="db", help="The PostgreSQL system of record: migrations and status.")
app.add_typer(portfolio.app, name="portfolio", help="Portfolios: import properties, print summaries.")
app.add_typer(overrides.app, name="overrides", help="Landlord overrides: field-level corrections of an EPC.")
app.add_typer(site_notes.app, name="site-notes", help="Site notes: full surveys that replace a home's EPC.")
app.add_typer(sap.app, name="sap", help="The SAP 10.2 / RdSAP 10 calculator.")
app.add_typer(rates.app, name="rates", help="Fuel rates and carbon factors.")
app.add_typer(scenario.app, name="scenario", help="Retrofit scenarios.")


def main() -> None:
    from ara_assets.settings import apply_process_settings

    apply_process_settings()
    app()


if __name__ == "__main__":
    main()
