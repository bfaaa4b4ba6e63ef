"""Appendix G4 PV diverter (63b), Appendix M2 wind turbines (234) and M3 hydro-electric generation (235a).

Runs after ``photovoltaics`` (the diverter takes the PV surplus left by the beta split, which SAP computes on
the pre-diverter water-heating demand) and before the costs, CO2 and primary energy that credit the
generated electricity. Generated electricity is a negative line, like (233).
"""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sheet import Sheet, row_sum

WIND_TERRAINS = (1, 2, 3)  # Table M1: dense urban, low-rise urban / suburban, rural


def generation(s: Sheet) -> None:
    """(63b) diverter, (234) wind, (235a) hydro, each split into used-in-dwelling and exported."""
    pv_diverter(s)
    wind_turbines(s)
    hydro(s)


def pv_diverter(s: Sheet) -> None:
    """Appendix G4: surplus PV heats the cylinder through an immersion, lowering (64) and (219)."""
    L = s.L
    L["(63b)m"] = s.zeros_m()
    diverter = s.col("pv_diverter", 0.0) > 0
    if not diverter.any():
        return
    c = tables.const_table("pv_diverter")
    solar = L.get("(63c)m")  # Appendix H solar input (water_extras)
    no_solar = np.ones(s.n, dtype=bool) if solar is None else ~np.any(solar != 0.0, axis=1)
    # G4 step 1: PV on the dwelling's meter, a cylinder larger than the daily hot-water volume (43),
    # no solar water heating, no battery (a battery takes the surplus first); otherwise disregarded
    rows = np.flatnonzero(
        diverter
        & (L["E_PV"] > 0)
        & (s.col("pv_connected_to_dwelling", 1.0) > 0)
        & (L["(47)"] > L["(43)"])
        & no_solar
        & ~(s.col("battery_capacity_kwh", 0.0) > 0)
    )
    if rows.size == 0:
        return
    loss = c["storage_loss_factor"]
    surplus = -L["(233b)m"][rows]  # E_PV,m (1 - beta_m)
    wwhrs = L["(63a)m"][rows] if "(63a)m" in L else 0.0  # heat recovered by WWHRS (<= 0)
    demand = np.maximum(0.0, L["(62)m"][rows] + wwhrs)
    # G4 step 4: heat delivered = surplus x 0.8 (share the immersion can take) x 0.9 (hotter store loses
    # more), at most the month's water-heating demand
    heat = np.minimum(surplus * c["capture_fraction"] * loss, demand)
    L["(63b)m"] = np.zeros((s.n, 12))
    L["(63b)m"][rows] = -heat
    # M1 section 4: the electricity diverted (heat / 0.9) is no longer exported
    L["(233b)m"][rows] += heat / loss
    L["(233b)"] = row_sum(L["(233b)m"])
    L["(63)m"] = L["(63)m"] + L["(63b)m"]
    L["(64)m"] = np.maximum(0.0, L["(62)m"] + L["(63)m"])
    L["(64)"] = row_sum(L["(64)m"])
    # the water heater's efficiency (217) stays the one computed on the pre-diverter demand (DEVIATIONS M2).
    # Only the diverter rows change: recomputing every row would also overwrite the heat-network rows'
    # (219), which heat_networks.py set to the network's heat (310), whenever a batch held a diverter.
    water = L["(219)m"].copy()
    water[rows] = L["(64)m"][rows] * 100.0 / L["(217)m"][rows]
    L["(219)m"] = water
    L["(219)"] = row_sum(water)


def _split(s: Sheet, energy_m: np.ndarray, fraction: np.ndarray, used: str, exported: str) -> None:
    """Monthly generation into used-in-dwelling and exported lines (negative, like (233a)/(233b))."""
    L = s.L
    L[used + "m"] = -fraction[:, None] * energy_m
    L[exported + "m"] = -(1.0 - fraction[:, None]) * energy_m
    L[used] = row_sum(L[used + "m"])
    L[exported] = row_sum(L[exported + "m"])


