"""A small synthetic PlanBundle (three homes, two phases, one not modelled) for the output tests."""

from __future__ import annotations

import polars as pl

from ara_assets.modelling.funding import GRANT_SCHEMA
from ara_assets.modelling.plans import MEASURE_SCHEMA
from ara_assets.report.load import PlanBundle
from ara_assets.resources.warehouse.repositories.plans import STORED_PHASE_SCHEMA


def _conform(rows: list[dict], schema: dict) -> pl.DataFrame:
    frame = pl.DataFrame(rows)
    return frame.select(
        [pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c) for c, t in schema.items()]
    )


def bundle() -> PlanBundle:
    base = {"scenario": "s", "scenario_version": 1, "target_year": 2030, "goal_kind": "band",
            "goal": "band C or better", "budget_gbp": 10000.0}  # fmt: skip
    phases = [
        {**base, "property_id": 1, "phase": 1, "phase_name": "fabric", "package": ["loft_270mm"],
         "cost_gbp": 900.0, "cost_to_date_gbp": 900.0, "grant_gbp": 600.0, "net_cost_gbp": 300.0,
         "reaches_target": True, "sap_before": 64.0, "sap_after": 70.0, "band_before": "D", "band_after": "C",
         "co2_before_t": 3.0, "co2_after_t": 2.5, "bill_before_gbp": 1500.0, "bill_after_gbp": 1350.0},
        {**base, "property_id": 1, "phase": 2, "phase_name": "heat", "target_year": 2035, "package": [],
         "cost_gbp": 0.0, "cost_to_date_gbp": 900.0, "grant_gbp": 0.0, "net_cost_gbp": 0.0,
         "reaches_target": True, "sap_before": 70.0, "sap_after": 70.0, "band_before": "C", "band_after": "C",
         "co2_before_t": 2.5, "co2_after_t": 2.5, "bill_before_gbp": 1350.0, "bill_after_gbp": 1350.0},
        {**base, "property_id": 2, "phase": 1, "phase_name": "fabric", "package": ["cavity_wall_fill"],
         "cost_gbp": 2500.0, "cost_to_date_gbp": 2500.0, "grant_gbp": 1666.67, "net_cost_gbp": 833.33,
         "reaches_target": False, "sap_before": 50.0, "sap_after": 60.0,
         "band_before": "E", "band_after": "D",
         "co2_before_t": 4.0, "co2_after_t": 3.2, "bill_before_gbp": 1900.0, "bill_after_gbp": 1600.0,
         "miss_reason": "budget_limit", "miss_detail": "SAP 60 within £10,000; band C needs SAP 69"},
        {**base, "property_id": 2, "phase": 2, "phase_name": "heat", "target_year": 2035, "package": [],
         "cost_gbp": 0.0, "cost_to_date_gbp": 2500.0, "grant_gbp": 0.0, "net_cost_gbp": 0.0,
         "reaches_target": False, "sap_before": 60.0, "sap_after": 60.0,
         "band_before": "D", "band_after": "D",
         "co2_before_t": 3.2, "co2_after_t": 3.2, "bill_before_gbp": 1600.0, "bill_after_gbp": 1600.0,
         "miss_reason": "no_eligible_measure", "miss_detail": "no eligible measure"},
        *[{**base, "property_id": 3, "phase": p, "phase_name": n, "package": [], "cost_gbp": 0.0,
           "cost_to_date_gbp": 0.0, "grant_gbp": 0.0, "net_cost_gbp": 0.0, "reaches_target": False,
           "score_error": "no certificate", "miss_reason": "not_modelled", "miss_detail": "no certificate"}
          for p, n in ((1, "fabric"), (2, "heat"))],
    ]  # fmt: skip
    measures = [
        {"scenario": "s", "property_id": 1, "phase": 1, "install_order": 1,
         "option_id": "loft_270mm",
         "measure_type": "loft_insulation", "cost_gbp": 900.0, "delta_sap": 6.0, "delta_co2_t": -0.5,
         "delta_bill_gbp": -150.0},
        {"scenario": "s", "property_id": 2, "phase": 1, "install_order": 1, "option_id": "cavity_wall_fill",
         "measure_type": "cavity_wall_fill", "cost_gbp": 2500.0, "delta_sap": 10.0, "delta_co2_t": -0.8,
         "delta_bill_gbp": -300.0},
    ]  # fmt: skip
    grants = [
        {"scenario": "s", "property_id": 1, "phase": 1, "scheme": "whshf_wave3",
         "grant_gbp": 600.0, "uplift": False},
        {"scenario": "s", "property_id": 2, "phase": 1, "scheme": "whshf_wave3",
         "grant_gbp": 1666.67, "uplift": False},
    ]  # fmt: skip
    props = pl.DataFrame(
        {"property_id": [1, 2, 3], "uprn": [100000000001, 100000000002, 100000000003],
         "landlord_reference": ["A", "B", "C"], "address": ["1 Test Row", "2 Test Row", "3 <Test> Row"],
         "postcode": ["ZZ1 1ZZ"] * 3}
    )  # fmt: skip
    baseline = pl.DataFrame(
        {"property_id": [1, 2, 3], "source_path": ["epc", "epc", None], "lodged_band": ["D", "E", None],
         "effective_band": ["D", "E", None], "divergent": [False, True, False],
         "baseline_status": ["ok", "ok", "no_effective_epc"],
         "baseline_reason": [None, None, "no certificate"],
         "bill_error": [None, None, None], "lodged_sap_rating": [64.0, 50.0, None],
         "calculated_sap_rating": [64.0, 45.0, None]},
        schema_overrides={"bill_error": pl.String, "source_path": pl.String},
    )  # fmt: skip
    stored = _conform(phases, STORED_PHASE_SCHEMA)
    return PlanBundle(
        portfolio="test",
        properties=props,
        baseline=baseline,
        phases=stored,
        measures=_conform(measures, MEASURE_SCHEMA),
        grants=_conform(grants, GRANT_SCHEMA),
        allocations=pl.DataFrame(
            {
                "scenario": ["s", "s"],
                "property_id": [1, 2],
                "phase": [1, 1],
                "year": [2026, 2027],
                "cost_gbp": [300.0, 833.33],
                "reaches_target": [True, False],
            },
            schema_overrides={"phase": pl.Int32, "year": pl.Int32},
        ),  # fmt: skip
        yearly_budget_gbp={"s": 1000.0},
    )
