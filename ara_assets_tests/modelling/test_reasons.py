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


# property ids of the homes of test_each_reason, named after the case each one shows
OK, NONE, BUDGET, SHORT, BAD = 1, 2, 3, 4, 5


def _phase(
    home: int, sap_before: float | None, sap_after: float | None, reaches: bool, error: str | None = None
) -> dict:
    return {"property_id": home, "phase": 1, "budget_gbp": 5000.0, "reaches_target": reaches,
            "sap_before": sap_before,
            "sap_after": sap_after, "co2_before_t": 3.0, "co2_after_t": 3.0, "bill_before_gbp": 1000.0,
            "bill_after_gbp": 1000.0, "score_error": error}  # fmt: skip


def _cand(home: int, mt: str, delta: float) -> dict:
    return {"property_id": home, "phase": 1, "measure_type": mt, "delta_sap": delta, "delta_co2_t": 0.0,
            "delta_bill_gbp": 0.0, "score_error": None}  # fmt: skip


def test_each_reason() -> None:
    phases = pl.DataFrame(
        [
            _phase(OK, 60.0, 70.0, True),
            _phase(NONE, 60.0, 60.0, False),  # no option improves SAP
            _phase(BUDGET, 50.0, 60.0, False),  # options would reach 72 without the budget
            _phase(SHORT, 40.0, 50.0, False),  # best estimate 55 < 69
            _phase(BAD, None, None, True, error="fuel has no price"),  # never counts as reaching
        ],
        schema_overrides={"score_error": pl.String},
    )
    cands = pl.DataFrame(
        [
            _cand(NONE, "loft_insulation", -0.5),
            _cand(BUDGET, "external_wall_insulation", 12.0),
            _cand(BUDGET, "internal_wall_insulation", 8.0),  # same slot as the EWI: not added
            _cand(BUDGET, "loft_insulation", 10.0),
            _cand(SHORT, "loft_insulation", 10.0),
            _cand(SHORT, "double_glazing", 5.0),
        ],
        schema_overrides={"score_error": pl.String},
    )
    out = explain_misses(phases, cands, SCENARIO)
    got = {r["property_id"]: r for r in out.iter_rows(named=True)}
    assert got[OK]["miss_reason"] is None and got[OK]["reaches_target"]
    assert got[NONE]["miss_reason"] == "no_eligible_measure"
    assert got[BUDGET]["miss_reason"] == "budget_limit"
    assert got[BUDGET]["reachable_within_budget"] == 60.0
    assert "SAP 60 within £5,000" in got[BUDGET]["miss_detail"]
    assert got[SHORT]["miss_reason"] == "max_achievable_below_target"
    assert got[SHORT]["best_achievable"] == 55.0
    assert got[BAD]["miss_reason"] == "not_modelled" and got[BAD]["reaches_target"] is False
    assert got[BAD]["miss_detail"] == "fuel has no price"


def test_not_modelled_rows_name_the_reason() -> None:
    refused = pl.DataFrame({"property_id": [7], "reason": ["no certificate on the register"]})
    rows = not_modelled_rows(refused, SCENARIO, 3)
    assert rows.height == 1
    row = rows.row(0, named=True)
    assert row["miss_reason"] == "not_modelled" and row["reaches_target"] is False
    assert row["miss_detail"] == "no certificate on the register" and row["goal"] == "band C or better"
