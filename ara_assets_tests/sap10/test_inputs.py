import numpy as np
import polars as pl
import pytest

from ara_assets.sap10 import INPUT_SCHEMA, UnsupportedInput, prepare_inputs


def _minimal() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "home_id": ["a", "b"],
            "storey_floor_area_m2": [[100.0], [50.0, 50.0]],
            "storey_height_m": [[3.0], [2.5, 2.5]],
            "living_area_m2": [30.0, 20.0],
            "main_heating_code": [104, 104],
            "main_heating_fuel": [1, 1],
            "main_heating_control": [2106, 2106],
        }
    )


def test_defaults_filled_and_cast():
    out = prepare_inputs(_minimal())
    for name, col in INPUT_SCHEMA.items():
        assert out.schema[name] == col.dtype, name
    assert out["ventilation_type"].to_list() == [1, 1]
    assert out["window_area_m2"].to_list() == [[], []]


def test_every_column_documented():
    for col in INPUT_SCHEMA.values():
        assert col.doc and col.unit and col.line, col.name


@pytest.mark.parametrize(
    ("column", "values", "record"),
    [
        ("ventilation_type", [1, 44], "b"),
        ("living_area_m2", ["x", "3"], "a"),
        ("main_heating_code", [None, 104], "a"),
    ],
)
def test_bad_values_name_record_field_value(column, values, record):
    df = _minimal().with_columns(pl.Series(column, values, strict=False))
    with pytest.raises(UnsupportedInput) as err:
        prepare_inputs(df)
    assert err.value.record == record
    assert err.value.field == column


def test_list_group_lengths_checked():
    df = _minimal().with_columns(
        pl.Series("window_area_m2", [[1.0, 2.0], []]), pl.Series("window_u_value", [[1.5], []])
    )
    with pytest.raises(UnsupportedInput) as err:
        prepare_inputs(df)
    assert err.value.field != "window_area_m2"


def test_missing_required_column():
    with pytest.raises(UnsupportedInput) as err:
        prepare_inputs(_minimal().drop("main_heating_control"))
    assert err.value.field == "main_heating_control"


def test_inputs_doc_is_generated_from_the_schema() -> None:
    from pathlib import Path

    from ara_assets.sap10.inputs import schema_markdown

    doc = Path(__file__).resolve().parents[2] / "docs" / "sap10" / "INPUTS.md"
    assert schema_markdown().strip() in doc.read_text(), "INPUTS.md is stale: paste schema_markdown()"


def test_code_lookup_agrees_with_isin() -> None:
    """The validation's table lookup of allowed codes flags exactly the rows np.isin would: nulls pass,
    fractional, negative, huge and infinite codes fail."""
    from ara_assets.sap10.inputs.prepare import _not_allowed

    rng = np.random.default_rng(3)
    values = np.concatenate(
        [
            rng.integers(-3, 40, 500).astype(float),
            rng.uniform(-5, 40, 100),
            [np.nan, np.inf, -np.inf, 1e18, -1e18, 0.0, 31.0, 32.0, 33.0, 12.0],
        ]
    )
    for allowed in ((1, 2), (0, 1, 2, 3), (12, 32), (5, 6, 7, 8, 9)):
        expected = ~np.isin(values, allowed) & ~np.isnan(values)
        assert np.array_equal(_not_allowed(values, allowed), expected), allowed


def test_code_lookup_on_int32_codes_agrees_with_isin() -> None:
    """The int32 fast path of the allowed-code check flags the same rows, negative codes included."""
    from ara_assets.sap10.inputs.prepare import _not_allowed

    codes = np.array(
        [-2_000_000_000, -5, -1, 0, 1, 2, 3, 9, 10, 11, 12, 32, 33, 2_000_000_000], dtype=np.int32
    )
    for allowed in ((1, 2), (0, 1, 2, 3), (12, 32), (5, 6, 7, 8, 9)):
        expected = ~np.isin(codes, allowed)
        assert np.array_equal(_not_allowed(codes.astype(float), allowed, codes), expected), allowed


def test_bounds_checked_despite_nan_and_nulls() -> None:
    """A value out of range is reported even when another row of the column is null (NaN)."""
    df = _minimal().with_columns(pl.Series("living_area_m2", [None, -3.0]))
    with pytest.raises(UnsupportedInput, match="living_area_m2"):
        prepare_inputs(df)
