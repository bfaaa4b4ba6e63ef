"""Leave-one-out validation of the predicted EPC over the homes that have certificates.

Each home with an effective EPC from a certificate is predicted from all the *other* homes (a home is
never its own neighbour), knowing only what a home without a certificate would offer: its address and
postcode. Both the predicted and the real document are scored by the same SAP 10.2 calculator, so the
comparison isolates the prediction (the calculated SAP of the real certificate is the reference, not
its lodged rating). `sap_sd_by_confidence` is the residual spread per confidence bin, the source of the
predicted path's SAP standard deviation (`ara_assets.baseline.uncertainty`).
"""

from __future__ import annotations

import json
from typing import Any, cast

import numpy as np
import polars as pl

from ara_assets.baseline.performance import score_effective
from ara_assets.epc.bands import band_expr
from ara_assets.prediction.features import CATEGORICAL_FIELDS, features_frame
from ara_assets.prediction.predict import predict_epcs

# Confidence bins of the residual table (lower edges); the last bin is open above.
CONFIDENCE_BINS: tuple[float, ...] = (0.0, 0.6, 0.7, 0.75, 0.8, 0.85)


def _mean(values: pl.Series) -> float | None:
    """The mean of a numeric series, None when it holds no value. polars types `Series.mean()` as any Python
    literal whatever the dtype; on a float series it is a float."""
    value = values.mean()
    return None if value is None else float(cast(float, value))


def leave_one_out(homes: pl.DataFrame) -> tuple[dict[str, Any], pl.DataFrame]:
    """Metrics and per-home residuals.

    homes: property_id, uprn, postcode, address, document (normalised register JSON text) of the homes
    with certificates. Returns ({homes, sap_mae, within_5_sap, within_15_sap, band_agreement,
    floor_area_mape, fields, sap_sd_by_confidence}, per-home frame).
    """
    predicted = predict_epcs(homes.select("property_id", "uprn", "postcode", "address"), homes)
    real = score_effective(homes.select("property_id", "document"))
    guess = score_effective(predicted.select("property_id", "document"))
    per_home = (
        real.select(
            "property_id",
            pl.col("calculated_sap_rating").alias("sap_real"),
            pl.col("total_floor_area_m2").alias("area_real"),
        )  # fmt: skip
        .join(
            guess.select(
                "property_id",
                pl.col("calculated_sap_rating").alias("sap_predicted"),
                pl.col("total_floor_area_m2").alias("area_predicted"),
            ),  # fmt: skip
            on="property_id",
        )
        .join(predicted.select("property_id", "confidence", "nearest_level"), on="property_id")
        .drop_nulls(["sap_real", "sap_predicted"])
        .with_columns(
            (pl.col("sap_predicted") - pl.col("sap_real")).alias("residual"),
            band_expr(pl.col("sap_real").round(0).cast(pl.Int64)).alias("band_real"),
            band_expr(pl.col("sap_predicted").round(0).cast(pl.Int64)).alias("band_predicted"),
        )
        .sort("property_id")
    )
    n = per_home.height
    err = per_home["residual"].abs()
    real_features = features_frame(homes["property_id"].to_list(), [json.loads(d) for d in homes["document"]])
    guess_features = features_frame(
        predicted["property_id"].to_list(), [json.loads(d) for d in predicted["document"]]
    )
    both = real_features.join(guess_features, on="property_id", suffix="_p").join(
        per_home.select("property_id"), on="property_id", how="semi"
    )
    fields = {
        f: round(
            float(
                (both[f] == both[f"{f}_p"]).fill_null(both[f].is_null() & both[f"{f}_p"].is_null()).mean()
                or 0.0
            ),
            4,
        )  # fmt: skip
        for f in CATEGORICAL_FIELDS
    }
    area_err = _mean((per_home["area_predicted"] - per_home["area_real"]).abs() / per_home["area_real"])
    metrics = {
        "homes": n,
        "sap_mae": round(float(err.mean()), 3) if n else None,
        "within_5_sap": round(float((err <= 5).mean()), 4) if n else None,
        "within_15_sap": round(float((err <= 15).mean()), 4) if n else None,
        "band_agreement": round(float((per_home["band_real"] == per_home["band_predicted"]).mean()), 4)
        if n
        else None,
        "floor_area_mape": round(area_err, 4) if n and area_err is not None else None,
        "fields": fields,
        "sap_sd_by_confidence": sd_by_confidence(per_home),
    }
    return metrics, per_home


def sd_by_confidence(per_home: pl.DataFrame) -> list[dict[str, float | int]]:
    """Root-mean-square residual per confidence bin: [{confidence_from, homes, sap_sd}]."""
    edges = np.asarray(CONFIDENCE_BINS)
    conf = per_home["confidence"].to_numpy()
    res = per_home["residual"].to_numpy()
    which = np.searchsorted(edges, conf, side="right") - 1
    out: list[dict[str, float | int]] = []
    for i, lower in enumerate(edges):
        r = res[which == i]
        if r.size:
            out.append({"confidence_from": float(lower), "homes": int(r.size),
                        "sap_sd": round(float(np.sqrt(np.mean(r**2))), 3)})  # fmt: skip
    return out
