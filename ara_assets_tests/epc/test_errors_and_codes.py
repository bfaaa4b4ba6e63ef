"""Bad input is refused naming certificate, field path, value and schema; code labels come from the tables."""

from __future__ import annotations

import pytest

from ara_assets.epc import CertificateValidationError, UnknownCodeError, codes_for, label, parse_certificate
from ara_assets_tests.epc.conftest import CERT_NO, minimal


def test_unknown_code_names_certificate_path_value_schema() -> None:
    parts = [
        {"building_part_number": 1, "wall_construction": 4},
        {"building_part_number": 2, "wall_construction": 42},
    ]
    with pytest.raises(CertificateValidationError) as info:
        parse_certificate(minimal(sap_building_parts=parts))
    err = info.value
    assert err.certificate_number == CERT_NO
    assert err.field_path == "sap_building_parts[1].wall_construction"
    assert err.value == 42
    assert err.schema_type == "RdSAP-Schema-21.0.1"
    assert str(err) == (
        f"certificate {CERT_NO}: field sap_building_parts[1].wall_construction = 42 "
        "is not a known code for RdSAP-Schema-21.0.1"
    )


def test_unknown_string_code_deep_in_heating() -> None:
    doc = minimal(
        sap_heating={
            "main_heating_details": [
                {"main_heating_number": 1, "main_fuel_type": 26},
                {"main_heating_number": 2, "main_fuel_type": "XX"},
            ]
        }
    )
    with pytest.raises(CertificateValidationError) as info:
        parse_certificate(doc)
    assert info.value.field_path == "sap_heating.main_heating_details[1].main_fuel_type"
    assert info.value.value == "XX"


def test_code_valid_in_one_schema_only() -> None:
    # transaction_type 16 exists from RdSAP 21; "EAW" country is an older schema's code.
    assert parse_certificate(minimal(transaction_type=16)).transaction_type == 16
    with pytest.raises(CertificateValidationError) as info:
        parse_certificate(minimal(schema_type="RdSAP-Schema-17.0", transaction_type=16))
    assert info.value.schema_type == "RdSAP-Schema-17.0"


def test_missing_registration_date_is_refused() -> None:
    doc = minimal()
    del doc["registration_date"]
    with pytest.raises(CertificateValidationError) as info:
        parse_certificate(doc)
    assert info.value.field_path == "registration_date"
    assert CERT_NO in str(info.value)


def test_missing_certificate_number_is_refused() -> None:
    doc = minimal()
    del doc["certificate_number"]
    with pytest.raises(CertificateValidationError) as info:
        parse_certificate(doc)
    assert info.value.field_path == "certificate_number"


def test_certificate_number_mismatch_is_refused() -> None:
    with pytest.raises(CertificateValidationError) as info:
        parse_certificate(minimal(), certificate_number="0000-0000-0000-0000-0001")
    assert info.value.value == CERT_NO
    assert "does not match" in str(info.value)


def test_non_domestic_schema_is_refused() -> None:
    with pytest.raises(CertificateValidationError) as info:
        parse_certificate(minimal(schema_type="CEPC-8.0.0"))
    assert info.value.field_path == "schema_type"
    assert info.value.value == "CEPC-8.0.0"


def test_malformed_number_names_the_path() -> None:
    doc = minimal(sap_building_parts=[{"sap_floor_dimensions": [{"floor": 0, "room_height": "tall"}]}])
    with pytest.raises(CertificateValidationError) as info:
        parse_certificate(doc)
    assert info.value.field_path == "sap_building_parts[0].sap_floor_dimensions[0].room_height"
    assert info.value.value == "tall"
    assert "RdSAP-Schema-21.0.1" in str(info.value)


def test_labels_from_register_table_and_xsd() -> None:
    assert label("built_form", 2, "RdSAP-Schema-21.0.1") == "Semi-Detached"  # register table
    assert label("main_fuel_type", 26, "RdSAP-Schema-21.0.1") == "mains gas (not community)"
    assert label("wall_construction", 4, "RdSAP-Schema-21.0.1") == "cavity"  # XSD enumeration
    assert label("main_heating_category", "2", "RdSAP-Schema-20.0.0").startswith("boiler")
    assert label("glazing_type", 14, "RdSAP-Schema-21.0.1").startswith("triple glazing")
    assert label("flat_location", 1, "RdSAP-Schema-21.0.1") == "1st"
    assert label("tenure", "ND", "RdSAP-Schema-21.0.1") == "unknown"


def test_label_of_unknown_code_raises() -> None:
    with pytest.raises(UnknownCodeError, match="wall_construction = 42"):
        label("wall_construction", 42, "RdSAP-Schema-21.0.1")


def test_code_tables_cover_the_fields_the_brief_names() -> None:
    for field in (
        "wall_construction",
        "roof_construction",
        "main_heating_category",
        "glazing_type",
        "main_fuel_type",
        "built_form",
        "property_type",
        "meter_type",
        "mechanical_ventilation",
        "heat_emitter_type",
        "floor_heat_loss",
        "wall_insulation_type",
        "cylinder_size",
    ):
        assert codes_for(field, "RdSAP-Schema-21.0.1"), field
    assert codes_for("no_such_field", "RdSAP-Schema-21.0.1") is None
