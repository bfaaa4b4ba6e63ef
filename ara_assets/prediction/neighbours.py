"""Comparable homes of each target, weighted by nearness and likeness (vectorised in polars).

weight = nearness x likeness, where

- nearness is the closest location level the two homes share: the same postcode (1.0), the same street
  in the same district (0.8), the same district (0.1), the same postcode area (0.02; the nearest stand-in
  for the local authority the properties table carries) or, when the area holds no certificate, anywhere
  (0.002). The ratios say that one neighbour on the street outweighs ten across the district: streets are
  built and refitted together (DESIGN assumption; docs/adr/0018-predicted-epc.md).
- likeness multiplies one factor per attribute known for the target: property type, built form and age
  band count 1 when equal; a mismatch counts 0.3 (type, age band) or 0.5 (built form); an age band next to
  the target's counts 0.6. An address naming a flat keeps flats at 1 and other homes at 0.1; an address
  naming none keeps flats at 0.3 (most homes whose address names no flat are not flats).

Each target keeps its `TOP_K` heaviest neighbours; ties go to the smaller neighbour id, so the result is
deterministic. A home is never its own neighbour (leave-one-out for free).
"""

from __future__ import annotations

import polars as pl

NEARNESS: dict[str, float] = {
    "postcode": 1.0,
    "street": 0.8,
    "district": 0.1,
    "area": 0.02,
    "elsewhere": 0.002,
}
MISMATCH: dict[str, float] = {"property_type": 0.3, "built_form": 0.5, "age_band": 0.3}
AGE_ADJACENT = 0.6
FLAT_NAMED_OTHER = 0.1
FLAT_NOT_NAMED = 0.3
TOP_K = 25

LOCATION_COLUMNS = ("postcode", "street", "district", "area", "kind")
LIKENESS_COLUMNS = ("property_type", "built_form", "age_band")
_AGES = "ABCDEFGHIJKLM"


