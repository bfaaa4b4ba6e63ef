"""Reader of the register's SAP-Schema 19.x XML (full SAP input) into worksheet input rows.

Covers the elements used by single-building-part dwellings with boilers, room heaters and PV; anything
else that would change the result raises ``UnsupportedInput`` naming the element and value.
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import polars as pl

from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.tables import TABLE_DIR, vertical_pitch_deg

SCHEMA_TYPE = "SAP-Schema-19.2.0"  # the code lists this reader's codes are looked up in
DOOR_TYPES = (1, 2, 3)
WINDOW, ROOF_WINDOW, ROOFLIGHT = 4, 5, 6
DEFAULT_FRAME_FACTOR = 0.7  # Table 6c, wood or PVC frame / unknown
DEFAULT_ROOF_WINDOW_PITCH = 45.0  # when a roof window's Pitch is not lodged
BOOLEAN_TEXT = {"true": 1.0, "false": 0.0, "y": 1.0, "n": 0.0}
ELECTRICITY_UNSPECIFIED = 39  # SAP-Schema fuel code; Table 12 codes by tariff below
TARIFF_FUEL = {1: 30}


def _glazing() -> dict[int, tuple[float, float]]:
    with open(TABLE_DIR / "table_6b_glazing.csv", newline="") as fh:
        return {
            int(r["glazing_type_code"]): (float(r["g_perp"]), float(r["g_light"])) for r in csv.DictReader(fh)
        }


def _strip(root: ET.Element) -> ET.Element:
    for el in root.iter():
        if "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def _num(el: ET.Element | None, path: str, default: float | None = None) -> float | None:
    if el is None:
        return default
    found = el.find(path)
    if found is None or found.text is None or found.text.strip() in ("", "ND", "NR"):
        return default
    text = found.text.strip().lower()
    if text in BOOLEAN_TEXT:
        return BOOLEAN_TEXT[text]
    try:
        return float(text)
    except ValueError:
        raise _BadElement(path, found.text) from None


class _BadElement(ValueError):
    def __init__(self, path: str, text: str) -> None:
        super().__init__(path)
        self.path = path
        self.text = text


def _int(el: ET.Element | None, path: str, default: int | None = None) -> int | None:
    v = _num(el, path, None)
    return default if v is None else int(v)


def read_sap_xml(source: str | Path, home_id: str | None = None) -> dict[str, object]:
    """One SAP-Schema XML document (path or text) -> one input row (dict of INPUT_SCHEMA columns)."""
    try:
        return _read(source, home_id)
    except _BadElement as err:
        raise UnsupportedInput(home_id or str(source)[-60:], err.path, err.text, "not a number") from None


Refuse = Callable[[str, object, str], UnsupportedInput]


def _read(source: str | Path, home_id: str | None) -> dict[str, object]:
    """The worksheet sections in the order the original single pass read them (so the row's columns and
    the first refusal of a document that has several stay the same)."""
    text = (
        Path(source).read_text()
        if isinstance(source, Path) or not str(source).lstrip().startswith("<")
        else source
    )
    root = _strip(ET.fromstring(text))
    rid = home_id or str(source)[-60:]

    def refuse(field: str, value: object, reason: str) -> UnsupportedInput:
        return UnsupportedInput(rid, field, value, reason)

    d = root.find(".//SAP-Property-Details")
    if d is None:
        raise refuse("SAP-Property-Details", None, "element missing")
    parts = d.findall("./SAP-Building-Parts/SAP-Building-Part")
    if not parts:
        raise refuse("SAP-Building-Parts", 0, "no building part")
    row: dict[str, object] = {"home_id": rid}
    part = _merge_parts(parts)
    _dimensions(part, row)
    openings_on = _openings(d, part, row, refuse)
    _walls_and_roofs(part, openings_on, row)
    _thermal_bridging(parts, row, refuse)
    _dwelling(d, row)
    mv_source = _ventilation(d, row)
    _cooling(d, row)
    tariff = _main_heating(d, row, refuse)
    _hot_water_store(d, row, tariff, refuse)
    _heat_network(d, row, refuse)
    _secondary_heating(d, row, tariff, refuse)
    _showers_and_baths(d, row)
    _pv_arrays(d, row, refuse)
    _refuse_unread(root, row, mv_source, refuse)
    _generation(d, row, refuse)
    return row


def _merge_parts(parts: list[ET.Element]) -> ET.Element:
    """Building parts only add elements: one element holding every part's floors, openings, walls and roofs,
    so the lists below collect over every part."""
    part = ET.Element("all-parts")
    for tag in ("SAP-Floor-Dimensions", "SAP-Openings", "SAP-Walls", "SAP-Roofs"):
        merged = ET.SubElement(part, tag)
        for p in parts:
            for group in p.findall(tag):
                merged.extend(list(group))
    return part


def _dimensions(part: ET.Element, row: dict[str, object]) -> None:
    """Worksheet section 1 (storey areas and heights) and the heat-loss floors of section 3."""
    areas, heights, floor_a, floor_u = [], [], [], []
    for fd in part.findall("./SAP-Floor-Dimensions/SAP-Floor-Dimension"):
        areas.append(_num(fd, "Total-Floor-Area"))
        heights.append(_num(fd, "Storey-Height"))
        hl = _num(fd, "Heat-Loss-Area", 0.0) or 0.0
        if hl > 0 and _int(fd, "Floor-Type") in (2, 3):
            floor_a.append(hl)
            floor_u.append(_num(fd, "U-Value"))
    row.update(
        storey_floor_area_m2=areas, storey_height_m=heights, floor_area_hl_m2=floor_a, floor_u_value=floor_u
    )


def _openings(
    d: ET.Element, part: ET.Element, row: dict[str, object], refuse: Refuse
) -> dict[str | None, float]:
    """Doors, windows, roof windows and rooflights (section 3; Table 6b glazing, Table 6c frame factor).
    Returns the opening area on each named wall or roof, deducted from it by ``_walls_and_roofs``."""
    glazing = _glazing()
    types = {t.findtext("Name"): t for t in d.findall("./SAP-Opening-Types/SAP-Opening-Type")}
    openings_on: dict[str | None, float] = {}
    doors_a, doors_u = [], []
    win: dict[str, list[float | int | None]] = {
        k: [] for k in ("area", "u", "g", "gl", "ff", "orient", "pitch")
    }
    for op in part.findall("./SAP-Openings/SAP-Opening"):
        t = types.get(op.findtext("Type"))
        if t is None:
            raise refuse("SAP-Opening/Type", op.findtext("Type"), "opening type not defined")
        area = (_num(op, "Height") or 0.0) * (_num(op, "Width") or 0.0)
        openings_on[op.findtext("Location")] = openings_on.get(op.findtext("Location"), 0.0) + area
        kind = _int(t, "Type")
        if kind in DOOR_TYPES:
            doors_a.append(area)
            doors_u.append(_num(t, "U-Value"))
            continue
        gtype = _int(t, "Glazing-Type")
        if gtype not in glazing:
            raise refuse("Glazing-Type", gtype, "not in Table 6b")
        g_perp, g_light = glazing[gtype]
        win["area"].append(area)
        win["u"].append(_num(t, "U-Value"))
        win["g"].append(_num(t, "Solar-Transmittance", g_perp))
        win["gl"].append(g_light)
        win["ff"].append(_num(t, "Frame-Factor", DEFAULT_FRAME_FACTOR))
        if kind == WINDOW:
            win["orient"].append(_int(op, "Orientation"))
            win["pitch"].append(90.0)
        elif kind == ROOF_WINDOW:
            win["orient"].append(_int(op, "Orientation"))
            win["pitch"].append(_num(op, "Pitch", DEFAULT_ROOF_WINDOW_PITCH))
        elif kind == ROOFLIGHT:
            win["orient"].append(9)
            win["pitch"].append(0.0)
        else:
            raise refuse("SAP-Opening-Type/Type", kind, "unknown opening type")
        if win["orient"][-1] in (0, None):
            raise refuse("SAP-Opening/Orientation", win["orient"][-1], "orientation unknown")
    row.update(
        door_area_m2=doors_a,
        door_u_value=doors_u,
        window_area_m2=win["area"],
        window_u_value=win["u"],
        window_g_perp=win["g"],
        window_g_light=win["gl"],
        window_frame_factor=win["ff"],
        window_orientation=win["orient"],
        window_pitch_deg=win["pitch"],
    )
    return openings_on


def _walls_and_roofs(part: ET.Element, openings_on: dict[str | None, float], row: dict[str, object]) -> None:
    """External walls (net of their openings), party walls and external roofs (section 3)."""
    walls_a, walls_u, party_a, party_u = [], [], [], []
    for w in part.findall("./SAP-Walls/SAP-Wall"):
        wtype = _int(w, "Wall-Type")
        gross = _num(w, "Total-Wall-Area") or 0.0
        if wtype in (1, 2, 3):
            walls_a.append(gross - openings_on.get(w.findtext("Name"), 0.0))
            walls_u.append(_num(w, "U-Value"))
        elif wtype == 4:
            party_a.append(gross)
            party_u.append(_num(w, "U-Value"))
    roofs_a, roofs_u = [], []
    for r in part.findall("./SAP-Roofs/SAP-Roof"):
        if _int(r, "Roof-Type") == 2:
            roofs_a.append((_num(r, "Total-Roof-Area") or 0.0) - openings_on.get(r.findtext("Name"), 0.0))
            roofs_u.append(_num(r, "U-Value"))
    row.update(
        wall_area_m2=walls_a,
        wall_u_value=walls_u,
        party_wall_area_m2=party_a,
        party_wall_u_value=party_u,
        roof_area_m2=roofs_a,
        roof_u_value=roofs_u,
    )


def _thermal_bridging(parts: list[ET.Element], row: dict[str, object], refuse: Refuse) -> None:
    """Line (36): one y-value for the dwelling, or the sum of length x psi over individual junctions."""
    codes, y_values, psi_l = set(), set(), 0.0
    for p in parts:
        tb = p.find("./SAP-Thermal-Bridges")
        tb_code = _int(tb, "Thermal-Bridge-Code", 1)
        codes.add(tb_code)
        if tb_code == 4:
            y_values.add(_num(tb, "User-Defined-Y-Value"))
        elif tb_code == 1:
            y_values.add(None)
        elif tb_code == 5 and tb is not None:
            # individual junctions: (36) = sum of length x psi
            for j in tb.findall("./SAP-Thermal-Bridge"):
                psi_l += (_num(j, "Length") or 0.0) * (_num(j, "Psi-Value") or 0.0)
        else:
            raise refuse("Thermal-Bridge-Code", tb_code, "codes 2 and 3 are for backwards compatibility only")
    if codes == {5}:
        row["thermal_bridging_w_per_k"] = psi_l
    elif 5 in codes or len(y_values) > 1:
        raise refuse(
            "Thermal-Bridge-Code", sorted(codes), "different thermal-bridging methods per building part"
        )
    else:
        row["thermal_bridging_y"] = y_values.pop()


def _dwelling(d: ET.Element, row: dict[str, object]) -> None:
    """Living area (91), overshading of the windows (section 6), thermal mass parameter (35), cold water."""
    row["living_area_m2"] = _num(d, "Living-Area")
    row["windows_overshading"] = _int(d, "Windows-Overshading", 2)
    row["thermal_mass_parameter"] = _num(d, "Thermal-Mass-Parameter")
    row["cold_water_source"] = _int(d, "Cold-Water-Source", 1)


def _ventilation(d: ET.Element, row: dict[str, object]) -> int | None:
    """Worksheet section 2 (lines (6a)-(25)); returns the mechanical ventilation data source, checked
    once the rest of the document is read (``_refuse_unread``)."""
    v = d.find("./SAP-Ventilation")
    counts = {
        "open_chimneys": "Open-Chimneys-Count",
        "open_flues": "Open-Flues-Count",
        "closed_fire_chimneys": "Closed-Flues-Count",
        "solid_fuel_boiler_flues": "Boilers-Flues-Count",
        "other_heater_flues": "Other-Flues-Count",
        "blocked_chimneys": "Blocked-Chimneys-Count",
        "intermittent_fans": "Extract-Fans-Count",
        "passive_vents": "PSV-Count",
        "flueless_gas_fires": "Flueless-Gas-Fires-Count",
    }
    for col, el in counts.items():
        row[col] = _int(v, el, 0)
    test = _int(v, "Pressure-Test", 4)
    row["air_permeability_q50"] = None if test == 4 else _num(v, "Air-Permeability")
    row["sheltered_sides"] = _int(v, "Sheltered-Sides-Count", 2)
    row["ventilation_type"] = _int(v, "Ventilation-Type", 1)
    row["draught_lobby"] = bool(_int(v, "Has-Draught-Lobby", 0))
    row["timber_frame_or_steel"] = _int(v, "Wall-Type", 2) == 1
    row["suspended_wooden_floor"] = {1: 0, 2: 2, 3: 1}.get(_int(v, "Ground-Floor-Type", 1) or 1, 0)
    strip = _num(v, "DraughtStripping")
    if strip is not None:
        row["windows_draughtproofed_pct"] = strip
    return _int(v, "Mechanical-Ventilation-Data-Source")


def _cooling(d: ET.Element, row: dict[str, object]) -> None:
    """Fixed air conditioning (section 8c): cooled area, SEER or the energy label's class."""
    cool = d.find("./SAP-Cooling")
    area = _num(cool, "Cooled-Area")
    if area is not None and area > 0:
        row["has_fixed_air_conditioning"] = True
        row["cooled_area_m2"] = area
        row["cooling_seer"] = _num(cool, "System-Energy-Efficiency-Ratio")
        label = cool.findtext("./Cooling-System-Class") if cool is not None else None
        codes = ("A+++", "A++", "A+", "A", "B", "C", "D", "E", "F", "G")
        if label in codes:
            row["cooling_energy_label"] = codes.index(label) + 1


