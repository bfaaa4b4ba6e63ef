"""The SAP-Schema XML reader: element mapping and refusals."""

from pathlib import Path

import pytest

from ara_assets.sap10 import UnsupportedInput
from ara_assets.sap10.xml_input import read_sap_xml

CASE = Path("/work/shared/reference/sap_cases/sap10calcs/tests/sap/M1_Photovoltaics/1/in.xml")
REGISTER = Path(
    "/work/shared/reference/sap_cases/epc_register_format_examples/register_xml_SAP-Schema-19.1.0_epc.xml"
)
pytestmark = pytest.mark.skipif(not CASE.exists(), reason="shared reference cases not mounted")


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
