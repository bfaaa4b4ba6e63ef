"""`ara export plans`: every home's plan as a flat table, one row per home and phase plus one per measure.

Formats: csv (one file), parquet (one file, lists kept as lists), xlsx (written by XlsxWriter through
polars: a `summary` sheet with each scenario's roll-up, then one sheet per scenario).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import polars as pl

from ara_assets.modelling.rollup import rollup, with_grants
from ara_assets.report.load import PlanBundle

Format = Literal["csv", "xlsx", "parquet"]

PHASE_FIELDS = (
    "phase_name", "goal", "target_year", "band_before", "band_after", "sap_before", "sap_after",
    "cost_gbp", "grant_gbp", "net_cost_gbp", "cost_to_date_gbp", "reaches_target", "miss_reason",
    "miss_detail",
    "co2_before_t", "co2_after_t", "bill_before_gbp", "bill_after_gbp", "value_uplift_gbp", "mees_exemption",
)  # fmt: skip
MEASURE_FIELDS = ("install_order", "measure_type", "option_id", "quantity", "cost_gbp", "delta_sap",
                  "delta_co2_t", "delta_bill_gbp")  # fmt: skip


def plan_rows(bundle: PlanBundle, scenario: str | None = None) -> pl.DataFrame:
    """The export table: `row` is "phase" (the phase's totals, its package joined by "; ") or "measure"."""
    phases = bundle.phases if scenario is None else bundle.phases.filter(pl.col("scenario") == scenario)
    measures = bundle.measures if scenario is None else bundle.measures.filter(pl.col("scenario") == scenario)
    homes = bundle.properties.select("property_id", "uprn", "landlord_reference", "address", "postcode")
    extra = [c for c in ("probability_reaches_target",) if c in phases.columns]
    ph = phases.select(
        "scenario", "property_id", "phase", pl.lit("phase").alias("row"),
        pl.col("package").list.join("; ").alias("package"),
        *[pl.col(c) for c in PHASE_FIELDS if c in phases.columns], *extra,
    )  # fmt: skip
    me = measures.select(
        "scenario", "property_id", "phase", pl.lit("measure").alias("row"),
        *[pl.col(c).alias("measure_cost_gbp" if c == "cost_gbp" else c) for c in MEASURE_FIELDS],
    )  # fmt: skip
    out = pl.concat([ph, me], how="diagonal_relaxed").join(homes, on="property_id", how="left")
    first = ["scenario", "property_id", "uprn", "landlord_reference", "address", "postcode", "phase", "row"]
    out = out.select(*first, *[c for c in out.columns if c not in first])
    # phase row first, then its measures in install order
    key = pl.Series("_k", (out["row"] == "measure").to_numpy())
    return (
        out.with_columns(key)
        .sort("scenario", "property_id", "phase", "_k", "install_order", nulls_last=False)
        .drop("_k")
    )


def summary_rows(bundle: PlanBundle) -> pl.DataFrame:
    rolled = with_grants(rollup(bundle.phases), bundle.grants) if bundle.phases.height else []
    rows = []
    for s in rolled:
        for p in s["phases"]:
            rows.append(
                {
                    "scenario": s["scenario"],
                    "phase": p["phase"],
                    "phase_name": p["phase_name"],
                    "target": f"{p['goal']} by {p['target_year']}",
                    "homes_modelled": p["homes"],
                    "homes_reaching_target": p["homes_reaching_target"],
                    "total_cost_gbp": p["total_cost_gbp"],
                    "grant_gbp": p["grant_gbp"],
                    "net_cost_gbp": p["net_cost_gbp"],
                    "co2_saved_tonnes": p["co2_saved_tonnes"],
                    "bill_saved_gbp": p["bill_saved_gbp"],
                    **{f"missed_{k}": v for k, v in p["missed_by_reason"].items()},
                    "homes_not_modelled": s["not_modelled_count"],
                }
            )
    return pl.DataFrame(rows)


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:28] or "scenario"
    out, i = base, 2
    while out.lower() in used or out.lower() == "summary":
        out, i = f"{base[:26]}_{i}", i + 1
    used.add(out.lower())
    return out


def export_plans(bundle: PlanBundle, fmt: Format, out: Path, scenario: str | None = None) -> int:
    """Write the export; returns the number of data rows written (all sheets but the summary)."""
    rows = plan_rows(bundle, scenario)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        rows.write_parquet(out)
    elif fmt == "csv":
        rows.write_csv(out)
    elif fmt == "xlsx":
        import xlsxwriter

        with xlsxwriter.Workbook(str(out)) as wb:
            summary_rows(bundle).write_excel(wb, worksheet="summary", autofit=True, table_style=None)
            used: set[str] = set()
            for name in sorted(rows["scenario"].unique().to_list()):
                mine = rows.filter(pl.col("scenario") == name).drop("scenario")
                mine.write_excel(wb, worksheet=_sheet_name(name, used), autofit=True, table_style=None)
    else:
        raise ValueError(f"field 'format' value {fmt!r}: not one of csv, xlsx, parquet")
    return rows.height
