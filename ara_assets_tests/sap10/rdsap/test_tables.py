"""Table look-ups and single RdSAP 10 rules, each against a value stated in (or worked from) a source."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ara_assets.sap10.rdsap import fabric
from ara_assets.sap10.rdsap import tables as t
from ara_assets.sap10.rdsap.fabric import FabricError


def test_every_data_file_has_provenance() -> None:
    files = {p.name for p in t.TABLE_DIR.glob("*.csv")}
    documented = set(t.index())
    assert files <= documented, files - documented
    for entry in t.index().values():
        assert {"table", "edition", "page", "source"} <= set(entry)


@pytest.mark.parametrize(
    ("construction", "insulation", "band", "expected"),
    [
        (4, 4, "D", 1.5),  # Table 6: cavity as built, 1950-1966 (RdSAP 10)
        (4, 4, "A", 1.5),
        (4, 2, "D", 0.7),  # filled cavity (RdSAP 10; RdSAP 2012 had 0.5)
        (4, 5, "H", 0.6),  # unknown insulation reads as built
        (3, 4, "C", 1.7),  # solid brick as built (RdSAP 10 note (b) row)
        (5, 4, "B", 1.9),  # timber frame as built
        (9, 4, "A", 0.8),  # cob
        (8, 1, "A", 0.6),  # system build + external insulation of unknown thickness (50 mm row)
    ],
)
def test_wall_u_table_6(construction: int, insulation: int, band: str, expected: float) -> None:
    assert fabric.wall_u(construction, insulation, band) == expected


def test_wall_insulation_thickness_rows_and_interpolation() -> None:
    assert fabric.wall_u(3, 1, "A", insulation_mm=100) == 0.35
    assert fabric.wall_u(3, 3, "A", insulation_mm=150) == 0.25
    mid = fabric.wall_u(3, 3, "A", insulation_mm=125)
    assert 0.25 < mid < 0.35
    # beyond the last row the extra thickness adds resistance: thicker is never worse
    assert fabric.wall_u(3, 1, "A", insulation_mm=300) < fabric.wall_u(3, 1, "A", insulation_mm=200)


def test_stone_wall_equation_worked_example() -> None:
    # RdSAP 10 section 5.6 + Table 14 dry-lining: 120 mm granite, dry-lined -> 2.34 (worked example)
    assert fabric.wall_u(1, 4, "A", thickness=120, dry_lined=True) == 2.34
    # sandstone 500 mm: 54.876 x 500^-0.561
    assert fabric.wall_u(2, 4, "B", thickness=500) == fabric.round2(54.876 * 500**-0.561)


def test_solid_brick_measured_thickness_table_13() -> None:
    assert fabric.wall_u(3, 4, "B", thickness=450, thickness_measured=True) == 1.1
    assert fabric.wall_u(3, 4, "B", thickness=180, thickness_measured=True) == 2.5
    # inside 200-280 mm Table 6 applies
    assert fabric.wall_u(3, 4, "B", thickness=230, thickness_measured=True) == 1.7


def test_wall_refusals_name_field_and_value() -> None:
    with pytest.raises(FabricError) as e:
        fabric.wall_u(6, 4, "C")
    assert e.value.field == "wall_construction" and e.value.value == 6
    with pytest.raises(FabricError) as e:
        fabric.wall_u(3, 2, "C")  # filled cavity on solid brick
    assert e.value.field == "wall_insulation_type"


def test_sheltered_wall_worked_example() -> None:
    assert fabric.sheltered(1.10) == 0.71


@pytest.mark.parametrize(
    ("construction", "location", "band", "mm", "expected"),
    [
        (4, 2, "G", None, 0.40),  # Table 18 col 1
        (4, 2, "A", None, 0.40),  # Table 18 col 1: unknown loft thickness = 100 mm (OHL + HM)
        (5, None, "E", None, 0.40),  # no access, band E (OHL, UNCONFIRMED)
        (4, 5, "A", None, 2.30),  # insulation "none": uninsulated (Table 18 note (a))
        (1, 6, "A", None, 2.30),  # flat roof keeps column 3
        (4, 1, "D", None, 2.30),  # rafters keep column 2
        (4, 2, "M", None, 0.15),
        (4, 2, "A", 200.0, 0.21),  # Table 16 joists 200 mm (quoted for RdSAP 10)
        (4, 2, "A", 270.0, 0.16),
        (4, 1, "A", 200.0, 0.29),  # rafters 200 mm
        (1, 6, "H", None, 0.35),  # flat roof, Table 18 col 3
        (6, None, "C", None, 0.35),  # thatch
    ],
)
def test_roof_u_tables_16_18(
    construction: int, location: int | None, band: str, mm: float | None, expected: float
) -> None:
    assert fabric.roof_u(construction, location, band, insulation_mm=mm) == expected


def test_room_in_roof_default_u_col_4() -> None:
    assert fabric.roof_u(4, None, "H", room_in_roof=True) == 0.35
    assert fabric.roof_u(4, None, "G", room_in_roof=True) == 0.5


def test_insulation_thickness_codes() -> None:
    assert fabric.thickness_mm("270mm") == 270
    assert fabric.thickness_mm("400+mm") == 400
    assert fabric.thickness_mm("NI") is None
    assert fabric.thickness_mm("AB") is None  # as built: the age-band default
    assert fabric.thickness_mm("0") == 0
    with pytest.raises(FabricError):
        fabric.thickness_mm("thick")


def test_ground_floor_iso_13370() -> None:
    solid = fabric.ground_floor_u(41.0, 18.5, 250.0, "solid", 0.0)
    assert 0.6 < solid < 1.0
    # more insulation never raises U; more exposed perimeter per area raises it
    assert fabric.ground_floor_u(41.0, 18.5, 250.0, "solid", 100.0) < solid
    assert fabric.ground_floor_u(41.0, 30.0, 250.0, "solid", 0.0) > solid
    suspended = fabric.ground_floor_u(41.0, 18.5, 250.0, "suspended", 0.0)
    assert 0.5 < suspended < 1.3
    assert fabric.ground_floor_u(41.0, 0.0, 250.0, "solid", 0.0) == 0.0


def test_window_table_24() -> None:
    assert fabric.window_u_g(2, False) == (2.0, 0.72)
    assert fabric.window_u_g(13, False) == (1.4, 0.72)
    assert fabric.window_u_g(5, False) == (4.8, 0.85)
    assert fabric.window_u_g(5, True)[0] == 5.1
    assert fabric.window_u_g(1, False, gap=12, pvc=True)[0] == 2.8
    assert fabric.window_u_g(1, False, gap=12, pvc=False)[0] == 3.1
    with pytest.raises(FabricError):
        fabric.window_u_g(7, False)  # "double, known data" has no default


def test_small_tables() -> None:
    assert t.thermal_bridging()["H"][0] == 0.15
    assert t.thermal_bridging()["K"][0] == 0.08
    assert t.door_u()["A"] == (3.0, 1.4)
    assert t.door_u()["L"][0] == 1.8
    assert t.living_area_fraction()[1] == 0.75
    assert t.living_area_fraction()[4] == 0.25
    assert t.cylinder_volume()["3"] == 160
    assert t.party_wall_u()[2] == (0.5, 0.5)
    assert t.fuel_codes()[26] == 1 and t.fuel_codes()[29] == 30
    assert t.interpolate([(0.0, 1.0), (10.0, 0.0)], 5.0) == 0.5
    assert t.interpolate([(0.0, 1.0), (10.0, 0.0)], 50.0) == 0.0


@given(st.sampled_from(list(t.AGE_BANDS)), st.floats(0, 400), st.floats(0, 400))
def test_more_roof_insulation_never_raises_u(band: str, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    for location in (1, 2):
        assert fabric.roof_u(4, location, band, insulation_mm=hi) <= fabric.roof_u(
            4, location, band, insulation_mm=lo
        )
    assert fabric.roof_u(1, 6, band, insulation_mm=hi) <= fabric.roof_u(1, 6, band, insulation_mm=lo)


@given(
    st.sampled_from(list(t.AGE_BANDS)), st.sampled_from([1, 3, 9, 8, 4]), st.floats(1, 400), st.floats(1, 400)
)
def test_more_wall_insulation_never_raises_u(band: str, construction: int, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    ins = 1 if construction != 4 else 3
    kw = {"thickness": 400.0} if construction == 1 else {}
    thick = fabric.wall_u(construction, ins, band, insulation_mm=hi, **kw)
    assert thick <= fabric.wall_u(construction, ins, band, insulation_mm=lo, **kw)
    assert thick <= fabric.wall_u(construction, 4, band, **kw)  # insulated never worse than as built


@given(
    st.floats(5, 300),
    st.floats(4, 80),
    st.floats(0, 300),
    st.floats(0, 300),
    st.sampled_from(["solid", "suspended"]),
)
def test_more_floor_insulation_never_raises_u(
    area: float, perimeter: float, a: float, b: float, kind: str
) -> None:
    lo, hi = sorted((a, b))
    assert fabric.ground_floor_u(area, perimeter, 250.0, kind, hi) <= fabric.ground_floor_u(
        area, perimeter, 250.0, kind, lo
    )


def test_roof_with_no_insulation_location() -> None:
    assert fabric.roof_u(4, 5, "K") == 2.3  # location "none": uninsulated, not the band K default 0.16
    assert fabric.roof_u(4, 4, "K") == 0.16  # location unknown: the age-band default


def test_double_glazing_of_unknown_date_by_age_band() -> None:
    assert fabric.window_u_g(3, False, band="D") == (3.1, 0.76)  # pre-2002 values
    assert fabric.window_u_g(3, False, band="K") == (2.0, 0.72)  # built after 2002
