"""The baseline's SAP standard deviation by source path."""

from __future__ import annotations

import polars as pl
import pytest

from ara_assets.baseline.uncertainty import sap_sd_expr, spread_table


def _sd(rows: list[tuple[str, str, float | None, float | None]]) -> list[float | None]:
    frame = pl.DataFrame(
        rows,
        schema={"source_path": pl.String, "rebaseline_reason": pl.String, "effective_sap_rating": pl.Float64,
                "prediction_confidence": pl.Float64},
        orient="row",
    )  # fmt: skip
    return frame.select(sap_sd_expr())["effective_sap_sd"].to_list()


def test_lodged_spread_narrows_from_8_at_sap_35_to_2_4_at_sap_85() -> None:
    changed = "physical_state_changed"
    got = _sd(
        [
            ("epc", "none", 35.0, None),
            ("epc", "none", 60.0, None),
            ("epc", "none", 85.0, None),
            ("epc_with_overrides", changed, 20.0, None),
            ("epc", "none", 95.0, None),
        ]
    )
    assert got == pytest.approx([8.0, 5.2, 2.4, 8.0, 2.4])


def test_pre_sap10_is_wider_site_notes_narrow_predicted_by_confidence_and_none_without_sap() -> None:
    factor = spread_table()["rebaselined_pre_sap10"]["factor"]
    bins = spread_table()["predicted"]["by_confidence"]
    changed = "physical_state_changed"
    got = _sd(
        [
            ("epc", "pre_sap10", 85.0, None),
            ("site_notes", changed, 50.0, None),
            ("predicted", changed, 50.0, 0.9),
            ("predicted", changed, 50.0, 0.1),
            ("epc", "none", None, None),
        ]
    )
    assert got[0] == pytest.approx(2.4 * factor)
    assert got[1] == spread_table()["site_notes"]["sd"]
    assert got[2] == bins[-1][1] and got[3] == bins[0][1]
    assert got[4] is None
    # the predicted spread never grows with confidence
    sds = [sd for _, sd in bins]
    assert sds == sorted(sds, reverse=True)
