"""Validation harness: score a corpus of register certificates and compare with what they lodged.

A corpus is a folder (``*.json``, ``*.ndjson`` / ``*.jsonl``, RdSAP ``*.xml``, searched recursively), a
zip of such files (the register's bulk download), or one NDJSON file. Only SAP 10.2 certificates are
targets (their lodged rating came from the same method), RdSAP and full SAP alike; older ones are scored
and reported apart.
The scoreboard is written as markdown and JSON, with a CSV of per-certificate residuals.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from ara_assets.sap10.readers.rdsap_xml import parse_rdsap_xml

TOLERANCES = (0.5, 1.0, 2.0)
GROUPS = ("built_form", "age_band", "main_fuel_register", "schema_type")
_JSON_SUFFIXES = (".json",)
_NDJSON_SUFFIXES = (".ndjson", ".jsonl")


def _docs_from_text(name: str, text: str) -> Iterator[dict[str, Any]]:
    if name.endswith(_NDJSON_SUFFIXES):
        for line in text.splitlines():
            if line.strip():
                yield json.loads(line)
    elif name.endswith(_JSON_SUFFIXES):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            # bulk files named .json may hold one document per line
            for line in text.splitlines():
                if line.strip():
                    yield json.loads(line)
            return
        if isinstance(data, list):
            yield from data
        else:
            yield data
    elif name.endswith(".xml"):
        yield parse_rdsap_xml(text)


def load_corpus(path: str | Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (source name, document) for every certificate under ``path`` (folder, zip or NDJSON)."""
    p = Path(path)
    if p.is_dir():
        for f in sorted(p.rglob("*")):
            if f.is_file() and f.name.endswith((*_JSON_SUFFIXES, *_NDJSON_SUFFIXES, ".xml")):
                for k, doc in enumerate(_docs_from_text(f.name, f.read_text(encoding="utf-8"))):
                    yield f"{f.relative_to(p)}:{k}", doc
    elif p.suffix == ".zip":
        with zipfile.ZipFile(p) as z:
            for name in sorted(z.namelist()):
                if name.endswith((*_JSON_SUFFIXES, *_NDJSON_SUFFIXES, ".xml")):
                    with z.open(name) as fh:
                        text = io.TextIOWrapper(fh, encoding="utf-8").read()
                    for k, doc in enumerate(_docs_from_text(name, text)):
                        yield f"{name}:{k}", doc
    elif p.is_file():
        for k, doc in enumerate(_docs_from_text(p.name, p.read_text(encoding="utf-8"))):
            yield f"{p.name}:{k}", doc
    else:
        raise FileNotFoundError(f"corpus {path!s} is not a folder, zip or NDJSON file")


def is_target(schema_type: str | None, sap_version: float | None) -> bool:
    """A certificate rated with SAP 10.2: RdSAP 10 (RdSAP-Schema-21.x, or an RdSAP schema with
    ``sap_version`` 10.2), or a full-SAP lodgement (SAP-Schema-*) with ``sap_version`` 10.2."""
    schema = str(schema_type or "")
    sap10 = sap_version is not None and abs(sap_version - 10.2) < 1e-6
    if schema.startswith("SAP-Schema-"):
        return sap10
    if not schema.startswith("RdSAP-Schema-"):
        return False
    return schema.startswith("RdSAP-Schema-21.") or sap10


def _target_expr() -> pl.Expr:
    schema = pl.col("schema_type").fill_null("")
    sap10 = (pl.col("sap_version") - 10.2).abs().fill_null(1.0) < 1e-6
    rdsap = schema.str.starts_with("RdSAP-Schema-") & (schema.str.starts_with("RdSAP-Schema-21.") | sap10)
    return rdsap | (schema.str.starts_with("SAP-Schema-") & sap10)


def residuals(scores: pl.DataFrame) -> pl.DataFrame:
    """Per-certificate residuals (calculated minus lodged) for the scored certificates."""
    return scores.with_columns(
        (pl.col("sap_rating") - pl.col("lodged_sap_rating")).alias("sap_residual"),
        (pl.col("co2_kg_per_year") / 1000.0 - pl.col("lodged_co2_t_per_year")).alias("co2_t_residual"),
        (pl.col("primary_energy_kwh_per_m2") - pl.col("lodged_primary_energy_kwh_per_m2")).alias(
            "pe_residual"
        ),
        (pl.col("band") == pl.col("lodged_band")).alias("band_agrees"),
        _target_expr().alias("is_target"),
    )


