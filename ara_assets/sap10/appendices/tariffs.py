"""Off-peak electricity tariffs: Table 12a high-rate fractions per end use and Table 13 for immersions.

Each electric end use is split between the tariff's high and low rate. A fraction the transcription does not
hold is NaN, and the caller refuses the row. Rows taken from an older edition or a third-party transcription
are recorded on the sheet as approximations (``Sheet.approximate``). Tariff codes: 1 standard, 2 7-hour,
3 10-hour, 4 24-hour, 5 18-hour.
"""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sheet import Sheet

STANDARD, SEVEN_HOUR, TEN_HOUR, TWENTY_FOUR_HOUR, EIGHTEEN_HOUR = 1, 2, 3, 4, 5
# (high-rate fuel code, low-rate fuel code) of each two-rate tariff (Table 12)
RATES: dict[int, tuple[int, int]] = {SEVEN_HOUR: (32, 31), TEN_HOUR: (34, 33), EIGHTEEN_HOUR: (38, 40)}
# the 24-hour heating tariff has one rate (code 35): every use at it (approximation tariff_24_hour_other_uses)
RATES[TWENTY_FOUR_HOUR] = (35, 35)
TWENTY_FOUR_HOUR_APPROXIMATION = "tariff_24_hour_other_uses"


# Table 12a Grid 1 rows by system code (integer ids keep the per-row lookups numeric)
KINDS = (
    "storage",
    "integrated_storage",
    "electric_boiler",
    "direct_acting",
    "heat_pump_ground_table_4a",
    "heat_pump_air_table_4a",
    "heat_pump_appendix_n",
)
HEAT_PUMP_APPENDIX_N = KINDS.index("heat_pump_appendix_n")


def _kind_of_code() -> np.ndarray:
    kind = np.full(tables.MAX_CODE, -1, dtype=np.int8)
    kind[401:410] = KINDS.index("storage")
    kind[408] = KINDS.index("integrated_storage")
    kind[191] = KINDS.index("electric_boiler")
    kind[691:700] = KINDS.index("direct_acting")
    # electric heat pumps of Table 4a (gas-fired 215-217, 225-227 burn gas): ground / water source 211, 213;
    # air source and the "other cases" rows whose source is not captured take the air-source row
    kind[[214, 221, 223, 224]] = KINDS.index("heat_pump_air_table_4a")
    kind[[211, 213]] = KINDS.index("heat_pump_ground_table_4a")
    return kind


KIND_OF_CODE = _kind_of_code()


def _lut(column: int) -> tuple[np.ndarray, np.ndarray]:
    """(kind, tariff) -> fraction, and -> index into the approximation codes (-1 none) + the codes."""
    grid = tables.off_peak_fractions()
    approx = tables.off_peak_approximations()
    lut = np.full((len(KINDS) + 1, 6), np.nan)
    for (system, t), values in grid.items():
        if system in KINDS:
            lut[KINDS.index(system), t] = values[column]
    lut[:, EIGHTEEN_HOUR] = grid[("any_heating", EIGHTEEN_HOUR)][column]
    lut[:, TWENTY_FOUR_HOUR] = 1.0  # one rate: any fraction prices at code 35
    lut[:, STANDARD] = 1.0
    codes = sorted(set(approx.values()))
    which = np.full((len(KINDS) + 1, 6), -1, dtype=np.intp)
    for (system, t), code_ in approx.items():
        if system in KINDS:
            which[KINDS.index(system), t] = codes.index(code_)
    return lut, which


def space_fraction(
    code: np.ndarray,
    tariff: np.ndarray,
    s: Sheet | None = None,
    appendix_n: np.ndarray | None = None,
    used: np.ndarray | None = None,
) -> np.ndarray:
    """High-rate fraction of an electric space-heating system (NaN = not transcribed).

    ``appendix_n`` marks heat pumps scored from product data (their own Table 12a row). With a sheet, rows
    ``used`` whose fraction comes from an older edition or a third party are recorded as approximations.
    """
    lut, which = _lut(0)
    kind = KIND_OF_CODE[np.clip(code, 0, tables.MAX_CODE - 1)].astype(np.intp)  # -1 -> the last (blank) row
    if appendix_n is not None:
        is_hp = np.isin(
            kind, (KINDS.index("heat_pump_ground_table_4a"), KINDS.index("heat_pump_air_table_4a"))
        )
        kind = np.where(is_hp & appendix_n, HEAT_PUMP_APPENDIX_N, kind)
    t = np.clip(tariff, 0, 5)
    if s is not None and used is not None:
        codes = sorted(set(tables.off_peak_approximations().values()))
        w = which[kind, t]
        for k, c in enumerate(codes):
            s.approximate(used & (w == k), c)
    return lut[kind, t]


def other_uses_fraction(tariff: np.ndarray) -> np.ndarray:
    """Table 12a Grid 2: pumps, fans, lighting, electric showers (NaN = not transcribed)."""
    grid = tables.off_peak_fractions()
    out = np.where((tariff == STANDARD) | (tariff == TWENTY_FOUR_HOUR), 1.0, np.nan)
    for t in (SEVEN_HOUR, TEN_HOUR, EIGHTEEN_HOUR):
        out = np.where(tariff == t, grid[("other_uses", t)][0], out)
    return out


def immersion_fraction(s: Sheet, tariff: np.ndarray) -> np.ndarray:
    """Table 13: high-rate fraction of an off-peak immersion from cylinder volume V and occupancy N."""
    coef = tables.const_table("table_13_immersion")
    volume = s.col("cylinder_volume_l")
    n = s.L["(42)"]
    kind = s.col("immersion_type")
    out = np.full(s.n, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in (SEVEN_HOUR, TEN_HOUR):
            a, b, c, d = coef[str(t)]["1"]
            dual = ((a - b * volume) * n + c - d * volume) / 100.0
            a, b, c, d, e = coef[str(t)]["2"]
            single = ((a - b * n) / (c * volume) - d + e * n) / 100.0
            value = np.where(kind == 1, dual, np.where(kind == 2, single, np.nan))
            out = np.where(tariff == t, np.clip(value, 0.0, 1.0), out)
    return out


def water_fraction(s: Sheet, tariff: np.ndarray, heat_pump_water: np.ndarray) -> np.ndarray:
    """High-rate fraction of electric water heating: Table 13 for an immersion, Table 12a for a heat pump."""
    grid = tables.off_peak_fractions()
    out = immersion_fraction(s, tariff)
    for t in (SEVEN_HOUR, TEN_HOUR):
        out = np.where(heat_pump_water & (tariff == t), grid[("heat_pump_water", t)][1], out)
    out = np.where(tariff == EIGHTEEN_HOUR, grid[("any_heating", EIGHTEEN_HOUR)][1], out)
    return np.where((tariff == STANDARD) | (tariff == TWENTY_FOUR_HOUR), 1.0, out)
