"""Loads the SAP 10.2 tables kept as data files in `tables/` (each row carries its source)."""

from __future__ import annotations

import csv
import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

TABLE_DIR = Path(__file__).parent / "tables"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MAX_CODE = 10_000  # SAP codes are < 10,000: code-indexed arrays make lookups one numpy gather


def _rows(name: str) -> list[dict[str, str]]:
    with open(TABLE_DIR / name, newline="") as fh:
        return list(csv.DictReader(fh))


def _num(text: str) -> float:
    return float(text) if text not in ("", None) else np.nan


class NamedValues:
    """A JSON table of named entries ``{name: {"value": ..., "ref": ..., "source": ...}}`` (keys starting
    with "_" are notes), with typed accessors: a value of the wrong shape raises naming file and entry, so
    the worksheet modules get ``float`` / ``tuple[float, ...]`` / ``dict`` instead of ``object``."""

    def __init__(self, path: Path) -> None:
        with open(path) as fh:
            raw = json.load(fh)
        self.file = path.name
        self.values: dict[str, object] = {k: v["value"] for k, v in raw.items() if not k.startswith("_")}

    def _get(self, name: str) -> object:
        try:
            return self.values[name]
        except KeyError:
            raise KeyError(f"{self.file}: no entry {name!r}") from None

    def number(self, name: str) -> float:
        """A scalar entry."""
        value = self._get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{self.file}: entry {name!r} is {value!r}, not a number")
        return float(value)

    def numbers(self, name: str) -> tuple[float, ...]:
        """A list of scalars (coefficients of a formula, in the order the source gives them)."""
        value = self._get(name)
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, int | float) for v in value
        ):
            raise TypeError(f"{self.file}: entry {name!r} is {value!r}, not a list of numbers")
        return tuple(float(v) for v in value)

    def table(self, name: str) -> dict[str, Any]:
        """A nested entry (keys are strings, as in JSON; values as the file gives them)."""
        value = self._get(name)
        if not isinstance(value, dict):
            raise TypeError(f"{self.file}: entry {name!r} is {value!r}, not a table")
        return value

    def numbers_by_name(self) -> dict[str, float]:
        """Every entry, each a scalar (for files of scalars only)."""
        return {k: self.number(k) for k in self.values}


@cache
def load_named(file_name: str, directory: Path = TABLE_DIR) -> NamedValues:
    """The one loader of the JSON tables of named values (SAP 10.2 ``tables/`` by default; the RdSAP 10
    rules pass their own directory)."""
    return NamedValues(directory / file_name)


def named_values(file_name: str) -> dict[str, object]:
    """``load_named(file_name).values``: name -> untyped value (prefer the typed accessors)."""
    return load_named(file_name).values


CONSTANTS = "constants.json"


def constants() -> dict[str, object]:
    """Scalar constants (``tables/constants.json``): name -> untyped value (prefer ``const_float`` etc.)."""
    return named_values(CONSTANTS)


def const(name: str) -> object:
    """One constant by name, untyped (kept for the RdSAP expansion; prefer ``const_float`` etc.)."""
    return constants()[name]


def const_float(name: str) -> float:
    """One scalar constant of ``tables/constants.json``."""
    return load_named(CONSTANTS).number(name)


def const_floats(name: str) -> tuple[float, ...]:
    """One list of coefficients of ``tables/constants.json``."""
    return load_named(CONSTANTS).numbers(name)


def const_table(name: str) -> dict[str, Any]:
    """One nested constant (a small table keyed by string codes) of ``tables/constants.json``."""
    return load_named(CONSTANTS).table(name)


@cache
def vertical_pitch_deg(schema_type: str = "RdSAP-Schema-21.0.1") -> dict[int, float]:
    """SAP-VerticalPitchCode -> tilt from horizontal, degrees: the one definition, read from the schema's own
    labels ("horizontal", "30 degrees", ..., "vertical"; field ``pitch`` of ``schema_type`` in
    ``epc/data/xsd_codes.csv``), so a new code cannot be missed by one of several hand-written copies.
    The RdSAP schema's PV and solar collector pitches and the SAP schema's (``SAP-Schema-19.2.0``) share
    this code list, with the same labels (checked by ara_assets_tests/sap10/test_named_values.py)."""
    from ara_assets.epc.codes import codes_for

    labels = codes_for("pitch", schema_type)
    if not labels:
        raise LookupError(
            f"epc/data/xsd_codes.csv: no SAP-VerticalPitchCode table for field 'pitch' of {schema_type}"
        )
    named = {"horizontal": 0.0, "vertical": 90.0}
    out: dict[int, float] = {}
    for code, label in labels.items():
        text = label.strip().lower()
        if text in named:
            out[int(code)] = named[text]
        elif text.endswith(" degrees") and text.removesuffix(" degrees").isdigit():
            out[int(code)] = float(text.removesuffix(" degrees"))
        else:
            raise ValueError(f"epc/data/xsd_codes.csv: pitch code {code} label {label!r} is not a tilt")
    return out