def _fuel(code: int | None, tariff: int | None, refuse: Refuse) -> int | None:
    """A lodged fuel code -> the Table 12 code: unspecified electricity takes the code of its tariff."""
    if code == ELECTRICITY_UNSPECIFIED:
        if tariff not in TARIFF_FUEL:
            raise refuse("Electricity-Tariff", tariff, "off-peak tariffs not supported yet")
        return TARIFF_FUEL[tariff]
    return code


def _main_heating(d: ET.Element, row: dict[str, object], refuse: Refuse) -> int | None:
    """The one main heating system (section 9a; Table 4a code, controls Table 4e, pump); returns the
    electricity tariff the fuels of the other systems are read under."""
    h = d.find("./SAP-Heating")
    mains = h.findall("./Main-Heating-Details/Main-Heating") if h is not None else []
    if len(mains) != 1:
        raise refuse(
            "Main-Heating-Details", len(mains), "exactly one main heating system is supported so far"
        )
    m = mains[0]
    tariff = _int(d, "./SAP-Energy-Source/Electricity-Tariff", 1)
    row["electricity_tariff"] = tariff
    row["main_heating_code"] = _int(m, "Main-Heating-Code")
    if row["main_heating_code"] is None:
        raise refuse("Main-Heating-Code", None, "PCDB-indexed systems need the product database")
    row["main_heating_fuel"] = _fuel(_int(m, "Main-Fuel-Type"), tariff, refuse)
    row["main_heating_control"] = _int(m, "Main-Heating-Control")
    row["heat_emitter_type"] = _int(m, "Heat-Emitter-Type", 1)
    row["boiler_interlock"] = bool(_int(m, "Is-Interlocked-System", 1))
    row["delayed_start_thermostat"] = bool(_int(m, "Has-Separate-Delayed-Start", 0))
    row["main_heating_fraction"] = _num(m, "Main-Heating-Fraction", 1.0)
    row["central_heating_pump_in_heated_space"] = bool(_int(m, "Is-Central-Heating-Pump-In-Heated-Space", 1))
    row["central_heating_pump_age"] = _int(m, "Central-Heating-Pump-Age", 0)
    return tariff


