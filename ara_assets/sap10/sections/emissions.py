"""Sections 12a and 13a: CO2 emissions (261)-(274) with the EI rating, and primary energy (275)-(287).

Electricity uses the monthly factors of Tables 12d / 12e; other fuels the annual Table 12 factors.
"""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sections.fuel_costs import STANDARD_ELECTRICITY, fuel_of, water_fuel_of
from ara_assets.sap10.sections.generation import GENERATORS
from ara_assets.sap10.sheet import Sheet, row_sum


def _dot(energy_m: np.ndarray, monthly: np.ndarray) -> np.ndarray:
    return np.einsum("ij,j->i", energy_m, monthly)


class _Factor:
    """A fuel's factor per row: the monthly electricity vector where the fuel is electric, else annual."""

    def __init__(self, s: Sheet, fuel: np.ndarray, kind: str, field_name: str, used: np.ndarray) -> None:
        annual_key, monthly_key = {
            "co2": ("co2_kg_per_kwh", "electricity_co2_kg_per_kwh"),
            "pe": ("primary_energy_factor", "electricity_primary_energy"),
        }[kind]
        annual = tables.fuels()[annual_key][fuel]
        self.is_elec = np.isin(fuel, tables.ELECTRIC_FUELS)
        s.refuse(
            used & ~self.is_elec & np.isnan(annual),
            field_name,
            f"no Table 12 {kind} factor for this fuel code",
        )
        self.annual = np.nan_to_num(annual)
        self.monthly = tables.monthly()[monthly_key]
        self.all_elec = bool(self.is_elec.all())
        self.no_elec = not self.is_elec.any()

    def annual_total(self, energy_m: np.ndarray) -> np.ndarray:
        """Annual total of a monthly energy line times this factor."""
        # a row-wise dot product avoids an (N, 12) factor array; einsum (not BLAS) keeps every row's sum
        # independent of the batch, so results do not depend on batch size or order. A batch all on one
        # side computes only that side (the same values the row-wise choice would pick).
        if self.all_elec:
            return _dot(energy_m, self.monthly)
        if self.no_elec:
            return row_sum(energy_m) * self.annual
        return np.where(self.is_elec, _dot(energy_m, self.monthly), row_sum(energy_m) * self.annual)

    def monthly_lines(self, energy_m: np.ndarray) -> np.ndarray:
        """Monthly products (trace mode)."""
        return energy_m * np.where(self.is_elec[:, None], self.monthly[None, :], self.annual[:, None])


