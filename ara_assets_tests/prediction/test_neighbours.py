"""Neighbour weighting: nearness levels, likeness factors, top-k and determinism."""

from __future__ import annotations

import polars as pl
import pytest

from ara_assets.prediction.features import kind_of, location_frame, street_of
from ara_assets.prediction.neighbours import (
    AGE_ADJACENT,
    FLAT_NAMED_OTHER,
    FLAT_NOT_NAMED,
    MISMATCH,
    NEARNESS,
    neighbour_pairs,
)


def _loc(rows: list[tuple[int, str, str]]) -> pl.DataFrame:
    return location_frame(pl.DataFrame(rows, schema=["property_id", "postcode", "address"], orient="row"))


def test_street_and_kind_come_from_the_address() -> None:
    assert street_of("Flat 3, 12 Demo Street, Exampleton") == "demo street"
    assert street_of("4a Sample Road, Testbury") == "sample road"
    assert street_of("The Old Mill, Testbury") is None
    assert kind_of("Flat 3, 12 Demo Street, Town") == "flat" and kind_of("12 Demo Street, Town") is None
    addresses = ["Flat 3, 12 Demo Street, Exampleton", "4a Sample Road, Testbury", "The Old Mill, Testbury",
                 "12 Demo Street, Town", "Maisonette 2, 7-9 Long Lane, Town"]  # fmt: skip
    frame = _loc([(i, "SE15 1CC", a) for i, a in enumerate(addresses)])
    # the vectorised location frame follows the same rules as the functions
    assert frame["street"].to_list() == [
        None if street_of(a) is None else f"SE15|{street_of(a)}" for a in addresses
    ]
    assert frame["kind"].to_list() == [kind_of(a) for a in addresses]
    loc = _loc([(1, "se15  1cc", "12 Demo Street, Town")]).row(0, named=True)
    assert loc["postcode"] == "SE15 1CC" and loc["district"] == "SE15" and loc["area"] == "SE"
    assert loc["street"] == "SE15|demo street"


def test_nearness_levels_order_postcode_street_district_area() -> None:
    target = _loc([(1, "SE15 1CC", "1 Demo Street, Town")])
    pool = _loc(
        [
            (2, "SE15 1CC", "3 Demo Street, Town"),  # same postcode
            (3, "SE15 2CC", "40 Demo Street, Town"),  # same street, other postcode
            (4, "SE15 3CC", "5 Sample Road, Town"),  # same district
            (5, "SE22 1CC", "5 Other Road, Town"),  # same area
        ]
    ).with_columns(pl.lit("0").alias("property_type"))
    pairs = neighbour_pairs(target, pool)
    got = {r["neighbour_id"]: (r["level"], r["weight"]) for r in pairs.iter_rows(named=True)}
    assert got == {
        2: ("postcode", NEARNESS["postcode"]),
        3: ("street", NEARNESS["street"]),
        4: ("district", NEARNESS["district"]),
        5: ("area", NEARNESS["area"]),
    }
    assert pairs["neighbour_id"].to_list() == [2, 3, 4, 5]  # heaviest first


def test_a_target_alone_in_its_area_looks_elsewhere_and_is_never_its_own_neighbour() -> None:
    target = _loc([(1, "NE6 1CC", "1 A Street, T")])
    pool = _loc([(1, "NE6 1CC", "1 A Street, T"), (9, "PL2 1CC", "2 B Street, T")])
    pairs = neighbour_pairs(target, pool.with_columns(pl.lit("0").alias("property_type")))
    assert pairs.select("neighbour_id", "level").rows() == [(9, "elsewhere")]


def test_likeness_multiplies_type_built_form_and_age_factors() -> None:
    target = _loc([(1, "SE15 1CC", "1 Demo Street, Town")]).with_columns(
        pl.lit("0").alias("property_type"), pl.lit("4").alias("built_form"), pl.lit("D").alias("age_band")
    )
    pool = _loc([(i, "SE15 1CC", f"{i} Demo Street, Town") for i in range(2, 7)]).with_columns(
        pl.Series("property_type", ["0", "1", "0", "0", "2"]),
        pl.Series("built_form", ["4", "4", "2", "4", "4"]),
        pl.Series("age_band", ["D", "D", "D", "E", "G"]),
    )
    got = dict(neighbour_pairs(target, pool).select("neighbour_id", "likeness").rows())
    assert got[2] == pytest.approx(1.0)
    assert got[3] == pytest.approx(MISMATCH["property_type"])
    assert got[4] == pytest.approx(MISMATCH["built_form"])
    assert got[5] == pytest.approx(AGE_ADJACENT)
    # a flat (type 2) for a target whose address names no flat, of another type and a far age band
    assert got[6] == pytest.approx(FLAT_NOT_NAMED * MISMATCH["property_type"] * MISMATCH["age_band"])


