"""The `ara` command: everything a user does outside the Dagster UI.

Each subcommand group lives in `ara_assets/commands/<group>.py` and exposes a Typer `app`.
Heavy imports (Dagster, polars, the database) happen inside the commands, so `ara --help` is quick.
"""

from __future__ import annotations

from typing import Any

import typer
import typer.core

from ara_assets.commands import (
    db,
    demo,
    export,
    overrides,
    pcdb,
    plan,
    portfolio,
    predict,
    rates,
    register,
    report,
    sap,
    scenario,
    site_notes,
)
from ara_assets.commands import register_bulk as _register_bulk  # noqa: F401  (adds `register bulk-sync`)

_display_type_rich = typer.core.TyperOption.display_type_rich


def _flag_without_value(self: typer.core.TyperOption, ctx: Any) -> str | None:
    # typer 0.29.2 labels boolean flags `<bool>` in --help (`--json <bool>`), which reads as if they took a
    # value, and `--json true` is then refused. A flag takes none: show no type (checked by
    # ara_assets_tests/commands/test_cli_help.py, so a typer upgrade that changes this is noticed).
    if self.is_flag:
        return None
    return _display_type_rich(self, ctx)


# typer has no hook for this: the method is replaced on its class, which a type checker refuses for any
# method (typer's own class declares it one), hence the one ignore.
typer.core.TyperOption.display_type_rich = _flag_without_value  # type: ignore[method-assign]

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
app.add_typer(pcdb.app, name="pcdb", help="The Product Characteristics Database (boilers, postcode climate).")
app.add_typer(scenario.app, name="scenario", help="Retrofit scenarios.")
app.add_typer(plan.app, name="plan", help="Per-home plans.")
app.add_typer(export.app, name="export", help="Exports: plans as CSV, xlsx or Parquet.")
app.command("report")(report.report)
app.add_typer(predict.app, name="predict", help="Predicted EPCs: leave-one-out validation.")


def main() -> None:
    from ara_assets.settings import apply_process_settings

    apply_process_settings()
    app()


if __name__ == "__main__":
    main()
