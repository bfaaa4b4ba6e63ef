"""The input schema of the SAP 10.2 worksheet: one row per home (or per home-and-measure variant).

Every column is a *physical* input (an area, a U-value, a system code, an efficiency), never a
derived worksheet quantity, so that measures can edit columns in bulk and the batch be re-scored.
Each column names the worksheet line or table it feeds (SAP 10.2, edition 14-03-2025).

Conventions
- Scalars are one value per row. List columns hold one value per element (a wall, a window, a
  PV array); the lists of one element group have equal lengths per row (checked).
- Codes reuse the register's SAP-Schema 19.x enumerations where one exists (orientation,
  overshading, ventilation type, tariff, pump age...), so the RdSAP expansion passes them through.
- ``None`` in an optional column means "not known, use the specification's default"; the
  default rule is written in the column's doc. Required columns must not be null.
- Areas are net heat-loss areas: wall areas already exclude the windows and doors in them
  (the expansion subtracts openings), because SAP works on net areas and a per-opening host
  reference would make every window measure a two-column edit anyway.

Orientation codes (SAP-Schema SAP-OrientationCode): 1 N, 2 NE, 3 E, 4 SE, 5 S, 6 SW, 7 W, 8 NW,
9 horizontal. Fuel codes are SAP 10.2 Table 12 codes (1 mains gas, 30 standard electricity, ...).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
import pyarrow as pa

from ara_assets.sap10.errors import UnsupportedInput

F64 = pl.Float64
I32 = pl.Int32
BOOL = pl.Boolean
LF64 = pl.List(pl.Float64)
LI32 = pl.List(pl.Int32)

REQUIRED = object()  # sentinel: the column must be given and must not be null


@dataclass(frozen=True)
class Column:
    """One input column: its name, polars dtype, unit, the worksheet line / table it feeds, its meaning
    and its default (``REQUIRED`` when it must be given; ``None`` = null = the specification's default)."""

    name: str
    dtype: pl.DataType
    unit: str
    line: str
    doc: str
    default: object = None
    group: str = ""  # list columns of one element group share a group name (equal lengths)
    allowed: tuple[int, ...] | None = None  # allowed codes for code columns
    min_value: float | None = None
    max_value: float | None = None


_COLUMNS: list[Column] = [
    # ---------------------------------------------------------------- identity
    Column(
        "home_id",
        pl.String,
        "-",
        "-",
        "Record id (certificate number, or home id + variant); named in errors.",
        REQUIRED,
    ),
    # ---------------------------------------------------------------- (1) dimensions
    Column(
        "storey_floor_area_m2",
        LF64,
        "m2",
        "(1a)..(1n)",
        "Floor area of each storey (internal dimensions); lowest storey first.",
        REQUIRED,
        "storey",
        min_value=0.0,
    ),
    Column(
        "storey_height_m",
        LF64,
        "m",
        "(2a)..(2n)",
        "Storey height of each storey (floor to floor; room height for the top storey).",
        REQUIRED,
        "storey",
        min_value=1.0,
        max_value=20.0,
    ),
    Column(
        "living_area_m2",
        F64,
        "m2",
        "(91)",
        "Floor area of the living area; living-area fraction fLA = living_area_m2 / TFA.",
        REQUIRED,
        min_value=0.0,
    ),
    # ---------------------------------------------------------------- (2) ventilation
    Column("open_chimneys", I32, "count", "(6a)", "Open chimneys (80 m3/h each).", 0, min_value=0),
    Column("open_flues", I32, "count", "(6b)", "Open flues (20 m3/h each).", 0, min_value=0),
    Column(
        "closed_fire_chimneys",
        I32,
        "count",
        "(6c)",
        "Chimneys / flues attached to closed fires (10 m3/h each).",
        0,
        min_value=0,
    ),
    Column(
        "solid_fuel_boiler_flues",
        I32,
        "count",
        "(6d)",
        "Flues attached to solid-fuel boilers (20 m3/h each).",
        0,
        min_value=0,
    ),
    Column(
        "other_heater_flues",
        I32,
        "count",
        "(6e)",
        "Flues attached to other heaters (35 m3/h each).",
        0,
        min_value=0,
    ),
    Column("blocked_chimneys", I32, "count", "(6f)", "Blocked chimneys (20 m3/h each).", 0, min_value=0),
    Column(
        "intermittent_fans", I32, "count", "(7a)", "Intermittent extract fans (10 m3/h each).", 0, min_value=0
    ),
    Column("passive_vents", I32, "count", "(7b)", "Passive stack vents (10 m3/h each).", 0, min_value=0),
    Column("flueless_gas_fires", I32, "count", "(7c)", "Flueless gas fires (40 m3/h each).", 0, min_value=0),
    Column(
        "air_permeability_q50",
        F64,
        "m3/h.m2 @50Pa",
        "(17)",
        "Air permeability from a pressure test (or design value). Null: no test, infiltration from (9)-(16).",
        None,
        min_value=0.0,
        max_value=100.0,
    ),
    Column(
        "storeys_for_infiltration",
        I32,
        "count",
        "(9)",
        "Number of storeys used in (10) = ((9)-1) x 0.1. Null: number of storey_floor_area_m2 entries.",
        None,
        min_value=1,
    ),
    Column(
        "timber_frame_or_steel",
        BOOL,
        "-",
        "(11)",
        "Structural infiltration 0.25 if timber/steel frame, else 0.35 (masonry).",
        False,
    ),
    Column(
        "suspended_wooden_floor",
        I32,
        "code",
        "(12)",
        "0 none / not suspended timber, 1 suspended timber unsealed (0.2), 2 sealed (0.1).",
        0,
        allowed=(0, 1, 2),
    ),
    Column("draught_lobby", BOOL, "-", "(13)", "Draught lobby present (0 if so, else 0.05).", False),
    Column(
        "windows_draughtproofed_pct",
        F64,
        "%",
        "(14)-(15)",
        "Percentage of windows and doors draught-stripped; (15) = 0.25 - 0.2 x pct/100.",
        100.0,
        min_value=0.0,
        max_value=100.0,
    ),
    Column(
        "sheltered_sides",
        I32,
        "count",
        "(19)",
        "Number of sides sheltered (0-4).",
        2,
        min_value=0,
        max_value=4,
    ),
    Column(
        "ventilation_type",
        I32,
        "code",
        "(23a)-(24d)",
        "SAP-Schema ventilation code: 1/2/9/10 natural (with fans / passive vents), 3 PIV from loft, "
        "4 PIV from outside, 5 MEV centralised, 6 MEV decentralised, 7 balanced without HR, 8 MVHR.",
        1,
        allowed=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    ),
    Column(
        "mv_specific_fan_power_w_per_l_s",
        F64,
        "W/(l/s)",
        "(230a)",
        "In-use specific fan power of mechanical ventilation (PCDB SFP x Table 4h in-use factor, applied by "
        "the expansion). Required with ventilation types 4-8 (Table 4g defaults not transcribed yet).",
        None,
        min_value=0.0,
    ),
    Column(
        "mvhr_efficiency_pct",
        F64,
        "%",
        "(23c)",
        "In-use MVHR heat-exchanger efficiency (PCDB x Table 4h in-use factor). Required with type 8.",
        None,
        min_value=0.0,
        max_value=100.0,
    ),
    # ---------------------------------------------------------------- (3) heat losses
    Column(
        "door_area_m2",
        LF64,
        "m2",
        "(26)",
        "Net area of each opaque or semi-glazed door.",
        [],
        "door",
        min_value=0.0,
    ),
    Column("door_u_value", LF64, "W/m2K", "(26)", "U-value of each door.", [], "door", min_value=0.0),
    Column(
        "window_area_m2",
        LF64,
        "m2",
        "(27), (27a), (74)-(82)",
        "Area of each window / roof window / glazed door (frame included).",
        [],
        "window",
        min_value=0.0,
    ),
    Column(
        "window_u_value",
        LF64,
        "W/m2K",
        "(27), (27a)",
        "U-value of each window as tested/tabulated, without curtains; the worksheet applies the "
        "curtain/blind resistance 0.04 m2K/W: Ueff = 1/(1/U + 0.04).",
        [],
        "window",
        min_value=0.0,
    ),
    Column(
        "window_g_perp",
        LF64,
        "-",
        "(74)-(82), Table 6b",
        "Total solar energy transmittance at normal incidence g_perp (Table 6b or manufacturer).",
        [],
        "window",
        min_value=0.0,
        max_value=1.0,
    ),
    Column(
        "window_frame_factor",
        LF64,
        "-",
        "(74)-(82), Table 6c",
        "Frame factor FF (glazed fraction of the opening), Table 6c or measured.",
        [],
        "window",
        min_value=0.0,
        max_value=1.0,
    ),
    Column(
        "window_g_light",
        LF64,
        "-",
        "Appendix L (L2a), Table 6b",
        "Light transmittance g_L of each window (Table 6b: single 0.90, double 0.80, triple 0.70). "
        "Absent column: 0.80 for every window (double glazing).",
        pl.col("window_area_m2").list.eval(pl.element() * 0.0 + 0.80),
        "window",
        min_value=0.0,
        max_value=1.0,
    ),
    Column(
        "window_orientation",
        LI32,
        "code",
        "(74)-(82), Appendix U3",
        "Orientation code 1..8 (N..NW), 9 horizontal.",
        [],
        "window",
        allowed=(1, 2, 3, 4, 5, 6, 7, 8, 9),
    ),
    Column(
        "window_pitch_deg",
        LF64,
        "deg",
        "(27a), U3.2, Table 6e",
        "Tilt from horizontal: 90 for a vertical window; < 70 makes it a roof window in (27a).",
        [],
        "window",
        min_value=0.0,
        max_value=90.0,
    ),
    Column(
        "floor_area_hl_m2",
        LF64,
        "m2",
        "(28a)",
        "Heat-loss area of each ground / exposed floor.",
        [],
        "floor",
        min_value=0.0,
    ),
    Column(
        "floor_u_value",
        LF64,
        "W/m2K",
        "(28a)",
        "U-value of each heat-loss floor.",
        [],
        "floor",
        min_value=0.0,
    ),
    Column(
        "wall_area_m2",
        LF64,
        "m2",
        "(29a)",
        "Net area (openings removed) of each external or sheltered wall element.",
        [],
        "wall",
        min_value=0.0,
    ),
    Column(
        "wall_u_value",
        LF64,
        "W/m2K",
        "(29a)",
        "U-value of each wall element (sheltered walls: Ru already applied).",
        [],
        "wall",
        min_value=0.0,
    ),
    Column(
        "roof_area_m2",
        LF64,
        "m2",
        "(30)",
        "Net area of each roof element (roof windows removed).",
        [],
        "roof",
        min_value=0.0,
    ),
    Column("roof_u_value", LF64, "W/m2K", "(30)", "U-value of each roof element.", [], "roof", min_value=0.0),
    Column(
        "party_wall_area_m2", LF64, "m2", "(32)", "Area of each party wall.", [], "party_wall", min_value=0.0
    ),
    Column(
        "party_wall_u_value",
        LF64,
        "W/m2K",
        "(32)",
        "U-value of each party wall (0 solid/filled-cavity, 0.5 unfilled cavity, Table 3.6 of SAP).",
        [],
        "party_wall",
        min_value=0.0,
    ),
    Column(
        "thermal_mass_parameter",
        F64,
        "kJ/m2K",
        "(35)",
        "TMP = sum(kappa x A) / TFA. Null: 250 (medium, Table 1f indicative value for unknown construction).",
        None,
        min_value=0.0,
        max_value=1000.0,
    ),
    Column(
        "thermal_bridging_y",
        F64,
        "W/m2K",
        "(36)",
        "y-value; (36) = y x (31). Null: 0.2 (SAP 10.2 default when details are unknown).",
        None,
        min_value=0.0,
        max_value=1.0,
    ),
    Column(
        "thermal_bridging_w_per_k",
        F64,
        "W/K",
        "(36)",
        "Sum of L x psi when junctions are entered individually; overrides thermal_bridging_y when set.",
        None,
        min_value=0.0,
    ),
    # ---------------------------------------------------------------- (4) water heating
    Column(
        "occupancy",
        F64,
        "persons",
        "(42), Table 1b",
        "Assumed occupancy N. Null: Table 1b formula from TFA.",
        None,
        min_value=0.0,
    ),
    Column(
        "low_water_use_design",
        BOOL,
        "-",
        "(43), J",
        "Designed to <= 125 l/person/day (x 0.95 on other use).",
        False,
    ),
    Column(
        "cold_water_source",
        I32,
        "code",
        "(45), Appendix J Table J1",
        "1 mains, 2 header tank (SAP-Schema ColdWaterSourceCode): selects the Table J1 cold-water column.",
        1,
        allowed=(1, 2),
    ),
    Column("bath_present", BOOL, "-", "(42b), J", "A bath is present.", True),
    Column(
        "mixer_shower_flow_l_per_min",
        LF64,
        "l/min",
        "(42a), J",
        "Flow rate of each mixer shower (vented 7, vented + pump 12, unvented 12, Part G 2015 default "
        "per Appendix J when unknown is set by the expansion).",
        [],
        "shower",
        min_value=0.0,
    ),
    Column(
        "electric_showers",
        I32,
        "count",
        "(42a), (64a), J",
        "Instantaneous electric showers (their energy is electricity at the shower, not from the water "
        "heater): Appendix J eq J16-J18 at the Table J4 9.3 kW, result column "
        "`electric_shower_electricity_kwh`.",
        0,
        min_value=0,
    ),
    Column(
        "water_heating_code",
        I32,
        "code",
        "Table 4a (9xx), (217)",
        "901 from main system 1, 902 from main system 2, 914 from secondary; 903 electric immersion, "
        "907-912 single-point / multipoint / other water-only heaters (Table 4a).",
        901,
    ),
    Column(
        "water_heating_fuel",
        I32,
        "code",
        "Table 12, (219)",
        "Fuel of a separate water heater; null = fuel of the system the water comes from.",
        None,
    ),
    Column(
        "water_heating_efficiency_pct",
        F64,
        "%",
        "(217)",
        "Efficiency of a separate water heater (PCDB). Null: Table 4a value; from a boiler: (217) "
        "from the boiler's summer/winter efficiencies; from a heat pump: Table 4a water column of its code.",
        None,
        min_value=1.0,
        max_value=600.0,
    ),
    Column(
        "cylinder_volume_l",
        F64,
        "litres",
        "(47), Table 2a",
        "Hot-water cylinder volume. Null: no cylinder (combi, instantaneous).",
        None,
        min_value=0.0,
    ),
    Column(
        "cylinder_declared_loss_kwh_per_day",
        F64,
        "kWh/day",
        "(48)-(50)",
        "Manufacturer's declared cylinder loss. Null: from insulation type and thickness (Table 2).",
        None,
        min_value=0.0,
    ),
    Column(
        "cylinder_insulation_type",
        I32,
        "code",
        "(51), Table 2",
        "1 factory-applied foam, 2 loose jacket (SAP-Schema HotWaterStoreInsulationTypeCode).",
        None,
        allowed=(1, 2),
    ),
    Column(
        "cylinder_insulation_mm",
        F64,
        "mm",
        "(51), Table 2",
        "Cylinder insulation thickness.",
        None,
        min_value=0.0,
    ),
    Column("cylinder_thermostat", BOOL, "-", "(53), Table 2b", "Cylinder thermostat present.", True),
    Column("cylinder_in_heated_space", BOOL, "-", "(47)-(57)", "Cylinder inside the heated envelope.", True),
    Column(
        "water_separately_timed",
        BOOL,
        "-",
        "(53) Table 2b, (59) Table 3",
        "Stored hot water on its own time programme (Table 2b x 0.9; Table 3: 3 h/day of circulation).",
        False,
    ),
    Column(
        "primary_pipework_insulation",
        I32,
        "code",
        "(59), Table 3",
        "1 none, 2 first metre, 3 all accessible, 4 fully insulated (SAP-Schema PipeworkInsulationCode).",
        4,
        allowed=(1, 2, 3, 4),
    ),
    Column(
        "combi_loss_kwh_per_year",
        F64,
        "kWh/year",
        "(61), Table 3a",
        "Combi boiler additional loss. Null with a combi: Table 3a default 600 x fu (no keep-hot data).",
        None,
        min_value=0.0,
    ),
    Column(
        "immersion_type",
        I32,
        "code",
        "Table 13",
        "1 dual, 2 single immersion (off-peak splits).",
        None,
        allowed=(1, 2),
    ),
    # ------------------------------------------------- (4) water heating extras: WWHRS, solar, FGHRS
    Column(
        "mixer_shower_wwhrs",
        LI32,
        "code",
        "(63a), Appendix G4",
        "WWHRS each mixer shower drains through, in the order of mixer_shower_flow_l_per_min: 0 none, "
        "1 instantaneous WWHRS 1, 2 instantaneous WWHRS 2, 3 storage WWHRS. [] = no WWHRS on any shower; "
        "otherwise one code per mixer shower.",
        [],
        allowed=(0, 1, 2, 3),
    ),
    Column(
        "wwhrs_1_efficiency_pct",
        F64,
        "%",
        "(63a), Appendix G4",
        "Heat-recovery efficiency of instantaneous WWHRS 1 from the PCDB, for its installed arrangement "
        "(system A/B/C) at the dwelling's shower flow. Required when a shower is on WWHRS 1 (no default).",
        None,
        min_value=0.0,
        max_value=100.0,
    ),
    Column(
        "wwhrs_1_utilisation",
        F64,
        "-",
        "(63a), Appendix G4",
        "Utilisation factor of instantaneous WWHRS 1 from the PCDB. Required when a shower is on WWHRS 1.",
        None,
        min_value=0.0,
        max_value=1.0,
    ),
    Column(
        "wwhrs_1_system_type",
        I32,
        "code",
        "Appendix G4",
        "Arrangement of WWHRS 1: 1 system A (pre-heats shower and water heater), 2 system B (shower only), "
        "3 system C (water heater only). Recorded for traceability: the PCDB efficiency is per arrangement.",
        None,
        allowed=(1, 2, 3),
    ),
    Column(
        "wwhrs_2_efficiency_pct",
        F64,
        "%",
        "(63a), Appendix G4",
        "As wwhrs_1_efficiency_pct for instantaneous WWHRS 2.",
        None,
        min_value=0.0,
        max_value=100.0,
    ),
    Column(
        "wwhrs_2_utilisation",
        F64,
        "-",
        "(63a), Appendix G4",
        "As wwhrs_1_utilisation for instantaneous WWHRS 2.",
        None,
        min_value=0.0,
        max_value=1.0,
    ),
    Column(
        "wwhrs_2_system_type",
        I32,
        "code",
        "Appendix G4",
        "As wwhrs_1_system_type for instantaneous WWHRS 2.",
        None,
        allowed=(1, 2, 3),
    ),
    Column(
        "baths_to_storage_wwhrs",
        I32,
        "count",
        "(63a), Appendix G4",
        "Baths draining into a storage WWHRS (storage WWHRS is refused: method not transcribed).",
        0,
        min_value=0,
    ),
    Column(
        "solar_collector_area_m2",
        F64,
        "m2",
        "(H1), Appendix H",
        "Aperture area of the solar water-heating collector. Null: no solar water heating.",
        None,
        min_value=0.0,
        max_value=100.0,
    ),
    Column(
        "solar_zero_loss_efficiency",
        F64,
        "-",
        "(H2)",
        "Collector zero-loss efficiency eta0 (fraction, test certificate). Required with a collector.",
        None,
        min_value=0.0,
        max_value=1.0,
    ),
    Column(
        "solar_a1",
        F64,
        "W/m2K",
        "(H3)",
        "Collector linear heat-loss coefficient a1. Required with a collector.",
        None,
        min_value=0.0,
        max_value=100.0,
    ),
    Column(
        "solar_a2",
        F64,
        "W/m2K2",
        "(H4)",
        "Collector second-order heat-loss coefficient a2. Required with a collector.",
        None,
        min_value=0.0,
        max_value=10.0,
    ),
    Column(
        "solar_loop_efficiency",
        F64,
        "-",
        "(H5)",
        "Collector loop efficiency. Null: 0.9 (UNCONFIRMED default, see COVERAGE.md).",
        None,
        min_value=0.0,
        max_value=1.0,
    ),
    Column(
        "solar_incidence_angle_modifier",
        F64,
        "-",
        "(H6)",
        "Incidence angle modifier of the collector (test certificate). Required with a collector.",
        None,
        min_value=0.0,
        max_value=1.5,
    ),
    Column(
        "solar_orientation",
        I32,
        "code",
        "(H7), U3",
        "Collector orientation code 1..8 (N..NW), 9 horizontal.",
        5,
        allowed=(1, 2, 3, 4, 5, 6, 7, 8, 9),
    ),
    Column(
        "solar_pitch_deg",
        F64,
        "deg",
        "(H7), U3",
        "Collector tilt from horizontal.",
        30.0,
        min_value=0.0,
        max_value=90.0,
    ),
    Column(
        "solar_overshading",
        I32,
        "code",
        "(H8), Table H2",
        "Collector overshading: 1 none/very little (1.0), 2 modest (0.8), 3 significant (0.65), "
        "4 heavy (0.5).",
        2,
        allowed=(1, 2, 3, 4),
    ),
    Column(
        "solar_loop_heat_loss_w_per_k",
        F64,
        "W/K",
        "(H10)",
        "Overall heat-loss coefficient of the solar loop pipework (test data). Null: 5 + 0.5 x (H1).",
        None,
        min_value=0.0,
    ),
    Column(
        "solar_dedicated_volume_l",
        F64,
        "litres",
        "(H12)",
        "Dedicated solar storage volume. Required with a collector.",
        None,
        min_value=0.0,
    ),
    Column(
        "solar_combined_cylinder",
        BOOL,
        "-",
        "(H13), (57)",
        "The dedicated solar volume is part of the hot-water cylinder (cylinder_volume_l is the total "
        "volume (H13)); (57) then excludes the solar part from the cylinder loss. False: separate solar "
        "pre-heat store.",
        False,
    ),
    Column(
        "solar_pump_kwh_per_year",
        F64,
        "kWh/year",
        "(230g), Table 4f",
        "Electricity of the solar circulation pump; 0 for a PV-powered pump. Null: Table 4f "
        "2 x (25 + 5 x (H1)).",
        None,
        min_value=0.0,
    ),
    Column(
        "solar_space_heating",
        BOOL,
        "-",
        "(H25)-(H29)",
        "The collector also serves space heating (solar combisystem): refused, (H25)-(H29) not implemented.",
        False,
    ),
    Column(
        "fghrs_present",
        BOOL,
        "-",
        "(63d), Appendix G1-G3",
        "A flue-gas heat-recovery system is fitted to the boiler heating the water (refused: the Appendix G "
        "equations need the PCDB FGHRS record, not carried).",
        False,
    ),
    Column(
        "fghrs_index_number",
        pl.String,
        "-",
        "(63d), Appendix G1",
        "PCDB index number of the FGHRS (named in the refusal).",
        None,
    ),
    # ---------------------------------------------------------------- (5) gains, Appendix L
    Column(
        "fixed_lighting_capacity_lm",
        F64,
        "lm",
        "Appendix L (L5)",
        "Total luminous flux of fixed lighting. Null: 185 lm/m2 x TFA (eq L5b).",
        None,
        min_value=0.0,
    ),
    Column(
        "fixed_lighting_efficacy_lm_per_w",
        F64,
        "lm/W",
        "Appendix L (L8)",
        "Average efficacy of fixed lighting. Null: 21.3 lm/W.",
        None,
        min_value=1.0,
    ),
    Column(
        "central_heating_pump_age",
        I32,
        "code",
        "(230c), Table 4f",
        "0 unknown, 1 2012 or earlier, 2 2013 or later (SAP-Schema PumpAge).",
        0,
        allowed=(0, 1, 2),
    ),
    Column("central_heating_pump_in_heated_space", BOOL, "-", "(70), Table 5a", "Pump gains count.", True),
    Column(
        "reduced_internal_gains",
        BOOL,
        "-",
        "(66)-(69), Table 5",
        "Use the reduced-gains variant (only for the DER/TER of some cases; False for ratings).",
        False,
    ),
    # ---------------------------------------------------------------- (6) solar gains
    Column(
        "windows_overshading",
        I32,
        "code",
        "Table 6d",
        "1 very little, 2 average or unknown, 3 more than average, 4 heavy (SAP-Schema code).",
        2,
        allowed=(1, 2, 3, 4),
    ),
    # ---------------------------------------------------------------- climate
    Column(
        "climate_region",
        I32,
        "code",
        "Appendix U, Table U1-U4",
        "0 = UK average (used for SAP ratings), 1-21 regional climate; 22 and above: a postcode district of "
        "the installed PCDB's Table 172 (ProductData.district_code), for the demand figures.",
        0,
        min_value=0,
        max_value=9_999,
    ),
    # ---------------------------------------------------------------- (9a) heating systems
    Column(
        "main_heating_code",
        I32,
        "code",
        "Table 4a / 4b",
        "SAP code of main heating system 1 (e.g. 104 = gas combi condensing automatic ignition).",
        REQUIRED,
    ),
    Column("main_heating_fuel", I32, "code", "Table 12", "Table 12 fuel code of main system 1.", REQUIRED),
    Column(
        "main_heating_efficiency_winter_pct",
        F64,
        "%",
        "(206), Table 4a/4b",
        "Winter seasonal efficiency (PCDB or declared). Null: Appendix N from main_heating_hp_* when given, "
        "else the Table 4a / 4b value for the code (heat pumps 201-227: Table 4a heat-pump space column).",
        None,
        min_value=1.0,
        max_value=600.0,
    ),
    Column(
        "main_heating_efficiency_summer_pct",
        F64,
        "%",
        "(217), Table 4b",
        "Summer seasonal efficiency of a boiler (PCDB). Null: Table 4b value.",
        None,
        min_value=1.0,
        max_value=600.0,
    ),
    Column(
        "main_heating_control",
        I32,
        "code",
        "Table 4e, Table 9",
        "Table 4e control code (e.g. 2106 programmer, room thermostat and TRVs).",
        REQUIRED,
    ),
    Column(
        "heat_emitter_type",
        I32,
        "code",
        "Table 4c, Table 4d",
        "1 radiators, 2 underfloor, 3 both, 4 fan coils (SAP-Schema HeatEmitterCode).",
        1,
        allowed=(1, 2, 3, 4),
    ),
    Column(
        "boiler_interlock",
        BOOL,
        "-",
        "Table 4c(2)",
        "Boiler interlock present (if not: -5 percentage points on space and water efficiency).",
        True,
    ),
    # ---------------------------------------------------------------- Appendix N: heat pump product data
    Column(
        "main_heating_hp_output_kw",
        F64,
        "kW",
        "Appendix N2 (PSR)",
        "Maximum nominal output of the heat pump of main system 1 (PCDB record); PSR = output / "
        "((39) x 24.2 K). Needed with the PSR datasets below.",
        None,
        min_value=0.0,
        max_value=1000.0,
    ),
    Column(
        "main_heating_hp_psr",
        LF64,
        "-",
        "Appendix N2",
        "Plant size ratio of each PSR dataset of the heat pump's PCDB record, ascending. Empty: no product "
        "data, (206)/(217) from the declared efficiency or the Table 4a heat-pump default of the code.",
        [],
        "hp_psr",
        min_value=0.0,
    ),
    Column(
        "main_heating_hp_space_efficiency_pct",
        LF64,
        "%",
        "(206), Appendix N2/N3.6",
        "Space-heating efficiency of each PSR dataset (before the N3.6 in-use factor 0.95).",
        [],
        "hp_psr",
        min_value=1.0,
        max_value=1000.0,
    ),
    Column(
        "main_heating_hp_water_efficiency_pct",
        LF64,
        "%",
        "(217), Appendix N2/N3.7",
        "Water-heating efficiency of each PSR dataset (before the Table N8 in-use factor; result at least "
        "100 %). Required with the datasets (no null elements).",
        [],
        "hp_psr",
        min_value=1.0,
        max_value=1000.0,
    ),
    Column(
        "main_heating_hp_cylinder_criteria_met",
        BOOL,
        "-",
        "(217), Appendix N3.7 / Table N8",
        "The cylinder meets the PCDB record's volume, heat-exchanger area and heat-loss criteria: water "
        "in-use factor 0.95. Null or false: 0.60 (criteria failed or unknown).",
        None,
    ),
    Column("delayed_start_thermostat", BOOL, "-", "Table 4c", "Separate delayed-start thermostat.", False),
    Column(
        "flow_temperature_c",
        F64,
        "degC",
        "-",
        "Design flow temperature of wet emitters. Carried for reports and measures; the worksheet does not "
        "read it (the Table 4c flow-temperature adjustments are not applied, DEVIATIONS C6): a heat pump's "
        "or boiler's flow temperature acts through its declared efficiency.",
        70.0,
        min_value=20.0,
        max_value=90.0,
    ),
    Column(
        "main_heating_fraction",
        F64,
        "-",
        "(202)",
        "Fraction of main heat from main system 1; (203) = 1 - this goes to main system 2 (1.0 with one).",
        1.0,
        min_value=0.0,
        max_value=1.0,
    ),
    Column(
        "main_heating_2_code",
        I32,
        "code",
        "Table 4a / 4b, (205)-(213)",
        "SAP code of main heating system 2; null = one main system. Same control and emitters as system 1.",
        None,
    ),
    Column("main_heating_2_fuel", I32, "code", "Table 12", "Table 12 fuel code of main system 2.", None),
    Column(
        "main_heating_2_efficiency_winter_pct",
        F64,
        "%",
        "(207)",
        "Winter efficiency of main system 2 (PCDB). Null: Table 4a / 4b.",
        None,
        min_value=1.0,
        max_value=600.0,
    ),
    Column(
        "main_heating_2_efficiency_summer_pct",
        F64,
        "%",
        "(217)",
        "Summer efficiency of main system 2 when it heats water (902). Null: Table 4b.",
        None,
        min_value=1.0,
        max_value=600.0,
    ),
    Column(
        "secondary_heating_code",
        I32,
        "code",
        "Table 4a (6xx / 69x), Table 11",
        "SAP code of the secondary (room) heater; null = none.",
        None,
    ),
    Column("secondary_heating_fuel", I32, "code", "Table 12", "Fuel of the secondary heater.", None),
    Column(
        "secondary_heating_efficiency_pct",
        F64,
        "%",
        "(208)",
        "Efficiency of the secondary heater; null: Table 4a.",
        None,
        min_value=1.0,
        max_value=600.0,
    ),
    Column(
        "price_table",
        I32,
        "table",
        "(240)-(255)",
        "Prices for the rating: 12 = SAP 10.2 Table 12 (full SAP), 32 = RdSAP 10 Table 32 (RdSAP 10 s19.1: "
        "RdSAP ratings use Table 32 prices; CO2 and primary energy stay on Table 12).",
        12,
        allowed=(12, 32),
    ),
    Column(
        "electricity_tariff",
        I32,
        "code",
        "Table 12, 12a",
        "1 standard, 2 off-peak 7 hour, 3 off-peak 10 hour, 4 24 hour, 5 18 hour (SAP-Schema code).",
        1,
        allowed=(1, 2, 3, 4, 5),
    ),
    # ---------------------------------------------------------------- Appendix C: heat networks (9b)
    # Used when main_heating_code is a heat-network code (Table 4a 301-310); one element per heat source.
    Column(
        "heat_network_source_type",
        LI32,
        "code",
        "(303a)-(303e), Appendix C",
        "Heat source of each network source: 1 CHP, 2 boilers, 3 heat pump, 4 waste heat, 5 geothermal "
        "(SAP-Schema HeatSourceTypeCode). Empty: the RdSAP 10 default sources of main_heating_code (301 "
        "boilers 80 %; 302 CHP 0.35 at 50 % heat / 25 % power + boilers 0.65 at 80 %; 304 heat pump 300 %), "
        "fuel = main_heating_fuel (304: 41); other codes refused.",
        [],
        "hn_source",
        allowed=(1, 2, 3, 4, 5),
    ),
    Column(
        "heat_network_source_fraction",
        LF64,
        "-",
        "(303a)-(303e)",
        "Fraction of the network's heat from each source (they sum to 1).",
        [],
        "hn_source",
        min_value=0.0,
        max_value=1.0,
    ),
    Column(
        "heat_network_source_fuel",
        LI32,
        "code",
        "Table 12 (heat networks)",
        "Table 12 heat-network fuel code of each source (51 mains gas, 53 gas oil, 41 heat pump, ...).",
        [],
        "hn_source",
        min_value=0.0,
        max_value=99.0,
    ),
    Column(
        "heat_network_source_efficiency_pct",
        LF64,
        "%",
        "(362), (365)..., Appendix C",
        "Heat efficiency of each source: boiler efficiency, CHP heat efficiency, heat-pump COP x 100.",
        [],
        "hn_source",
        min_value=1.0,
        max_value=1000.0,
    ),
    Column(
        "heat_network_source_power_efficiency_pct",
        LF64,
        "%",
        "(361), Table 12f",
        "Electrical efficiency of a CHP source (0 for other sources); credited at Table 12f.",
        [],
        "hn_source",
        min_value=0.0,
        max_value=100.0,
    ),
    Column(
        "heat_network_distribution_type",
        I32,
        "code",
        "(306), Table 12c",
        "SAP-Schema HeatingDistributionCode: 5 calculated (factor lodged), 6 unknown, 7 not compliant with "
        "the Code of Practice CP1, 8 compliant, 9 two adjoining dwellings. Used only when no factor is "
        "lodged; the Table 12c values by type are not transcribed, so such homes are refused (the RdSAP "
        "expansion enters the Table 12c age-band default as the factor for type 6).",
        6,
        allowed=(5, 6, 7, 8, 9),
    ),
    Column(
        "heat_network_distribution_loss_factor",
        F64,
        "-",
        "(306)",
        "Distribution loss factor of the network (PCDB heat-network record or lodged; the RdSAP expansion "
        "enters the SAP 10.2 Table 12c default of the dwelling's age band for an unknown type). Null: "
        "Table 12c by heat_network_distribution_type.",
        None,
        min_value=1.0,
        max_value=5.0,
    ),
    # ---------------------------------------------------------------- Appendix M: PV
    Column("pv_kwp", LF64, "kWp", "(233), M1", "Peak power of each PV array.", [], "pv", min_value=0.0),
    Column(
        "pv_orientation",
        LI32,
        "code",
        "M1, U3",
        "Orientation code of each PV array (1..8, 9 horizontal).",
        [],
        "pv",
        allowed=(1, 2, 3, 4, 5, 6, 7, 8, 9),
    ),
    Column(
        "pv_pitch_deg",
        LF64,
        "deg",
        "M1, U3",
        "Tilt of each PV array from horizontal.",
        [],
        "pv",
        min_value=0.0,
        max_value=90.0,
    ),
    Column(
        "pv_overshading",
        LI32,
        "code",
        "M1, Table H2",
        "Overshading of each PV array: 1 none/very little (1.0), 2 modest (0.8), 3 significant (0.65), "
        "4 heavy (0.5).",
        [],
        "pv",
        allowed=(1, 2, 3, 4),
    ),
    Column(
        "pv_connected_to_dwelling",
        BOOL,
        "-",
        "M1",
        "PV connected to the dwelling's meter (else generation counts as exported only).",
        True,
    ),
    Column(
        "battery_capacity_kwh",
        F64,
        "kWh",
        "M1 (C_bat)",
        "Usable battery capacity (sum over the dwelling's PV batteries); 0 = none. Raises the PV share used "
        "in the dwelling (Appendix M1 3c: C_bat, capped at 15 kWh).",
        0.0,
        min_value=0.0,
    ),
    # ---------------------------------------------------------------- G4 diverter, M2 wind, M3 hydro
    Column(
        "pv_diverter",
        BOOL,
        "-",
        "(63b), Appendix G4",
        "PV diverter sending surplus PV to an immersion in the hot-water cylinder. Counts only with PV on "
        "the dwelling's meter, a cylinder larger than the daily hot-water use (43), no solar water heating "
        "and no battery (G4 step 1); otherwise disregarded.",
        False,
    ),
    Column(
        "wind_turbine_count",
        I32,
        "-",
        "(234), M2",
        "Number of micro wind turbines (all of the same size); 0 = none.",
        0,
        min_value=0.0,
    ),
    Column(
        "wind_turbine_rotor_diameter_m",
        F64,
        "m",
        "(234), M2",
        "Rotor diameter of each wind turbine. Null with turbines present: refused (RdSAP default not "
        "transcribed).",
        None,
        min_value=0.0,
    ),
    Column(
        "wind_turbine_hub_height_m",
        F64,
        "m",
        "(234), M2, Table M1",
        "Height of the rotor hub above the roof ridge. Null with turbines present: refused (RdSAP default "
        "not transcribed).",
        None,
        min_value=0.0,
    ),
    Column(
        "wind_terrain",
        I32,
        "code",
        "M2, Table M1",
        "Terrain of the wind turbines: 1 dense urban, 2 low-rise urban / suburban, 3 rural (register "
        "Wind-Turbines-Terrain-Type 1-3). Null with turbines present: refused.",
        None,
        allowed=(1, 2, 3),
    ),
    Column(
        "hydro_generation_kwh",
        F64,
        "kWh/year",
        "(235a), M3",
        "Declared annual electricity from a small hydro-electric generator; 0 = none.",
        0.0,
        min_value=0.0,
    ),
    Column(
        "hydro_connected_to_dwelling",
        BOOL,
        "-",
        "(235a), M3",
        "Hydro generator connected to the dwelling's meter (else its output counts as exported only).",
        True,
    ),
    # ---------------------------------------------------------------- (8c) cooling; (23b) exhaust-air HP
    Column(
        "has_fixed_air_conditioning",
        BOOL,
        "-",
        "(105)-(107), (221)",
        "A fixed air-conditioning system is present: its cooling electricity (221) counts in costs, CO2 "
        "and primary energy. Without it the cooling requirement is worked out but not delivered.",
        False,
    ),
    Column(
        "cooled_area_m2",
        F64,
        "m2",
        "(105)",
        "Floor area cooled by the fixed system; cooled fraction (105) = cooled_area_m2 / TFA (capped at 1). "
        "Required with air conditioning (no RdSAP 10 default transcribed: refused when null).",
        None,
        min_value=0.0,
    ),
    Column(
        "cooling_seer",
        F64,
        "-",
        "(209)",
        "Declared seasonal energy efficiency ratio of the cooling system (PCDB or manufacturer; SAP-Schema "
        "System-Energy-Efficiency-Ratio). Null: Table 10c default from the energy label class.",
        None,
        min_value=0.0,
    ),
    Column(
        "cooling_energy_label",
        I32,
        "code",
        "(209), Table 10c",
        "Energy label class of the cooling system: 1 A+++, 2 A++, 3 A+, 4 A, 5 B, 6 C, 7 D, 8 E, 9 F, 10 G. "
        "Null = unknown. Used only without a declared SEER; A+..A+++ have no Table 10c row (refused).",
        None,
        allowed=tuple(range(1, 11)),
    ),
    Column(
        "cooling_system_type",
        I32,
        "code",
        "Table 10c",
        "1 split or multi-split system, 2 packaged system (Table 10c column). Needed with a label default.",
        None,
        allowed=(1, 2),
    ),
    Column(
        "cooling_compressor_control",
        I32,
        "code",
        "Table 10c",
        "1 on/off compressor control (SEER = 1.25 x EER), 2 variable-speed compressor (1.35 x EER). Needed "
        "with a label default.",
        None,
        allowed=(1, 2),
    ),
    Column(
        "exhaust_air_heat_pump",
        BOOL,
        "-",
        "(23b), Appendix N",
        "The mechanical extract feeds an exhaust-air heat pump (changes (23b)); not implemented: refused.",
        False,
    ),
]

# Code columns index code-sized lookup arrays: bound them so that no unknown code can index past a table.
for _i, _c in enumerate(_COLUMNS):
    if _c.unit == "code" and _c.allowed is None and _c.max_value is None:
        _top = 99.0 if _c.name.endswith("_fuel") else 9999.0
        _COLUMNS[_i] = replace(_c, min_value=0.0, max_value=_top)

INPUT_SCHEMA: dict[str, Column] = {c.name: c for c in _COLUMNS}
LIST_GROUPS: dict[str, list[str]] = {}
for _c in _COLUMNS:
    if _c.group:
        LIST_GROUPS.setdefault(_c.group, []).append(_c.name)


def schema_markdown() -> str:
    """The schema as a markdown table (for docs)."""
    rows = ["| column | dtype | unit | line / table | default | meaning |", "|---|---|---|---|---|---|"]
    for c in _COLUMNS:
        default = (
            "required"
            if c.default is REQUIRED
            else ("derived" if isinstance(c.default, pl.Expr) else repr(c.default))
        )
        rows.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {c.line} | {default} | {c.doc} |")
    return "\n".join(rows)


def prepare_inputs(inputs: pl.DataFrame) -> pl.DataFrame:
    """Fill defaults, cast and validate; raise ``UnsupportedInput`` at the first bad row."""
    return _prepare(inputs, None)


def prepare_inputs_collect(inputs: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray]:
    """Like ``prepare_inputs`` but never raises for a row: returns the frame and, per row, the first error
    message (``None`` where the row is valid). Missing required columns still raise."""
    errors = np.full(inputs.height, None, dtype=object)
    return _prepare(inputs, errors), errors


def _record(
    errors: np.ndarray, rows: np.ndarray, ids: pl.Series, values: pl.Series, name: str, reason: str
) -> None:
    """Write ``field=value: reason`` into rows that have no error yet (loops over bad rows only)."""
    for i in np.flatnonzero(rows):
        if errors[i] is None:
            errors[i] = str(UnsupportedInput(ids[int(i)], name, values[int(i)], reason))


def prepare_with_elements(
    inputs: pl.DataFrame,
) -> tuple[pl.DataFrame, dict[str, tuple[np.ndarray, np.ndarray | None]]]:
    """``prepare_inputs`` plus each list column flattened as (values, parent row) and each numeric column
    without nulls as (values, None), for the worksheet."""
    flat: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    return _prepare(inputs, None, flat), flat


def _prepare(
    inputs: pl.DataFrame,
    errors: np.ndarray | None,
    flat: dict[str, tuple[np.ndarray, np.ndarray | None]] | None = None,
) -> pl.DataFrame:
    """Fill absent optional columns with their defaults, cast to the schema dtypes and validate.

    A null in a column that has a default means "not known": the default applies. Raises
    ``UnsupportedInput`` naming the first offending row (``home_id``), column and value. Unknown extra
    columns are kept (callers may carry ids through). Checks run in numpy over whole columns.
    """
    missing = [c.name for c in _COLUMNS if c.default is REQUIRED and c.name not in inputs.columns]
    if missing:
        raise UnsupportedInput(None, missing[0], None, "required column missing")
    schema = inputs.schema
    exprs: list[pl.Expr] = []
    derived: list[pl.Expr] = []  # defaults computed from other columns, applied after the casts
    for c in _COLUMNS:
        if c.name not in schema:
            if isinstance(c.default, pl.Expr):
                derived.append(c.default.cast(c.dtype).alias(c.name))
            elif isinstance(c.default, list):
                exprs.append(pl.lit([], dtype=c.dtype).alias(c.name))
            else:
                exprs.append(pl.lit(c.default, dtype=c.dtype).alias(c.name))
            continue
        src = inputs.get_column(c.name)
        expr = pl.col(c.name)
        changed = False
        if schema[c.name] != c.dtype:
            cast = src.cast(c.dtype, strict=False)
            lost = (cast.is_null() & src.is_not_null()).to_numpy()
            if lost.any():
                if errors is None:
                    i = int(np.argmax(lost))
                    raise UnsupportedInput(inputs["home_id"][i], c.name, src[i], f"not castable to {c.dtype}")
                _record(errors, lost, inputs["home_id"], src, c.name, f"not castable to {c.dtype}")
            expr, changed = expr.cast(c.dtype, strict=False), True
        if src.null_count():
            if isinstance(c.default, list):
                expr, changed = expr.fill_null(pl.lit([], dtype=c.dtype)), True
            elif isinstance(c.default, pl.Expr):
                derived.append(pl.coalesce(pl.col(c.name), c.default.cast(c.dtype)).alias(c.name))
            elif c.default is not None and c.default is not REQUIRED:
                expr, changed = expr.fill_null(pl.lit(c.default, dtype=c.dtype)), True
        if changed:
            exprs.append(expr.alias(c.name))
    df = inputs.with_columns(exprs) if exprs else inputs
    if derived:
        df = df.with_columns(derived)
    if max(df.n_chunks("all")) > 1:
        # a frame assembled by concatenation (variants, tiled batches) can hold thousands of chunks per
        # column; every later conversion to numpy would gather them again
        df = df.rechunk()
    _validate(df, errors, flat)
    return df


@functools.cache
def _code_table(allowed: tuple[int, ...]) -> np.ndarray:
    """Lookup table of a code column's allowed codes (index = code), plus one False slot past the end."""
    table = np.zeros(max(allowed) + 2, dtype=bool)
    table[list(allowed)] = True
    return table


def _not_allowed(values: np.ndarray, allowed: tuple[int, ...], ints: np.ndarray | None = None) -> np.ndarray:
    """Rows whose code is neither null (NaN) nor one of ``allowed``: a table lookup, several times faster
    than ``np.isin`` on the small batches the validation runs over column by column. ``ints``: the same
    codes as a null-free int32 array, when the column is one (two operations instead of six)."""
    table = _code_table(allowed)
    if ints is not None:
        # a negative code viewed as unsigned is huge: it lands on the False slot past the end
        return ~table[np.minimum(ints.view(np.uint32), table.size - 1)]
    known = ~np.isnan(values)
    # out-of-range, negative and fractional codes land on the False slot past the end
    code = np.where(known & (values >= 0) & (values < table.size - 1), values, table.size - 1)
    whole = code == np.floor(code)
    return known & ~(table[code.astype(np.intp)] & whole)


def _validate(
    df: pl.DataFrame,
    errors: np.ndarray | None = None,
    flat: dict[str, tuple[np.ndarray, np.ndarray | None]] | None = None,
) -> None:
    def fail(rows: np.ndarray, name: str, reason: str) -> None:
        if errors is not None:
            _record(errors, rows, df["home_id"], df[name], name, reason)
            return
        i = int(np.argmax(rows))
        raise UnsupportedInput(df["home_id"][i], name, df[name][i], reason)

    lengths: dict[str, np.ndarray] = {}
    for c in _COLUMNS:
        s = df.get_column(c.name)
        if s.null_count() and (c.default is REQUIRED or isinstance(c.dtype, pl.List)):
            fail(
                s.is_null().to_numpy(),
                c.name,
                "required value is null" if c.default is REQUIRED else "null list",
            )
        if isinstance(c.dtype, pl.List):
            arr = s.to_arrow()
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            lengths[c.name] = np.diff(arr.offsets.to_numpy())
            flat_values = arr.flatten()
            parent = arr.value_parent_indices().to_numpy(zero_copy_only=False)
            if flat_values.null_count:
                bad = flat_values.is_null().to_numpy(zero_copy_only=False)
                fail(np.isin(np.arange(df.height), parent[bad]), c.name, "null element")
            values = flat_values.to_numpy(zero_copy_only=False)
            per_row = parent
            ints = None
            if flat is not None:
                flat[c.name] = (values.astype(np.float64, copy=False), parent)
        elif c.dtype in (pl.Float64, pl.Int32):
            ints = None
            if s.null_count() == 0:
                raw = s.to_numpy()
                ints = raw if raw.dtype == np.int32 else None
                values = raw.astype(np.float64, copy=False)
                if flat is not None:
                    flat[c.name] = (values, None)  # the worksheet reads it as is (no null to fill)
            else:
                values = s.cast(pl.Float64).to_numpy()
            per_row = None
        else:
            continue
        if values.size == 0:
            continue
        checks = []
        # the row masks are built only when a NaN-ignoring extreme is out of range (rare): two reductions
        # per column instead of two comparisons and two scans
        if c.min_value is not None and np.fmin.reduce(values) < c.min_value:
            checks.append((values < c.min_value, f"below {c.min_value}"))
        if c.max_value is not None and np.fmax.reduce(values) > c.max_value:
            checks.append((values > c.max_value, f"above {c.max_value}"))
        if c.allowed is not None:
            checks.append((_not_allowed(values, c.allowed, ints), f"code not in {list(c.allowed)}"))
        for bad, reason in checks:
            if bad.any():
                rows = bad if per_row is None else np.isin(np.arange(df.height), per_row[bad])
                fail(rows, c.name, reason)
    for group, names in LIST_GROUPS.items():
        for other in names[1:]:
            bad = lengths[other] != lengths[names[0]]
            if bad.any():
                fail(bad, other, f"length differs from {names[0]} (group {group})")
