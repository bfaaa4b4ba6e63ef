"""A home's results do not depend on the other homes of its batch or chunk.

The worksheet takes shortcuts decided per batch: a feature no home of the batch has is one shared zero line
whose arithmetic is skipped (``Sheet.zeros_m`` / ``add_lines``), a branch no row takes is not evaluated, a
select where few rows take one side copies rows instead (``where_rows``), and validation hands its converted
columns to the worksheet. Each must give the same bits whatever the batch holds, so every home here is scored
alone, in a mixed batch, in chunks of two and three, and in reverse order: all equal exactly.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import polars as pl
import pytest

from ara_assets.sap10.sheet import Sheet, where_rows
from ara_assets_tests.sap10.test_appendix_m import CYLINDER, PV
from ara_assets_tests.sap10.test_cooling_ventilation import cooled_home
from ara_assets_tests.sap10.test_heat_networks import network, sources
from ara_assets_tests.sap10.test_properties import home
from ara_assets_tests.sap10.test_tariffs_showers import storage_home

calc_module = importlib.import_module("ara_assets.sap10.calculate")


def _mixed_homes() -> list[dict[str, Any]]:
    wind = dict(
        wind_turbine_count=1, wind_turbine_rotor_diameter_m=2.0, wind_turbine_hub_height_m=3.0, wind_terrain=3
    )
    return [
        home(0),
        cooled_home(1),
        home(2, **wind),
        home(3, hydro_generation_kwh=900.0),
        home(4, **PV, **CYLINDER, pv_diverter=True),
        home(5, ventilation_type=8),  # MVHR
        home(6, ventilation_type=5),  # extract
        home(7, combi_keep_hot=1),
        home(8, cold_water_source=2, occupancy=None),  # header tank
        network(9, **sources((1, 0.4, 45.0, 30.0, 51), (2, 0.6, 85.0, 0.0, 51))),
        storage_home(10),
        home(11, **PV, battery_capacity_kwh=4.0),
        home(12, secondary_heating_code=691, secondary_heating_fuel=30),
        home(13, water_heating_code=907, water_heating_fuel=30),  # point-of-use water heater
    ]


def test_every_home_scores_the_same_alone_in_a_mixed_batch_and_in_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = _mixed_homes()
    frame = pl.DataFrame(rows)
    whole = calc_module.calculate(frame)
    assert whole.height == len(rows)
    alone = pl.concat([calc_module.calculate(pl.DataFrame([row])) for row in rows], how="vertical_relaxed")
    assert whole.equals(alone)
    reverse = calc_module.calculate(pl.DataFrame(rows[::-1]))
    assert reverse.reverse().equals(whole)
    for size in (2, 3):
        monkeypatch.setattr(calc_module, "CHUNK_ROWS", size)
        assert calc_module.calculate(frame).equals(whole)
    # the batch exercises the shortcuts both ways: cooling, wind and hydro present in some rows only
    assert (whole["cooling_electricity_kwh"] > 0).sum() == 1
    assert (whole["wind_generated_kwh"] > 0).sum() == 1
    assert (whole["hydro_generated_kwh"] > 0).sum() == 1


def test_where_rows_gives_np_where_values() -> None:
    rng = np.random.default_rng(3)
    n = 400
    a, b = rng.standard_normal((n, 12)), rng.standard_normal((n, 12))
    a[5, 3], b[7, 2] = np.nan, -0.0
    column, month = rng.standard_normal((n, 1)), rng.standard_normal(12)
    for share in (0.0, 0.01, 0.1, 0.5, 0.9, 0.99, 1.0):
        cond = rng.random(n) < share
        for x, y in ((a, b), (a, 0.0), (0.0, b), (month, b), (column, a), (a, month[None, :]), (column, 0.0)):
            want = np.where(cond[:, None], x, y)
            got = where_rows(cond, x, y)
            assert got.shape == want.shape
            assert np.array_equal(got, want, equal_nan=True)
            assert np.array_equal(np.signbit(got), np.signbit(want))
            assert got.flags.writeable


def test_add_lines_equals_the_full_sum_to_the_bit() -> None:
    sheet = Sheet(df=pl.DataFrame({"home_id": ["a", "b", "c"]}), n=3)
    zero = sheet.zeros_m()
    assert sheet.is_zero(zero) and not zero.flags.writeable
    with pytest.raises(ValueError):
        zero[0, 0] = 1.0  # a shared zero line cannot be written by mistake
    x = np.array([[-0.0, 1.5, np.nan] * 4, [2.0, -0.0, -3.0] * 4, [np.inf, -1e-300, 0.0] * 4])
    y = np.array([[-0.0, -1.5, 1.0] * 4, [-2.0, -0.0, 3.0] * 4, [1.0, 1e-300, -0.0] * 4])
    for lines in ((x, zero), (zero, x), (x, zero, y), (zero, x, zero, y, zero), (x, y), (zero, zero), (x,)):
        full = lines[0] + 0.0 if len(lines) == 1 else lines[0] + lines[1]
        for line in lines[2:]:
            full = full + line
        got = sheet.add_lines(*lines)
        assert np.array_equal(got, full, equal_nan=True)
        assert np.array_equal(np.signbit(got), np.signbit(full))
        assert all(got is not line for line in lines if not sheet.is_zero(line))
    assert sheet.is_zero(sheet.add_lines(zero, zero))


def test_code_check_on_int32_slots_matches_the_float_check() -> None:
    """Validation checks a nullable Int32 code column on its raw int32 slots with the null mask: the same
    rows as the NaN-aware float check and as plain membership, also on a sliced (offset) column."""
    from ara_assets.sap10.convert import float_column, int32_slots
    from ara_assets.sap10.inputs.prepare import _not_allowed

    rng = np.random.default_rng(0)
    allowed = (1, 2, 3, 7, 30)
    for _ in range(50):
        n = int(rng.integers(1, 300))
        codes = [None if rng.random() < 0.3 else int(x) for x in rng.integers(-5, 40, n)]
        start = int(rng.integers(0, n))
        column = pl.Series("code", codes, dtype=pl.Int32).slice(start, n - start)
        values, null = float_column(column)
        expected = np.array([x is not None and x not in allowed for x in column.to_list()], dtype=bool)
        assert np.array_equal(_not_allowed(values, allowed), expected)
        assert np.array_equal(_not_allowed(values, allowed, int32_slots(column), null), expected)