def _hot_water_store(d: ET.Element, row: dict[str, object], tariff: int | None, refuse: Refuse) -> None:
    """Water heating system and fuel, and the hot-water cylinder (section 4, lines (47)-(57))."""
    h = d.find("./SAP-Heating")
    row["water_heating_code"] = _int(h, "Water-Heating-Code", 901)
    row["water_heating_fuel"] = _fuel(_int(h, "Water-Fuel-Type"), tariff, refuse)
    if _int(h, "Has-Hot-Water-Cylinder", 0):
        row["cylinder_volume_l"] = _num(h, "Hot-Water-Store-Size")
        row["cylinder_declared_loss_kwh_per_day"] = _num(h, "Hot-Water-Store-Heat-Loss")
        row["cylinder_insulation_type"] = _int(h, "Hot-Water-Store-Insulation-Type")
        row["cylinder_insulation_mm"] = _num(h, "Hot-Water-Store-Insulation-Thickness")
        row["cylinder_thermostat"] = bool(_int(h, "Has-Cylinder-Thermostat", 1))
        row["cylinder_in_heated_space"] = bool(_int(h, "Is-Cylinder-In-Heated-Space", 1))
        row["water_separately_timed"] = bool(_int(h, "Is-Hot-Water-Separately-Timed", 0))


