"""The expansion of one synthetic certificate, rule by rule, and the batch behaviour."""

from __future__ import annotations

import copy
from typing import Any

import polars as pl
import pytest

from ara_assets.sap10 import INPUT_SCHEMA, UnsupportedInput, calculate, prepare_inputs
from ara_assets.sap10.rdsap import expand_certificate, expand_certificates, expand_collect

NUMBER = "9999-0000-0000-0000-0001"


def _part(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["data"]["sap_building_parts"][0]


def test_expanded_frame_satisfies_the_input_schema(semi: dict[str, Any]) -> None:
    frame = expand_certificates([semi])
    assert set(INPUT_SCHEMA) - {"window_g_light"} <= set(frame.columns) | {
        c.name for c in INPUT_SCHEMA.values() if c.default is not None and not isinstance(c.default, list)
    }
    prepared = prepare_inputs(frame)  # raises if any value breaks the schema
    assert prepared.height == 1
    assert frame.get_column("home_id").to_list() == [NUMBER]


def test_dimensions(semi: dict[str, Any]) -> None:
    row = expand_certificate(semi)
    assert row["storey_floor_area_m2"] == [41.0, 41.0]
    # upper storey = room height + 0.25 m floor zone
    assert row["storey_height_m"] == pytest.approx([2.4, 2.65])
    assert row["total_floor_area_m2"] == 82.0
    assert row["living_area_m2"] == pytest.approx(82.0 * 0.25)  # 4 habitable rooms
    gross = 18.5 * 2.4 + 18.5 * 2.65
    windows = 1.2 * 1.2 + 1.8 * 1.2 + 1.0 + 1.2
    doors = 2 * 1.85
    assert sum(row["wall_area_m2"]) == pytest.approx(gross - windows - doors)
    assert row["party_wall_area_m2"] == pytest.approx([7.6 * 5.05])
    assert row["party_wall_u_value"] == [0.5]  # cavity masonry unfilled
    assert row["roof_area_m2"] == [41.0]
    assert row["roof_u_value"] == [0.4]  # joists, 100 mm (Table 16)
    assert row["floor_area_hl_m2"] == [41.0]


def test_u_values_and_openings(semi: dict[str, Any]) -> None:
    row = expand_certificate(semi)
    assert row["wall_u_value"] == [1.5]  # cavity as built, band D (RdSAP 10 Table 6: A-E 1.5)
    assert row["door_u_value"] == [3.0, 3.0]
    # the unknown-orientation single-glazed window is split East / West
    assert row["window_orientation"] == [1, 5, 5, 3, 7]
    assert row["window_u_value"] == [2.0, 2.0, 2.0, 4.8, 4.8]
    assert row["window_g_perp"] == [0.72, 0.72, 0.72, 0.85, 0.85]
    assert row["window_area_m2"][3] == pytest.approx(0.6)
    assert row["window_g_light"] == [0.8, 0.8, 0.8, 0.9, 0.9]
    assert row["thermal_bridging_y"] == 0.15


def test_systems_ventilation_water_lighting(semi: dict[str, Any]) -> None:
    row = expand_certificate(semi)
    assert row["main_heating_code"] == 104
    assert row["main_heating_fuel"] == 1  # mains gas, Table 12
    assert row["main_heating_control"] == 2106
    assert row["pcdb_fallback"] is False
    assert row["open_chimneys"] == 1 and row["intermittent_fans"] == 2
    assert row["sheltered_sides"] == 1  # semi-detached
    assert "air_permeability_q50" not in row  # no pressure test: infiltration from (9)-(16)
    assert row["ventilation_type"] == 1
    assert row["electricity_tariff"] == 1
    assert "cylinder_volume_l" not in row  # combi
    assert row["mixer_shower_flow_l_per_min"] == [11.0]
    assert row["bath_present"] is True
    lumens = 8 * 9 * 100 + 2 * 19 * 55 + 2 * 60 * 11.2
    assert row["fixed_lighting_capacity_lm"] == pytest.approx(lumens)
    assert row["fixed_lighting_efficacy_lm_per_w"] == pytest.approx(lumens / (8 * 9 + 2 * 19 + 2 * 60))
    assert row["climate_region"] == 0 and row["local_climate_region"] == 1


def test_rules_change_inputs(semi: dict[str, Any]) -> None:
    filled = copy.deepcopy(semi)
    _part(filled)["wall_insulation_type"] = 2
    assert expand_certificate(filled)["wall_u_value"] == [0.7]  # RdSAP 10 Table 6 filled cavity A-E
    cylinder = copy.deepcopy(semi)
    cylinder["data"]["sap_heating"]["cylinder_size"] = 3
    cylinder["data"]["has_hot_water_cylinder"] = "true"
    row = expand_certificate(cylinder)
    assert row["cylinder_volume_l"] == 160
    assert row["cylinder_insulation_type"] == 2 and row["cylinder_insulation_mm"] == 12  # band D default
    assert row["primary_pipework_insulation"] == 1
    assert row["mixer_shower_flow_l_per_min"] == [7.0]
    dual = copy.deepcopy(semi)
    dual["data"]["sap_energy_source"]["meter_type"] = 1
    assert expand_certificate(dual)["electricity_tariff"] == 2  # dual meter, gas boiler: 7-hour


def test_pcdb_fallback(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    heater = doc["data"]["sap_heating"]["main_heating_details"][0]
    heater.update(main_heating_data_source=1, main_heating_index_number=17507)
    assert expand_certificate(doc)["pcdb_fallback"] is True
    del heater["sap_main_heating_code"]
    row = expand_certificate(doc)
    assert row["main_heating_code"] == 103  # no cylinder: non-condensing combi default (Table 4b)
    assert row["pcdb_fallback"] is True


def test_room_in_roof_simplified(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    _part(doc)["sap_room_in_roof"] = {"floor_area": 20.0, "construction_age_band": "D"}
    row = expand_certificate(doc)
    assert row["storey_floor_area_m2"] == [41.0, 41.0, 20.0]
    assert row["storey_height_m"][-1] == 2.45
    assert row["roof_area_m2"] == [21.0, 20.0]
    assert row["roof_u_value"] == [0.4, 2.3]  # room in roof, band D: Table 18 col 4
    assert row["storeys_for_infiltration"] == 3


def test_unsupported_input_names_certificate_field_value(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    _part(doc)["wall_construction"] = 6
    with pytest.raises(UnsupportedInput) as e:
        expand_certificate(doc)
    assert e.value.record == NUMBER
    assert e.value.field == "sap_building_parts[0].wall_construction"
    assert e.value.value == 6
    assert NUMBER in str(e.value) and "wall_construction" in str(e.value)


def test_two_main_systems_refused(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    details = doc["data"]["sap_heating"]["main_heating_details"]
    details.append(copy.deepcopy(details[0]))
    with pytest.raises(UnsupportedInput, match="main_heating_details"):
        expand_certificate(doc)


def test_batch_collects_errors_and_keeps_order(semi: dict[str, Any]) -> None:
    bad = copy.deepcopy(semi)
    bad["data"]["certificate_number"] = "9999-0000-0000-0000-0002"
    _part(bad)["construction_age_band"] = "Z"
    good2 = copy.deepcopy(semi)
    good2["data"]["certificate_number"] = "9999-0000-0000-0000-0003"
    frame, errors = expand_collect([semi, bad, good2])
    assert frame.get_column("certificate_number").to_list() == [NUMBER, "9999-0000-0000-0000-0003"]
    assert frame.get_column("input_index").to_list() == [0, 2]
    assert [(e.index, e.certificate_number, e.value) for e in errors] == [
        (1, "9999-0000-0000-0000-0002", "Z")
    ]
    with pytest.raises(UnsupportedInput):
        expand_certificates([semi, bad])


def test_raw_and_normalised_paths_agree(semi: dict[str, Any]) -> None:
    a = expand_certificates([semi], normalise_docs=True)
    b = expand_certificates([semi], normalise_docs=False)
    c = expand_certificates([semi["data"]], normalise_docs=False)  # no envelope
    assert a.equals(b)
    assert b.equals(c)


def test_register_samples_expand_or_refuse_with_a_reason() -> None:
    import json

    from ara_assets_tests.sap10.rdsap.conftest import JSON_SAMPLES

    docs = [json.loads(p.read_text()) for p in sorted(JSON_SAMPLES.glob("RdSAP-Schema-2*.json"))]
    frame, errors = expand_collect(docs)
    assert frame.height + len(errors) == len(docs)
    assert frame.height >= 2  # 20.0.0, 21.0.0 and 21.0.1 samples expand
    assert isinstance(frame, pl.DataFrame)


def test_external_measurements_convert_to_internal(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    doc["data"]["measurement_type"] = 2
    row = expand_certificate(doc)
    # Table S2, semi-detached with P^2 > 8A, w = 0.25 m (Table 5 cavity, band D), per level
    p_ext, a_ext, w = 18.5, 41.0, 0.25
    a = 0.5 * (p_ext - (p_ext**2 - 8 * a_ext) ** 0.5)
    a_int = a_ext - w * (p_ext + 0.5 * a) + 3 * w * w
    p_int = p_ext - 5 * w
    assert row["storey_floor_area_m2"] == pytest.approx([a_int, a_int])
    assert row["party_wall_area_m2"] == pytest.approx([(7.6 - 2 * w) * 5.05])
    gross = p_int * 5.05
    openings = 1.44 + 2.16 + 1.0 + 1.2 + 2 * 1.85
    assert sum(row["wall_area_m2"]) == pytest.approx(gross - openings)
    enclosed_end = copy.deepcopy(doc)
    enclosed_end["data"]["built_form"] = 5
    with pytest.raises(UnsupportedInput, match="built_form"):
        expand_certificate(enclosed_end)


def test_flat_with_unheated_corridor(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    d = doc["data"]
    d.update(property_type=2, built_form=4, door_count=1)
    d["sap_flat_details"] = {"level": 1, "heat_loss_corridor": 2, "unheated_corridor_length": 4.0}
    part = d["sap_building_parts"][0]
    part.update(floor_heat_loss=6, roof_construction=3)
    part["sap_floor_dimensions"] = part["sap_floor_dimensions"][:1]
    row = expand_certificate(doc)
    assert row["floor_area_hl_m2"] == [] and row["roof_area_m2"] == []  # flat below, dwelling above
    # the corridor wall: 4 m x 2.4 m, sheltered (R 0.5 on 1.5 -> 0.86), holding the flat's one door at 1.4
    assert row["wall_u_value"] == [1.5, 0.86]
    assert row["wall_area_m2"][1] == pytest.approx(4.0 * 2.4 - 1.85)
    assert row["door_u_value"] == [1.4]
    assert row["party_wall_u_value"] == [0.5]  # unfilled cavity party wall, flat column


def test_scottish_certificate_refused(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    doc["data"]["country_code"] = "SCT"
    with pytest.raises(UnsupportedInput) as e:
        expand_certificate(doc)
    assert (e.value.field, e.value.value) == ("country_code", "SCT")


def test_pv_arrays_and_batteries(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    src = doc["data"]["sap_energy_source"]
    src["photovoltaic_supply"] = {
        "pv_arrays": [
            {"peak_power": 2.5, "orientation": 5, "pitch": 2, "overshading": 1},
            {"peak_power": 1.0, "orientation": 3, "pitch": 1, "overshading": 3},
        ]
    }
    src["pv_connection"] = 2
    src["pv_batteries"] = [{"battery_capacity": 5}, {"battery_capacity": 2.5}]
    row = expand_certificate(doc)
    assert row["pv_kwp"] == [2.5, 1.0]
    assert row["pv_pitch_deg"] == [30.0, 0.0]
    assert row["pv_orientation"] == [5, 9]  # a horizontal array has no orientation
    assert row["pv_overshading"] == [1, 3]
    assert row["pv_connected_to_dwelling"] is True
    assert row["battery_capacity_kwh"] == 7.5
    src["photovoltaic_supply"] = {"none_or_no_details": {"percent_roof_area": 50}}
    row = expand_certificate(doc)
    assert row["pv_kwp"] == pytest.approx([0.12 * 41.0 * 0.5])  # 0.12 kWp per m2 of the roof's area


def test_storage_heaters_on_a_dual_meter(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    d = doc["data"]
    heater = d["sap_heating"]["main_heating_details"][0]
    heater.update(
        main_heating_category=7, main_fuel_type=29, sap_main_heating_code=402, main_heating_control=2401
    )
    d["sap_heating"].update(water_heating_code=903, water_heating_fuel=29, cylinder_size=2)
    d["has_hot_water_cylinder"] = "true"
    d["sap_energy_source"]["meter_type"] = 1
    row = expand_certificate(doc)
    assert row["electricity_tariff"] == 2  # dual meter + storage heaters: 7-hour (section 12)
    assert row["immersion_type"] == 1  # off-peak: dual immersion assumed
    assert row["water_heating_fuel"] == 30
    assert row["cylinder_volume_l"] == 110
    assert row["boiler_interlock"] is True  # not a boiler


def test_garbage_shapes_are_refused_not_crashing(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    doc["data"]["sap_windows"][0] = 7  # a scalar where a window object belongs
    with pytest.raises(UnsupportedInput, match=r"sap_windows\[0\]\.window_width"):
        expand_certificate(doc)
    doc = copy.deepcopy(semi)
    doc["data"]["door_count"] = 10**9
    with pytest.raises(UnsupportedInput, match="door_count"):
        expand_certificate(doc)
    doc = copy.deepcopy(semi)
    _part(doc)["floor_insulation_thickness"] = "thick"
    with pytest.raises(UnsupportedInput, match="floor_insulation_thickness"):
        expand_certificate(doc)


def test_unexpected_errors_are_recorded_per_certificate(
    semi: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    batch = importlib.import_module("ara_assets.sap10.rdsap.batch")
    real = batch.expand_certificate

    def flaky(doc: Any, number: str | None = None, products: Any = None) -> dict[str, Any]:
        if number == "9999-0000-0000-0000-0002":
            raise TypeError("boom")
        return real(doc, number, products)

    monkeypatch.setattr(batch, "expand_certificate", flaky)
    other = copy.deepcopy(semi)
    other["data"]["certificate_number"] = "9999-0000-0000-0000-0002"
    frame, errors = batch.expand_collect([semi, other], normalise_docs=False)
    assert frame.height == 1
    assert errors[0].index == 1 and "unexpected TypeError: boom" in errors[0].message


def test_older_schema_default_window_area(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    d = doc["data"]
    d["schema_type"] = "RdSAP-Schema-20.0.0"
    del d["sap_windows"]
    d.update(glazed_area=2, multiple_glazing_type=2, multiple_glazed_proportion=75)
    row = expand_certificate(doc, "old")
    # Table S4 house, band D: 0.1294 x TFA + 5.515, +25 % for "more than typical"
    area = (0.1294 * 82.0 + 5.515) * 1.25
    assert sum(row["window_area_m2"]) == pytest.approx(area)
    assert row["window_u_value"] == [2.0, 2.0, 4.8, 4.8]  # 75 % double 2002+, 25 % single; East / West halves
    assert sum(row["window_area_m2"][2:]) == pytest.approx(0.25 * area)
    gross = 18.5 * 2.4 + 18.5 * 2.65
    assert sum(row["wall_area_m2"]) == pytest.approx(gross - area - 2 * 1.85)
    d["glazed_area"] = 4  # "much more than typical" needs measured windows
    with pytest.raises(UnsupportedInput, match="glazed_area"):
        expand_certificate(doc, "old")


def test_batteries_diverter_wind_and_hydro(semi: dict[str, Any]) -> None:
    doc = copy.deepcopy(semi)
    src = doc["data"]["sap_energy_source"]
    src["photovoltaic_supply"] = {"pv_arrays": [{"peak_power": 3.0, "orientation": 5, "pitch": 2}]}
    src["pv_connection"] = 2
    src["pv_diverter"] = "true"
    # nested (older synthetic) and flat battery shapes; a lodged count beyond the list counts 5 kWh each
    src["pv_battery_count"] = 3
    src["pv_batteries"] = [{"pv_battery": {"battery_capacity": 4}}, {"battery_capacity": 2.5}]
    src["wind_turbines_count"] = 2
    src["wind_turbines_terrain_type"] = 3
    src["wind_turbine_details"] = {"rotor_diameter": {"value": 2.0, "quantity": "metres"}, "hub_height": 3}
    src["hydro_electric_generation"] = 1200
    src["is_hydro_output_connected_to_dwelling_meter"] = "false"
    row = expand_certificate(doc)
    assert row["pv_diverter"] is True
    assert row["battery_capacity_kwh"] == 4.0 + 2.5 + 5.0
    assert (row["wind_turbine_count"], row["wind_terrain"]) == (2, 3)
    assert (row["wind_turbine_rotor_diameter_m"], row["wind_turbine_hub_height_m"]) == (2.0, 3.0)
    assert row["hydro_generation_kwh"] == 1200.0
    assert row["hydro_connected_to_dwelling"] is False
    # the normalised path (register JSON through the EPC model) carries the same fields
    frame = prepare_inputs(expand_certificates([doc]))
    assert frame["wind_turbine_count"][0] == 2
    assert frame["hydro_generation_kwh"][0] == 1200.0
    assert frame["battery_capacity_kwh"][0] == 11.5
    assert frame["pv_diverter"][0] is True
    # terrain "not recorded" and unknown (zero) sizes stay null: the worksheet refuses them by name
    src["wind_turbines_terrain_type"] = 4
    src["wind_turbine_details"] = {"rotor_diameter": 0, "hub_height": 0}
    row = expand_certificate(doc)
    assert row["wind_terrain"] is None and row["wind_turbine_rotor_diameter_m"] is None
    with pytest.raises(UnsupportedInput, match="wind_turbine_rotor_diameter_m"):
        calculate(expand_certificates([doc]))
    # turbines of different sizes cannot share the one size column
    src["wind_turbines"] = [{"wind_turbine_rotor_diameter": 1.5, "wind_turbine_hub_height": 2}]
    src["wind_turbine_details"] = {"rotor_diameter": 2.0, "hub_height": 2}
    with pytest.raises(UnsupportedInput, match="wind_turbines"):
        expand_certificate(doc)
