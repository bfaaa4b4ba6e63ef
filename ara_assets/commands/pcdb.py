"""`ara pcdb` subcommands: import BRE's Product Characteristics Data File (PCDF) and show what is in use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ara_assets.resources.pcdb import install_from_home, snapshot_folder

app = typer.Typer(no_args_is_help=True)
__all__ = ["app", "install_from_home"]


def read_pcdf_text(path: Path) -> str:
    """PCDF files are published in a single-byte encoding; UTF-8 first, Latin-1 otherwise."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@app.command("import")
def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="A PCDF file (pcdb10.dat).")
    ],
    no_database: Annotated[
        bool,
        typer.Option(
            "--no-database", help="Write only the Parquet snapshot (no PostgreSQL system of record)."
        ),
    ] = False,
) -> None:
    """Import a PCDF file: boilers (Tables 105, 122), WWHRS (Table 353) and postcode climate (Table 172),
    stored by revision in PostgreSQL and as the Parquet snapshot under ARA_HOME that `ara sap score` and the
    pipeline use."""
    from ara_assets.pcdb import PcdbFormatError, parse_pcdf, write_snapshot

    try:
        parsed = parse_pcdf(read_pcdf_text(file))
    except PcdbFormatError as exc:
        typer.echo(f"{file}: {exc}\n(nothing was imported)", err=True)
        raise typer.Exit(code=1) from None
    if not no_database:
        from ara_assets.resources.warehouse.repositories.pcdb import PcdbImportError
        from ara_assets.resources.warehouse.unit_of_work import Warehouse

        warehouse = Warehouse()
        warehouse.migrate()
        try:
            with warehouse.unit_of_work() as uow:
                result = uow.pcdb.import_file(parsed, source=f"file:{file.name}")
        except PcdbImportError as exc:
            typer.echo(f"{file}: {exc}", err=True)
            raise typer.Exit(code=1) from None
        typer.echo(result.message)
    target = write_snapshot(parsed, snapshot_folder(), file.name)
    typer.echo(
        f"revision {parsed.revision} ({parsed.issued.isoformat()}): {parsed.boilers.height} boilers, "
        f"{parsed.postcode_climate.height} postcode districts, {parsed.wwhrs.height} WWHRS; snapshot {target}"
    )
    for reason in parsed.skipped:
        typer.echo(f"not imported: {reason}")


@app.command("status")
def status() -> None:
    """The PCDB revision scoring uses (from the snapshot under ARA_HOME)."""
    current = snapshot_folder() / "current.json"
    if not current.exists():
        typer.echo("no PCDB imported: PCDB-lodged products take the Table 4b defaults (pcdb_fallback)")
        return
    revision = json.loads(current.read_text())["revision"]
    meta = json.loads((snapshot_folder() / f"revision-{revision}" / "meta.json").read_text())
    typer.echo(f"PCDB revision {revision}, issued {meta['issued']}, from {meta['source']}")
    for reason in meta.get("skipped", []):
        typer.echo(f"not imported: {reason}")
