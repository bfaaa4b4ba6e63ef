"""`ara report`: the portfolio report, one self-contained HTML file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report(
    portfolio: Annotated[str, typer.Argument(help="Portfolio name.")],
    out: Annotated[Path, typer.Option("--out", dir_okay=False, help="HTML file to write.")],
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="One scenario (default: every one).")
    ] = None,
) -> None:
    """Write the portfolio report (charts and tables; opens offline, can be emailed)."""
    from ara_assets.commands.bundle import load_or_exit
    from ara_assets.report.html import render_report

    bundle = load_or_exit(portfolio)
    try:
        text = render_report(bundle, scenario)
    except LookupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out} ({len(text) / 1e6:.1f} MB)")
