from __future__ import annotations

import polars as pl
import pytest

from ara_assets.modelling.valuation import ValuationError, uplift_pct, value_uplift


def test_uplift_is_the_ratio_of_premiums() -> None:
    assert uplift_pct("D", "C") == pytest.approx((1.10 / 1.08 - 1) * 100)  # about +1.85 %
    assert uplift_pct("G", "C") == pytest.approx(10.0)
    assert uplift_pct("E", "F") == 0.0  # same group in the study
    assert uplift_pct("C", "D") < 0  # a heat pump can lower the band: the value effect is negative
    assert uplift_pct("C", "C") == 0.0


def test_pounds_only_where_the_value_is_known() -> None:
    frame = pl.DataFrame(
        {
            "property_id": [1, 2, 3],
            "band_before": ["E", "D", "G"],
            "band_after": ["C", "C", "D"],
            "property_value_gbp": [200000.0, None, 100000.0],
        }
    )
    out = value_uplift(frame)
    assert out["value_uplift_pct"].to_list() == pytest.approx(
        [uplift_pct("E", "C"), uplift_pct("D", "C"), uplift_pct("G", "D")]
    )
    assert out["value_uplift_gbp"][0] == pytest.approx(200000 * (1.10 / 1.06 - 1))
    assert out["value_uplift_gbp"][1] is None
    assert out["value_uplift_gbp"][2] == pytest.approx(8000.0)
    # no value column at all: percentages only
    assert value_uplift(frame.drop("property_value_gbp"))["value_uplift_gbp"].null_count() == 3


def test_bad_band_is_refused_with_record() -> None:
    frame = pl.DataFrame({"property_id": [9], "band_before": ["H"], "band_after": ["C"]})
    with pytest.raises(ValuationError, match="property_id=9: field 'band_before' value 'H'"):
        value_uplift(frame)
    with pytest.raises(ValuationError, match="'band_after' value 'Z'"):
        uplift_pct("C", "Z")
