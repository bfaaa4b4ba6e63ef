"""`ara export plans`: one row per home and phase plus one per measure, in csv, parquet and xlsx."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import polars as pl

from ara_assets.report.export import export_plans, plan_rows
from ara_assets_tests.report.bundle import bundle


def test_rows_are_home_phases_then_their_measures() -> None:
    rows = plan_rows(bundle())
    assert rows.filter(pl.col("row") == "phase").height == 6  # 3 homes x 2 phases
    assert rows.filter(pl.col("row") == "measure").height == 2
    first = rows.filter(pl.col("property_id") == 1).head(2)
    assert first["row"].to_list() == ["phase", "measure"]
    assert first["package"][0] == "loft_270mm" and first["measure_cost_gbp"][1] == 900.0


def test_csv_parquet_and_xlsx(tmp_path: Path) -> None:
    b = bundle()
    assert export_plans(b, "csv", tmp_path / "p.csv") == 8
    assert pl.read_csv(tmp_path / "p.csv").height == 8
    export_plans(b, "parquet", tmp_path / "p.parquet")
    assert pl.read_parquet(tmp_path / "p.parquet")["grant_gbp"].sum() == 600.0 + 1666.67
    export_plans(b, "xlsx", tmp_path / "p.xlsx")
    with zipfile.ZipFile(tmp_path / "p.xlsx") as book:
        sheets = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())
        scenario_sheet = book.read("xl/worksheets/sheet2.xml").decode()
    assert sheets == ["summary", "s"]
    # header + 6 phase rows + 2 measure rows
    assert len(re.findall(r"<row ", scenario_sheet)) == 9
