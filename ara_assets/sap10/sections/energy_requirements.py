"""Section 9a: energy requirements of individual heating systems, lines (201)-(232), Tables 4a-4f."""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.appendices.heat_pumps import appendix_n, no_product_data
from ara_assets.sap10.sheet import Sheet, outer, row_sum, where_rows

GAS_OIL_BOILERS = (101, 141)  # Table 4b code range where the Table 4c(2) interlock rule applies


def _system(s: Sheet, prefix: str, present: np.ndarray) -> dict[str, np.ndarray]:
    """Code, boiler flags and efficiencies (Tables 4a/4b, PCDB override, Table 4c(2)) of one main system."""
    hs = tables.heating_systems()
    code = s.col(f"{prefix}_code", 0).astype(int)
    s.refuse(
        present & hs["unsupported"][code],
        f"{prefix}_code",
        "heat networks, warm air and CPSUs are not implemented yet",
    )
    heat_pump = hs["heat_pump"][code] & present
    # A heat pump takes the seasonal efficiency the caller declares (PCDB via Appendix N), else the Table 4a
    # default for its code (the Appendix N plant-size-ratio method needs PCDB data, not available here).
    boiler = hs["boiler"][code]
    combi = hs["combi"][code]
    winter = s.col(f"{prefix}_efficiency_winter_pct")
    winter = np.where(np.isnan(winter), _tabulated(s, hs, code, f"{prefix}_fuel"), winter)
    # Appendix N: a heat pump of main system 1 with PSR-dependent product data (heat_pumps.py)
    # (main system 2 has no product-data columns)
    hp_n = appendix_n(s, heat_pump) if prefix == "main_heating" else no_product_data(s.n)
    winter = np.where(hp_n["has_data"], hp_n["space"], winter)
    if prefix == "main_heating":
        s.L["hp_psr"] = hp_n["psr"]
        s.L["_hp_data"] = hp_n["has_data"]  # Table 12a prices such a heat pump on its own row
    # a heat network delivers heat: (206) = 100 %; its sources' efficiencies enter in heat_networks.py
    winter = np.where(hs["heat_network"][code] & present, 100.0, winter)
    s.refuse(present & np.isnan(winter), f"{prefix}_code", "no efficiency in the Table 4a/4b transcription")
    summer = s.col(f"{prefix}_efficiency_summer_pct")
    summer = np.where(np.isnan(summer), hs["summer"][code], summer)
    interlock_rule = boiler & (code >= GAS_OIL_BOILERS[0]) & (code <= GAS_OIL_BOILERS[1])
    no_interlock = interlock_rule & (s.col("boiler_interlock") == 0)
    low_temp = _table_4c1(s, present & interlock_rule & hs["condensing"][code], f"{prefix}_fuel")
    return {
        "code": code,
        "boiler": boiler,
        "wet": hs["wet"][code] & present,
        "heat_pump": heat_pump,
        "winter": winter,
        "summer": summer,
        "space_adj": np.where(no_interlock, -5.0, 0.0) + low_temp,
        # Table 4c(2): a combi keeps its water efficiency without interlock
        "water_adj": np.where(no_interlock & ~combi, -5.0, 0.0),
        "hp_data": hp_n["has_data"],
        "hp_water": hp_n["water"],
    }


def _table_4c1(s: Sheet, condensing: np.ndarray, fuel_column: str) -> np.ndarray:
    """Table 4c(1) space-heating efficiency adjustment (percentage points) of a condensing gas or oil
    boiler: emitters at a low temperature (underfloor, or a design flow temperature of 35 C or less) or a
    weather / enhanced load compensator; the larger one when both apply. SAP 2012 values (the SAP 10.2
    table is not transcribed): every home it reaches records approximation ``table_4c1_sap_2012``."""
    adj = tables.table_4c1_adjustments()
    gas = s.col(fuel_column, 0.0) == 1  # mains gas; LPG and oil take the "other fuels" column
    group = np.where(gas, "gas", "oil_lpg")
    flow = s.col("flow_temperature_c")
    low_emitters = (s.col("heat_emitter_type") == 2) | (flow <= 35.0)
    compensator = s.col("boiler_compensator", 0.0) > 0
    emitter_pts = np.where(
        group == "gas", adj[("low_temperature_emitters", "gas")], adj[("low_temperature_emitters", "oil_lpg")]
    )
    comp_pts = np.where(group == "gas", adj[("compensator", "gas")], adj[("compensator", "oil_lpg")])
    points = np.maximum(np.where(low_emitters, emitter_pts, 0.0), np.where(compensator, comp_pts, 0.0))
    points = np.where(condensing, points, 0.0)
    s.approximate(points > 0, "table_4c1_sap_2012")
    return points


