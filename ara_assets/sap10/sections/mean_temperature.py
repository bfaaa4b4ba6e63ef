"""Section 7: mean internal temperature in the heating season, lines (85)-(93), Table 9 / 9a / 9b."""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sheet import Sheet, where_rows

HEATING_MONTHS = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1], dtype=bool)  # no space heating Jun-Sep
HEATING_MONTH_INDEX = np.flatnonzero(HEATING_MONTHS)


def utilisation(gamma: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Table 9a utilisation factor eta for gain/loss ratio gamma and a = 1 + tau/15."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        g_a = np.power(gamma, a)  # one power per cell: gamma^(a+1) = gamma^a x gamma
        eta = (1.0 - g_a) / (1.0 - g_a * gamma)
    special = (gamma <= 0.0) | (np.abs(gamma - 1.0) < 1e-12)
    if special.any():
        eta = np.where(gamma <= 0.0, 1.0, np.where(np.abs(gamma - 1.0) < 1e-12, a / (a + 1.0), eta))
    return eta


def _zone_temperature(
    th: np.ndarray | float,
    te: np.ndarray,
    h: np.ndarray,
    g: np.ndarray,
    a: np.ndarray,
    tc: np.ndarray,
    resp: np.ndarray,
    off_hours: tuple[np.ndarray | float, np.ndarray | float],
) -> tuple[np.ndarray, np.ndarray]:
    """Table 9b: eta at demand temperature th, then th less the off-period temperature reductions.

    ``th`` and the off hours are (N, 12), (N, 1) or scalars: a value shared by every row or month stays
    unexpanded (the same arithmetic on fewer cells)."""
    eta = utilisation(g / (h * (th - te)), a)
    t_sc = (1.0 - resp) * (th - 2.0) + resp * (te + eta * g / h)
    drop = (th - t_sc) / 24.0
    # u = 0.5 toff^2 (Th - Tsc) / (24 tc) when toff <= tc, else (Th - Tsc)(toff - 0.5 tc) / 24
    first, second = (_off_period(t_off, tc) for t_off in off_hours)
    factor = 0.0 + first  # (0 + x, as the accumulation into zeros did)
    factor += second
    return eta, th - drop * factor


def _off_period(t_off: np.ndarray | float, tc: np.ndarray) -> np.ndarray:
    """Table 9b off-period factor: 0.5 toff^2 / tc when toff <= tc, else toff - 0.5 tc. The off periods
    are usually shorter than tc (tc = 4 + 0.25 tau, tau mostly above 12 h): the second form is computed
    for the other cells only (the values np.where would pick)."""
    factor = 0.5 * t_off * t_off / tc
    long_off = ~(t_off <= tc)
    cells = np.flatnonzero(long_off)
    if cells.size * 8 > long_off.size:
        return np.where(long_off, t_off - 0.5 * tc, factor)
    # the few cells with toff > tc: the second form, computed for those cells only
    rows, months = np.divmod(cells, tc.shape[1])
    factor[rows, months] = np.broadcast_to(t_off, tc.shape)[rows, months] - 0.5 * tc[rows, months]
    return factor


def _responsiveness_of(s: Sheet, column: str, present: np.ndarray) -> np.ndarray:
    hs = tables.heating_systems()
    code = s.col(column, 0).astype(int)
    emitter = s.col("heat_emitter_type").astype(int)
    wet_r = np.where(np.isin(emitter, (2, 3)), 0.75, 1.0)
    # Table 4a gives R for some wet systems (solid-fuel boilers); otherwise wet systems take Table 4d
    table_r = hs["responsiveness"][code]
    r = np.where(np.isnan(table_r) & hs["wet"][code], wet_r, table_r)
    # a system whose method is missing altogether is refused under its own reason, not its responsiveness
    s.refuse(
        present & hs["unsupported"][code],
        column,
        "heat networks (Appendix C), warm air and CPSUs are not implemented yet",
    )
    s.refuse(present & np.isnan(r), column, "responsiveness not in Table 4a/4d transcription")
    return np.where(present, r, 0.0)


def responsiveness(s: Sheet) -> np.ndarray:
    """Table 4a/4d responsiveness R (wet systems: radiators 1.0, underfloor 0.75), weighted over the main
    systems by their share of main heat when there are two."""
    share2 = np.where(s.is_null("main_heating_2_code"), 0.0, 1.0 - s.col("main_heating_fraction"))
    r1 = _responsiveness_of(s, "main_heating_code", np.ones(s.n, dtype=bool))
    r2 = _responsiveness_of(s, "main_heating_2_code", ~s.is_null("main_heating_2_code"))
    return (1.0 - share2) * r1 + share2 * r2


VARIABLE_DURATION = 0  # main_heating_hp_heating_duration of a record lodging 'V' (Table N5)


def heating_days(s: Sheet) -> tuple[np.ndarray, np.ndarray]:
    """Appendix N3.5: days of each month heated 24 hours and 16 hours instead of the Table 9 schedule,
    (N, 12) each, for a heat pump with Appendix N data whose record gives a non-standard daily heating
    duration. Table N4: 24 or 16 hours every day. Table N5 ('V'): N24,9 and N16,9 days a year by PSR
    (linear between rows, whole days, PSR clamped to 0.2-1.2), allocated to Jan, Dec, Feb, Mar, Nov, Apr,
    Oct, May, the 24-hour days first. Values: a third-party transcription (approximation
    ``appendix_n_heating_duration``; tables/appendix_n_heat_pumps.json)."""
    days = tables.days()
    zeros = np.zeros((s.n, 12))
    duration = s.col("main_heating_hp_heating_duration", 9.0)
    special = duration != 9
    if not special.any():
        return zeros, zeros.copy()
    has_data = np.bincount(s.elements("main_heating_hp_psr").parent, minlength=s.n) > 0
    s.refuse(
        special & ~has_data,
        "main_heating_hp_heating_duration",
        "a heating duration other than 9 hours needs the heat pump's Appendix N PSR datasets",
    )
    s.approximate(special & has_data, "appendix_n_heating_duration")
    c = tables.load_named("appendix_n_heat_pumps.json")
    # Table N5 by PSR (N2: maximum output / ((39) x 24.2 K))
    design_kw = s.L["(39)"] * c.number("design_temperature_difference_k") / 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        psr = s.col("main_heating_hp_output_kw") / design_kw
    rows = np.array(c.numbers("table_n5_psr"))
    psr = np.clip(np.nan_to_num(psr, nan=rows[0]), rows[0], rows[-1])
    n24_v = np.floor(np.interp(psr, rows, np.array(c.numbers("table_n5_n24_9_days"))) + 0.5)
    n16_v = np.floor(np.interp(psr, rows, np.array(c.numbers("table_n5_n16_9_days"))) + 0.5)
    variable = duration == VARIABLE_DURATION
    order = np.array(c.numbers("n35_month_order"), dtype=int) - 1
    cap = days[order][None, :]
    n24_ord = np.clip(np.where(variable, n24_v, 0.0)[:, None] - (np.cumsum(cap, axis=1) - cap), 0.0, cap)
    left = cap - n24_ord
    n16_ord = np.clip(np.where(variable, n16_v, 0.0)[:, None] - (np.cumsum(left, axis=1) - left), 0.0, left)
    n24, n16 = zeros.copy(), zeros.copy()
    n24[:, order], n16[:, order] = n24_ord, n16_ord
    # Table N4: a fixed 24- or 16-hour duration heats every day of every month that way
    n24 = np.where((duration == 24)[:, None], days[None, :], n24)
    n16 = np.where((duration == 16)[:, None], days[None, :], n16)
    ok = (special & has_data)[:, None]
    return np.where(ok, n24, 0.0), np.where(ok, n16, 0.0)


def _by_duration(
    t9: np.ndarray, t16: np.ndarray, t24: np.ndarray, n16: np.ndarray, n24: np.ndarray
) -> np.ndarray:
    """Monthly mean of the three schedules weighted by their days (Appendix N3.5)."""
    days = tables.days()[None, :]
    return (n24 * t24 + n16 * t16 + (days - n24 - n16) * t9) / days


def mean_temperature(s: Sheet) -> None:
    """(85)-(93): living-area and elsewhere temperatures (Table 9b), MIT, Table 4e adjustment."""
    L = s.L
    ctl = tables.controls()
    control = s.col("main_heating_control").astype(int)
    ctype = ctl["control_type"][control]
    s.refuse(np.isnan(ctype), "main_heating_control", "control code not in Table 4e")
    region = s.col("climate_region").astype(int)
    te_all = tables.climate()["external_temperature_c"][region]
    L["(96)m"] = te_all
    special = (s.col("main_heating_hp_heating_duration", 9.0) != 9).any()
    # Jun-Sep of (86)-(97) feed only the cooling section (Table 10) and the trace: a batch with neither (and
    # no Appendix N heating days) works these lines out for the heating months alone (s.months; the
    # space heating of Jun-Sep is 0 whatever they hold, (98)), a third fewer Table 9a powers
    cooled = (s.col("has_fixed_air_conditioning", 0.0) > 0).any()
    s.months = slice(None) if (s.trace or cooled or special) else HEATING_MONTH_INDEX
    te = te_all[:, s.months]
    h = L["(39)m"][:, s.months]
    g = L["(84)m"][:, s.months]
    L["(35)"] = L["(35)"]
    tau = (L["(35)"] * L["(4)"])[:, None] / (3.6 * h)
    a = 1.0 + tau / 15.0
    tc = 4.0 + 0.25 * tau
    resp = responsiveness(s)[:, None]
    L["R"] = resp[:, 0]
    th1 = tables.const_float("mit_living_temperature")  # the same in every row and month
    L["(85)"] = np.full(s.n, th1)
    L["(86)m"], L["(87)m"] = _zone_temperature(th1, te, h, g, a, tc, resp, (7.0, 8.0))
    hlp = np.minimum(L["(40)m"][:, s.months], 6.0)
    type1 = (ctype == 1)[:, None]
    th2 = where_rows(type1[:, 0], th1 - 0.5 * hlp, th1 - hlp + hlp * hlp / 12.0)
    L["(88)m"] = th2
    zone2_off = (np.where((ctype == 3)[:, None], 9.0, 7.0), 8.0)
    L["(89)m"], L["(90)m"] = _zone_temperature(th2, te, h, g, a, tc, resp, zone2_off)
    # a batch without a non-standard heating duration follows Table 9 every day (no (N, 12) day counts)
    n24, n16 = heating_days(s) if special else (None, None)
    if n24 is not None and n16 is not None and (n24 + n16).any():
        # Appendix N3.5: days heated 24 hours (no off period) or 16 hours (one 8-hour off period)
        for th, line in ((th1, "(87)m"), (th2, "(90)m")):
            t24 = _zone_temperature(th, te, h, g, a, tc, resp, (0.0, 0.0))[1]
            t16 = _zone_temperature(th, te, h, g, a, tc, resp, (8.0, 0.0))[1]
            L[line] = _by_duration(L[line], t16, t24, n16, n24)
        L["N24_9m"], L["N16_9m"] = n24, n16
    f_la = L["(91)"][:, None]
    L["(92)m"] = f_la * L["(87)m"] + (1.0 - f_la) * L["(90)m"]
    L["(93)m"] = L["(92)m"] + ctl["temperature_adjustment"][control][:, None]
    L["_a"] = a
