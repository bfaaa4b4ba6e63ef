"""Pydantic model of a domestic certificate as ``GET /api/certificate`` serves it.

Field names are the register's JSON names (the lodged XML element names, lower-cased snake_case, with the
``Report-Header`` / ``Energy-Assessment`` / ``SAP-Data``... wrapper levels dropped). Element tree:
the element tree of RdSAP-Schema-21.0.1 (communitiesuk/epb-register-api, api/schemas/xml). Sections cover
RdSAP 17.0 to
21.0.1 and SAP 16.x to 19.2.0 as the register's JSON samples show them; every model keeps keys it does
not type (``extra="allow"``), so nothing lodged is lost on a round trip.
"""

# No ``from __future__ import annotations``: the coded-field annotations are calls (``Code("...")``) that
# pydantic must see evaluated.

import datetime
from typing import Annotated, Any, TypeVar

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ara_assets.epc.types import (
    SCHEMA_CONTEXT,
    Code,
    Count,
    Flag,
    IndexNumber,
    Money,
    Num,
    Text,
    Uprn,
    as_list,
    pad_index,
    to_text,
)

T = TypeVar("T")
ListOf = Annotated[list[T], BeforeValidator(as_list)]
"""A list node, accepting the register's one-item collapse (``{"item": {...}}`` or the bare item)."""

