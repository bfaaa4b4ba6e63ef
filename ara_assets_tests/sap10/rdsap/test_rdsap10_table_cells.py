"""Cells of the RdSAP 10 expansion tables that were corrected from the carried RdSAP 2012 values.

Each test pins a few corrected cells (value and source in the CSV status column and in
docs/sap10/RDSAP.md "Unconfirmed values") and checks the shape the table must keep.
"""

from __future__ import annotations

import csv

import pytest

from ara_assets.sap10.rdsap import fabric
from ara_assets.sap10.rdsap import tables as t

BANDS = t.AGE_BANDS


@pytest.mark.parametrize(
    ("construction", "insulation", "band", "expected"),
    [
        (4, 4, "A", 1.5),  # cavity as built: RdSAP 2012 had 2.1 for band A
        (4, 4, "E", 1.5),  # and 1.6 for B-E
        (4, 2, "B", 0.7),  # filled cavity A-E: RdSAP 2012 had 0.5
        (3, 4, "A", 1.7),  # solid brick as built with no measured thickness: RdSAP 2012 had 2.1
        (4, 4, "M", 0.26),  # band M as built: no longer a copy of band L (0.28)
        (3, 4, "M", 0.26),
        (5, 4, "M", 0.26),
        (8, 4, "M", 0.26),
        (9, 4, "M", 0.26),
    ],
)
def test_table_6_corrected_cells(construction: int, insulation: int, band: str, expected: float) -> None:
    assert fabric.wall_u(construction, insulation, band) == expected


def test_table_6_stone_band_e_note_a() -> None:
    # Table 6 note (a): 1.7, or the section 5.6 equation where that gives less than 1.7
    granite_450 = fabric.round2(45.315 * 450**-0.513)
    assert granite_450 > 1.7
    assert fabric.wall_u(1, 4, "E", thickness=450) == 1.7
    granite_900 = fabric.round2(45.315 * 900**-0.513)
    assert granite_900 < 1.7
    assert fabric.wall_u(1, 4, "E", thickness=900) == granite_900


def test_table_6_filled_cavity_never_worse_than_as_built() -> None:
    for band in BANDS:
        assert t.wall_u()[("cavity", "filled", 0, band)] <= t.wall_u()[("cavity", "as_built", 0, band)]


def test_table_6_as_built_rows_do_not_rise_with_age_band() -> None:
    # newer construction is never assumed leakier (F-M; A-E of brick/cavity are one value now)
    for wall in ("solid_brick", "cavity", "timber_frame", "system_build", "cob"):
        values = [t.wall_u()[(wall, "as_built", 0, b)] for b in "FGHIJKLM"]
        assert values == sorted(values, reverse=True), wall


def test_solid_brick_table_13_still_overrides_outside_200_280_mm() -> None:
    # Table 6 note (b): the corrected 1.7 is the 200-280 mm cell of Table 13
    assert fabric.wall_u(3, 4, "A", thickness=250, thickness_measured=True) == 1.7
    assert fabric.wall_u(3, 4, "A", thickness=300, thickness_measured=True) == 1.4


def test_table_26_band_m_door() -> None:
    assert t.door_u()["M"] == (1.4, 1.4)  # was a copy of band L (1.8)
    assert t.door_u()["L"] == (1.8, 1.4)
    assert t.door_u()["K"] == (2.0, 1.4)
    outside = [t.door_u()[b][0] for b in BANDS]
    assert outside == sorted(outside, reverse=True)


def test_table_18_room_in_roof_band_f() -> None:
    assert fabric.roof_u(4, None, "F", room_in_roof=True) == 0.8  # was 0.68 (the column 1-3 value)
    assert fabric.roof_u(4, None, "E", room_in_roof=True) == 1.5
    assert fabric.roof_u(4, None, "G", room_in_roof=True) == 0.5
    column = [t.roof_u_by_age()[("room_in_roof", b)] for b in BANDS]
    assert column == sorted(column, reverse=True)


def test_table_16_rafters_ladder() -> None:
    # insulation at rafters (location 1): rows of Table 16 column 2, no longer interpolated from 50/200/400
    assert fabric.roof_u(4, 1, "C", insulation_mm=100) == 0.54  # was 0.68
    assert fabric.roof_u(4, 1, "C", insulation_mm=150) == 0.39
    assert fabric.roof_u(4, 1, "C", insulation_mm=50) == 0.88
    # added joist rows 125 / 175 / 225 mm
    assert fabric.roof_u(4, 2, "C", insulation_mm=175) == 0.25
    for col in ("joists", "rafters"):
        ladder = t.roof_u_by_thickness()[col]
        assert [u for _, u in ladder] == sorted((u for _, u in ladder), reverse=True), col
    # rafters lose more heat than joists for the same insulation (a warm roof keeps the roof void inside)
    joists = dict(t.roof_u_by_thickness()["joists"])
    for mm, u in t.roof_u_by_thickness()["rafters"]:
        if mm > 0:
            assert u >= joists[mm]


def test_table_24_pre_2002_double_glazing_by_gap() -> None:
    assert t.window_gap_u()[(1, "16+")][0] == 2.7  # was 2.6
    gaps = [t.window_gap_u()[(1, g)][0] for g in ("6", "12", "16+")]
    assert gaps == [3.1, 2.8, 2.7]


def test_table_24_triple_glazing_rows() -> None:
    # RdSAP 10 has one row for double or triple glazing installed 2002 or later (U 2.0, g 0.72)
    assert fabric.window_u_g(9, False) == fabric.window_u_g(2, False) == (2.0, 0.72)
    # triple glazing before 2002 by the narrow-gap PVC value (RdSAP 2012 had one triple row, 1.8)
    assert fabric.window_u_g(10, False) == (2.4, 0.68)
    assert fabric.window_u_g(10, True) == (2.6, 0.68)
    # 2022 or later: one row for double or triple
    assert fabric.window_u_g(14, False) == fabric.window_u_g(13, False) == (1.4, 0.72)
    # newer glazing of the same kind never loses more heat
    assert fabric.window_u_g(10, False)[0] > fabric.window_u_g(9, False)[0] > fabric.window_u_g(14, False)[0]


def test_table_27_rows_14_and_15() -> None:
    fractions = [t.living_area_fraction()[n] for n in range(1, 16)]
    assert fractions[13:] == [0.09, 0.09]
    assert fractions == sorted(fractions, reverse=True)


def test_every_table_row_has_a_status() -> None:
    for path in sorted(t.TABLE_DIR.glob("*.csv")):
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
        if "status" not in rows[0]:
            continue
        # the first row states the provenance; later rows may say "same"
        assert rows[0]["status"], path.name
        for r in rows:
            assert r["status"] is not None, (path.name, r)
