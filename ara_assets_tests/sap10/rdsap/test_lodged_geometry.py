"""Geometry as assessors lodge it: inconsistent openings and corridor walls are reconciled by the RdSAP 10
conventions (the main wall of the part), scored, and named as approximations; never refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ara_assets.sap10 import score_certificates
from ara_assets.sap10.approximations import registry
from ara_assets.sap10.rdsap import expand_certificate

GROSS = 18.5 * 2.4 + 18.5 * 2.65  # the synthetic semi's main wall, two storeys
DOORS = 2 * 1.85
WINDOWS = 1.44 + 2.16 + 1.0 + 1.2


def _flat(semi: dict[str, Any], corridor_length: float) -> dict[str, Any]:
    """The synthetic semi turned into a one-storey mid-floor flat beside an unheated corridor."""
    doc = copy.deepcopy(semi)
    d = doc["data"]
    d.update(property_type=2, built_form=4, door_count=1)
    d["sap_flat_details"] = {"level": 1, "heat_loss_corridor": 2, "unheated_corridor_length": corridor_length}
    part = d["sap_building_parts"][0]
    part.update(floor_heat_loss=6, roof_construction=3)
    part["sap_floor_dimensions"] = part["sap_floor_dimensions"][:1]
    return doc


def test_window_on_a_wall_the_part_does_not_have_goes_to_its_main_wall(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    # window_wall_type 2 = alternative wall 1, which this building part does not have
    doc["data"]["sap_windows"][0]["window_wall_type"] = 2
    row = expand_certificate(doc)
    assert row["approximations"] == ["window_on_missing_wall"]
    assert sum(row["wall_area_m2"]) == pytest.approx(GROSS - WINDOWS - DOORS)


def test_window_on_a_missing_second_alternative_wall(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    doc["data"]["sap_windows"][1]["window_wall_type"] = 3  # alternative wall 2: not lodged
    row = expand_certificate(doc)
    assert "window_on_missing_wall" in row["approximations"]
    assert min(row["wall_area_m2"]) >= 0.0


def test_corridor_longer_than_the_perimeter_is_capped(semi: dict[str, Any]) -> None:
    row = expand_certificate(_flat(semi, corridor_length=40.0))  # perimeter 18.5 m
    assert "corridor_longer_than_perimeter" in row["approximations"]
    # the whole main wall is sheltered; the windows it held move to the corridor wall, nothing negative
    assert min(row["wall_area_m2"]) >= 0.0
    assert sum(row["wall_area_m2"]) == pytest.approx(18.5 * 2.4 - WINDOWS - 1.85)


def test_flat_whose_windows_land_on_a_wall_with_no_area_is_scored(semi: dict[str, Any]) -> None:
    # the refused case of issue 13: the corridor takes the whole perimeter, the windows are lodged on the
    # main wall (window_location 0, window_wall_type 1) of a part with no alternative wall
    doc = _flat(semi, corridor_length=18.5)
    out = score_certificates([doc])
    assert out["error"][0] is None, out["error"][0]
    assert "openings_exceed_wall" in out["approximations"][0].to_list()
    assert out["sap_rating"][0] > 1


def test_openings_larger_than_every_wall_keep_their_area(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    doc["data"]["sap_windows"][0].update(window_width=20.0, window_height=5.0)  # 100 m2 > 93 m2 of wall
    row = expand_certificate(doc)
    assert row["approximations"] == ["openings_exceed_wall"]
    assert row["wall_area_m2"] == [0.0]
    assert sum(row["window_area_m2"]) == pytest.approx(100.0 + 2.16 + 1.0 + 1.2)
    out = score_certificates([doc])
    assert out["error"][0] is None
    assert out["approximations"][0].to_list() == ["openings_exceed_wall"]


def test_every_recorded_code_is_described() -> None:
    for code in ("window_on_missing_wall", "corridor_longer_than_perimeter", "openings_exceed_wall"):
        entry = registry()[code]
        assert entry["assumed"] and entry["source"]
