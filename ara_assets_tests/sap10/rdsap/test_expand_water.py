"""RdSAP expansion of solar water heating (RdSAP 10 Table 29 defaults / lodged details), WWHRS and FGHRS."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ara_assets.sap10 import UnsupportedInput, score_certificates
from ara_assets.sap10.rdsap import expand_certificate, expand_certificates


def _heating(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["data"]["sap_heating"]


def test_solar_flag_only_takes_table_29_defaults(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    doc["data"]["solar_water_heating"] = "Y"
    row = expand_certificate(doc)
    assert row["solar_collector_area_m2"] == 3.0
    assert (row["solar_zero_loss_efficiency"], row["solar_a1"], row["solar_a2"]) == (0.8, 4.0, 0.01)
    assert row["solar_incidence_angle_modifier"] == 0.94
    assert (row["solar_orientation"], row["solar_pitch_deg"], row["solar_overshading"]) == (5, 30.0, 2)
    # the semi has a combi and no cylinder: a separate 75 l pre-heat store
    assert row["solar_dedicated_volume_l"] == 75.0 and row["solar_combined_cylinder"] is False
    assert row["solar_pump_kwh_per_year"] == 75.0
    out = score_certificates([semi, doc])
    assert out["error"].to_list() == [None, None]
    fuel = out["water_heating_fuel_kwh"].to_list()
    assert fuel[1] < fuel[0]


def test_lodged_solar_details(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    heating = _heating(doc)
    heating["cylinder_size"] = 5
    heating["solar_water_heating_details"] = {
        "solar_panel_collector_data_source": 2,
        "solar_panel_collector_orientation": 7,
        "solar_panel_collector_pitch": 3,
        "solar_panel_collector_overshading": 3,
        "solar_water_pump": 2,
        "store_volume_details_known": "Y",
        "solar_collector_details": {
            "aperture_area": 4.0,
            "collector_type": 3,
            "zero_loss_efficiency": 70,
            "linear_heat_loss_coefficient": 1.5,
            "second_order_heat_loss_coefficient": 0.005,
        },
        "solar_volume_details": {
            "total_store_volume": 210,
            "dedicated_solar_volume": 90,
            "combined_cylinder": "Y",
        },
        "collector_loop_efficiency": 0.85,
        "incidence_angle_modifier": 0.95,
        "service_provision": 3,
        "overall_heat_loss": 7.0,
    }
    row = expand_certificate(doc)
    assert row["cylinder_volume_l"] == 210.0  # cylinder size 5: the solar store's total volume
    assert row["solar_collector_area_m2"] == 4.0
    assert row["solar_zero_loss_efficiency"] == pytest.approx(0.70)
    assert (row["solar_a1"], row["solar_a2"]) == (1.5, 0.005)
    assert (row["solar_incidence_angle_modifier"], row["solar_loop_efficiency"]) == (0.95, 0.85)
    assert row["solar_loop_heat_loss_w_per_k"] == 7.0
    assert (row["solar_orientation"], row["solar_pitch_deg"], row["solar_overshading"]) == (7, 45.0, 3)
    assert row["solar_dedicated_volume_l"] == 90.0 and row["solar_combined_cylinder"] is True
    assert row["solar_pump_kwh_per_year"] == 0.0  # PV-powered pump
    assert expand_certificates([doc]).height == 1


def test_solar_default_store_shares_an_existing_cylinder(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    doc["data"]["solar_water_heating"] = "Y"
    _heating(doc)["cylinder_size"] = 3  # medium cylinder
    _heating(doc)["main_heating_details"][0]["sap_main_heating_code"] = 101
    row = expand_certificate(doc)
    assert row["solar_combined_cylinder"] is True
    assert row["solar_dedicated_volume_l"] == round(row["cylinder_volume_l"] / 3.0)


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({"service_provision": 1}, "sap_heating.solar_water_heating_details.service_provision"),
        (
            {"solar_panel_collector_data_source": 2, "solar_collector_details": {"zero_loss_efficiency": 70}},
            "sap_heating.solar_water_heating_details.solar_collector_details.linear_heat_loss_coefficient",
        ),
        (
            {"solar_panel_collector_data_source": 1, "solar_collector_details": {"collector_type": 3}},
            "sap_heating.solar_water_heating_details.solar_collector_details.collector_type",
        ),
        (
            {"solar_panel_collector_overshading": 5},
            "sap_heating.solar_water_heating_details.solar_panel_collector_overshading",
        ),
    ],
)
def test_solar_refusals_name_the_field(semi: dict[str, Any], details: dict[str, Any], field: str) -> None:
    doc = copy.deepcopy(semi)
    doc["data"]["solar_water_heating"] = "Y"
    _heating(doc)["solar_water_heating_details"] = details
    with pytest.raises(UnsupportedInput) as err:
        expand_certificate(doc)
    assert err.value.field == field


def test_wwhrs_without_product_data_is_left_out_and_storage_wwhrs_refused(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    heating = _heating(doc)
    heating["instantaneous_wwhrs"] = {"wwhrs_index_number1": 80012}
    heating["shower_outlets"] = [{"shower_outlet_type": 1, "shower_wwhrs": 2}]
    # RdSAP 10 has no default WWHRS: an index absent from the imported PCDB (here none is imported) is left
    # out of the score, which says so (pcdb_fallback), instead of refusing a valid certificate
    row = expand_certificate(doc)
    assert row["mixer_shower_wwhrs"] == [] and "wwhrs_1_efficiency_pct" not in row
    assert row["pcdb_fallback"] is True
    heating["shower_outlets"] = [{"shower_outlet_type": 2, "shower_wwhrs": 4}]
    with pytest.raises(UnsupportedInput) as err:
        expand_certificate(doc)
    assert err.value.field == "sap_heating.shower_outlets[0].shower_wwhrs"
    heating["shower_outlets"] = [{"shower_outlet_type": 1, "shower_wwhrs": 1}]
    heating["number_baths_wwhrs"] = 1
    with pytest.raises(UnsupportedInput) as err:
        expand_certificate(doc)
    assert err.value.field == "sap_heating.number_baths_wwhrs"
    # an outlet without WWHRS expands to no WWHRS codes at all
    heating["number_baths_wwhrs"] = 0
    assert expand_certificate(doc)["mixer_shower_wwhrs"] == []


def test_fghrs_is_carried_and_refused_by_its_index(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    detail = _heating(doc)["main_heating_details"][0]
    detail["has_fghrs"] = "Y"
    detail["fghrs_index_number"] = 60012
    row = expand_certificate(doc)
    assert row["fghrs_present"] is True and row["fghrs_index_number"] == "60012"
    out = score_certificates([doc, semi])
    error = out["error"][0]
    assert error is not None and "fghrs_index_number" in error and "60012" in error
    assert out["error"][1] is None
