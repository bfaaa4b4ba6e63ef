"""Asset metadata an analyst can read in the Dagster UI: markdown tables, the standard row count and column
schema, table previews; counts and where to look, never lists of ids (the warehouse and `ara` hold those)."""

from collections.abc import Sequence
from typing import Any

import dagster as dg
import polars as pl

_KINDS = {
    pl.Int8: "int", pl.Int16: "int", pl.Int32: "int", pl.Int64: "int", pl.UInt32: "int", pl.UInt64: "int",
    pl.Float32: "float", pl.Float64: "float", pl.Boolean: "bool", pl.String: "string", pl.Date: "date",
    pl.Datetime: "datetime", pl.Categorical: "string",
}  # fmt: skip


def _kind(dtype: pl.DataType) -> str:
    for base, name in _KINDS.items():
        if dtype == base:
            return name
    return str(dtype).lower()


def standard(frame: pl.DataFrame) -> dict[str, Any]:
    """`dagster/row_count` and `dagster/column_schema` of a frame."""
    schema = dg.TableSchema(columns=[dg.TableColumn(name=c, type=_kind(t)) for c, t in frame.schema.items()])
    return {"dagster/row_count": frame.height, "dagster/column_schema": schema}


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> dg.MetadataValue:
    """A markdown table (cells shown as given; None as blank)."""
    line = "| " + " | ".join(headers) + " |\n|" + "|".join("---" for _ in headers) + "|\n"
    body = "".join("| " + " | ".join("" if v is None else str(v) for v in r) + " |\n" for r in rows)
    return dg.MetadataValue.md(line + body)


def band_table(columns: dict[str, dict[str, int]]) -> dg.MetadataValue:
    """Bands A-G as rows, one column per named count mapping (e.g. lodged, effective)."""
    bands = ["A", "B", "C", "D", "E", "F", "G"]
    return md_table(["band", *columns], [[b, *[c.get(b, 0) for c in columns.values()]] for b in bands])


def preview(frame: pl.DataFrame, limit: int = 25) -> dg.MetadataValue:
    """The first `limit` rows as a Dagster table (strings), with its schema."""
    head = frame.head(limit)
    records = [
        dg.TableRecord(
            {
                k: ("" if v is None else v if isinstance(v, int | float | bool) else str(v))
                for k, v in row.items()
            }
        )
        for row in head.iter_rows(named=True)
    ]
    schema = dg.TableSchema(columns=[dg.TableColumn(name=c, type=_kind(t)) for c, t in head.schema.items()])
    return dg.MetadataValue.table(records, schema=schema)


def money(x: Any) -> str:
    return "" if x is None else f"£{float(x):,.0f}"


def rollup_table(rolled: list[dict[str, Any]]) -> dg.MetadataValue:
    """Each scenario's phases: target, homes reaching it, cost, grant, net cost, misses by reason."""
    rows = []
    for s in rolled:
        for p in s["phases"]:
            m = p["missed_by_reason"]
            rows.append([
                s["scenario"], f"{p['phase']}. {p['phase_name']}", f"{p['goal']} by {p['target_year']}",
                p["homes"],
                p["homes_reaching_target"], money(p["total_cost_gbp"]), money(p["grant_gbp"]),
                money(p["net_cost_gbp"]), m["not_modelled"], m["no_eligible_measure"], m["budget_limit"],
                m["max_achievable_below_target"],
            ])  # fmt: skip
    return md_table(
        ["scenario", "phase", "target", "homes modelled", "reach target", "cost", "grant", "net cost",
         "not modelled", "no eligible measure", "budget limit", "best falls short"],
        rows,
    )  # fmt: skip