Str = Annotated[str, BeforeValidator(to_text)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


# --- summary descriptions -------------------------------------------------------------------------------


class ElementRating(_Section):
    """One line of the certificate's summary table (walls, roof, heating...) with its 0-5 star ratings."""

    description: Text | None = None
    energy_efficiency_rating: Code("energy_efficiency_rating") | None = None
    environmental_efficiency_rating: Code("environmental_efficiency_rating") | None = None


# --- building parts -------------------------------------------------------------------------------------


class FloorDimension(_Section):
    floor: Code("floor") | None = None  # 0 = lowest occupied storey ... 99 = roof rooms
    total_floor_area: Num | None = None  # m2
    room_height: Num | None = None  # m
    heat_loss_perimeter: Num | None = None  # m
    party_wall_length: Num | None = None  # m
    floor_construction: Code("floor_construction") | None = None
    floor_insulation: Code("floor_insulation") | None = None
    # Full SAP (SAP-Schema-*) storeys
    storey: Count | None = None
    storey_height: Num | None = None
    heat_loss_area: Num | None = None
    u_value: Num | None = None
    floor_type: Code("floor_type") | None = None
    kappa_value: Num | None = None
    kappa_value_from_below: Num | None = None
    description: Text | None = None


class AlternativeWall(_Section):
    wall_area: Num | None = None  # m2
    sheltered_wall: Flag = None
    wall_construction: Code("wall_construction") | None = None
    wall_insulation_type: Code("wall_insulation_type") | None = None
    wall_thickness_measured: Flag = None
    wall_thickness: Num | None = None  # mm
    wall_dry_lined: Flag = None
    wall_u_value: Num | None = None
    wall_insulation_thickness: Code("wall_insulation_thickness") | None = None
    wall_insulation_thickness_measured: Num | None = None  # mm
    wall_insulation_thermal_conductivity: Code("wall_insulation_thermal_conductivity") | None = None


class RoomInRoof(_Section):
    floor_area: Num | None = None  # m2
    construction_age_band: Code("construction_age_band") | None = None
    insulation: Str | None = None  # older schemas: "AB" (as built), "FF"... kept as lodged
    roof_room_connected: Flag = None
    room_in_roof_type_1: dict[str, Any] | None = None
    room_in_roof_type_2: dict[str, Any] | None = None
    room_in_roof_details: dict[str, Any] | None = None


class SapWall(_Section):
    """Full SAP: one wall element with its own U-value."""

    name: Str | None = None
    description: Text | None = None
    wall_type: Code("wall_type") | None = None
    total_wall_area: Num | None = None
    u_value: Num | None = None
    kappa_value: Num | None = None
    is_curtain_walling: Flag = None


class SapRoof(_Section):
    name: Str | None = None
    description: Text | None = None
    roof_type: Code("roof_type") | None = None
    total_roof_area: Num | None = None
    u_value: Num | None = None
    kappa_value: Num | None = None


class SapOpening(_Section):
    name: Str | None = None
    type: Str | None = None  # name of an entry of ``sap_opening_types``
    location: Str | None = None
    orientation: Code("orientation") | None = None
    width: Num | None = None
    height: Num | None = None
    pitch: Num | None = None


class ThermalBridge(_Section):
    length: Num | None = None
    psi_value: Num | None = None
    psi_value_source: Code("psi_value_source") | None = None
    thermal_bridge_type: Code("thermal_bridge_type") | None = None


class ThermalBridges(_Section):
    thermal_bridge_code: Code("thermal_bridge_code") | None = None
    thermal_bridges: ListOf[ThermalBridge] | None = None


class BuildingPart(_Section):
    building_part_number: Count | None = None
    identifier: Str | None = None  # "Main Dwelling", "Extension 1"...
    construction_age_band: Code("construction_age_band") | None = None
    construction_year: Count | None = None
    # walls
    wall_construction: Code("wall_construction") | None = None
    wall_insulation_type: Code("wall_insulation_type") | None = None
    wall_thickness_measured: Flag = None
    wall_thickness: Num | None = None  # mm
    wall_dry_lined: Flag = None
    wall_u_value: Num | None = None
    wall_insulation_thickness: Code("wall_insulation_thickness") | None = None
    wall_insulation_thickness_measured: Num | None = None  # mm
    wall_insulation_thermal_conductivity: Code("wall_insulation_thermal_conductivity") | None = None
    party_wall_construction: Code("party_wall_construction") | None = None
    sap_alternative_wall_1: AlternativeWall | None = None
    sap_alternative_wall_2: AlternativeWall | None = None
    # roof
    roof_construction: Code("roof_construction") | None = None
    roof_insulation_location: Code("roof_insulation_location") | None = None
    roof_insulation_thickness: Code("roof_insulation_thickness") | None = None
    roof_u_value: Num | None = None
    rafter_insulation_thickness: Code("rafter_insulation_thickness") | None = None
    flat_roof_insulation_thickness: Code("flat_roof_insulation_thickness") | None = None
    sloping_ceiling_insulation_thickness: Code("sloping_ceiling_insulation_thickness") | None = None
    # floor
    floor_heat_loss: Code("floor_heat_loss") | None = None
    floor_u_value: Num | None = None
    floor_insulation_thickness: Code("floor_insulation_thickness") | None = None
    sap_floor_dimensions: ListOf[FloorDimension] | None = None
    sap_room_in_roof: RoomInRoof | None = None
    # full SAP
    sap_walls: ListOf[SapWall] | None = None
    sap_roofs: ListOf[SapRoof] | None = None
    sap_openings: ListOf[SapOpening] | None = None
    sap_thermal_bridges: ThermalBridges | None = None
    thermal_mass_parameter: Num | None = None
    overshading: Code("overshading") | None = None


# --- openings -------------------------------------------------------------------------------------------


class TransmissionDetails(_Section):
    u_value: Num | None = None  # W/m2K
    solar_transmittance: Num | None = None
    data_source: Code("data_source") | None = None


class SapWindow(_Section):
    window_location: Code("window_location") | None = None  # building part
    window_wall_type: Code("window_wall_type") | None = None
    window_width: Num | None = None  # m
    window_height: Num | None = None  # m
    window_area: Num | None = None  # m2, RdSAP 20
    glazing_type: Code("glazing_type") | None = None
    window_type: Code("window_type") | None = None
    orientation: Code("orientation") | None = None
    pvc_frame: Flag = None
    glazing_gap: Code("glazing_gap") | None = None
    frame_factor: Num | None = None
    draught_proofed: Flag = None
    window_transmission_details: TransmissionDetails | None = None
    permanent_shutters_present: Flag = None
    permanent_shutters_insulated: Flag = None


class SapOpeningType(_Section):
    """Full SAP: a named glazing/door specification that ``sap_openings`` refer to."""

    name: Str | None = None
    type: Code("type") | None = None
    data_source: Code("data_source") | None = None
    glazing_type: Code("glazing_type") | None = None
    glazing_gap: Code("glazing_gap") | None = None
    frame_type: Code("frame_type") | None = None
    u_value: Num | None = None
    solar_transmittance: Num | None = None
    frame_factor: Num | None = None
    isargonfilled: Flag = None


class FlatDetails(_Section):
    level: Code("level") | None = None  # 0 basement, 1 ground, 2 mid, 3 top
    flat_location: Code("flat_location") | None = None  # storey
    storey_count: Count | None = None
    storeys: Count | None = None
    top_storey: Flag = None
    heat_loss_corridor: Code("heat_loss_corridor") | None = None
    unheated_corridor_length: Num | None = None  # m


# --- ventilation (full SAP keeps it in its own section; RdSAP at the top level) -----------------------


class _VentilationCounts(_Section):
    """Chimney, flue and fan counts: in `sap_ventilation` for full SAP, at the top level for RdSAP."""

    open_chimneys_count: Count | None = None
    blocked_chimneys_count: Count | None = None
    open_fireplaces_count: Count | None = None
    open_flues_count: Count | None = None
    closed_flues_count: Count | None = None
    boilers_flues_count: Count | None = None
    other_flues_count: Count | None = None
    extract_fans_count: Count | None = None
    psv_count: Count | None = None
    flueless_gas_fires_count: Count | None = None


class SapVentilation(_VentilationCounts):
    sheltered_sides_count: Count | None = None
    wet_rooms_count: Count | None = None
    ventilation_type: Code("ventilation_type") | None = None
    pressure_test: Code("pressure_test") | None = None
    air_permeability: Num | None = None
    has_draught_lobby: Flag = None
    wall_type: Code("wall_type") | None = None
    mechanical_ventilation_data_source: Code("mechanical_ventilation_data_source") | None = None
    mechanical_vent_system_index_number: IndexNumber | None = None
    mechanical_vent_duct_type: Code("mechanical_vent_duct_type") | None = None
    mechanical_vent_duct_placement: Code("mechanical_vent_duct_placement") | None = None
    mechanical_vent_duct_insulation: Code("mechanical_vent_duct_insulation") | None = None
    mechanical_vent_duct_insulation_level: Code("mechanical_vent_duct_insulation_level") | None = None
    is_mechanical_vent_approved_installer_scheme: Flag = None


# --- heating and hot water ------------------------------------------------------------------------------


class StorageHeater(_Section):
    number_of_heaters: Count | None = None
    index_number: IndexNumber | None = None
    high_heat_retention: Flag = None


class MainHeatingDetail(_Section):
    main_heating_number: Count | None = None
    main_heating_category: Code("main_heating_category") | None = None
    main_fuel_type: Code("main_fuel_type") | None = None
    main_heating_data_source: Code("main_heating_data_source") | None = None  # 1 PCDB, 2 SAP table
    main_heating_index_number: IndexNumber | None = None  # PCDB product id, leading zeros lost
    sap_main_heating_code: Count | None = None  # SAP Table 4a/4b
    main_heating_code: Count | None = None  # full SAP
    main_heating_control: Count | None = None  # SAP Table 4e control code, e.g. 2106
    main_heating_fraction: Num | None = None
    boiler_flue_type: Code("boiler_flue_type") | None = None
    main_heating_flue_type: Code("main_heating_flue_type") | None = None
    fan_flue_present: Flag = None
    is_flue_fan_present: Flag = None
    boiler_ignition_type: Code("boiler_ignition_type") | None = None
    combi_boiler_type: Code("combi_boiler_type") | None = None
    is_condensing_boiler: Flag = None
    heat_emitter_type: Code("heat_emitter_type") | None = None
    emitter_temperature: Code("emitter_temperature") | None = None
    central_heating_pump_age: Code("central_heating_pump_age") | None = None
    has_fghrs: Flag = None
    fghrs_index_number: IndexNumber | None = None
    compensating_controller_index_number: IndexNumber | None = None
    ttzc_index_number: IndexNumber | None = None
    community_heat_network_index_number: IndexNumber | None = None
    mcs_installed_heat_pump: Flag = None
    storage_heaters: ListOf[StorageHeater] | None = None

    @property
    def main_heating_index_number_padded(self) -> str | None:
        """The PCDB index as the PCDB writes it: six digits, zero-padded."""
        return pad_index(self.main_heating_index_number)

    @property
    def fghrs_index_number_padded(self) -> str | None:
        return pad_index(self.fghrs_index_number)


class Wwhrs(_Section):
    wwhrs_index_number1: IndexNumber | None = None
    wwhrs_index_number2: IndexNumber | None = None
    rooms_with_bath_and_or_shower: Count | None = None
    rooms_with_mixer_shower_no_bath: Count | None = None
    rooms_with_bath_and_mixer_shower: Count | None = None


class ShowerOutlet(_Section):
    shower_outlet_type: Code("shower_outlet_type") | None = None
    shower_wwhrs: Code("shower_wwhrs") | None = None
    shower_flow_rate: Num | None = None  # l/min


class SolarWaterHeating(_Section):
    solar_panel_collector_data_source: Code("solar_panel_collector_data_source") | None = None
    solar_panel_collector_orientation: Code("solar_panel_collector_orientation") | None = None
    solar_panel_collector_pitch: Code("solar_panel_collector_pitch") | None = None
    solar_panel_collector_overshading: Code("solar_panel_collector_overshading") | None = None
    solar_panel_aperture_area: Num | None = None
    solar_water_pump: Code("solar_water_pump") | None = None
    service_provision: Code("service_provision") | None = None


class CommunityHeatingSystem(_Section):
    """Full SAP heat network; RdSAP 10 keeps heat networks inside ``main_heating_details``."""

    community_heating_use: Code("community_heating_use") | None = None
    community_heating_distribution_type: Code("community_heating_distribution_type") | None = None
    community_heating_distribution_loss_factor: Num | None = None
    heat_network_index_number: IndexNumber | None = None
    heat_network_existing: Flag = None
    heat_network_assessed_as_new: Flag = None
    sub_network_name: Str | None = None


class SapHeating(_Section):
    main_heating_details: ListOf[MainHeatingDetail] | None = None
    secondary_fuel_type: Code("secondary_fuel_type") | None = None
    secondary_heating_type: Count | None = None  # SAP Table 4a code
    secondary_heating_category: Code("secondary_heating_category") | None = None
    water_heating_code: Count | None = None  # SAP Table 4a, 901 = from main system
    water_heating_fuel: Code("water_heating_fuel") | None = None
    water_fuel_type: Code("water_fuel_type") | None = None
    immersion_heating_type: Code("immersion_heating_type") | None = None
    cylinder_size: Code("cylinder_size") | None = None
    cylinder_size_measured: Num | None = None  # litres
    cylinder_insulation_type: Code("cylinder_insulation_type") | None = None
    cylinder_insulation_thickness: Code("cylinder_insulation_thickness") | None = None
    cylinder_heat_loss: Num | None = None
    cylinder_thermostat: Flag = None
    has_cylinder_thermostat: Flag = None
    has_hot_water_cylinder: Flag = None
    has_fixed_air_conditioning: Flag = None
    hot_water_store_size: Num | None = None
    hot_water_store_heat_loss: Num | None = None
    thermal_store: Code("thermal_store") | None = None
    instantaneous_wwhrs: Wwhrs | None = None
    storage_wwhrs: Wwhrs | None = None
    wwhrs: Wwhrs | None = None
    shower_outlets: ListOf[ShowerOutlet] | None = None
    number_baths: Count | None = None
    number_baths_wwhrs: Count | None = None
    solar_water_heating_details: SolarWaterHeating | None = None
    is_hot_water_separately_timed: Flag = None
    sap_community_heating_systems: ListOf[CommunityHeatingSystem] | None = None


# --- energy sources -------------------------------------------------------------------------------------


class PvArray(_Section):
    peak_power: Num | None = None  # kWp
    orientation: Code("orientation") | None = None
    pitch: Code("pitch") | None = None
    overshading: Code("overshading") | None = None
    pv_connection: Code("pv_connection") | None = None


class PvNoDetails(_Section):
    percent_roof_area: Num | None = None
    pv_connection: Code("pv_connection") | None = None


def _photovoltaic_supply(v: Any) -> Any:
    # Arrays come as a list of one-item lists ([[{...}], [{...}]]) or a plain list;
    # both become {"pv_arrays": [...]}.
    if isinstance(v, list):
        flat: list[Any] = []
        for item in v:
            flat.extend(item if isinstance(item, list) else [item])
        return {"pv_arrays": flat}
    return v


class PhotovoltaicSupply(_Section):
    pv_arrays: ListOf[PvArray] | None = None
    none_or_no_details: PvNoDetails | None = None
    percent_roof_area: Num | None = None  # SAP-Schema-16.x keeps it here


class PvBattery(_Section):
    battery_capacity: Num | None = None  # kWh


class WindTurbineDetails(_Section):
    hub_height: Num | None = None
    rotor_diameter: Num | None = None


class WindTurbine(_Section):
    wind_turbine_hub_height: Num | None = None
    wind_turbine_rotor_diameter: Num | None = None


class SapEnergySource(_Section):
    meter_type: Code("meter_type") | None = None
    electricity_tariff: Code("electricity_tariff") | None = None
    mains_gas: Flag = None
    main_gas: Flag = None  # SAP-Schema-16.x spelling
    electricity_smart_meter_present: Flag = None
    gas_smart_meter_present: Flag = None
    is_dwelling_export_capable: Flag = None
    photovoltaic_supply: Annotated[PhotovoltaicSupply, BeforeValidator(_photovoltaic_supply)] | None = None
    pv_arrays: ListOf[PvArray] | None = None
    pv_connection: Code("pv_connection") | None = None
    pv_diverter: Flag = None
    pv_battery_count: Count | None = None
    pv_batteries: ListOf[PvBattery] | None = None
    wind_turbines_count: Count | None = None
    wind_turbines_terrain_type: Code("wind_turbines_terrain_type") | None = None
    wind_turbine_details: WindTurbineDetails | None = None
    wind_turbines: ListOf[WindTurbine] | None = None
    hydro_electric_generation: Num | None = None  # kWh/year
    is_hydro_output_connected_to_dwelling_meter: Flag = None


# --- results --------------------------------------------------------------------------------------------


class ImprovementDetails(_Section):
    improvement_number: Count | None = None
    improvement_texts: dict[str, Any] | None = None


class Improvement(_Section):
    sequence: Count | None = None
    improvement_type: Code("improvement_type") | None = None  # A loft, B cavity, Q solid wall, U PV...
    improvement_category: Code("improvement_category") | None = None
    improvement_details: ImprovementDetails | None = None
    typical_saving: Money | None = None  # GBP/yr
    indicative_cost: Annotated[str, BeforeValidator(to_text)] | None = None  # "£220 - £250"
    energy_performance_rating: Count | None = None  # SAP after this and every earlier measure
    environmental_impact_rating: Count | None = None


class RhiNewDwelling(_Section):
    space_heating: Num | None = None
    water_heating: Num | None = None


class RenewableHeatIncentive(_Section):
    space_heating_existing_dwelling: Num | None = None  # kWh/yr
    water_heating: Num | None = None
    space_heating_with_loft_insulation: Num | None = None
    space_heating_with_cavity_insulation: Num | None = None
    impact_of_loft_insulation: Num | None = None
    impact_of_cavity_insulation: Num | None = None
    impact_of_solid_wall_insulation: Num | None = None
    rhi_new_dwelling: RhiNewDwelling | None = None


class Addendum(_Section):
    addendum_numbers: ListOf[Code("addendum_numbers")] | None = None
    stone_walls: Flag = None
    system_build: Flag = None
    cavity_fill_recommended: Flag = None
    access_issues: Flag = None
    high_exposure: Flag = None
    narrow_cavities: Flag = None


# --- the certificate ------------------------------------------------------------------------------------


class Certificate(_VentilationCounts):
    # identity
    certificate_number: str = Field(
        pattern=r"^[0-9]{4}(-[0-9]{4}){4}$", validation_alias=AliasChoices("certificate_number", "rrn")
    )
    uprn: Uprn = None
    uprn_source: Str | None = None  # "Energy Assessor" (lodged) or "Address Matched" (inferred)
    address_line_1: Str | None = None
    address_line_2: Str | None = None
    address_line_3: Str | None = None
    address_line_4: Str | None = None
    post_town: Str | None = None
    postcode: Str | None = None
    inspection_date: datetime.date | None = None
    completion_date: datetime.date | None = None
    registration_date: datetime.date
    created_at: Str | None = None
    # Domestic schemas only: CEPC-* (non-domestic) documents are a different model.
    schema_type: str = Field(pattern=r"^(RdSAP|SAP)-Schema-[0-9]")
    schema_version_original: Str | None = None
    sap_version: Num | None = None
    sap_data_version: Num | None = None
    calculation_software_version: Str | None = None
    assessment_type: Str | None = None  # "RdSAP" or "SAP"
    report_type: Code("report_type") | None = None
    status: Str | None = None
    language_code: Code("language_code") | None = None
    related_certificate_number: Str | None = None
    property_type: Code("property_type") | None = None
    built_form: Code("built_form") | None = None
    dwelling_type: Text | None = None
    tenure: Code("tenure") | None = None
    transaction_type: Code("transaction_type") | None = None
    region_code: Code("region_code") | None = None
    country_code: Code("country_code") | None = None

    # dwelling
    total_floor_area: Num | None = None  # m2, lodged rounded to an integer
    habitable_room_count: Count | None = None
    heated_room_count: Count | None = None
    extensions_count: Count | None = None
    measurement_type: Code("measurement_type") | None = None
    sap_building_parts: ListOf[BuildingPart] | None = None
    sap_flat_details: FlatDetails | None = None
    conservatory_type: Code("conservatory_type") | None = None
    has_heated_separate_conservatory: Flag = None
    has_hot_water_cylinder: Flag = None
    has_fixed_air_conditioning: Flag = None
    solar_water_heating: Flag = None

    # windows and doors
    sap_windows: ListOf[SapWindow] | None = None
    windows_transmission_details: TransmissionDetails | None = None  # unmeasured windows
    sap_opening_types: ListOf[SapOpeningType] | None = None
    multiple_glazed_proportion: Num | None = None  # %
    multiple_glazed_percentage: Num | None = None  # full SAP spelling
    multiple_glazing_type: Code("multiple_glazing_type") | None = None  # RdSAP <= 20
    glazed_area: Code("glazed_area") | None = None  # RdSAP <= 20
    glazing_gap: Code("glazing_gap") | None = None  # RdSAP <= 18
    pvc_window_frames: Flag = None  # RdSAP <= 19
    door_count: Count | None = None
    insulated_door_count: Count | None = None
    insulated_door_u_value: Num | None = None
    draughtproofed_door_count: Count | None = None
    percent_draughtproofed: Num | None = None

    # ventilation (RdSAP): the counts come from _VentilationCounts
    mechanical_ventilation: Code("mechanical_ventilation") | None = None
    mechanical_ventilation_index_number: IndexNumber | None = None
    mechanical_vent_duct_type: Code("mechanical_vent_duct_type") | None = None
    mechanical_vent_duct_placement: Code("mechanical_vent_duct_placement") | None = None
    mechanical_vent_duct_insulation: Code("mechanical_vent_duct_insulation") | None = None
    mechanical_vent_duct_insulation_level: Code("mechanical_vent_duct_insulation_level") | None = None
    mechanical_vent_measured_installation: Flag = None
    wet_rooms_count: Count | None = None
    pressure_test: Code("pressure_test") | None = None
    pressure_test_certificate_number: Str | None = None
    air_permeability: Num | None = None
    has_draught_lobby: Flag = None
    sap_ventilation: SapVentilation | None = None  # full SAP

    # full SAP dwelling-level inputs
    assessment_date: datetime.date | None = None
    data_type: Code("data_type") | None = None
    living_area: Num | None = None  # m2
    lowest_storey_area: Num | None = None  # m2
    orientation: Code("orientation") | None = None
    terrain_type: Code("terrain_type") | None = None
    windows_overshading: Code("windows_overshading") | None = None
    cold_water_source: Code("cold_water_source") | None = None
    is_in_smoke_control_area: Code("is_in_smoke_control_area") | None = None
    electricity_smart_meter_present: Flag = None
    gas_smart_meter_present: Flag = None
    is_dwelling_export_capable: Flag = None

    # heating, hot water, energy sources
    sap_heating: SapHeating | None = None
    sap_energy_source: SapEnergySource | None = None

    # lighting
    led_fixed_lighting_bulbs_count: Count | None = None
    cfl_fixed_lighting_bulbs_count: Count | None = None
    incandescent_fixed_lighting_bulbs_count: Count | None = None
    low_energy_fixed_lighting_bulbs_count: Count | None = None
    low_energy_lighting: Num | None = None  # % of outlets, RdSAP <= 20
    fixed_lighting_outlets_count: Count | None = None
    low_energy_fixed_lighting_outlets_count: Count | None = None

    # summary descriptions
    walls: ListOf[ElementRating] | None = None
    roofs: ListOf[ElementRating] | None = None
    floors: ListOf[ElementRating] | None = None
    window: ElementRating | None = None
    windows: ListOf[ElementRating] | None = None  # full SAP spelling
    main_heating: ListOf[ElementRating] | None = None
    main_heating_controls: ListOf[ElementRating] | None = None
    hot_water: ElementRating | None = None
    lighting: ElementRating | None = None
    secondary_heating: ElementRating | None = None
    air_tightness: ElementRating | None = None

    # lodged results
    energy_rating_current: Count | None = None  # SAP rating
    energy_rating_potential: Count | None = None
    energy_rating_average: Count | None = None
    current_energy_efficiency_band: Str | None = None
    potential_energy_efficiency_band: Str | None = None
    environmental_impact_current: Count | None = None
    environmental_impact_potential: Count | None = None
    co2_emissions_current: Num | None = None  # t/yr
    co2_emissions_current_per_floor_area: Num | None = None  # kg/m2/yr
    co2_emissions_potential: Num | None = None
    energy_consumption_current: Num | None = None  # primary energy, kWh/m2/yr
    energy_consumption_potential: Num | None = None
    heating_cost_current: Money | None = None  # GBP/yr
    heating_cost_potential: Money | None = None
    hot_water_cost_current: Money | None = None
    hot_water_cost_potential: Money | None = None
    lighting_cost_current: Money | None = None
    lighting_cost_potential: Money | None = None
    renewable_heat_incentive: RenewableHeatIncentive | None = None
    suggested_improvements: ListOf[Improvement] | None = None
    alternative_improvements: ListOf[Improvement] | None = None
    lzc_energy_sources: ListOf[Code("lzc_energy_sources")] | None = None
    addendum: Addendum | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _with_schema(cls, data: Any, handler: Any) -> Any:
        # Coded fields deep in the tree need the certificate's schema to pick their code table.
        if not isinstance(data, dict):
            return handler(data)
        schema = data.get("schema_type")
        assessment = data.get("assessment_type")
        if not isinstance(assessment, str):
            assessment = None
        ctx = (schema, assessment) if isinstance(schema, str) else None
        token = SCHEMA_CONTEXT.set(ctx)
        try:
            return handler(data)
        finally:
            SCHEMA_CONTEXT.reset(token)

    @property
    def is_sap10_2(self) -> bool:
        """Lodged under SAP 10.2 / RdSAP 10 or later (so the lodged figures are on today's methodology)."""
        return self.sap_version is not None and self.sap_version >= 10.2
