"""The SAP-Schema XML reader: element mapping and refusals."""


import pytest

from ara_assets.sap10 import UnsupportedInput
from ara_assets.sap10.readers.sap_xml import read_sap_xml
from ara_assets_tests.fixtures import fixture_path

CASE = fixture_path("sap10calcs", "tests", "sap", "M1_Photovoltaics", "1", "in.xml")
REGISTER = fixture_path("epc_register_format_examples", "register_xml_SAP-Schema-19.1.0_epc.xml")


def test_reference_case_mapping():
    row = read_sap_xml(CASE, home_id="m1")
    assert row["storey_floor_area_m2"] == [100.0]
    assert row["wall_area_m2"] == [120.0 - 7.5]  # window removed from the wall it sits in
    assert row["window_orientation"] == [5]
    assert row["window_g_perp"] == [0.76]  # Table 6b double glazing
    assert row["pv_pitch_deg"] == [30.0]
    assert row["air_permeability_q50"] == 3.5
    assert row["main_heating_fuel"] == 1
    assert row["boiler_interlock"] is False
    assert row["thermal_mass_parameter"] is None


def test_individual_thermal_bridges_are_summed():
    text = CASE.read_text().replace(
        "<Thermal-Bridge-Code>1</Thermal-Bridge-Code>",
        "<Thermal-Bridge-Code>5</Thermal-Bridge-Code>"
        "<SAP-Thermal-Bridge><Length>10</Length><Psi-Value>0.3</Psi-Value></SAP-Thermal-Bridge>"
        "<SAP-Thermal-Bridge><Length>20</Length><Psi-Value>0.05</Psi-Value></SAP-Thermal-Bridge>",
    )
    row = read_sap_xml(text, home_id="tb")
    assert row["thermal_bridging_w_per_k"] == pytest.approx(4.0)


def test_bad_number_names_element():
    text = CASE.read_text().replace("<Living-Area>30</Living-Area>", "<Living-Area>thirty</Living-Area>")
    with pytest.raises(UnsupportedInput) as err:
        read_sap_xml(text, home_id="bad")
    assert (err.value.record, err.value.field, err.value.value) == ("bad", "Living-Area", "thirty")


@pytest.mark.skipif(not REGISTER.exists(), reason="register examples not mounted")
def test_register_example_refused_on_tariff():
    with pytest.raises(UnsupportedInput) as err:
        read_sap_xml(REGISTER, home_id="reg")
    assert err.value.field == "Electricity-Tariff"


@pytest.mark.parametrize(
    ("element", "field"),
    [
        (
            "<Instantaneous-WWHRS><WWHRS-Index-Number1>1</WWHRS-Index-Number1></Instantaneous-WWHRS>",
            "Instantaneous-WWHRS",
        ),
        (
            "<Solar-Heating-Details><Solar-Panel-Aperture-Area>3</Solar-Panel-Aperture-Area></Solar-Heating-Details>",
            "Solar-Heating-Details",
        ),
    ],
)
def test_water_extras_in_xml_are_refused_by_element(element: str, field: str) -> None:
    text = CASE.read_text().replace("</SAP-Heating>", element + "</SAP-Heating>", 1)
    with pytest.raises(UnsupportedInput) as err:
        read_sap_xml(text, home_id="x")
    assert err.value.field == field


def test_battery_diverter_wind_and_hydro_elements():
    extra = (
        "<PV-Connection>2</PV-Connection><PV-Diverter>true</PV-Diverter><Battery-Capacity>4.5</Battery-Capacity>"
        "<Terrain-Type>2</Terrain-Type><Wind-Turbines>"
        + "<Wind-Turbine><Wind-Turbine-Rotor-Diameter>1.8</Wind-Turbine-Rotor-Diameter>"
        "<Wind-Turbine-Hub-Height>4</Wind-Turbine-Hub-Height></Wind-Turbine>"
        * 2
        + "</Wind-Turbines><Hydro-Electric-Generation>900</Hydro-Electric-Generation>"
    )
    text = CASE.read_text().replace("<PV-Connection>2</PV-Connection>", extra)
    row = read_sap_xml(text, home_id="gen")
    assert row["battery_capacity_kwh"] == 4.5
    assert row["pv_diverter"] is True
    assert (row["wind_turbine_count"], row["wind_terrain"]) == (2, 2)
    assert (row["wind_turbine_rotor_diameter_m"], row["wind_turbine_hub_height_m"]) == (1.8, 4.0)
    assert row["hydro_generation_kwh"] == 900.0
    plain = read_sap_xml(CASE, home_id="m1")
    assert (plain["wind_turbine_count"], plain["hydro_generation_kwh"], plain["pv_diverter"]) == (
        0,
        0.0,
        False,
    )


