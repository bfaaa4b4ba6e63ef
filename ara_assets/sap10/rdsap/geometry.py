"""Dimensions and heat-loss elements of all building parts (RdSAP 10 sections 3-5; Tables S2, 27)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.rdsap import fabric
from ara_assets.sap10.rdsap import tables as t
from ara_assets.sap10.rdsap.document import RegisterDocument, code, flag, items, num, read_age_band, value_of
from ara_assets.sap10.rdsap.fabric import FabricError

if TYPE_CHECKING:
    from ara_assets.sap10.rdsap.openings import Opening

HOUSE_TYPES = (0, 1)  # house, bungalow (PropertyTypeCode); 2 flat, 3 maisonette, 4 park home
NO_ROOF_LOSS = (0, 3, 7)  # none, another dwelling above, same dwelling above
NO_FLOOR_LOSS = (6, 8)  # other flat below, same dwelling below
GROUND_FLOOR = 7


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


def living_area(d: Mapping[str, Any], tfa: float) -> float:
    """Living area = Table 27 fraction x TFA (RdSAP 10 section 9.2, p.52), rounded half up to 2 d.p. as an
    area passed to SAP (section 15, p.66: "all internal floor areas and living area: 2 d.p."); so the
    worksheet's (91) is e.g. 17.04 / 56.79 = 0.3001, not 0.30 (HM cd94da4d, 61c215bf: worksheet-matched).
    Decimal arithmetic keeps products on the .005 boundary (0.30 x 45.65 = 13.695 -> 13.70)."""
    area = Decimal(str(_living_fraction(d))) * Decimal(f"{tfa:.6f}")
    return float(area.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class Geometry:
    """Dimensions and heat-loss elements of all building parts (RdSAP 10 sections 3-5)."""

    def __init__(
        self,
        cert: RegisterDocument,
        d: Mapping[str, Any],
        parts: list[Mapping[str, Any]],
        band: str,
        is_house: bool,
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
            band = read_age_band(
                self.cert, part.get("construction_age_band"), f"{where}.construction_age_band"
            )
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
            raw = value_of(w.get("wall_insulation_thickness"))
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
                    construction or 0, location, band, insulation_mm=fabric.thickness_mm(value_of(raw))
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
            rr_band = read_age_band(
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
                    raw = value_of(det.get(f"{name}_insulation_thickness_{k}"))
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
            raw = value_of(part.get("floor_insulation_thickness"))
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

    def deduct_openings(self, windows: list[Opening]) -> None:
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
