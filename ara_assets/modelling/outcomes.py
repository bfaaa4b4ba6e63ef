"""What a plan means for the landlord: why targets are missed, the grants drawn, the net cost, and rows for
the homes that could not be modelled, in one pass after `build_plans`.

    out = plan_outcomes(plans, candidates, scenario, refused, homes, start_year=2026)
    out.phases   # PHASE_SCHEMA + FUNDING_SCHEMA + REASON_SCHEMA, every home of the portfolio
    out.grants   # GRANT_SCHEMA

Kept apart from plans.py so the optimiser's modules stay about packages; see reasons.py and funding.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ara_assets.modelling.funding import (
    FUNDING_SCHEMA,
    GRANT_SCHEMA,
    FundingRules,
    apply_funding,
    load_funding_rules,
)
from ara_assets.modelling.plans import PHASE_SCHEMA, Plans
from ara_assets.modelling.reasons import REASON_SCHEMA, explain_misses, not_modelled_rows
from ara_assets.modelling.scenarios import Scenario

OUTCOME_SCHEMA: dict[str, pl.DataType] = {**PHASE_SCHEMA, **FUNDING_SCHEMA, **REASON_SCHEMA}


@dataclass(frozen=True)
class Outcomes:
    phases: pl.DataFrame  # OUTCOME_SCHEMA
    grants: pl.DataFrame  # GRANT_SCHEMA


def plan_outcomes(
    plans: Plans,
    candidates: pl.DataFrame,
    scenario: Scenario,
    refused: pl.DataFrame,
    homes: pl.DataFrame | None,
    *,
    start_year: int,
    scenario_version: int | None = None,
    rules: FundingRules | None = None,
) -> Outcomes:
    """Miss reasons and funding of one scenario's plans, plus `not_modelled` rows for `refused` homes.

    refused: property_id, reason (homes with no scored start state; a home already in the plans is skipped).
    homes: property_id, tenure, on_gas_grid (property attributes; may be None).
    """
    rules = rules or load_funding_rules()
    explained = explain_misses(plans.phases, candidates, scenario)
    planned = set(plans.phases["property_id"].to_list())
    missing = refused.filter(~pl.col("property_id").is_in(list(planned)))
    extra = not_modelled_rows(missing, scenario, scenario_version)
    return fund_outcomes(
        explained, plans.measures, extra, scenario, homes, start_year=start_year, rules=rules
    )


def fund_outcomes(
    explained: pl.DataFrame,
    measures: pl.DataFrame,
    not_modelled: pl.DataFrame,
    scenario: Scenario,
    homes: pl.DataFrame | None,
    *,
    start_year: int,
    rules: FundingRules,
) -> Outcomes:
    """The funding of one scenario's explained plan rows (`explain_misses`) with their measures, and the
    `not_modelled` rows appended unfunded.

    Kept apart from `explain_misses`, which is per home: the funding is not (a scheme's uplift goes to at
    most a share of the homes it funds), so an incremental run (incremental_plans.py) funds every home."""
    funded = apply_funding(
        explained,
        measures,
        homes,
        list(scenario.funding_schemes),
        scenario.tenure,
        rules,
        start_year=start_year,
    )
    phases = (
        pl.concat([funded.phases, not_modelled], how="diagonal_relaxed")
        if not_modelled.height
        else funded.phases
    )
    phases = phases.select(
        [
            pl.col(c).cast(t) if c in phases.columns else pl.lit(None, t).alias(c)
            for c, t in OUTCOME_SCHEMA.items()
        ]
    ).sort("property_id", "phase")
    grants = funded.grants.with_columns(pl.lit(scenario.name).alias("scenario")).select(list(GRANT_SCHEMA))
    return Outcomes(phases, grants)
