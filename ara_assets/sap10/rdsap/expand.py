"""The RdSAP 10 expansion: register certificates -> SAP 10.2 worksheet input rows (``INPUT_SCHEMA``).

One certificate becomes one row. The expansion loops over certificates (the rules branch per element)
but keeps each step to dict look-ups and arithmetic on Python scalars, collecting column lists that
become one polars frame at the end: no per-row frames.

Rules follow the RdSAP 10 specification (10-06-2025); the values sit in ``tables/`` with their table,
page and status. Anything the rules cannot place raises ``UnsupportedInput(certificate, field, value)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl
import pyarrow as pa

from ara_assets.pcdb.products import Boiler, ProductData
from ara_assets.pcdb.products import active as pcdb_active
from ara_assets.sap10 import heat_networks, water_extras
from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.gc_pause import gc_paused
from ara_assets.sap10.inputs import INPUT_SCHEMA, REQUIRED
from ara_assets.sap10.rdsap import fabric
from ara_assets.sap10.rdsap import tables as t
from ara_assets.sap10.rdsap.fabric import FabricError

# Columns the expansion adds beside INPUT_SCHEMA (passed through calculate as extra columns).
EXTRA_COLUMNS: dict[str, pl.DataType] = {
    "certificate_number": pl.String(),
    "schema_type": pl.String(),
    "pcdb_fallback": pl.Boolean(),
    "pcdb_revision": pl.Int32(),  # the imported PCDF revision the expansion looked products up in
    "total_floor_area_m2": pl.Float64(),
    "local_climate_region": pl.Int32(),
    "postcode_climate_region": pl.Int32(),  # climate code of the PCDB Table 172 district (22+), if known
    "age_band": pl.String(),
    "built_form": pl.Int32(),
    "property_type": pl.Int32(),
    "main_fuel_register": pl.Int32(),
    "input_index": pl.Int64(),  # position of the certificate in the batch given to expand_*
    # approximation codes the expansion recorded (lodged geometry it had to reconcile; approximations.py)
    "approximations": pl.List(pl.String()),
}

HOUSE_TYPES = (0, 1)  # house, bungalow (PropertyTypeCode); 2 flat, 3 maisonette, 4 park home
NO_ROOF_LOSS = (0, 3, 7)  # none, another dwelling above, same dwelling above
NO_FLOOR_LOSS = (6, 8)  # other flat below, same dwelling below
GROUND_FLOOR = 7
VENTILATION = {0: 1, 1: 7, 2: 6, 3: 5, 4: 8, 5: 3, 6: 4}  # register -> SAP-Schema ventilation code
EMITTER = {0: 1, 1: 1, 2: 2, 3: 4, 4: 3}  # register HeatEmitterCode -> INPUT_SCHEMA heat_emitter_type
FLOW_TEMPERATURE = {3: 45.0, 4: 35.0}  # emitter_temperature code -> design flow temperature, degC
# built form -> sheltered sides (RdSAP convention; UNCONFIRMED, see docs/sap10/RDSAP.md)
SHELTERED_SIDES = {1: 0, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3}
NO_INTERLOCK_CONTROLS = (2101, 2102)  # no room thermostat: Table 4e group 1 without a thermostat
STORAGE_HEATER_CODES = range(401, 410)
MAX_DOORS = 50  # a lodged door count beyond this is a data error (and would build a list per door)


@dataclass
class _Opening:
    area: float
    u: float
    g: float
    ff: float
    orientation: int
    pitch: float
    host: tuple[int, int] | None = None  # (building part, window_wall_type) of a measured window
    g_light: float = 0.80  # Table 6b light transmittance: single 0.90, double 0.80, triple 0.70


class _Cert:
    """Read helpers over one register-shaped document that tolerate the register's quirks (value
    objects, "Y"/"N" and "true"/"false" flags, collapsed single-element lists) so the expansion works on
    both the parser's normalised dict and a raw document."""

    __slots__ = ("doc", "number")

    def __init__(self, doc: Mapping[str, Any], number: str) -> None:
        self.doc = doc
        self.number = number

    def fail(self, field: str, value: object, reason: str) -> UnsupportedInput:
        return UnsupportedInput(self.number, field, value, reason)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _v(x: Any) -> Any:
    t = type(x)
    if t is dict or (t not in _SCALARS and isinstance(x, Mapping)):  # ABC check only for odd types
        return x.get("value", x)
    return x


def num(m: Mapping[str, Any] | None, key: str, default: float | None = None) -> float | None:
    """A numeric field (bare or ``{"value": ...}``); codes like "NA"/"ND" read as missing."""
    if type(m) is not dict and not isinstance(m, Mapping):
        return default  # None, or a scalar where the register should have an object
    x = m.get(key)
    t = type(x)  # exact-type fast paths first: this runs ~100 times per certificate
    if t is float:
        return x
    if t is int:
        return float(x)
    if x is None or t is bool:
        return default
    if t is dict or isinstance(x, Mapping):
        x = x.get("value")
        if x is None or type(x) is bool:
            return default
        if type(x) in (int, float):
            return float(x)
    try:
        return float(str(x).strip())
    except ValueError:
        return default


def code(m: Mapping[str, Any] | None, key: str) -> int | None:
    x = num(m, key)
    return None if x is None else int(x)


def flag(m: Mapping[str, Any] | None, key: str, default: bool | None = None) -> bool | None:
    if type(m) is not dict and not isinstance(m, Mapping):  # exact type first: ABC checks are slow
        return default
    x = _v(m.get(key))
    if x is None:
        return default
    if type(x) is bool:
        return x
    if isinstance(x, int | float):
        return x != 0
    s = str(x).strip().lower()
    if s in ("y", "yes", "true", "1"):
        return True
    if s in ("n", "no", "false", "0"):
        return False
    return default


def items(x: Any) -> list[Mapping[str, Any]]:
    """A list node that the register may collapse (single dict, ``{"item": {...}}`` wrapper) -> list.

    A scalar where an object belongs reads as an empty object, so the fields it lacks are refused
    downstream by name instead of being dropped."""
    if x is None:
        return []
    if isinstance(x, list):
        out: list[Mapping[str, Any]] = []
        for e in x:
            if type(e) is dict:  # the common case, before the slower ABC checks
                out.append(e)
            elif isinstance(e, list):
                out.extend(items(e))
            else:
                out.append(e if isinstance(e, Mapping) else {})
        return out
    if type(x) is dict or isinstance(x, Mapping):
        if len(x) == 1:
            (inner,) = x.values()
            if isinstance(inner, list | Mapping) and not (isinstance(inner, Mapping) and "value" in inner):
                return items(inner)
        return [x]
    return []


def _band(cert: _Cert, value: Any, field: str) -> str:
    band = str(_v(value) or "").strip().upper()
    if band not in t.AGE_BANDS or len(band) != 1:
        raise cert.fail(field, value, "construction age band must be A-M")
    return band


def _fuel(cert: _Cert, value: int | None, field: str) -> int:
    fuels = t.fuel_codes()
    if value is None or value not in fuels:
        raise cert.fail(
            field,
            value,
            "fuel not mapped to a SAP Table 12 code (community LPG, electricity or heat-network data)",
        )
    return fuels[value]


