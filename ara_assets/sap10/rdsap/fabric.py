"""RdSAP 10 fabric rules: U-values of walls, roofs, floors, windows and doors from what a certificate records.

Each function takes the recorded values of one element and returns a U-value (W/m2K) rounded to two
decimals (RdSAP 10 section 15 rounds element U-values to 2 dp, half up). Inputs the rules cannot place
raise ``FabricError`` with the field and value; the expansion turns that into ``UnsupportedInput`` naming
the certificate.
"""

from __future__ import annotations

import math

from ara_assets.sap10.rdsap import tables as t

# register WallConstructionCode -> row name of the wall tables (Table 5 / Table 6)
WALL_TYPES: dict[int, str] = {
    1: "stone_granite",
    2: "stone_sandstone",
    3: "solid_brick",
    4: "cavity",
    5: "timber_frame",
    8: "system_build",
    9: "cob",
}


class FabricError(ValueError):
    """A recorded value the RdSAP rules cannot turn into a U-value: names the field and value."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field}={value!r}: {reason}")


def round2(x: float) -> float:
    """Half-up rounding to 2 dp (RdSAP 10 section 15: not banker's rounding)."""
    return math.floor(x * 100.0 + 0.5 + 1e-9) / 100.0


def thickness_mm(value: object) -> float | None:
    """An insulation thickness as lodged ("150mm", "400+mm", 150, "NI", "AB", "ND") -> mm, or None when
    the age-band default applies (unknown, or "AB" as built). "0" and "None" give 0 mm."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise FabricError("insulation_thickness", value, "not a thickness")
    if isinstance(value, int | float):
        return float(value)
    text = str(value).strip().lower().replace(" ", "")
    if text in ("ni", "nd", "", "unknown", "ab"):
        return None  # unknown, and "as built": both take the age-band default (Tables 18 / 19)
    if text == "none":
        return 0.0
    text = text.replace("mm", "").replace("+", "")
    try:
        return float(text)
    except ValueError:
        raise FabricError("insulation_thickness", value, "not a thickness code") from None


def _with_resistance(u: float, r: float) -> float:
    return 1.0 / (1.0 / u + r)


LAMBDA_DEFAULT = 1  # Table 14 conductivity code of lambda 0.04 W/mK, assumed when none is lodged


def insulation_resistance(mm: float, conductivity: int | None = None) -> float:
    """Table 14: R = a T + b for T > 0 mm; (a, b) by the lodged conductivity code (1: lambda 0.04, the
    default when not known; 2: 0.03; 3: 0.025)."""
    if mm <= 0:
        return 0.0
    ab = t.insulation_resistance().get(LAMBDA_DEFAULT if conductivity is None else conductivity)
    if ab is None:
        raise FabricError("wall_insulation_thermal_conductivity", conductivity, "not a Table 14 conductivity")
    return ab[0] * mm + ab[1]


def solid_brick_u0(thickness: float) -> float:
    """Table 13 (section 5.7): uninsulated solid brick wall U by its measured thickness (mm)."""
    if thickness <= 0:
        raise FabricError("wall_thickness", thickness, "solid brick wall needs a positive thickness")
    return next(u for max_mm, u in _solid_brick_ladder() if thickness <= max_mm)


def stone_u(wall_type: str, thickness: float) -> float:
    """Section 5.6 equations for uninsulated stone walls from the wall thickness W (mm)."""
    if thickness <= 0:
        raise FabricError("wall_thickness", thickness, "stone wall needs a positive thickness")
    if wall_type == "stone_granite":
        return 45.315 * thickness**-0.513
    return 54.876 * thickness**-0.561


def _table_insulated(wall_type: str, kind: str, mm: float, band: str) -> float:
    """Table 6 rows 'with N mm insulation': interpolate between the 50/100/150/200 rows; beyond 200 mm add
    the extra thickness as Table 14 resistance on the 200 mm row."""
    key_type = (
        "solid_masonry" if wall_type in ("solid_brick", "stone_granite", "stone_sandstone") else wall_type
    )
    rows = t.wall_u()
    ladder = []
    for n in (50, 100, 150, 200):
        u = rows.get((key_type, kind, n, band))
        if u is None:
            raise FabricError("wall_construction", wall_type, f"no Table 6 row for {kind} {n} mm")
        ladder.append((float(n), u))
    if mm > 200:
        per_mm = t.insulation_resistance()[LAMBDA_DEFAULT][0]
        return _with_resistance(ladder[-1][1], per_mm * (mm - 200))
    if mm < 50:
        # below the first row: as-built plus the Table 14 resistance of the thinner layer
        base = rows.get((wall_type, "filled" if kind == "filled_insulated" else "as_built", 0, band))
        if base is None:
            return ladder[0][1]
        return max(ladder[0][1], _with_resistance(base, insulation_resistance(mm)))
    return t.interpolate(ladder, mm)


def wall_u(
    construction: int,
    insulation_type: int | None,
    band: str,
    *,
    insulation_mm: float | None = None,
    thickness: float | None = None,
    thickness_measured: bool = False,
    dry_lined: bool = False,
    conductivity: int | None = None,
) -> float:
    """Default wall U-value (Table 6 E&W, sections 5.6-5.8) for a wall with no lodged U-value.

    ``insulation_mm`` None = thickness unknown (the 50 mm rows); ``conductivity`` is the lodged Table 14
    conductivity code of that insulation (None: lambda 0.04)."""
    if construction not in WALL_TYPES:
        raise FabricError("wall_construction", construction, "no RdSAP default U-value implemented")
    wall_type = WALL_TYPES[construction]
    ins = 4 if insulation_type in (None, 5) else insulation_type  # 5 unknown = as built
    if ins not in (1, 2, 3, 4, 6, 7):
        raise FabricError("wall_insulation_type", insulation_type, "unknown wall insulation type")
    if ins in (2, 6, 7) and wall_type != "cavity":
        raise FabricError("wall_insulation_type", insulation_type, f"filled cavity on a {wall_type} wall")
    default_thickness = t.wall_thickness().get((wall_type, band))
    w = thickness if thickness is not None else default_thickness
    mm = insulation_mm if insulation_mm is not None else t.constants()["unknown_wall_insulation_mm"]
    if ins == 4:
        u = t.wall_u()[(wall_type, "as_built", 0, band)]
        if wall_type.startswith("stone"):
            if w is None:
                raise FabricError("wall_thickness", None, "stone wall thickness unknown")
            eq = stone_u(wall_type, w)
            u = eq if u is None else min(u, eq)
        elif (
            wall_type == "solid_brick"
            and thickness_measured
            and w is not None
            and band in "ABCDE"
            and not 200 <= w <= 280
        ):
            # Table 6 note (b): solid brick outside 200-280 mm takes Table 13 by measured thickness
            u = solid_brick_u0(w)
        assert u is not None
        if dry_lined:
            u = _with_resistance(u, t.constants()["dry_lining_resistance"])
        return round2(u)
    if ins == 2:
        return round2(t.wall_u()[("cavity", "filled", 0, band)])
    if wall_type == "timber_frame":
        if ins != 3:
            raise FabricError(
                "wall_insulation_type", insulation_type, "timber frame takes internal insulation only"
            )
        return round2(t.wall_u()[("timber_frame", "insulated", 0, band)])
    if (
        wall_type == "solid_brick"
        and ins in (1, 3)
        and thickness_measured
        and thickness is not None
        and insulation_mm is not None
        and band in "ABCDE"
    ):
        # Solid brick with a measured wall thickness and a lodged insulation thickness: U0 by Table 13
        # (section 5.7) plus the Table 14 resistance, U = 1/(1/U0 + R) (section 5.8 step 2), not the Table 6
        # insulated rows (HM 493b01ff, worksheet-matched: 300 mm + 75 mm -> 0.35). Bands A-E only: Table 6
        # note (b) sends only those solid-brick rows to Table 13.
        return round2(_with_resistance(solid_brick_u0(thickness), insulation_resistance(mm, conductivity)))
    kind = "filled_insulated" if ins in (6, 7) else "insulated"
    return round2(_table_insulated(wall_type, kind, mm, band))


def _solid_brick_ladder() -> list[tuple[float, float]]:
    return [
        (float(r["max_thickness_mm"]), float(r["u_value"]))
        for r in t.table_rows("solid_brick_u_by_thickness.csv")
    ]


def sheltered(u: float) -> float:
    """Wall to an unheated space (sheltered wall, unheated corridor): U = 1/(1/U + 0.5)."""
    return round2(_with_resistance(u, t.constants()["sheltered_wall_resistance"]))


# RoofConstructionCode -> which Table 16 / 18 column applies
def roof_u(
    construction: int,
    location: int | None,
    band: str,
    *,
    insulation_mm: float | None = None,
    room_in_roof: bool = False,
) -> float:
    """Default roof U-value (Tables 16 and 18) for a roof with no lodged U-value."""
    if room_in_roof:
        col = "thatch_room_in_roof" if construction == 6 else "room_in_roof"
        return round2(t.roof_u_by_age()[(col, band)])
    if construction == 6:
        if insulation_mm is None:
            return round2(t.roof_u_by_age()[("thatch", band)])
        return round2(t.interpolate(t.roof_u_by_thickness()["thatch"], insulation_mm))
    if construction in (1, 8) or location in (6, 7):
        col = "flat"  # Table 18 column 3 covers flat roofs and sloping ceilings
    elif location == 1:
        col = "rafters"
    elif construction in (2, 4, 5):
        col = "joists"
    else:
        raise FabricError("roof_construction", construction, "no RdSAP default roof U-value implemented")
    if location == 5 and insulation_mm is None:
        insulation_mm = 0.0  # insulation location "none": an uninsulated roof, not the age-band default
    if insulation_mm is None:
        return round2(t.roof_u_by_age()[(col, band)])
    if col == "flat":
        # flat roof / sloping ceiling with a known thickness: Table 14 resistance on the uninsulated roof,
        # never worse than the age-band value (UNCONFIRMED: Table 17 not seen)
        bare = t.roof_u_by_age()[("flat", "A")]
        return round2(
            min(
                t.roof_u_by_age()[("flat", band)],
                _with_resistance(bare, insulation_resistance(insulation_mm)),
            )
        )
    return round2(t.interpolate(t.roof_u_by_thickness()[col], insulation_mm))


def ground_floor_u(
    area: float,
    perimeter: float,
    wall_thickness_mm: float,
    construction: str,
    insulation_mm: float,
) -> float:
    """Ground floor U-value by BS EN ISO 13370 as RdSAP 10 section 5.12 applies it.

    ``construction`` is "solid" or "suspended". Exposed perimeter 0 (a floor enclosed by heated
    space) loses nothing to the ground edge: U = 0.
    """
    if area <= 0 or perimeter <= 0:
        return 0.0
    c = t.constants()
    lam = c["floor_ground_conductivity"]
    rsi, rse = c["floor_rsi"], c["floor_rse"]
    w = wall_thickness_mm / 1000.0
    b = 2.0 * area / perimeter
    rf_ins = insulation_mm / 1000.0 / c["floor_insulation_conductivity"]
    if construction == "solid":
        dt = w + lam * (rsi + rf_ins + rse)
        if dt < b:
            u = 2.0 * lam / (math.pi * b + dt) * math.log(math.pi * b / dt + 1.0)
        else:
            u = lam / (0.457 * b + dt)
        return round2(u)
    dg = w + lam * (rsi + rse)
    ug = 2.0 * lam / (math.pi * b + dg) * math.log(math.pi * b / dg + 1.0)
    ux = (
        2.0 * c["suspended_floor_void_height_m"] * c["suspended_floor_wall_u"] / b
        + 1450.0
        * c["suspended_floor_vent_area_per_m"]
        * c["suspended_floor_wind_speed_m_s"]
        * c["suspended_floor_wind_shield_factor"]
        / b
    )
    rf = c["suspended_floor_deck_resistance"] + rf_ins
    return round2(1.0 / (2.0 * rsi + rf + 1.0 / (ug + ux)))


def window_u_g(
    glazing_type: int, roof_window: bool, gap: object = None, pvc: bool | None = None, band: str | None = None
) -> tuple[float, float]:
    """Table 24: (U, g_perp) for a glazing type code; pre-2002 double glazing in a PVC frame by gap.

    Double glazing of unknown date (3) counts as installed 2002 or later in a building part of age band
    J or later (built after the 2002 glazing standard), otherwise as before 2002 (RdSAP convention,
    UNCONFIRMED for RdSAP 10)."""
    rows = t.window_u_g()
    if glazing_type == 3 and band is not None and band in "JKLM":
        glazing_type = 2
    if glazing_type not in rows:
        raise FabricError(
            "glazing_type", glazing_type, "no Table 24 default (known-data glazing needs U and g)"
        )
    u_win, u_roof, g = rows[glazing_type]
    if glazing_type in (1, 3) and pvc and gap is not None:
        key = (1, "16+" if str(gap).startswith("16") else str(gap))
        if key in t.window_gap_u():
            u_win, u_roof = t.window_gap_u()[key]
    return (u_roof if roof_window else u_win), g
