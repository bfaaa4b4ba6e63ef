"""`ara register` subcommands: the local register emulator, and fetches from a register."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

# From settings, not the client module, so that `ara --help` does not import httpx and Dagster.
from ara_assets.settings import REGISTER_API_URL, REGISTER_REQUESTS_PER_SECOND

app = typer.Typer(no_args_is_help=True)


@app.command("serve")
def serve(
    data: Annotated[Path, typer.Option("--data", help="Folder of certificate JSON files (recursive).")],
    port: Annotated[int, typer.Option("--port", help="TCP port to listen on.")] = 8008,
    host: Annotated[str, typer.Option("--host", help="Interface to bind.")] = "127.0.0.1",
    token: Annotated[str, typer.Option("--token", help="The Bearer token accepted.")] = "demo-token",
    rate_429: Annotated[float, typer.Option("--rate-429", help="Chance of an injected 429.")] = 0.05,
    rate_500: Annotated[float, typer.Option("--rate-500", help="Chance of an injected 500.")] = 0.01,
    latency_ms: Annotated[float, typer.Option("--latency-ms", help="Delay of every response, ms.")] = 0.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the fault injection.")] = 0,
    retry_after: Annotated[float, typer.Option("--retry-after", help="Retry-After (s) of a 429.")] = 1.0,
    rate_slow: Annotated[float, typer.Option("--rate-slow", help="Chance of a --slow-ms delay.")] = 0.0,
    slow_ms: Annotated[float, typer.Option("--slow-ms", help="Extra delay of a slow response, ms.")] = 0.0,
    bulk_file: Annotated[
        Path | None, typer.Option("--bulk-file", help="ZIP served as the monthly bulk file.")
    ] = None,
    deltas: Annotated[Path | None, typer.Option("--deltas", help="JSON list of delta events.")] = None,
    file_date: Annotated[
        str | None, typer.Option("--file-date", help="The bulk file's rebuild date (default: its mtime).")
    ] = None,
) -> None:
    """Serve certificate documents with the register API's endpoints, auth and error shapes."""
    from ara_assets.emulator.bulk import BulkFiles
    from ara_assets.emulator.server import FaultConfig, serve_forever

    try:
        faults = FaultConfig(
            rate_429=rate_429,
            rate_500=rate_500,
            latency_ms=latency_ms,
            rate_slow=rate_slow,
            slow_ms=slow_ms,
            retry_after_s=retry_after,
            seed=seed,
        )
        updated = None
        if file_date:
            updated = dt.datetime.combine(dt.date.fromisoformat(file_date), dt.time(0, 30), dt.UTC)
        bulk = BulkFiles(zip_path=bulk_file, last_updated=updated, deltas_path=deltas) if bulk_file else None
        serve_forever(data, host=host, port=port, token=token, faults=faults, announce=typer.echo, bulk=bulk)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("fetch")
def fetch(
    uprns: Annotated[list[int], typer.Argument(help="UPRNs to fetch.")],
    base_url: Annotated[str, typer.Option("--base-url", help="Register base URL.")] = REGISTER_API_URL,
    token_env_var: Annotated[str, typer.Option("--token-env-var", help="Env var of the token.")] = (
        "EPC_REGISTER_TOKEN"
    ),
    rps: Annotated[
        float, typer.Option("--rps", help="Request rate ceiling (0 = unlimited).")
    ] = REGISTER_REQUESTS_PER_SECOND,
    out: Annotated[Path | None, typer.Option("--out", help="Write OUT/<number>.json files.")] = None,
) -> None:
    """Search UPRNs on a register (the real one or an emulator) and fetch every certificate they have."""
    from ara_assets.resources.register.client import RegisterAuthError, RegisterClient
    from ara_assets.resources.register.progress import FetchProgress

    client = RegisterClient(base_url=base_url, token_env_var=token_env_var, requests_per_second=rps)
    # Progress on stderr (every 10 % and every 30 s), so stdout stays one line per UPRN.
    progress = FetchProgress(lambda line: typer.echo(line, err=True), retries=lambda: client.stats.retries)
    try:
        results = client.fetch_portfolio(uprns, progress=progress)
    except (RegisterAuthError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    for r in results:
        numbers = ", ".join(str(c.get("certificate_number")) for c in r.certificates)
        typer.echo(f"{r.uprn}\t{r.status}\t{numbers or (r.error or '')}")
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            for doc in r.certificates:
                (out / f"{doc.get('certificate_number')}.json").write_text(json.dumps(doc, indent=1))
    stats = client.stats
    typer.echo(f"{stats.requests} requests, {stats.retries} retries", err=True)
    if any(r.status == "error" for r in results):
        raise typer.Exit(1)
