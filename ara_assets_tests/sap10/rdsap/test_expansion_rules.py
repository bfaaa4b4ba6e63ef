"""Four RdSAP 10 expansion rules: living area to 2 d.p., insulated solid brick by Table 13 + Table 14,
the Wales column of Table 20, and the 100 mm loft of Table 18 column 1 (synthetic certificates only)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ara_assets.sap10 import UnsupportedInput
from ara_assets.sap10.rdsap import expand_certificate, fabric


def _doc(semi: dict[str, Any], **part: Any) -> dict[str, Any]:
    doc = copy.deepcopy(semi)
    doc["data"]["sap_building_parts"][0].update(part)
    return doc


def _single_storey(doc: dict[str, Any], area: float) -> dict[str, Any]:
    part = doc["data"]["sap_building_parts"][0]
    part["sap_floor_dimensions"] = part["sap_floor_dimensions"][:1]
    part["sap_floor_dimensions"][0]["total_floor_area"] = area
    return doc


# -- 1. living area: Table 27 fraction x TFA, rounded half up to 2 d.p. (RdSAP 10 sections 9.2 and 15)


@pytest.mark.parametrize(
    ("rooms", "tfa", "expected"),
    [
        (3, 45.65, 13.70),  # 13.695 exactly -> 13.70 (floats give 13.6949...)
        (3, 56.79, 17.04),  # 17.037 -> 17.04 (HM worksheet: (91) = 17.04 / 56.79 = 0.3001)
        (4, 77.58, 19.40),  # 19.395 -> 19.40
        (4, 66.06, 16.52),  # 16.515 -> 16.52
        (1, 100.0, 75.0),
    ],
)
def test_living_area_is_rounded_to_two_decimals(
    semi: dict[str, Any], rooms: int, tfa: float, expected: float
) -> None:
    doc = _single_storey(copy.deepcopy(semi), tfa)
    doc["data"]["habitable_room_count"] = rooms
    row = expand_certificate(doc)
    assert row["total_floor_area_m2"] == pytest.approx(tfa)
    assert row["living_area_m2"] == expected


# -- 2. solid brick, measured wall thickness, lodged insulation: Table 13 U0 + Table 14 R (section 5.8)


@pytest.mark.parametrize(
    ("wall_mm", "ins_mm", "conductivity", "expected"),
    [
        (300.0, 75.0, None, 0.35),  # 1 / (1/1.4 + 0.025 x 75 + 0.25) = 0.3522 (HM worksheet-matched)
        (300.0, 75.0, 1, 0.35),  # code 1 = lambda 0.04, the default
        (180.0, 100.0, None, 0.32),  # U0 2.5 (up to 200 mm): 1 / (0.4 + 2.75) = 0.3175
        (250.0, 50.0, None, 0.48),  # U0 1.7 (200-280 mm): 1 / (0.5882 + 1.5) = 0.4789
        (450.0, 100.0, None, 0.27),  # U0 1.1 (over 420 mm): 1 / (0.9091 + 2.75) = 0.2733
        (300.0, 75.0, 3, 0.25),  # lambda 0.025: R = 0.040 x 75 + 0.25 = 3.25 -> 1 / (0.7143 + 3.25) = 0.2522
        (300.0, 75.0, 2, 0.29),  # lambda 0.03: R = 0.0333 x 75 + 0.248 = 2.7455 -> 0.2890
    ],
)
def test_solid_brick_table13_plus_table14(
    wall_mm: float, ins_mm: float, conductivity: int | None, expected: float
) -> None:
    u0 = 2.5 if wall_mm <= 200 else 1.7 if wall_mm <= 280 else 1.4 if wall_mm <= 420 else 1.1
    a, b = {None: (0.025, 0.25), 1: (0.025, 0.25), 2: (0.0333, 0.248), 3: (0.040, 0.25)}[conductivity]
    hand = 1.0 / (1.0 / u0 + a * ins_mm + b)
    u = fabric.wall_u(
        3, 1, "A", insulation_mm=ins_mm, thickness=wall_mm, thickness_measured=True, conductivity=conductivity
    )
    assert u == pytest.approx(hand, abs=0.005)
    assert u == expected


# a band-A solid brick wall 300 mm thick (measured) with 75 mm of insulation: Table 13 + Table 14 gives 0.35
BRICK: dict[str, Any] = dict(
    construction_age_band="A",
    wall_construction=3,
    wall_insulation_thickness="75mm",
    wall_thickness=300,
    wall_thickness_measured="Y",
)


def test_solid_brick_rule_applies_only_with_measured_wall_and_lodged_insulation(semi: dict[str, Any]) -> None:
    base = {**BRICK, "wall_insulation_type": 3}  # internal insulation
    assert expand_certificate(_doc(semi, **base))["wall_u_value"] == [0.35]
    # wall thickness not measured: Table 6 insulated rows, 75 mm between 50 (0.6) and 100 (0.35)
    row = expand_certificate(_doc(semi, **{**base, "wall_thickness_measured": "N"}))
    assert row["wall_u_value"] == [0.48]
    # insulation thickness unknown: the 50 mm row (0.6), whatever the wall thickness
    row = expand_certificate(_doc(semi, **{**base, "wall_insulation_thickness": "NI"}))
    assert row["wall_u_value"] == [0.6]
    # band F: Table 6 note (b) does not send solid brick to Table 13; the insulated rows stay (0.45 / 0.32)
    row = expand_certificate(_doc(semi, **{**base, "construction_age_band": "F"}))
    assert row["wall_u_value"][0] > 0.35
    # a measured insulation thickness, lodged in its own field: R = 0.025 x 60 + 0.25 = 1.75 -> 0.4058
    row = expand_certificate(
        _doc(
            semi,
            **{**base, "wall_insulation_thickness": "measured", "wall_insulation_thickness_measured": 60},
        )
    )
    assert row["wall_u_value"] == [0.41]
    # a lodged conductivity (code 3, lambda 0.025)
    row = expand_certificate(_doc(semi, **{**base, "wall_insulation_thermal_conductivity": 3}))
    assert row["wall_u_value"] == [0.25]


def test_solid_brick_more_insulation_never_raises_u() -> None:
    us = [
        fabric.wall_u(3, 1, "C", insulation_mm=mm, thickness=230.0, thickness_measured=True)
        for mm in (10.0, 25.0, 50.0, 75.0, 100.0, 150.0, 200.0)
    ]
    assert us == sorted(us, reverse=True) and us[0] < 1.7


def test_solid_brick_bad_conductivity_and_missing_measured_thickness_refused(semi: dict[str, Any]) -> None:
    base = {**BRICK, "wall_insulation_type": 1}  # external insulation
    with pytest.raises(UnsupportedInput) as e:
        expand_certificate(_doc(semi, **{**base, "wall_insulation_thermal_conductivity": 9}))
    assert e.value.field.endswith("wall_insulation_thermal_conductivity") and e.value.value == 9
    with pytest.raises(UnsupportedInput) as e:
        expand_certificate(_doc(semi, **{**base, "wall_insulation_thickness": "measured"}))
    assert e.value.field.endswith("wall_insulation_thickness_measured")
    with pytest.raises(UnsupportedInput) as e:
        expand_certificate(_doc(semi, **{**base, "wall_thickness": 0}))
    assert e.value.field.endswith("wall_thickness") and e.value.value == 0


# -- 3. Wales: Table 20 exposed floors of band M 0.15 (England 0.18), selected by country_code


@pytest.mark.parametrize(
    ("country", "band", "expected"),
    [("WLS", "M", 0.15), ("ENG", "M", 0.18), ("EAW", "M", 0.18), (None, "M", 0.18), ("WLS", "L", 0.22)],
)
def test_exposed_floor_wales_column(
    semi: dict[str, Any], country: str | None, band: str, expected: float
) -> None:
    doc = _doc(semi, construction_age_band=band, floor_heat_loss=1)
    doc["data"]["country_code"] = country
    row = expand_certificate(doc)
    assert row["floor_u_value"] == [expected]


# -- 4. Table 18 column 1: a loft of unknown insulation thickness is taken as 100 mm (U 0.40) at A-F


@pytest.mark.parametrize(
    ("band", "part", "expected"),
    [
        ("A", {"roof_insulation_thickness": "NI"}, 0.40),  # unknown
        ("C", {"roof_insulation_thickness": "ND"}, 0.40),  # not defined
        (
            "D",
            {"roof_construction": 5, "roof_insulation_location": None, "roof_insulation_thickness": None},
            0.40,
        ),
        ("F", {"roof_insulation_thickness": "NI"}, 0.40),  # single source (OHL), UNCONFIRMED
        ("A", {"roof_insulation_thickness": "0"}, 2.30),  # lodged none: Table 16 row 0
        ("A", {"roof_insulation_location": 5, "roof_insulation_thickness": None}, 2.30),  # location 'none'
        ("A", {"roof_insulation_thickness": "50mm"}, 0.68),  # a lodged thickness wins (Table 16)
        ("H", {"roof_insulation_thickness": "NI"}, 0.30),  # later bands keep their own assumption
        (
            "B",
            {"roof_construction": 1, "roof_insulation_location": 6, "roof_insulation_thickness": None},
            2.30,
        ),
    ],
)
def test_loft_of_unknown_thickness(
    semi: dict[str, Any], band: str, part: dict[str, Any], expected: float
) -> None:
    row = expand_certificate(_doc(semi, construction_age_band=band, **part))
    assert row["roof_u_value"] == [expected]
