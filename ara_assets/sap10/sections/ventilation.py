"""Section 2: ventilation rate, lines (6a)-(25)."""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sheet import Sheet, where_rows

_OPENINGS = (
    ("(6a)", "open_chimneys", "open_chimney"),
    ("(6b)", "open_flues", "open_flue"),
    ("(6c)", "closed_fire_chimneys", "closed_fire"),
    ("(6d)", "solid_fuel_boiler_flues", "solid_fuel_boiler_flue"),
    ("(6e)", "other_heater_flues", "other_heater_flue"),
    ("(6f)", "blocked_chimneys", "blocked_chimney"),
    ("(7a)", "intermittent_fans", "intermittent_fan"),
    ("(7b)", "passive_vents", "passive_vent"),
    ("(7c)", "flueless_gas_fires", "flueless_gas_fire"),
)
NATURAL = (1, 2, 9, 10, 3)  # PIV from loft is treated as natural ventilation (SAP 2.6.1)
EXTRACT_LIKE = (4, 5, 6)  # MEV centralised / decentralised, and PIV from outside, use (24c)
BALANCED = 7  # balanced mechanical ventilation without heat recovery, (24b)
MVHR = 8  # balanced with heat recovery, (24a)
SYSTEM_ACH = 0.5  # (23a) air change rate through a mechanical system


def ventilation(s: Sheet) -> None:
    """(6a)-(8) openings, (9)-(18) infiltration, (19)-(21) shelter, (22)-(25) ventilation type, (230a)."""
    L = s.L
    flows = tables.const_table("ventilation_flow_m3h")
    total = np.zeros(s.n)
    for line, column, key in _OPENINGS:
        L[line] = s.col(column, 0.0) * flows[key]
        total += L[line]
    L["(8)"] = total / L["(5)"]
    storeys = np.bincount(s.elements("storey_floor_area_m2").parent, minlength=s.n).astype(float)
    L["(9)"] = np.where(s.is_null("storeys_for_infiltration"), storeys, s.col("storeys_for_infiltration"))
    L["(10)"] = (L["(9)"] - 1.0) * 0.1
    structural = tables.const_table("structural_infiltration")
    L["(11)"] = np.where(
        s.col("timber_frame_or_steel") > 0, structural["timber_or_steel"], structural["masonry"]
    )
    floor = s.col("suspended_wooden_floor")
    L["(12)"] = np.select([floor == 1, floor == 2], [0.2, 0.1], 0.0)
    L["(13)"] = np.where(s.col("draught_lobby") > 0, 0.0, 0.05)
    L["(14)"] = s.col("windows_draughtproofed_pct")
    L["(15)"] = 0.25 - 0.2 * L["(14)"] / 100.0
    L["(16)"] = L["(8)"] + L["(10)"] + L["(11)"] + L["(12)"] + L["(13)"] + L["(15)"]
    q50 = s.col("air_permeability_q50")
    L["(17)"] = q50
    L["(18)"] = np.where(np.isnan(q50), L["(16)"], q50 / 20.0 + L["(8)"])
    L["(19)"] = s.col("sheltered_sides")
    L["(20)"] = 1.0 - 0.075 * L["(19)"]
    L["(21)"] = L["(18)"] * L["(20)"]
    region = s.col("climate_region").astype(int)
    L["(22)m"] = tables.climate()["wind_speed_m_s"][region]
    s.refuse(
        np.isnan(L["(22)m"][:, 0]),
        "climate_region",
        "no climate for this code (a postcode-district code needs the PCDB revision it came from installed)",
    )
    L["(22a)m"] = L["(22)m"] / 4.0
    L["(22b)m"] = L["(21)"][:, None] * L["(22a)m"]
    vtype = s.col("ventilation_type").astype(int)
    mechanical = ~np.isin(vtype, NATURAL)
    s.refuse(
        mechanical & (s.col("exhaust_air_heat_pump", 0.0) > 0),
        "exhaust_air_heat_pump",
        "exhaust-air heat pump (Appendix N, (23b) from PCDB data) is not implemented",
    )
    # Table 4g default SFP and MVHR efficiency x Table 4h default-data in-use factors where none is declared
    mv = tables.mech_vent_defaults()
    kind = np.clip(vtype, 0, len(mv["sfp"]) - 1)
    sfp = s.col("mv_specific_fan_power_w_per_l_s")
    sfp = np.where(np.isnan(sfp), mv["sfp"][kind] * mv["in_use_sfp"][kind], sfp)
    s.refuse(
        mechanical & np.isnan(sfp),
        "mv_specific_fan_power_w_per_l_s",
        "no in-use SFP and no Table 4g default for this ventilation type",
    )
    eff = s.col("mvhr_efficiency_pct")
    eff = np.where(np.isnan(eff), mv["hr_efficiency"][kind] * mv["in_use_hr"][kind], eff)
    s.refuse(
        (vtype == MVHR) & np.isnan(eff),
        "mvhr_efficiency_pct",
        "MVHR needs the in-use heat recovery efficiency",
    )
    L["_mv_sfp"] = np.where(mechanical, np.nan_to_num(sfp), 0.0)  # in-use SFP, also for Table 5a gains (70)
    L["(23a)"] = np.where(mechanical, SYSTEM_ACH, 0.0)
    L["(23b)"] = L[
        "(23a)"
    ]  # (23b) differs from (23a) only for exhaust-air heat pumps (Appendix N), not supported
    L["(23c)"] = np.where(vtype == MVHR, eff, 0.0)
    b = L["(22b)m"]
    m23b = L["(23b)"][:, None]
    # (24a)-(24d), one per ventilation kind: a kind no home of the batch has is the shared zero line
    mvhr, balanced, extract_like = vtype == MVHR, vtype == BALANCED, np.isin(vtype, EXTRACT_LIKE)
    L["(24a)m"] = s.zeros_m()
    if mvhr.any():
        L["(24a)m"] = where_rows(mvhr, b + m23b * (1.0 - L["(23c)"][:, None] / 100.0), 0.0)
    L["(24b)m"] = where_rows(balanced, b + m23b, 0.0) if balanced.any() else s.zeros_m()
    L["(24c)m"] = s.zeros_m()
    if extract_like.any():
        extract = np.where(b < 0.5 * m23b, m23b, b + 0.5 * m23b)
        L["(24c)m"] = where_rows(extract_like, extract, 0.0)
    natural = 0.5 + 0.5 * b * b
    windy = b >= 1.0  # (24d): b where b >= 1, else 0.5 + 0.5 b^2; few cells reach 1
    cells = np.flatnonzero(windy)
    if cells.size * 8 > windy.size:
        natural = np.where(windy, b, natural)
    elif cells.size:
        natural[windy] = b[windy]
    L["(24d)m"] = where_rows(mechanical, 0.0, natural) if mechanical.any() else natural
    L["(25)m"] = s.add_lines(L["(24a)m"], L["(24b)m"], L["(24c)m"], L["(24d)m"])
    # (230a) fan electricity, Table 4f: in-use SFP x 1.22 x dwelling volume (kWh/year)
    L["(230a)"] = L["_mv_sfp"] * 1.22 * L["(5)"]
