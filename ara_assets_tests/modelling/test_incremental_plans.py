"""Incremental plans (modelling/incremental_plans.py): reusing the unchanged (home, scenario) plans of the
previous output gives exactly what a full `plan_portfolio` gives, and only changed pairs are built."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from ara_assets.baseline.rates import load_bundled_rates
from ara_assets.modelling.incremental_plans import (
    PLAN_OUTPUT_SCHEMA,
    IncrementalPlans,
    incremental_plans,
    nest_measures,
    pairs_to_write,
    plan_input_keys,
    plan_row_digests,
    unnest_measures,
)
from ara_assets.modelling.portfolio import (
    PortfolioPlans,
    current_prices,
    home_attributes,
    model_scenarios,
    plan_portfolio,
    refused_homes,
)
from ara_assets.modelling.scenarios import Scenario
from ara_assets_tests.modelling.homes import synthetic_features, synthetic_inputs

DAY = dt.date(2026, 11, 1)
IDS = [11, 12, 13, 14]
NO_BASELINE = 99  # refused before the expansion: no scored baseline
REFUSED = 14  # the expansion refuses this one


def _scenario(name: str, budget: float) -> dict[str, Any]:
    spec = Scenario.model_validate(
        {
            "name": name,
            "goal": {"kind": "band", "target_band": "C"},
            "budget_per_home_gbp": budget,
            "funding_schemes": ["whshf_wave3", "boiler_upgrade_scheme"],
            "phases": [
                {"name": "fabric", "allowed_measure_types": ["fabric", "lighting"], "target_year": 2028},
                {"name": "heat", "allowed_measure_types": ["low_carbon_heat"], "target_year": 2032},
            ],
        }
    ).to_spec()
    return {**spec, "version": 2}


SNAPSHOTS = {"fabric_then_heat": _scenario("fabric_then_heat", 25_000), "cheap": _scenario("cheap", 6_000)}


@pytest.fixture(scope="module")
def prices() -> tuple[pl.DataFrame, pl.DataFrame]:
    return current_prices(*load_bundled_rates(), DAY)


def _inputs() -> pl.DataFrame:
    return synthetic_inputs().with_columns(pl.Series("property_id", IDS, dtype=pl.Int64))


def _effective() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [*IDS, NO_BASELINE],
            "document": [f'{{"home": {i}}}' for i in [*IDS, NO_BASELINE]],
            "physical_hash": [f"p{i}" for i in [*IDS, NO_BASELINE]],
        }
    )


def _baseline() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [*IDS, NO_BASELINE],
            "input_key": ["k11", "k12", "k13", "k14", None],
            "baseline_status": ["ok", "ok", "ok", "ok", "no_effective_epc"],
            "baseline_reason": [None, None, None, None, "no certificate and no site notes"],
            "effective_band": ["D", "E", "D", "C", None],
            "effective_sap_sd": [3.0, None, 2.5, 4.0, None],
        }
    )


def _attrs(value_11: float = 210_000.0) -> pl.DataFrame:
    return home_attributes(
        pl.DataFrame(
            {
                "property_id": IDS,
                "property_value_gbp": [value_11, 160_000.0, None, 90_000.0],
                "tenure": ["social_rent", "social_rent", None, "private_rented"],
                "on_gas_grid": [True, True, False, True],
            }
        )
    )


class _Expansion:
    """A fake SAP-input expansion (the real one reads EPC documents): the synthetic inputs of the homes
    asked for; REFUSED is refused. Records how many homes each call expanded."""

    def __init__(self, inputs: pl.DataFrame) -> None:
        self.inputs = inputs
        self.calls: list[int] = []

    def __call__(
        self,
        effective: pl.DataFrame,
        baseline: pl.DataFrame,
        workers: int = 1,
        sap_inputs: pl.DataFrame | None = None,
    ) -> tuple[pl.DataFrame, pl.DataFrame, dict[int, str]]:
        ok = baseline.filter(pl.col("baseline_status") == "ok")["property_id"].implode()
        ids = effective.filter(pl.col("property_id").is_in(ok))["property_id"]
        self.calls.append(ids.len())
        refused = {REFUSED: "wall construction 99 unknown"} if REFUSED in ids.to_list() else {}
        mine = self.inputs.filter(
            pl.col("property_id").is_in(ids.implode()) & (pl.col("property_id") != REFUSED)
        )
        return mine, pl.DataFrame(), refused


def _candidates(inputs: pl.DataFrame, attrs: pl.DataFrame, prices: tuple) -> pl.DataFrame:
    features = synthetic_features().with_columns(pl.Series("property_id", IDS, dtype=pl.Int64))
    ok = inputs.filter(pl.col("property_id") != REFUSED)
    run = model_scenarios(
        SNAPSHOTS,
        ok,
        features.filter(pl.col("property_id") != REFUSED).drop("listed_building", "conservation_area"),
        attrs,
        _baseline(),
        *prices,
        this_year=2026,
    )
    return run.candidates


def _full(
    candidates: pl.DataFrame, inputs: pl.DataFrame, attrs: pl.DataFrame, prices: tuple
) -> PortfolioPlans:
    return plan_portfolio(
        candidates,
        inputs.filter(pl.col("property_id") != REFUSED),
        refused_homes(_baseline(), {REFUSED: "wall construction 99 unknown"}),
        attrs,
        *prices,
        start_year=2026,
        yearly_budget_gbp=20_000.0,
    )


def _incremental(
    candidates: pl.DataFrame,
    attrs: pl.DataFrame,
    prices: tuple,
    previous: pl.DataFrame | None,
    expansion: _Expansion,
    effective: pl.DataFrame | None = None,
) -> IncrementalPlans:
    effective = _effective() if effective is None else effective
    keys = plan_input_keys(effective, _baseline(), attrs, candidates, *prices)
    return incremental_plans(
        keys,
        previous,
        candidates,
        effective,
        _baseline(),
        attrs,
        *prices,
        start_year=2026,
        yearly_budget_gbp=20_000.0,
        expand=expansion,
    )


def _same(a: PortfolioPlans, b: PortfolioPlans) -> None:
    assert a.phases.equals(b.phases)
    assert a.measures.equals(b.measures)
    assert a.grants.equals(b.grants)
    assert [r["scenario"] for r in a.allocations] == [r["scenario"] for r in b.allocations]
    for x, y in zip(a.allocations, b.allocations, strict=True):
        assert {k: v for k, v in x.items() if k != "selected"} == {
            k: v for k, v in y.items() if k != "selected"
        }
        assert x["selected"].equals(y["selected"])
    assert a.allocation_meta == b.allocation_meta


def test_a_first_run_then_a_rerun_equal_the_full_plans_and_the_rerun_builds_nothing(prices) -> None:
    inputs, attrs = _inputs(), _attrs()
    candidates = _candidates(inputs, attrs, prices)
    full = _full(candidates, inputs, attrs, prices)
    assert full.phases.height == 5 * 2 * 2 and full.measures.height > 0  # 5 homes, 2 scenarios, 2 phases

    expansion = _Expansion(inputs)
    first = _incremental(candidates, attrs, prices, None, expansion)
    _same(first.planned, full)
    assert (first.recomputed, first.unchanged, expansion.calls) == (8, 0, [4])
    assert first.output.schema == pl.Schema(PLAN_OUTPUT_SCHEMA)
    # refused homes are kept apart from the funded ones; the home without a baseline has no key
    out = first.output
    assert not out.filter(pl.col("property_id").is_in([REFUSED, NO_BASELINE]))["modelled"].any()
    assert out.filter(pl.col("property_id") == NO_BASELINE)["input_key"].is_null().all()
    assert out.filter(pl.col("property_id") != NO_BASELINE)["input_key"].is_not_null().all()

    # through Parquet, as the IO manager stores it
    again = _incremental(candidates, attrs, prices, pl.from_arrow(out.to_arrow()), expansion)
    assert (again.recomputed, again.unchanged, expansion.calls[-1]) == (0, 8, 0)
    _same(again.planned, full)
    assert again.output.equals(out)


def test_one_changed_home_is_built_again_and_the_result_equals_a_full_rebuild(prices) -> None:
    inputs = _inputs()
    candidates = _candidates(inputs, _attrs(), prices)
    expansion = _Expansion(inputs)
    first = _incremental(candidates, _attrs(), prices, None, expansion)

    # a new property value changes home 11's plan rows (value and uplift), and nothing of its candidates
    attrs = _attrs(value_11=420_000.0)
    changed = _incremental(candidates, attrs, prices, first.output, expansion)
    assert (changed.recomputed, changed.unchanged, expansion.calls[-1]) == (2, 6, 1)
    full = _full(candidates, inputs, attrs, prices)
    _same(changed.planned, full)
    after = changed.planned.phases.filter(pl.col("property_id") == 11)["property_value_gbp"]
    assert set(after.to_list()) == {420_000.0}

    # the refused home's document changes: it is expanded (and refused) again
    effective = _effective().with_columns(
        pl.when(pl.col("property_id") == REFUSED)
        .then(pl.lit('{"home": "new"}'))
        .otherwise("document")
        .alias("document")
    )
    refused_again = _incremental(candidates, attrs, prices, changed.output, expansion, effective)
    assert (refused_again.recomputed, expansion.calls[-1]) == (2, 1)
    _same(refused_again.planned, full)


def test_an_older_output_without_the_key_columns_is_not_reused(prices) -> None:
    inputs, attrs = _inputs(), _attrs()
    candidates = _candidates(inputs, attrs, prices)
    expansion = _Expansion(inputs)
    first = _incremental(candidates, attrs, prices, None, expansion)
    older = first.output.drop("measures")
    assert _incremental(candidates, attrs, prices, older, expansion).recomputed == 8


def test_the_key_follows_the_candidates_content(prices) -> None:
    inputs, attrs = _inputs(), _attrs()
    candidates = _candidates(inputs, attrs, prices)
    keys = plan_input_keys(_effective(), _baseline(), attrs, candidates, *prices)
    assert keys.height == 8 and keys["input_key"].n_unique() == 8
    # one option of home 12 in scenario "cheap" no longer in the package
    flipped = candidates.with_columns(
        pl.when(
            (pl.col("property_id") == 12)
            & (pl.col("scenario") == "cheap")
            & (pl.int_range(pl.len()).over("property_id", "scenario") == 0)
        )
        .then(~pl.col("in_package"))
        .otherwise(pl.col("in_package"))
        .alias("in_package")
    )
    after = plan_input_keys(_effective(), _baseline(), attrs, flipped, *prices)
    moved = keys.join(after, on=["property_id", "scenario"]).filter(
        pl.col("input_key") != pl.col("input_key_right")
    )
    assert moved.select("property_id", "scenario").rows() == [(12, "cheap")]
    # row order does not matter
    same = plan_input_keys(_effective(), _baseline(), attrs, candidates.reverse(), *prices)
    assert keys.sort("property_id", "scenario").equals(same.sort("property_id", "scenario"))


def test_measures_nest_and_unnest_in_install_order(prices) -> None:
    inputs, attrs = _inputs(), _attrs()
    planned = _full(_candidates(inputs, attrs, prices), inputs, attrs, prices)
    phases = planned.phases.with_columns(nest_measures(planned.phases, planned.measures).alias("measures"))
    flat = unnest_measures(phases).sort("scenario", "property_id", "phase", "install_order")
    assert flat.equals(planned.measures.sort("scenario", "property_id", "phase", "install_order"))


def test_only_pairs_whose_stored_rows_differ_are_written(prices) -> None:
    inputs, attrs = _inputs(), _attrs()
    candidates = _candidates(inputs, attrs, prices)
    a = _full(candidates, inputs, attrs, prices)
    stored = plan_row_digests(a.phases, a.measures, a.grants)
    assert stored.height == 10 and stored["row_digest"].n_unique() == 10
    write, drop = pairs_to_write(stored, stored)
    assert write.height == 0 and drop.height == 0
    # a grant changes on one home: only that pair is written
    grants = a.grants.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.col("grant_gbp") + 1)
        .otherwise("grant_gbp")
        .alias("grant_gbp")
    )
    assert a.grants.height > 0
    first = a.grants.row(0, named=True)
    write, drop = pairs_to_write(plan_row_digests(a.phases, a.measures, grants), stored)
    assert write.rows() == [(first["scenario"], first["property_id"])] and drop.height == 0
    # a home that left the portfolio is dropped; a row stored before the digest existed is written again
    fewer = plan_row_digests(
        *(f.filter(pl.col("property_id") != 13) for f in (a.phases, a.measures, a.grants))
    )
    gone = [("cheap", 13), ("fabric_then_heat", 13)]
    write, drop = pairs_to_write(fewer, stored)
    assert write.height == 0 and sorted(drop.rows()) == gone
    write, drop = pairs_to_write(fewer, stored.with_columns(pl.lit(None, pl.String).alias("row_digest")))
    assert write.height == 8 and sorted(drop.rows()) == gone
