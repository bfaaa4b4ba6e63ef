"""Register-shaped certificate documents for synthetic homes.

Builds the JSON the register's `GET /api/certificate` serves, `{"data": {...}}`, from one certificate row
of the generator's frame. Two shapes: RdSAP 10 (`RdSAP-Schema-21.0.1`, SAP 10.2: measured windows, bulb
counts, flue counts, smart meters) and the pre-SAP10 RdSAP 9.94 shape (`RdSAP-Schema-20.0.0`: glazing
proportion instead of windows, plain-string descriptions, low-energy lighting percentage). Codes follow
`reference/epc_register/RdSAP-Schema-21.0.1_element_tree.txt`. Some rows carry the register's quirks
(bare numbers instead of `{"value", "quantity"}`, Y/N instead of true/false, a one-element list collapsed
to an object) so that parsers meet them.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from ara_assets.demo import config
from ara_assets.demo.lodged import improvement_steps

AGE_BANDS = config.AGE_BANDS

# Table 4e control labels as they appear in EPC summaries, with the summary rating we give them.
_CONTROLS: dict[int, tuple[str, int]] = {
    2102: ("Programmer, no room thermostat", 1),
    2104: ("Programmer and room thermostat", 3),
    2106: ("Programmer, room thermostat and TRVs", 4),
    2110: ("Time and temperature zone control", 5),
    2204: ("Programmer and room thermostat", 3),
    2207: ("Time and temperature zone control", 5),
    2304: ("Flat rate charging, programmer and room thermostat", 2),
    2305: ("Flat rate charging, programmer and TRVs", 3),
    2306: ("Charging system linked to use of heating, programmer and TRVs", 4),
    2401: ("Manual charge control", 2),
    2402: ("Automatic charge control", 3),
    2403: ("Celect-type controls", 3),
    2404: ("Controls for high heat retention storage heaters", 5),
    2601: ("No thermostatic control of room temperature", 1),
    2602: ("Appliance thermostats", 3),
}
# Summary energy / environmental ratings of each main system (1 very poor .. 5 very good).
_SYSTEM_RATING: dict[str, tuple[int, int]] = {
    "gas_condensing_combi": (4, 4),
    "gas_condensing_regular": (4, 4),
    "gas_noncondensing_combi": (3, 3),
    "gas_noncondensing_regular": (3, 3),
    "storage_slimline": (2, 3),
    "storage_fan": (3, 3),
    "storage_hhr": (4, 4),
    "air_source_heat_pump": (4, 5),
    "community_gas_boilers": (4, 4),
    "oil_condensing_regular": (3, 2),
    "electric_room_heaters": (1, 2),
}
_WALL_NAMES = {
    1: "Granite or whinstone",
    2: "Sandstone or limestone",
    3: "Solid brick",
    4: "Cavity wall",
    5: "Timber frame",
    8: "System built",
}
_GLAZING_SUMMARY = {
    1: ("Fully double glazed", 3),
    2: ("Fully double glazed", 4),
    3: ("Fully double glazed", 3),
    4: ("Full secondary glazing", 3),
    5: ("Single glazed", 1),
    6: ("Fully triple glazed", 5),
}


@cache
def _systems() -> list[dict[str, Any]]:
    return config.distributions()["heating_systems"]["rows"]


@cache
def _dwelling_types() -> list[str]:
    return [r["dwelling_type"] for r in config.distributions()["archetypes"]["rows"]]


def _summary(text: str, eff: int, env: int | None, rdsap10: bool) -> dict[str, Any]:
    return {
        "description": {"value": text, "language": "1"} if rdsap10 else text,
        "energy_efficiency_rating": eff,
        "environmental_efficiency_rating": eff if env is None else env,
    }


def wall_summary(r: dict[str, Any]) -> tuple[str, int]:
    con, ins, age = r["wall_construction"], r["wall_insulation_type"], r["age_index"]
    name = _WALL_NAMES.get(con, "Cavity wall")
    if ins == 2:
        return f"{name}, filled cavity", 4
    if ins == 1:
        return f"{name}, with external insulation", 4
    if ins == 3:
        return f"{name}, with internal insulation", 4
    if age >= 8 or (con == 5 and age >= 5):
        return f"{name}, as built, insulated (assumed)", 4
    if age >= 5:
        return f"{name}, as built, partial insulation (assumed)", 3
    return f"{name}, as built, no insulation (assumed)", 1 if con != 4 else 2


def roof_summary(r: dict[str, Any]) -> tuple[str, int]:
    roof, mm, age = r["roof_construction"], r["roof_insulation_mm"], r["age_index"]
    if roof == 3:
        return "(another dwelling above)", 0
    if roof == 1:
        if age <= 3:
            return "Flat, no insulation (assumed)", 1
        if age <= 5:
            return "Flat, limited insulation (assumed)", 2
        return "Flat, insulated (assumed)", 4
    if mm <= 0:
        return "Pitched, no insulation", 1
    rating = 2 if mm <= 75 else 3 if mm <= 150 else 4 if mm <= 270 else 5
    return f"Pitched, {mm} mm loft insulation", rating


def floor_summary(r: dict[str, Any]) -> tuple[str, int]:
    if r["floor_heat_loss"] != 7:
        return "(another dwelling below)", 0
    kind = "Suspended" if r["floor_construction"] in (2, 3) else "Solid"
    # Floor summaries carry no rating on real certificates (always 0).
    if r["floor_insulation"] == 2:
        return f"{kind}, insulated", 0
    if r["age_index"] >= 8:
        return f"{kind}, insulated (assumed)", 0
    return f"{kind}, no insulation (assumed)", 0


def hot_water_summary(r: dict[str, Any], system: dict[str, Any]) -> tuple[str, int]:
    name = system["name"]
    if name.startswith("storage"):
        return "Electric immersion, off-peak", 3
    if name == "electric_room_heaters":
        return "Electric immersion, standard tariff", 1
    if name.startswith("community"):
        return "Community scheme", 4
    if "noncondensing" in name:
        return "From main system", 3
    return "From main system", 4


def lighting_summary(share: float) -> tuple[str, int]:
    if share >= 0.8:
        return "Excellent lighting efficiency", 5
    if share >= 0.5:
        return "Good lighting efficiency", 4
    if share >= 0.25:
        return "Average lighting efficiency", 3
    return "Below average lighting efficiency", 2


def dwelling_type(r: dict[str, Any]) -> str:
    base = _dwelling_types()[r["archetype"]]
    if r["property_type"] not in (2, 3):
        return base
    if r["flat_location"] == 0:
        position = "Ground-floor"
    elif r["top_storey"]:
        position = "Top-floor"
    else:
        position = "Mid-floor"
    return f"{position} {base}"


def whole_area(areas: list[float]) -> int:
    """The whole-dwelling floor area as lodged: the storeys' areas added exactly (``math.fsum``, the same on
    every Python; plain ``sum`` changed its rounding in 3.12) and rounded half up to whole square metres."""
    return math.floor(math.fsum(float(a) for a in areas) + 0.5)


def _measure(value: float, quantity: str, bare: bool) -> float | dict[str, Any]:
    return value if bare else {"value": value, "quantity": quantity}


def _flag(value: bool, yn: bool) -> str:
    if yn:
        return "Y" if value else "N"
    return "true" if value else "false"


def _building_part(r: dict[str, Any], rdsap10: bool) -> dict[str, Any]:
    bare = r["quirk_bare_measurements"]
    ground = r["floor_heat_loss"] == 7
    storeys = []
    for i in range(r["storeys"]):
        dim: dict[str, Any] = {
            "floor": i,
            "room_height": _measure(r["room_height"], "metres", bare),
            "total_floor_area": _measure(r["storey_area"][i], "square metres", bare),
            "heat_loss_perimeter": _measure(r["heat_loss_perimeter"], "metres", bare),
            "party_wall_length": _measure(r["party_wall_length"], "metres", bare),
        }
        if i == 0 and ground:
            dim["floor_construction"] = r["floor_construction"]
            dim["floor_insulation"] = r["floor_insulation"]
        storeys.append(dim)
    roof = r["roof_construction"]
    part: dict[str, Any] = {
        "identifier": "Main Dwelling",
        "building_part_number": 1,
        "construction_age_band": AGE_BANDS[r["age_index"]],
        "wall_construction": r["wall_construction"],
        "wall_insulation_type": r["wall_insulation_type"],
        "wall_thickness_measured": "N",
        "wall_dry_lined": "N",
        "wall_insulation_thickness": "100mm" if r["wall_insulation_type"] in (1, 3) else "NI",
        "party_wall_construction": "NA" if r["party_wall_construction"] < 0 else r["party_wall_construction"],
        "roof_construction": roof,
        "roof_insulation_location": 2 if roof == 4 else 6 if roof == 1 else 5,
        "floor_heat_loss": r["floor_heat_loss"],
        "sap_floor_dimensions": storeys,
    }
    if roof == 4:
        mm = r["roof_insulation_mm"]
        part["roof_insulation_thickness"] = "0" if mm <= 0 else "400mm+" if mm >= 400 else f"{mm}mm"
    elif roof == 1:
        part["flat_roof_insulation_thickness"] = "AB"
    if ground:
        part["floor_insulation_thickness"] = "NI"
    return part


def _window(
    r: dict[str, Any], location: int, width: float, height: float, orientation: int
) -> dict[str, Any]:
    as_object = r["quirk_window_objects"]
    yn = r["quirk_yn_booleans"]
    glazing = r["glazing_type"]
    w: dict[str, Any] = {
        "window_location": location,
        "window_wall_type": 1,
        "window_width": {"value": width, "quantity": "m"} if as_object else width,
        "window_height": {"value": height, "quantity": "m"} if as_object else height,
        "draught_proofed": _flag(glazing != 5, yn),
        "glazing_type": glazing,
        "window_type": 1,
        "orientation": orientation,
        "permanent_shutters_present": "N",
    }
    if glazing in (1, 3):
        w["pvc_frame"] = _flag(True, yn)
        w["glazing_gap"] = "16+" if glazing == 3 else 12
    return w


def _windows(r: dict[str, Any]) -> list[dict[str, Any]]:
    widths, heights, orientations = r["window_width"], r["window_height"], r["window_orientation"]
    out = [_window(r, 0, widths[j], heights[j], orientations[j]) for j in range(r["window_count"])]
    if r["ext_area"] > 0:
        out.append(_window(r, 1, r["ext_window_width"], 1.2, r["ext_window_orientation"]))
    return out


def _extension_part(r: dict[str, Any]) -> dict[str, Any]:
    """The rear extension: building part 2, one storey, flat roof as built, solid ground floor."""
    bare = r["quirk_bare_measurements"]
    return {
        "identifier": "Extension 1",
        "building_part_number": 2,
        "construction_age_band": AGE_BANDS[r["ext_age_index"]],
        "wall_construction": r["ext_wall_construction"],
        "wall_insulation_type": 4,
        "wall_thickness_measured": "N",
        "wall_dry_lined": "N",
        "wall_insulation_thickness": "NI",
        "party_wall_construction": "NA" if r["ext_party"] <= 0 else r["party_wall_construction"],
        "roof_construction": 1,
        "roof_insulation_location": 6,
        "flat_roof_insulation_thickness": "AB",
        "floor_heat_loss": 7,
        "floor_insulation_thickness": "NI",
        "sap_floor_dimensions": [
            {
                "floor": 0,
                "room_height": _measure(r["ext_room_height"], "metres", bare),
                "total_floor_area": _measure(r["ext_area"], "square metres", bare),
                "heat_loss_perimeter": _measure(r["ext_perimeter"], "metres", bare),
                "party_wall_length": _measure(r["ext_party"], "metres", bare),
                "floor_construction": 1,
                "floor_insulation": 1,
            }
        ],
    }


def extension_summaries(r: dict[str, Any]) -> tuple[tuple[str, int], tuple[str, int], tuple[str, int]]:
    """Wall, roof and floor summaries of the extension, from the same rules as the main part."""
    as_part = {
        **r,
        "wall_construction": r["ext_wall_construction"],
        "wall_insulation_type": 4,
        "age_index": r["ext_age_index"],
        "roof_construction": 1,
        "floor_heat_loss": 7,
        "floor_construction": 1,
        "floor_insulation": 1,
    }
    return wall_summary(as_part), roof_summary(as_part), floor_summary(as_part)


def _heating(r: dict[str, Any], system: dict[str, Any], rdsap10: bool) -> dict[str, Any]:
    name = system["name"]
    category = system["category"]
    wet = category in (2, 4, 6)
    main: dict[str, Any] = {
        "main_heating_number": 1,
        "main_heating_category": category,
        "main_fuel_type": system["fuel"],
        "main_heating_control": r["main_heating_control"],
        "main_heating_data_source": 2,
        "sap_main_heating_code": system["sap_code"],
        "main_heating_fraction": 1,
        "heat_emitter_type": 1 if wet else 0,
        "has_fghrs": "N",
    }
    if category == 2:
        condensing = "noncondensing" not in name
        main["boiler_flue_type"] = 2 if condensing else 1 + int(r["pump_age"] > 0)
        main["fan_flue_present"] = "Y" if condensing else "N"
        main["boiler_ignition_type"] = 1
        main["emitter_temperature"] = 0 if condensing else "NA"
    elif category == 4:
        main["emitter_temperature"] = 3
        main["mcs_installed_heat_pump"] = "true"
    else:
        main["emitter_temperature"] = "NA"
    if category == 6:
        main["community_heat_distribution_type"] = 6
    if wet:
        main["central_heating_pump_age"] = r["pump_age"]
    heating: dict[str, Any] = {
        "main_heating_details": [main],
        "has_fixed_air_conditioning": _flag(False, r["quirk_yn_booleans"]),
    }
    immersion = category in (7, 10)
    if immersion:
        heating["water_heating_code"] = 903
        heating["water_heating_fuel"] = 29
        heating["immersion_heating_type"] = 1 if category == 7 else 2
    else:
        heating["water_heating_code"] = 901
        heating["water_heating_fuel"] = system["fuel"]
        heating["immersion_heating_type"] = "NA"
    if system["cylinder"]:
        heating["cylinder_size"] = r["cylinder_size"]
        heating["cylinder_insulation_type"] = 1
        heating["cylinder_insulation_thickness"] = r["cylinder_insulation_mm"]
        heating["cylinder_thermostat"] = "Y" if not immersion else "N"
    else:
        heating["cylinder_size"] = 1
    if r["secondary_heating"]:
        heating["secondary_heating_type"] = 691
        heating["secondary_fuel_type"] = 29
    if rdsap10:
        outlet = {"shower_outlet_type": 2 if immersion else 1, "shower_wwhrs": 1}
        heating["shower_outlets"] = {"shower_outlet": outlet} if r["quirk_collapsed_lists"] else [outlet]
        heating["number_baths"] = 1
        heating["number_baths_wwhrs"] = 0
    else:
        heating["instantaneous_wwhrs"] = {
            "rooms_with_bath_and_or_shower": 1,
            "rooms_with_mixer_shower_no_bath": 0,
            "rooms_with_bath_and_mixer_shower": 0,
        }
    return heating


def _energy_source(r: dict[str, Any], rdsap10: bool) -> dict[str, Any]:
    yn = r["quirk_yn_booleans"]
    pv = r["pv_kwp"] > 0
    src: dict[str, Any] = {"meter_type": r["meter_type"], "mains_gas": "Y" if r["mains_gas"] else "N"}
    if pv:
        src["photovoltaic_supply"] = {
            "pv_arrays": [{"peak_power": r["pv_kwp"], "orientation": 5, "pitch": 2, "overshading": 1}]
        }
    else:
        src["photovoltaic_supply"] = {"none_or_no_details": {"percent_roof_area": 0}}
    src["wind_turbines_count"] = 0
    src["wind_turbines_terrain_type"] = 2
    if rdsap10:
        src["pv_connection"] = 2 if pv else 0
        src["pv_battery_count"] = 0
        src["electricity_smart_meter_present"] = _flag(r["smart_meter"], yn)
        src["gas_smart_meter_present"] = _flag(r["smart_meter"] and r["mains_gas"], yn)
        src["is_dwelling_export_capable"] = _flag(pv, yn)
    elif not pv:
        src["photovoltaic_supply"]["none_or_no_details"]["pv_connection"] = 0
    return src


@cache
def _step_labels() -> tuple[tuple[str, str, int, str], ...]:
    return tuple(
        (key, kind, number, cost) for key, kind, number, cost, *_ in improvement_steps(config.system_names())
    )


def _improvements(r: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, kind, number, cost in _step_labels():
        if not r[f"step_{key}_applies"]:
            continue
        out.append(
            {
                "sequence": len(out) + 1,
                "improvement_category": 5,
                "improvement_type": kind,
                "improvement_details": {"improvement_number": number},
                "indicative_cost": cost,
                "typical_saving": int(r[f"step_{key}_saving"]),
                "energy_performance_rating": int(r[f"step_{key}_sap"]),
                "environmental_impact_rating": int(r[f"step_{key}_ei"]),
            }
        )
    return out


def build_document(r: dict[str, Any], home: dict[str, Any]) -> dict[str, Any]:
    """The `data` object of one certificate row `r` of the home `home`."""
    rdsap10 = r["schema_type"] == config.SCHEMA_RDSAP10
    system = _systems()[r["system"]]
    yn = r["quirk_yn_booleans"]
    reg = r["registration_date"]
    seconds = (r["registration_day"] * 7919 + r["home_index"]) % 86400
    low_energy = min(r["low_energy_share"], 1.0)
    bulbs = r["bulbs"]
    led = round(bulbs * min(r["led_share"], 1.0))
    cfl = min(round(bulbs * r["cfl_share"]), bulbs - led)

    d: dict[str, Any] = {
        "certificate_number": r["certificate_number"],
        "uprn": home["uprn"],
        "uprn_source": "Energy Assessor",
        "schema_type": r["schema_type"],
        "schema_version_original": "21.0.1" if rdsap10 else "20.0.0",
        "sap_version": 10.2 if rdsap10 else 9.94,
        "calculation_software_version": "ara-demo-" + config.GENERATOR_VERSION,
        "report_type": 2,
        "assessment_type": "RdSAP",
        "status": "entered",
        "language_code": 1,
        "inspection_date": r["inspection_date"],
        "completion_date": reg,
        "registration_date": reg,
        "created_at": f"{reg} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000000",
        "transaction_type": 8,
        "tenure": 2,
        "region_code": home["region_code"],
        "country_code": "ENG" if rdsap10 else "EAW",
        "address_line_1": home["address_line_1"],
    }
    if home["address_line_2"] is not None:
        d["address_line_2"] = home["address_line_2"]
    d["post_town"] = home["post_town"]
    d["postcode"] = home["postcode"]
    d["property_type"] = r["property_type"]
    d["built_form"] = r["built_form"]
    d["dwelling_type"] = dwelling_type(r)
    # The register rounds the whole-dwelling area to an integer; the storeys keep two decimals.
    has_extension = r["ext_area"] > 0
    d["total_floor_area"] = whole_area([*r["storey_area"][: r["storeys"]], r["ext_area"]])
    d["measurement_type"] = 1
    d["extensions_count"] = 1 if has_extension else 0
    d["habitable_room_count"] = r["habitable_rooms"]
    d["heated_room_count"] = r["habitable_rooms"]

    wall_text, wall_rating = wall_summary(r)
    roof_text, roof_rating = roof_summary(r)
    floor_text, floor_rating = floor_summary(r)
    glazing_text, glazing_rating = _GLAZING_SUMMARY[r["glazing_type"]]
    eff, env = _SYSTEM_RATING[system["name"]]
    control_text, control_rating = _CONTROLS[r["main_heating_control"]]
    water_text, water_rating = hot_water_summary(r, system)
    light_text, light_rating = lighting_summary(low_energy)
    d["walls"] = [_summary(wall_text, wall_rating, None, rdsap10)]
    d["roofs"] = [_summary(roof_text, roof_rating, None, rdsap10)]
    d["floors"] = [_summary(floor_text, floor_rating, None, rdsap10)]
    if has_extension:
        for key, (text, rating) in zip(("walls", "roofs", "floors"), extension_summaries(r), strict=True):
            d[key].append(_summary(text, rating, None, rdsap10))
    d["window"] = _summary(glazing_text, glazing_rating, None, rdsap10)
    d["main_heating"] = [_summary(system["description"], eff, env, rdsap10)]
    d["main_heating_controls"] = [_summary(control_text, control_rating, None, rdsap10)]
    d["hot_water"] = _summary(water_text, water_rating, None, rdsap10)
    d["lighting"] = _summary(light_text, light_rating, None, rdsap10)
    d["secondary_heating"] = _summary(
        "Room heaters, electric" if r["secondary_heating"] else "None", 0, 0, rdsap10
    )
    d["has_hot_water_cylinder"] = _flag(bool(system["cylinder"]), yn)
    d["has_fixed_air_conditioning"] = _flag(False, yn)
    d["multiple_glazed_proportion"] = 0 if r["glazing_type"] == 5 else 100

    d["energy_rating_current"] = r["energy_rating_current"]
    d["energy_rating_potential"] = r["energy_rating_potential"]
    d["energy_rating_average"] = 60
    d["current_energy_efficiency_band"] = r["current_energy_efficiency_band"]
    d["potential_energy_efficiency_band"] = r["potential_energy_efficiency_band"]
    d["environmental_impact_current"] = r["environmental_impact_current"]
    d["environmental_impact_potential"] = r["environmental_impact_potential"]
    d["energy_consumption_current"] = r["energy_consumption_current"]
    d["energy_consumption_potential"] = r["energy_consumption_potential"]
    d["co2_emissions_current"] = r["co2_emissions_current"]
    d["co2_emissions_current_per_floor_area"] = r["co2_emissions_current_per_floor_area"]
    d["co2_emissions_potential"] = r["co2_emissions_potential"]
    for item in ("heating", "hot_water", "lighting"):
        for when in ("current", "potential"):
            d[f"{item}_cost_{when}"] = r[f"{item}_cost_{when}"]
    rhi: dict[str, Any] = {
        "space_heating_existing_dwelling": r["space_heating_existing_dwelling"],
        "water_heating": r["water_heating"],
    }
    for label in ("loft", "cavity", "solid_wall"):
        if r[f"impact_of_{label}_insulation_applies"]:
            rhi[f"impact_of_{label}_insulation"] = r[f"impact_of_{label}_insulation"]
    d["renewable_heat_incentive"] = rhi
    d["suggested_improvements"] = _improvements(r)
    lzc = ([9] if system["name"] == "air_source_heat_pump" else []) + ([11] if r["pv_kwp"] > 0 else [])
    if lzc:
        d["lzc_energy_sources"] = lzc
    addendum: dict[str, Any] = {}
    if r["wall_construction"] in (1, 2) and r["wall_insulation_type"] == 4:
        addendum["stone_walls"] = "true"
    if r["wall_construction"] == 8:
        addendum["system_build"] = "true"
    if r["step_cavity_applies"]:
        addendum["cavity_fill_recommended"] = "true"
    if addendum:
        d["addendum"] = addendum

    d["solar_water_heating"] = "N"
    d["conservatory_type"] = 1
    d["door_count"] = r["door_count"]
    d["insulated_door_count"] = r["insulated_door_count"]
    if r["insulated_door_count"] > 0:
        d["insulated_door_u_value"] = 1.5
    d["percent_draughtproofed"] = 100 if r["glazing_type"] != 5 else 50
    d["mechanical_ventilation"] = 0
    if rdsap10:
        d["draughtproofed_door_count"] = r["door_count"]
        d["pressure_test"] = 4
        d["has_draught_lobby"] = _flag(False, yn)
        d["open_chimneys_count"] = r["open_chimneys_count"]
        d["blocked_chimneys_count"] = 0
        d["open_flues_count"] = 0
        d["closed_flues_count"] = 0
        d["boilers_flues_count"] = 1 if system["category"] == 2 else 0
        d["other_flues_count"] = 0
        d["extract_fans_count"] = r["extract_fans_count"]
        d["psv_count"] = 0
        d["flueless_gas_fires_count"] = 0
        d["led_fixed_lighting_bulbs_count"] = led
        d["cfl_fixed_lighting_bulbs_count"] = cfl
        d["incandescent_fixed_lighting_bulbs_count"] = bulbs - led - cfl
        d["sap_windows"] = _windows(r)
    else:
        d["open_fireplaces_count"] = r["open_chimneys_count"]
        d["glazed_area"] = 1
        d["multiple_glazing_type"] = r["glazing_type"]
        d["low_energy_lighting"] = round(100 * low_energy)
        d["fixed_lighting_outlets_count"] = bulbs
        d["low_energy_fixed_lighting_outlets_count"] = round(bulbs * low_energy)
    d["sap_heating"] = _heating(r, system, rdsap10)
    d["sap_energy_source"] = _energy_source(r, rdsap10)
    d["sap_building_parts"] = [_building_part(r, rdsap10)]
    if has_extension:
        d["sap_building_parts"].append(_extension_part(r))
    if r["property_type"] in (2, 3):
        corridor = r["heat_loss_corridor"]
        flat: dict[str, Any] = {
            "level": r["flat_level"],
            "flat_location": r["flat_location"],
            "storey_count": r["block_storeys"],
            "top_storey": "Y" if r["top_storey"] else "N",
            "heat_loss_corridor": corridor,
        }
        if corridor == 2:
            flat["unheated_corridor_length"] = _measure(r["corridor_length"], "metres", not rdsap10)
        d["sap_flat_details"] = flat
    return d


def build_envelope(r: dict[str, Any], homes: list[dict[str, Any]] | dict[str, Any]) -> dict[str, Any]:
    home = homes if isinstance(homes, dict) else homes[r["home_index"]]
    return {"data": build_document(r, home)}
