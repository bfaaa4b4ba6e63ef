"""Off-peak electricity tariffs: Table 12a high-rate fractions per end use and Table 13 for immersions.

Each electric end use is split between the tariff's high and low rate. A fraction the transcription does not
hold is NaN, and the caller refuses the row (never a guess). Tariff codes: 1 standard, 2 7-hour, 3 10-hour,
4 24-hour, 5 18-hour.
"""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sheet import Sheet

STANDARD, SEVEN_HOUR, TEN_HOUR, TWENTY_FOUR_HOUR, EIGHTEEN_HOUR = 1, 2, 3, 4, 5
# (high-rate fuel code, low-rate fuel code) of each two-rate tariff (Table 12)
RATES: dict[int, tuple[int, int]] = {SEVEN_HOUR: (32, 31), TEN_HOUR: (34, 33), EIGHTEEN_HOUR: (38, 40)}


def _system_kind(code: np.ndarray) -> np.ndarray:
    """Table 12a Grid 1 row of an electric space-heating system code ('' where no row is transcribed)."""
    kind = np.full(code.shape, "", dtype=object)
    kind = np.where((code >= 401) & (code <= 409), "storage", kind)
    kind = np.where(code == 408, "integrated_storage", kind)
    kind = np.where(code == 191, "electric_boiler", kind)
    kind = np.where((code >= 691) & (code <= 699), "direct_acting", kind)
    return kind


def space_fraction(code: np.ndarray, tariff: np.ndarray) -> np.ndarray:
    """High-rate fraction of an electric space-heating system (NaN = not transcribed)."""
    grid = tables.off_peak_fractions()
    kind = _system_kind(code)
    out = np.full(code.shape, np.nan)
    for (system, t), (space, _water) in grid.items():
        out = np.where((kind == system) & (tariff == t), space, out)
    out = np.where(tariff == EIGHTEEN_HOUR, grid[("any_heating", EIGHTEEN_HOUR)][0], out)
    return np.where(tariff == STANDARD, 1.0, out)


def other_uses_fraction(tariff: np.ndarray) -> np.ndarray:
    """Table 12a Grid 2: pumps, fans, lighting, electric showers (NaN = not transcribed)."""
    grid = tables.off_peak_fractions()
    out = np.where(tariff == STANDARD, 1.0, np.nan)
    for t in (SEVEN_HOUR, TEN_HOUR, EIGHTEEN_HOUR):
        out = np.where(tariff == t, grid[("other_uses", t)][0], out)
    return out


def immersion_fraction(s: Sheet, tariff: np.ndarray) -> np.ndarray:
    """Table 13: high-rate fraction of an off-peak immersion from cylinder volume V and occupancy N."""
    coef = tables.const("table_13_immersion")
    volume = s.col("cylinder_volume_l")
    n = s.L["(42)"]
    kind = s.col("immersion_type")
    out = np.full(s.n, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in (SEVEN_HOUR, TEN_HOUR):
            a, b, c, d = coef[str(t)]["1"]  # type: ignore[index]
            dual = ((a - b * volume) * n + c - d * volume) / 100.0
            a, b, c, d, e = coef[str(t)]["2"]  # type: ignore[index]
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
    return np.where(tariff == STANDARD, 1.0, out)
