"""Photovoltaics, batteries, wind turbines and hydro of a certificate (RdSAP 10 section 13; SAP 10.2
Appendix M).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ara_assets.sap10.rdsap import tables as t
from ara_assets.sap10.rdsap.document import RegisterDocument, code, flag, items, num
from ara_assets.sap10.rdsap.geometry import Geometry
from ara_assets.sap10.tables import vertical_pitch_deg


def expand_renewables(
    cert: RegisterDocument, d: Mapping[str, Any], row: dict[str, Any], geo: Geometry
) -> None:
    src = d.get("sap_energy_source")
    if not isinstance(src, Mapping):
        return
    _wind_and_hydro(cert, src, row)
    supply = src.get("photovoltaic_supply")
    arrays: list[Mapping[str, Any]] = []
    pct = None
    if isinstance(supply, Mapping) and "none_or_no_details" in supply:
        pct = num(supply["none_or_no_details"], "percent_roof_area")
    elif isinstance(supply, Mapping) and "pv_arrays" in supply:
        arrays = items(supply["pv_arrays"])
    else:
        arrays = items(supply)
    pitch_deg = vertical_pitch_deg()
    kwp: list[float] = []
    orient: list[int] = []
    pitch: list[float] = []
    shade: list[int] = []
    for i, a in enumerate(arrays):
        p = num(a, "peak_power")
        if p is None:
            continue
        o = code(a, "overshading") or 1
        if o not in (1, 2, 3, 4):
            raise cert.fail(f"sap_energy_source.photovoltaic_supply[{i}].overshading", o, "not 1-4")
        pc = code(a, "pitch") or 2
        kwp.append(p)
        pitch.append(pitch_deg.get(pc, 30.0))
        orient.append(9 if pc == 1 else (code(a, "orientation") or 5))
        shade.append(o)
    if pct:
        c = t.constants()
        roof = geo.gross_roof or max(geo.storey_area)
        kwp.append(c["pv_kwp_per_m2_roof"] * roof * pct / 100.0)
        orient.append(5)
        pitch.append(c["pv_default_pitch_deg"])
        shade.append(2)
    row.update(pv_kwp=kwp, pv_orientation=orient, pv_pitch_deg=pitch, pv_overshading=shade)
    if kwp:
        row["pv_connected_to_dwelling"] = code(src, "pv_connection") != 1
    row["pv_diverter"] = bool(kwp) and bool(flag(src, "pv_diverter", False))
    # PV-Batteries / PV-Battery[1..4] / Battery-Capacity (kWh); the register schema documents 5 kWh for
    # a battery of unknown capacity (RdSAP-Schema 21.0.1 Battery-Capacity)
    batteries: list[Mapping[str, Any]] = []
    for b in items(src.get("pv_batteries")):
        batteries.extend(items(b["pv_battery"]) if "pv_battery" in b else [b])
    count = code(src, "pv_battery_count") or 0
    unknown = t.constants()["pv_battery_unknown_capacity_kwh"]
    capacity = sum(num(b, "battery_capacity") or unknown for b in batteries)
    row["battery_capacity_kwh"] = capacity + unknown * max(0, count - len(batteries))


def _wind_and_hydro(cert: RegisterDocument, src: Mapping[str, Any], row: dict[str, Any]) -> None:
    """Wind turbines (count, terrain, one size for all) and hydro-electric generation (kWh/year)."""
    n = code(src, "wind_turbines_count") or 0
    row["wind_turbine_count"] = n
    if n > 0:
        # register terrain 1 urban, 2 suburban, 3 rural map to Table M1's three terrains; 4 = not recorded
        terrain = code(src, "wind_turbines_terrain_type")
        row["wind_terrain"] = terrain if terrain in (1, 2, 3) else None
        sizes = {
            (num(w, "wind_turbine_rotor_diameter"), num(w, "wind_turbine_hub_height"))
            for w in items(src.get("wind_turbines"))
        }
        details = src.get("wind_turbine_details")
        if isinstance(details, Mapping):
            sizes.add((num(details, "rotor_diameter"), num(details, "hub_height")))
        if len(sizes) > 1:
            raise cert.fail(
                "sap_energy_source.wind_turbines", len(sizes), "turbines of different sizes not supported"
            )
        diameter, hub = sizes.pop() if sizes else (None, None)
        # a zero size is how the register lodges "not known": left null, refused by the worksheet
        row["wind_turbine_rotor_diameter_m"] = diameter or None
        row["wind_turbine_hub_height_m"] = hub
    hydro = num(src, "hydro_electric_generation") or 0.0
    row["hydro_generation_kwh"] = hydro
    if hydro > 0:
        row["hydro_connected_to_dwelling"] = flag(src, "is_hydro_output_connected_to_dwelling_meter", True)
