"""How sure a baseline SAP is: a standard deviation per home by source path (data/sap_spread.json).

- `epc` / `epc_with_overrides`, current edition: the repeat-assessment spread at the home's SAP (about 8
  points at SAP 35 narrowing to 2.4 at SAP 85, linear between, flat outside);
- rebaselined from a pre-SAP 10 certificate: that spread times 1.5 (assumption, see the data file);
- `predicted`: the leave-one-out residual spread at the prediction's confidence (step function over the
  confidence bins of `ara predict validate`);
- `site_notes`: 2.0 (a full survey).

Pure: polars expressions over the baseline frame.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import polars as pl


@cache
def spread_table() -> dict[str, Any]:
    text = resources.files("ara_assets.baseline").joinpath("data/sap_spread.json").read_text("utf-8")
    return json.loads(text)


def lodged_sd_expr(sap: pl.Expr) -> pl.Expr:
    """Repeat-assessment spread at SAP `sap`: linear between the two anchors, flat outside."""
    (s0, d0), (s1, d1) = spread_table()["lodged"]["anchors"]
    slope = (d1 - d0) / (s1 - s0)
    return (pl.lit(d0) + (sap.clip(s0, s1) - s0) * slope).cast(pl.Float64)


def predicted_sd_expr(confidence: pl.Expr) -> pl.Expr:
    """Leave-one-out residual spread at a prediction's confidence (the bin whose lower edge it reaches)."""
    rows = spread_table()["predicted"]["by_confidence"]
    expr = pl.lit(float(rows[0][1]))
    for lower, sd in rows[1:]:
        expr = pl.when(confidence >= lower).then(pl.lit(float(sd))).otherwise(expr)
    return expr


def sap_sd_expr() -> pl.Expr:
    """The baseline's SAP standard deviation from source_path, rebaseline_reason, effective_sap_rating and
    prediction_confidence (null where the home has no effective SAP)."""
    table = spread_table()
    lodged = lodged_sd_expr(pl.col("effective_sap_rating"))
    pre = pl.col("rebaseline_reason").is_in(["pre_sap10", "both"])
    sd = (
        pl.when(pl.col("effective_sap_rating").is_null())
        .then(pl.lit(None, pl.Float64))
        .when(pl.col("source_path") == "site_notes")
        .then(pl.lit(float(table["site_notes"]["sd"])))
        .when(pl.col("source_path") == "predicted")
        .then(predicted_sd_expr(pl.col("prediction_confidence").fill_null(0.0)))
        .when(pre)
        .then(lodged * float(table["rebaselined_pre_sap10"]["factor"]))
        .otherwise(lodged)
    )
    return sd.alias("effective_sap_sd")
