"""Input columns of the SAP 10.2 worksheet: Appendix M PV, G4 diverter, M2 wind, M3 hydro, (8c) cooling.

Declarations only (see ``column.Column``); ``schema.py`` assembles them into ``INPUT_SCHEMA``.
"""

from __future__ import annotations

from ara_assets.sap10.inputs.column import BOOL, F64, I32, LF64, LI32, Column

COLUMNS: list[Column] = [
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
