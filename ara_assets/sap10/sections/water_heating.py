"""Section 4: water heating energy requirement, lines (42)-(65), Appendix J."""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.appendices.water_extras import solar_storage_factor, water_extras
from ara_assets.sap10.sheet import Sheet, outer, row_sum, where_rows

SUMMER = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0], dtype=bool)  # Jun-Sep
POINT_OF_USE = (907, 909)  # Table 4a instantaneous water heaters at the point of use: no distribution loss
PIPE_P = np.array([np.nan, 0.0, 0.1, 0.3, 1.0])  # Table 3: insulated fraction p by pipework code 1-4


def occupancy(tfa: np.ndarray) -> np.ndarray:
    """Table 1b: assumed occupancy N from total floor area."""
    a, b, t0, c = tables.const_floats("occupancy")
    x = tfa - t0
    return np.where(tfa > t0, 1.0 + a * (1.0 - np.exp(-b * x * x)) + c * x, 1.0)


def combi_loss(s: Sheet, combi: np.ndarray, days: np.ndarray) -> np.ndarray:
    """(61)m, the combi boiler's additional loss (kWh/month), for the rows of ``combi``:

    - a declared annual loss (``combi_loss_kwh_per_year``), spread by days;
    - else a combi tested for hot water in the PCDB: SAP 10.2 Table 3b row 1 (instantaneous combi tested to
      profile M), (61)m = (45)m x r1 x fu + F1 x n_m. A combi tested to two profiles (Table 3c) is computed
      the same way from its profile-M values (approximation ``combi_loss_table_3c_as_3b``: the Table 3c
      formula is not transcribed);
    - else Table 3a: row 1 no keep-hot 600 x fu x n_m / 365, row 3 keep-hot controlled by a time clock
      600 x n_m / 365, row 4 keep-hot not controlled by a time clock 900 x n_m / 365.

    fu = min(1, (44)m / 100) (Table 3a note). Values of Tables 3a/3b: the SAP 10.2 specification as
    transcribed in sap10/tables (Table 3a p.160); Table 3b row 1 is a third-party transcription checked
    against an accredited engine's worksheet (docs/sap10/DEVIATIONS.md).
    """
    L = s.L
    fu = np.minimum(1.0, L["(44)m"] / 100.0)
    n_m = days[None, :]
    row1 = tables.const_float("combi_loss_kwh_per_year") * fu * n_m / 365.0
    keep_hot = s.col("combi_keep_hot", 0.0)
    # a branch no row of the batch takes is not evaluated (np.where would give the other branch's values)
    table_3a = row1
    if (keep_hot == 1).any() or (keep_hot == 2).any():
        table_3a = where_rows(
            keep_hot == 1, 600.0 * n_m / 365.0, where_rows(keep_hot == 2, 900.0 * n_m / 365.0, row1)
        )
    tests = s.col("combi_dhw_tests", 0.0)
    tested = tests >= 1
    r1 = s.col("combi_loss_r1")
    f1 = s.col("combi_loss_f1_kwh_per_day")
    s.refuse(
        combi & tested & (np.isnan(r1) | np.isnan(f1)),
        "combi_dhw_tests",
        "a combi tested for hot water (Table 3b/3c) needs combi_loss_r1 and combi_loss_f1_kwh_per_day",
    )
    loss = table_3a
    if tested.any():
        table_3b = L["(45)m"] * np.nan_to_num(r1)[:, None] * fu + np.nan_to_num(f1)[:, None] * n_m
        loss = where_rows(tested, table_3b, table_3a)
    declared = s.col("combi_loss_kwh_per_year")
    has_declared = ~np.isnan(declared)
    if has_declared.any():
        loss = where_rows(has_declared, np.nan_to_num(declared)[:, None] * n_m / 365.0, loss)
    from_product = combi & ~has_declared
    s.approximate(from_product & (tests >= 2), "combi_loss_table_3c_as_3b")
    s.approximate(
        from_product & ~tested & (keep_hot > 0) & (s.col("combi_keep_hot_electric", 0.0) > 0),
        "combi_keep_hot_electric_as_fuel",
    )
    s.approximate(from_product & (s.col("combi_storage", 0.0) > 0), "combi_storage_as_instantaneous")
    return where_rows(combi, loss, 0.0) if combi.any() else s.zeros_m()


