"""Probability of reaching a target, and the Poisson-binomial interval."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ara_assets.modelling.uncertainty import (
    goal_min_sap,
    interval,
    poisson_binomial,
    probability_reaching,
    required_sap,
    with_probability,
)


def test_probability_is_the_normal_tail_above_the_rounding_threshold() -> None:
    p = probability_reaching(np.array([68.5, 72.5, 60.0, 70.0]), 69, np.array([4.0, 4.0, 8.5, np.nan]))
    # exactly at the threshold: one half; one sd above: Phi(1); 8.5 below with sd 8.5: 1 - Phi(1)
    assert p[0] == pytest.approx(0.5)
    assert p[1] == pytest.approx(0.841345, abs=1e-6)
    assert p[2] == pytest.approx(0.158655, abs=1e-6)
    assert p[3] == 1.0  # no spread known: the point result decides


def test_required_sap_inverts_the_probability() -> None:
    need = required_sap(69, np.array([5.0]), 0.9)
    assert need[0] == pytest.approx(68.5 + 1.281552 * 5.0, abs=1e-5)
    assert probability_reaching(need, 69, np.array([5.0]))[0] == pytest.approx(0.9)


def test_poisson_binomial_distribution_and_interval() -> None:
    assert poisson_binomial(np.array([0.5, 0.5])) == pytest.approx([0.25, 0.5, 0.25])
    dist = poisson_binomial(np.array([0.9, 0.6]))
    assert dist == pytest.approx([0.04, 0.42, 0.54])
    assert interval(np.array([0.9, 0.6])) == (1, 2)
    assert interval(np.ones(10)) == (10, 10) and interval(np.zeros(4)) == (0, 0)
    # 100 coin flips: mean 50, sd 5, the central 90 % is 42..58 (binomial quantiles)
    assert interval(np.full(100, 0.5)) == (42, 58)
    assert interval(np.array([])) == (0, 0)


def test_goal_text_gives_the_minimum_sap() -> None:
    assert goal_min_sap("band C or better", "band") == 69.0
    assert goal_min_sap("SAP 75 or more", "sap") == 75.0
    assert goal_min_sap("cut CO2 by 50%", "co2_cut") is None


def test_with_probability_joins_the_spread_and_keeps_point_results_for_other_goals() -> None:
    phases = pl.DataFrame(
        {"property_id": [1, 2, 3], "goal": ["band C or better"] * 2 + ["cut CO2 by 50%"],
         "goal_kind": ["band", "band", "co2_cut"], "sap_after": [72.5, 64.5, 50.0],
         "reaches_target": [True, False, True]}
    )  # fmt: skip
    spread = pl.DataFrame({"property_id": [1, 2], "effective_sap_sd": [4.0, 4.0]})
    out = with_probability(phases, spread)
    assert out["probability_reaching_target"].to_list() == pytest.approx([0.841345, 0.158655, 1.0], abs=1e-6)
    assert out["sap_sd"].to_list() == [4.0, 4.0, None]


def test_target_confidence_picks_a_package_whose_probability_is_at_least_the_confidence() -> None:
    """A scenario with `target_confidence: 0.9` chooses, per home, a package whose SAP is high enough that
    the probability of reaching the band under the home's spread is >= 0.9; homes that reach only the
    point target pay more or miss it."""
    import datetime as dt

    from ara_assets.baseline.rates import factors_as_of, load_bundled_rates, rates_as_of
    from ara_assets.modelling.candidates import phase_candidates, score_states
    from ara_assets.modelling.optimiser import optimise_phase
    from ara_assets.modelling.scenarios import Scenario
    from ara_assets_tests.modelling.homes import synthetic_features, synthetic_inputs

    rates, factors = load_bundled_rates()
    day = dt.date(2026, 11, 1)
    prices = rates_as_of(rates, day, region=None), factors_as_of(factors, day)
    homes = synthetic_inputs()
    spec = {"name": "t", "goal": {"kind": "band", "target_band": "C"},
            "phases": [{"name": "p", "allowed_measure_types": ["loft_insulation", "cavity_wall_fill",
                                                               "external_wall_insulation", "double_glazing",
                                                               "condensing_boiler", "solar_pv"],
                        "target_year": 2030}]}  # fmt: skip
    plain = Scenario.model_validate(spec)
    sure = Scenario.model_validate({**spec, "target_confidence": 0.9})
    assert Scenario.from_spec(sure.to_spec()).target_confidence == 0.9
    start = score_states(homes, *prices)
    cands = phase_candidates(homes, synthetic_features(), plain, 0, start, *prices)
    sd = np.full(homes.height, 4.0)
    budget = np.full(homes.height, np.inf)
    point = optimise_phase(homes, cands, start, start, plain.phase_goal(0), budget, *prices)
    confident = optimise_phase(
        homes, cands, start, start, sure.phase_goal(0), budget, *prices, sap_sd=sd, target_confidence=0.9
    )
    sap_end = confident.end_scores["sap_rating"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    p_conf = probability_reaching(sap_end, 69, sd)
    reached = confident.packages["reaches_target"].to_numpy()
    assert reached.any()
    assert (p_conf[reached] >= 0.9 - 1e-9).all()
    # the confident plan never costs less, and somewhere costs more or reaches less
    assert (confident.packages["cost_gbp"].to_numpy() >= point.packages["cost_gbp"].to_numpy() - 1e-6).all()
    point_reached = point.packages["reaches_target"].to_numpy()
    assert (confident.packages["cost_gbp"].sum() > point.packages["cost_gbp"].sum()) or (
        reached.sum() < point_reached.sum()
    )


def test_normal_approximation_beyond_the_exact_limit_agrees_within_one_home(monkeypatch) -> None:
    import ara_assets.modelling.uncertainty as unc

    rng = np.random.default_rng(7)
    for p in (rng.random(3000), rng.beta(0.5, 0.5, 3000), 0.9 + 0.1 * rng.random(3000)):
        exact = unc.interval(p)
        monkeypatch.setattr(unc, "EXACT_LIMIT", 0)
        approx = unc.interval(p)
        monkeypatch.setattr(unc, "EXACT_LIMIT", 5000)
        assert abs(exact[0] - approx[0]) <= 1 and abs(exact[1] - approx[1]) <= 1
    # certain homes only shift the count
    assert unc.interval(np.array([1.0, 1.0, 0.0, 0.5, 0.5])) == (2, 4)
