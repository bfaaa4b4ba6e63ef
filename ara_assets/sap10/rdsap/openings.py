"""Windows, roof lights and doors of a certificate (RdSAP 10 section 6; SAP 10.2 Tables 6b, 6c, 6e)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ara_assets.sap10.rdsap import fabric
from ara_assets.sap10.rdsap import tables as t
from ara_assets.sap10.rdsap.document import RegisterDocument, code, flag, items, num, value_of
from ara_assets.sap10.rdsap.fabric import FabricError
from ara_assets.sap10.rdsap.geometry import HOUSE_TYPES, Geometry

MAX_DOORS = 50  # a lodged door count beyond this is a data error (and would build a list per door)


@dataclass
class Opening:
    area: float
    u: float
    g: float
    ff: float
    orientation: int
    pitch: float
    host: tuple[int, int] | None = None  # (building part, window_wall_type) of a measured window
    g_light: float = 0.80  # Table 6b light transmittance: single 0.90, double 0.80, triple 0.70


def expand_windows(
    cert: RegisterDocument, d: Mapping[str, Any], geo: Geometry, tfa: float, band: str, is_house: bool
) -> list[Opening]:
    c = t.constants()
    out: list[Opening] = []
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
                    value_of(w.get("glazing_gap")),
                    flag(w, "pvc_frame"),
                    str(value_of(part.get("construction_age_band")) or band),
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
                Opening(width * height * o[1], u, g, ff, o[0], pitch, host, _g_light(code(w, "glazing_type")))
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
                Opening(placed * glazed * o[1], uu, gg, c["window_frame_factor"], o[0], 90.0, None, gl)
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


def expand_doors(
    cert: RegisterDocument, d: Mapping[str, Any], geo: Geometry, band: str, property_type: int | None
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
