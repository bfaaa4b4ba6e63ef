"""Exact scoring of states and the candidate options of a phase (synthetic homes, bundled rates)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ara_assets.baseline.rates import factors_as_of, load_bundled_rates, rates_as_of
from ara_assets.modelling.candidates import CandidateError, phase_candidates, score_states
from ara_assets.modelling.measures import apply_option
from ara_assets.modelling.scenarios import Scenario
from ara_assets.sap10 import calculate
from ara_assets_tests.modelling.homes import synthetic_features, synthetic_inputs

DAY = dt.date(2026, 11, 1)


@pytest.fixture(scope="module")
def prices() -> tuple[pl.DataFrame, pl.DataFrame]:
    rates, factors = load_bundled_rates()
    return rates_as_of(rates, DAY, region=None), factors_as_of(factors, DAY)


def scenario(allowed: list[str], excluded: list[str] | None = None) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "t",
            "goal": {"kind": "band", "target_band": "C"},
            "excluded_measure_types": excluded or [],
            "phases": [{"name": "one", "allowed_measure_types": allowed, "target_year": 2030}],
        }
    )


def test_score_states_is_the_calculator_row_by_row(prices) -> None:
    homes = synthetic_inputs()
    scores = score_states(homes, *prices)
    direct = calculate(homes, errors="collect")
    assert scores.height == homes.height
    ok = direct["error"].is_null()
    assert ok.sum() >= 3
    assert scores.filter(ok)["sap_rating"].to_list() == direct.filter(ok)["sap_rating"].to_list()
    assert (scores.filter(ok)["co2_t"] * 1000 - direct.filter(ok)["co2_kg_per_year"]).abs().max() < 1e-9
    assert scores.filter(ok)["bill_gbp"].min() > 0
    # a refused row keeps its place, with the calculator's message and no figures
    assert scores.filter(~ok)["score_error"].is_not_null().all()
    assert scores.filter(~ok)["sap_rating"].is_null().all()


def test_candidates_are_exact_rescores_of_eligible_options_only(prices) -> None:
    homes = synthetic_inputs().filter(pl.col("electricity_tariff") == 1)
    start = score_states(homes, *prices)
    sc = scenario(["fabric", "lighting", "heating_upgrades"], excluded=["double_glazing"])
    cands = phase_candidates(homes, synthetic_features(), sc, 0, start, *prices)
    assert cands.height > 0
    assert set(cands["measure_type"]) <= set(sc.allowed_in_phase(0))
    assert "double_glazing" not in set(cands["measure_type"])
    # H1 (cavity, unfilled): cavity fill only among wall insulations
    h1 = cands.filter(pl.col("property_id") == 1)
    assert "cwi_blown_fill" in h1["option_id"].to_list()
    assert not {"ewi_100mm", "iwi_60mm_pir"} & set(h1["option_id"])
    # the impact is the calculator's figure for the edited home, not an estimate
    edited = apply_option(homes, "loft_270mm", pl.col("property_id") == 2).frame
    direct = calculate(edited.filter(pl.col("property_id") == 2))["sap_rating"][0]
    row = cands.filter((pl.col("property_id") == 2) & (pl.col("option_id") == "loft_270mm"))
    assert row["sap_after"][0] == pytest.approx(direct, abs=1e-9)
    assert (cands["delta_sap"] - (cands["sap_after"] - cands["sap_before"])).abs().max() < 1e-12
    assert (cands["cost_gbp"] > 0).all()


def test_misaligned_start_scores_are_refused(prices) -> None:
    homes = synthetic_inputs()
    with pytest.raises(CandidateError, match="start_scores"):
        phase_candidates(homes, synthetic_features(), scenario(["fabric"]), 0, homes.head(0), *prices)
