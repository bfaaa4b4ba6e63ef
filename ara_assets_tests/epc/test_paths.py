"""Field paths for landlord overrides: known-path check, get and set on register-shaped JSON."""

from __future__ import annotations

import copy

import pytest

from ara_assets.epc import (
    get_field_path,
    is_known_field_path,
    parse_certificate,
    set_field_path,
    to_register_json,
)
from ara_assets_tests.epc.conftest import CERT_NO


@pytest.fixture
def doc(rdsap21: dict) -> dict:
    return to_register_json(parse_certificate(rdsap21, certificate_number=CERT_NO))


@pytest.mark.parametrize(
    "path",
    [
        "total_floor_area",
        "uprn",
        "sap_building_parts[0].wall_insulation_type",
        "sap_building_parts[0].sap_floor_dimensions[1].room_height",
        "sap_heating.main_heating_details[0].main_fuel_type",
        "sap_heating.shower_outlets[0].shower_wwhrs",
        "sap_energy_source.meter_type",
        "sap_energy_source.photovoltaic_supply.pv_arrays[0].peak_power",
        "lzc_energy_sources[2]",
        "sap_building_parts[3]",
    ],
)
def test_known_paths(path: str) -> None:
    assert is_known_field_path(path)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "no_such_field",
        "sap_building_parts.wall_construction",  # list needs an index to go inside
        "total_floor_area[0]",  # not a list
        "sap_building_parts[0].no_such_field",
        "sap_energy_source..meter_type",
        "sap_building_parts[x].wall_construction",
        "seller_commission_report",  # kept as an extra key, but not a typed field
        "Total_Floor_Area",
    ],
)
def test_unknown_paths(path: str) -> None:
    assert not is_known_field_path(path)


def test_get_field_path(doc: dict) -> None:
    assert get_field_path(doc, "total_floor_area") == 55
    assert get_field_path(doc, "sap_building_parts[0].wall_insulation_type") == 2
    assert get_field_path(doc, "sap_heating.main_heating_details[0].main_fuel_type") == 26
    assert get_field_path(doc, "sap_energy_source.meter_type") == 2
    assert get_field_path(doc, "sap_building_parts[0].sap_floor_dimensions[0].total_floor_area") == 45.82


@pytest.mark.parametrize(
    "path",
    ["sap_building_parts[5].wall_construction", "sap_heating.cylinder_size_measured", "sap_windows[0].nope"],
)
def test_get_field_path_absent_raises_key_error_naming_path(doc: dict, path: str) -> None:
    with pytest.raises(KeyError, match=path.replace("[", r"\[").replace("]", r"\]")):
        get_field_path(doc, path)


def test_set_field_path_returns_a_new_document(doc: dict) -> None:
    before = copy.deepcopy(doc)
    out = set_field_path(doc, "sap_building_parts[0].wall_insulation_type", 4)
    assert doc == before  # input untouched
    assert get_field_path(out, "sap_building_parts[0].wall_insulation_type") == 4
    out["sap_building_parts"][0]["wall_construction"] = 3  # the copy is deep
    assert doc["sap_building_parts"][0]["wall_construction"] == 4
    # the overridden document is still a valid certificate, with the new value typed
    cert = parse_certificate(out)
    assert cert.sap_building_parts[0].wall_insulation_type == 4


def test_set_field_path_creates_only_the_leaf(doc: dict) -> None:
    out = set_field_path(doc, "sap_heating.cylinder_size_measured", 180)
    assert out["sap_heating"]["cylinder_size_measured"] == 180
    with pytest.raises(KeyError, match="sap_flat_details_x"):
        set_field_path(doc, "sap_flat_details_x.level", 1)
    no_flat = {k: v for k, v in doc.items() if k != "sap_flat_details"}
    with pytest.raises(KeyError, match=r"sap_flat_details\.level"):
        set_field_path(no_flat, "sap_flat_details.level", 1)


def test_set_field_path_index_out_of_range(doc: dict) -> None:
    with pytest.raises(IndexError, match=r"sap_building_parts\[3\]\.wall_construction"):
        set_field_path(doc, "sap_building_parts[3].wall_construction", 4)
    with pytest.raises(IndexError, match=r"lzc_energy_sources\[9\]"):
        set_field_path(doc, "lzc_energy_sources[9]", 1)
    out = set_field_path(doc, "lzc_energy_sources[0]", 9)
    assert out["lzc_energy_sources"] == [9, 11, 1]


def test_set_field_path_into_a_scalar_is_refused(doc: dict) -> None:
    with pytest.raises(KeyError, match=r"total_floor_area\.x"):
        set_field_path(doc, "total_floor_area.x", 1)
