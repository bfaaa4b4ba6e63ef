"""Everything the outputs need about one portfolio, read from the system of record in one transaction.

with warehouse.unit_of_work() as uow:
    bundle = load_bundle(uow, "demo")
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa

from ara_assets.modelling.uncertainty import with_probability
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
    conn = uow.connection
    row = conn.execute(sa.text("SELECT id FROM portfolios WHERE name = :n"), {"n": portfolio}).first()
    if row is None:
        raise LookupError(f"portfolio {portfolio!r} does not exist")
    pid = int(row[0])
    props = conn.execute(
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
    repo = uow.plans
    budgets = {
        str(s): float(b)
        for s, b in conn.execute(
            sa.text("SELECT scenario, yearly_budget_gbp FROM plan_allocation_runs WHERE portfolio_id = :p"),
            {"p": pid},
        ).fetchall()
    }
    baseline = uow.baseline.for_portfolio(pid)
    phases = repo.phases(pid)
    if phases.height and "effective_sap_sd" in baseline.columns:
        # each home-phase's probability of reaching its target, from the baseline's SAP spread
        phases = with_probability(phases, baseline.select("property_id", "effective_sap_sd"))
    return PlanBundle(
        portfolio=portfolio,
        properties=properties,
        baseline=baseline,
        phases=phases,
        measures=repo.measures(pid),
        grants=repo.grants(pid),
        allocations=repo.allocations(pid),
        yearly_budget_gbp=budgets,
        attributes=uow.attributes.for_portfolio(portfolio),
    )
