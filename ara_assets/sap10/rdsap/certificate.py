"""One register certificate -> one SAP 10.2 worksheet input row (``INPUT_SCHEMA``).

The rules branch per element but keep each step to dict look-ups and arithmetic on Python scalars;
each part of the certificate is read by its own module (geometry, openings, ventilation, heating,
water, renewables), lighting and cooling here. Rules follow the RdSAP 10 specification (10-06-2025); the
values sit in ``tables/`` with their table, page and status. Anything the rules cannot place raises
``UnsupportedInput(certificate, field, value)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ara_assets.pcdb.products import ProductData
from ara_assets.pcdb.products import active as pcdb_active
from ara_assets.sap10.rdsap import tables as t
from ara_assets.sap10.rdsap.document import (
    RegisterDocument,
    certificate_number,
    code,
    flag,
    heating_node,
    items,
    read_age_band,
    unwrap,
)
from ara_assets.sap10.rdsap.geometry import HOUSE_TYPES, Geometry, living_area
from ara_assets.sap10.rdsap.heating import expand_heating
from ara_assets.sap10.rdsap.openings import expand_doors, expand_windows
from ara_assets.sap10.rdsap.renewables import expand_renewables
from ara_assets.sap10.rdsap.ventilation import expand_ventilation
from ara_assets.sap10.rdsap.water import expand_water


def expand_certificate(
    doc: Mapping[str, Any], number: str | None = None, products: ProductData | None = None
) -> dict[str, Any]:
    """One register document (bare or enveloped, already normalised or raw) -> one input row (dict).

    ``products``: imported PCDB data (default: the product data installed in this process, if any).
    Raises ``UnsupportedInput`` naming the certificate, field and value for anything not handled.
    """
    products = products if products is not None else pcdb_active()
    d = unwrap(doc)
    cert = RegisterDocument(d, number or certificate_number(d, "(no certificate number)"))
    schema = str(d.get("schema_type") or "")
    if not schema.startswith("RdSAP-Schema-"):
        raise cert.fail("schema_type", schema or None, "only RdSAP certificates are expanded")
    row: dict[str, Any] = {"home_id": cert.number, "certificate_number": cert.number, "schema_type": schema}
    country = d.get("country_code")
    if country not in (None, "ENG", "WLS", "EAW", "NR"):
        # only the England & Wales tables are carried (the register covers England and Wales)
        raise cert.fail("country_code", country, "RdSAP tables for Scotland / Northern Ireland not carried")
    property_type = code(d, "property_type")
    built_form = code(d, "built_form")
    if property_type == 4:
        raise cert.fail("property_type", 4, "park homes: RdSAP park-home tables not carried")
    is_house = property_type in HOUSE_TYPES
    parts = items(d.get("sap_building_parts"))
    if not parts:
        raise cert.fail("sap_building_parts", None, "no building parts")
    main_band = read_age_band(
        cert, parts[0].get("construction_age_band"), "sap_building_parts[0].construction_age_band"
    )
    row.update(property_type=property_type, built_form=built_form, age_band=main_band)
    conservatory = code(d, "conservatory_type")
    if conservatory == 4:
        raise cert.fail("conservatory_type", 4, "non-separated conservatory not implemented")

    geo = Geometry(cert, d, parts, main_band, is_house)
    geo.build()
    tfa = sum(geo.storey_area)
    if tfa <= 0:
        raise cert.fail(
            "sap_building_parts.sap_floor_dimensions.total_floor_area", tfa, "total floor area is 0"
        )
    windows = expand_windows(cert, d, geo, tfa, main_band, is_house)
    geo.gross_roof = sum(geo.roof_area)
    geo.deduct_openings(windows)
    doors = expand_doors(cert, d, geo, main_band, property_type)
    geo.check_net_areas()

    row.update(
        storey_floor_area_m2=geo.storey_area,
        storey_height_m=geo.storey_height,
        storeys_for_infiltration=geo.storeys,
        total_floor_area_m2=tfa,
        living_area_m2=living_area(d, tfa),
        wall_area_m2=[max(a, 0.0) for a in geo.wall_area],
        wall_u_value=geo.wall_u,
        roof_area_m2=[max(a, 0.0) for a in geo.roof_area],
        roof_u_value=geo.roof_u,
        floor_area_hl_m2=geo.floor_area,
        floor_u_value=geo.floor_u,
        party_wall_area_m2=geo.party_area,
        party_wall_u_value=geo.party_u,
        window_area_m2=[w.area for w in windows],
        window_u_value=[w.u for w in windows],
        window_g_perp=[w.g for w in windows],
        window_frame_factor=[w.ff for w in windows],
        window_orientation=[w.orientation for w in windows],
        window_pitch_deg=[w.pitch for w in windows],
        window_g_light=[w.g_light for w in windows],
        door_area_m2=[a for a, _ in doors],
        door_u_value=[u for _, u in doors],
        thermal_bridging_y=t.thermal_bridging()[main_band][0],
        thermal_mass_parameter=t.constants()["thermal_mass_parameter"],
        timber_frame_or_steel=code(parts[0], "wall_construction") == 5,
        suspended_wooden_floor=geo.suspended_timber,
    )
    pcdb = False
    pcdb |= expand_ventilation(cert, d, row, built_form, main_band, geo)
    pcdb |= expand_heating(cert, d, row, main_band, products)
    water_fallback, water_approximations = expand_water(cert, d, row, main_band, products)
    pcdb |= water_fallback
    _lighting(d, row)
    _cooling(d, row)
    expand_renewables(cert, d, row, geo)
    region = code(d, "region_code")
    # SAP 10.2 rates every dwelling on the UK-average climate; the local region rides along for costs
    row["climate_region"] = 0
    row["local_climate_region"] = region
    # Table 172 of the imported PCDB: the postcode district's own climate for the demand figures
    row["postcode_climate_region"] = products.district_code(d.get("postcode")) if products else None
    row["pcdb_fallback"] = pcdb
    row["pcdb_revision"] = products.revision if products is not None else None
    row["approximations"] = sorted(set(geo.approximations) | set(water_approximations))
    fuel = items(heating_node(d).get("main_heating_details"))
    row["main_fuel_register"] = code(fuel[0], "main_fuel_type") if fuel else None
    return row


def _cooling(d: Mapping[str, Any], row: dict[str, Any]) -> None:
    """Fixed air conditioning (RdSAP 10 data item, top level or under sap_heating). The register carries
    only the flag: cooled area and SEER stay null, so the worksheet refuses the certificate (the RdSAP 10
    defaults are not transcribed) rather than scoring it without its cooling."""
    row["has_fixed_air_conditioning"] = bool(
        flag(heating_node(d), "has_fixed_air_conditioning", False)
        or flag(d, "has_fixed_air_conditioning", False)
    )


def _lighting(d: Mapping[str, Any], row: dict[str, Any]) -> None:
    """Fixed lighting capacity and efficacy from bulb counts (RdSAP 10); older schemas from outlet counts."""
    bulbs = t.lighting_bulbs()
    counts = {
        "led": code(d, "led_fixed_lighting_bulbs_count") or 0,
        "cfl": code(d, "cfl_fixed_lighting_bulbs_count") or 0,
        "low_energy": code(d, "low_energy_fixed_lighting_bulbs_count") or 0,
        "incandescent": code(d, "incandescent_fixed_lighting_bulbs_count") or 0,
    }
    if not any(counts.values()):
        outlets = code(d, "fixed_lighting_outlets_count")
        low = code(d, "low_energy_fixed_lighting_outlets_count")
        if outlets:
            counts["low_energy"] = min(low or 0, outlets)
            counts["incandescent"] = outlets - counts["low_energy"]
    power = sum(n * bulbs[k][1] for k, n in counts.items())
    if power <= 0:
        return
    lumens = sum(n * bulbs[k][1] * bulbs[k][0] for k, n in counts.items())
    row["fixed_lighting_capacity_lm"] = lumens
    row["fixed_lighting_efficacy_lm_per_w"] = lumens / power
