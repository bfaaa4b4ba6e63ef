"""The `sap_inputs` rows: one expansion per home, reused while the document is unchanged, and scored the same
as expanding the documents again (the baseline's and modelling's old path)."""

from __future__ import annotations

import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ara_assets.baseline.performance import score_effective, score_expanded
from ara_assets.epc import set_field_path
from ara_assets.modelling.eligibility import features_from_register
from ara_assets.modelling.sap_inputs import (
    refresh,
    sap_input_keys,
    sap_inputs_invariants,
    split_homes,
)
from ara_assets.sap10.rdsap import expand_collect
from ara_assets_tests.modelling.test_start_matches_baseline import _demo_effective

WALL = "sap_building_parts[0].wall_insulation_type"


@pytest.fixture(scope="module")
def effective() -> pl.DataFrame:
    demo = _demo_effective()
    # one home the expansion refuses (a park home, which RdSAP 10 does not cover), and one without a document
    bad = json.loads(demo["document"][3])
    bad["property_type"] = 4
    return pl.concat(
        [
            demo.with_columns(
                pl.when(pl.col("property_id") == demo["property_id"][3])
                .then(pl.lit(json.dumps(bad)))
                .otherwise(pl.col("document"))
                .alias("document")
            ),
            pl.DataFrame({"property_id": [999_999], "document": [None]}, schema=demo.schema),
        ]
    )


def test_rows_score_as_the_documents_do(effective: pl.DataFrame) -> None:
    rows, expanded = refresh(effective, None)
    assert expanded == effective["document"].is_not_null().sum() == rows.height
    inputs, features, refused = split_homes(rows)
    assert list(refused) == [int(effective["property_id"][3])]
    assert "property_type" in refused[int(effective["property_id"][3])]
    assert_frame_equal(score_expanded(inputs, refused), score_effective(effective))
    # the inputs are the expansion of the parsed documents in one process, and the features the
    # eligibility module's reading of each document
    with_doc = effective.filter(pl.col("document").is_not_null())
    docs = [json.loads(d) for d in with_doc["document"]]
    direct, _ = expand_collect(docs, normalise_docs=False)
    cols = [c for c in direct.columns if c not in ("home_id", "input_index")]
    expanded = direct.filter(pl.col("certificate_number").is_in(inputs["certificate_number"].implode()))
    assert inputs.height == expanded.height == direct.height
    assert_frame_equal(inputs.select(cols), expanded.select(cols))
    expected = features_from_register(dict(zip(with_doc["property_id"].to_list(), docs, strict=True)))
    assert_frame_equal(features, expected)
    assert not any(i.passed is False for i in sap_inputs_invariants(rows, effective))


def test_only_changed_documents_are_expanded_again(effective: pl.DataFrame) -> None:
    rows, _ = refresh(effective, None)
    target = int(effective["property_id"][10])
    doc = json.loads(effective.filter(pl.col("property_id") == target)["document"][0])
    changed = effective.with_columns(
        pl.when(pl.col("property_id") == target)
        .then(pl.lit(json.dumps(set_field_path(doc, WALL, 4))))
        .otherwise(pl.col("document"))
        .alias("document")
    )
    again, expanded = refresh(changed, rows)
    assert expanded == 1
    fresh, _ = refresh(changed, None)
    assert_frame_equal(again, fresh.select(again.columns))
    # the changed home's row is new, every other row is the stored one
    mine = pl.col("property_id") == target
    assert not again.filter(mine).equals(rows.filter(mine))


def test_a_step_reading_stale_rows_expands_the_stale_homes(effective: pl.DataFrame) -> None:
    rows, _ = refresh(effective, None)
    stale = rows.filter(pl.col("property_id") != effective["property_id"][20]).with_columns(
        pl.when(pl.col("property_id") == effective["property_id"][21])
        .then(pl.lit("old-document-hash"))
        .otherwise(pl.col("input_key"))
        .alias("input_key")
    )
    again, expanded = refresh(effective, stale)
    assert expanded == 2  # the missing home and the one whose key no longer matches
    assert_frame_equal(again, rows.select(again.columns))


def test_the_key_names_the_pcdb_and_the_document(effective: pl.DataFrame) -> None:
    keys = sap_input_keys(effective)
    assert keys.height == effective["document"].is_not_null().sum()
    assert keys["input_key"].n_unique() == keys.height
    assert keys["input_key"].str.contains("pcdb:").all()


def test_the_blocking_rule_names_a_missing_home(effective: pl.DataFrame) -> None:
    rows, _ = refresh(effective, None)
    missing = int(rows["property_id"][0])
    (rule,) = sap_inputs_invariants(rows.slice(1), effective)
    assert not rule.passed and rule.homes == (missing,)