APPENDIX_U_REGIONS = 22  # climate codes 0-21; codes from 22 on are the postcode districts of an imported PCDB
MAX_CLIMATE_CODE = 9_999  # arrays are padded with NaN to here, so any valid code indexes safely


def climate() -> dict[str, np.ndarray]:
    """Appendix U: (R, 12) arrays by climate code for temperature, wind, horizontal solar; latitude (R,).

    Codes 0-21 are the Appendix U regions. When a PCDB is installed (``ara_assets.pcdb.install``), codes
    22 onwards are its Table 172 postcode districts (``ProductData.district_code``): the local climate
    SAP 10.2 uses for the demand figures when the postcode is known.
    """
    from ara_assets.pcdb.products import active

    products = active()
    if products is None or not products.climate:
        return _padded(None)
    return _with_districts(products.revision, id(products))


@lru_cache(maxsize=1)
def _padded(_: None) -> dict[str, np.ndarray]:
    return _pad(_appendix_u())


def _pad(c: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """NaN rows up to MAX_CLIMATE_CODE: a code with no climate gives NaN, refused by ventilation.py."""
    out = dict(c)
    for k in ("external_temperature_c", "wind_speed_m_s", "solar_horizontal_w_m2"):
        arr = c[k]
        out[k] = np.vstack([arr, np.full((MAX_CLIMATE_CODE + 1 - arr.shape[0], 12), np.nan)])
    lat = c["latitude_deg"]
    out["latitude_deg"] = np.concatenate([lat, np.full(MAX_CLIMATE_CODE + 1 - lat.shape[0], np.nan)])
    return out


@lru_cache(maxsize=2)
def _with_districts(revision: int, key: int) -> dict[str, np.ndarray]:
    from ara_assets.pcdb.products import active

    products = active()
    assert products is not None and id(products) == key
    base = _appendix_u()
    t, w, r, lat = products.climate_arrays()
    return _pad(
        {
            "external_temperature_c": np.vstack([base["external_temperature_c"], t]),
            "wind_speed_m_s": np.vstack([base["wind_speed_m_s"], w]),
            "solar_horizontal_w_m2": np.vstack([base["solar_horizontal_w_m2"], r]),
            "latitude_deg": np.concatenate([base["latitude_deg"], lat]),
            "declination_deg": base["declination_deg"],
        }
    )


@lru_cache(maxsize=1)
def _appendix_u() -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for r in _rows("appendix_u_climate.csv"):
        arr = out.setdefault(r["quantity"], np.full((22, 12), np.nan))
        arr[int(r["region"])] = [float(r[m]) for m in MONTHS]
    lat = np.full(22, np.nan)
    for r in _rows("appendix_u_latitude.csv"):
        lat[int(r["region"])] = float(r["latitude_deg"])
    out["latitude_deg"] = lat
    out["declination_deg"] = np.array(
        [float(r["declination_deg"]) for r in _rows("appendix_u_declination.csv")]
    )
    return out


@lru_cache(maxsize=1)
def u5_k() -> np.ndarray:
    """Table U5 as a (10, 9) array: row = orientation code 0..9 (N..NW by symmetry), column = k1..k9.

    Rows 0 and 9 (horizontal) are unused: a horizontal surface takes R_h-inc = 1.
    """
    cols = {"north": [1], "ne_nw": [2, 8], "east_west": [3, 7], "se_sw": [4, 6], "south": [5]}
    k = np.zeros((10, 9))
    for i, r in enumerate(_rows("table_u5_k.csv")):
        for col, codes in cols.items():
            for code in codes:
                k[code, i] = float(r[col])
    return k


@lru_cache(maxsize=1)
def monthly() -> dict[str, np.ndarray]:
    """Monthly tables (Table 1a, Appendix J, Tables 12d/12e) by quantity name -> (12,)."""
    return {r["quantity"]: np.array([float(r[m]) for m in MONTHS]) for r in _rows("monthly_factors.csv")}


def days() -> np.ndarray:
    """Table 1a days in each month."""
    return monthly()["days_in_month"]


@lru_cache(maxsize=1)
def access_factors() -> dict[str, np.ndarray]:
    """Table 6d by overshading code (index 0 unused)."""
    out = {k: np.full(5, np.nan) for k in ("solar_access_winter", "solar_access_summer", "light_access")}
    for r in _rows("table_6d_access.csv"):
        for k in out:
            out[k][int(r["overshading_code"])] = float(r[k])
    return out


@lru_cache(maxsize=1)
def heating_systems() -> dict[str, np.ndarray]:
    """Code-indexed arrays: winter and summer efficiency (%), responsiveness, is_boiler, is_combi."""
    winter = np.full(MAX_CODE, np.nan)
    summer = np.full(MAX_CODE, np.nan)
    resp = np.full(MAX_CODE, np.nan)
    boiler = np.zeros(MAX_CODE, dtype=bool)
    combi = np.zeros(MAX_CODE, dtype=bool)
    condensing = np.zeros(MAX_CODE, dtype=bool)
    lpg = np.full(MAX_CODE, np.nan)
    secondary_fraction = np.full(MAX_CODE, np.nan)
    for r in _rows("table_4a_systems.csv"):
        c = int(r["code"])
        winter[c] = _num(r["space_efficiency_pct"])
        resp[c] = _num(r["responsiveness"])
        lpg[c] = _num(r["efficiency_lpg_pct"])
        secondary_fraction[c] = _num(r["secondary_fraction"])
    for r in _rows("table_4b_boilers.csv"):
        c = int(r["code"])
        winter[c] = _num(r["winter_pct"])
        summer[c] = _num(r["summer_pct"])
        boiler[c] = True
        combi[c] = r["boiler_type"].startswith("combi")
        condensing[c] = r["condensing"] == "yes"
        secondary_fraction[c] = 0.10  # Table 11: boiler systems
    # Wet central heating (a circulation pump, Table 4d emitter responsiveness): Table 4b boilers plus the
    # solid-fuel (151-161) and electric (191-196) boilers of Table 4a.
    wet = boiler.copy()
    wet[151:162] = True
    wet[191:197] = True
    # Systems whose SAP method is not implemented: refused even where Table 4a lists an efficiency.
    # (heat pumps 201-227 are handled below)
    unsupported = np.zeros(MAX_CODE, dtype=bool)
    unsupported[192] = True  # electric CPSU (Appendix F)
    heat_pump = np.zeros(MAX_CODE, dtype=bool)
    # wet heat pumps: allowed only with declared efficiencies (see energy_requirements)
    heat_pump[201:228] = True
    wet[201:228] = True
    # Table 11 for heat pumps: 0.10 as for the SAP 2009 heat-pump rows (codes renumbered since); UNCONFIRMED
    hp_fraction = secondary_fraction[201:228]
    secondary_fraction[201:228] = np.where(np.isnan(hp_fraction), 0.10, hp_fraction)
    # Table 4a space and water columns of heat pumps (tables/table_4a_heat_pumps.csv, SAP 10.2 p.163-164 via a
    # single third-party transcription, UNCONFIRMED); codes not listed there keep the space column for water
    water_hp = np.where(heat_pump, winter, np.nan)
    for r in _rows("table_4a_heat_pumps.csv"):
        winter[int(r["code"])] = _num(r["space_efficiency_pct"])
        water_hp[int(r["code"])] = _num(r["water_efficiency_pct"])
    unsupported[311:400] = True  # heat-network codes beyond Table 4a's 301-310
    # Heat networks 301-310 (Appendix C, heat_networks.py): wet emitters (Table 4d responsiveness); Table 11
    # secondary fraction 0.10 as the SAP 2009 community rows 306-310 (epctk), UNCONFIRMED for SAP 10.2
    heat_network = np.zeros(MAX_CODE, dtype=bool)
    heat_network[301:311] = True
    wet[301:311] = True
    hn_fraction = secondary_fraction[301:311]
    secondary_fraction[301:311] = np.where(np.isnan(hn_fraction), 0.10, hn_fraction)
    unsupported[501:530] = True  # warm-air systems and warm-air heat pumps
    return {
        "winter": winter,
        "summer": summer,
        "responsiveness": resp,
        "boiler": boiler,
        "combi": combi,
        "condensing": condensing,
        "wet": wet,
        "heat_pump": heat_pump,
        "heat_network": heat_network,
        "unsupported": unsupported,
        "winter_lpg": lpg,
        "secondary_fraction": secondary_fraction,
        "water_hp": water_hp,
    }


@lru_cache(maxsize=1)
def table_4c1_adjustments() -> dict[tuple[str, str], float]:
    """(condition, fuel group) -> Table 4c(1) adjustment in percentage points (SAP 2012 values, an older
    edition: ``tables/table_4c1_efficiency_adjustments.csv`` names the source of each)."""
    return {
        (r["condition"], r["fuel_group"]): float(r["adjustment_pct"])
        for r in _rows("table_4c1_efficiency_adjustments.csv")
    }


def controls() -> dict[str, np.ndarray]:
    """Table 4e, code-indexed: control type (1-3) and temperature adjustment (degC)."""
    ctype = np.full(MAX_CODE, np.nan)
    adj = np.full(MAX_CODE, np.nan)
    for r in _rows("table_4e_controls.csv"):
        c = int(r["code"])
        ctype[c] = _num(r["control_type"])
        adj[c] = _num(r["temperature_adjustment_c"])
    return {"control_type": ctype, "temperature_adjustment": adj}


@lru_cache(maxsize=1)
def fuels() -> dict[str, np.ndarray]:
    """Table 12, code-indexed by fuel code: price (p/kWh), standing charge (GBP), CO2 (kg/kWh), PEF."""
    keys = ("price_p_per_kwh", "standing_charge_gbp", "co2_kg_per_kwh", "primary_energy_factor")
    out = {k: np.full(100, np.nan) for k in keys}
    for r in _rows("table_12_fuels.csv"):
        for k in keys:
            out[k][int(r["fuel_code"])] = _num(r[k])
    return out


@lru_cache(maxsize=1)
def rating_prices() -> dict[int, dict[str, np.ndarray]]:
    """Price tables for the rating by table number: 12 (SAP 10.2 Table 12), 32 (RdSAP 10 Table 32);
    fuel-code-indexed price (p/kWh) and standing charge (GBP/year; NaN = not transcribed)."""
    out = {12: {k: fuels()[k] for k in ("price_p_per_kwh", "standing_charge_gbp")}}
    t32 = {k: np.full(100, np.nan) for k in ("price_p_per_kwh", "standing_charge_gbp")}
    for r in _rows("rdsap_table_32_prices.csv"):
        for k in t32:
            t32[k][int(r["fuel_code"])] = _num(r[k])
    out[32] = t32
    return out


@lru_cache(maxsize=1)
def off_peak_fractions() -> dict[tuple[str, int], tuple[float, float]]:
    """Table 12a high-rate fractions: (system row, tariff code) -> (space, water); NaN = blank cell."""
    return {
        (r["system"], int(r["tariff"])): (
            _num(r["space_high_rate_fraction"]),
            _num(r["water_high_rate_fraction"]),
        )
        for r in _rows("table_12a_13_off_peak.csv")
    }


@lru_cache(maxsize=1)
def off_peak_approximations() -> dict[tuple[str, int], str]:
    """Table 12a rows taken from an older edition or a third party: (system row, tariff) -> approximation
    code (``approximations.csv``); rows from the SAP 10.2 transcription are absent."""
    return {
        (r["system"], int(r["tariff"])): r["approximation"]
        for r in _rows("table_12a_13_off_peak.csv")
        if r.get("approximation")
    }


ELECTRIC_FUELS = (30, 31, 32, 33, 34, 35, 38, 40)
LPG_FUELS = (2, 3, 5, 9)  # Table 4a gas room heaters have a separate LPG efficiency column


@lru_cache(maxsize=1)
def mech_vent_defaults() -> dict[str, np.ndarray]:
    """Tables 4g/4h/5a by ventilation type code (0-10): default SFP (W/(l/s)), default MVHR efficiency (%),
    default-data in-use factors (SFP, efficiency) and the Table 5a fan gain factor (W per m3 per W/(l/s));
    NaN = no default row."""
    keys = {
        "sfp": "default_sfp_w_per_l_s",
        "hr_efficiency": "default_hr_efficiency_pct",
        "in_use_sfp": "in_use_factor_sfp",
        "in_use_hr": "in_use_factor_hr",
        "fan_gain": "fan_gain_w_per_m3_per_sfp",
    }
    out = {k: np.full(11, np.nan) for k in keys}
    for r in _rows("table_4g_4h_mech_vent.csv"):
        for k, col in keys.items():
            out[k][int(r["ventilation_type"])] = _num(r[col])
    return out


@lru_cache(maxsize=1)
def cooling() -> dict[str, Any]:
    """Section 8c / Tables 10a-10c constants (``tables/table_10_cooling.json``); ``eer`` is a (11, 2) array
    indexed by energy-label code (1 A+++ .. 10 G) and system type (0 split, 1 packaged), NaN = no row."""
    raw = load_named("table_10_cooling.json")
    eer = np.full((11, 2), np.nan)
    for label, (split, packaged) in raw.table("eer_by_label").items():
        eer[int(label)] = (split, packaged)
    months = np.zeros(12, dtype=bool)
    months[[int(m) - 1 for m in raw.numbers("months")]] = True
    return {**raw.values, "eer": eer, "month_mask": months}
