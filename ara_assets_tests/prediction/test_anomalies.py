"""The anomaly rule: a lodged field against a strong consensus of near, alike neighbours."""

from __future__ import annotations

import polars as pl

from ara_assets.prediction.anomalies import flag_anomalies_in
from ara_assets.prediction.features import CATEGORICAL_FIELDS, FEATURE_SCHEMA


def _street(
    values: list[str], age: str = "D", postcode: str = "SE15 1CC"
) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = len(values)
    loc = pl.DataFrame(
        {"property_id": list(range(1, n + 1)), "postcode": [postcode] * n, "street": ["SE15|demo street"] * n,
         "district": ["SE15"] * n, "area": ["SE"] * n, "kind": [None] * n},
        schema_overrides={"kind": pl.String},
    )  # fmt: skip
    base = dict.fromkeys(CATEGORICAL_FIELDS, "x")
    rows = [{"property_id": i + 1, **base, "property_type": "0", "age_band": age, "wall_insulation_type": v,
             "total_floor_area": 70.0} for i, v in enumerate(values)]  # fmt: skip
    return loc, pl.DataFrame(rows, schema={"property_id": pl.Int64, **FEATURE_SCHEMA})


def test_cavity_filled_among_eighteen_of_twenty_as_built_is_flagged_with_evidence() -> None:
    # home 1 says filled (2); of its 20 neighbours 18 are as built (4), 2 filled
    loc, feats = _street(["2"] + ["4"] * 18 + ["2"] * 2)
    flags = flag_anomalies_in(loc, feats)
    mine = flags.filter(pl.col("property_id") == 1).row(0, named=True)
    assert mine["field"] == "wall_insulation_type" and mine["lodged_value"] == "2"
    assert mine["consensus_value"] == "4" and mine["consensus_count"] == 18
    assert mine["same_count"] == 2 and mine["neighbours_stating"] == 20
    assert len(mine["evidence"]) > 2
    # the two other filled homes see the same 18 of 20 and are flagged too; the as-built ones are not
    assert flags["property_id"].to_list() == [1, 20, 21]


def test_a_weaker_majority_or_too_few_neighbours_is_not_flagged() -> None:
    loc, feats = _street(["2"] + ["4"] * 14 + ["2"] * 6)  # 14 of 20: not a strong consensus
    assert flag_anomalies_in(loc, feats).is_empty()
    loc, feats = _street(["2"] + ["4"] * 6)  # unanimous, but only 6 neighbours
    assert flag_anomalies_in(loc, feats).is_empty()


def test_neighbours_of_another_age_band_are_not_alike() -> None:
    loc, feats = _street(["2"] + ["4"] * 18 + ["2"] * 2)
    feats = feats.with_columns(
        pl.when(pl.col("property_id") > 1).then(pl.lit("F")).otherwise(pl.col("age_band")).alias("age_band")
    )
    assert flag_anomalies_in(loc, feats).filter(pl.col("property_id") == 1).is_empty()


def test_a_top_floor_flat_roof_is_not_flagged_against_the_flats_below() -> None:
    loc, feats = _street(["4"] * 21)
    feats = feats.with_columns(
        pl.lit("2").alias("property_type"),
        pl.when(pl.col("property_id") == 1)
        .then(pl.lit("4"))
        .otherwise(pl.lit("3"))
        .alias("roof_construction"),
    )
    assert flag_anomalies_in(loc, feats).is_empty()
    # the same pattern among houses is flagged
    houses = feats.with_columns(pl.lit("0").alias("property_type"))
    assert flag_anomalies_in(loc, houses).select("property_id", "field").rows() == [(1, "roof_construction")]