def _no_generation(s: Sheet, energy: str, total: str, used: str, exported: str) -> None:
    """All lines of a generator zero: no home in the batch has one (most batches)."""
    s.L[energy] = np.zeros(s.n)
    for line in (total, used, exported):
        s.L[line + "m"] = s.zeros_m()
        s.L[line] = np.zeros(s.n)


def wind_speed_factor(terrain: np.ndarray, hub_height: np.ndarray) -> np.ndarray:
    """Table M1 wind-speed correction by terrain code (1-3) and hub height above the ridge (m), linear
    between the tabulated heights and constant beyond them."""
    table = tables.const_table("wind_turbine")["speed_correction"]
    out = np.full(terrain.shape, np.nan)
    for code in WIND_TERRAINS:
        points = np.asarray(table[str(code)])
        here = terrain == code
        out[here] = np.interp(hub_height[here], points[:, 0], points[:, 1])
    return out


def wind_turbines(s: Sheet) -> None:
    """Appendix M2: annual output of N turbines of rotor diameter D from the corrected wind speed;
    (234) total, (234a) used in the dwelling, (234b) exported."""
    L = s.L
    c = tables.const_table("wind_turbine")
    count = s.col("wind_turbine_count", 0.0)
    has = count > 0
    if not has.any():
        _no_generation(s, "E_wind", "(234)", "(234a)", "(234b)")
        return
    for name in ("wind_turbine_rotor_diameter_m", "wind_turbine_hub_height_m", "wind_terrain"):
        s.refuse(
            has & s.is_null(name),
            name,
            "wind turbine present but this detail is unknown (RdSAP 10 default not transcribed)",
        )
    diameter = np.nan_to_num(s.col("wind_turbine_rotor_diameter_m"))
    hub = np.nan_to_num(s.col("wind_turbine_hub_height_m"))
    terrain = np.nan_to_num(s.col("wind_terrain")).astype(int)
    speed = c["reference_wind_speed_m_s"] * np.nan_to_num(wind_speed_factor(terrain, hub))
    area = np.pi * diameter**2 / 4.0
    power_w = c["half_air_density"] * speed**3 * c["cp_gearbox_inverter"] * area
    # 1.9 turns the cube of the mean wind speed into the mean of the cubed speed; 8766 h/year
    annual = np.where(has, count * power_w * c["cube_ratio"] * c["hours_per_year"] / 1000.0, 0.0)
    # monthly profile not transcribed: spread by days in the month (DEVIATIONS M3)
    energy_m = annual[:, None] * tables.days()[None, :] / 365.0
    L["E_wind"] = annual
    L["(234)m"] = -energy_m
    L["(234)"] = -annual
    fraction = np.where(has, c["fraction_used_in_dwelling"], 0.0)
    _split(s, energy_m, fraction, "(234a)", "(234b)")


def hydro(s: Sheet) -> None:
    """Appendix M3: declared annual hydro-electric output, (235a), spread by days in the month."""
    L = s.L
    annual = s.col("hydro_generation_kwh", 0.0)
    if not annual.any():
        _no_generation(s, "E_hydro", "(235a)", "hydro_used", "hydro_exported")
        return
    energy_m = annual[:, None] * tables.days()[None, :] / 365.0
    L["E_hydro"] = annual
    L["(235a)m"] = -energy_m
    L["(235a)"] = -annual
    connected = s.col("hydro_connected_to_dwelling", 1.0) > 0
    fraction = np.where(connected, tables.const_table("hydro")["fraction_used_in_dwelling"], 0.0)
    _split(s, energy_m, fraction, "hydro_used", "hydro_exported")


# (used, exported) line pairs of every generator credited in costs, CO2 and primary energy, with the
# worksheet lines their cost / CO2 / primary energy go to (SAP 2012 numbering: PV, wind, hydro)
GENERATORS: tuple[tuple[str, str, str, str, str], ...] = (
    ("(233a)", "(233b)", "(252)", "(269)", "(283)"),
    ("(234a)", "(234b)", "(253)", "(270)", "(284)"),
    ("hydro_used", "hydro_exported", "(254)", "(271)", "(285)"),
)