def _ensure(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    return frame.with_columns([pl.lit(None, pl.String).alias(c) for c in columns if c not in frame.columns])


def _age_index(col: pl.Expr) -> pl.Expr:
    return col.replace_strict({a: i for i, a in enumerate(_AGES)}, default=None, return_dtype=pl.Int64)


def nearness_expr() -> pl.Expr:
    """The nearness of a pair frame holding target columns and neighbour columns suffixed `_n`."""
    level = (
        pl.when(pl.col("postcode") == pl.col("postcode_n"))
        .then(pl.lit("postcode"))
        .when(pl.col("street").is_not_null() & (pl.col("street") == pl.col("street_n")))
        .then(pl.lit("street"))
        .when(pl.col("district") == pl.col("district_n"))
        .then(pl.lit("district"))
        .when(pl.col("area") == pl.col("area_n"))
        .then(pl.lit("area"))
        .otherwise(pl.lit("elsewhere"))
    )
    return level


def likeness_expr() -> pl.Expr:
    """Product of the likeness factors (see the module docstring)."""
    neighbour_flat = pl.col("property_type_n").is_in(list(("2", "3")))
    kind = (
        pl.when(pl.col("kind") == "flat")
        .then(pl.when(neighbour_flat).then(1.0).otherwise(FLAT_NAMED_OTHER))
        .otherwise(pl.when(neighbour_flat).then(FLAT_NOT_NAMED).otherwise(1.0))
    )
    factor = kind
    for column, mismatch in MISMATCH.items():
        known = pl.col(column).is_not_null()
        same = pl.col(column) == pl.col(f"{column}_n")
        if column == "age_band":
            gap = (_age_index(pl.col(column)) - _age_index(pl.col(f"{column}_n"))).abs()
            miss = pl.when(gap == 1).then(AGE_ADJACENT).otherwise(mismatch)
        else:
            miss = pl.lit(mismatch)
        factor = factor * pl.when(~known | same.fill_null(False)).then(1.0).otherwise(miss)
    return factor


def neighbour_pairs(targets: pl.DataFrame, pool: pl.DataFrame, top_k: int = TOP_K) -> pl.DataFrame:
    """The weighted neighbours of each target.

    targets: property_id, postcode, street, district, area, kind, and optionally property_type,
             built_form, age_band (null where not known).
    pool:    property_id and the same columns (the comparable homes with certificates; their
             property_type, built_form and age_band come from their certificates).
    Output:  property_id, neighbour_id, level, nearness, likeness, weight; `top_k` rows per target at
             most, heaviest first.

    Every home of the target's postcode area is weighed (anywhere when the area holds none), but not
    pair by pair: that is targets x area, a billion rows for 100,000 homes in a few areas. The
    candidates come level by level (`_level_candidates`), and the exact weights and ranking are
    computed on them only; the result is the same as weighing every pair.
    """
    cols = ("property_id", *LOCATION_COLUMNS, *LIKENESS_COLUMNS)
    t = _ensure(targets, LOCATION_COLUMNS + LIKENESS_COLUMNS).select(cols)
    p = _ensure(pool, LOCATION_COLUMNS + LIKENESS_COLUMNS).select(cols)
    p = p.rename({c: f"{c}_n" for c in cols}).rename({"property_id_n": "neighbour_id"})
    found = [_level_candidates(t, p, [level], top_k) for level in ("postcode", "street", "district", "area")]
    near = pl.concat(found).filter(pl.col("property_id") != pl.col("neighbour_id"))
    lonely = t.join(near.select("property_id").unique(), on="property_id", how="anti")
    if lonely.height:
        everywhere = _level_candidates(
            lonely.with_columns(pl.lit(0).alias("_all")), p.with_columns(pl.lit(0).alias("_all_n")), ["_all"],
            top_k,
        )  # fmt: skip
        near = pl.concat([near, everywhere])
    pairs = (
        near.unique()
        .filter(pl.col("property_id") != pl.col("neighbour_id"))
        .join(t, on="property_id")
        .join(p, on="neighbour_id")
    )
    out = pairs.with_columns(nearness_expr().alias("level"), likeness_expr().alias("likeness")).with_columns(
        pl.col("level").replace_strict(NEARNESS, return_dtype=pl.Float64).alias("nearness")
    )
    out = out.with_columns((pl.col("nearness") * pl.col("likeness")).alias("weight"))
    return (
        out.select("property_id", "neighbour_id", "level", "nearness", "likeness", "weight")
        .sort(["property_id", "weight", "neighbour_id"], descending=[False, True, False])
        .group_by("property_id", maintain_order=True)
        .head(top_k)
    )


def _level_candidates(t: pl.DataFrame, p: pl.DataFrame, key: list[str], top_k: int) -> pl.DataFrame:
    """(property_id, neighbour_id) pairs sharing `key` that can be among a target's `top_k`.

    Within one key, the pool's homes fall into likeness classes (property type, built form, age band):
    every home of a class weighs the same to a given target at this level or closer. So of a class only
    the `top_k + 1` smallest ids can place (the rest lose the tie-break to them; the +1 allows for the
    target itself), and a class less alike than the one that fills `top_k + 1` places cannot place at all
    (that many are strictly heavier). Neither cut can drop a home the full ranking would keep.
    """
    key_n = [f"{k}_n" for k in key]
    classes = (
        p.drop_nulls(key_n)
        .sort("neighbour_id")
        .group_by([*key_n, *(f"{c}_n" for c in LIKENESS_COLUMNS)])
        .agg(pl.col("neighbour_id").head(top_k + 1).alias("ids"))
    )
    scored = (
        t.drop_nulls(key)
        .join(classes, left_on=key, right_on=key_n)
        .with_columns(likeness_expr().alias("likeness"), pl.col("ids").list.len().alias("places"))
        .sort(["property_id", "likeness"], descending=[False, True])
        .with_columns(pl.col("places").cum_sum().over("property_id").alias("filled"))
    )
    cutoff = (
        scored.filter(pl.col("filled") >= top_k + 1)
        .group_by("property_id")
        .agg(pl.col("likeness").max().alias("cutoff"))
    )
    return (
        scored.join(cutoff, on="property_id", how="left")
        .filter(pl.col("cutoff").is_null() | (pl.col("likeness") >= pl.col("cutoff")))
        .select("property_id", pl.col("ids").alias("neighbour_id"))
        .explode("neighbour_id")
    )
