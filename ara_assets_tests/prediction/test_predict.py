"""Voting, confidence and the predicted document."""

from __future__ import annotations

import json

import polars as pl
import pytest

from ara_assets.prediction.features import CATEGORICAL_FIELDS, FEATURE_SCHEMA
from ara_assets.prediction.predict import (
    PREDICTED_CERTIFICATE_NUMBER,
    PRIOR_WEIGHT,
    choose_templates,
    field_votes,
    predict_components,
    predicted_document,
)


def _features(rows: dict[int, dict[str, str]]) -> pl.DataFrame:
    base = dict.fromkeys(CATEGORICAL_FIELDS, "x")
    data = [{"property_id": pid, **base, **vals, "total_floor_area": 70.0} for pid, vals in rows.items()]
    return pl.DataFrame(data, schema={"property_id": pl.Int64, **FEATURE_SCHEMA})


def test_confidence_is_support_over_stated_weight_plus_prior() -> None:
    pairs = pl.DataFrame(
        {"property_id": [1, 1, 1], "neighbour_id": [2, 3, 4], "weight": [1.0, 1.0, 0.1]},
    )
    feats = _features({2: {"wall_insulation_type": "4"}, 3: {"wall_insulation_type": "4"},
                       4: {"wall_insulation_type": "2"}})  # fmt: skip
    votes = field_votes(pairs, feats).filter(pl.col("field") == "wall_insulation_type")
    got = {r["value"]: (r["support"], r["share"], r["confidence"]) for r in votes.iter_rows(named=True)}
    assert got["4"] == pytest.approx((2.0, 2.0 / 2.1, 2.0 / (2.1 + PRIOR_WEIGHT)))
    assert got["2"] == pytest.approx((0.1, 0.1 / 2.1, 0.1 / (2.1 + PRIOR_WEIGHT)))


def test_prediction_takes_the_weighted_medoid_and_reports_evidence() -> None:
    targets = pl.DataFrame(
        {"property_id": [1], "postcode": ["SE15 1CC"], "street": ["SE15|demo street"], "district": ["SE15"],
         "area": ["SE"], "kind": [None]}, schema_overrides={"kind": pl.String},
    )  # fmt: skip
    pool = pl.DataFrame(
        {"property_id": [2, 3, 4, 5], "postcode": ["SE15 1CC"] * 3 + ["SE15 9CC"],
         "street": ["SE15|demo street"] * 3 + ["SE15|far road"], "district": ["SE15"] * 4, "area": ["SE"] * 4,
         "kind": [None] * 4}, schema_overrides={"kind": pl.String},
    )  # fmt: skip
    feats = _features(
        {
            2: {"main_heating_code": "104", "glazing_type": "2"},
            3: {"main_heating_code": "104", "glazing_type": "1"},
            4: {"main_heating_code": "402", "glazing_type": "2"},
            5: {"main_heating_code": "104", "glazing_type": "2"},  # agrees with all, but across the district
        }
    )
    (row,) = predict_components(targets, pool, feats).iter_rows(named=True)
    # home 2 holds the majority value of every field and is on the same postcode
    assert row["template_id"] == 2 and row["neighbours"] == 4 and row["nearest_level"] == "postcode"
    fields = json.loads(row["fields"])
    heating = fields["main_heating_code"]
    assert heating["value"] == "104" and heating["neighbours"] == [2, 3, 5]
    assert heating["confidence"] == pytest.approx(round(2.1 / (3.1 + PRIOR_WEIGHT), 3))
    assert row["confidence"] == pytest.approx(
        sum(f["confidence"] for k, f in fields.items() if k != "total_floor_area") / len(CATEGORICAL_FIELDS),
        abs=0.01,
    )


def test_predicted_document_carries_the_home_not_the_template_identity_or_results() -> None:
    template = {"certificate_number": "1234-1234-1234-1234-1234", "uprn": 1, "postcode": "SE15 1CC",
                "address_line_1": "3 Demo Street", "energy_rating_current": 60, "co2_emissions_current": 2.0,
                "sap_building_parts": [{"wall_construction": 4}]}  # fmt: skip
    doc = predicted_document(template, {"uprn": 7, "postcode": "SE15 1CC", "address_line_1": "5 Demo Street"})
    assert doc["certificate_number"] == PREDICTED_CERTIFICATE_NUMBER and doc["uprn"] == 7
    assert doc["address_line_1"] == "5 Demo Street"
    assert "energy_rating_current" not in doc and "co2_emissions_current" not in doc
    assert doc["sap_building_parts"] == template["sap_building_parts"]


def test_a_barred_template_still_votes_but_the_next_best_is_chosen() -> None:
    pairs = pl.DataFrame({"property_id": [1, 1, 1], "neighbour_id": [2, 3, 4], "weight": [1.0, 1.0, 0.5]})
    feats = _features({2: {"glazing_type": "2"}, 3: {"glazing_type": "2"}, 4: {"glazing_type": "1"}})
    votes = field_votes(pairs, feats)
    assert choose_templates(pairs, feats, votes)["template_id"].to_list() == [2]
    barred = pl.DataFrame({"property_id": [1], "neighbour_id": [2]})
    assert choose_templates(pairs, feats, votes, barred)["template_id"].to_list() == [3]
    # the barred neighbour's vote still counts: glazing 2 holds 2.0 of 2.5
    share = votes.filter((pl.col("field") == "glazing_type") & (pl.col("value") == "2"))["share"].item()
    assert share == pytest.approx(0.8)


def test_targets_predicted_in_slices_give_the_one_pass_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """`predict_components` takes large target sets in slices (memory at scale): every frame of a prediction
    is per target, so the rows are those of one pass."""
    import random

    from ara_assets.prediction import predict

    rng = random.Random(4)
    streets = ["demo street", "far road", "mill lane"]

    def homes(ids: range) -> pl.DataFrame:
        rows = []
        for pid in ids:
            postcode, street = f"SE15 {rng.randint(1, 3)}CC", f"SE15|{rng.choice(streets)}"
            rows.append({"property_id": pid, "postcode": postcode, "street": street, "district": "SE15",
                         "area": "SE", "kind": None})  # fmt: skip
        return pl.DataFrame(rows, schema_overrides={"kind": pl.String})

    targets, pool = homes(range(1, 41)), homes(range(100, 160))
    voted = ("main_heating_code", "glazing_type", "wall_insulation_type")
    feats = _features({pid: {f: str(rng.randint(1, 3)) for f in voted} for pid in range(100, 160)})
    whole = predict_components(targets, pool, feats)
    monkeypatch.setattr(predict, "TARGET_CHUNK", 7)
    sliced = predict_components(targets.reverse(), pool, feats)
    assert whole.height == 40
    assert sliced.equals(whole)
