"""Every register JSON sample parses, survives parse -> to_register_json -> parse, keeps key values."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from ara_assets.epc import Certificate, parse_certificate, to_register_json
from ara_assets_tests.epc.conftest import CERT_NO, JSON_SAMPLES, SAMPLE_FILES, WAREHOUSE_EXAMPLES, load


def test_all_samples_are_present() -> None:
    # 14 schemas (RdSAP 17.0..21.0.1, SAP 16.3..19.2.0) and the two warehouse examples.
    assert len(list(JSON_SAMPLES.glob("*.json"))) == 14
    assert len(list(WAREHOUSE_EXAMPLES.glob("warehouse_json_*.json"))) == 2


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_round_trip(path: Path) -> None:
    raw = load(path)
    cert = parse_certificate({"data": raw}, certificate_number=CERT_NO)
    doc = to_register_json(cert)
    again = parse_certificate(doc)
    assert again == cert
    assert to_register_json(again) == doc  # normalised form is a fixed point

    assert again.certificate_number == CERT_NO
    assert again.uprn == raw["uprn"]
    assert again.schema_type == raw["schema_type"]
    assert again.registration_date == datetime.date.fromisoformat(raw["registration_date"])
    assert again.inspection_date == datetime.date.fromisoformat(raw["inspection_date"])
    assert again.energy_rating_current == raw["energy_rating_current"]
    assert again.energy_rating_potential == raw["energy_rating_potential"]
    assert again.total_floor_area == pytest.approx(raw["total_floor_area"])
    assert again.postcode == raw["postcode"]
    assert len(again.sap_building_parts or []) == len(raw["sap_building_parts"])
    assert len(again.suggested_improvements or []) == len(raw.get("suggested_improvements", []))
    # keys the model does not type are kept, not dropped
    assert set(raw) <= set(doc)


def test_rdsap21_values_are_typed(rdsap21: dict) -> None:
    cert = parse_certificate(rdsap21, certificate_number=CERT_NO)
    assert isinstance(cert, Certificate)
    assert cert.is_sap10_2
    assert cert.sap_version == 10.2
    part = cert.sap_building_parts[0]
    assert part.wall_construction == 4
    assert part.roof_insulation_thickness == "200mm"
    assert part.wall_insulation_thickness == "NI"
    assert part.wall_thickness_measured is False
    assert part.sap_floor_dimensions[0].total_floor_area == pytest.approx(45.82)
    assert part.sap_floor_dimensions[1].room_height == pytest.approx(2.59)
    assert part.sap_room_in_roof.construction_age_band == "B"
    assert part.sap_alternative_wall_1.wall_area == pytest.approx(10.4)
    heating = cert.sap_heating.main_heating_details[0]
    assert heating.main_fuel_type == 26
    assert heating.main_heating_index_number_padded == "017507"
    assert heating.has_fghrs is False
    assert cert.sap_heating.immersion_heating_type == "NA"
    assert cert.sap_heating.shower_outlets[0].shower_outlet_type == 1
    assert cert.sap_energy_source.mains_gas is True
    assert cert.sap_energy_source.photovoltaic_supply.none_or_no_details.percent_roof_area == 0
    assert cert.sap_energy_source.pv_batteries[0].battery_capacity == 5
    assert cert.sap_windows[0].window_transmission_details.u_value == 1.0
    assert cert.windows_transmission_details.solar_transmittance == pytest.approx(0.72)
    assert cert.sap_flat_details.unheated_corridor_length == 10
    assert cert.walls[0].description == "Solid brick, as built, no insulation (assumed)"
    assert cert.renewable_heat_incentive.space_heating_existing_dwelling == 13120
    assert [i.energy_performance_rating for i in cert.suggested_improvements] == [70, 72, 83]
    assert cert.co2_emissions_current_per_floor_area == 20
    assert cert.energy_consumption_current == 230
    assert cert.heating_cost_current == pytest.approx(365.98)
    assert cert.lzc_energy_sources == [4, 11, 1]


def test_older_schema_is_not_sap10(rdsap21: dict) -> None:
    cert = parse_certificate(load(JSON_SAMPLES / "RdSAP-Schema-17.0.json"), certificate_number=CERT_NO)
    assert not cert.is_sap10_2
    assert cert.low_energy_lighting == 57
    assert cert.glazed_area == 1
    assert cert.country_code == "EAW"
