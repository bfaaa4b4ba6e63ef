"""`ara demo` subcommands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True)


@app.command("generate")
def generate(
    out: Annotated[Path, typer.Option("--out", help="Output folder; must not already hold certificates.")],
    homes: Annotated[int, typer.Option("--homes", min=1, help="Number of homes in the portfolio.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, byte-identical files.")] = 42,
    uprn_start: Annotated[int, typer.Option("--uprn-start", help="First synthetic UPRN (12 digits).")] = (
        900_000_000_001
    ),
) -> None:
    """Generate a synthetic social-housing portfolio: portfolio.csv, certificates/*.json, manifest.json."""
    import time

    from ara_assets.demo.generate import generate_portfolio, write_portfolio

    started = time.perf_counter()
    try:
        portfolio = generate_portfolio(homes, seed, uprn_start=uprn_start)
        write_portfolio(portfolio, out)
    except (ValueError, FileExistsError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    counts = portfolio.manifest["counts"]
    typer.echo(
        f"wrote {counts['homes']} homes and {counts['certificates']} certificates to {out} "
        f"in {time.perf_counter() - started:.1f}s (seed {seed})"
    )


@app.command("run")
def run(
    homes: Annotated[
        int, typer.Option("--homes", min=1, help="Number of homes in the demo portfolio.")
    ] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the synthetic portfolio.")] = 42,
    portfolio: Annotated[
        str | None,
        typer.Option(
            "--portfolio",
            help="Portfolio (partition) name; default 'demo' (200 homes, seed 42), else 'demo-N[-seedS]'.",
        ),
    ] = None,
    fresh: Annotated[
        bool,
        typer.Option("--fresh", help="Reset the demo's local state first (`ara demo reset`), then rebuild."),
    ] = False,
) -> None:
    """Run the demo: a synthetic portfolio through the pipeline on the embedded database and emulator."""
    from ara_assets.demo.run import print_summary, run_demo

    try:
        result = run_demo(homes=homes, seed=seed, portfolio=portfolio, fresh=fresh)
    except Exception as exc:  # the demo is the first thing a user runs: say what failed, plainly
        typer.echo(f"demo failed: {type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    print_summary(result)


@app.command("reset")
def reset() -> None:
    """Stop the embedded PostgreSQL and delete the demo's local state under ARA_HOME (database, Parquet
    assets, Dagster instance, generated portfolios). An external ARA_DATABASE_URL is left alone."""
    from ara_assets.demo.run import reset_demo
    from ara_assets.settings import ara_home

    done = reset_demo()
    for line in done or [f"nothing to reset under {ara_home()}"]:
        typer.echo(line)
