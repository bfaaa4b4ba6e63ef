"""Override values checked against their field's type, code table and physical range (pure)."""

from __future__ import annotations

import pytest

from ara_assets.property.override_values import check_against_document, check_override_value, range_for
from ara_assets.resources.warehouse.imports import parse_json_value


@pytest.fixture(scope="module")
def register_document() -> dict:
    from ara_assets.demo.generate import generate_portfolio
    from ara_assets.epc import normalise_register_json

    return normalise_register_json(generate_portfolio(3, 11).document(0)["data"])


PART = "sap_building_parts[0]"
DIM = f"{PART}.sap_floor_dimensions[0]"


@pytest.mark.parametrize(
    ("path", "cell", "expected"),
    [
        (f"{PART}.roof_insulation_thickness", "-5mm", "not a known roof_insulation_thickness code"),
        (f"{PART}.wall_u_value", "abc", "not a valid value for this field"),
        (f"{PART}.wall_u_value", "-1", "outside the physical range 0.05..10 W/m2K"),
        (f"{DIM}.room_height", "NaN", "NaN and infinities are not values"),
        (f"{DIM}.total_floor_area", "0.0001", "outside the physical range 0.5..10000 m2"),
        ("total_floor_area", "-50", "outside the physical range 5..10000 m2"),
        ("total_floor_area", "NaN", "NaN and infinities"),
        ("total_floor_area", "Infinity", "NaN and infinities"),
        ("total_floor_area", "-Infinity", "NaN and infinities"),
        ("total_floor_area", "1e400", "NaN and infinities"),
        ("total_floor_area", "true", "not a valid value for this field"),
        ("sap_building_parts", "[]", "an empty list or object is not a value"),
        (f"{PART}.sap_floor_dimensions", "[{}]", "an empty list or object is not a value"),
    ],
)
def test_bad_values_are_refused_with_a_reason(path: str, cell: str, expected: str) -> None:
    reason = check_override_value(path, parse_json_value(cell))
    assert reason is not None and expected in reason


@pytest.mark.parametrize(
    ("path", "cell"),
    [
        ("total_floor_area", "80"),
        (f"{DIM}.total_floor_area", "42.5"),
        (f"{DIM}.room_height", "2.45"),
        (f"{PART}.wall_u_value", "0.3"),
        (f"{PART}.roof_insulation_thickness", '"100mm"'),
        (f"{PART}.wall_thickness", "300"),
    ],
)
def test_good_values_pass(path: str, cell: str) -> None:
    assert check_override_value(path, parse_json_value(cell)) is None


def test_ranges_are_matched_on_the_path_shape() -> None:
    top = range_for("total_floor_area")
    storey = range_for(f"{DIM}.total_floor_area")
    assert top is not None and storey is not None
    assert (top.low, storey.low) == (5.0, 0.5)


def test_list_index_past_the_certificate_is_refused(register_document: dict) -> None:
    parts = len(register_document["sap_building_parts"])
    failures = check_against_document(
        register_document,
        [("total_floor_area", 80), (f"sap_building_parts[{parts + 3}].wall_u_value", 0.3)],
    )
    assert [n for n, _ in failures] == [1]
    assert "no such item" in failures[0][1]