def _mean(s: pl.Series) -> float:
    """Exactly rounded mean (math.fsum): the scoreboard must not depend on batch size or row order."""
    return math.fsum(s.to_list()) / s.len()


def _metrics(frame: pl.DataFrame) -> dict[str, Any]:
    scored = frame.filter(pl.col("error").is_null() & pl.col("sap_residual").is_not_null())
    out: dict[str, Any] = {
        "certificates": frame.height,
        "scored": scored.height,
        "errors": frame.height - scored.height,
    }
    if scored.height == 0:
        return out
    abs_res = scored.get_column("sap_residual").abs()
    for tol in TOLERANCES:
        out[f"within_{tol:g}"] = float((abs_res <= tol).mean())
    out["sap_mae"] = _mean(abs_res)
    out["sap_mean_error"] = _mean(scored.get_column("sap_residual"))
    out["band_agreement"] = float(scored.get_column("band_agrees").cast(pl.Float64).mean())
    for col, key in (("co2_t_residual", "co2_t"), ("pe_residual", "pe_kwh_per_m2")):
        s = scored.get_column(col).drop_nulls()
        if s.len():
            out[f"{key}_mae"] = _mean(s.abs())
            out[f"{key}_mean_error"] = _mean(s)
    return out


_LABELLED = {"built_form": "built_form", "main_fuel_register": "main_fuel"}


def _group_label(group: str, key: object) -> str:
    """A group key with the register's label for coded groups ("2 Semi-Detached")."""
    if key is None or group not in _LABELLED:
        return str(key)
    from ara_assets.epc.codes import codes_for

    table = codes_for(_LABELLED[group], "RdSAP-Schema-21.0.1") or {}
    label = table.get(str(key))
    return f"{key} {label}" if label else str(key)


def scoreboard(res: pl.DataFrame) -> dict[str, Any]:
    """Headline metrics for targets, the same per group, the pre-SAP-10.2 certificates apart, and the
    most common refusal reasons."""
    targets = res.filter(pl.col("is_target"))
    others = res.filter(~pl.col("is_target"))
    board: dict[str, Any] = {"targets": _metrics(targets), "not_targets": _metrics(others), "by": {}}
    for g in GROUPS:
        groups: dict[str, Any] = {}
        for key, sub in targets.group_by(g, maintain_order=True):
            groups[_group_label(g, key[0])] = _metrics(sub)
        board["by"][g] = dict(sorted(groups.items()))
    reasons = (
        res.filter(pl.col("error").is_not_null())
        .with_columns(pl.col("error").str.replace(r"^home_id=[^:]*: ", "").alias("reason"))
        .group_by("reason")
        .len()
        .sort(["len", "reason"], descending=[True, False])
        .head(20)
    )
    board["top_errors"] = [{"reason": r["reason"], "count": r["len"]} for r in reasons.to_dicts()]
    # homes scored with each approximation (a value standing in for a cell not transcribed, or lodged
    # geometry reconciled by an RdSAP convention), and the PCDB revision products came from
    codes = res.get_column("approximations").fill_null("").str.split(";").explode()
    codes = codes.filter(codes != "")
    counts = codes.value_counts(sort=True) if codes.len() else None
    board["approximations"] = (
        {str(k): int(v) for k, v in zip(counts[:, 0].to_list(), counts[:, 1].to_list(), strict=True)}
        if counts is not None
        else {}
    )
    revisions = res.get_column("pcdb_revision").drop_nulls().unique().sort().to_list()
    board["pcdb_revision"] = revisions[-1] if revisions else None
    board["pcdb_fallback"] = int(res.get_column("pcdb_fallback").fill_null(False).sum())
    return board


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "" if v is None else str(v)


