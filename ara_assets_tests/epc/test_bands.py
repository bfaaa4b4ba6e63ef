"""The one rule for EPC rating bands (ara_assets/epc/bands.py), numpy and polars forms alike."""

from __future__ import annotations

import numpy as np
import polars as pl

from ara_assets.epc.bands import BAND_MIN_SAP, BANDS, SAP_RANGE, band_expr, band_of

RATINGS = [110, 92, 91, 81, 80, 69, 68, 55, 54, 39, 38, 21, 20, 1, 0, -35]
EXPECTED = ["A", "A", "B", "B", "C", "C", "D", "D", "E", "E", "F", "F", "G", "G", "G", "G"]


def test_table_14_bands_numpy() -> None:
    assert band_of(np.array(RATINGS)).tolist() == EXPECTED


def test_table_14_bands_polars_and_null() -> None:
    got = pl.DataFrame({"r": [*RATINGS, None]}).select(band_expr(pl.col("r")).alias("band"))["band"].to_list()
    assert got == [*EXPECTED, None]


def test_missing_rating_has_no_band_in_numpy() -> None:
    assert band_of(np.array([np.nan, 70.0])).tolist() == ["", "C"]


def test_band_lower_bounds() -> None:
    assert BANDS == ("A", "B", "C", "D", "E", "F", "G")
    assert BAND_MIN_SAP == {"A": 92, "B": 81, "C": 69, "D": 55, "E": 39, "F": 21, "G": 1}


def test_the_stored_rating_range_starts_at_band_g_floor() -> None:
    assert SAP_RANGE == (BAND_MIN_SAP["G"], 150) == (1, 150)
    assert band_of(np.array(SAP_RANGE)).tolist() == ["G", "A"]
