"""The demo's landlord correction is a real top-up: never a "300 mm" loft on a home that lodged more."""

from __future__ import annotations

import json

import polars as pl

from ara_assets.demo.run import pick_override


def _frames(thicknesses: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    docs = [
        json.dumps(
            {
                "total_floor_area": 70,
                "sap_building_parts": [{"roof_construction": 4, "roof_insulation_thickness": t}],
            }
        )
        for t in thicknesses
    ]
    ids = list(range(1, len(thicknesses) + 1))
    effective = pl.DataFrame({"property_id": ids, "source_path": ["epc"] * len(ids), "document": docs})
    baseline = pl.DataFrame({"property_id": ids, "baseline_status": ["ok"] * len(ids)})
    return effective, baseline


def test_a_loft_already_above_300_mm_is_not_topped_up_to_300() -> None:
    effective, baseline = _frames(["400mm+", "350mm", "300mm", "100mm"])
    loft = "sap_building_parts[0].roof_insulation_thickness"
    assert pick_override(effective, baseline) == (4, loft, "300mm")


def test_no_thin_loft_falls_back() -> None:
    effective, baseline = _frames(["400mm+"])
    assert pick_override(effective, baseline) == (1, "total_floor_area", 75.0)