def _secondary_heating(d: ET.Element, row: dict[str, object], tariff: int | None, refuse: Refuse) -> None:
    """Secondary heating system and its fuel (section 9a, line (201))."""
    h = d.find("./SAP-Heating")
    sec = _int(h, "Secondary-Heating-Code")
    if sec is not None:
        row["secondary_heating_code"] = sec
        row["secondary_heating_fuel"] = _fuel(_int(h, "Secondary-Fuel-Type"), tariff, refuse)


def _showers_and_baths(d: ET.Element, row: dict[str, object]) -> None:
    """Shower outlets (electric showers counted; mixer flow rates, Appendix J defaults 7 / 12 l/min) and
    whether there is a bath (hot-water demand, section 4)."""
    flows = []
    electric = 0
    for so in d.findall(".//Shower-Outlets/Shower-Outlet"):
        kind = _int(so, "Shower-Outlet-Type")
        if kind == 4:
            electric += 1
        else:
            flows.append(_num(so, "Shower-Flow-Rate", 7.0 if kind == 1 else 12.0))
    if electric:  # left unset without one: the schema's default applies
        row["electric_showers"] = electric
    row["mixer_shower_flow_l_per_min"] = flows
    baths = _int(d, ".//Number-Baths")
    if baths is not None:
        row["bath_present"] = baths > 0


