"""Portfolio roll-up of plan phases and the summary's exact shape."""

from __future__ import annotations

import polars as pl

from ara_assets.modelling.rollup import SUMMARY_PHASE_KEYS, SUMMARY_SCENARIO_KEYS, rollup, summary_view


def _phases() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "scenario": ["s"] * 6,
            "scenario_version": [2] * 6,
            "property_id": [1, 1, 2, 2, 3, 3],
            "phase": [1, 2, 1, 2, 1, 2],
            "phase_name": ["a", "b"] * 3,
            "cost_gbp": [1000.0, 5000.0, 0.0, 2000.0, 0.0, 0.0],
            "reaches_target": [True, True, True, False, False, False],
            "sap_before": [60.0, 70.0, 75.0, 75.0, None, None],
            "sap_after": [70.0, 68.0, 75.0, 80.0, None, None],
            "co2_before_t": [3.0, 2.5, 2.0, 2.0, None, None],
            "co2_after_t": [2.5, 1.0, 2.0, 1.5, None, None],
            "bill_before_gbp": [1500.0, 1300.0, 1000.0, 1000.0, None, None],
            "bill_after_gbp": [1300.0, 1100.0, 1000.0, 900.0, None, None],
            "score_error": [None, None, None, None, "refused", "refused"],
        }
    )


def test_rollup_counts_costs_and_savings_per_phase() -> None:
    (s,) = rollup(_phases())
    assert s["scenario"] == "s" and s["scenario_version"] == 2
    one, two = s["phases"]
    expected = {
        "phase": 1,
        "phase_name": "a",
        "homes": 2,
        "homes_reaching_target": 2,
        "homes_treated": 1,
        "total_cost_gbp": 1000.0,
        "cost_per_sap_point_gbp": 100.0,
        "mean_sap_after": 72.5,
        "co2_saved_tonnes": 0.5,
        "bill_saved_gbp": 200.0,
        # no probabilities in the rows: the point result is certain
        "expected_homes_reaching_target": 2.0,
        "homes_reaching_target_interval": [2, 2],
    }
    assert {k: one[k] for k in expected} == expected
    # no grant columns: no grant, net cost = cost; home 3 (refused) misses as not modelled
    assert one["grant_gbp"] == 0.0 and one["net_cost_gbp"] == 1000.0
    assert one["missed_by_reason"]["not_modelled"] == 1
    # home 3 only: home 2 misses too, but its row (written before reasons) gives none
    assert sum(two["missed_by_reason"].values()) == 1
    # phase 2: a heat pump lowered home 1's SAP by 2 while home 2 gained 5
    assert two["cost_per_sap_point_gbp"] == round(7000.0 / 3.0, 2)
    assert two["co2_saved_tonnes"] == 2.0 and two["homes_reaching_target"] == 1
    assert s["unreachable_homes"] == [2]
    assert s["not_modelled"] == [3]


def test_summary_view_has_exactly_the_documented_keys() -> None:
    (s,) = summary_view(rollup(_phases()))
    assert tuple(s) == SUMMARY_SCENARIO_KEYS
    assert s["unreachable_count"] == len(s["unreachable_homes"]) == 1
    assert isinstance(s["not_modelled"], list) and s["not_modelled_count"] == 1
    assert all(tuple(p) == SUMMARY_PHASE_KEYS for p in s["phases"])
    assert s["phases"][0]["homes_reaching_target"] == 2


def test_rollup_reports_expected_count_and_poisson_binomial_interval() -> None:
    phases = _phases().with_columns(
        pl.Series("probability_reaching_target", [0.9, 0.5, 0.6, 0.2, None, None])
    )
    (s,) = rollup(phases)
    one, two = s["phases"]
    assert one["expected_homes_reaching_target"] == 1.5 and two["expected_homes_reaching_target"] == 0.7
    # phase 1: P(0) = 0.1 * 0.4 = 0.04, P(1) = 0.9 * 0.4 + 0.1 * 0.6 = 0.42, P(2) = 0.54: 5th pct 1, 95th 2
    assert one["homes_reaching_target_interval"] == [1, 2]
    # phase 2: P(0) = 0.5 * 0.8 = 0.4 > 0.05, so the interval starts at 0
    assert two["homes_reaching_target_interval"] == [0, 2]
