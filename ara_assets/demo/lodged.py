"""Lodged results of synthetic certificates: a transparent heuristic, not SAP 10.2.

The demo needs plausible `energy_rating_current`, costs, CO2 and the like on every certificate before the real
calculator exists. `lodged_results` estimates them from the physical inputs with a one-zone steady-state heat
balance whose constants live in `data/lodged_heuristic.json`, and turns the running cost into a SAP rating
with the SAP 10.2 deflator (0.36) but the SAP 2012 rating equation (100 - 13.95 ECF, 117 - 121 log10 ECF),
against which its constants were calibrated to a social-housing band mix; the calculator uses SAP 10.2's
(DEVIATIONS D10), so a heuristic rating above ECF 3.5 reads ~8 points higher than a calculator score of the
same cost. Every term grows with worse fabric or a less efficient system, so the rating is monotone in both.
The generator now replaces the headline figures (SAP, EI, CO2, primary energy, potential rating and the
step ratings, shifted) with the calculator's plus assessor noise (`calculated.py`); the costs, RHI demands
and the improvement steps' gains still come from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from ara_assets.demo.config import load_data
from ara_assets.epc.bands import band_of

# Columns `lodged_results` reads; the generator's certificate frame carries them all.
INPUT_COLUMNS: tuple[str, ...] = (
    "age_index",
    "wall_construction",
    "wall_insulation_type",
    "roof_construction",
    "roof_insulation_mm",
    "floor_heat_loss",
    "floor_insulation",
    "floor_area_total",
    "storeys",
    "room_height",
    "heat_loss_perimeter",
    "window_area",
    "glazing_type",
    "door_count",
    "insulated_door_count",
    "open_chimneys_count",
    "is_flat",
    "system",
    "low_energy_share",
    "region_code",
    "pv_kwp",
    "ext_area",
    "ext_perimeter",
    "ext_age_index",
    "ext_wall_construction",
    "ext_room_height",
    "ext_window_area",
)


def heuristic_constants() -> dict[str, Any]:
    return load_data("lodged_heuristic.json")


@dataclass(frozen=True)
class _Result:
    sap: np.ndarray
    ei: np.ndarray
    co2_kg: np.ndarray
    primary_kwh: np.ndarray
    heating_cost: np.ndarray
    water_cost: np.ndarray
    lighting_cost: np.ndarray
    total_cost: np.ndarray
    space_kwh: np.ndarray
    water_kwh: np.ndarray


def _lookup(table: list[float], index: np.ndarray) -> np.ndarray:
    return np.asarray(table, dtype=float)[index]


def _estimate(c: dict[str, np.ndarray], system_names: list[str]) -> _Result:
    k = heuristic_constants()
    age = c["age_index"]
    area = c["floor_area_total"]
    storeys = c["storeys"]
    height = c["room_height"]
    ext_area = c["ext_area"]
    ground_area = (area - ext_area) / storeys

    walls_u = k["wall_u_as_built"]

    def as_built_wall_u(con: np.ndarray, band: np.ndarray) -> np.ndarray:
        return np.select(
            [con == 3, (con == 1) | (con == 2), con == 4, con == 5, con == 8],
            [
                _lookup(walls_u["solid_brick"], band),
                _lookup(walls_u["stone"], band),
                _lookup(walls_u["cavity"], band),
                _lookup(walls_u["timber_frame"], band),
                _lookup(walls_u["system_built"], band),
            ],
            default=1.5,
        )

    u_wall = as_built_wall_u(c["wall_construction"], age)
    ins = c["wall_insulation_type"]
    u_wall = np.where(ins == 2, np.minimum(u_wall, k["wall_u_filled_cavity_max"]), u_wall)
    u_wall = np.where(np.isin(ins, (1, 3, 6, 7)), np.minimum(u_wall, k["wall_u_insulated_solid"]), u_wall)

    roof = c["roof_construction"]
    loft = np.maximum(c["roof_insulation_mm"], 0)
    u_loft = 1.0 / (k["roof_base_resistance"] + loft / k["roof_insulation_conductivity_mm"])
    u_roof = np.select([roof == 4, roof == 1], [u_loft, _lookup(k["flat_roof_u_as_built"], age)], default=0.0)

    ground = c["floor_heat_loss"] == 7
    floor_insulated = (c["floor_insulation"] == 2) | (age >= k["floor_insulated_from_band_index"])
    u_floor = np.where(
        ground, np.where(floor_insulated, k["floor_u_insulated"], k["floor_u_uninsulated"]), 0.0
    )

    glazing_u = k["window_u_by_glazing"]
    u_window = np.select(
        [c["glazing_type"] == int(code) for code in glazing_u], list(glazing_u.values()), 2.6
    )

    door_area = k["door_area_m2"]
    doors = c["door_count"] * door_area
    ins_doors = c["insulated_door_count"] * door_area
    wall_gross = c["heat_loss_perimeter"] * height * storeys
    main_windows = c["window_area"] - c["ext_window_area"]
    wall_net = np.maximum(wall_gross - main_windows - doors, 0.0)
    exposed = wall_gross + np.where(roof > 0, ground_area, 0.0) * (u_roof > 0) + ground_area * ground
    y = np.where(age >= 9, k["thermal_bridging_y"]["from2003"], k["thermal_bridging_y"]["pre2003"])
    fabric = (
        u_wall * wall_net
        + u_roof * ground_area
        + u_floor * ground_area
        + u_window * main_windows
        + k["door_u"]["insulated"] * ins_doors
        + k["door_u"]["uninsulated"] * (doors - ins_doors)
        + y * exposed
    )
    # The extension (a second building part, as built): walls, flat roof, ground floor, its window.
    ext_age = c["ext_age_index"]
    ext_walls = np.maximum(c["ext_perimeter"] * c["ext_room_height"] - c["ext_window_area"], 0.0)
    ext_floor_u = np.where(
        ext_age >= k["floor_insulated_from_band_index"], k["floor_u_insulated"], k["floor_u_uninsulated"]
    )
    fabric = fabric + np.where(
        ext_area > 0,
        as_built_wall_u(c["ext_wall_construction"], ext_age) * ext_walls
        + (_lookup(k["flat_roof_u_as_built"], ext_age) + ext_floor_u) * ext_area
        + u_window * c["ext_window_area"]
        + y * (ext_walls + 2 * ext_area),
        0.0,
    )
    ach_k = k["air_changes_per_hour"]
    ach = (
        ach_k["base"]
        + ach_k["per_open_chimney"] * c["open_chimneys_count"] / np.maximum(area / 40.0, 1.0)
        + np.where(age <= 2, ach_k["pre1950_extra"], 0.0)
        - np.where(c["is_flat"], ach_k["flat_discount"], 0.0)
    )
    ventilation = 0.33 * ach * area * height
    heat_loss = fabric + ventilation

    sys_k = k["systems"]
    sys = c["system"]
    space_eff = _lookup([sys_k[n]["space_eff"] for n in system_names], sys)
    water_eff = _lookup([sys_k[n]["water_eff"] for n in system_names], sys)
    demand_factor = _lookup([sys_k[n]["demand_factor"] for n in system_names], sys)
    space_high = _lookup([sys_k[n]["space_high_rate"] for n in system_names], sys)

    climate = k["region_climate_factor"]
    region_factor = np.ones_like(area)
    for code, factor in climate.items():
        if not code.startswith("_"):
            region_factor[c["region_code"] == int(code)] = factor
    sh = k["space_heating"]
    space_kwh = np.maximum(
        heat_loss * sh["kwh_per_w_per_k"] * region_factor - sh["gains_kwh_per_m2"] * area, 0.0
    )
    space_kwh = space_kwh * demand_factor
    wh = k["water_heating"]
    cylinder = np.isin(
        np.asarray(system_names)[sys], [n for n in system_names if "combi" not in n and "community" not in n]
    )
    water_kwh = wh["base_kwh"] + wh["per_m2_kwh"] * area + np.where(cylinder, wh["cylinder_loss_kwh"], 0.0)
    lk = k["lighting"]
    lighting_kwh = (
        lk["kwh_per_m2_incandescent"] * area * (1.0 - lk["low_energy_saving"] * c["low_energy_share"])
    )
    pv_kwh = c["pv_kwp"] * 850.0

    names = np.asarray(system_names)[sys]
    is_gas = np.char.startswith(names, "gas_")
    is_oil = np.char.startswith(names, "oil_")
    is_comm = np.char.startswith(names, "community")
    is_offpeak = np.char.startswith(names, "storage")
    wet = ~(is_offpeak | (names == "electric_room_heaters"))
    pumps_kwh = np.where(wet, k["pumps_fans_kwh"], 0.0)

    p = k["prices_p_per_kwh"]
    elec_price = np.where(is_offpeak, 0.7 * p["offpeak_high"] + 0.3 * p["offpeak_low"], p["electricity"])
    space_elec_price = np.where(
        is_offpeak, space_high * p["offpeak_high"] + (1 - space_high) * p["offpeak_low"], p["electricity"]
    )
    water_elec_price = np.where(
        is_offpeak, 0.15 * p["offpeak_high"] + 0.85 * p["offpeak_low"], p["electricity"]
    )
    heat_price = np.select([is_gas, is_oil, is_comm], [p["gas"], p["oil"], p["community"]], space_elec_price)
    water_price = np.select([is_gas, is_oil, is_comm], [p["gas"], p["oil"], p["community"]], water_elec_price)

    space_fuel = space_kwh / space_eff
    water_fuel = water_kwh / water_eff
    elec_other = np.maximum(lighting_kwh + pumps_kwh - pv_kwh, 0.0)
    heating_cost = space_fuel * heat_price / 100.0
    water_cost = water_fuel * water_price / 100.0
    lighting_cost = lighting_kwh * elec_price / 100.0
    standing = np.where(is_gas, k["standing_charges_gbp"]["gas"], 0.0) + np.where(
        is_offpeak, k["standing_charges_gbp"]["offpeak"], 0.0
    )
    total_cost = heating_cost + water_cost + elec_other * elec_price / 100.0 + standing

    ecf = k["energy_cost_deflator"] * total_cost / (area + 45.0)
    sap = np.where(ecf >= 3.5, 117.0 - 121.0 * np.log10(np.maximum(ecf, 1e-9)), 100.0 - 13.95 * ecf)
    sap = np.clip(np.rint(sap), 1, 110).astype(np.int64)

    co2 = k["co2_kg_per_kwh"]
    pef = k["primary_energy_factor"]
    heat_co2 = np.select(
        [is_gas, is_oil, is_comm], [co2["gas"], co2["oil"], co2["community"]], co2["electricity"]
    )
    heat_pe = np.select(
        [is_gas, is_oil, is_comm], [pef["gas"], pef["oil"], pef["community"]], pef["electricity"]
    )
    heat_fuel = space_fuel + water_fuel
    co2_kg = heat_fuel * heat_co2 + elec_other * co2["electricity"]
    primary = heat_fuel * heat_pe + elec_other * pef["electricity"]
    cf = co2_kg / (area + 45.0)
    ei = np.where(cf >= 28.3, 200.0 - 95.0 * np.log10(np.maximum(cf, 1e-9)), 100.0 - 1.34 * cf)
    ei = np.clip(np.rint(ei), 1, 110).astype(np.int64)
    return _Result(
        sap, ei, co2_kg, primary, heating_cost, water_cost, lighting_cost, total_cost, space_kwh, water_kwh
    )


# Improvement steps, applied cumulatively in this order for the potential rating and the
# `suggested_improvements` list: (key, improvement type, improvement number, indicative cost, applies, apply).
Columns = dict[str, np.ndarray]
_Step = tuple[str, str, int, str, Callable[[Columns], np.ndarray], Callable[[Columns, np.ndarray], None]]


def _set(col: str, value: float | int) -> Callable[[Columns, np.ndarray], None]:
    def apply(c: Columns, mask: np.ndarray) -> None:
        c[col] = np.where(mask, value, c[col])

    return apply


def improvement_steps(system_names: list[str]) -> list[_Step]:
    names = np.asarray(system_names)
    noncond = np.flatnonzero(np.char.find(names, "noncondensing") >= 0)
    combi_cond = system_names.index("gas_condensing_combi")
    regular_cond = system_names.index("gas_condensing_regular")

    def upgrade_boiler(c: Columns, mask: np.ndarray) -> None:
        is_combi = np.char.find(names[c["system"]], "combi") >= 0
        c["system"] = np.where(mask, np.where(is_combi, combi_cond, regular_cond), c["system"])

    return [
        (
            "loft",
            "A",
            5,
            "£100 - £350",
            lambda c: (c["roof_construction"] == 4) & (c["roof_insulation_mm"] < 270),
            _set("roof_insulation_mm", 270),
        ),
        (
            "cavity",
            "B",
            6,
            "£500 - £1,500",
            lambda c: (
                (c["wall_construction"] == 4) & (c["wall_insulation_type"] == 4) & (c["age_index"] <= 7)
            ),
            _set("wall_insulation_type", 2),
        ),
        (
            "solid_wall",
            "Q",
            7,
            "£7,500 - £11,000",
            lambda c: np.isin(c["wall_construction"], (1, 2, 3, 8)) & (c["wall_insulation_type"] == 4),
            _set("wall_insulation_type", 1),
        ),
        ("glazing", "O", 8, "£3,300 - £6,500", lambda c: c["glazing_type"] == 5, _set("glazing_type", 2)),
        (
            "lighting",
            "E",
            35,
            "£15 - £30",
            lambda c: c["low_energy_share"] < 1.0,
            _set("low_energy_share", 1.0),
        ),
        ("boiler", "I", 20, "£2,200 - £3,000", lambda c: np.isin(c["system"], noncond), upgrade_boiler),
        (
            "solar_pv",
            "U",
            34,
            "£3,500 - £5,500",
            lambda c: (~c["is_flat"]) & (c["pv_kwp"] <= 0) & (c["roof_construction"] == 4),
            _set("pv_kwp", 2.5),
        ),
    ]


def lodged_results(certs: pl.DataFrame, system_names: list[str]) -> pl.DataFrame:
    """Heuristic lodged results, one row per certificate row of `certs` (same order).

    Columns: energy_rating_current/potential, bands, environmental_impact_current/potential,
    co2 (t/yr, kg/m2), energy_consumption (primary kWh/m2), costs (GBP/yr), RHI demands (kWh/yr) and,
    per improvement step, `step_<key>_applies`, `step_<key>_sap`, `step_<key>_ei`, `step_<key>_saving`.
    """
    missing = [col for col in INPUT_COLUMNS if col not in certs.columns]
    if missing:
        raise ValueError(f"lodged_results: certificate frame lacks columns {missing}")
    cols: Columns = {name: certs[name].to_numpy() for name in INPUT_COLUMNS}
    current = _estimate(cols, system_names)
    area = cols["floor_area_total"]
    out: dict[str, np.ndarray] = {
        "energy_rating_current": current.sap,
        "current_energy_efficiency_band": band_of(current.sap),
        "environmental_impact_current": current.ei,
        "co2_emissions_current": np.round(current.co2_kg / 1000.0, 1),
        "co2_emissions_current_per_floor_area": np.rint(current.co2_kg / area).astype(np.int64),
        "energy_consumption_current": np.rint(current.primary_kwh / area).astype(np.int64),
        "heating_cost_current": np.round(current.heating_cost, 2),
        "hot_water_cost_current": np.round(current.water_cost, 2),
        "lighting_cost_current": np.round(current.lighting_cost, 2),
        "space_heating_existing_dwelling": np.rint(current.space_kwh).astype(np.int64),
        "water_heating": np.rint(current.water_kwh).astype(np.int64),
    }
    # Single-measure impacts on space heating demand, as the RHI block reports them.
    for key, label in (("loft", "loft"), ("cavity", "cavity"), ("solid_wall", "solid_wall")):
        step = next(s for s in improvement_steps(system_names) if s[0] == key)
        trial = dict(cols)
        mask = step[4](trial)
        step[5](trial, mask)
        delta = np.rint(_estimate(trial, system_names).space_kwh - current.space_kwh).astype(np.int64)
        out[f"impact_of_{label}_insulation"] = np.where(mask, np.minimum(delta, 0), 0)
        out[f"impact_of_{label}_insulation_applies"] = mask

    state = dict(cols)
    previous = current
    for key, *_rest, applies, apply in improvement_steps(system_names):
        mask = applies(state)
        apply(state, mask)
        after = _estimate(state, system_names)
        out[f"step_{key}_applies"] = mask
        out[f"step_{key}_sap"] = np.where(mask, np.maximum(after.sap, previous.sap), previous.sap)
        out[f"step_{key}_ei"] = np.where(mask, np.maximum(after.ei, previous.ei), previous.ei)
        out[f"step_{key}_saving"] = np.where(
            mask, np.maximum(np.rint(previous.total_cost - after.total_cost), 0), 0
        )
        previous = _Result(
            out[f"step_{key}_sap"],
            out[f"step_{key}_ei"],
            after.co2_kg,
            after.primary_kwh,
            after.heating_cost,
            after.water_cost,
            after.lighting_cost,
            after.total_cost,
            after.space_kwh,
            after.water_kwh,
        )
    out["energy_rating_potential"] = previous.sap
    out["potential_energy_efficiency_band"] = band_of(previous.sap)
    out["environmental_impact_potential"] = previous.ei
    out["co2_emissions_potential"] = np.round(np.minimum(previous.co2_kg, current.co2_kg) / 1000.0, 1)
    out["energy_consumption_potential"] = np.rint(
        np.minimum(previous.primary_kwh, current.primary_kwh) / area
    ).astype(np.int64)
    out["heating_cost_potential"] = np.round(np.minimum(previous.heating_cost, current.heating_cost), 2)
    out["hot_water_cost_potential"] = np.round(np.minimum(previous.water_cost, current.water_cost), 2)
    out["lighting_cost_potential"] = np.round(np.minimum(previous.lighting_cost, current.lighting_cost), 2)
    return pl.DataFrame(out)
