from __future__ import annotations

import polars as pl
import pytest

from ara_assets.modelling.eligibility import (
    EligibilityError,
    eligibility,
    eligible_pairs,
    features_from_register,
    heat_pump_fabric_ok,
)
from ara_assets.modelling.measures import apply_package
from ara_assets_tests.modelling.homes import synthetic_features, synthetic_inputs


def _homes(**changes: list[object]) -> pl.DataFrame:
    features = synthetic_features()
    if changes:
        features = features.with_columns([pl.Series(k, v) for k, v in changes.items()])
    return features.join(synthetic_inputs(), on="property_id")


def _status(result: pl.DataFrame, home: int, option_id: str) -> tuple[bool, str | None]:
    mine = (pl.col("property_id") == home) & (pl.col("option_id") == option_id)
    row = result.filter(mine).row(0, named=True)
    return row["eligible"], row["reason"]


def test_wall_rules() -> None:
    r = eligibility(_homes())
    assert _status(r, 1, "cwi_blown_fill") == (True, None)  # unfilled cavity
    assert _status(r, 1, "ewi_100mm")[1] == "cavity wall: cavity fill only"
    assert _status(r, 1, "iwi_60mm_pir")[1] == "cavity wall: cavity fill only"
    assert _status(r, 2, "iwi_60mm_pir") == (True, None)  # solid brick
    assert "conservation area" in _status(r, 2, "ewi_100mm")[1]
    assert _status(r, 3, "cwi_blown_fill")[1] == "cavity already filled or insulated"
    assert _status(r, 4, "ewi_100mm")[1] == "timber frame: internal insulation only"
    assert _status(r, 4, "iwi_60mm_pir") == (True, None)


def test_no_ewi_on_flats_and_system_built_gets_both() -> None:
    r = eligibility(
        _homes(wall_construction=[8, 8, 8, 8], property_type=[0, 0, 2, 3], conservation_area=[None] * 4)
    )
    assert _status(r, 1, "ewi_100mm") == (True, None)
    assert _status(r, 1, "iwi_60mm_pir") == (True, None)
    assert "flat or maisonette" in _status(r, 3, "ewi_100mm")[1]


def test_listed_building_gets_secondary_glazing_and_no_wall_insulation() -> None:
    r = eligibility(_homes(listed_building=[True, True, True, True]))
    assert _status(r, 1, "cwi_blown_fill")[1] == "listed building: no wall insulation"
    assert _status(r, 2, "iwi_60mm_pir")[1] == "listed building: no wall insulation"
    assert _status(r, 2, "double_glazing_a_rated")[1] == "listed building: secondary glazing instead"
    assert _status(r, 2, "secondary_glazing") == (True, None)


def test_heat_pump_needs_the_fabric_standard_and_gets_it_after_fabric_measures() -> None:
    homes = _homes()
    r = eligibility(homes)
    assert "fabric below the heat-pump minimum" in _status(r, 1, "ashp_existing_emitters")[1]
    assert _status(r, 4, "ashp_existing_emitters") == (True, None)  # insulated bungalow
    # after a fabric phase (cavity fill, double glazing) H1 meets the rule
    inputs = synthetic_inputs()
    after, _ = apply_package(inputs, [["cwi_blown_fill", "double_glazing_a_rated"], [], [], []])
    assert heat_pump_fabric_ok(after).to_list()[0] is True
    r2 = eligibility(synthetic_features().join(after, on="property_id"))
    assert _status(r2, 1, "ashp_existing_emitters") == (True, None)


def test_ventilation_dependency_is_flagged_only_with_natural_ventilation() -> None:
    r = eligibility(_homes())
    dep = r.filter((pl.col("property_id") == 1) & pl.col("requires_measure_type").is_not_null())
    assert set(dep["measure_type"]) == {"cavity_wall_fill", "solid_floor_insulation", "draught_proofing"}
    homes = _homes().with_columns(pl.lit(6, dtype=pl.Int32).alias("ventilation_type"))
    assert eligibility(homes)["requires_measure_type"].null_count() == eligibility(homes).height


