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