def test_heat_network_sources_are_read_and_scored():
    import polars as pl

    from ara_assets.sap10 import calculate

    text = (
        CASE.read_text()
        .replace("<Main-Fuel-Type>1</Main-Fuel-Type>", "<Main-Fuel-Type>51</Main-Fuel-Type>")
        .replace("<Main-Heating-Code>104</Main-Heating-Code>", "<Main-Heating-Code>302</Main-Heating-Code>")
        .replace(
            "<Main-Heating-Control>2106</Main-Heating-Control>",
            "<Main-Heating-Control>2306</Main-Heating-Control>",
        )
        .replace(
            "<SAP-Heating>",
            "<SAP-Heating><SAP-Community-Heating-Systems><SAP-Community-Heating-System>"
            "<Community-Heating-Use>3</Community-Heating-Use>"
            "<Community-Heating-Distribution-Type>5</Community-Heating-Distribution-Type>"
            "<Community-Heating-Distribution-Loss-Factor>1.25</Community-Heating-Distribution-Loss-Factor>"
            "<Community-Heat-Sources>"
            "<Community-Heat-Source><Heat-Source-Type>1</Heat-Source-Type><Heat-Fraction>0.5</Heat-Fraction>"
            "<Fuel-Type>51</Fuel-Type><Heat-Efficiency>48</Heat-Efficiency><Power-Efficiency>32</Power-Efficiency>"
            "</Community-Heat-Source>"
            "<Community-Heat-Source><Heat-Source-Type>2</Heat-Source-Type><Heat-Fraction>0.5</Heat-Fraction>"
            "<Fuel-Type>51</Fuel-Type><Heat-Efficiency>88</Heat-Efficiency></Community-Heat-Source>"
            "</Community-Heat-Sources></SAP-Community-Heating-System></SAP-Community-Heating-Systems>",
            1,
        )
    )
    row = read_sap_xml(text, home_id="hn")
    assert row["heat_network_source_type"] == [1, 2]
    assert row["heat_network_source_power_efficiency_pct"] == [32.0, 0.0]
    assert row["heat_network_distribution_loss_factor"] == 1.25
    row["price_table"] = 32  # the SAP 10.2 Table 12 heat price is not transcribed (refused)
    out = calculate(pl.DataFrame([row]))
    assert out["main_heating_fuel"][0] == 51
    assert out["main_space_heating_fuel_kwh"][0] == pytest.approx(out["space_heating_kwh"][0] * 1.25)


def test_cooling_and_mechanical_ventilation_data_source():
    cooling = (
        "</SAP-Ventilation><SAP-Cooling><Cooled-Area>40</Cooled-Area>"
        "<Cooling-System-Class>B</Cooling-System-Class></SAP-Cooling>"
    )
    row = read_sap_xml(CASE.read_text().replace("</SAP-Ventilation>", cooling), home_id="ac")
    assert row["has_fixed_air_conditioning"] is True
    assert (row["cooled_area_m2"], row["cooling_energy_label"], row["cooling_seer"]) == (40.0, 5, None)
    declared = CASE.read_text().replace(
        "<Ventilation-Type>1</Ventilation-Type>",
        "<Ventilation-Type>8</Ventilation-Type><Mechanical-Ventilation-Data-Source>1"
        "</Mechanical-Ventilation-Data-Source>",
    )
    with pytest.raises(UnsupportedInput) as err:
        read_sap_xml(declared, home_id="mv")
    assert err.value.field == "Mechanical-Ventilation-Data-Source"
    default = declared.replace("Data-Source>1<", "Data-Source>3<")
    assert read_sap_xml(default, home_id="mv")["ventilation_type"] == 8
