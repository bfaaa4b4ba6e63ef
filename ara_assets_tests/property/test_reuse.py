"""Which rows of the previous run an incremental asset reuses: input keys compared, nothing else."""

from __future__ import annotations

import polars as pl
import pytest

from ara_assets.property.reuse import ReuseError, reusable_rows

SCHEMA: dict[str, pl.DataType] = {"property_id": pl.Int64(), "input_key": pl.String(), "sap": pl.Float64()}


def _previous() -> pl.DataFrame:
    return pl.DataFrame(
        {"property_id": [1, 2, 3, 4], "input_key": ["a", "b", "c", None], "sap": [60.0, 70.0, 80.0, 50.0],
         "extra": ["x", "y", "z", "w"]},
        schema_overrides={"input_key": pl.String},
    )  # fmt: skip


def test_a_home_keeps_its_row_exactly_when_its_key_is_unchanged() -> None:
    keys = pl.DataFrame({"property_id": [5, 3, 2, 1], "input_key": ["e", "c", "B", "a"]})
    reuse = reusable_rows(keys, _previous(), SCHEMA)
    # 1 and 3 unchanged; 2's key changed; 5 is new; 4 left the portfolio and is dropped
    assert sorted(reuse.kept_ids) == [1, 3]
    assert reuse.todo_ids.to_list() == [5, 2]
    assert reuse.kept.columns == list(SCHEMA)  # the schema's columns, not whatever the file had
    assert dict(reuse.kept.select("property_id", "sap").iter_rows()) == {1: 60.0, 3: 80.0}


def test_a_null_key_is_never_reused() -> None:
    keys = pl.DataFrame({"property_id": [4]}).with_columns(pl.lit(None, pl.String).alias("input_key"))
    reuse = reusable_rows(keys, _previous(), SCHEMA)
    assert reuse.kept.height == 0 and reuse.todo_ids.to_list() == [4]


def test_no_previous_run_or_an_older_layout_recomputes_every_home() -> None:
    keys = pl.DataFrame({"property_id": [1, 2], "input_key": ["a", "b"]})
    for previous in (None, _previous().drop("sap"), _previous().drop("input_key")):
        reuse = reusable_rows(keys, previous, SCHEMA)
        assert reuse.kept.height == 0 and reuse.kept.schema == pl.Schema(SCHEMA)
        assert reuse.todo_ids.to_list() == [1, 2]


def test_id_types_may_differ_between_the_keys_and_the_stored_rows() -> None:
    keys = pl.DataFrame({"property_id": pl.Series([1, 2], dtype=pl.Int32), "input_key": ["a", "x"]})
    reuse = reusable_rows(keys, _previous(), SCHEMA)
    assert reuse.kept_ids == [1] and reuse.todo_ids.to_list() == [2]
    assert reuse.todo_ids.dtype == pl.Int32


def test_bad_keys_are_refused_by_name() -> None:
    with pytest.raises(ReuseError, match="'input_key' is missing"):
        reusable_rows(pl.DataFrame({"property_id": [1]}), None, SCHEMA)
    with pytest.raises(ReuseError, match="property_id=2: field 'property_id' is duplicated"):
        reusable_rows(pl.DataFrame({"property_id": [2, 2], "input_key": ["a", "b"]}), None, SCHEMA)