def unwrap(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """Drop the register's ``{"data": {...}}`` envelope."""
    if "data" in doc and "schema_type" not in doc and isinstance(doc["data"], Mapping):
        return doc["data"]
    return doc


def certificate_number(doc: Mapping[str, Any], fallback: str) -> str:
    d = unwrap(doc)
    number = d.get("certificate_number") or d.get("rrn")
    return str(number) if number else fallback


# ------------------------------------------------------------------------------------------- expansion


def expand_certificate(
    doc: Mapping[str, Any], number: str | None = None, products: ProductData | None = None
) -> dict[str, Any]:
    """One register document (bare or enveloped, already normalised or raw) -> one input row (dict).

    ``products``: imported PCDB data (default: the product data installed in this process, if any).
    Raises ``UnsupportedInput`` naming the certificate, field and value for anything not handled.
    """
    products = products if products is not None else pcdb_active()
    d = unwrap(doc)
    cert = _Cert(d, number or certificate_number(d, "(no certificate number)"))
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
    main_band = _band(
        cert, parts[0].get("construction_age_band"), "sap_building_parts[0].construction_age_band"
    )
    row.update(property_type=property_type, built_form=built_form, age_band=main_band)
    conservatory = code(d, "conservatory_type")
    if conservatory == 4:
        raise cert.fail("conservatory_type", 4, "non-separated conservatory not implemented")

    geo = _Geometry(cert, d, parts, main_band, is_house)
    geo.build()
    tfa = sum(geo.storey_area)
    if tfa <= 0:
        raise cert.fail(
            "sap_building_parts.sap_floor_dimensions.total_floor_area", tfa, "total floor area is 0"
        )
    windows = _windows(cert, d, geo, tfa, main_band, is_house)
    geo.gross_roof = sum(geo.roof_area)
    geo.deduct_openings(windows)
    doors = _doors(cert, d, geo, main_band, property_type)
    geo.check_net_areas()

    row.update(
        storey_floor_area_m2=geo.storey_area,
        storey_height_m=geo.storey_height,
        storeys_for_infiltration=geo.storeys,
        total_floor_area_m2=tfa,
        living_area_m2=_living_area(d, tfa),
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
    pcdb |= _ventilation(cert, d, row, built_form, main_band, geo)
    pcdb |= _heating(cert, d, row, main_band, products)
    _water(cert, d, row, main_band)
    _lighting(d, row)
    _cooling(d, row)
    _renewables(cert, d, row, geo)
    region = code(d, "region_code")
    # SAP 10.2 rates every dwelling on the UK-average climate; the local region rides along for costs
    row["climate_region"] = 0
    row["local_climate_region"] = region
    # Table 172 of the imported PCDB: the postcode district's own climate for the demand figures
    row["postcode_climate_region"] = products.district_code(d.get("postcode")) if products else None
    row["pcdb_fallback"] = pcdb
    row["pcdb_revision"] = products.revision if products is not None else None
    row["approximations"] = sorted(set(geo.approximations))
    fuel = items(_heating_node(d).get("main_heating_details"))
    row["main_fuel_register"] = code(fuel[0], "main_fuel_type") if fuel else None
    return row


def _internal_dimensions(
    form: int | None, p_ext: float, a_ext: float, w: float
) -> tuple[float | None, float | None]:
    """Table S2 (RdSAP 2012 S3.5, carried into RdSAP 10 section 4.4): internal perimeter and area of one
    level from its external perimeter and area and the wall thickness w (m). None: no equation."""
    if p_ext <= 0:
        return None, None
    if form == 1:  # detached
        p_int = p_ext - 8.0 * w
        return p_int, a_ext - w * p_int - 4.0 * w * w
    if form in (2, 3):  # semi-detached, end-terrace
        if p_ext * p_ext > 8.0 * a_ext:
            a = 0.5 * (p_ext - math.sqrt(p_ext * p_ext - 8.0 * a_ext))
            return p_ext - 5.0 * w, a_ext - w * (p_ext + 0.5 * a) + 3.0 * w * w
        return p_ext - 3.0 * w, a_ext - w * p_ext + 3.0 * w * w
    if form == 4:  # mid-terrace
        return p_ext - 2.0 * w, a_ext - w * (p_ext + 2.0 * a_ext / p_ext) + 2.0 * w * w
    if form == 6:  # enclosed mid-terrace
        return p_ext - w, a_ext - w * (a_ext / p_ext + 1.5 * p_ext) + 1.5 * w * w
    return None, None


def _living_fraction(d: Mapping[str, Any]) -> float:
    rooms = code(d, "habitable_room_count") or 1
    table = t.living_area_fraction()
    return table[min(max(rooms, 1), max(table))]


def _living_area(d: Mapping[str, Any], tfa: float) -> float:
    """Living area = Table 27 fraction x TFA (RdSAP 10 section 9.2, p.52), rounded half up to 2 d.p. as an
    area passed to SAP (section 15, p.66: "all internal floor areas and living area: 2 d.p."); so the
    worksheet's (91) is e.g. 17.04 / 56.79 = 0.3001, not 0.30 (HM cd94da4d, 61c215bf: worksheet-matched).
    Decimal arithmetic keeps products on the .005 boundary (0.30 x 45.65 = 13.695 -> 13.70)."""
    area = Decimal(str(_living_fraction(d))) * Decimal(f"{tfa:.6f}")
    return float(area.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class _Geometry:
    """Dimensions and heat-loss elements of all building parts (RdSAP 10 sections 3-5)."""

    def __init__(
        self, cert: _Cert, d: Mapping[str, Any], parts: list[Mapping[str, Any]], band: str, is_house: bool
    ) -> None:
        self.cert, self.d, self.parts, self.band, self.is_house = cert, d, parts, band, is_house
        self.storey_area: list[float] = []
        self.storey_height: list[float] = []
        self.storeys = 1
        self.wall_area: list[float] = []
        self.wall_u: list[float] = []
        self.wall_host: list[tuple[int, int]] = []  # (part index, window_wall_type code) per wall element
        self.roof_area: list[float] = []
        self.roof_u: list[float] = []
        self.roof_host: list[tuple[int, int]] = []  # (part index, 1 main roof / 4 room-in-roof roof)
        self.floor_area: list[float] = []
        self.floor_u: list[float] = []
        self.party_area: list[float] = []
        self.party_u: list[float] = []
        self.suspended_timber = 0
        self.gross_roof = 0.0
        self.part_floor_area: list[float] = []  # per building part, storeys below any room in roof
        self.corridor_wall: int | None = None  # index of a flat's sheltered wall to an unheated corridor
        # approximation codes (approximations.csv) for lodged geometry reconciled by the RdSAP conventions
        self.approximations: list[str] = []

    def fail(self, field: str, value: object, reason: str) -> UnsupportedInput:
        return self.cert.fail(field, value, reason)

    def _storeys(self) -> list[list[Mapping[str, Any]]]:
        """Each part's storeys, lowest first (room-in-roof level 99 excluded), converted to internal
        dimensions when the certificate was measured externally."""
        out = []
        for p_index, part in enumerate(self.parts):
            floors = sorted(items(part.get("sap_floor_dimensions")), key=lambda f: code(f, "floor") or 0)
            floors = [f for f in floors if code(f, "floor") != 99]
            if not floors:
                raise self.fail(f"sap_building_parts[{p_index}].sap_floor_dimensions", None, "no storeys")
            out.append(floors)
        if code(self.d, "measurement_type") == 2:
            out = self._to_internal(out)
        return out

    def _to_internal(self, parts: list[list[Mapping[str, Any]]]) -> list[list[Mapping[str, Any]]]:
        """RdSAP section 4.4 (RdSAP 2012 S3.5, Table S2): external area and perimeter -> internal, level by
        level over the whole dwelling, with the main part's wall thickness; party walls lose 2w."""
        main = self.parts[0]
        wall_type = fabric.WALL_TYPES.get(code(main, "wall_construction") or 0)
        w_mm = num(main, "wall_thickness") or (
            t.wall_thickness().get((wall_type, self.band)) if wall_type else None
        )
        if not w_mm:
            raise self.fail(
                "sap_building_parts[0].wall_thickness", None, "external measurements need a wall thickness"
            )
        w = w_mm / 1000.0
        form = code(self.d, "built_form")
        levels: dict[int, list[tuple[int, int]]] = {}
        for p, floors in enumerate(parts):
            for i, f in enumerate(floors):
                levels.setdefault(code(f, "floor") or 0, []).append((p, i))
        out: list[list[Mapping[str, Any]]] = [[dict(f) for f in floors] for floors in parts]
        for members in levels.values():
            p_ext = sum(num(parts[p][i], "heat_loss_perimeter") or 0.0 for p, i in members)
            a_ext = sum(num(parts[p][i], "total_floor_area") or 0.0 for p, i in members)
            p_int, a_int = _internal_dimensions(form, p_ext, a_ext, w)
            if a_ext <= 0 or p_int is None or a_int is None or a_int <= 0:
                raise self.fail(
                    "built_form", form, "external measurements: no Table S2 conversion for this level"
                )
            for p, i in members:
                f = out[p][i]
                assert isinstance(f, dict)
                f["total_floor_area"] = (num(parts[p][i], "total_floor_area") or 0.0) * a_int / a_ext
                f["heat_loss_perimeter"] = (num(parts[p][i], "heat_loss_perimeter") or 0.0) * p_int / p_ext
                pwl = num(parts[p][i], "party_wall_length") or 0.0
                f["party_wall_length"] = max(pwl - 2.0 * w, 0.0)
        return out

    def build(self) -> None:
        add = t.constants()["upper_storey_height_addition_m"]
        storeys = self._storeys()
        for p_index, part in enumerate(self.parts):
            where = f"sap_building_parts[{p_index}]"
            band = _band(self.cert, part.get("construction_age_band"), f"{where}.construction_age_band")
            floors = storeys[p_index]
            gross = party = 0.0
            max_area = 0.0
            for i, f in enumerate(floors):
                area = num(f, "total_floor_area")
                height = num(f, "room_height")
                if area is None or area <= 0:
                    raise self.fail(
                        f"{where}.sap_floor_dimensions[{i}].total_floor_area", area, "must be > 0"
                    )
                if height is None or height <= 0:
                    raise self.fail(f"{where}.sap_floor_dimensions[{i}].room_height", height, "must be > 0")
                storey_h = height + (add if i > 0 else 0.0)
                self.storey_area.append(area)
                self.storey_height.append(storey_h)
                gross += (num(f, "heat_loss_perimeter") or 0.0) * storey_h
                party += (num(f, "party_wall_length") or 0.0) * storey_h
                max_area = max(max_area, area)
            self.storeys = max(self.storeys, len(floors))
            self.part_floor_area.append(sum(num(f, "total_floor_area") or 0.0 for f in floors))
            wall_u = self._wall_u(part, band, where)
            rir = part.get("sap_room_in_roof")
            rir_area = num(rir, "floor_area") if isinstance(rir, Mapping) else None
            # alternative walls take their area out of the part's main wall
            for k in (1, 2):
                alt = part.get(f"sap_alternative_wall_{k}")
                if not isinstance(alt, Mapping):
                    continue
                a = num(alt, "wall_area") or 0.0
                u = self._wall_u(alt, band, f"{where}.sap_alternative_wall_{k}")
                if flag(alt, "sheltered_wall", False):
                    u = fabric.sheltered(u)
                gross -= a
                self._wall(a, u, p_index, 1 + k)
            self._wall(gross, wall_u, p_index, 1)
            if party > 0:
                self.party_area.append(party)
                self.party_u.append(self._party_u(part, where))
            self._corridor(p_index, floors, wall_u)
            self._roof(part, band, where, p_index, max_area - (rir_area or 0.0))
            if rir_area:
                self._room_in_roof(part, rir, band, where, p_index, wall_u)
            self._floor(part, band, where, floors[0], p_index)

    def _wall(self, area: float, u: float, part: int, host: int) -> None:
        self.wall_area.append(area)
        self.wall_u.append(u)
        self.wall_host.append((part, host))

    def _wall_u(self, w: Mapping[str, Any], band: str, where: str) -> float:
        lodged = num(w, "wall_u_value")
        if lodged is not None:
            return lodged
        construction = code(w, "wall_construction")
        try:
            raw = _v(w.get("wall_insulation_thickness"))
            if isinstance(raw, str) and raw.strip().lower() == "measured":
                # the register's code for a measured insulation thickness, lodged in its own field
                ins_mm = num(w, "wall_insulation_thickness_measured")
                if ins_mm is None or ins_mm < 0:
                    raise FabricError(
                        "wall_insulation_thickness_measured", ins_mm, "'measured' without the thickness"
                    )
            else:
                ins_mm = fabric.thickness_mm(raw)
            return fabric.wall_u(
                construction or 0,
                code(w, "wall_insulation_type"),
                band,
                insulation_mm=ins_mm,
                thickness=num(w, "wall_thickness"),
                thickness_measured=bool(flag(w, "wall_thickness_measured", False)),
                dry_lined=bool(flag(w, "wall_dry_lined", False)),
                conductivity=code(w, "wall_insulation_thermal_conductivity"),
            )
        except FabricError as e:
            raise self.fail(f"{where}.{e.field}", e.value, e.reason) from None

    def _party_u(self, part: Mapping[str, Any], where: str) -> float:
        c = code(part, "party_wall_construction")
        table = t.party_wall_u()
        if c is None:
            # "NA" / "NI" / missing with a party-wall length lodged: the construction is not known, which is
            # Table 15's "unable to determine" row
            c = 0
        if c not in table:
            raise self.fail(f"{where}.party_wall_construction", c, "not in Table 15")
        house_u, flat_u = table[c]
        return house_u if self.is_house else flat_u

    def _corridor(self, p_index: int, floors: list[Mapping[str, Any]], wall_u: float) -> None:
        """A flat's wall to an unheated corridor or stairwell: sheltered wall carved from the main wall."""
        if p_index != 0 or self.is_house:
            return
        flat = self.d.get("sap_flat_details")
        if not isinstance(flat, Mapping) or code(flat, "heat_loss_corridor") not in (2, 3):
            return
        length = num(flat, "unheated_corridor_length") or 0.0
        perimeter = num(floors[0], "heat_loss_perimeter") or 0.0
        if length > perimeter + 0.01:
            # the corridor wall is part of the heat-loss perimeter: a longer lodged length is capped at it
            length = perimeter
            self.approximations.append("corridor_longer_than_perimeter")
        area = length * self.storey_height[0]
        if area > self.wall_area[-1] + 0.01:
            # alternative walls already took part of this storey: the corridor keeps what is left
            area = max(self.wall_area[-1], 0.0)
            self.approximations.append("corridor_longer_than_perimeter")
        if area <= 0:
            return
        self.wall_area[-1] -= area
        self.corridor_wall = len(self.wall_area)
        self._wall(area, fabric.sheltered(wall_u), p_index, 1)

    def _roof(self, part: Mapping[str, Any], band: str, where: str, p_index: int, area: float) -> None:
        construction = code(part, "roof_construction")
        if construction in NO_ROOF_LOSS or area <= 0:
            return
        if construction == 9:
            raise self.fail(f"{where}.roof_construction", 9, "non-residential space above not implemented")
        lodged = num(part, "roof_u_value")
        if lodged is None:
            location = code(part, "roof_insulation_location")
            raw = (
                part.get("roof_insulation_thickness")
                or part.get("rafter_insulation_thickness")
                or part.get("flat_roof_insulation_thickness")
                or part.get("sloping_ceiling_insulation_thickness")
            )
            try:
                lodged = fabric.roof_u(
                    construction or 0, location, band, insulation_mm=fabric.thickness_mm(_v(raw))
                )
            except FabricError as e:
                raise self.fail(
                    f"{where}.{e.field}", e.value if e.field != "insulation_thickness" else raw, e.reason
                ) from None
        self.roof_area.append(area)
        self.roof_u.append(lodged)
        self.roof_host.append((p_index, 1))

    def _room_in_roof(
        self,
        part: Mapping[str, Any],
        rir: Mapping[str, Any],
        band: str,
        where: str,
        p_index: int,
        wall_u: float,
    ) -> None:
        """Simplified room in roof (RdSAP 10 sections 3.9.1-3.9.2).

        Flat ceiling = the room-in-roof floor area (roof); the rest of the shell A_RR = perimeter of a 1.5:1
        rectangle of that area x 2.5 m (= 12.5 sqrt(A/1.5)). Type 1 lodges gables (length x 2.45 m);
        type 2 also common walls under 1.8 m: common wall L x (0.25 + H), gable L x (0.25 + Hg) less
        (Hg - Hc)^2 / 2 for each common wall. Gables and common walls leave A_RR and take the wall U of the
        part below (Table 4); party gables go to party walls, sheltered ones get R 0.5, gables to heated
        space lose nothing; what is left of A_RR takes the room-in-roof U (Table 18 column 4).
        """
        c = t.constants()
        area = num(rir, "floor_area") or 0.0
        rr_band = band
        if rir.get("construction_age_band"):
            rr_band = _band(
                self.cert, rir.get("construction_age_band"), f"{where}.sap_room_in_roof.construction_age_band"
            )
        self.storey_area.append(area)
        self.storey_height.append(c["room_in_roof_storey_height_m"])
        self.storeys += 1 if p_index == 0 else 0
        construction = code(part, "roof_construction") or 4
        try:
            rr_u = fabric.roof_u(construction, None, rr_band, room_in_roof=True)
        except FabricError as e:
            raise self.fail(f"{where}.sap_room_in_roof.{e.field}", e.value, e.reason) from None
        details = rir.get("room_in_roof_details")
        if isinstance(details, Mapping) and details:
            self._room_in_roof_detailed(
                part, details, rr_u, f"{where}.sap_room_in_roof.room_in_roof_details", p_index, wall_u
            )
            return
        self.roof_area.append(area)
        self.roof_u.append(rr_u)
        self.roof_host.append((p_index, 4))
        ratio = c["room_in_roof_aspect_ratio"]
        short = math.sqrt(area / ratio)
        shell = 2.0 * (short + ratio * short) * c["room_in_roof_wall_height_m"]
        type1 = rir.get("room_in_roof_type_1")
        type2 = rir.get("room_in_roof_type_2")
        spec = type2 if isinstance(type2, Mapping) and type2 else type1
        if not isinstance(spec, Mapping):
            self._wall(shell, rr_u, p_index, 4)
            return
        is_type2 = spec is type2
        rr_where = f"{where}.sap_room_in_roof.room_in_roof_type_{2 if is_type2 else 1}"
        carved = 0.0
        common_heights: list[float] = []
        if is_type2:
            for k in (1, 2):
                length = num(spec, f"common_wall_length_{k}")
                height = num(spec, f"common_wall_height_{k}")
                if not length:
                    continue
                if height is None:
                    raise self.fail(
                        f"{rr_where}.common_wall_height_{k}", None, "common wall without a height"
                    )
                common_heights.append(height)
                c_area = length * (0.25 + height)
                carved += c_area
                self._wall(c_area, wall_u, p_index, 6 + k)
        for k in (1, 2):
            length = num(spec, f"gable_wall_length_{k}")
            if not length:
                continue
            if is_type2:
                g_height = num(spec, f"gable_wall_height_{k}")
                if g_height is None:
                    raise self.fail(
                        f"{rr_where}.gable_wall_height_{k}", None, "type-2 gable without a height"
                    )
                g_area = length * (0.25 + g_height) - sum((g_height - h) ** 2 / 2.0 for h in common_heights)
            else:
                g_area = length * c["room_in_roof_storey_height_m"]
            g_area = max(g_area, 0.0)
            carved += g_area
            g_type = code(spec, f"gable_wall_type_{k}") or 0
            g_u = num(spec, f"gable_wall_u_value_{k}")
            if g_type == 1:
                self.party_area.append(g_area)
                self.party_u.append(self._party_u(part, where))
            elif g_type == 3:
                continue  # connected to heated space: no loss
            else:
                u = g_u if g_u is not None else wall_u  # Table 4: exposed gable takes the wall's U
                self._wall(g_area, fabric.sheltered(u) if g_type == 2 else u, p_index, 4 + k)
        self._wall(max(shell - carved, 0.0), rr_u, p_index, 4)

    # detailed surface -> (element, Table 16 ladder used when only an insulation thickness is lodged)
    _RR_SURFACES = (
        ("flat_ceiling", "roof", "joists"),
        ("slope", "roof", "rafters"),
        ("stud_wall", "wall", "rafters"),
        ("gable_wall", "gable", None),
        ("common_wall", "common", None),
    )

    def _room_in_roof_detailed(
        self,
        part: Mapping[str, Any],
        det: Mapping[str, Any],
        rr_u: float,
        where: str,
        p_index: int,
        wall_u: float,
    ) -> None:
        """Detailed room in roof (RdSAP 10 section 3.10): every lodged surface is length x height. U-value:
        lodged; else from a lodged insulation thickness (flat ceiling: Table 16 joists; slopes and stud
        walls: Table 16 rafters; 0 mm: uninsulated); else the room-in-roof default (Table 18 col 4).
        Gables and common walls take the part's wall U (Table 4) unless lodged."""
        for name, element, ladder in self._RR_SURFACES:
            for k in (1, 2):
                length = num(det, f"{name}_length_{k}")
                height = num(det, f"{name}_height_{k}")
                if not length and not height:
                    continue
                if not length or not height or length < 0 or height < 0:
                    raise self.fail(
                        f"{where}.{name}_length_{k}", length, f"{name} needs a length and a height"
                    )
                s_area = length * height
                u = num(det, f"{name}_u_value_{k}")
                if u is None and ladder is not None:
                    raw = _v(det.get(f"{name}_insulation_thickness_{k}"))
                    try:
                        mm = fabric.thickness_mm(raw)
                    except FabricError as e:
                        raise self.fail(f"{where}.{name}_insulation_thickness_{k}", raw, e.reason) from None
                    if mm is None:
                        u = rr_u
                    else:
                        u = fabric.round2(t.interpolate(t.roof_u_by_thickness()[ladder], mm))
                if element == "roof":
                    self.roof_area.append(s_area)
                    self.roof_u.append(u if u is not None else rr_u)
                    self.roof_host.append((p_index, 4))
                elif element == "wall":
                    self._wall(s_area, u if u is not None else rr_u, p_index, 4)
                elif element == "common":
                    self._wall(s_area, u if u is not None else wall_u, p_index, 6 + k)
                else:
                    g_type = code(det, f"gable_wall_type_{k}") or 0
                    if g_type == 1:
                        self.party_area.append(s_area)
                        self.party_u.append(self._party_u(part, where))
                    elif g_type != 3:
                        gu = u if u is not None else wall_u
                        self._wall(s_area, fabric.sheltered(gu) if g_type == 2 else gu, p_index, 4 + k)

    def _floor(
        self, part: Mapping[str, Any], band: str, where: str, lowest: Mapping[str, Any], p_index: int
    ) -> None:
        heat_loss = code(part, "floor_heat_loss")
        if heat_loss in NO_FLOOR_LOSS:
            return
        if heat_loss is None:
            heat_loss = GROUND_FLOOR if self.is_house else None
            if heat_loss is None:
                raise self.fail(f"{where}.floor_heat_loss", None, "flat without floor heat-loss type")
        area = num(lowest, "total_floor_area") or 0.0
        lodged = num(part, "floor_u_value")
        construction_code = code(lowest, "floor_construction")
        if p_index == 0 and heat_loss == GROUND_FLOOR and construction_code == 2:
            # (12): suspended timber ground floor; retro-fitted insulation counts as sealed
            self.suspended_timber = 2 if code(lowest, "floor_insulation") == 2 else 1
        if lodged is None:
            raw = _v(part.get("floor_insulation_thickness"))
            try:
                ins = fabric.thickness_mm(raw)
            except FabricError as e:
                raise self.fail(f"{where}.floor_insulation_thickness", raw, e.reason) from None
            default_mm, default_construction = t.floor_defaults()[band]
            if heat_loss == GROUND_FLOOR:
                if construction_code == 4:
                    raise self.fail(f"{where}.floor_construction", 4, "basement floor not implemented")
                construction = {1: "solid", 2: "suspended", 3: "suspended"}.get(
                    construction_code or 0,
                    "suspended" if default_construction.startswith("suspended") else "solid",
                )
                if ins is None:
                    ins = max(default_mm, 50.0) if code(lowest, "floor_insulation") == 2 else default_mm
                w = (
                    num(part, "wall_thickness")
                    or t.wall_thickness().get(
                        (fabric.WALL_TYPES.get(code(part, "wall_construction") or 0, "cavity"), band)
                    )
                    or 250.0
                )
                lodged = fabric.ground_floor_u(
                    area, num(lowest, "heat_loss_perimeter") or 0.0, w, construction, ins
                )
            else:
                as_built, insulated = t.exposed_floor_u()[band]
                if self.d.get("country_code") == "WLS":
                    # Table 20 has a Wales column; it differs from England only at band M (0.15, OHL)
                    as_built = t.exposed_floor_u_wales()[band]
                lodged = as_built if not ins else min(insulated, as_built)
        self.floor_area.append(area)
        self.floor_u.append(lodged)

    def deduct_openings(self, windows: list[_Opening]) -> None:
        """Take each opening's area out of the element that hosts it (section 3.7).

        A window lodged against a wall (or roof) its building part does not have goes to the part's main
        wall, the RdSAP 10 convention (approximation ``window_on_missing_wall``); a part with no wall at all
        (a lodged ``window_location`` beyond the walls built) sends it to the main part's main wall.
        """
        for w in windows:
            if w.host is None:
                continue
            part, kind = w.host
            if w.pitch < 70:
                target = [i for i, h in enumerate(self.roof_host) if h == (part, 4 if kind == 4 else 1)]
                areas = self.roof_area
            else:
                target = [i for i, h in enumerate(self.wall_host) if h == (part, kind)]
                areas = self.wall_area
            if not target:
                target = self._main_wall_of(part)
                areas = self.wall_area
                self.approximations.append("window_on_missing_wall")
            if not target:
                raise self.fail("sap_windows.window_location", part, "window has no wall or roof to sit in")
            areas[target[0]] -= w.area

    def _main_wall_of(self, part: int) -> list[int]:
        """Wall elements to hold an opening of ``part``: its main wall first, then its other walls; a part
        without walls falls back to the main part's, then to any wall."""
        for p in (part, 0):
            own = [i for i, h in enumerate(self.wall_host) if h[0] == p]
            if own:
                return sorted(own, key=lambda i: self.wall_host[i] != (p, 1))
        return list(range(len(self.wall_area)))

    def check_net_areas(self) -> None:
        """Openings larger than the element holding them: the excess moves to the part's other walls
        (main wall first), then the dwelling's; what is still left over is dropped (net area 0). The
        lodged openings are kept whole (approximation ``openings_exceed_wall``, never a refusal)."""
        for areas, hosts in ((self.wall_area, self.wall_host), (self.roof_area, self.roof_host)):
            for i, a in enumerate(areas):
                if a >= -0.01:
                    continue
                self.approximations.append("openings_exceed_wall")
                deficit = -a
                areas[i] = 0.0
                if areas is self.wall_area:
                    part = hosts[i][0]
                    order = self._main_wall_of(part) + self._main_wall_of(0)
                    for j in order:
                        if deficit <= 0:
                            break
                        take = min(max(self.wall_area[j], 0.0), deficit)
                        self.wall_area[j] -= take
                        deficit -= take

    def deduct_from_main_wall(self, area: float) -> None:
        for i, h in enumerate(self.wall_host):
            if h == (0, 1):
                self.wall_area[i] -= area
                return
        raise self.fail("door_count", area, "no main wall to hold the doors")


def _windows(
    cert: _Cert, d: Mapping[str, Any], geo: _Geometry, tfa: float, band: str, is_house: bool
) -> list[_Opening]:
    c = t.constants()
    out: list[_Opening] = []
    measured = items(d.get("sap_windows"))
    for i, w in enumerate(measured):
        where = f"sap_windows[{i}]"
        width, height = num(w, "window_width"), num(w, "window_height")
        if width is None and height is None and num(w, "window_area"):
            width, height = num(w, "window_area"), 1.0  # pre-RdSAP-10 schemas lodge the area itself
        if not width or not height or width <= 0 or height <= 0:
            raise cert.fail(f"{where}.window_width", width, "measured window needs width and height > 0")
        roof_window = code(w, "window_type") == 2
        tx = w.get("window_transmission_details")
        u = num(tx, "u_value") if isinstance(tx, Mapping) else None
        g = num(tx, "solar_transmittance") if isinstance(tx, Mapping) else None
        if u is None or g is None:
            gt = code(w, "glazing_type")
            try:
                location = code(w, "window_location") or 0
                if not 0 <= location < len(geo.parts):
                    raise cert.fail(f"{where}.window_location", location, "no such building part")
                part = geo.parts[location]
                u_t, g_t = fabric.window_u_g(
                    gt or 0,
                    roof_window,
                    _v(w.get("glazing_gap")),
                    flag(w, "pvc_frame"),
                    str(_v(part.get("construction_age_band")) or band),
                )
            except FabricError as e:
                raise cert.fail(f"{where}.{e.field}", e.value, e.reason) from None
            u = u if u is not None else u_t
            g = g if g is not None else g_t
        ff = num(w, "frame_factor") or c["window_frame_factor"]
        orientation = code(w, "orientation") or 0
        pitch = c["roof_window_pitch_deg"] if roof_window else 90.0
        if orientation == 9:
            pitch = 0.0
        host = (code(w, "window_location") or 0, code(w, "window_wall_type") or (4 if roof_window else 1))
        for o in _orientations(orientation):
            out.append(
                _Opening(
                    width * height * o[1], u, g, ff, o[0], pitch, host, _g_light(code(w, "glazing_type"))
                )
            )
    if measured or str(d.get("schema_type", "")).startswith("RdSAP-Schema-21."):
        return out  # RdSAP 10 measures every window: none lodged means none
    # older schemas: Table 22 default area, glazing from the dwelling-wide data
    glazed = code(d, "glazed_area")
    if glazed not in (None, 1, 2, 3):
        raise cert.fail("glazed_area", glazed, "much more / much less than typical needs measured windows")
    coef, const = t.window_area_formula()[(band, is_house)]
    # more / less than typical: +/- 25 % (RdSAP 2012 S3.7.1)
    area = max(coef * tfa + const, 0.0) * {2: 1.25, 3: 0.75}.get(glazed or 1, 1.0)
    tx = d.get("windows_transmission_details")
    u = num(tx, "u_value") if isinstance(tx, Mapping) else None
    g = num(tx, "solar_transmittance") if isinstance(tx, Mapping) else None
    gt = code(d, "multiple_glazing_type") or code(d, "glazing_type")
    if u is None or g is None:
        if gt is None:
            raise cert.fail(
                "sap_windows", None, "no measured windows and no glazing type / transmission data"
            )
        try:
            u_t, g_t = fabric.window_u_g(gt, False, band=band)
        except FabricError as e:
            raise cert.fail(f"{e.field}", e.value, e.reason) from None
        u = u if u is not None else u_t
        g = g if g is not None else g_t
    share = num(d, "multiple_glazed_proportion", 100.0) or 0.0
    share = min(max(share, 0.0), 100.0) / 100.0
    single_u, single_g = fabric.window_u_g(5, False)
    # RdSAP 2012 S3.7.1: the area is shared between the parts pro rata to floor area, each part's share
    # capped at 90 % of its facade (main wall net of alternative walls, and of the doors in the main part)
    door_area = (code(d, "door_count") or 0) * c["door_area_m2"]
    total_floor = sum(geo.part_floor_area) or 1.0
    placed = 0.0
    for p_index, floor_area in enumerate(geo.part_floor_area):
        for i, h in enumerate(geo.wall_host):
            if h == (p_index, 1):
                facade = geo.wall_area[i] - (door_area if p_index == 0 else 0.0)
                part_area = min(area * floor_area / total_floor, max(0.9 * facade, 0.0))
                geo.wall_area[i] -= part_area
                placed += part_area
                break
    for glazed, (uu, gg) in ((share, (u, g)), (1.0 - share, (single_u, single_g))):
        if glazed <= 0:
            continue
        for o in _orientations(0):
            gl = _g_light(gt) if glazed == share else _g_light(5)
            out.append(
                _Opening(placed * glazed * o[1], uu, gg, c["window_frame_factor"], o[0], 90.0, None, gl)
            )
    return out


SINGLE_GLAZING = (5, 15)
TRIPLE_GLAZING = (6, 8, 9, 10, 14)


def _g_light(glazing_type: int | None) -> float:
    """Table 6b light transmittance by glazing: single 0.90, triple 0.70, otherwise double 0.80."""
    if glazing_type in SINGLE_GLAZING:
        return 0.90
    if glazing_type in TRIPLE_GLAZING:
        return 0.70
    return 0.80


def _orientations(code_: int) -> list[tuple[int, float]]:
    """Orientation 0 (unknown): half East, half West (RdSAP convention for unknown orientation)."""
    if code_ in range(1, 10):
        return [(code_, 1.0)]
    return [(3, 0.5), (7, 0.5)]


def _doors(
    cert: _Cert, d: Mapping[str, Any], geo: _Geometry, band: str, property_type: int | None
) -> list[tuple[float, float]]:
    n = code(d, "door_count")
    if n is None:
        n = 1 if property_type not in HOUSE_TYPES else 2  # RdSAP default door count (UNCONFIRMED)
    if not 0 <= n <= MAX_DOORS:
        raise cert.fail("door_count", n, f"outside 0-{MAX_DOORS}")
    area = t.constants()["door_area_m2"]
    insulated = min(code(d, "insulated_door_count") or 0, n)
    ins_u = num(d, "insulated_door_u_value")
    outside_u, corridor_u = t.door_u()[band]
    flat = d.get("sap_flat_details")
    corridor = isinstance(flat, Mapping) and code(flat, "heat_loss_corridor") in (2, 3)
    out: list[tuple[float, float]] = []
    for k in range(n):
        u = ins_u if k < insulated and ins_u else corridor_u if corridor and k == 0 else outside_u
        out.append((area, u))
    if n and corridor and geo.corridor_wall is not None:
        # the door to the corridor sits in the sheltered wall, the others in the main wall (section 3.7)
        geo.wall_area[geo.corridor_wall] -= area
        n -= 1
    if n:
        geo.deduct_from_main_wall(area * n)
    return out


def _heating_node(d: Mapping[str, Any]) -> Mapping[str, Any]:
    h = d.get("sap_heating")
    return h if isinstance(h, Mapping) else {}


def _ventilation(
    cert: _Cert, d: Mapping[str, Any], row: dict[str, Any], built_form: int | None, band: str, geo: _Geometry
) -> bool:
    rooms = code(d, "habitable_room_count") or 1
    fans = code(d, "extract_fans_count")
    if fans is None:
        # RdSAP default when not recorded: none before 1983, then by habitable rooms (UNCONFIRMED)
        fans = 0 if band in "ABCDEF" else (1 if rooms <= 2 else 2 if rooms <= 5 else 3 if rooms <= 8 else 4)
    open_chimneys = code(d, "open_chimneys_count")
    if open_chimneys is None:
        open_chimneys = code(d, "open_fireplaces_count") or 0
    row.update(
        open_chimneys=open_chimneys,
        open_flues=code(d, "open_flues_count") or 0,
        closed_fire_chimneys=code(d, "closed_flues_count") or 0,
        solid_fuel_boiler_flues=code(d, "boilers_flues_count") or 0,
        other_heater_flues=code(d, "other_flues_count") or 0,
        blocked_chimneys=code(d, "blocked_chimneys_count") or 0,
        intermittent_fans=fans,
        passive_vents=code(d, "psv_count") or 0,
        flueless_gas_fires=code(d, "flueless_gas_fires_count") or 0,
        draught_lobby=bool(flag(d, "has_draught_lobby", False)),
        sheltered_sides=SHELTERED_SIDES.get(built_form or 0, 2),
    )
    pct = num(d, "percent_draughtproofed")
    if pct is None:
        wins = items(d.get("sap_windows"))
        pct = 100.0 * sum(bool(flag(w, "draught_proofed", False)) for w in wins) / len(wins) if wins else 0.0
    row["windows_draughtproofed_pct"] = min(max(pct, 0.0), 100.0)
    test = code(d, "pressure_test")
    if test == 6:
        row["air_permeability_q50"] = num(d, "air_permeability")
    elif test == 7:
        q4 = num(d, "air_permeability")
        if q4 is None:
            raise cert.fail("air_permeability", None, "pressure test at 4 Pa without a result")
        # SAP 10.2 section 2.3: q50 from a low-pressure pulse test (UNCONFIRMED coefficients)
        row["air_permeability_q50"] = 5.254 * q4**0.9241
    mv = code(d, "mechanical_ventilation") or 0
    if mv not in VENTILATION:
        raise cert.fail("mechanical_ventilation", mv, "unknown ventilation code")
    row["ventilation_type"] = VENTILATION[mv]
    return mv != 0 and d.get("mechanical_ventilation_index_number") not in (None, "", 0)


def _cooling(d: Mapping[str, Any], row: dict[str, Any]) -> None:
    """Fixed air conditioning (RdSAP 10 data item, top level or under sap_heating). The register carries
    only the flag: cooled area and SEER stay null, so the worksheet refuses the certificate (the RdSAP 10
    defaults are not transcribed) rather than scoring it without its cooling."""
    row["has_fixed_air_conditioning"] = bool(
        flag(_heating_node(d), "has_fixed_air_conditioning", False)
        or flag(d, "has_fixed_air_conditioning", False)
    )


def _heating(
    cert: _Cert, d: Mapping[str, Any], row: dict[str, Any], band: str, products: ProductData | None = None
) -> bool:
    h = _heating_node(d)
    details = items(h.get("main_heating_details"))
    if not details:
        raise cert.fail("sap_heating.main_heating_details", None, "no main heating system")
    if len(details) > 1:
        raise cert.fail(
            "sap_heating.main_heating_details",
            len(details),
            "two main heating systems: INPUT_SCHEMA has no columns for main system 2",
        )
    m = details[0]
    where = "sap_heating.main_heating_details[0]"
    category = code(m, "main_heating_category")
    if category in (1, 12):
        raise cert.fail(
            f"{where}.main_heating_category",
            category,
            "no heating system: RdSAP assumed-heater rule not implemented",
        )
    fuel_reg = code(m, "main_fuel_type")
    sap_code = code(m, "sap_main_heating_code")
    pcdb = (
        m.get("main_heating_index_number") not in (None, "", 0) and code(m, "main_heating_data_source") == 1
    )
    if (
        sap_code is None
        and category == COMMUNITY_CATEGORY
        and m.get("community_heat_network_index_number") not in (None, "", 0)
    ):
        sap_code, pcdb = DEFAULT_NETWORK_CODE, True  # PCDB network record unavailable: RdSAP default boilers
    if pcdb:
        boiler = _pcdb_boiler(m, products)
        if boiler is not None:
            # SAP 10.2 D2.1: the product's seasonal efficiencies replace the Table 4b defaults; the Table 4b
            # row of the same kind keeps the type rules (combi loss, primary loss, Table 4c)
            sap_code = sap_code or boiler.table_4b_code()
            row["main_heating_efficiency_winter_pct"] = boiler.winter_efficiency_pct
            row["main_heating_efficiency_summer_pct"] = boiler.summer_efficiency_pct
            pcdb = sap_code is None  # found, but of a kind with no Table 4b row: still a fallback
    if sap_code is None and pcdb:
        sap_code = _pcdb_fallback_code(d, category, fuel_reg)
    if sap_code is None:
        raise cert.fail(
            f"{where}.sap_main_heating_code",
            None,
            "no SAP Table 4a/4b code (PCDB-only system; product database not available)",
        )
    if flag(m, "has_fghrs", False):
        # carried to the worksheet, which refuses it by its PCDB index (no Appendix G default exists)
        index = _v(m.get("fghrs_index_number"))
        row["fghrs_present"] = True
        row["fghrs_index_number"] = None if index in (None, "", 0) else str(index)
    control = code(m, "main_heating_control")
    if control is None:
        raise cert.fail(f"{where}.main_heating_control", None, "no control code")
    network = category == COMMUNITY_CATEGORY or sap_code in HEAT_NETWORK_CODES
    if network:
        fuel_reg, network_fallback = _heat_network(cert, d, m, row, where, fuel_reg)
        pcdb = pcdb or network_fallback
    emitter = code(m, "heat_emitter_type")
    row.update(
        main_heating_code=sap_code,
        main_heating_fuel=_fuel(cert, fuel_reg, f"{where}.main_fuel_type"),
        main_heating_control=control,
        heat_emitter_type=EMITTER.get(emitter if emitter is not None else 1, 1),
        flow_temperature_c=FLOW_TEMPERATURE.get(code(m, "emitter_temperature") or 0, 70.0),
        central_heating_pump_age=code(m, "central_heating_pump_age") or 0,
        main_heating_fraction=1.0,
        boiler_interlock=not (category == 2 and control in NO_INTERLOCK_CONTROLS),
    )
    if row["central_heating_pump_age"] not in (0, 1, 2):
        raise cert.fail(f"{where}.central_heating_pump_age", row["central_heating_pump_age"], "not 0-2")
    sec_code = code(h, "secondary_heating_type") or code(d, "secondary_heating_type")
    if sec_code:
        row["secondary_heating_code"] = sec_code
        sec_fuel = code(h, "secondary_fuel_type")
        row["secondary_heating_fuel"] = _fuel(cert, sec_fuel, "sap_heating.secondary_fuel_type")
    row["electricity_tariff"] = _tariff(cert, d, sap_code)
    # RdSAP 10 s19.1 (p.80-81): the ratings of an RdSAP assessment are costed with Table 32 prices
    row["price_table"] = 32
    return bool(pcdb)


COMMUNITY_CATEGORY = 6  # register main_heating_category: heat network (community scheme)
HEAT_NETWORK_CODES = range(301, 311)  # SAP 10.2 Table 4a heat networks
DEFAULT_NETWORK_CODE = 301  # heat-network boilers (UNCONFIRMED default for an unrecorded network)
FROM_NETWORK_DATA = 99  # register fuel: "from heat network data (community)", i.e. the PCDB record
COMMUNITY_MAINS_GAS = 20  # register fuel: mains gas (community)
SPACE_USES = (1, 3)  # SAP-CommunityHeatingUseCode: space heating only / space and water heating
UNKNOWN_DISTRIBUTION = 6  # SAP-HeatingDistributionCode "unknown" (RdSAP-Schema lodges 5, 6 or 9)


def _heat_network(
    cert: _Cert, d: Mapping[str, Any], m: Mapping[str, Any], row: dict[str, Any], where: str, fuel: int | None
) -> tuple[int | None, bool]:
    """Heat-network columns of the main system (Appendix C) -> (register fuel code, pcdb_fallback).

    The heat sources are not lodged in RdSAP: the worksheet takes the RdSAP 10 default sources of the
    Table 4a code. A lodged heat-network index number points at a PCDB record that is not available here,
    so the defaults stand in and ``pcdb_fallback`` is set; a network whose fuel is only "from heat network
    data" is then taken as mains-gas boilers (the RdSAP default for an unknown network; UNCONFIRMED, see
    docs/sap10/DEVIATIONS.md C3). Without a lodged distribution loss factor, an unknown (or unstated)
    distribution type takes the SAP 10.2 Table 12c default of the dwelling's age band (DEVIATIONS C8).
    """
    fallback = m.get("community_heat_network_index_number") not in (None, "", 0)
    dist = code(m, "community_heat_distribution_type")
    dlf = None
    # full-SAP style block (SapHeating.sap_community_heating_systems): the system that heats the space
    for c in items(_heating_node(d).get("sap_community_heating_systems")):
        if code(c, "community_heating_use") in SPACE_USES:
            dist = code(c, "community_heating_distribution_type") or dist
            dlf = num(c, "community_heating_distribution_loss_factor")
            fallback = fallback or c.get("heat_network_index_number") not in (None, "", 0)
            break
    if dist is not None:
        if dist not in (5, 6, 7, 8, 9):
            raise cert.fail(f"{where}.community_heat_distribution_type", dist, "not a distribution code 5-9")
        row["heat_network_distribution_type"] = dist
    if dlf:
        row["heat_network_distribution_loss_factor"] = dlf
    elif dist in (None, UNKNOWN_DISTRIBUTION):
        # RdSAP 10 (s10, Table 29) -> SAP 10.2 Table 12c: a network whose loss factor is not known takes the
        # default of the main building part's age band (UNCONFIRMED single source, DEVIATIONS C8); a lodged
        # network record would carry its own factor, but it is not available, so the default stands in too
        row["heat_network_distribution_loss_factor"] = heat_networks.distribution_loss_by_age_band()[
            row["age_band"]
        ]
    chp = code(m, "community_heat_chp_electricity_generation")
    if chp is not None:
        # Table 12f by CHP generation option: only the flexible-operation default row is transcribed
        raise cert.fail(
            f"{where}.community_heat_chp_electricity_generation", chp, "Table 12f rows not transcribed"
        )
    if fuel in (None, FROM_NETWORK_DATA):
        if not fallback:
            raise cert.fail(f"{where}.main_fuel_type", fuel, "network fuel unknown and no network record")
        fuel = COMMUNITY_MAINS_GAS
    return fuel, fallback


GAS_FUELS = (1, 2, 3, 17, 26, 27, 51)
OIL_FUELS = (4, 28, 18, 37)


def _pcdb_boiler(m: Mapping[str, Any], products: ProductData | None) -> Boiler | None:
    """The PCDB boiler a main system lodges by index, if the imported data hold it."""
    if products is None or code(m, "main_heating_category") == COMMUNITY_CATEGORY:
        return None
    return products.boiler(_v(m.get("main_heating_index_number")))


def _pcdb_fallback_code(d: Mapping[str, Any], category: int | None, fuel: int | None) -> int | None:
    """A PCDB boiler lodged without its SAP code: the Table 4b default for its kind (``pcdb_fallback``).

    Without the product record the type is read from the dwelling: no cylinder -> combi, else regular;
    condensing is not assumed (the non-condensing 1998-or-later rows). Other categories: no fallback.
    """
    if category != 2:
        return None
    h = _heating_node(d)
    combi = code(h, "cylinder_size") in (None, 1) and not flag(d, "has_hot_water_cylinder", False)
    if fuel in GAS_FUELS:
        return 103 if combi else 101
    if fuel in OIL_FUELS:
        return 129 if combi else 126
    return None


def _tariff(cert: _Cert, d: Mapping[str, Any], main_code: int) -> int:
    """Meter type -> tariff (RdSAP 10 section 12: a dual meter is 7- or 10-hour by the main system)."""
    src = d.get("sap_energy_source")
    meter = code(src, "meter_type") if isinstance(src, Mapping) else code(d, "meter_type")
    if meter in (None, 2, 3):
        return 1
    if meter == 4:
        return 4
    if meter == 5:
        return 5
    if meter == 6:
        return 3
    if meter != 1:
        raise cert.fail("sap_energy_source.meter_type", meter, "unknown meter type")
    if main_code == 192:
        return 3
    if main_code in STORAGE_HEATER_CODES or main_code in (193, 195, 421, 422):
        return 2
    if (
        main_code == 191
        or 211 <= main_code <= 224
        or 521 <= main_code <= 524
        or main_code in (691, 692, 693, 694, 699)
    ):
        return 3
    return 2


def _water(cert: _Cert, d: Mapping[str, Any], row: dict[str, Any], band: str) -> None:
    h = _heating_node(d)
    wh_code = code(h, "water_heating_code") or code(d, "water_heating_code") or 901
    row["water_heating_code"] = wh_code
    if wh_code not in (901, 902, 914):
        row["water_heating_fuel"] = _fuel(
            cert, code(h, "water_heating_fuel"), "sap_heating.water_heating_fuel"
        )
    size = code(h, "cylinder_size")
    has_cyl = flag(d, "has_hot_water_cylinder")
    volume: float | None = None
    if size in (2, 3, 4):
        volume = t.cylinder_volume()[str(size)]
    elif size == 6:
        volume = num(h, "cylinder_size_measured")
        if not volume:
            raise cert.fail(
                "sap_heating.cylinder_size_measured", volume, "measured cylinder without a volume"
            )
    elif size == 0:
        imm = code(h, "immersion_heating_type")
        vols = t.cylinder_volume()
        if imm == 1:
            volume = vols["no access: off-peak electric dual immersion"]
        elif row.get("main_heating_fuel") in (11, 12, 15, 20, 21, 23, 10):
            volume = vols["no access: from solid fuel boiler"]
        else:
            volume = vols["no access: otherwise"]
    elif size == 5:
        volume = _solar_store(h)[0]
        if not volume:
            raise cert.fail(
                "sap_heating.solar_water_heating_details.solar_volume_details.total_store_volume",
                volume,
                "cylinder size 5 refers to the solar store volume, which is not lodged",
            )
    elif has_cyl and size is None:
        raise cert.fail("sap_heating.cylinder_size", None, "cylinder present without a size")
    if volume:
        row["cylinder_volume_l"] = volume
        declared = num(h, "cylinder_heat_loss")
        if declared:
            row["cylinder_declared_loss_kwh_per_day"] = declared
        ins_type = code(h, "cylinder_insulation_type")
        ins_mm = num(h, "cylinder_insulation_thickness")
        if ins_type is None or ins_mm is None:
            row_def = next(r for r in t._rows("cylinder_insulation_defaults.csv") if r["age_band"] == band)
            ins_type = ins_type if ins_type is not None else int(row_def["insulation_type"])
            ins_mm = ins_mm if ins_mm is not None else float(row_def["insulation_mm"])
        if ins_type == 0:  # none: Table 2 at 0 mm gives the same loss for either type
            ins_type, ins_mm = 2, 0.0
        if ins_type not in (1, 2):
            raise cert.fail("sap_heating.cylinder_insulation_type", ins_type, "not 0-2")
        row["cylinder_insulation_type"] = ins_type
        row["cylinder_insulation_mm"] = ins_mm
        row["cylinder_thermostat"] = bool(flag(h, "cylinder_thermostat", False))
        row["primary_pipework_insulation"] = 1 if band in "ABCDEFGHIJ" else 4
    imm = code(h, "immersion_heating_type")
    if imm in (1, 2):
        row["immersion_type"] = imm
    elif (
        volume
        and row.get("electricity_tariff", 1) != 1
        and (wh_code == 903 or row.get("main_heating_fuel") == 30)
    ):
        row["immersion_type"] = 1  # RdSAP 10 section 10.5: with an off-peak meter a dual immersion is assumed
    # showers and baths (RdSAP 10 collects outlets; Appendix J flows by supply when not measured)
    outlets = items(h.get("shower_outlets"))
    mixer_flow = 7.0 if volume else 11.0  # vented cylinder 7 l/min, mains-pressure 11 l/min (UNCONFIRMED)
    mixers: list[float] = []
    mixer_wwhrs: list[int] = []  # INPUT_SCHEMA mixer_shower_wwhrs, one per mixer shower
    electric = 0
    # RdSAP-Schema-21 (RdSAP 10) lodges every shower outlet, so none lodged means no shower; older schemas
    # do not collect outlets and a mixer shower is assumed (UNCONFIRMED default)
    rdsap10 = str(d.get("schema_type", "")).startswith("RdSAP-Schema-21.")
    if not outlets and "shower_outlets" not in h and not rdsap10:
        mixers = [mixer_flow]
    for i, o in enumerate(outlets):
        kind = code(o, "shower_outlet_type")
        wwhrs = _shower_wwhrs(cert, h, o, i)
        if kind in (1, 0, None):
            mixers.append(mixer_flow)
            mixer_wwhrs.append(wwhrs)
        elif kind == 2:
            electric += 1
        elif kind == 3:
            mixers.append(mixer_flow)
            mixer_wwhrs.append(wwhrs)
            electric += 1
    row["mixer_shower_flow_l_per_min"] = mixers
    row["mixer_shower_wwhrs"] = mixer_wwhrs if any(mixer_wwhrs) else []
    row["electric_showers"] = electric
    baths = code(h, "number_baths")
    row["bath_present"] = True if baths is None else baths > 0
    baths_wwhrs = code(h, "number_baths_wwhrs") or 0
    if baths_wwhrs > 0:
        raise cert.fail(
            "sap_heating.number_baths_wwhrs", baths_wwhrs, "storage WWHRS (Appendix G4.2) not implemented"
        )
    _solar_water(cert, d, h, row, volume)


# ShowerWWHRSCode (RdSAP-Schema-21) -> INPUT_SCHEMA mixer_shower_wwhrs
SHOWER_WWHRS = {1: 0, 2: 1, 3: 2, 4: 3}
SOLAR_PITCH = {1: 0.0, 2: 30.0, 3: 45.0, 4: 60.0, 5: 90.0}  # SAP-VerticalPitchCode -> degrees
FLAT_PANEL = 2  # SAP-SolarCollectorTypeCode


def _shower_wwhrs(cert: _Cert, h: Mapping[str, Any], outlet: Mapping[str, Any], i: int) -> int:
    """The WWHRS a shower outlet drains through. A lodged WWHRS is refused: RdSAP 10 collects only its
    PCDB index, the product database is not available, and RdSAP has no default WWHRS (a system is
    entered only when found in the database)."""
    lodged = code(outlet, "shower_wwhrs")
    wwhrs = SHOWER_WWHRS.get(lodged if lodged is not None else 1)
    where = f"sap_heating.shower_outlets[{i}].shower_wwhrs"
    if wwhrs is None:
        raise cert.fail(where, lodged, "unknown ShowerWWHRSCode")
    if wwhrs == 3:
        raise cert.fail(where, lodged, "storage WWHRS (Appendix G4.2) not implemented")
    if wwhrs in (1, 2):
        node = h.get("instantaneous_wwhrs")
        index = _v(node.get(f"wwhrs_index_number{wwhrs}")) if isinstance(node, Mapping) else None
        raise cert.fail(
            f"sap_heating.instantaneous_wwhrs.wwhrs_index_number{wwhrs}",
            index,
            "WWHRS efficiency needs the PCDB record (not available; RdSAP 10 has no default WWHRS)",
        )
    return wwhrs


def _solar_store(h: Mapping[str, Any]) -> tuple[float | None, float | None, bool | None]:
    """Lodged solar store: (total store volume, dedicated solar volume, combined cylinder)."""
    details = h.get("solar_water_heating_details")
    if not isinstance(details, Mapping):
        return None, None, None
    vol = details.get("solar_volume_details")
    if not isinstance(vol, Mapping):
        return None, None, None
    return (
        num(vol, "total_store_volume"),
        num(vol, "dedicated_solar_volume"),
        flag(vol, "combined_cylinder"),
    )


def _solar_water(
    cert: _Cert, d: Mapping[str, Any], h: Mapping[str, Any], row: dict[str, Any], cylinder: float | None
) -> None:
    """Solar water heating (SAP 10.2 Appendix H inputs): lodged details where given, else the RdSAP 10
    section 10.11 Table 29 defaults (values and sources in sap10/tables/appendix_g_h_water.json)."""
    details = h.get("solar_water_heating_details")
    details = details if isinstance(details, Mapping) else {}
    if not (flag(d, "solar_water_heating", False) or details):
        return
    where = "sap_heating.solar_water_heating_details"
    table = water_extras.constants()["rdsap_table_29_solar"]
    assert isinstance(table, dict)
    if flag(details, "is_community_solar", False):
        raise cert.fail(f"{where}.is_community_solar", True, "community solar water heating not implemented")
    service = code(details, "service_provision")
    if service in (1, 2):
        raise cert.fail(
            f"{where}.service_provision", service, "solar space heating (H25)-(H29) not implemented"
        )
    area, eta0, a1, a2 = table["aperture_m2"], table["zero_loss_efficiency"], table["a1"], table["a2"]
    iam: float | None = table["incidence_angle_modifier"]
    loop: float | None = None
    loop_loss: float | None = None
    collector = details.get("solar_collector_details")
    collector = collector if isinstance(collector, Mapping) else {}
    area = num(collector, "aperture_area") or num(details, "solar_panel_aperture_area") or area
    if code(details, "solar_panel_collector_data_source") == 2:  # declared values
        eta0_pct = num(collector, "zero_loss_efficiency")
        a1 = num(collector, "linear_heat_loss_coefficient")  # type: ignore[assignment]
        a2 = num(collector, "second_order_heat_loss_coefficient")  # type: ignore[assignment]
        iam = num(details, "incidence_angle_modifier")
        for name, value in (
            ("solar_collector_details.zero_loss_efficiency", eta0_pct),
            ("solar_collector_details.linear_heat_loss_coefficient", a1),
            ("solar_collector_details.second_order_heat_loss_coefficient", a2),
            ("incidence_angle_modifier", iam),
        ):
            if value is None:
                raise cert.fail(f"{where}.{name}", None, "declared solar collector without this value")
        eta0 = eta0_pct / 100.0  # type: ignore[operator]
        loop = num(details, "collector_loop_efficiency")
        loop_loss = num(details, "overall_heat_loss")
    elif collector and code(collector, "collector_type") not in (None, FLAT_PANEL):
        raise cert.fail(
            f"{where}.solar_collector_details.collector_type",
            code(collector, "collector_type"),
            "default parameters of unglazed / evacuated-tube collectors (Table H1) not transcribed",
        )
    pitch_code = code(details, "solar_panel_collector_pitch")
    pitch = SOLAR_PITCH.get(pitch_code, table["pitch_deg"]) if pitch_code is not None else table["pitch_deg"]
    orientation = code(details, "solar_panel_collector_orientation") or table["orientation"]
    if pitch == 0.0:
        orientation = 9
    overshading = code(details, "solar_panel_collector_overshading") or table["overshading"]
    if overshading not in (1, 2, 3, 4):
        raise cert.fail(
            f"{where}.solar_panel_collector_overshading", overshading, "no Table H2 factor for this code"
        )
    total, dedicated, combined = _solar_store(h)
    if combined is None or not dedicated:
        # not lodged: the store shares the cylinder when there is one (dedicated third), else a separate
        # 75 l pre-heat store (Table 29; both UNCONFIRMED, see COVERAGE.md)
        combined = bool(cylinder)
        dedicated = round(cylinder * table["combined_store_share"]) if cylinder else table["separate_store_l"]
    elif combined and not cylinder:
        raise cert.fail(
            f"{where}.solar_volume_details.combined_cylinder", True, "combined store without a cylinder"
        )
    row.update(
        solar_collector_area_m2=area,
        solar_zero_loss_efficiency=eta0,
        solar_a1=a1,
        solar_a2=a2,
        solar_incidence_angle_modifier=iam,
        solar_loop_efficiency=loop,
        solar_loop_heat_loss_w_per_k=loop_loss,
        solar_orientation=orientation,
        solar_pitch_deg=pitch,
        solar_overshading=overshading,
        solar_dedicated_volume_l=dedicated,
        solar_combined_cylinder=combined,
        # Table 29: electric pump 75 kWh/year; a PV-powered pump uses no grid electricity
        solar_pump_kwh_per_year=0.0 if code(details, "solar_water_pump") == 2 else table["pump_kwh_per_year"],
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


def _renewables(cert: _Cert, d: Mapping[str, Any], row: dict[str, Any], geo: _Geometry) -> None:
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
    pitch_deg = {1: 0.0, 2: 30.0, 3: 45.0, 4: 60.0, 5: 90.0}
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


def _wind_and_hydro(cert: _Cert, src: Mapping[str, Any], row: dict[str, Any]) -> None:
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


# ------------------------------------------------------------------------------------------- batch

_SCHEMA_DTYPES: dict[str, pl.DataType] = {c.name: c.dtype for c in INPUT_SCHEMA.values()}
ALL_DTYPES: dict[str, pl.DataType] = {**_SCHEMA_DTYPES, **EXTRA_COLUMNS}
_PLAIN = (int, float, bool, str, list, type(None))
# Columns whose schema default is an expression (derived from other columns) are left to
# prepare_inputs unless the expansion sets them.
_DEFAULTS: dict[str, Any] = {
    c.name: (None if c.default is REQUIRED else c.default)
    for c in INPUT_SCHEMA.values()
    if c.default is REQUIRED or isinstance(c.default, _PLAIN)
}


@dataclass(frozen=True)
class ExpansionError:
    """One certificate the expansion refused (batch mode)."""

    index: int
    certificate_number: str
    field: str
    value: object
    message: str


def _list_series(name: str, values: list[list[Any]], dtype: pl.DataType) -> pl.Series:
    """A list column from per-row Python lists through one flat Arrow array (much cheaper than
    letting polars infer every row's list)."""
    offsets = [0]
    flat: list[Any] = []
    for v in values:
        flat.extend(v)
        offsets.append(len(flat))
    inner = dtype.inner  # type: ignore[attr-defined]
    arrow_inner = pa.float64() if inner == pl.Float64 else pa.string() if inner == pl.String else pa.int32()
    arr = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(flat, arrow_inner))
    return pl.Series(name, arr).cast(dtype)


def rows_to_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Column lists -> one frame with the INPUT_SCHEMA dtypes plus the extra columns."""
    series: list[pl.Series] = []
    for name, dtype in ALL_DTYPES.items():
        if name in _DEFAULTS or name in EXTRA_COLUMNS:
            default = _DEFAULTS.get(name)
        elif rows and name in rows[0]:
            default = None
        else:
            continue
        if isinstance(dtype, pl.List):
            fallback = default if isinstance(default, list) else []
            series.append(_list_series(name, [r.get(name, fallback) for r in rows], dtype))
        else:
            series.append(pl.Series(name, [r.get(name, default) for r in rows], dtype=dtype, strict=False))
    return pl.DataFrame(series)


PLACEHOLDER_NUMBER = "0000-0000-0000-0000-0000"


def normalise(doc: Mapping[str, Any], number: str | None = None) -> Mapping[str, Any]:
    """Route a document through the EPC parser's normalised form (quirks handled once, in ``epc``).

    A document without a certificate number (the register's published samples) is parsed under a
    placeholder number; the caller keeps its own id for it.
    """
    from ara_assets.epc import CertificateValidationError
    from ara_assets.epc.normalise import normalise_register_json

    d = unwrap(doc)
    has_number = bool(d.get("certificate_number") or d.get("rrn"))
    try:
        # == to_register_json(parse_certificate(...)), without building the model when it need not
        return normalise_register_json(d, certificate_number=None if has_number else PLACEHOLDER_NUMBER)
    except CertificateValidationError as e:
        raise UnsupportedInput(number or e.certificate_number, e.field_path, e.value, e.reason) from None


def expand_collect(
    docs: Iterable[Mapping[str, Any]], *, normalise_docs: bool = True, products: ProductData | None = None
) -> tuple[pl.DataFrame, list[ExpansionError]]:
    """Expand a batch, collecting per-certificate errors instead of stopping at the first.

    The frame holds the certificates that expanded (in input order); ``errors`` the ones that did not.
    """
    with gc_paused():
        return _expand_collect(docs, normalise_docs, products if products is not None else pcdb_active())


def _expand_collect(
    docs: Iterable[Mapping[str, Any]], normalise_docs: bool, products: ProductData | None = None
) -> tuple[pl.DataFrame, list[ExpansionError]]:
    rows: list[dict[str, Any]] = []
    errors: list[ExpansionError] = []
    for i, doc in enumerate(docs):
        fallback = f"#{i}"
        try:
            number = certificate_number(doc, fallback)
            d = normalise(doc, number) if normalise_docs else doc
            row = expand_certificate(d, number, products)
            row["input_index"] = i
            rows.append(row)
        except UnsupportedInput as e:
            errors.append(ExpansionError(i, str(e.record), e.field, e.value, str(e)))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, ArithmeticError) as e:
            # a document shape the rules did not anticipate: recorded (with the exception type, so it can
            # be fixed) rather than stopping the batch
            number = certificate_number(doc, fallback) if isinstance(doc, Mapping) else fallback
            message = f"home_id={number!r}: unexpected {type(e).__name__}: {e}"
            errors.append(ExpansionError(i, number, "(document)", None, message))
    frame = rows_to_frame(rows)
    return frame, errors


def expand_certificates(docs: Iterable[Mapping[str, Any]], *, normalise_docs: bool = True) -> pl.DataFrame:
    """Register documents -> SAP worksheet input frame (``INPUT_SCHEMA`` columns + ``EXTRA_COLUMNS``).

    Raises ``UnsupportedInput`` for the first certificate it cannot expand (use ``expand_collect`` to
    carry on past bad certificates).
    """
    rows = []
    for i, doc in enumerate(docs):
        number = certificate_number(doc, f"#{i}")
        d = normalise(doc, number) if normalise_docs else doc
        row = expand_certificate(d, number)
        row["input_index"] = i
        rows.append(row)
    return rows_to_frame(rows)