def scoreboard_markdown(board: Mapping[str, Any]) -> str:
    cols = [
        "certificates",
        "scored",
        "errors",
        "within_0.5",
        "within_1",
        "within_2",
        "sap_mae",
        "sap_mean_error",
        "band_agreement",
        "co2_t_mae",
        "pe_kwh_per_m2_mae",
    ]
    head = "| group | " + " | ".join(cols) + " |\n|" + "---|" * (len(cols) + 1) + "\n"

    def line(name: str, m: Mapping[str, Any]) -> str:
        return f"| {name} | " + " | ".join(_fmt(m.get(c)) for c in cols) + " |\n"

    text = "# SAP 10.2 validation scoreboard\n\n"
    text += "Residuals are calculated minus lodged. Targets: SAP 10.2 (RdSAP 10) certificates.\n\n"
    text += "## Headline\n\n" + head + line("SAP 10.2 targets", board["targets"])
    text += line("not targets (before SAP 10.2)", board["not_targets"])
    for g, groups in board["by"].items():
        text += f"\n## Targets by {g}\n\n" + head
        for name, m in groups.items():
            text += line(name, m)
    text += "\n## Most common refusals\n\n| count | reason |\n|---|---|\n"
    for e in board["top_errors"]:
        text += f"| {e['count']} | {str(e['reason']).replace('|', '/')} |\n"
    from ara_assets.sap10.approximations import registry

    revision = board.get("pcdb_revision")
    text += (
        f"\n## Product data\n\nPCDB revision: {revision if revision is not None else 'none imported'}; "
        f"certificates with a PCDB product not in it (pcdb_fallback): {board.get('pcdb_fallback', 0)}\n"
    )
    text += "\n## Approximations (homes scored with each)\n\n| homes | code | assumed |\n|---|---|---|\n"
    for code_, n in board.get("approximations", {}).items():
        assumed = registry().get(code_, {}).get("assumed", "")
        text += f"| {n} | {code_} | {assumed.replace('|', '/')} |\n"
    return text


BATCH = 20_000  # certificates scored at a time: bounded memory on the register's bulk download


def validate_corpus(
    path: str | Path, out_dir: str | Path | None = None, batch: int = BATCH
) -> dict[str, Any]:
    """Score every certificate under ``path``; write scoreboard.md, scoreboard.json and residuals.csv to
    ``out_dir`` when given. Returns the scoreboard. Certificates are scored ``batch`` at a time and only
    the residual rows are kept, so a full bulk download fits in memory."""
    from ara_assets.sap10.score import score_certificates

    parts: list[pl.DataFrame] = []
    names: list[str] = []
    docs: list[dict[str, Any]] = []

    def flush() -> None:
        if docs:
            scores = score_certificates(docs).with_columns(
                pl.Series("source", names, dtype=pl.String),
                pl.col("approximations").list.join(";").alias("approximations"),
            )
            parts.append(residuals(scores).select(RESIDUAL_COLUMNS))
            names.clear()
            docs.clear()

    for name, doc in load_corpus(path):
        names.append(name)
        docs.append(doc)
        if len(docs) >= batch:
            flush()
    flush()
    if not parts:
        raise ValueError(f"corpus {path!s} holds no certificates")
    res = pl.concat(parts, rechunk=True)  # one chunk: means do not depend on the batch size
    board = scoreboard(res)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "scoreboard.json").write_text(json.dumps(board, indent=2))
        (out / "scoreboard.md").write_text(scoreboard_markdown(board))
        res.write_csv(out / "residuals.csv")
    return board


RESIDUAL_COLUMNS = [
    "source",
    "certificate_number",
    "schema_type",
    "sap_version",
    "is_target",
    "built_form",
    "age_band",
    "main_fuel_register",
    "lodged_sap_rating",
    "sap_rating",
    "sap_residual",
    "lodged_band",
    "band",
    "band_agrees",
    "lodged_co2_t_per_year",
    "co2_kg_per_year",
    "co2_t_residual",
    "lodged_primary_energy_kwh_per_m2",
    "primary_energy_kwh_per_m2",
    "pe_residual",
    "pcdb_fallback",
    "pcdb_revision",
    "approximations",  # codes joined by ";" (approximations.csv says what each assumed)
    "error",
]
