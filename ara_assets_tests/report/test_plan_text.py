"""`ara plan show`: the home now names both the effective SAP and the calculated SAP a plan starts from."""

from __future__ import annotations

import polars as pl

from ara_assets.report.text import plan_text
from ara_assets_tests.report.bundle import bundle


def test_the_home_now_shows_the_calculated_sap_the_plan_starts_from() -> None:
    b = bundle()
    # home 2: lodged (effective) SAP 50, calculated 45; its plan starts at the calculated figure
    home = b.properties.filter(pl.col("property_id") == 2).row(0, named=True)
    home |= b.baseline.filter(pl.col("property_id") == 2).row(0, named=True)
    home |= {"effective_sap_rating": 50.0, "calculated_sap_rating": 45.0}
    phases = b.phases.filter(pl.col("property_id") == 2).with_columns(pl.lit(45.0).alias("sap_before"))
    text = plan_text("test", home, phases, b.measures.filter(pl.col("property_id") == 2), b.grants)
    line = next(ln for ln in text.splitlines() if "plans start here" in ln)
    assert "45.0" in line
    assert "E (50.0)" in text