def water_heating(s: Sheet) -> None:
    """(42)-(65): occupancy, Appendix J volumes, energy content, distribution/storage/primary/combi loss."""
    L = s.L
    days = tables.days()
    mf = tables.monthly()
    header_tank = s.col("cold_water_source") == 2
    t_cold = where_rows(
        header_tank, mf["cold_water_temperature_header_tank_c"], mf["cold_water_temperature_mains_c"]
    )
    f_beh = mf["behavioural_factor_bath_shower"][None, :]
    n_occ = s.col("occupancy")
    L["(42)"] = np.where(np.isnan(n_occ), occupancy(L["(4)"]), n_occ)

    # showers (42a) and electric showers (64a), Appendix J steps 2 and 8: the daily shower events are shared
    # equally among all outlets (eq J16: N_shower / N_outlets); mixer outlets draw hot water from the
    # system, each instantaneous electric shower heats its own water with electricity (eq J17-J18)
    flow = s.elements("mixer_shower_flow_l_per_min")
    n_mixer = np.bincount(flow.parent, minlength=s.n).astype(float)
    electric = s.col("electric_showers", 0.0)
    outlets = n_mixer + electric
    has_shower = outlets > 0
    showers_per_day = np.where(has_shower, 0.45 * L["(42)"] + 0.65, 0.0)
    per_outlet = showers_per_day / np.maximum(outlets, 1.0)
    minutes = tables.const_float("shower_minutes_per_event")
    total_flow = s.per_home(flow.parent, flow.values)
    L["_showers_per_outlet"] = per_outlet  # for WWHRS (water_extras)
    L["_t_cold"] = t_cold
    L["(42a)m"] = outer(per_outlet * total_flow * minutes, f_beh) * (41.0 - t_cold) / (52.0 - t_cold)
    # Table J4: instantaneous electric shower rated at 9.3 kW (existing dwellings); 0.1 h = a 6-minute event
    power = tables.const_float("electric_shower_power_kw")
    L["(64a)m"] = outer(electric * per_outlet * power * minutes / 60.0, f_beh) * days
    L["(64a)"] = row_sum(L["(64a)m"])

    # baths (42b)
    coef = tables.const_table("baths_per_day")
    bath = s.col("bath_present") > 0
    with_shower = coef["bath_and_shower"]
    only = coef["bath_only"]
    baths = np.where(
        bath,
        np.where(has_shower, with_shower[0] * L["(42)"] + with_shower[1], only[0] * L["(42)"] + only[1]),
        0.0,
    )
    L["baths_per_day"] = baths
    L["(42b)m"] = (
        outer(baths * tables.const_float("bath_volume_l"), f_beh) * (42.0 - t_cold) / (52.0 - t_cold)
    )

    # other uses (42c)
    a, b = tables.const_floats("hot_water_other_l_per_day")
    other = a * L["(42)"] + b
    other = np.where(s.col("low_water_use_design") > 0, 0.95 * other, other)
    L["(42c)m"] = outer(other, mf["other_hot_water_use_factor"])
    L["(44)m"] = L["(42a)m"] + L["(42b)m"] + L["(42c)m"]
    # annual average daily volume: showers and baths day-weighted, other uses before the Table J2 factors
    L["(43)"] = row_sum((L["(42a)m"] + L["(42b)m"]) * days) / 365.0 + other
    t_hot = tables.const_float("hot_water_delivery_temperature_c")
    L["(45)m"] = 4.18 * L["(44)m"] * days * (t_hot - t_cold) / 3600.0
    L["(45)"] = row_sum(L["(45)m"])
    wcode = s.col("water_heating_code").astype(int)
    point_of_use = np.isin(wcode, POINT_OF_USE)
    L["(46)m"] = where_rows(point_of_use, 0.0, tables.const_float("distribution_loss_fraction") * L["(45)m"])

    # storage loss (47)-(57)
    volume = s.col("cylinder_volume_l")
    has_cyl = ~np.isnan(volume)
    vol = np.where(has_cyl, volume, 0.0)
    L["(47)"] = vol
    stat = s.col("cylinder_thermostat") > 0
    timed = s.col("water_separately_timed") > 0
    # Table 2b: base 0.60, x 1.3 without a cylinder thermostat, x 0.9 when separately timed
    tf = 0.60 * np.where(stat, 1.0, 1.3) * np.where(timed, 0.9, 1.0)
    declared = s.col("cylinder_declared_loss_kwh_per_day")
    ins_type = s.col("cylinder_insulation_type")
    t_mm = s.col("cylinder_insulation_mm")
    loss_factor = np.where(ins_type == 1, 0.005 + 0.55 / (t_mm + 4.0), 0.005 + 1.76 / (t_mm + 12.8))
    s.refuse(
        has_cyl & np.isnan(declared) & (np.isnan(ins_type) | np.isnan(t_mm)),
        "cylinder_insulation_mm",
        "cylinder without declared loss needs insulation type and thickness (Table 2)",
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        vf = np.where(has_cyl, (120.0 / np.where(vol > 0, vol, 1.0)) ** (1.0 / 3.0), 0.0)
    L["(48)"] = np.where(np.isnan(declared), 0.0, declared)
    L["(50)"] = L["(48)"] * tf
    L["(51)"] = np.where(has_cyl & np.isnan(declared), loss_factor, 0.0)
    L["(52)"] = vf
    L["(53)"] = tf
    L["(54)"] = vol * L["(51)"] * vf * tf
    L["(55)"] = np.where(has_cyl, np.where(np.isnan(declared), L["(54)"], L["(50)"]), 0.0)
    L["(56)m"] = outer(L["(55)"], days)
    L["(57)m"] = L["(56)m"] * solar_storage_factor(s)[:, None]  # dedicated solar volume excluded

    # primary loss (59): a cylinder heated by a boiler through primary pipework
    hs = tables.heating_systems()
    code = s.col("main_heating_code").astype(int)
    from_main = np.isin(wcode, (901, 902))
    # gas/oil (Table 4b) and solid-fuel boilers; electric boilers heat the store directly (Table 3: no loss)
    boiler = hs["boiler"][code] | ((code >= 151) & (code <= 161))
    p = PIPE_P[s.col("primary_pipework_insulation").astype(int)]
    # only homes whose cylinder is fed by a boiler through primary pipework
    rows = np.flatnonzero(has_cyl & from_main & boiler)
    # Table 3 hours of circulation: 11 without thermostat, 5 with, 3 with separate timing
    h_winter = np.where(stat[rows], np.where(timed[rows], 3.0, 5.0), 11.0)
    h = np.where(SUMMER[None, :], 3.0, h_winter[:, None])
    p_rows = p[rows][:, None]
    L["(59)m"] = np.zeros((s.n, 12))
    L["(59)m"][rows] = days * 14.0 * ((0.0091 * p_rows + 0.0245 * (1.0 - p_rows)) * h + 0.0263)

    L["(61)m"] = combi_loss(s, hs["combi"][code] & from_main & ~has_cyl, days)
    L["(62)m"] = 0.85 * L["(45)m"] + L["(46)m"] + L["(57)m"] + L["(59)m"] + L["(61)m"]
    water_extras(s)  # (63a) WWHRS, (63b) PV diverter, (63c) solar, (63d) FGHRS
    L["(64)m"] = np.maximum(0.0, L["(62)m"] + L["(63)m"])
    L["(64)"] = row_sum(L["(64)m"])
    a, k, c = tables.const_floats("water_gains")
    inside = s.col("cylinder_in_heated_space") > 0
    stored = where_rows(inside, L["(57)m"] + L["(59)m"], 0.0)
    # electric-shower energy is recovered as gain at the rate of the hot-water energy content (UNCONFIRMED)
    L["(65)m"] = a * (k * L["(45)m"] + L["(61)m"] + L["(64a)m"]) + c * (L["(46)m"] + stored)
