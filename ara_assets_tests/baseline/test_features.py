"""The versioned feature transform of the effective EPC (pure), on generated synthetic homes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from polars.testing import assert_frame_equal

from ara_assets.baseline import features as ft
from ara_assets.baseline.features import (
    FEATURE_SCHEMA,
    FEATURE_TRANSFORM_VERSION,
    FEATURES,
    FRAME_SCHEMA,
    PARQUET_FINGERPRINT_KEY,
    PARQUET_VERSION_KEY,
    FeatureSchemaError,
    build_features,
    feature_frame,
    read_training_parquet,
    schema_fingerprint,
    write_training_parquet,
)
from ara_assets.baseline.performance import score_effective
from ara_assets.property.effective import assemble_effective_epc
from ara_assets.sap10.rdsap import expand_collect

# The schema fingerprint of each released transform version. Changing FEATURES (a name, dtype, unit or the
# order) changes the fingerprint: bump FEATURE_TRANSFORM_VERSION (semver, docs/adr/0009) and add a line here.
PINNED_FINGERPRINTS = {
    "1.0.0": "20d35965b491f7451a4553df595ca55de02adc6cd7d79a03c2327fb90a48e111",
}

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scoring" / "FEATURES.md"


@cache
def generated_effective(homes: int, seed: int) -> pl.DataFrame:
    """The effective_epc frame of a generated portfolio (synthetic homes; no overrides or site notes)."""
    from ara_assets.demo.generate import generate_portfolio

    portfolio = generate_portfolio(homes, seed)
    latest: dict[int, dict] = {}
    for _, envelope in portfolio.iter_documents():
        doc = envelope["data"]
        uprn = int(doc["uprn"])
        if uprn not in latest or doc["registration_date"] >= latest[uprn]["registration_date"]:
            latest[uprn] = doc
    uprns = portfolio.homes["uprn"].to_list()
    current = pl.DataFrame(
        {
            "property_id": list(range(1, len(uprns) + 1)),
            "uprn": uprns,
            "certificate_number": [latest[u]["certificate_number"] if u in latest else None for u in uprns],
            "raw": [json.dumps(latest[u]) if u in latest else None for u in uprns],
            "reason": [None if u in latest else "no certificate on the register" for u in uprns],
        },
        schema_overrides={"property_id": pl.Int64, "uprn": pl.Int64},
    )
    overrides = pl.DataFrame(
        schema={"property_id": pl.Int64, "override_id": pl.Int64, "field_path": pl.String, "value": pl.String,
                "author": pl.String, "created_at": pl.Datetime(time_zone="UTC")}
    )  # fmt: skip
    notes = pl.DataFrame(
        schema={"property_id": pl.Int64, "site_note_id": pl.Int64, "survey_date": pl.Date,
                "document": pl.String, "surveyor": pl.String}
    )  # fmt: skip
    return assemble_effective_epc(current, overrides, notes)


@pytest.fixture(scope="module")
def effective() -> pl.DataFrame:
    # seed 9: a draw of generator 2.0.0 that holds a home the expansion refuses (about 1 % do)
    return generated_effective(120, 9)


@pytest.fixture(scope="module")
def featureset(effective: pl.DataFrame) -> ft.FeatureSet:
    return build_features(effective)


def test_version_is_semver_and_schema_fingerprint_is_pinned():
    major, minor, patch = ft.parse_version(FEATURE_TRANSFORM_VERSION)
    assert (major, minor, patch) >= (1, 0, 0)
    assert FEATURE_TRANSFORM_VERSION in PINNED_FINGERPRINTS, (
        f"feature transform {FEATURE_TRANSFORM_VERSION} has no pinned fingerprint: add "
        f"{schema_fingerprint()!r} to PINNED_FINGERPRINTS"
    )
    assert schema_fingerprint() == PINNED_FINGERPRINTS[FEATURE_TRANSFORM_VERSION], (
        "the feature schema changed but FEATURE_TRANSFORM_VERSION did not: bump the version "
        "(major for a removed/renamed/retyped column, minor for an added one) and pin the new fingerprint"
    )


def test_fingerprint_moves_with_any_name_dtype_unit_or_order_change(monkeypatch):
    base = schema_fingerprint()
    first, second, *rest = FEATURES
    variants = [
        (ft.Feature(first.name + "_x", first.dtype, first.unit, first.meaning), second, *rest),
        (ft.Feature(first.name, pl.Float32(), first.unit, first.meaning), second, *rest),
        (ft.Feature(first.name, first.dtype, "ft2", first.meaning), second, *rest),
        (second, first, *rest),
        (first, second, *rest[:-1]),
    ]
    for variant in variants:
        monkeypatch.setattr(ft, "FEATURES", tuple(variant))
        assert ft.schema_fingerprint() != base
    # Rewording a meaning is documentation, not schema.
    monkeypatch.setattr(
        ft, "FEATURES", (ft.Feature(first.name, first.dtype, first.unit, "reworded"), second, *rest)
    )
    assert ft.schema_fingerprint() == base


def test_versions_parse_and_compare_by_major():
    assert ft.is_compatible("1.0.7", "1.0.0") and ft.is_compatible("1.2.0", "1.4.1")
    assert not ft.is_compatible("1.5.0", "1.4.1"), "a model of a later minor version needs newer columns"
    assert not ft.is_compatible("2.0.0", "1.9.9") and not ft.is_compatible("1.0.0", "2.0.0")
    assert ft.same_major("1.5.0", "1.4.1") and not ft.same_major("2.0.0", "1.0.0")
    for bad in ("1.0", "v1.0.0", "1.0.0-rc1", "", "1..0"):
        with pytest.raises(FeatureSchemaError, match="MAJOR.MINOR.PATCH"):
            ft.parse_version(bad)


def test_every_feature_is_documented_in_features_md():
    for f in FEATURES:
        assert f.unit and f.meaning, f.name
    text = DOCS.read_text()
    assert f"`{FEATURE_TRANSFORM_VERSION}`" in text
    assert ft.schema_markdown() in text, "docs/scoring/FEATURES.md is out of date: paste schema_markdown()"


def test_frame_has_the_schema_and_no_list_columns(featureset):
    frame = featureset.frame
    assert frame.schema == pl.Schema(FRAME_SCHEMA)
    assert list(frame.columns) == ["property_id", *FEATURE_SCHEMA]
    assert not any(isinstance(t, (pl.List, pl.Struct, pl.Array)) for t in frame.schema.values())
    assert frame.height > 50
    assert frame["property_id"].is_sorted() and frame["property_id"].n_unique() == frame.height
    # Always-known features are never null (the nullable ones say so in their meaning).
    nullable = {f.name for f in FEATURES if "null" in f.meaning}
    for name in FEATURE_SCHEMA:
        if name not in nullable:
            assert frame[name].null_count() == 0, name
    assert (frame["total_floor_area_m2"] > 0).all()
    assert (frame["fabric_heat_loss_w_per_k"] > 0).all()
    assert frame["meter_type"].is_in(["single", "dual_7h", "dual_10h", "24h", "18h"]).all()


def test_features_agree_with_the_worksheet_inputs(effective, featureset):
    # Recompute a few features by hand, home by home, from the expansion's list columns.
    docs = effective.filter(pl.col("document").is_not_null()).sort("property_id")
    inputs, _ = expand_collect([json.loads(d) for d in docs["document"]], normalise_docs=False)
    ids = docs["property_id"].to_numpy()[inputs["input_index"].to_numpy()]
    by_id = {int(r["property_id"]): r for r in featureset.frame.iter_rows(named=True)}
    for pid, row in zip(ids[:25], inputs.head(25).iter_rows(named=True), strict=True):
        f = by_id[int(pid)]
        assert f["total_floor_area_m2"] == pytest.approx(sum(row["storey_floor_area_m2"]))
        assert f["storeys"] == len(row["storey_floor_area_m2"])
        loss = sum(
            a * u
            for kind in ("wall", "roof", "party_wall", "door")
            for a, u in zip(row[f"{kind}_area_m2"], row[f"{kind}_u_value"], strict=True)
        )
        loss += sum(a * u for a, u in zip(row["floor_area_hl_m2"], row["floor_u_value"], strict=True))
        loss += sum(
            a / (1 / u + 0.04) for a, u in zip(row["window_area_m2"], row["window_u_value"], strict=True)
        )
        assert f["fabric_heat_loss_w_per_k"] == pytest.approx(loss)
        if row["wall_area_m2"] and sum(row["wall_area_m2"]) > 0:
            mean_u = np.average(row["wall_u_value"], weights=row["wall_area_m2"])
            assert f["wall_u_mean"] == pytest.approx(mean_u)
        south = sum(
            a for a, o in zip(row["window_area_m2"], row["window_orientation"], strict=True) if o in (4, 5, 6)
        )
        assert f["window_area_south_m2"] == pytest.approx(south)
        assert f["pv_kwp"] == pytest.approx(sum(row["pv_kwp"]))
        assert f["main_heating_code"] == row["main_heating_code"]
        assert f["age_band"] == row["age_band"]


def test_water_heating_fuel_is_the_one_the_calculator_uses(effective, featureset):
    calculated = score_effective(effective).filter(pl.col("calculation_error").is_null())
    joined = featureset.frame.join(calculated, on="property_id", suffix="_calc")
    assert joined.height > 30
    assert (joined["water_heating_fuel"] == joined["water_heating_fuel_calc"]).all()
    assert (joined["main_heating_fuel"] == joined["main_heating_fuel_calc"]).all()


def test_deterministic_whatever_the_row_order(effective, featureset):
    again = feature_frame(effective.sample(fraction=1.0, shuffle=True, seed=3))
    assert_frame_equal(again, featureset.frame, check_exact=True)
    assert again.hash_rows().to_list() == featureset.frame.hash_rows().to_list()


def test_refused_homes_are_listed_with_their_error(effective):
    # the generator's certificates all expand now (issue 13): lodge one park home, which RdSAP 10 refuses
    import json as _json

    first = effective.filter(pl.col("document").is_not_null()).row(0, named=True)
    doc = _json.loads(first["document"])
    doc.get("data", doc)["property_type"] = 4
    effective = effective.with_columns(
        pl.when(pl.col("property_id") == first["property_id"])
        .then(pl.lit(_json.dumps(doc)))
        .otherwise(pl.col("document"))
        .alias("document")
    )
    featureset = ft.build_features(effective)
    refused = featureset.refused
    assert refused.schema == pl.Schema(ft.REFUSED_SCHEMA)
    assert refused.height >= 1
    assert first["property_id"] in set(refused["property_id"])
    with_doc = set(effective.filter(pl.col("document").is_not_null())["property_id"])
    got = set(featureset.frame["property_id"])
    assert not got & set(refused["property_id"])
    assert got | set(refused["property_id"]) == with_doc
    for r in refused.iter_rows(named=True):
        assert r["certificate_number"] in r["error"] and r["field"] in r["error"]
    # The in-process calculator reports the same homes with the same message.
    calc = score_effective(effective).join(refused, on="property_id")
    assert (calc["calculation_error"] == calc["error"]).all()


def test_a_broken_document_is_refused_not_raised(effective):
    broken = effective.with_columns(
        pl.when(pl.col("property_id") == effective["property_id"][0])
        .then(pl.lit('{"certificate_number": "0000-1111-2222-3333-4444", "sap_building_parts": 7}'))
        .otherwise(pl.col("document"))
        .alias("document")
    )
    out = build_features(broken)
    assert effective["property_id"][0] in out.refused["property_id"].to_list()
    assert effective["property_id"][0] not in out.frame["property_id"].to_list()


def test_bad_effective_frames_are_refused(effective):
    with pytest.raises(FeatureSchemaError, match="'document' is missing"):
        feature_frame(effective.drop("document"))
    with pytest.raises(FeatureSchemaError, match="property_id .* more than one document"):
        feature_frame(pl.concat([effective.head(3), effective.head(1)]))
    empty = build_features(effective.clear())
    assert empty.frame.schema == pl.Schema(FRAME_SCHEMA) and empty.frame.is_empty()
    none = build_features(effective.with_columns(pl.lit(None, pl.String).alias("document")))
    assert none.frame.is_empty() and none.refused.is_empty()


def test_training_parquet_carries_the_version(featureset, tmp_path):
    path = write_training_parquet(featureset.frame, tmp_path / "train" / "features.parquet")
    meta = pq.read_schema(path).metadata
    assert meta[PARQUET_VERSION_KEY.encode()].decode() == FEATURE_TRANSFORM_VERSION
    assert meta[PARQUET_FINGERPRINT_KEY.encode()].decode() == schema_fingerprint()
    frame, version = read_training_parquet(path)
    assert version == FEATURE_TRANSFORM_VERSION
    assert_frame_equal(frame, featureset.frame, check_exact=True)
    # pl.read_parquet sees a plain file with the same columns.
    assert pl.read_parquet(path).columns == list(FRAME_SCHEMA)


def test_training_parquet_of_another_major_version_is_refused(featureset, tmp_path):
    table = featureset.frame.to_arrow()
    table = table.replace_schema_metadata({PARQUET_VERSION_KEY: "2.0.0"})
    pq.write_table(table, tmp_path / "v2.parquet")
    with pytest.raises(FeatureSchemaError, match=r"transform 2\.0\.0.*reads 1\."):
        read_training_parquet(tmp_path / "v2.parquet")
    pq.write_table(featureset.frame.to_arrow(), tmp_path / "plain.parquet")
    with pytest.raises(FeatureSchemaError, match="no ara.feature_transform_version"):
        read_training_parquet(tmp_path / "plain.parquet")


def test_write_refuses_a_frame_that_is_not_the_schema(featureset, tmp_path):
    with pytest.raises(FeatureSchemaError, match=r"missing \['pv_kwp'\]"):
        write_training_parquet(featureset.frame.drop("pv_kwp"), tmp_path / "x.parquet")
    with pytest.raises(FeatureSchemaError, match="'storeys' has dtype Int64"):
        write_training_parquet(
            featureset.frame.with_columns(pl.col("storeys").cast(pl.Int64)), tmp_path / "x.pq"
        )
    assert not (tmp_path / "x.parquet").exists()


def test_no_floor_area_gives_nulls_not_nan(effective):
    doc = effective.filter(pl.col("document").is_not_null())["document"][0]
    inputs, _ = expand_collect([json.loads(doc)], normalise_docs=False)
    inputs = inputs.with_columns(
        pl.lit(7, pl.Int64).alias("property_id"),
        pl.col("storey_floor_area_m2").list.eval(pl.element() * 0.0),
    )
    row = ft._features_of_inputs(inputs).row(0, named=True)
    for name in ("mean_storey_height_m", "living_area_fraction", "window_to_floor_ratio"):
        assert row[name] is None, name
    assert all(not (isinstance(v, float) and (v != v or abs(v) == float("inf"))) for v in row.values())
