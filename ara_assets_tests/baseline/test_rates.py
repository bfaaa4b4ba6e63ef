"""Rates and factors: the bundled snapshot, validation errors, overlay of corrections, as-of lookup."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ara_assets.baseline import rates as r
from ara_assets.baseline.rates import sap_fuel_map


def _rates(rows: list[dict[str, object]]) -> pl.DataFrame:
    base = {
        "fuel": "mains_gas",
        "region": "GB",
        "tariff": "standard",
        "unit_rate_p_per_kwh": "6.0",
        "standing_charge_p_per_day": "30",
        "valid_from": "2026-01-01",
        "valid_to": None,
        "source": "synthetic test row",
    }
    return pl.DataFrame([{**base, **row} for row in rows], schema={k: pl.String() for k in base})


def test_bundled_snapshot_is_valid_and_sourced() -> None:
    rates, factors = r.load_bundled_rates()
    assert rates.height >= 20 and factors.height >= 20
    assert rates["source"].str.len_chars().min() > 10
    assert factors["source"].str.len_chars().min() > 10
    # The latest Ofgem cap quarter is the open row of each series.
    gas = rates.filter((pl.col("fuel") == "mains_gas") & pl.col("valid_to").is_null())
    assert gas.height == 1 and gas["valid_from"][0] == dt.date(2026, 7, 1)


def test_every_sap_fuel_code_maps_to_a_price_fuel_that_is_priced_or_explained() -> None:
    rates, _ = r.load_bundled_rates()
    priced = set(r.rates_as_of(rates, dt.date(2026, 11, 22))["fuel"].to_list())
    fmap = sap_fuel_map()
    table12 = pl.read_csv(
        r.DATA_DIR.parent.parent / "sap10" / "tables" / "table_12_fuels.csv", columns=["fuel_code"]
    )
    assert set(table12["fuel_code"].to_list()) <= set(fmap["sap_fuel_code"].to_list())
    unpriced = fmap.filter(~pl.col("price_fuel").is_in(list(priced)) & (pl.col("energy_kind") != "export"))
    # Unpriced fuels carry the reason that the pricing error will quote.
    assert unpriced["note"].null_count() == 0
    assert {"mains_gas", "electricity", "heating_oil", "bulk_lpg", "wood_pellets"} <= priced
    assert "heat_network" in set(unpriced["price_fuel"].to_list())


def test_validation_names_row_field_and_value() -> None:
    frame = _rates([{}, {"unit_rate_p_per_kwh": "-1.5", "valid_from": "2027-01-01"}])
    with pytest.raises(r.RatesError, match=r"row 2: field 'unit_rate_p_per_kwh' value -1.5 is negative"):
        r.validate_rates(frame)
    with pytest.raises(r.RatesError, match=r"row 1: field 'valid_from' value 'tomorrow' is not a valid date"):
        r.validate_rates(_rates([{"valid_from": "tomorrow"}]))
    with pytest.raises(r.RatesError, match=r"row 1: field 'tariff' value 'peak' is not one of"):
        r.validate_rates(_rates([{"tariff": "peak"}]))
    with pytest.raises(r.RatesError, match=r"row 1: field 'valid_to' value '2025-01-01' is not after"):
        r.validate_rates(_rates([{"valid_to": "2025-01-01"}]))
    with pytest.raises(r.RatesError, match=r"missing column\(s\) source"):
        r.validate_rates(_rates([{}]).drop("source"))


def test_overlap_within_a_series_is_refused_but_other_series_may_share_dates() -> None:
    overlapping = _rates([{"valid_to": "2026-07-01"}, {"valid_from": "2026-04-01"}])
    with pytest.raises(r.RatesError, match=r"row 2: field 'valid_from' value '2026-04-01' overlaps row 1"):
        r.validate_rates(overlapping)
    open_then_later = _rates([{}, {"valid_from": "2027-01-01"}])
    with pytest.raises(r.RatesError, match="overlaps"):
        r.validate_rates(open_then_later)
    fine = _rates([{}, {"region": "NORTH_WEST"}, {"tariff": "7h_high", "fuel": "electricity"}])
    assert r.validate_rates(fine).height == 3


def test_optional_columns_take_defaults() -> None:
    frame = _rates([{}]).drop("region", "standing_charge_p_per_day", "valid_to")
    out = r.validate_rates(frame)
    assert out.row(0, named=True)["region"] == "GB"
    assert out["standing_charge_p_per_day"][0] == 0.0
    assert out["valid_to"][0] is None


def test_overlay_cuts_open_row_and_splits_around_a_correction() -> None:
    current = r.validate_rates(
        _rates(
            [
                {"valid_from": "2026-01-01", "valid_to": None, "unit_rate_p_per_kwh": "6"},
                {"fuel": "electricity", "unit_rate_p_per_kwh": "25"},
            ]
        )
    )
    correction = r.validate_rates(
        _rates([{"valid_from": "2026-04-01", "valid_to": "2026-07-01", "unit_rate_p_per_kwh": "5"}])
    )
    merged = r.overlay(current, correction, "rates")
    gas = merged.filter(pl.col("fuel") == "mains_gas").sort("valid_from")
    assert gas.select("valid_from", "valid_to", "unit_rate_p_per_kwh").rows() == [
        (dt.date(2026, 1, 1), dt.date(2026, 4, 1), 6.0),
        (dt.date(2026, 4, 1), dt.date(2026, 7, 1), 5.0),
        (dt.date(2026, 7, 1), None, 6.0),
    ]
    # Electricity was not in the file: untouched.
    assert merged.filter(pl.col("fuel") == "electricity").height == 1
    r.validate_rates(merged)


def test_rates_as_of_prefers_region_then_gb() -> None:
    frame = r.validate_rates(
        _rates(
            [
                {"valid_to": "2026-04-01", "unit_rate_p_per_kwh": "6"},
                {"valid_from": "2026-04-01", "unit_rate_p_per_kwh": "7"},
                {"region": "NORTH_WEST", "unit_rate_p_per_kwh": "8"},
            ]
        )
    )
    assert r.rates_as_of(frame, dt.date(2026, 3, 31))["unit_rate_p_per_kwh"].to_list() == [6.0]
    assert r.rates_as_of(frame, dt.date(2026, 4, 1))["unit_rate_p_per_kwh"].to_list() == [7.0]
    assert r.rates_as_of(frame, dt.date(2026, 5, 1), "NORTH_WEST")["unit_rate_p_per_kwh"].to_list() == [8.0]
    assert r.rates_as_of(frame, dt.date(2025, 12, 31)).height == 0


def test_checksum_ignores_row_order_but_not_values() -> None:
    rates, factors = r.load_bundled_rates()
    same = r.checksum(rates.reverse(), factors.sample(fraction=1.0, shuffle=True, seed=1))
    assert same == r.checksum(rates, factors)
    changed = rates.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.col("unit_rate_p_per_kwh") + 0.01)
        .otherwise(pl.col("unit_rate_p_per_kwh"))
    )
    assert r.checksum(changed, factors) != r.checksum(rates, factors)


def test_factors_validation() -> None:
    _, factors = r.load_bundled_rates()
    bad = factors.with_columns(pl.lit("IPCC").alias("scheme")).head(1)
    with pytest.raises(r.RatesError, match=r"row 1: field 'scheme' value 'IPCC' is not one of"):
        r.validate_factors(bad)
    on = r.factors_as_of(factors, dt.date(2026, 11, 22))
    elec = on.filter(pl.col("fuel") == "electricity")
    assert dict(zip(elec["scheme"], elec["kg_co2e_per_kwh"], strict=True)) == {
        "DESNZ": 0.177,
        "SAP 10.2": 0.136,
    }
    old = r.factors_as_of(factors, dt.date(2024, 6, 1)).filter(
        (pl.col("fuel") == "electricity") & (pl.col("scheme") == "DESNZ")
    )
    assert old["kg_co2e_per_kwh"].to_list() == [0.20705]


def test_baseline_package_has_no_io_imports() -> None:
    import ast

    forbidden = {"dagster", "httpx", "sqlalchemy", "psycopg"}
    for path in (r.DATA_DIR.parent).glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not {n.split(".")[0] for n in names} & forbidden, f"{path.name} imports {names}"


_day = st.integers(min_value=0, max_value=60)


@st.composite
def _series(draw: st.DrawFn) -> list[tuple[int, int | None]]:
    """Non-overlapping half-open day spans of one series; the last may be open."""
    cuts = sorted(draw(st.sets(_day, min_size=1, max_size=6)))
    spans: list[tuple[int, int | None]] = list(zip(cuts, cuts[1:], strict=False))
    if draw(st.booleans()) or not spans:
        spans.append((cuts[-1], None))
    return [s for s in spans if draw(st.booleans())] or spans[:1]


@given(current=_series(), incoming=_series())
@settings(max_examples=100, deadline=None)
def test_overlay_property(
    current: list[tuple[int, int | None]], incoming: list[tuple[int, int | None]]
) -> None:
    start = dt.date(2026, 1, 1)

    def frame(spans: list[tuple[int, int | None]], rate: str) -> pl.DataFrame:
        return r.validate_rates(
            _rates(
                [
                    {
                        "valid_from": (start + dt.timedelta(days=a)).isoformat(),
                        "valid_to": None if b is None else (start + dt.timedelta(days=b)).isoformat(),
                        "unit_rate_p_per_kwh": rate,
                    }
                    for a, b in spans
                ]
            )
        )

    merged = r.overlay(frame(current, "1"), frame(incoming, "2"), "rates")
    r.validate_rates(merged)  # never overlapping
    rows = merged.select("valid_from", "valid_to", "unit_rate_p_per_kwh").rows()
    for day in range(0, 70):
        on = start + dt.timedelta(days=day)
        in_new = any(a <= day and (b is None or day < b) for a, b in incoming)
        in_old = any(a <= day and (b is None or day < b) for a, b in current)
        got = [u for f, t, u in rows if f <= on and (t is None or on < t)]
        # The incoming file wins where it speaks; elsewhere the old rate survives; nothing is invented.
        assert got == ([2.0] if in_new else [1.0] if in_old else [])