def _section(s: Sheet, kind: str, lines: tuple[str, ...]) -> np.ndarray:
    """Annual totals per end use; the monthly lines ("(261)m"...) only in trace mode."""
    L = s.L
    main_fuel = s.col("main_heating_fuel").astype(int)
    water_fuel = water_fuel_of(s)
    sec_fuel = fuel_of(s, "secondary_heating_fuel", np.zeros(s.n))
    has_sec = L["(201)"] > 0
    everyone = np.ones(s.n, dtype=bool)
    has_main2 = L["(205)"] > 0
    main2_fuel = fuel_of(s, "main_heating_2_fuel", main_fuel)
    electricity = _Factor(s, np.full(s.n, STANDARD_ELECTRICITY), kind, "main_heating_fuel", everyone)
    export_key = (
        "electricity_exported_pv_co2_kg_per_kwh"
        if kind == "co2"
        else "electricity_exported_pv_primary_energy"
    )
    export = tables.monthly()[export_key]
    main, main2, sec, water, pumps, light, _pv = lines
    # heat networks (heat_networks.py) carry their own factor per kWh of heat: placeholder fuel here
    hn_space = L.get("_hn_space", np.zeros(s.n, dtype=bool))
    hn_water = L.get("_hn_water", np.zeros(s.n, dtype=bool))
    main_fuel = np.where(hn_space, STANDARD_ELECTRICITY, main_fuel)
    water_fuel = np.where(hn_water, STANDARD_ELECTRICITY, water_fuel)
    uses = {
        main: ("(211)m", _Factor(s, main_fuel, kind, "main_heating_fuel", everyone)),
        main2: (
            "(213)m",
            _Factor(
                s,
                np.where(has_main2, main2_fuel, STANDARD_ELECTRICITY),
                kind,
                "main_heating_2_fuel",
                has_main2,
            ),
        ),
        sec: (
            "(215)m",
            _Factor(
                s, np.where(has_sec, sec_fuel, STANDARD_ELECTRICITY), kind, "secondary_heating_fuel", has_sec
            ),
        ),
        water: ("(219)m", _Factor(s, water_fuel, kind, "water_heating_fuel", everyone)),
        pumps: ("(231)m", electricity),
        light: ("(232)m", electricity),
    }
    total = np.zeros(s.n)
    for line, (energy, factor) in uses.items():
        L[line] = factor.annual_total(L[energy])
        total += L[line]
        if s.trace:
            L[line + "m"] = factor.monthly_lines(L[energy])
    # Appendix C 12b / 13b: network heat x the network's monthly factor per kWh of heat
    network = L.get(f"_hn_{kind}_m")
    if network is not None and hn_space.any():
        for line, energy, on in ((main, "(211)m", hn_space), (water, "(219)m", hn_water)):
            value = np.einsum("ij,ij->i", L[energy], network)
            total += np.where(on, value - L[line], 0.0)
            L[line] = np.where(on, value, L[line])
            if s.trace:
                L[line + "m"] = np.where(on[:, None], L[energy] * network, L[line + "m"])
    # instantaneous electric showers (64a): electricity, monthly factors
    shower = {"co2": "(264a)", "pe": "(278a)"}[kind]
    L[shower] = electricity.annual_total(L["(64a)m"])
    total += L[shower]
    # space cooling (221): electricity, monthly factors (a batch without cooling: 0 exactly)
    cool = {"co2": "(266)", "pe": "(280)"}[kind]
    L[cool] = np.zeros(s.n) if s.is_zero(L["(221)m"]) else electricity.annual_total(L["(221)m"])
    total += L[cool]
    # generated electricity: used in the dwelling at the import factors, exported at the PV-export factors
    # (wind and hydro exports like PV: DEVIATIONS M3); a generator no home has: 0 exactly
    for used, exported, _, co2_line, pe_line in GENERATORS:
        line = {"co2": co2_line, "pe": pe_line}[kind]
        if s.is_zero(L[used + "m"]) and s.is_zero(L[exported + "m"]):
            L[line] = np.zeros(s.n)
        else:
            L[line] = _dot(L[used + "m"], electricity.monthly) + _dot(L[exported + "m"], export)
        total += L[line]
        if s.trace:
            L[line + "m"] = L[used + "m"] * electricity.monthly + L[exported + "m"] * export
    return total


def emissions(s: Sheet) -> None:
    """(261)-(274): CO2 per end use, total, per m2, CF and the EI rating; (275)-(287): primary energy."""
    L = s.L
    L["(272)"] = _section(s, "co2", ("(261)", "(262)", "(263)", "(264)", "(267)", "(268)", "(269)"))
    L["(273)"] = L["(272)"] / L["(4)"]
    cf = L["(272)"] / (L["(4)"] + 45.0)
    L["CF"] = cf
    a, b, cut = tables.const_floats("ei_rating_linear")
    c0, c1 = tables.const_floats("ei_rating_log")
    with np.errstate(divide="ignore", invalid="ignore"):
        L["ei_value"] = np.where(cf >= cut, c0 - c1 * np.log10(np.maximum(cf, 1e-9)), a - b * cf)
    L["(274)"] = np.maximum(1.0, np.floor(L["ei_value"] + 0.5))
    L["(286)"] = _section(s, "pe", ("(275)", "(276)", "(277)", "(278)", "(281)", "(282)", "(283)"))
    L["(287)"] = L["(286)"] / L["(4)"]
