"""The `predicted` source path: homes with neither certificate nor site notes, overrides on top."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from ara_assets.property.effective import assemble_effective_epc, complete_with_predictions, neighbour_pool

FIXTURE = (
    Path(__file__).resolve().parents[1] / "sap10" / "rdsap" / "fixtures" / "synthetic_semi_gas_combi.json"
)


@pytest.fixture(scope="module")
def lodged() -> dict:
    doc = json.loads(FIXTURE.read_text())
    return doc.get("data", doc)


def _current(docs: dict[int, dict | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": list(docs),
            "uprn": [900000000000 + p for p in docs],
            "certificate_number": [d["certificate_number"] if d else None for d in docs.values()],
            "raw": [json.dumps(d) if d else None for d in docs.values()],
            "reason": [None if d else "no certificate on the register for this UPRN" for d in docs.values()],
        },
        schema_overrides={"property_id": pl.Int64, "uprn": pl.Int64},
    )


def _overrides(rows: list[tuple[int, int, str, object]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [r[0] for r in rows],
            "override_id": [r[1] for r in rows],
            "field_path": [r[2] for r in rows],
            "value": [json.dumps(r[3]) for r in rows],
            "author": ["analyst"] * len(rows),
            "created_at": [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)] * len(rows),
        },
        schema_overrides={"property_id": pl.Int64, "override_id": pl.Int64, "field_path": pl.String,
                          "value": pl.String},
    )  # fmt: skip


NO_NOTES = pl.DataFrame(
    schema={"property_id": pl.Int64, "site_note_id": pl.Int64, "survey_date": pl.Date, "document": pl.String,
            "surveyor": pl.String}
)  # fmt: skip


def _street(lodged: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    docs: dict[int, dict | None] = {}
    for pid in (1, 2, 3):
        d = copy.deepcopy(lodged)
        d["certificate_number"] = f"1111-2222-3333-4444-000{pid}"
        docs[pid] = d
    docs[2]["sap_building_parts"][0]["roof_insulation_thickness"] = "250mm"
    docs[3]["sap_building_parts"][0]["roof_insulation_thickness"] = "250mm"
    docs[4] = None
    homes = pl.DataFrame(
        {"property_id": [1, 2, 3, 4], "uprn": [900000000000 + p for p in (1, 2, 3, 4)],
         "postcode": ["SE15 1CC"] * 4, "address": [f"{p} Demo Street, Exampleton" for p in (1, 2, 3, 4)]},
        schema_overrides={"property_id": pl.Int64, "uprn": pl.Int64},
    )  # fmt: skip
    return _current(docs), homes


def test_a_home_without_certificate_gets_a_predicted_epc_with_provenance(lodged: dict) -> None:
    current, homes = _street(lodged)
    no_overrides = _overrides([])
    first = assemble_effective_epc(current, no_overrides, NO_NOTES)
    assert first.filter(pl.col("property_id") == 4)["source_path"].item() == "none"
    out = complete_with_predictions(first, current, no_overrides, NO_NOTES, homes)
    row = out.filter(pl.col("property_id") == 4).row(0, named=True)
    assert row["source_path"] == "predicted" and row["reason"] is None and row["certificate_number"] is None
    doc = json.loads(row["document"])
    assert doc["uprn"] == 900000000004 and doc["address_line_1"] == "4 Demo Street"
    # two of three same-postcode neighbours say 250 mm: the prediction follows them
    assert doc["sap_building_parts"][0]["roof_insulation_thickness"] == "250mm"
    prov = json.loads(row["provenance"])
    assert prov["base"].startswith("predicted:") and prov["nearest_level"] == "postcode"
    roof = prov["predicted_fields"]["roof_insulation_thickness"]
    assert roof["value"] == "250mm" and roof["neighbours"] == [2, 3]
    assert 0 < row["prediction_confidence"] < 1 and row["prediction_confidence"] == prov["confidence"]
    assert row["physical_hash"] and out.height == 4
    # the homes with certificates are untouched
    assert out.filter(pl.col("property_id") != 4).equals(first.filter(pl.col("property_id") != 4))


def test_a_landlord_override_applies_to_a_predicted_home_as_to_a_lodged_one(lodged: dict) -> None:
    current, homes = _street(lodged)
    field = "sap_building_parts[0].roof_insulation_thickness"
    overrides = _overrides([(4, 7, field, "300mm"), (4, 8, "sap_building_parts[0].wall_construction", 999)])
    first = assemble_effective_epc(current, overrides, NO_NOTES)
    row = (
        complete_with_predictions(first, current, overrides, NO_NOTES, homes)
        .filter(pl.col("property_id") == 4)
        .row(0, named=True)
    )
    assert row["source_path"] == "predicted"
    assert json.loads(row["document"])["sap_building_parts"][0]["roof_insulation_thickness"] == "300mm"
    assert row["overrides_applied"] == 1 and row["overrides_rejected"] == 1
    prov = json.loads(row["provenance"])
    assert prov["fields"][field]["lodged_value"] == "250mm" and prov["fields"][field]["override_id"] == 7
    assert prov["rejected_overrides"][0]["override_id"] == 8


def test_no_comparable_home_keeps_the_reason(lodged: dict) -> None:
    current = _current({4: None})
    homes = pl.DataFrame({"property_id": [4], "uprn": [900000000004], "postcode": ["SE15 1CC"],
                          "address": ["4 Demo Street, Exampleton"]})  # fmt: skip
    first = assemble_effective_epc(current, _overrides([]), NO_NOTES)
    out = complete_with_predictions(first, current, _overrides([]), NO_NOTES, homes)
    assert out.row(0, named=True)["source_path"] == "none" and out.row(0, named=True)["reason"]


def test_homes_outside_the_portfolio_in_the_certificate_cache_are_comparable_homes(lodged: dict) -> None:
    """A one-home portfolio without any certificate of its own: the certificate cache's other homes in its
    postcode (from the register's bulk file) are the neighbours, and a change to one of them changes the
    predicted home's key."""
    current = _current({4: None})
    homes = pl.DataFrame({"property_id": [4], "uprn": [900000000004], "postcode": ["SE15 1CC"],
                          "address": ["4 Demo Street, Exampleton"]},
                         schema_overrides={"property_id": pl.Int64, "uprn": pl.Int64})  # fmt: skip
    cached = []
    for n, thickness in ((1, "250mm"), (2, "250mm"), (3, "100mm")):
        d = copy.deepcopy(lodged)
        d.update(certificate_number=f"1111-2222-3333-4444-100{n}", uprn=900000000100 + n,
                 address_line_1=f"{n + 10} Demo Street", postcode="SE15 1CC")  # fmt: skip
        d["sap_building_parts"][0]["roof_insulation_thickness"] = thickness
        cached.append(
            {"uprn": 900000000100 + n, "registration_date": dt.date(2024, 1, n), "raw": json.dumps(d)}
        )
    cache = pl.DataFrame(cached, schema={"uprn": pl.Int64, "registration_date": pl.Date, "raw": pl.String})
    neighbours = neighbour_pool(cache)
    assert neighbours["property_id"].to_list() == [-900000000103, -900000000102, -900000000101]
    first = assemble_effective_epc(current, _overrides([]), NO_NOTES)
    alone = complete_with_predictions(first, current, _overrides([]), NO_NOTES, homes)
    assert alone["source_path"].item() == "none"  # nothing to compare with inside the portfolio
    out = complete_with_predictions(first, current, _overrides([]), NO_NOTES, homes, neighbours=neighbours)
    row = out.row(0, named=True)
    assert row["source_path"] == "predicted"
    doc = json.loads(row["document"])
    assert (
        doc["uprn"] == 900000000004 and doc["sap_building_parts"][0]["roof_insulation_thickness"] == "250mm"
    )
    assert sorted(
        json.loads(row["provenance"])["predicted_fields"]["roof_insulation_thickness"]["neighbours"]
    ) == [
        -900000000102,
        -900000000101,
    ]
    changed = cache.with_columns(
        pl.when(pl.col("uprn") == 900000000101)
        .then(pl.col("raw").str.replace('"250mm"', '"270mm"'))
        .otherwise(pl.col("raw"))
        .alias("raw")
    )
    again = complete_with_predictions(
        first, current, _overrides([]), NO_NOTES, homes, neighbours=neighbour_pool(changed)
    )
    assert again["input_key"].item() != row["input_key"]


def _two_areas(lodged: dict, thickness_2: str = "250mm") -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two streets in two postcode areas (SE and NG), each with three certified homes and one without."""
    docs: dict[int, dict | None] = {}
    for pid in (1, 2, 3, 11, 12, 13):
        d = copy.deepcopy(lodged)
        d["certificate_number"] = f"1111-2222-3333-4444-{pid:04d}"
        docs[pid] = d
    for pid in (2, 3, 12, 13):
        docs[pid]["sap_building_parts"][0]["roof_insulation_thickness"] = "250mm"
    docs[2]["sap_building_parts"][0]["roof_insulation_thickness"] = thickness_2
    docs[4] = docs[14] = None
    ids = [1, 2, 3, 4, 11, 12, 13, 14]
    homes = pl.DataFrame(
        {
            "property_id": ids,
            "uprn": [900000000000 + p for p in ids],
            "postcode": ["SE15 1CC" if p < 10 else "NG7 2AB" for p in ids],
            "address": [f"{p} {'Demo' if p < 10 else 'Other'} Street, Exampleton" for p in ids],
        },
        schema_overrides={"property_id": pl.Int64, "uprn": pl.Int64},
    )
    return _current(docs), homes


def test_a_prediction_is_made_again_only_where_its_postcode_area_changed(
    lodged: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A predicted home whose own key and whose postcode area's pool are unchanged keeps its previous row
    without predicting; a change to a certified home re-predicts the homes of its area only, and the result
    equals a prediction from scratch."""
    import ara_assets.prediction.predict as predict

    asked: list[list[int]] = []
    real = predict.predict_epcs

    def recording(
        targets: pl.DataFrame, pool: pl.DataFrame, documents: pl.DataFrame | None = None
    ) -> pl.DataFrame:
        asked.append(sorted(targets["property_id"].to_list()))
        return real(targets, pool, documents)

    monkeypatch.setattr(predict, "predict_epcs", recording)
    none = _overrides([])

    def run(current: pl.DataFrame, homes: pl.DataFrame, previous: pl.DataFrame | None) -> pl.DataFrame:
        first = assemble_effective_epc(current, none, NO_NOTES)
        return complete_with_predictions(first, current, none, NO_NOTES, homes, previous)

    current, homes = _two_areas(lodged)
    out = run(current, homes, None)
    assert asked[-1] == [4, 14]
    assert out.filter(pl.col("property_id").is_in([4, 14]))["source_path"].to_list() == ["predicted"] * 2
    # nothing changed: nothing predicted, every row as it was
    assert run(current, homes, out).equals(out) and asked[-1] == []
    # a certified home of the SE street changes: home 4 is predicted again, home 14 is not
    changed_current, _ = _two_areas(lodged, thickness_2="100mm")
    again = run(changed_current, homes, out)
    assert asked[-1] == [4]
    assert again.filter(pl.col("property_id") == 14).equals(out.filter(pl.col("property_id") == 14))
    assert (
        again.filter(pl.col("property_id") == 4)["input_key"].item()
        != out.filter(pl.col("property_id") == 4)["input_key"].item()
    )
    assert again.equals(run(changed_current, homes, None))
    # the address of the home without a certificate is part of what its prediction reads
    moved = homes.with_columns(
        pl.when(pl.col("property_id") == 14)
        .then(pl.lit("14a Other Street, Exampleton"))
        .otherwise("address")
        .alias("address")
    )
    run(changed_current, moved, again)
    assert asked[-1] == [14]


def test_every_row_keeps_the_components_of_its_own_document(lodged: dict) -> None:
    """The `features` the effective EPC keeps (for the anomaly flags and the predictions, which no longer
    parse the documents) are the components of the row's final document: lodged, overridden and predicted."""
    from ara_assets.prediction.anomalies import flag_anomalies
    from ara_assets.prediction.features import features_frame, stored_features

    current, homes = _street(lodged)
    overrides = _overrides([(2, 1, "sap_building_parts[0].roof_insulation_thickness", "300mm")])
    first = assemble_effective_epc(current, overrides, NO_NOTES)
    out = complete_with_predictions(first, current, overrides, NO_NOTES, homes)
    assert set(out["source_path"]) == {"epc", "epc_with_overrides", "predicted"}
    parsed = features_frame(out["property_id"].to_list(), [json.loads(d) for d in out["document"]])
    assert stored_features(out).equals(parsed)
    overridden = stored_features(out).filter(pl.col("property_id") == 2)
    assert overridden["roof_insulation_thickness"].item() == "300mm"
    # the anomaly flags read the same components either way
    located = out.join(homes.select("property_id", "postcode", "address"), on="property_id")
    assert flag_anomalies(located.drop("document")).equals(flag_anomalies(located.drop("features")))
    pool = neighbour_pool(
        pl.DataFrame(
            {"uprn": [900000000009], "registration_date": [dt.date(2024, 1, 1)], "raw": [json.dumps(lodged)]}
        )
    )
    assert stored_features(pool).drop("property_id").row(0) == parsed.drop("property_id").row(0)
