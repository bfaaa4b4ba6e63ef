"""Section 9a: energy requirements of individual heating systems, lines (201)-(232), Tables 4a-4f."""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sheet import Sheet

GAS_OIL_BOILERS = (101, 141)  # Table 4b code range where the Table 4c(2) interlock rule applies
SECONDARY_FRACTION_WET = 0.10  # Table 11: boilers and heat pumps with a secondary system


def energy_requirements(s: Sheet) -> None:
    L = s.L
    days = tables.days()
    hs = tables.heating_systems()
    code = s.col("main_heating_code").astype(int)
    boiler = hs["boiler"][code]
    combi = hs["combi"][code]
    has_secondary = ~s.is_null("secondary_heating_code")
    s.refuse(
        has_secondary & ~boiler,
        "secondary_heating_code",
        "Table 11 secondary fraction transcribed for boiler systems only",
    )
    L["(201)"] = np.where(has_secondary, SECONDARY_FRACTION_WET, 0.0)
    L["(202)"] = 1.0 - L["(201)"]
    L["(203)"] = 1.0 - s.col("main_heating_fraction")
    s.refuse(L["(203)"] > 0, "main_heating_fraction", "a second main heating system is not implemented yet")
    L["(204)"] = L["(202)"] * (1.0 - L["(203)"])

    winter = s.col("main_heating_efficiency_winter_pct")
    winter = np.where(np.isnan(winter), hs["winter"][code], winter)
    s.refuse(np.isnan(winter), "main_heating_code", "no efficiency in the Table 4a/4b transcription")
    summer = s.col("main_heating_efficiency_summer_pct")
    summer = np.where(np.isnan(summer), hs["summer"][code], summer)
    interlock_rule = boiler & (code >= GAS_OIL_BOILERS[0]) & (code <= GAS_OIL_BOILERS[1])
    no_interlock = interlock_rule & (s.col("boiler_interlock") == 0)
    space_adj = np.where(no_interlock, -5.0, 0.0)
    water_adj = np.where(no_interlock & ~combi, -5.0, 0.0)  # Table 4c(2): combis keep their water efficiency
    L["winter_efficiency"] = winter
    L["(206)"] = winter + space_adj
    L["(211)m"] = L["(98)m"] * L["(204)"][:, None] * 100.0 / L["(206)"][:, None]
    L["(211)"] = L["(211)m"].sum(axis=1)

    sec_eff = s.col("secondary_heating_efficiency_pct")
    sec_code = s.col("secondary_heating_code", 0).astype(int)
    sec_eff = np.where(np.isnan(sec_eff), hs["winter"][sec_code], sec_eff)
    sec_eff = np.where((sec_code >= 691) & (sec_code <= 699) & np.isnan(sec_eff), 100.0, sec_eff)
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
    L["(215)"] = L["(215)m"].sum(axis=1)

    # water heating efficiency (217)
    wcode = s.col("water_heating_code").astype(int)
    from_main = np.isin(wcode, (901, 902))
    s.refuse(wcode == 902, "water_heating_code", "a second main heating system is not implemented yet")
    s.refuse(wcode == 914, "water_heating_code", "water from the secondary system is not implemented yet")
    q_space = L["(98)m"] * L["(204)"][:, None]
    q_water = L["(64)m"]
    eta_w = (winter + water_adj)[:, None]
    eta_s = (summer + water_adj)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        blended = (q_space + q_water) / (q_space / eta_w + q_water / eta_s)  # Appendix D eq D1
    boiler_water = np.where(np.isnan(eta_s), eta_w, np.where(q_space > 0, blended, eta_s))
    separate = s.col("water_heating_efficiency_pct")
    separate = np.where(np.isnan(separate), hs["winter"][np.where(from_main, 0, wcode)], separate)
    eff_w = np.where(
        from_main[:, None], np.where(boiler[:, None], boiler_water, winter[:, None]), separate[:, None]
    )
    s.refuse(np.isnan(eff_w).any(axis=1), "water_heating_efficiency_pct", "water heater efficiency unknown")
    s.refuse(
        ~from_main & s.is_null("water_heating_fuel"),
        "water_heating_fuel",
        "separate water heater needs a fuel",
    )
    L["(217)m"] = eff_w
    L["(219)m"] = q_water * 100.0 / eff_w
    L["(219)"] = L["(219)m"].sum(axis=1)

    # pumps and fans (230a)-(231), Table 4f
    pump_kwh = tables.const("pump_electricity_kwh")
    age = s.col("central_heating_pump_age").astype(int)
    pump = np.select([age == 1, age == 2], [pump_kwh["1"], pump_kwh["2"]], pump_kwh["0"])  # type: ignore[index]
    L["(230c)"] = np.where(boiler, pump, 0.0)
    L["(231)"] = L["(230a)"] + L["(230c)"]
    L["(231)m"] = L["(231)"][:, None] * days / 365.0
