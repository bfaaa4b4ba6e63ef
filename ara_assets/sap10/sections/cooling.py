"""Section 8c: space cooling requirement, lines (100)-(108), Tables 10a/10b/10c; cooling electricity (221).

Lines (100)-(108) are worked out for homes with a fixed air-conditioning system only (SAP always shows the
requirement, but only the rating's cooling energy matters here); other homes get zeros. The method and
table values are the SAP 2009/2012 ones (UNCONFIRMED for SAP 10.2, docs/sap10/DEVIATIONS.md K1); values sit
in ``tables/table_10_cooling.json``.
"""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sections.heat_loss import ROOF_WINDOW_PITCH_DEG
from ara_assets.sap10.sections.solar_gains import surface_flux
from ara_assets.sap10.sheet import Sheet, row_sum, where_rows

LABEL_CODES = ("", "A+++", "A++", "A+", "A", "B", "C", "D", "E", "F", "G")  # cooling_energy_label 1..10
SPLIT, PACKAGED = 1, 2  # cooling_system_type
ON_OFF, VARIABLE_SPEED = 1, 2  # cooling_compressor_control


def loss_utilisation(gamma: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Table 10a: utilisation factor for losses, eta = (1 - gamma^-a) / (1 - gamma^-(a+1)) with gamma the
    gain/loss ratio; a / (a + 1) at gamma = 1; 1 where gamma <= 0 (losses are negative: all of them count)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inv = np.power(gamma, -a)
        eta = (1.0 - inv) / (1.0 - inv / gamma)
    eta = np.where(np.abs(gamma - 1.0) < 1e-12, a / (a + 1.0), eta)
    return np.where(gamma <= 0.0, 1.0, eta)


def _summer_solar_gains(s: Sheet, rows: np.ndarray) -> np.ndarray:
    """(83)m recomputed with the Table 6d summer solar access factor (section 8c gains), for ``rows`` only."""
    out = np.zeros((s.n, 12))
    if not rows.any():
        return out
    area = s.elements("window_area_m2")
    keep = rows[area.parent]
    parent = area.parent[keep]
    pitch = s.elements("window_pitch_deg").values[keep]
    orient = s.elements("window_orientation").values[keep].astype(int)
    region = s.col("climate_region").astype(int)[parent]
    flux = surface_flux(region, orient, pitch)
    g = s.elements("window_g_perp").values[keep]
    ff = s.elements("window_frame_factor").values[keep]
    z_summer = tables.access_factors()["solar_access_summer"][s.col("windows_overshading").astype(int)]
    # as for heating, a roof window sees the sky unobstructed (Table 6d note)
    z = np.where(pitch < ROOF_WINDOW_PITCH_DEG, 1.0, z_summer[parent])
    per_window = (0.9 * area.values[keep] * g * ff * z)[:, None] * flux
    return s.per_home(parent, per_window)


def seer(s: Sheet, has_ac: np.ndarray) -> np.ndarray:
    """(209) seasonal energy efficiency ratio: the declared SEER, else the Table 10c EER of the energy label
    class and system type times 1.25 (on/off compressor) or 1.35 (variable speed). Other rows are refused."""
    c = tables.cooling()
    declared = s.col("cooling_seer")
    label = s.col("cooling_energy_label", 0.0).astype(int)
    system = s.col("cooling_system_type")
    control = s.col("cooling_compressor_control")
    by_label = has_ac & np.isnan(declared)
    s.refuse(
        by_label & (label == 0),
        "cooling_seer",
        "fixed air conditioning needs a declared SEER or an energy label class (RdSAP 10 default not "
        "transcribed)",
    )
    eer = c["eer"][label, np.where(system == PACKAGED, 1, 0)]
    s.refuse(
        by_label & (label > 0) & np.isnan(eer),
        "cooling_energy_label",
        "no Table 10c row for this energy label class (A+, A++, A+++ not transcribed)",
    )
    s.refuse(
        by_label & (label > 0) & np.isnan(system),
        "cooling_system_type",
        "Table 10c default needs the system type (split or packaged)",
    )
    s.refuse(
        by_label & (label > 0) & np.isnan(control),
        "cooling_compressor_control",
        "Table 10c default needs the compressor control (on/off or variable speed)",
    )
    mult = c["seer_multiplier"]
    factor = np.where(control == VARIABLE_SPEED, mult[str(VARIABLE_SPEED)], mult[str(ON_OFF)])
    return np.where(np.isnan(declared), eer * factor, declared)


def cooling(s: Sheet) -> None:
    """(100)-(108) cooling requirement for June-September at 24 C; (209) SEER, (221) cooling electricity."""
    L = s.L
    c = tables.cooling()
    months: np.ndarray = c["month_mask"]
    days = tables.days()
    has_ac = s.col("has_fixed_air_conditioning", 0.0) > 0
    area = s.col("cooled_area_m2")
    s.refuse(
        has_ac & np.isnan(area),
        "cooled_area_m2",
        "fixed air conditioning needs the cooled floor area (RdSAP 10 default not transcribed)",
    )
    factor = np.where(months, float(c["intermittency_factor"]), 0.0)
    L["(106)m"] = np.broadcast_to(factor, (s.n, 12))
    if not has_ac.any():
        # no home in the batch is cooled: every line is zero (most batches; saves ~5 % of the worksheet)
        for line in ("(100)m", "(101)m", "(102)m", "(103)m", "(104)m", "(107)m", "(221)m"):
            L[line] = s.zeros_m()
        for line in ("(104)", "(105)", "(107)", "(108)", "(209)", "(221)"):
            L[line] = np.zeros(s.n)
        return
    # only the cooling months of air-conditioned homes are worked out; every other cell stays 0
    cols = np.flatnonzero(months)

    def monthly(values: np.ndarray) -> np.ndarray:
        out = np.zeros((s.n, 12))
        out[:, cols] = np.where(has_ac[:, None], values, 0.0)
        return out

    # (100) heat loss rate at the 24 C set-point with the month's Appendix U external temperature
    h = L["(39)m"][:, cols]
    loss = h * (float(c["set_point_c"]) - L["(96)m"][:, cols])
    L["(100)m"] = monthly(loss)
    # (103) gains: internal gains (73) plus solar gains with the summer access factor
    gains = L["(73)m"][:, cols] + _summer_solar_gains(s, has_ac)[:, cols]
    L["(103)m"] = monthly(gains)
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = gains / loss
    eta = loss_utilisation(gamma, L["_a"][:, cols])  # a = 1 + tau/15 as for heating (Table 10a)
    L["(101)m"] = monthly(eta)
    L["(102)m"] = L["(101)m"] * L["(100)m"]
    n_days = days[cols]
    continuous = np.maximum(0.024 * (gains - eta * loss) * n_days, 0.0)
    # no cooling in a month whose heating requirement (unmasked (98)) is at least a third of it
    heating = np.maximum(0.024 * (L["(97)m"][:, cols] - L["(95)m"][:, cols]) * n_days, 0.0)
    cutoff = float(c["heating_ratio_cutoff"])
    L["(104)m"] = monthly(np.where(continuous > cutoff * heating, continuous, 0.0))
    L["(104)"] = row_sum(L["(104)m"])
    L["(105)"] = np.where(has_ac, np.clip(np.nan_to_num(area) / L["(4)"], 0.0, 1.0), 0.0)
    L["(107)m"] = L["(104)m"] * L["(105)"][:, None] * L["(106)m"]
    L["(107)"] = row_sum(L["(107)m"])
    L["(108)"] = L["(107)"] / L["(4)"]
    eff = seer(s, has_ac)
    L["(209)"] = np.where(has_ac, eff, 0.0)  # 0: no cooling system
    with np.errstate(divide="ignore", invalid="ignore"):
        L["(221)m"] = where_rows(has_ac, L["(107)m"] / eff[:, None], 0.0)
    L["(221)"] = row_sum(L["(221)m"])