def _pv_arrays(d: ET.Element, row: dict[str, object], refuse: Refuse) -> None:
    """Photovoltaic arrays (Appendix M): peak power, orientation, pitch, overshading, connection."""
    pv = d.findall("./SAP-Energy-Source/PV-Arrays/PV-Array")
    row["pv_kwp"] = [_num(a, "Peak-Power") for a in pv]
    row["pv_orientation"] = [_int(a, "Orientation", 9) if _int(a, "Pitch") != 1 else 9 for a in pv]
    pitch_deg = vertical_pitch_deg(SCHEMA_TYPE)
    row["pv_pitch_deg"] = [pitch_deg[_int(a, "Pitch", 2) or 2] for a in pv]
    shading = [_int(a, "Overshading", 1) for a in pv]
    if any(s == 5 for s in shading):
        raise refuse("PV-Array/Overshading", 5, "severe overshading factor not transcribed")
    row["pv_overshading"] = shading
    row["pv_connected_to_dwelling"] = _int(d, "PV-Connection", 2) == 2


def _refuse_unread(root: ET.Element, row: dict[str, object], mv_source: int | None, refuse: Refuse) -> None:
    """Elements that would change the result but are not read from SAP XML yet: refused by name."""
    # a declared SFP / efficiency (PCDB or manufacturer) needs the Table 4h in-use factors by duct type,
    # not transcribed; "from SAP table" (3) takes the Table 4g defaults in the worksheet
    if (row["ventilation_type"] or 1) in (4, 5, 6, 7, 8) and mv_source in (1, 2):
        raise refuse(
            "Mechanical-Ventilation-Data-Source",
            mv_source,
            "declared SFP needs the Table 4h in-use factors by duct type (not transcribed)",
        )
    # Solar water heating, WWHRS and FGHRS would change (63a)-(63d): not read from full-SAP XML yet
    for tag in ("Solar-Heating-Details", "Instantaneous-WWHRS", "Storage-WWHRS"):
        if root.find(f".//{tag}") is not None:
            raise refuse(tag, "present", "not read from SAP XML yet (worksheet inputs exist, see INPUTS.md)")
    for fghrs in root.iter("Has-FGHRS"):
        if (fghrs.text or "").strip().lower() in ("true", "y", "1"):
            raise refuse("Has-FGHRS", fghrs.text, "flue-gas heat recovery needs the PCDB record")


