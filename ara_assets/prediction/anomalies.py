"""Anomaly flags: a lodged field that contradicts a strong consensus of near, alike neighbours.

Rule (pinned by ara_assets_tests/prediction/test_anomalies.py): for a home with a certificate and each
field of `CHECKED_FIELDS`, take its *near, alike* neighbours: certificates in the same postcode or on the
same street, of the same property type and age band. When at least `MIN_NEIGHBOURS` of them state the
field and at least `CONSENSUS_SHARE` of those hold one value different from the home's, and no more
than `MAX_SAME_SHARE` hold the home's own value, the field is flagged with the consensus value, the counts
and the neighbours. Example: 'cavity filled' where 18 of 20 same-age neighbours on the street are 'as
built' (share 0.9, own 0.1) is flagged. Roof fields are checked on houses and bungalows only (a flat's
roof follows its storey). Flags are evidence for the landlord: nothing is changed.
"""

from __future__ import annotations

import json

import polars as pl

from ara_assets.prediction.features import features_frame, location_frame, stored_features

CHECKED_FIELDS: tuple[str, ...] = (
    "wall_construction",
    "wall_insulation_type",
    "roof_construction",
    "roof_insulation_thickness",
    "glazing_type",
    "main_heating_code",
    "main_fuel",
)
# A flat's roof depends on its storey (a dwelling above, or the block's roof), not on its neighbours:
# roof fields are checked on houses and bungalows only. PV is a home's own choice and is not checked.
HOUSE_ONLY_FIELDS = ("roof_construction", "roof_insulation_thickness")
MIN_NEIGHBOURS = 8
CONSENSUS_SHARE = 0.85
MAX_SAME_SHARE = 0.10
EVIDENCE = 10

ANOMALY_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "field": pl.String(),
    "lodged_value": pl.String(),
    "consensus_value": pl.String(),
    "consensus_count": pl.Int64(),
    "same_count": pl.Int64(),
    "neighbours_stating": pl.Int64(),
    "evidence": pl.String(),
}


def flag_anomalies_in(loc: pl.DataFrame, feats: pl.DataFrame) -> pl.DataFrame:
    """The rule over location keys (`location_frame`) and components (`features_frame`) of the same homes."""
    homes = loc.join(feats, on="property_id").with_columns(
        [
            pl.when(pl.col("property_type").is_in(["0", "1"])).then(pl.col(f)).otherwise(None).alias(f)
            for f in HOUSE_ONLY_FIELDS
        ]
    )
    keep = ["property_id", "postcode", "street", "property_type", "age_band"]
    left = homes.select(keep)
    right = homes.select(keep).rename({c: f"{c}_n" for c in keep})
    # Same type and age band, in the same postcode or on the same street: joined place by place (a join
    # on type and age band alone, filtered after, pairs every such home of the portfolio: 10^8 rows at
    # 100,000 homes).
    alike = ["property_type", "age_band"]
    pairs = (
        pl.concat(
            [
                left.join(
                    right, left_on=[*alike, place], right_on=[f"{c}_n" for c in (*alike, place)]
                ).select("property_id", pl.col("property_id_n").alias("neighbour_id"))
                for place in ("postcode", "street")
            ]
        )
        .unique()
        .filter(pl.col("property_id") != pl.col("neighbour_id"))
    )
    if pairs.is_empty():
        return pl.DataFrame(schema=ANOMALY_SCHEMA)
    own = homes.select("property_id", *CHECKED_FIELDS).unpivot(
        index="property_id", on=list(CHECKED_FIELDS), variable_name="field", value_name="lodged_value"
    )
    theirs = (
        pairs.join(
            homes.select(pl.col("property_id").alias("neighbour_id"), *CHECKED_FIELDS), on="neighbour_id"
        )
        .unpivot(
            index=["property_id", "neighbour_id"],
            on=list(CHECKED_FIELDS),
            variable_name="field",
            value_name="value",
        )  # fmt: skip
        .filter(pl.col("value").is_not_null())
    )
    counts = (
        theirs.group_by("property_id", "field", "value")
        .agg(pl.len().alias("count"), pl.col("neighbour_id").sort().head(EVIDENCE).alias("ids"))
        .with_columns(pl.col("count").sum().over("property_id", "field").alias("neighbours_stating"))
        .join(own, on=["property_id", "field"])
    )
    same = counts.filter(pl.col("value") == pl.col("lodged_value")).select(
        "property_id", "field", pl.col("count").alias("same_count")
    )
    consensus = (
        counts.filter(pl.col("value") != pl.col("lodged_value"))
        .sort(["property_id", "field", "count", "value"], descending=[False, False, True, False])
        .unique(["property_id", "field"], keep="first", maintain_order=True)
        .join(same, on=["property_id", "field"], how="left")
        .with_columns(pl.col("same_count").fill_null(0))
    )
    flagged = consensus.filter(
        (pl.col("neighbours_stating") >= MIN_NEIGHBOURS)
        & (pl.col("count") >= CONSENSUS_SHARE * pl.col("neighbours_stating"))
        & (pl.col("same_count") <= MAX_SAME_SHARE * pl.col("neighbours_stating"))
        & pl.col("lodged_value").is_not_null()
    )
    return flagged.select(
        pl.col("property_id").cast(pl.Int64),
        "field",
        "lodged_value",
        pl.col("value").alias("consensus_value"),
        pl.col("count").cast(pl.Int64).alias("consensus_count"),
        pl.col("same_count").cast(pl.Int64),
        pl.col("neighbours_stating").cast(pl.Int64),
        pl.col("ids")
        .map_elements(lambda ids: json.dumps([int(i) for i in ids]), return_dtype=pl.String)
        .alias("evidence"),
    ).sort("property_id", "field")


def flag_anomalies(homes: pl.DataFrame) -> pl.DataFrame:
    """Anomaly flags of homes with certificates: property_id, postcode, address, and either `features` (the
    components the effective EPC keeps, `features.FEATURES_DTYPE`) or `document` (JSON text, parsed here)."""
    if homes.is_empty():
        return pl.DataFrame(schema=ANOMALY_SCHEMA)
    if "features" in homes.columns:
        features = stored_features(homes)
    else:
        docs = [json.loads(d) for d in homes["document"].to_list()]
        features = features_frame(homes["property_id"].to_list(), docs)
    return flag_anomalies_in(location_frame(homes), features)
