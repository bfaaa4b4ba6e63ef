"""Everything the outputs need about one portfolio, read from the system of record in one transaction.

with warehouse.unit_of_work() as uow:
    bundle = load_bundle(uow, "demo")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import sqlalchemy as sa

from ara_assets.modelling.uncertainty import with_probability
from ara_assets.resources.warehouse.repositories.plans import (
    ALLOCATION_COLUMNS,
    ALLOCATION_SCHEMA,
    GRANT_COLUMNS,
    MEASURE_COLUMNS,
    STORED_PHASE_SCHEMA,
)
from ara_assets.resources.warehouse.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class PlanBundle:
    portfolio: str
    properties: pl.DataFrame  # property_id, uprn, landlord_reference, address, postcode
    baseline: pl.DataFrame  # BASELINE_SCHEMA
    phases: pl.DataFrame  # stored plan phases (repositories.plans.STORED_PHASE_SCHEMA)
    measures: pl.DataFrame  # MEASURE_SCHEMA
    grants: pl.DataFrame  # GRANT_SCHEMA
    allocations: pl.DataFrame  # scenario, property_id, phase, year, cost_gbp, reaches_target
    yearly_budget_gbp: dict[str, float] = field(default_factory=dict)  # scenario -> the allocation's budget
    attributes: pl.DataFrame | None = None

    def scenarios(self) -> list[str]:
        return sorted(self.phases["scenario"].unique().to_list()) if self.phases.height else []


def load_bundle(uow: UnitOfWork, portfolio: str) -> PlanBundle:
    """Raises LookupError when the portfolio does not exist."""
    pid = _portfolio_id(uow, portfolio)
    repo = uow.plans
    budgets = {
        str(s): float(b)
        for s, b in uow.connection.execute(
            sa.text("SELECT scenario, yearly_budget_gbp FROM plan_allocation_runs WHERE portfolio_id = :p"),
            {"p": pid},
        ).fetchall()
    }
    return _bundle(
        uow,
        portfolio,
        pid,
        repo.phases(pid),
        repo.measures(pid),
        repo.grants(pid),
        repo.allocations(pid),
        budgets,
    )


def bundle_of_plans(
    uow: UnitOfWork,
    portfolio: str,
    phases: pl.DataFrame,
    measures: pl.DataFrame,
    grants: pl.DataFrame,
    allocations: Sequence[dict[str, Any]],
) -> PlanBundle:
    """The bundle of plans just stored by `PlansRepository.replace` (the same frames), without reading the
    plan tables back: what `load_bundle` would return (docs/adr/0029). The properties, baseline and
    attributes are read."""
    pid = _portfolio_id(uow, portfolio)
    stored_phases = phases.select(
        [pl.col(c).cast(t) for c, t in STORED_PHASE_SCHEMA.items() if c != "scenario_version"]
        + [pl.col("scenario_version").cast(pl.Int64)]
    ).with_columns(pl.col("grant_gbp").fill_null(0.0))
    selected = [
        run["selected"].with_columns(pl.lit(run["scenario"]).alias("scenario")).select(ALLOCATION_COLUMNS)
        for run in allocations
    ]
    alloc = pl.concat(selected) if selected else pl.DataFrame(schema=ALLOCATION_SCHEMA)
    return _bundle(
        uow,
        portfolio,
        pid,
        stored_phases.sort("scenario", "property_id", "phase"),
        measures.select(MEASURE_COLUMNS).sort("scenario", "property_id", "phase", "install_order"),
        grants.select(GRANT_COLUMNS).sort("scenario", "property_id", "phase", "scheme"),
        alloc.cast(ALLOCATION_SCHEMA).sort("scenario", "property_id", "phase"),
        {str(run["scenario"]): float(run["yearly_budget_gbp"]) for run in allocations},
    )


def _portfolio_id(uow: UnitOfWork, portfolio: str) -> int:
    row = uow.connection.execute(
        sa.text("SELECT id FROM portfolios WHERE name = :n"), {"n": portfolio}
    ).first()
    if row is None:
        raise LookupError(f"portfolio {portfolio!r} does not exist")
    return int(row[0])


def _bundle(
    uow: UnitOfWork,
    portfolio: str,
    pid: int,
    phases: pl.DataFrame,
    measures: pl.DataFrame,
    grants: pl.DataFrame,
    allocations: pl.DataFrame,
    budgets: dict[str, float],
) -> PlanBundle:
    props = uow.connection.execute(
        sa.text(
            "SELECT id, uprn, landlord_reference, address, postcode FROM properties WHERE portfolio_id = :p "
            "ORDER BY id"
        ),
        {"p": pid},
    ).fetchall()
    properties = pl.DataFrame(
        [tuple(r) for r in props],
        schema={
            "property_id": pl.Int64,
            "uprn": pl.Int64,
            "landlord_reference": pl.String,
            "address": pl.String,
            "postcode": pl.String,
        },
        orient="row",
    )
    baseline = uow.baseline.for_portfolio(pid)
    if phases.height and "effective_sap_sd" in baseline.columns:
        # each home-phase's probability of reaching its target, from the baseline's SAP spread
        phases = with_probability(phases, baseline.select("property_id", "effective_sap_sd"))
    return PlanBundle(
        portfolio=portfolio,
        properties=properties,
        baseline=baseline,
        phases=phases,
        measures=measures,
        grants=grants,
        allocations=allocations,
        yearly_budget_gbp=budgets,
        attributes=uow.attributes.for_portfolio(portfolio),
    )
