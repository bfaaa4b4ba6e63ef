"""Worksheet calls side by side in threads give the results of the calls in turn."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from ara_assets.demo.generate import generate_portfolio
from ara_assets.sap10 import calculate
from ara_assets.sap10.concurrent import calculate_all, calculation_threads, set_calculation_threads
from ara_assets.sap10.rdsap import expand_collect


@pytest.fixture
def two_threads() -> Iterator[None]:
    before = calculation_threads()
    set_calculation_threads(2)
    yield
    set_calculation_threads(before)


def test_threads_give_the_calls_in_turn(two_threads: None) -> None:
    docs = [doc for _, doc in generate_portfolio(120, seed=5).iter_documents()]
    inputs, _ = expand_collect(docs)
    inputs = inputs.with_columns(pl.format("h{}", pl.int_range(pl.len())).alias("home_id"))
    # a second batch that differs (another climate), and a third with a row the worksheet refuses
    other = inputs.with_columns(pl.lit(5, pl.Int32).alias("climate_region"))
    bad = inputs.head(5).with_columns(pl.lit(99, pl.Int32).alias("main_heating_fuel"))
    batches = [inputs, other, bad]
    together = calculate_all(batches)
    for got, batch in zip(together, batches, strict=True):
        assert_frame_equal(got, calculate(batch, errors="collect"))
    assert not together[0].equals(together[1])  # the climates differ: the order of results matters
    assert together[2]["error"].is_not_null().any()


def test_the_thread_count_is_checked() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        set_calculation_threads(0)
