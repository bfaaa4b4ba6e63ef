"""The portfolio-level planning of the modelling assets, without a database: which homes are modelled,
the scenario loop, the plans of every scenario and the allocation's yearly budget and start year."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from ara_assets.baseline.rates import load_bundled_rates
from ara_assets.modelling.portfolio import (
    PortfolioPlans,
    allocate_plans,
    allocation_start_year,
    current_prices,
    home_attributes,
    model_scenarios,
    net_cost_pricing,
    plan_portfolio,
    refused_homes,
    sap_spread,
    yearly_budgets,
)
from ara_assets.modelling.scenarios import Scenario
from ara_assets_tests.modelling.homes import synthetic_features, synthetic_inputs

DAY = dt.date(2026, 11, 1)
IDS = [11, 12, 13, 14]
REFUSED_ID = 99


def _scenario(name: str, **extra: object) -> Scenario:
    return Scenario.model_validate(
        {
            "name": name,
            "goal": {"kind": "band", "target_band": "C"},
            "budget_per_home_gbp": 25_000,
            "phases": [
                {"name": "fabric", "allowed_measure_types": ["fabric", "lighting"], "target_year": 2028},
                {"name": "heat", "allowed_measure_types": ["low_carbon_heat"], "target_year": 2032},
            ],
            **extra,
        }
    )


FABRIC = _scenario("fabric_then_heat")
CHEAP = _scenario("cheap_first", budget_per_home_gbp=6_000)


def _snapshot(scenario: Scenario, version: int) -> dict:
    return {**scenario.to_spec(), "version": version}


def _ids(frame: pl.DataFrame) -> pl.DataFrame:
    """The synthetic homes under other property ids."""
    return frame.with_columns(pl.Series("property_id", IDS, dtype=pl.Int64))


@pytest.fixture(scope="module")
def prices() -> tuple[pl.DataFrame, pl.DataFrame]:
    return current_prices(*load_bundled_rates(), DAY)


@pytest.fixture(scope="module")
def homes() -> pl.DataFrame:
    return _ids(synthetic_inputs())


@pytest.fixture(scope="module")
def baseline() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [*IDS, REFUSED_ID],
            "baseline_status": ["ok", "ok", "ok", "ok", "no_effective_epc"],
            "baseline_reason": [None, None, None, None, "no certificate and no site notes"],
            "effective_band": ["D", "E", "C", "C", None],
            "effective_sap_sd": [3.0, None, 2.5, 4.0, None],
        }
    )


@pytest.fixture(scope="module")
def attrs() -> pl.DataFrame:
    return home_attributes(
        pl.DataFrame(
            {
                "property_id": [11, 12],
                "property_value_gbp": [210_000.0, 160_000.0],
                "tenure": ["social_rent", None],
            }
        )
    )


@pytest.fixture(scope="module")
def candidates(homes, baseline, attrs, prices) -> tuple[pl.DataFrame, list[str]]:
    lines: list[str] = []
    run = model_scenarios(
        {"fabric_then_heat": _snapshot(FABRIC, 3), "cheap_first": _snapshot(CHEAP, 1)},
        homes,
        _ids(synthetic_features()).drop("listed_building", "conservation_area"),
        attrs,
        baseline,
        *prices,
        this_year=2026,
        progress=lines.append,
    )
    assert run.variants_scored > homes.height
    return run.candidates, lines


def test_the_allocation_starts_this_year_unless_configured() -> None:
    assert allocation_start_year(None, dt.date(2027, 3, 1)) == 2027
    assert allocation_start_year(2030, dt.date(2027, 3, 1)) == 2030


def test_the_yearly_budget_covers_every_year_to_the_last_target() -> None:
    budgets = yearly_budgets(FABRIC, 50_000, 2026)
    assert list(budgets) == list(range(2026, 2033))
    assert set(budgets.values()) == {50_000.0}
    # a later start shortens the horizon; it never runs past the last phase's target year
    assert list(yearly_budgets(FABRIC, 1.0, 2031)) == [2031, 2032]


def test_refused_homes_name_why_each_has_no_start_state() -> None:
    baseline = pl.DataFrame(
        {
            "property_id": [1, 2, 3],
            "baseline_status": ["ok", "no_effective_epc", "calculation_failed"],
            "baseline_reason": [None, "no certificate", None],
        }
    )
    refused = refused_homes(baseline, {4: "wall_construction: unsupported value 99", 2: "again"})
    got = dict(refused.sort("property_id").iter_rows())
    assert set(got) == {2, 3, 4}  # the scored home is not refused; home 2 appears once
    assert got[3] == "calculation_failed"  # no reason: the status stands in
    assert got[4] == "wall_construction: unsupported value 99"
    assert refused["property_id"].dtype == pl.Int64


def test_the_sap_spread_is_aligned_with_the_inputs(homes, baseline) -> None:
    spread = sap_spread(homes.reverse(), baseline)
    assert spread[0] == 4.0 and spread[3] == 3.0 and np.isnan(spread[2])
    # a baseline without the column: unknown for every home
    assert np.isnan(sap_spread(homes, baseline.drop("effective_sap_sd"))).all()


def test_attributes_are_keyed_like_the_inputs_and_absent_ones_are_null(attrs) -> None:
    assert attrs["property_id"].to_list() == [11, 12]
    assert attrs["on_gas_grid"].is_null().all() and attrs["listed_building"].dtype == pl.Boolean


def test_net_cost_pricing_opens_only_schemes_running_in_the_phase(attrs, baseline) -> None:
    net = _scenario("net", objective="net_cost", funding_schemes=["boiler_upgrade_scheme"])
    assert net_cost_pricing(FABRIC, attrs, baseline, this_year=2026) is None  # objective cost
    pricing = net_cost_pricing(net, attrs, baseline, this_year=2026)
    assert pricing is not None
    assert pricing(0) is not None  # phase 1 starts in 2026, while the scheme runs (to March 2028)
    assert pricing(1) is None  # phase 2 starts in 2029, after it ends
    later = net_cost_pricing(net, attrs, baseline, this_year=2029)
    assert later is not None and later(0) is None


def test_every_scenario_is_modelled_and_tagged_with_its_snapshot(candidates) -> None:
    cands, lines = candidates
    assert set(cands["scenario"].unique()) == {"fabric_then_heat", "cheap_first"}
    for name, version in (("fabric_then_heat", 3), ("cheap_first", 1)):
        mine = cands.filter(pl.col("scenario") == name)
        snaps = mine["scenario_snapshot"].cast(pl.String).unique().to_list()
        assert len(snaps) == 1 and json.loads(snaps[0])["version"] == version
        assert mine["scenario_version"].unique().to_list() == [version]
        assert Scenario.from_spec(json.loads(snaps[0])).name == name
    assert len(lines) == 2 and "scenario 1/2 'fabric_then_heat'" in lines[0]


def test_no_snapshot_gives_the_empty_candidate_frame(homes, baseline, attrs, prices) -> None:
    run = model_scenarios({}, homes, synthetic_features(), attrs, baseline, *prices, this_year=2026)
    assert run.candidates.height == 0 and "scenario_snapshot" in run.candidates.columns
    assert run.variants_scored == 0


@pytest.fixture(scope="module")
def planned(candidates, homes, baseline, attrs, prices) -> PortfolioPlans:
    lines: list[str] = []
    out = plan_portfolio(
        candidates[0],
        homes,
        refused_homes(baseline, {}),
        attrs,
        *prices,
        start_year=2026,
        yearly_budget_gbp=20_000.0,
        progress=lines.append,
    )
    assert len(lines) == 2
    return out


def test_the_portfolio_plans_cover_every_home_of_every_scenario(planned) -> None:
    phases = planned.phases
    assert set(planned.scenarios) == {"fabric_then_heat", "cheap_first"}
    for name in planned.scenarios:
        mine = phases.filter(pl.col("scenario") == name)
        # four modelled homes and the refused one, two phases each
        assert mine.height == 10
        assert sorted(mine["property_id"].unique().to_list()) == [*IDS, REFUSED_ID]
    refused = phases.filter(pl.col("property_id") == REFUSED_ID)
    assert refused["miss_reason"].unique().to_list() == ["not_modelled"]
    assert not refused["reaches_target"].any()
    # the smaller per-home budget is kept by the plans of its scenario
    cheap = phases.filter(pl.col("scenario") == "cheap_first")
    assert cheap["cost_to_date_gbp"].max() <= 6_000 + 0.01
    assert planned.plans.phases.height == phases.height


def test_the_allocation_keeps_within_the_yearly_budget(planned) -> None:
    assert sorted(a["scenario"] for a in planned.allocations) == sorted(planned.scenarios)
    for run in planned.allocations:
        assert run["start_year"] == 2026 and run["yearly_budget_gbp"] == 20_000.0
        assert set(run["selected"]["property_id"].to_list()) <= set(IDS)
    for meta in planned.allocation_meta.values():
        spend = meta["spend_by_year"]
        assert isinstance(spend, dict) and spend
        assert all(v <= 20_000.0 + 0.01 for v in spend.values())
        assert meta["home_phases_selected"] > 0 and meta["start_year"] == 2026
        assert set(spend) <= {str(y) for y in range(2026, 2033)}


def test_no_budget_runs_no_allocation(candidates, homes, baseline, attrs, prices) -> None:
    out = plan_portfolio(
        candidates[0],
        homes,
        refused_homes(baseline, {}),
        attrs,
        *prices,
        start_year=2026,
        yearly_budget_gbp=None,
    )
    assert out.allocations == [] and out.allocation_meta == {}
    assert out.phases.height == 20


def test_an_allocation_that_cannot_start_reports_its_error(planned) -> None:
    mine = planned.phases.filter(pl.col("scenario") == "fabric_then_heat")
    run, meta = allocate_plans(mine, planned.grants, FABRIC, 3, yearly_budget_gbp=1_000.0, start_year=2030)
    # phase 1's target year (2028) is before the allocation's first year
    assert run is None and "2028" in str(meta["error"])


def test_no_candidates_plan_nothing(homes, baseline, attrs, prices) -> None:
    empty = pl.DataFrame(schema={"scenario": pl.String, "scenario_snapshot": pl.Categorical})
    out = plan_portfolio(
        empty, homes, refused_homes(baseline, {}), attrs, *prices, start_year=2026, yearly_budget_gbp=1.0
    )
    assert out.phases.height == 0 and out.allocations == [] and out.scenarios == {}
    assert "miss_reason" in out.phases.columns
