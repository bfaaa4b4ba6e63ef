"""The blocking rules of `candidate_recommendations` and `phase_plans`, as pure functions over their
frames (docs/reliability.md). They run before either output is written anywhere."""

from __future__ import annotations

import numpy as np
import polars as pl

from ara_assets.epc.bands import SAP_RANGE
from ara_assets.invariants import Invariant
from ara_assets.modelling.catalogue import options_of
from ara_assets.modelling.plans import Plans, attribution_gaps
from ara_assets.modelling.scenarios import Scenario


def _homes(frame: pl.DataFrame) -> tuple[str, ...]:
    if not frame.height:
        return ()
    return tuple(
        f"{r['property_id']} (phase {r['phase']})"
        for r in frame.select("property_id", "phase").iter_rows(named=True)
    )


def candidate_invariants(cands: pl.DataFrame) -> list[Invariant]:
    scored = cands.filter(pl.col("score_error").is_null())
    lo, hi = SAP_RANGE
    sap_bad = scored.filter(~pl.col("sap_before").is_between(lo, hi) | ~pl.col("sap_after").is_finite())
    cost_bad = cands.filter(~pl.col("cost_gbp").is_finite() | (pl.col("cost_gbp") < 0))
    no_home = cands.filter(pl.col("property_id").is_null() | pl.col("property_id").is_null()).height
    return [
        Invariant(
            "start_sap_in_range",
            passed=sap_bad.height == 0,
            detail=f"{sap_bad.height} option(s) scored from a SAP outside {lo}..{hi} or to a non-finite SAP",
            homes=_homes(sap_bad.unique(["property_id", "phase"], maintain_order=True)),
            metadata={"rows": sap_bad.height},
        ),
        Invariant(
            "cost_finite_and_non_negative",
            passed=cost_bad.height == 0,
            detail=f"{cost_bad.height} option(s) with a negative or non-finite cost",
            homes=_homes(cost_bad.unique(["property_id", "phase"], maintain_order=True)),
            metadata={"rows": cost_bad.height},
        ),
        Invariant(
            "every_row_names_its_home",
            passed=no_home == 0,
            detail=f"{no_home} row(s) without a property id",
            metadata={"rows": no_home},
        ),
    ]


def plan_invariants(plans: Plans, cands: pl.DataFrame, scenarios: dict[str, Scenario]) -> list[Invariant]:
    phases, measures = plans.phases, plans.measures
    over = phases.filter(pl.col("cost_gbp") > pl.col("budget_gbp").fill_null(np.inf) + 0.01)
    caps = {n: sc.budget_per_home_gbp for n, sc in scenarios.items() if sc.budget_per_home_gbp is not None}
    # scenarios without a per-home cap (or no scenario at all) cannot be over it
    total_cap = (
        pl.col("scenario").replace_strict(caps, default=np.inf, return_dtype=pl.Float64)
        if caps
        else pl.lit(np.inf)
    )
    over_total = phases.filter(pl.col("cost_to_date_gbp") > total_cap + 0.01)
    eligible = cands.select("scenario", "property_id", "phase", "option_id").unique()
    heat_pumps = [o.option_id for o in options_of("air_source_heat_pump")]
    ineligible = pl.concat(
        [
            measures.join(eligible, on=["scenario", "property_id", "phase", "option_id"], how="anti").select(
                "property_id", "phase"
            ),
            # a heat pump installed on fabric below the standard (eligibility's minimum) is ineligible too
            phases.filter(
                pl.col("package").list.eval(pl.element().is_in(heat_pumps)).list.any()
                & ~pl.col("heat_pump_fabric_ok_after").fill_null(False)
            ).select("property_id", "phase"),
        ]
    )
    worse = phases.filter(pl.col("goal_metric_after") < pl.col("goal_metric_before") - 1e-9)
    gaps = (
        pl.concat(
            [
                attribution_gaps(
                    Plans(phases.filter(pl.col("scenario") == n), measures.filter(pl.col("scenario") == n), 0)
                )
                for n in scenarios
            ]
        )
        if scenarios
        else pl.DataFrame(schema={"property_id": pl.String(), "phase": pl.Int32()})
    )
    lo, hi = SAP_RANGE
    sap_bad = phases.filter(pl.col("score_error").is_null() & ~pl.col("sap_before").is_between(lo, hi))
    return [
        Invariant(
            "no_plan_over_budget",
            passed=over.height == 0 and over_total.height == 0,
            detail=f"{over.height} phase(s) over the phase budget, {over_total.height} over the scenario's "
            "per-home budget",
            homes=_homes(
                pl.concat([over.select("property_id", "phase"), over_total.select("property_id", "phase")])
            ),
            metadata={"over_phase_budget": over.height, "over_scenario_budget": over_total.height},
        ),
        Invariant(
            "no_ineligible_measure",
            passed=ineligible.height == 0,
            detail=f"{ineligible.height} measure(s) not among the home's eligible options",
            homes=_homes(ineligible),
            metadata={"ineligible_measures": ineligible.height},
        ),
        Invariant(
            "no_phase_worse_on_its_goal",
            passed=worse.height == 0,
            detail=f"{worse.height} phase(s) worse on their goal than before",
            homes=_homes(worse),
            metadata={"worse_phases": worse.height},
        ),
        Invariant(
            "attribution_sums_to_totals",
            passed=gaps.height == 0,
            detail=f"{gaps.height} phase(s) whose measure attribution does not sum to the totals",
            homes=_homes(gaps),
            metadata={"mismatched_phases": gaps.height},
        ),
        Invariant(
            "sap_before_in_range",
            passed=sap_bad.height == 0,
            detail=f"{sap_bad.height} phase(s) start from a SAP outside {lo}..{hi}",
            homes=_homes(sap_bad),
            metadata={"rows": sap_bad.height},
        ),
    ]
