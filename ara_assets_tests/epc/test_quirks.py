"""One test per quirk of the register's JSON that the parser normalises."""

from __future__ import annotations

import pytest

from ara_assets.epc import CertificateValidationError, pad_index, parse_certificate, to_register_json
from ara_assets_tests.epc.conftest import CERT_NO, minimal


def _part(**fields: object) -> dict:
    return {"building_part_number": 1, "identifier": "Main Dwelling", **fields}


def test_measurements_bare_or_wrapped() -> None:
    wrapped = {
        "floor": 0,
        "total_floor_area": {"value": 45.82, "quantity": "square metres"},
        "room_height": {"value": 2.45, "quantity": "metres"},
    }
    bare = {"floor": 0, "total_floor_area": 45.82, "room_height": 2.45}
    a = parse_certificate(minimal(sap_building_parts=[_part(sap_floor_dimensions=[wrapped])]))
    b = parse_certificate(minimal(sap_building_parts=[_part(sap_floor_dimensions=[bare])]))
    assert a == b
    assert a.sap_building_parts[0].sap_floor_dimensions[0].total_floor_area == 45.82
    out = to_register_json(a)["sap_building_parts"][0]["sap_floor_dimensions"][0]
    assert out["room_height"] == 2.45  # written back bare


def test_money_bare_or_with_currency() -> None:
    a = parse_certificate(
        minimal(
            heating_cost_current={"value": 214, "currency": "GBP"},
            suggested_improvements=[{"sequence": 1, "typical_saving": {"value": 158, "currency": "GBP"}}],
        )
    )
    b = parse_certificate(
        minimal(heating_cost_current=214, suggested_improvements=[{"sequence": 1, "typical_saving": 158}])
    )
    assert a == b
    assert a.heating_cost_current == 214.0
    assert a.suggested_improvements[0].typical_saving == 158.0


def test_one_item_list_collapsed_to_an_object() -> None:
    outlet = {"shower_outlet_type": 1, "shower_wwhrs": 1}
    wrapped = parse_certificate(minimal(sap_heating={"shower_outlets": {"shower_outlet": outlet}}))
    bare = parse_certificate(minimal(sap_heating={"shower_outlets": outlet}))
    listed = parse_certificate(minimal(sap_heating={"shower_outlets": [outlet]}))
    assert wrapped == bare == listed
    two = parse_certificate(minimal(sap_heating={"shower_outlets": {"shower_outlet": [outlet, outlet]}}))
    assert len(two.sap_heating.shower_outlets) == 2
    assert to_register_json(wrapped)["sap_heating"]["shower_outlets"] == [outlet]


def test_photovoltaic_supply_list_of_lists_or_none() -> None:
    arrays = [
        [{"peak_power": 2.5, "orientation": 5, "pitch": 2, "overshading": 1}],
        [{"peak_power": {"value": 1.2, "quantity": "kWp"}, "orientation": 3, "pitch": 2, "overshading": 2}],
    ]
    cert = parse_certificate(minimal(sap_energy_source={"photovoltaic_supply": arrays}))
    pv = cert.sap_energy_source.photovoltaic_supply
    assert [a.peak_power for a in pv.pv_arrays] == [2.5, 1.2]
    assert pv.none_or_no_details is None
    assert parse_certificate(to_register_json(cert)) == cert

    none = parse_certificate(
        minimal(sap_energy_source={"photovoltaic_supply": {"none_or_no_details": {"percent_roof_area": 0}}})
    )
    assert none.sap_energy_source.photovoltaic_supply.pv_arrays is None
    assert none.sap_energy_source.photovoltaic_supply.none_or_no_details.percent_roof_area == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("false", False), ("Y", True), ("N", False), (True, True), (False, False), ("NR", None)],
)
def test_booleans_in_every_spelling(raw: object, expected: bool | None) -> None:
    cert = parse_certificate(minimal(has_hot_water_cylinder=raw, sap_energy_source={"mains_gas": raw}))
    assert cert.has_hot_water_cylinder is expected
    assert cert.sap_energy_source.mains_gas is expected


