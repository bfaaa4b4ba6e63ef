"""Sections 12a and 13a: CO2 emissions (261)-(274) with the EI rating, and primary energy (275)-(287).

Electricity uses the monthly factors of Tables 12d / 12e; other fuels the annual Table 12 factors.
"""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.fuel_costs import fuel_of, water_fuel_of
from ara_assets.sap10.sheet import Sheet


def _monthly_factor(s: Sheet, fuel: np.ndarray, kind: str, field_name: str, used: np.ndarray) -> np.ndarray:
    annual_key, monthly_key = {
        "co2": ("co2_kg_per_kwh", "electricity_co2_kg_per_kwh"),
        "pe": ("primary_energy_factor", "electricity_primary_energy"),
    }[kind]
    annual = tables.fuels()[annual_key][fuel]
    is_elec = np.isin(fuel, tables.ELECTRIC_FUELS)
    s.refuse(used & ~is_elec & np.isnan(annual), field_name, f"no Table 12 {kind} factor for this fuel code")
    monthly = tables.monthly()[monthly_key][None, :]
    return np.where(is_elec[:, None], monthly, np.nan_to_num(annual)[:, None])


def _section(s: Sheet, kind: str, lines: tuple[str, ...]) -> np.ndarray:
    L = s.L
    main_fuel = s.col("main_heating_fuel").astype(int)
    water_fuel = water_fuel_of(s)
    sec_fuel = fuel_of(s, "secondary_heating_fuel", np.zeros(s.n))
    has_sec = L["(201)"] > 0
    everyone = np.ones(s.n, dtype=bool)
    elec = np.full(s.n, 30)
    f_main = _monthly_factor(s, main_fuel, kind, "main_heating_fuel", everyone)
    has_main2 = L["(205)"] > 0
    main2_fuel = fuel_of(s, "main_heating_2_fuel", main_fuel)
    f_main2 = _monthly_factor(s, np.where(has_main2, main2_fuel, 30), kind, "main_heating_2_fuel", has_main2)
    f_sec = _monthly_factor(s, np.where(has_sec, sec_fuel, 30), kind, "secondary_heating_fuel", has_sec)
    f_water = _monthly_factor(s, water_fuel, kind, "water_heating_fuel", everyone)
    f_elec = _monthly_factor(s, elec, kind, "main_heating_fuel", everyone)
    export_key = (
        "electricity_exported_pv_co2_kg_per_kwh"
        if kind == "co2"
        else "electricity_exported_pv_primary_energy"
    )
    f_export = tables.monthly()[export_key][None, :]
    main, main2, sec, water, pumps, light, pv = lines
    L[main + "m"] = L["(211)m"] * f_main
    L[main2 + "m"] = L["(213)m"] * f_main2
    L[sec + "m"] = L["(215)m"] * f_sec
    L[water + "m"] = L["(219)m"] * f_water
    L[pumps + "m"] = L["(231)m"] * f_elec
    L[light + "m"] = L["(232)m"] * f_elec
    L[pv + "m"] = L["(233a)m"] * f_elec + L["(233b)m"] * f_export
    total = np.zeros(s.n)
    for line in lines:
        L[line] = L[line + "m"].sum(axis=1)
        total += L[line]
    return total


def emissions(s: Sheet) -> None:
    L = s.L
    L["(272)"] = _section(s, "co2", ("(261)", "(262)", "(263)", "(264)", "(267)", "(268)", "(269)"))
    L["(273)"] = L["(272)"] / L["(4)"]
    cf = L["(272)"] / (L["(4)"] + 45.0)
    L["CF"] = cf
    a, b, cut = tables.const("ei_rating_linear")  # type: ignore[misc]
    c0, c1 = tables.const("ei_rating_log")  # type: ignore[misc]
    with np.errstate(divide="ignore", invalid="ignore"):
        L["ei_value"] = np.where(cf >= cut, c0 - c1 * np.log10(np.maximum(cf, 1e-9)), a - b * cf)
    L["(274)"] = np.maximum(1.0, np.floor(L["ei_value"] + 0.5))
    L["(286)"] = _section(s, "pe", ("(275)", "(276)", "(277)", "(278)", "(281)", "(282)", "(283)"))
    L["(287)"] = L["(286)"] / L["(4)"]