def _generation(d: ET.Element, row: dict[str, object], refuse: Refuse) -> None:
    """PV battery and diverter, wind turbines (Terrain-Type, one size for all) and annual hydro output."""
    row["battery_capacity_kwh"] = _num(d, ".//Battery-Capacity", 0.0)
    row["pv_diverter"] = bool(_num(d, ".//PV-Diverter", 0.0))
    turbines = d.findall(".//Wind-Turbines/Wind-Turbine")
    row["wind_turbine_count"] = len(turbines)
    if turbines:
        sizes = {
            (_num(w, "Wind-Turbine-Rotor-Diameter"), _num(w, "Wind-Turbine-Hub-Height")) for w in turbines
        }
        if len(sizes) > 1:
            raise refuse("Wind-Turbines", len(sizes), "turbines of different sizes not supported")
        row["wind_turbine_rotor_diameter_m"], row["wind_turbine_hub_height_m"] = sizes.pop()
        terrain = _int(d, ".//Terrain-Type")
        row["wind_terrain"] = terrain if terrain in (1, 2, 3) else None
        if not _num(d, ".//Is-Wind-Turbine-Connected-To-Dwelling-Meter", 1.0):
            raise refuse(
                "Is-Wind-Turbine-Connected-To-Dwelling-Meter", False, "wind turbine off the dwelling meter"
            )
    if d.find(".//Hydro-Electric-Generation-Months") is not None:
        raise refuse("Hydro-Electric-Generation-Months", "monthly", "monthly hydro output not supported")
    row["hydro_generation_kwh"] = _num(d, ".//Hydro-Electric-Generation", 0.0)
    row["hydro_connected_to_dwelling"] = bool(_num(d, ".//Is-Hydro-Output-Connected-To-Dwelling-Meter", 1.0))


def _heat_network(d: ET.Element, row: dict[str, object], refuse: Refuse) -> None:
    """SAP-Community-Heating-System that heats the space (use 1 or 3) -> the Appendix C source lists,
    distribution type and loss factor. Source fuels are passed as lodged (Table 12 heat-network codes)."""
    for c in d.findall(".//SAP-Community-Heating-System"):
        if _int(c, "Community-Heating-Use") not in (1, 3):
            continue
        dist = _int(c, "Community-Heating-Distribution-Type")
        if dist is not None:
            row["heat_network_distribution_type"] = dist
        dlf = _num(c, "Community-Heating-Distribution-Loss-Factor")
        if dlf is not None:
            row["heat_network_distribution_loss_factor"] = dlf
        srcs = c.findall("./Community-Heat-Sources/Community-Heat-Source")
        for so in srcs:
            if _int(so, "CHP-Electricity-Generation") is not None:
                raise refuse(
                    "CHP-Electricity-Generation",
                    _int(so, "CHP-Electricity-Generation"),
                    "Table 12f rows by CHP option not transcribed",
                )
        row["heat_network_source_type"] = [_int(so, "Heat-Source-Type") for so in srcs]
        row["heat_network_source_fraction"] = [_num(so, "Heat-Fraction") for so in srcs]
        row["heat_network_source_fuel"] = [_int(so, "Fuel-Type") for so in srcs]
        row["heat_network_source_efficiency_pct"] = [_num(so, "Heat-Efficiency") for so in srcs]
        row["heat_network_source_power_efficiency_pct"] = [_num(so, "Power-Efficiency", 0.0) for so in srcs]
        return


def read_sap_xml_frame(sources: list[str | Path]) -> pl.DataFrame:
    """Several XML documents -> one input frame (one row each)."""
    return pl.DataFrame([read_sap_xml(src) for src in sources])