def test_boolean_garbage_is_refused() -> None:
    with pytest.raises(CertificateValidationError) as info:
        parse_certificate(minimal(has_hot_water_cylinder="perhaps"))
    assert info.value.field_path == "has_hot_water_cylinder"
    assert info.value.value == "perhaps"


def test_description_string_or_with_language() -> None:
    a = parse_certificate(
        minimal(
            walls=[
                {
                    "description": {"value": "Cavity wall, filled cavity", "language": "1"},
                    "energy_efficiency_rating": 4,
                }
            ],
            dwelling_type={"value": "Mid-floor flat", "language": "1"},
        )
    )
    b = parse_certificate(
        minimal(
            walls=[{"description": "Cavity wall, filled cavity", "energy_efficiency_rating": 4}],
            dwelling_type="Mid-floor flat",
        )
    )
    assert a == b
    assert a.walls[0].description == "Cavity wall, filled cavity"
    assert a.dwelling_type == "Mid-floor flat"


def test_pcdb_index_lost_leading_zero() -> None:
    from_int = parse_certificate(
        minimal(
            sap_heating={
                "main_heating_details": [{"main_heating_number": 1, "main_heating_index_number": 17507}]
            }
        )
    )
    from_str = parse_certificate(
        minimal(
            sap_heating={
                "main_heating_details": [{"main_heating_number": 1, "main_heating_index_number": "017507"}]
            }
        )
    )
    assert from_int == from_str
    detail = from_int.sap_heating.main_heating_details[0]
    assert detail.main_heating_index_number == 17507
    assert detail.main_heating_index_number_padded == "017507"
    assert pad_index(123456) == "123456"
    assert pad_index(None) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12457, 12457),
        ("12457", 12457),
        ("UPRN-000000012457", 12457),
        ("RRN-0000-0000-0000-0000-0042", None),
        (None, None),
    ],
)
def test_uprn_forms(raw: object, expected: int | None) -> None:
    assert parse_certificate(minimal(uprn=raw)).uprn == expected


def test_bad_uprn_is_refused() -> None:
    with pytest.raises(CertificateValidationError) as info:
        parse_certificate(minimal(uprn="flat 3"))
    assert info.value.field_path == "uprn"
    assert "flat 3" in str(info.value)


def test_string_code_values_and_numeric_strings() -> None:
    cert = parse_certificate(
        minimal(
            tenure="ND",
            sap_heating={
                "immersion_heating_type": "NA",
                "main_heating_details": [{"main_heating_number": 1, "emitter_temperature": "NA"}],
            },
            sap_building_parts=[
                _part(
                    wall_insulation_thickness="NI",
                    roof_insulation_thickness="ND",
                    roof_insulation_location="ND",
                    wall_construction="4",
                )
            ],
            sap_energy_source={"pv_connection": "NR"},
        )
    )
    assert cert.tenure == "ND"
    assert cert.sap_heating.immersion_heating_type == "NA"
    assert cert.sap_heating.main_heating_details[0].emitter_temperature == "NA"
    part = cert.sap_building_parts[0]
    assert part.wall_insulation_thickness == "NI"
    assert part.roof_insulation_thickness == "ND"
    assert part.wall_construction == 4  # "4" is the number 4
    assert cert.sap_energy_source.pv_connection == "NR"


def test_code_that_lost_its_leading_zero() -> None:
    # The XSD lists flat storeys as "00", "01"...; the JSON carries 0, 1.
    cert = parse_certificate(minimal(sap_flat_details={"level": 1, "flat_location": 1}))
    assert cert.sap_flat_details.flat_location == 1


def test_envelope_or_bare_document() -> None:
    doc = minimal(total_floor_area=55)
    assert parse_certificate({"data": doc}) == parse_certificate(doc)


def test_rrn_spelling_of_certificate_number() -> None:
    doc = minimal()
    doc["rrn"] = doc.pop("certificate_number")
    assert parse_certificate(doc).certificate_number == CERT_NO
