"""RdSAP 10 tables kept as data files in ``tables/`` (``tables/index.json``: table, edition, page, source).

Each loader reads its CSV once and returns plain dicts keyed for the per-certificate lookups of the
expansion (a dict lookup per element is cheaper than any frame operation at this granularity).
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

from ara_assets.sap10 import tables as sap_tables

TABLE_DIR = Path(__file__).parent / "tables"
AGE_BANDS = "ABCDEFGHIJKLM"


def table_rows(name: str) -> list[dict[str, str]]:
    """The rows of one CSV table in ``tables/``, values as text."""
    with open(TABLE_DIR / name, newline="") as fh:
        return list(csv.DictReader(fh))


def _f(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


@lru_cache(maxsize=1)
def constants() -> dict[str, float]:
    """Scalar rules (``tables/constants.json``): name -> value, read by the one loader of named values."""
    return sap_tables.load_named("constants.json", TABLE_DIR).numbers_by_name()


@lru_cache(maxsize=1)
def index() -> dict[str, dict[str, str]]:
    """Provenance of every data file: table, edition, page, source, completeness."""
    with open(TABLE_DIR / "index.json") as fh:
        raw = json.load(fh)
    return {k: v for k, v in raw.items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def wall_u() -> dict[tuple[str, str, int, str], float | None]:
    """Table 6 (E&W): (wall_type, insulation, insulation_mm, age_band) -> U (None: stone equation)."""
    out: dict[tuple[str, str, int, str], float | None] = {}
    for r in table_rows("wall_u_values_england_wales.csv"):
        for band in AGE_BANDS:
            out[(r["wall_type"], r["insulation"], int(r["insulation_mm"]), band)] = _f(r[band])
    return out


@lru_cache(maxsize=1)
def wall_thickness() -> dict[tuple[str, str], float | None]:
    """Table 5: (wall_type, age_band) -> default wall thickness, mm."""
    return {(r["wall_type"], b): _f(r[b]) for r in table_rows("wall_thickness_mm.csv") for b in AGE_BANDS}


@lru_cache(maxsize=1)
def roof_u_by_thickness() -> dict[str, list[tuple[float, float]]]:
    """Table 16: column -> ascending [(thickness_mm, U)] (joists, rafters, thatch)."""
    cols = {"joists": "pitched_joists_U", "rafters": "pitched_rafters_U", "thatch": "thatched_U"}
    out: dict[str, list[tuple[float, float]]] = {k: [] for k in cols}
    for r in table_rows("roof_u_by_insulation_thickness.csv"):
        for key, col in cols.items():
            if r[col] != "":
                out[key].append((float(r["insulation_thickness_mm"]), float(r[col])))
    return out


@lru_cache(maxsize=1)
def roof_u_by_age() -> dict[tuple[str, str], float]:
    """Table 18: (column, age_band) -> U for unknown insulation."""
    cols = {
        "joists": "col1_pitched_joists",
        "rafters": "col2_pitched_rafters",
        "flat": "col3_flat_or_sloping_ceiling",
        "room_in_roof": "col4_room_in_roof",
        "thatch": "thatched",
        "thatch_room_in_roof": "thatched_room_in_roof",
    }
    return {
        (k, r["age_band"]): float(r[c]) for r in table_rows("roof_u_by_age_band.csv") for k, c in cols.items()
    }


@lru_cache(maxsize=1)
def floor_defaults() -> dict[str, tuple[float, str]]:
    """Table 19: age_band -> (as-built insulation mm, construction if unknown)."""
    return {
        r["age_band"]: (float(r["as_built_insulation_mm"]), r["construction_if_unknown"])
        for r in table_rows("floor_defaults.csv")
    }


@lru_cache(maxsize=1)
def exposed_floor_u() -> dict[str, tuple[float, float]]:
    """Table 20: age_band -> (as built U, insulated with unknown thickness U)."""
    return {
        r["age_band"]: (float(r["as_built_u"]), float(r["insulated_unknown_thickness_u"]))
        for r in table_rows("exposed_floor_u.csv")
    }


@lru_cache(maxsize=1)
def exposed_floor_u_wales() -> dict[str, float]:
    """Table 20, Wales column: age_band -> as-built U (differs from England only at band M)."""
    return {r["age_band"]: float(r["wales_as_built_u"]) for r in table_rows("exposed_floor_u.csv")}


@lru_cache(maxsize=1)
def insulation_resistance() -> dict[int, tuple[float, float]]:
    """Table 14: lodged insulation conductivity code -> (R per mm, R constant) of R = a T + b."""
    return {
        int(r["conductivity_code"]): (float(r["r_per_mm"]), float(r["r_constant"]))
        for r in table_rows("insulation_resistance.csv")
    }


@lru_cache(maxsize=1)
def thermal_bridging() -> dict[str, tuple[float, float]]:
    """Table 21: age_band -> (y, park-home y)."""
    return {
        r["age_band"]: (float(r["y_w_per_m2k"]), float(r["park_home_y_w_per_m2k"]))
        for r in table_rows("thermal_bridging_y.csv")
    }


@lru_cache(maxsize=1)
def window_u_g() -> dict[int, tuple[float, float, float]]:
    """Table 24: glazing_type -> (window U, roof-window U, g_perp)."""
    return {
        int(r["glazing_type"]): (float(r["window_u"]), float(r["roof_window_u"]), float(r["g_perp"]))
        for r in table_rows("window_u_g.csv")
    }


@lru_cache(maxsize=1)
def window_gap_u() -> dict[tuple[int, str], tuple[float, float]]:
    """Table 24, pre-2002 double glazing in a PVC frame: (glazing_type, gap) -> (window U, roof-window U)."""
    return {
        (int(r["glazing_type"]), r["glazing_gap"]): (float(r["window_u"]), float(r["roof_window_u"]))
        for r in table_rows("window_gap_u.csv")
    }


@lru_cache(maxsize=1)
def window_area_formula() -> dict[tuple[str, bool], tuple[float, float]]:
    """Table 22: (age_band, is_house) -> (coefficient, constant) of window area = c x TFA + k."""
    out: dict[tuple[str, bool], tuple[float, float]] = {}
    for r in table_rows("window_area_formula.csv"):
        out[(r["age_band"], True)] = (
            float(r["house_or_bungalow_coefficient"]),
            float(r["house_or_bungalow_constant"]),
        )
        out[(r["age_band"], False)] = (
            float(r["flat_or_maisonette_coefficient"]),
            float(r["flat_or_maisonette_constant"]),
        )
    return out


@lru_cache(maxsize=1)
def door_u() -> dict[str, tuple[float, float]]:
    """Table 26: age_band -> (door to outside U, door to unheated corridor U)."""
    return {
        r["age_band"]: (float(r["outside_u"]), float(r["unheated_corridor_u"]))
        for r in table_rows("door_u_values.csv")
    }


@lru_cache(maxsize=1)
def party_wall_u() -> dict[int, tuple[float, float]]:
    """Table 15: party_wall_construction code -> (U in a house, U in a flat)."""
    return {
        int(r["party_wall_construction"]): (float(r["house_u"]), float(r["flat_u"]))
        for r in table_rows("party_wall_u.csv")
    }


@lru_cache(maxsize=1)
def living_area_fraction() -> dict[int, float]:
    """Table 27: habitable rooms (15 = 15 or more) -> living area fraction."""
    return {
        int(r["habitable_rooms"]): float(r["living_area_fraction"])
        for r in table_rows("living_area_fraction.csv")
    }


@lru_cache(maxsize=1)
def cylinder_volume() -> dict[str, float]:
    """Table 28: size class / no-access case -> volume, litres."""
    out: dict[str, float] = {}
    for r in table_rows("cylinder_defaults.csv"):
        out[r["cylinder_size"] if r["cylinder_size"] != "0" else r["label"]] = float(r["volume_l"])
    return out


@lru_cache(maxsize=1)
def fuel_codes() -> dict[int, int]:
    """Register HeatingFuelTypeCode -> SAP 10.2 Table 12 fuel code (non-community fuels)."""
    return {int(r["register_fuel_code"]): int(r["sap_table12_code"]) for r in table_rows("fuel_codes.csv")}


@lru_cache(maxsize=1)
def lighting_bulbs() -> dict[str, tuple[float, float]]:
    """Bulb type -> (efficacy lm/W, power W)."""
    return {
        r["bulb"]: (float(r["efficacy_lm_per_w"]), float(r["power_w"]))
        for r in table_rows("lighting_bulbs.csv")
    }


def interpolate(ladder: list[tuple[float, float]], x: float) -> float:
    """Linear interpolation on an ascending (x, y) ladder, clamped at both ends (Table 16 thicknesses
    between rows: the specification interpolates)."""
    if x <= ladder[0][0]:
        return ladder[0][1]
    for (x0, y0), (x1, y1) in zip(ladder, ladder[1:], strict=False):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return ladder[-1][1]
