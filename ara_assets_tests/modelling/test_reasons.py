"""Why a home-phase misses its target: each reason, and a not-modelled home never reaching a target."""

from __future__ import annotations

import polars as pl

from ara_assets.modelling.reasons import explain_misses, not_modelled_rows
from ara_assets.modelling.scenarios import Scenario

SCENARIO = Scenario.model_validate(
    {
        "name": "s",
        "goal": {"kind": "band", "target_band": "C"},
        "phases": [
            {"name": "fabric", "target_year": 2030, "budget_gbp": 5000, "allowed_measure_types": ["fabric"]}
        ],
    }
)


def _phase(
    home: str, sap_before: float | None, sap_after: float | None, reaches: bool, error: str | None = None
) -> dict:
    return {"home_id": home, "phase": 1, "budget_gbp": 5000.0, "reaches_target": reaches,
            "sap_before": sap_before,
            "sap_after": sap_after, "co2_before_t": 3.0, "co2_after_t": 3.0, "bill_before_gbp": 1000.0,
            "bill_after_gbp": 1000.0, "score_error": error}  # fmt: skip


def _cand(home: str, mt: str, delta: float) -> dict:
    return {"home_id": home, "phase": 1, "measure_type": mt, "delta_sap": delta, "delta_co2_t": 0.0,
            "delta_bill_gbp": 0.0, "score_error": None}  # fmt: skip


def test_each_reason() -> None:
    phases = pl.DataFrame(
        [
            _phase("ok", 60.0, 70.0, True),
            _phase("none", 60.0, 60.0, False),  # no option improves SAP
            _phase("budget", 50.0, 60.0, False),  # options would reach 72 without the budget
            _phase("short", 40.0, 50.0, False),  # best estimate 55 < 69
            _phase("bad", None, None, True, error="fuel has no price"),  # never counts as reaching
        ],
        schema_overrides={"score_error": pl.String},
    )
    cands = pl.DataFrame(
        [
            _cand("none", "loft_insulation", -0.5),
            _cand("budget", "external_wall_insulation", 12.0),
            _cand("budget", "internal_wall_insulation", 8.0),  # same slot as the EWI: not added
            _cand("budget", "loft_insulation", 10.0),
            _cand("short", "loft_insulation", 10.0),
            _cand("short", "double_glazing", 5.0),
        ],
        schema_overrides={"score_error": pl.String},
    )
    out = explain_misses(phases, cands, SCENARIO)
    got = {r["home_id"]: r for r in out.iter_rows(named=True)}
    assert got["ok"]["miss_reason"] is None and got["ok"]["reaches_target"]
    assert got["none"]["miss_reason"] == "no_eligible_measure"
    assert got["budget"]["miss_reason"] == "budget_limit"
    assert got["budget"]["reachable_within_budget"] == 60.0
    assert "SAP 60 within £5,000" in got["budget"]["miss_detail"]
    assert got["short"]["miss_reason"] == "max_achievable_below_target"
    assert got["short"]["best_achievable"] == 55.0
    assert got["bad"]["miss_reason"] == "not_modelled" and got["bad"]["reaches_target"] is False
    assert got["bad"]["miss_detail"] == "fuel has no price"


def test_not_modelled_rows_name_the_reason() -> None:
    refused = pl.DataFrame({"property_id": [7], "reason": ["no certificate on the register"]})
    rows = not_modelled_rows(refused, SCENARIO, 3)
    assert rows.height == 1
    row = rows.row(0, named=True)
    assert row["miss_reason"] == "not_modelled" and row["reaches_target"] is False
    assert row["miss_detail"] == "no certificate on the register" and row["goal"] == "band C or better"
