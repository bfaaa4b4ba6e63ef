"""Appendix C / worksheet section 9b: heat networks (community heating), lines (301)-(313), with the
network's CO2 and primary energy per kWh of heat for sections 12b / 13b.

A home is on a heat network when ``main_heating_code`` is a Table 4a heat-network code (301-310). The
network supplies space heat and, with ``water_heating_code`` 901, hot water. Heat from the network is
what the household pays for (Table 12 heat price, per kWh of (307) + (310)); the fuel the network burns
to make it is what carries CO2 and primary energy.

Lines (SAP 10.2 section 9b):
  (301) share of space heat from a secondary heater (Table 11), (302) = 1 - (301) from the network;
  (303x) share of the network's heat from source x, (304x) = (302) x (303x);
  (305) / (305a) Table 4c(3) charging-and-control factor for space / water heating;
  (306) distribution loss factor (lodged, else Table 12c by distribution type);
  (307x) = (98) x (304x) x (305) x (306) space heat from source x; (310x) = (64) x (303x) x (305a) x (306);
  (313) = 0.01 x [sum (307x) + sum (310x)] electricity for pumping the network (Appendix C3.2).
CO2 of source x (12b): [(307x) + (310x)] x 100 / eff_x x factor(fuel_x), less, for CHP, the electricity it
generates, [(307x) + (310x)] x power_eff_x / heat_eff_x, at the Table 12f displaced-electricity factor;
(313) at the monthly electricity factors. Primary energy (13b) in the same form.

Downstream: (211) and (219) take the network heat so that costs (240) / (247) price it with the heat
network's fuel code; ``emissions.py`` reads the per-kWh factors ``_hn_co2_m`` / ``_hn_pe_m`` (N, 12).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sheet import Sheet, rank_in_home, row_sum

CHP, BOILERS, HEAT_PUMP, WASTE_HEAT, GEOTHERMAL = 1, 2, 3, 4, 5  # SAP-Schema HeatSourceTypeCode
SOURCE_LETTERS = "abcde"  # the worksheet has five source columns (SAP-Schema: at most 5 sources)
HEAT_PUMP_FUEL = 41  # Table 12: heat from an electric heat pump on a network (monthly electricity factors)
NETWORK_FUEL = -1  # defaults table: "the network fuel lodged in main_heating_fuel"


def constants() -> tables.NamedValues:
    """``tables/heat_networks.json`` with typed accessors."""
    return tables.load_named("heat_networks.json")


@lru_cache(maxsize=1)
def charging_factors() -> tuple[np.ndarray, np.ndarray]:
    """Table 4c(3), control-code-indexed: (space factor (305), water factor (305a)); NaN = no row."""
    space = np.full(tables.MAX_CODE, np.nan)
    water = np.full(tables.MAX_CODE, np.nan)
    for r in tables._rows("table_4c3_heat_network_charging.csv"):
        c = int(r["control_code"])
        space[c] = float(r["space_factor"])
        water[c] = float(r["water_factor"])
    return space, water


@lru_cache(maxsize=1)
def distribution_loss_factors() -> np.ndarray:
    """Table 12c by SAP-Schema HeatingDistributionCode (index 0-9); NaN = not transcribed."""
    out = np.full(10, np.nan)
    for r in tables._rows("table_12c_distribution_loss.csv"):
        out[int(r["distribution_type"])] = tables._num(r["distribution_loss_factor"])
    return out


@lru_cache(maxsize=1)
def distribution_loss_by_age_band() -> dict[str, float]:
    """SAP 10.2 Table 12c default distribution loss factor by the dwelling's age band (A-M): the value the
    RdSAP 10 expansion enters in (306) for a network of unknown distribution type (UNCONFIRMED, see
    DEVIATIONS C8)."""
    return {
        r["age_band"]: float(r["distribution_loss_factor"])
        for r in tables._rows("table_12c_dlf_by_age_band.csv")
    }


@lru_cache(maxsize=1)
def default_sources() -> dict[int, np.ndarray]:
    """Default heat sources by heat-network code: rows (type, fraction, heat eff, power eff, fuel)."""
    out: dict[int, list[list[float]]] = {}
    for r in tables._rows("heat_network_defaults.csv"):
        fuel = NETWORK_FUEL if r["fuel"] == "network" else int(r["fuel"])
        out.setdefault(int(r["main_heating_code"]), []).append(
            [
                float(r["source_type"]),
                float(r["fraction"]),
                float(r["heat_efficiency_pct"]),
                float(r["power_efficiency_pct"]),
                float(fuel),
            ]
        )
    return {k: np.array(v) for k, v in out.items()}


_SOURCE_COLUMNS = (
    "heat_network_source_type",
    "heat_network_source_fraction",
    "heat_network_source_efficiency_pct",
    "heat_network_source_power_efficiency_pct",
    "heat_network_source_fuel",
)


def _sources(s: Sheet, on_network: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flattened heat sources of the network homes: (M, 5) [type, fraction, eff, power eff, fuel] and the
    parent row of each; lodged sources where given, else the defaults of the home's code."""
    lodged = [s.elements(c) for c in _SOURCE_COLUMNS]
    parent = lodged[0].parent
    keep = on_network[parent]
    values = [np.column_stack([e.values[keep] for e in lodged])]
    parents = [parent[keep]]
    has_lodged = np.bincount(parent, minlength=s.n) > 0
    fill = on_network & ~has_lodged
    for net_code, rows in default_sources().items():
        homes = np.flatnonzero(fill & (code == net_code))
        if homes.size:
            values.append(np.tile(rows, (homes.size, 1)))
            parents.append(np.repeat(homes, rows.shape[0]))
    s.refuse(
        fill & ~np.isin(code, list(default_sources())),
        "main_heating_code",
        "no heat sources lodged and no RdSAP 10 default sources for this heat-network code",
    )
    src = np.concatenate(values) if values else np.zeros((0, 5))
    par = np.concatenate(parents).astype(np.int64)
    fuel = src[:, 4]
    src[:, 4] = np.where(fuel == NETWORK_FUEL, s.col("main_heating_fuel", 0.0)[par], fuel)
    return src, par