def _tabulated(s: Sheet, hs: dict[str, np.ndarray], code: np.ndarray, fuel_column: str) -> np.ndarray:
    """Table 4a/4b efficiency; gas room heaters burning LPG take Table 4a's LPG column."""
    lpg = np.isin(s.col(fuel_column, 0.0), tables.LPG_FUELS) & ~np.isnan(hs["winter_lpg"][code])
    return np.where(lpg, hs["winter_lpg"][code], hs["winter"][code])


def _water_from_boiler(q_space: np.ndarray, q_water: np.ndarray, sys: dict[str, np.ndarray]) -> np.ndarray:
    """Appendix D eq D1: monthly water efficiency of a boiler heating space and water."""
    eta_w = (sys["winter"] + sys["water_adj"])[:, None]
    eta_s = (sys["summer"] + sys["water_adj"])[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        blended = (q_space + q_water) / (q_space / eta_w + q_water / eta_s)
    boiler_water = where_rows(np.isnan(eta_s[:, 0]), eta_w, np.where(q_space > 0, blended, eta_s))
    return where_rows(sys["boiler"], boiler_water, sys["winter"][:, None])


def energy_requirements(s: Sheet) -> None:
    """(201)-(208) fractions and efficiencies, (211)/(213)/(215) space-heating fuel, (217)/(219) water
    heating (Appendix D eq D1 for boilers), (230a)-(231) pumps and fans."""
    L = s.L
    days = tables.days()
    hs = tables.heating_systems()
    main1 = _system(s, "main_heating", np.ones(s.n, dtype=bool))
    has_main2 = ~s.is_null("main_heating_2_code")
    main2 = _system(s, "main_heating_2", has_main2)
    has_secondary = ~s.is_null("secondary_heating_code")
    # Table 11: share of space heat from the secondary heater, by main system
    fraction = hs["secondary_fraction"][main1["code"]]
    s.refuse(
        has_secondary & np.isnan(fraction),
        "secondary_heating_code",
        "no Table 11 secondary fraction for this main system",
    )
    L["(201)"] = np.where(has_secondary, fraction, 0.0)
    L["(202)"] = 1.0 - L["(201)"]
    share2 = 1.0 - s.col("main_heating_fraction")
    s.refuse(
        ~has_main2 & (share2 > 0), "main_heating_2_code", "main_heating_fraction < 1 needs a main system 2"
    )
    s.refuse(
        has_main2 & s.is_null("main_heating_2_fuel"), "main_heating_2_fuel", "main system 2 needs a fuel"
    )
    L["(203)"] = np.where(has_main2, share2, 0.0)
    L["(204)"] = L["(202)"] * (1.0 - L["(203)"])
    L["(205)"] = L["(202)"] * L["(203)"]
    L["winter_efficiency"] = main1["winter"]
    L["(206)"] = main1["winter"] + main1["space_adj"]
    L["(207)"] = np.where(has_main2, main2["winter"] + main2["space_adj"], 100.0)
    L["(211)m"] = L["(98)m"] * L["(204)"][:, None] * 100.0 / L["(206)"][:, None]
    L["(211)"] = row_sum(L["(211)m"])
    L["(213)m"] = L["(98)m"] * L["(205)"][:, None] * 100.0 / L["(207)"][:, None]
    L["(213)"] = row_sum(L["(213)m"])

    sec_eff = s.col("secondary_heating_efficiency_pct")
    sec_code = s.col("secondary_heating_code", 0).astype(int)
    sec_eff = np.where(np.isnan(sec_eff), _tabulated(s, hs, sec_code, "secondary_heating_fuel"), sec_eff)
    s.refuse(
        has_secondary & np.isnan(sec_eff), "secondary_heating_code", "no efficiency for the secondary heater"
    )
    s.refuse(
        has_secondary & s.is_null("secondary_heating_fuel"),
        "secondary_heating_fuel",
        "secondary fuel missing",
    )
    L["(208)"] = np.where(has_secondary, sec_eff, 100.0)
    L["(215)m"] = L["(98)m"] * L["(201)"][:, None] * 100.0 / L["(208)"][:, None]
    L["(215)"] = row_sum(L["(215)m"])

    # water heating efficiency (217)
    wcode = s.col("water_heating_code").astype(int)
    from_main = np.isin(wcode, (901, 902))
    s.refuse(
        (wcode == 902) & ~has_main2, "water_heating_code", "902 (from main system 2) without a main system 2"
    )
    s.refuse(wcode == 914, "water_heating_code", "water from the secondary system is not implemented yet")
    q_water = L["(64)m"]
    declared = s.col("water_heating_efficiency_pct")
    separate = np.where(np.isnan(declared), hs["winter"][np.where(from_main, 0, wcode)], declared)
    # water from a heat pump: its declared water efficiency (Table 4a water column / PCDB not transcribed)
    hp_water = ((wcode == 901) & main1["heat_pump"]) | ((wcode == 902) & main2["heat_pump"])
    # eq D1 for the main system(s) some row of the batch takes its water from (np.where picks only those)
    eff_w = np.broadcast_to(separate[:, None], (s.n, 12))
    if (wcode == 902).any():
        eff_2 = _water_from_boiler(L["(98)m"] * L["(205)"][:, None], q_water, main2)
        eff_w = where_rows(wcode == 902, eff_2, eff_w)
    if (wcode == 901).any():
        eff_1 = _water_from_boiler(L["(98)m"] * L["(204)"][:, None], q_water, main1)
        eff_w = where_rows(wcode == 901, eff_1, eff_w)
    # Table 4a water column of a heat pump where no PCDB / declared value is lodged
    hp_default = np.where(
        hp_water & np.isnan(declared),
        hs["water_hp"][np.where(wcode == 902, main2["code"], main1["code"])],
        declared,
    )
    # Appendix N3.7: water from a main-1 heat pump with PSR-dependent product data
    n_water = (wcode == 901) & main1["hp_data"]
    s.refuse(
        n_water & ~np.isnan(declared),
        "water_heating_efficiency_pct",
        "give either a declared water efficiency or the Appendix N PSR datasets, not both",
    )
    hp_default = np.where(n_water, main1["hp_water"], hp_default)
    eff_w = where_rows(hp_water, hp_default[:, None], eff_w)
    L["_hp_water"] = hp_water
    s.refuse(np.isnan(eff_w).any(axis=1), "water_heating_efficiency_pct", "water heater efficiency unknown")
    s.refuse(
        ~from_main & s.is_null("water_heating_fuel"),
        "water_heating_fuel",
        "separate water heater needs a fuel",
    )
    L["(217)m"] = eff_w
    L["(219)m"] = q_water * 100.0 / eff_w
    L["(219)"] = row_sum(L["(219)m"])

    # pumps and fans (230a)-(231), Table 4f
    pump_kwh = tables.const_table("pump_electricity_kwh")
    age = s.col("central_heating_pump_age").astype(int)
    pump = np.select([age == 1, age == 2], [pump_kwh["1"], pump_kwh["2"]], pump_kwh["0"])
    # a heat pump's circulation pump is inside its efficiency (Appendix N3.1): no (230c) for it
    # nor for a heat network: its pumping is line (313), Appendix C3.2
    hn = hs["heat_network"]
    pumped = (main1["wet"] & ~main1["heat_pump"] & ~hn[main1["code"]]) | (
        main2["wet"] & ~main2["heat_pump"] & ~hn[main2["code"]]
    )
    L["(230c)"] = np.where(pumped, pump, 0.0)
    # (230g) solar water-heating pump (Table 4f), set by water_extras
    L["(231)"] = L["(230a)"] + L["(230c)"] + L.get("(230g)", 0.0)
    L["(231)m"] = outer(L["(231)"], days) / 365.0
