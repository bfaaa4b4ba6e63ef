"""Multi-phase plans on synthetic homes: roll-forward, attribution, budgets, value uplift."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from ara_assets.baseline.rates import factors_as_of, load_bundled_rates, rates_as_of
from ara_assets.modelling.plans import (
    PlanError,
    Plans,
    attribution_gaps,
    build_plans,
    packages_from_candidates,
    phase_budgets,
    run_scenario,
)
from ara_assets.modelling.scenarios import Scenario
from ara_assets.modelling.valuation import uplift_pct
from ara_assets_tests.modelling.homes import synthetic_features, synthetic_inputs

DAY = dt.date(2026, 11, 1)
SCENARIO = Scenario.model_validate(
    {
        "name": "two_phase",
        "goal": {"kind": "band", "target_band": "B"},
        "budget_per_home_gbp": 30_000,
        "phases": [
            {
                "name": "fabric",
                "allowed_measure_types": ["fabric", "ventilation", "lighting", "heating_upgrades"],
                "target_year": 2030,
                "budget_gbp": 12_000,
                "target": {"kind": "band", "target_band": "C"},
            },
            {
                "name": "heat",
                "allowed_measure_types": ["low_carbon_heat", "renewables", "ventilation"],
                "target_year": 2035,
                "budget_gbp": 18_000,
                "target": {"kind": "co2_cut", "share": 0.5},
            },
        ],
    }
)


@pytest.fixture(scope="module")
def prices() -> tuple[pl.DataFrame, pl.DataFrame]:
    rates, factors = load_bundled_rates()
    return rates_as_of(rates, DAY, region=None), factors_as_of(factors, DAY)


@pytest.fixture(scope="module")
def homes() -> pl.DataFrame:
    return synthetic_inputs()


@pytest.fixture(scope="module")
def planned(homes, prices) -> tuple[object, Plans]:
    run = run_scenario(homes, synthetic_features(), SCENARIO, *prices, scenario_version=4)
    packages = packages_from_candidates(run.candidates, homes, 2)
    values = pl.DataFrame({"property_id": [1, 2], "property_value_gbp": [200_000.0, 150_000.0]})
    plans = build_plans(homes, packages, SCENARIO, *prices, values=values, scenario_version=4)
    return run, plans


def test_packages_round_trip_through_the_candidates(planned, homes) -> None:
    run, _ = planned
    again = packages_from_candidates(run.candidates, homes, 2).sort("property_id", "phase")
    chosen = run.packages.sort("property_id", "phase")
    assert again["package"].to_list() == chosen["package"].to_list()
    assert run.candidates["scenario_version"].unique().to_list() == [4]


def test_each_phase_starts_where_the_previous_ended(planned) -> None:
    _, plans = planned
    p = plans.phases.filter(pl.col("score_error").is_null()).sort("property_id", "phase")
    first, second = p.filter(pl.col("phase") == 1), p.filter(pl.col("phase") == 2)
    assert first.height == second.height >= 3
    assert second["sap_before"].to_list() == first["sap_after"].to_list()
    assert second["co2_before_t"].to_list() == first["co2_after_t"].to_list()
    assert (second["cost_to_date_gbp"] - first["cost_gbp"] - second["cost_gbp"]).abs().max() < 1e-9
    # the chosen packages' exact results match what the optimiser scored
    assert p.filter(pl.col("phase") == 1).filter(pl.col("property_id") == 1)["reaches_target"][0]


def test_attribution_is_sequential_and_sums_to_the_totals(planned, homes, prices) -> None:
    _, plans = planned
    assert attribution_gaps(plans).height == 0
    m = plans.measures
    assert m.height > 0
    # install order: the ventilation comes after the airtightness measure it serves
    for (home, phase), rows in m.group_by("property_id", "phase"):
        types = rows.sort("install_order")["measure_type"].to_list()
        if "mechanical_extract_ventilation" in types and "cavity_wall_fill" in types:
            assert types.index("cavity_wall_fill") < types.index("mechanical_extract_ventilation"), (
                home,
                phase,
            )
    # a multi-measure package is not the sum of the measures' independent effects
    run, _ = planned
    multi = plans.phases.filter(pl.col("package").list.len() >= 2)
    assert multi.height > 0
    singles = run.candidates.group_by("property_id", "phase", "option_id").agg(pl.col("delta_sap").first())
    summed = (
        multi.select("property_id", "phase", pl.col("package").alias("option_id"))
        .explode("option_id")
        .join(singles, on=["property_id", "phase", "option_id"], how="left")
        .group_by("property_id", "phase")
        .agg(pl.col("delta_sap").sum().alias("independent"))
        .join(multi, on=["property_id", "phase"])
    )
    gaps = (summed["sap_after"] - summed["sap_before"] - summed["independent"]).abs()
    assert gaps.max() > 1e-6


def test_budgets_and_goals_are_respected(planned) -> None:
    _, plans = planned
    p = plans.phases
    assert (p["cost_gbp"] <= p["budget_gbp"] + 1e-6).all()
    assert (p["cost_to_date_gbp"] <= 30_000 + 1e-6).all()
    scored = p.filter(pl.col("goal_metric_before").is_not_null())
    assert (scored["goal_metric_after"] >= scored["goal_metric_before"] - 1e-9).all()
    with_hp = p.filter(pl.col("package").list.eval(pl.element().str.starts_with("ashp")).list.any())
    assert with_hp.height > 0 and with_hp["heat_pump_fabric_ok_after"].all()
    heat = p.filter((pl.col("phase") == 2) & pl.col("reaches_target"))
    # a carbon phase is judged on carbon: reached means half the start-of-scenario CO2 or less
    start = p.filter(pl.col("phase") == 1).select("property_id", pl.col("co2_before_t").alias("co2_0"))
    joined = heat.join(start, on="property_id")
    assert (joined["co2_after_t"] <= 0.5 * joined["co2_0"] + 1e-9).all()


def test_value_uplift_follows_the_band_change(planned) -> None:
    _, plans = planned
    p = plans.phases.filter(pl.col("band_after").is_not_null())
    for row in p.iter_rows(named=True):
        assert row["value_uplift_pct"] == pytest.approx(uplift_pct(row["band_at_start"], row["band_after"]))
    h1 = p.filter(pl.col("property_id") == 1)
    assert (h1["value_uplift_gbp"] - 200_000.0 * h1["value_uplift_pct"] / 100).abs().max() < 1e-6
    assert p.filter(pl.col("property_id") == 4)["value_uplift_gbp"].is_null().all()


def test_scenario_budget_caps_later_phases() -> None:
    spent = np.array([0.0, 25_000.0, 30_000.0])
    assert phase_budgets(SCENARIO, 1, spent).tolist() == [18_000.0, 5_000.0, 0.0]


def test_duplicate_homes_are_refused(homes, prices) -> None:
    with pytest.raises(PlanError, match="property_id=1"):
        run_scenario(pl.concat([homes, homes.head(1)]), synthetic_features(), SCENARIO, *prices)


def test_net_cost_objective_plans_and_funds(homes, prices) -> None:
    """Objective net_cost runs end to end on real scoring: the plans stay within the capital budget and
    their grants come out of apply_funding (Boiler Upgrade Scheme on heat pumps, private tenure)."""
    from ara_assets.modelling.funding import apply_funding, load_funding_rules, net_cost_price

    scenario = Scenario.model_validate(
        {**SCENARIO.model_dump(), "funding_schemes": ["boiler_upgrade_scheme"], "tenure": "owner_occupied",
         "objective": "net_cost"}
    )  # fmt: skip
    rules = load_funding_rules()
    band = pl.DataFrame({"property_id": homes["property_id"], "band_at_start": ["D"] * homes.height})
    run = run_scenario(
        homes,
        synthetic_features(),
        scenario,
        *prices,
        price_for_phase=lambda i: net_cost_price(
            ["boiler_upgrade_scheme"], band, "owner_occupied", rules, phase_first_year=(2026, 2031)[i]
        ),
    )
    plans = build_plans(homes, packages_from_candidates(run.candidates, homes, 2), scenario, *prices)
    assert (plans.phases["cost_gbp"] <= plans.phases["budget_gbp"] + 0.01).all()
    funded = apply_funding(
        plans.phases,
        plans.measures,
        None,
        ["boiler_upgrade_scheme"],
        "owner_occupied",
        rules,
        start_year=2026,
    )
    # phase 2 starts in 2031, after the scheme: no grant there
    assert funded.phases.filter(pl.col("phase") == 2)["grant_gbp"].sum() == 0.0
    assert (funded.phases["net_cost_gbp"] <= funded.phases["cost_gbp"] + 0.01).all()