def heat_networks(s: Sheet) -> None:
    """(301)-(313) for homes on a heat network; rewrites (211)/(219) to the network heat and leaves the
    network's CO2 / primary energy per kWh of heat for ``emissions.py``."""
    L = s.L
    hs = tables.heating_systems()
    code = s.col("main_heating_code", 0.0).astype(int)
    on_network = hs["heat_network"][code]
    code2 = s.col("main_heating_2_code", 0.0).astype(int)
    s.refuse(
        hs["heat_network"][code2] & ~s.is_null("main_heating_2_code"),
        "main_heating_2_code",
        "a heat network as main system 2 is not implemented (give it as main system 1)",
    )
    wcode = s.col("water_heating_code").astype(int)
    water_on_network = on_network & (wcode == 901)
    L["_hn_space"] = on_network
    L["_hn_water"] = water_on_network
    lodged = s.elements("heat_network_source_type").parent
    s.refuse(
        np.isin(np.arange(s.n), lodged[~on_network[lodged]]),
        "heat_network_source_type",
        "heat sources lodged but main_heating_code is not a heat network (301-310)",
    )
    if not on_network.any():
        return
    s.refuse(
        on_network & ~s.is_null("main_heating_2_code"),
        "main_heating_2_code",
        "a second main system beside a heat network is not implemented",
    )
    # a cylinder in the dwelling fed by the network has a primary-circuit loss (Table 3) and HIU losses
    # are PCDB data: neither is transcribed, so such homes are refused rather than scored without them
    s.refuse(
        water_on_network & (s.col("cylinder_volume_l", 0.0) > 0),
        "cylinder_volume_l",
        "heat-network hot water through a cylinder in the dwelling: Table 3 primary loss not transcribed",
    )

    # (303x) sources and their fractions
    src, par = _sources(s, on_network, code)
    kind, frac, eff, power, fuel = (src[:, k] for k in range(5))
    fuel = fuel.astype(int)
    total = np.bincount(par, weights=frac, minlength=s.n)
    s.refuse(
        on_network & (np.abs(total - 1.0) > 1e-6),
        "heat_network_source_fraction",
        "heat-source fractions of the network do not sum to 1",
    )
    count = np.bincount(par, minlength=s.n)
    s.refuse(on_network & (count > 5), "heat_network_source_type", "more than 5 heat sources")
    s.refuse(
        np.isin(np.arange(s.n), par[(kind == CHP) & ~(power > 0)]),
        "heat_network_source_power_efficiency_pct",
        "a CHP source needs its electrical efficiency (361)",
    )
    s.refuse(
        np.isin(np.arange(s.n), par[(kind == HEAT_PUMP) & (fuel != HEAT_PUMP_FUEL)]),
        "heat_network_source_fuel",
        "a heat-pump source takes fuel code 41 (electricity at the monthly factors)",
    )

    # (305)/(305a) Table 4c(3) by control code; (306) distribution loss factor
    space_f, water_f = charging_factors()
    control = s.col("main_heating_control", 0.0).astype(int)
    L["(305)"] = np.where(on_network, space_f[control], np.nan)
    L["(305a)"] = np.where(on_network, water_f[control], np.nan)
    s.refuse(
        on_network & np.isnan(L["(305)"]),
        "main_heating_control",
        "no Table 4c(3) charging factor for this control code (heat networks take 2301-2310)",
    )
    dlf = s.col("heat_network_distribution_loss_factor")
    dist = s.col("heat_network_distribution_type", 6.0).astype(int)
    dlf = np.where(np.isnan(dlf), distribution_loss_factors()[dist], dlf)
    s.refuse(
        on_network & np.isnan(dlf),
        "heat_network_distribution_type",
        "no distribution loss factor lodged and the Table 12c default for this type is not transcribed",
    )
    L["(306)"] = np.where(on_network, dlf, np.nan)

    L["(301)"] = np.where(on_network, L["(201)"], 0.0)
    L["(302)"] = np.where(on_network, 1.0 - L["(301)"], 0.0)
    space_scale = np.nan_to_num(L["(302)"] * L["(305)"] * L["(306)"])
    water_scale = np.where(water_on_network, np.nan_to_num(L["(305a)"] * L["(306)"]), 0.0)
    L["(307)m"] = L["(98)m"] * space_scale[:, None]  # sum over sources of (307x): fractions sum to 1
    L["(307)"] = row_sum(L["(307)m"])
    L["(310)m"] = L["(64)m"] * water_scale[:, None]
    L["(310)"] = row_sum(L["(310)m"])
    pumping = constants().number("pumping_electricity_fraction")
    L["(313)m"] = pumping * (L["(307)m"] + L["(310)m"])
    L["(313)"] = row_sum(L["(313)m"])
    if s.trace:
        rank = rank_in_home(par)
        for k, letter in enumerate(SOURCE_LETTERS):
            at = rank == k
            share = np.bincount(par[at], weights=frac[at], minlength=s.n)
            L[f"(303{letter})"] = share
            L[f"(304{letter})"] = L["(302)"] * share
            L[f"(307{letter})"] = L["(307)"] * share
            L[f"(310{letter})"] = L["(310)"] * share

    # the network's heat replaces the main-system lines read by costs, PV and the results (a copy with the
    # network rows replaced: the values np.where would give, without a select over every cell)
    for line, network_line, on in (("(211)m", "(307)m", on_network), ("(219)m", "(310)m", water_on_network)):
        rows = np.flatnonzero(on)
        replaced = L[line].copy()
        replaced[rows] = L[network_line][rows]
        L[line] = replaced
        L[line[:-1]] = row_sum(replaced)

    # 12b / 13b: CO2 and primary energy per kWh of network heat, monthly (heat pumps and pumping use the
    # monthly electricity factors of Tables 12d / 12e)
    fuels = tables.fuels()
    monthly = tables.monthly()
    chp_credit = constants().table("chp_displaced_electricity")
    electric = fuel == HEAT_PUMP_FUEL
    for kind_key, annual_key, monthly_key in (
        ("co2", "co2_kg_per_kwh", "electricity_co2_kg_per_kwh"),
        ("pe", "primary_energy_factor", "electricity_primary_energy"),
    ):
        annual = fuels[annual_key][np.clip(fuel, 0, 99)]
        s.refuse(
            np.isin(np.arange(s.n), par[~electric & np.isnan(annual)]),
            "main_heating_fuel",
            f"no Table 12 {kind_key} factor for a heat source's fuel (heat-network rows not transcribed)",
        )
        elec_m = monthly[monthly_key]
        per_fuel = np.where(electric[:, None], elec_m[None, :], np.nan_to_num(annual)[:, None])
        # kWh of fuel per kWh of heat = 100 / eff; CHP electricity per kWh of heat = power / heat eff
        per_heat = frac[:, None] * (100.0 / eff)[:, None] * per_fuel
        credit = np.where(kind == CHP, frac * power / eff * chp_credit[kind_key], 0.0)
        per_heat = per_heat - credit[:, None]
        # network rows only; every other row 0
        network_rows = np.flatnonzero(on_network)
        factor = np.zeros((s.n, 12))
        factor[network_rows] = s.per_home(par, per_heat)[network_rows] + pumping * elec_m[None, :]
        L[f"_hn_{kind_key}_m"] = factor
