"""`ara sap` subcommands: score certificates, print a worksheet, validate against a corpus."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(no_args_is_help=True)


def _read_docs(path: Path) -> list[dict[str, Any]]:
    """Certificates in one file: a JSON document (or a list of them), NDJSON, or RdSAP XML."""
    from ara_assets.sap10.validate import load_corpus

    return [doc for _, doc in load_corpus(path)]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@app.command("score")
def score(
    files: Annotated[list[Path], typer.Argument(help="Certificate files: JSON, NDJSON or RdSAP XML.")],
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Skip the EPC parser's normalisation (faster; quirks read in place)."),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, help="Processes for the expansion of a file of 2,000 certificates or more."
        ),
    ] = 1,
) -> None:
    """Score certificates: one JSON object per certificate per line (``error`` set when refused)."""
    from ara_assets.commands.pcdb import install_from_home
    from ara_assets.sap10.approximations import describe
    from ara_assets.sap10.score import score_certificates

    install_from_home()  # the imported PCDB (if any) is used with no flag; each row names its revision
    for f in files:
        if not f.exists():
            raise typer.BadParameter(f"{f} does not exist", param_hint="FILE")
    for f in files:
        # XML read by parse_rdsap_xml has no register quirks and may lack lodgement fields the EPC parser
        # requires (test inputs): it goes to the expansion as read
        frame = score_certificates(
            _read_docs(f), normalise_docs=not raw and f.suffix.lower() != ".xml", workers=workers
        )
        for row in frame.iter_rows(named=True):
            # each approximation with what was assumed and its source (the frame carries the codes)
            row["approximations"] = describe(row["approximations"]) if row["approximations"] else []
            typer.echo(json.dumps({k: _clean(v) for k, v in row.items()}))


def _line_key(name: str) -> tuple[float, str]:
    m = re.match(r"\((\d+)([a-z]*)\)", name)
    if m:
        return float(m.group(1)) + (ord(m.group(2)[0]) - 96) / 100.0 if m.group(2) else float(
            m.group(1)
        ), name
    return 1e9, name


@app.command("worksheet")
def worksheet_cmd(
    file: Annotated[Path, typer.Argument(help="One certificate: JSON or RdSAP XML.")],
    index: Annotated[int, typer.Option("--index", help="Which certificate of the file.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the lines as one JSON object.")] = False,
) -> None:
    """Print every worksheet line by number for one certificate (trace mode of the worksheet)."""
    from ara_assets.commands.pcdb import install_from_home
    from ara_assets.sap10 import UnsupportedInput
    from ara_assets.sap10.calculate import worksheet

    install_from_home()
    from ara_assets.sap10.rdsap import expand_certificates

    docs = _read_docs(file)
    if not 0 <= index < len(docs):
        raise typer.BadParameter(f"{file} holds {len(docs)} certificate(s)", param_hint="--index")
    try:
        inputs = expand_certificates([docs[index]], normalise_docs=file.suffix.lower() != ".xml")
        lines = worksheet(inputs, 0)
    except UnsupportedInput as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(lines))
        return
    for name in sorted(lines, key=_line_key):
        value = lines[name]
        text = " ".join(f"{v:.4f}" for v in value) if isinstance(value, list) else f"{value:.4f}"
        typer.echo(f"{name:>10}  {text}")


@app.command("validate")
def validate(
    corpus: Annotated[Path, typer.Option("--corpus", help="Folder, zip or NDJSON of register certificates.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for scoreboard.md / .json and residuals.csv.")
    ] = Path("sap_validation"),
) -> None:
    """Score a corpus against the lodged ratings; write a scoreboard (targets: SAP 10.2 certificates)."""
    from ara_assets.commands.pcdb import install_from_home
    from ara_assets.sap10.validate import validate_corpus

    install_from_home()
    if not corpus.exists():
        raise typer.BadParameter(f"{corpus} does not exist", param_hint="--corpus")
    try:
        board = validate_corpus(corpus, out)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--corpus") from None
    t = board["targets"]
    typer.echo(
        f"targets: {t['certificates']} certificates, {t['scored']} scored, {t['errors']} refused; "
        f"other: {board['not_targets']['certificates']}; scoreboard written to {out}/"
    )
    if board.get("approximations"):
        counts = ", ".join(f"{code} {n}" for code, n in board["approximations"].items())
        typer.echo(f"homes per approximation: {counts}")
    revision = board.get("pcdb_revision")
    typer.echo(
        f"PCDB revision: {revision if revision is not None else 'none imported'}; "
        f"pcdb_fallback: {board.get('pcdb_fallback', 0)}"
    )
    if t.get("scored"):
        typer.echo(
            f"within 0.5/1/2 SAP: {t['within_0.5']:.1%} / {t['within_1']:.1%} / {t['within_2']:.1%}; "
            f"MAE {t['sap_mae']:.2f}; band agreement {t['band_agreement']:.1%}"
        )
