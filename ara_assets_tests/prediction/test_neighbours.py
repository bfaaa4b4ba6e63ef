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