def test_scenario_exclusion_and_unknown_type() -> None:
    r = eligibility(_homes(), ["loft_insulation"])
    assert _status(r, 1, "loft_270mm") == (False, "excluded by the scenario")
    with pytest.raises(EligibilityError, match="'lofts'"):
        eligibility(_homes(), ["lofts"])


def test_systems_rules() -> None:
    r = eligibility(_homes())
    assert _status(r, 1, "condensing_gas_boiler")[1] == "boiler already condensing"
    assert _status(r, 2, "condensing_gas_boiler") == (True, None)
    assert _status(r, 3, "hhr_storage_heaters") == (True, None)
    assert _status(r, 1, "hhr_storage_heaters")[1] == "main heating is not electric"
    assert _status(r, 1, "cylinder_jacket_80mm")[1] == "no hot-water cylinder"
    assert _status(r, 2, "cylinder_jacket_80mm") == (True, None)
    assert _status(r, 3, "pv_roof_sized")[1] == "flat or maisonette: no roof of its own"
    assert _status(r, 2, "remove_secondary") == (True, None)
    assert _status(r, 4, "loft_270mm")[1] == "roof already at or below U 0.16"


def test_every_pair_has_a_reason_or_is_eligible() -> None:
    r = eligibility(_homes())
    assert r.height == 4 * 26
    assert r.filter(pl.col("eligible") == pl.col("reason").is_not_null()).height == 0
    pairs = eligible_pairs(r)
    assert pairs.height == r["eligible"].sum()


def test_missing_column_and_duplicate_home_are_refused() -> None:
    with pytest.raises(EligibilityError, match="'listed_building'"):
        eligibility(_homes().drop("listed_building"))
    with pytest.raises(EligibilityError, match="property_id=1"):
        eligibility(pl.concat([_homes(), _homes().head(1)]))


def test_features_from_register_reads_the_main_building_part() -> None:
    doc = {
        "property_type": "0",
        "sap_building_parts": [
            {
                "wall_construction": 4,
                "wall_insulation_type": "4",
                "roof_construction": 4,
                "sap_floor_dimensions": [{"floor_construction": 2}],
                "sap_room_in_roof": {"floor_area": 12.5},
            }
        ],
    }
    f = features_from_register(
        {71: doc, 72: {"property_type": 2, "sap_building_parts": [{"roof_construction": "NR"}]}}
    )
    assert f.row(0, named=True) == {
        "property_id": 71, "property_type": 0, "wall_construction": 4, "wall_insulation_type": 4,
        "roof_construction": 4, "floor_construction": 2, "has_room_in_roof": True,
    }  # fmt: skip
    assert f.row(1, named=True)["roof_construction"] is None


def test_phase_eligibility_follows_the_scenario() -> None:
    from pathlib import Path

    from ara_assets.modelling.eligibility import eligibility_for_phase
    from ara_assets.modelling.scenarios import load_scenario_yaml

    scenario = load_scenario_yaml(
        Path(__file__).parents[2] / "examples/scenarios/three_phase_net_zero_ready.yaml"
    )
    r = eligibility_for_phase(_homes(), scenario, 0)  # quick wins
    assert _status(r, 1, "cwi_blown_fill") == (True, None)
    assert _status(r, 2, "iwi_60mm_pir") == (False, "not allowed in phase 'quick wins'")
    r1 = eligibility_for_phase(_homes(), scenario, 1)  # deep fabric: triple glazing excluded by the scenario
    assert _status(r1, 1, "triple_glazing") == (False, "excluded by the scenario")
    assert _status(r1, 2, "iwi_60mm_pir") == (True, None)
    with pytest.raises(EligibilityError, match="'phase_index' value 3"):
        eligibility_for_phase(_homes(), scenario, 3)
