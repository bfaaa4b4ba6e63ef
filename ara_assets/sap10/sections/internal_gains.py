"""Section 5: internal gains, lines (66)-(73), with Appendix L (lighting, appliances, cooking)."""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sheet import Sheet, outer, row_sum

MONTH = np.arange(1, 13)
HEATING_SEASON = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1], dtype=float)  # Oct-May, Table 5a


def _daylight_gl(s: Sheet) -> np.ndarray:
    """(L2a) G_L = sum(0.9 x A_w x g_L x FF x Z_L) / TFA over windows."""
    area = s.elements("window_area_m2")
    g_l = s.elements("window_g_light").values
    ff = s.elements("window_frame_factor").values
    z_l = tables.access_factors()["light_access"][s.col("windows_overshading").astype(int)]
    per_window = 0.9 * area.values * g_l * ff * z_l[area.parent]
    return s.per_home(area.parent, per_window) / s.L["(4)"]


def appendix_l(s: Sheet) -> None:
    """Appendix L: lighting L1-L12 (-> (232), (67)), appliances L13-L16 (-> (68)), cooking L18-L21."""
    L = s.L
    days = tables.days()
    tfa = L["(4)"]
    n = L["(42)"]
    c = tables.const_table("lighting")
    tfa_n = (tfa * n) ** c["exponent"]
    L["L1"] = c["factor"] * c["base"] * tfa_n
    gl = _daylight_gl(s)
    d = c["daylight"]
    L["L2a"] = gl
    L["L2b"] = np.where(gl <= d[3], d[0] * gl * gl - d[1] * gl + d[2], d[4])
    L["L3"] = L["L1"] * L["L2b"] * c["fixed_share"]
    L["L4"] = c["ref_lm_per_m2"] * tfa
    cap = s.col("fixed_lighting_capacity_lm")
    L["L5"] = np.where(np.isnan(cap), c["default_lm_per_m2"] * tfa, cap)
    eff = s.col("fixed_lighting_efficacy_lm_per_w")
    L["L8"] = np.where(np.isnan(eff), c["default_efficacy"], eff)
    # Provision against the reference range [185, 330] lm/m2 x TFA. Within it the fixed lights meet the
    # fixed requirement L3 at their efficacy (confirmed by the reference worksheets); above it the surplus
    # is used, L6 = L3 x L5 / L4; below it "top-up lighting of poor efficacy" (21.3 lm/W) meets the
    # shortfall. The two out-of-range rules follow the published description of SAP 10 lighting and are
    # UNCONFIRMED against the specification text (DEVIATIONS.md D7).
    L["L6"] = L["L3"] * L["L5"] / L["L4"]
    lower = c["default_lm_per_m2"] * tfa
    shortfall = np.clip(1.0 - L["L5"] / lower, 0.0, 1.0)
    L["L7"] = L["L3"] * shortfall
    fixed_output = np.where(L["L5"] > L["L4"], L["L6"], L["L3"] - L["L7"])
    with np.errstate(divide="ignore", invalid="ignore"):
        L["L9a"] = np.where(fixed_output > 0, fixed_output / L["L8"], 0.0)
    L["L9b"] = L["L7"] / c["portable_efficacy"]
    L["L9c"] = L["L1"] * L["L2b"] * (1.0 - c["fixed_share"]) / c["portable_efficacy"]
    L["L9d"] = L["L9a"] + L["L9b"] + L["L9c"]
    shape = 1.0 + c["amplitude"] * np.cos(2.0 * np.pi * (MONTH - c["phase"]) / 12.0)
    L["L10m"] = outer(L["L9d"], shape) * days / 365.0
    L["(232)m"] = L["L10m"]
    L["(232)"] = row_sum(L["L10m"])
    L["(67)m"] = L["L10m"] * c["gain_fraction"] * 1000.0 / (24.0 * days)

    a0, ex, amp, ph = tables.const_floats("appliances")
    L["L13"] = a0 * (tfa * n) ** ex
    L["L14m"] = outer(L["L13"], 1.0 + amp * np.cos(2.0 * np.pi * (MONTH - ph) / 12.0)) * days / 365.0
    L["L15"] = row_sum(L["L14m"])
    L["(68)m"] = L["L14m"] * 1000.0 / (24.0 * days)
    g0, g1 = tables.const_floats("cooking_gains")
    L["(69)m"] = np.repeat((g0 + g1 * n)[:, None], 12, axis=1)
    e0, e1 = tables.const_floats("cooking_electricity")
    L["L20"] = e0 + e1 * n
    L["L21m"] = outer(L["L20"], days) / 365.0


def internal_gains(s: Sheet) -> None:
    """(66)-(73): metabolic, lighting, appliance, cooking, pump/fan, evaporation and water-heating gains."""
    L = s.L
    s.refuse(
        s.col("reduced_internal_gains") > 0,
        "reduced_internal_gains",
        "reduced gains (Table 5 col B) not implemented",
    )
    appendix_l(s)
    n = L["(42)"][:, None]
    L["(66)m"] = np.repeat(tables.const_float("metabolic_w_per_person") * n, 12, axis=1)
    pump_w = tables.const_table("pump_gain_w")
    age = s.col("central_heating_pump_age").astype(int)
    watts = np.select([age == 1, age == 2], [pump_w["1"], pump_w["2"]], pump_w["0"])
    hs = tables.heating_systems()
    wet = (
        hs["wet"][s.col("main_heating_code").astype(int)]
        | hs["wet"][s.col("main_heating_2_code", 0).astype(int)]
    )
    has_pump = wet & (s.col("central_heating_pump_in_heated_space") > 0)
    L["(70)m"] = outer(np.where(has_pump, watts, 0.0), HEATING_SEASON)
    # Table 5a mechanical-ventilation fan gains (balanced without HR, PIV from outside): factor x in-use SFP x
    # volume, all year (UNCONFIRMED SAP 2012 factors, tables/table_4g_4h_mech_vent.csv, DEVIATIONS K2)
    vtype = np.clip(s.col("ventilation_type").astype(int), 0, 10)
    fan_gain = np.nan_to_num(tables.mech_vent_defaults()["fan_gain"][vtype])
    L["(70)m"] = L["(70)m"] + (fan_gain * L["_mv_sfp"] * L["(5)"])[:, None]
    L["(71)m"] = np.repeat(tables.const_float("evaporation_w_per_person") * n, 12, axis=1)
    L["(72)m"] = L["(65)m"] * 1000.0 / (24.0 * tables.days())
    L["(73)m"] = L["(66)m"] + L["(67)m"] + L["(68)m"] + L["(69)m"] + L["(70)m"] + L["(71)m"] + L["(72)m"]