def test_an_address_naming_a_flat_prefers_flats() -> None:
    target = _loc([(1, "SE15 1CC", "Flat 2, 1 Demo Street, Town")])
    pool = _loc([(2, "SE15 1CC", "3 Demo Street, Town"), (3, "SE15 1CC", "Flat 1, 3 Demo Street, Town")])
    pool = pool.with_columns(pl.Series("property_type", ["0", "2"]))
    got = dict(neighbour_pairs(target, pool).select("neighbour_id", "weight").rows())
    assert got == {2: pytest.approx(FLAT_NAMED_OTHER), 3: pytest.approx(1.0)}


def test_top_k_keeps_the_heaviest_with_ties_to_the_smaller_id() -> None:
    target = _loc([(1, "SE15 1CC", "1 Demo Street, Town")])
    pool = _loc([(i, "SE15 1CC", f"{i} Demo Street, Town") for i in range(30, 1, -1)])
    pairs = neighbour_pairs(target, pool.with_columns(pl.lit("0").alias("property_type")), top_k=3)
    assert pairs["neighbour_id"].to_list() == [2, 3, 4]


def _every_pair(targets: pl.DataFrame, pool: pl.DataFrame, top_k: int) -> pl.DataFrame:
    """The ranking by brute force: every pair in the area (anywhere for a target alone in its area)."""
    from ara_assets.prediction.neighbours import likeness_expr, nearness_expr

    p = pool.rename({c: f"{c}_n" for c in pool.columns}).rename({"property_id_n": "neighbour_id"})
    pairs = targets.join(p, how="cross").filter(pl.col("property_id") != pl.col("neighbour_id"))
    in_area = pairs.filter(pl.col("area") == pl.col("area_n"))
    alone = pairs.join(in_area.select("property_id").unique(), on="property_id", how="anti")
    out = pl.concat([in_area, alone]).with_columns(
        nearness_expr().alias("level"), likeness_expr().alias("likeness")
    )
    out = out.with_columns(
        (pl.col("level").replace_strict(NEARNESS, return_dtype=pl.Float64) * pl.col("likeness")).alias(
            "weight"
        )
    )
    return (
        out.sort(["property_id", "weight", "neighbour_id"], descending=[False, True, False])
        .group_by("property_id", maintain_order=True)
        .head(top_k)
        .select("property_id", "neighbour_id", "weight")
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_level_candidates_rank_as_every_pair_would(seed: int) -> None:
    # Few postcodes, streets and classes: many ties, classes larger than top_k, targets in the pool.
    import random

    rng = random.Random(seed)
    postcodes = ["SE15 1CC", "SE15 2CC", "SE22 1CC", "NE6 1CC", "ZZ9 9CC"]
    streets = ["Demo Street", "Sample Road", "Long Lane"]
    rows = [
        (i, rng.choice(postcodes), f"{'Flat 1, ' if rng.random() < 0.2 else ''}{i} {rng.choice(streets)}, T")
        for i in range(1, 301)
    ]
    homes = _loc(rows).with_columns(
        pl.Series("property_type", [rng.choice(["0", "1", "2", None]) for _ in rows]),
        pl.Series("built_form", [rng.choice(["1", "2", "4"]) for _ in rows]),
        pl.Series("age_band", [rng.choice("ABCDE") for _ in rows]),
    )
    pool = homes.filter(pl.col("postcode") != "ZZ9 9CC")  # ZZ homes have no area-mate: they look anywhere
    targets = homes.filter(pl.col("property_id") % 3 == 0)
    for top_k in (3, 10):
        got = neighbour_pairs(targets, pool, top_k=top_k).select("property_id", "neighbour_id", "weight")
        want = _every_pair(targets, pool, top_k)
        assert got.height == want.height > 0
        assert got.rows() == want.rows()
