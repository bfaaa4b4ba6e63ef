"""Retrofit plans in Postgres: `plans`, `plan_phases`, `plan_measures`, `plan_allocation_runs`,
`plan_allocations` (migrations/0008_plans.sql).

Writes go through COPY inside the caller's unit of work: the portfolio's previous plans are deleted
(cascading to phases, measures and allocations) and the new ones written, committing together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa

from ara_assets.modelling.funding import FUNDING_SCHEMA, GRANT_SCHEMA
from ara_assets.modelling.plans import MEASURE_SCHEMA, PHASE_SCHEMA
from ara_assets.modelling.reasons import REASON_SCHEMA
from ara_assets.modelling.rollup import rollup, summary_view, with_grants
from ara_assets.resources.warehouse.postgres_copy import copy_in, copy_out, table_columns

_KEY = ("portfolio_id", "scenario", "property_id")
# plan_phases: the plan columns, the funding columns and the miss reason (migrations/0008 + 0010)
STORED_PHASE_SCHEMA: dict[str, pl.DataType] = {**PHASE_SCHEMA, **FUNDING_SCHEMA, **REASON_SCHEMA}
PHASE_COLUMNS = [c for c in STORED_PHASE_SCHEMA if c != "scenario_version"]
GRANT_COLUMNS = list(GRANT_SCHEMA)
MEASURE_COLUMNS = [c for c in MEASURE_SCHEMA if c != "scenario_version"]
ALLOCATION_COLUMNS = ["scenario", "property_id", "phase", "year", "cost_gbp", "reaches_target"]


class PlansRejected(ValueError):
    """Plan rows that cannot be stored: names the record (property_id), the field and the value."""


def _pg_array(col: str) -> pl.Expr:
    # option ids are plain identifiers (catalogue), so the array literal needs no quoting
    return (pl.lit("{") + pl.col(col).list.join(",") + pl.lit("}")).alias(col)


class PlansRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def replace(
        self,
        portfolio_id: int,
        phases: pl.DataFrame,
        measures: pl.DataFrame,
        allocations: Sequence[dict[str, Any]] = (),
        grants: pl.DataFrame | None = None,
    ) -> dict[str, int]:
        """Make the tables hold exactly these plans for the portfolio. Returns rows written per table.

        allocations: one dict per scenario with scenario, scenario_version, yearly_budget_gbp, start_year,
        targets_reached, upper_bound, greedy_targets_reached, status and `selected` (a frame of
        ALLOCATION_COLUMNS).
        """
        bad = phases.filter(pl.col("property_id").is_null())
        if bad.height:
            raise PlansRejected(
                f"scenario={bad['scenario'][0]!r} phase={bad['phase'][0]!r}: field 'property_id' value None "
                "is not a property"
            )
        self._conn.execute(sa.text("DELETE FROM plans WHERE portfolio_id = :p"), {"p": portfolio_id})
        self._conn.execute(
            sa.text("DELETE FROM plan_allocation_runs WHERE portfolio_id = :p"), {"p": portfolio_id}
        )
        pid = pl.lit(portfolio_id, pl.Int64).alias("portfolio_id")
        phases = phases.with_columns(
            [pl.lit(None, t).alias(c) for c, t in STORED_PHASE_SCHEMA.items() if c not in phases.columns]
        ).with_columns(pl.col("grant_gbp").fill_null(0.0))
        plans = phases.group_by("scenario", "property_id").agg(
            pl.col("scenario_version").first(),
            pl.len().cast(pl.Int32).alias("phases"),
            pl.col("cost_gbp").sum().alias("total_cost_gbp"),
            pl.col("reaches_target").all().alias("reaches_every_target"),
            pl.col("score_error").drop_nulls().first().alias("score_error"),
        )
        written = {
            "plans": copy_in(
                self._conn,
                "plans",
                plans.select(
                    pid,
                    "scenario",
                    "property_id",
                    "scenario_version",
                    "phases",
                    "total_cost_gbp",
                    "reaches_every_target",
                    "score_error",
                ),
            ),
            "plan_phases": copy_in(
                self._conn,
                "plan_phases",
                phases.select(pid, *[_pg_array(c) if c == "package" else pl.col(c) for c in PHASE_COLUMNS]),
            ),
            "plan_measures": copy_in(self._conn, "plan_measures", measures.select(pid, *MEASURE_COLUMNS)),
            "plan_allocations": 0,
            "plan_grants": 0,
        }
        if grants is not None and grants.height:
            written["plan_grants"] = copy_in(self._conn, "plan_grants", grants.select(pid, *GRANT_COLUMNS))
        for run in allocations:
            self._conn.execute(
                sa.text(
                    "INSERT INTO plan_allocation_runs (portfolio_id, scenario, scenario_version, "
                    "yearly_budget_gbp, start_year, targets_reached, upper_bound, greedy_targets_reached, "
                    "status) VALUES (:p, :scenario, :scenario_version, :yearly_budget_gbp, :start_year, "
                    ":targets_reached, :upper_bound, :greedy_targets_reached, :status)"
                ),
                {"p": portfolio_id, **{k: v for k, v in run.items() if k != "selected"}},
            )
            selected: pl.DataFrame = run["selected"]
            written["plan_allocations"] += copy_in(
                self._conn,
                "plan_allocations",
                selected.with_columns(pl.lit(run["scenario"]).alias("scenario")).select(
                    pid, *ALLOCATION_COLUMNS
                ),
            )
        return written

    def phases(self, portfolio_id: int) -> pl.DataFrame:
        """Every stored plan phase of the portfolio (STORED_PHASE_SCHEMA columns)."""
        schema = {c: STORED_PHASE_SCHEMA[c] for c in PHASE_COLUMNS} | {"scenario_version": pl.Int64()}
        # COPY carries text: a list column (the package) travels as JSON and is decoded here
        lists = [c for c, t in schema.items() if isinstance(t, pl.List)]
        cols = ", ".join(
            f"array_to_json(ph.{c})::text AS {c}" if c in lists else f"ph.{c}" for c in PHASE_COLUMNS
        )
        select = (
            f"SELECT {cols}, p.scenario_version FROM plan_phases ph JOIN plans p USING "
            f"(portfolio_id, scenario, property_id) WHERE ph.portfolio_id = {int(portfolio_id)} "
            "ORDER BY ph.scenario, ph.property_id, ph.phase"
        )
        frame = copy_out(self._conn, select, {c: pl.String() if c in lists else t for c, t in schema.items()})
        return frame.with_columns(pl.col(c).str.json_decode(schema[c]) for c in lists)

    def measures(self, portfolio_id: int) -> pl.DataFrame:
        select = (
            f"SELECT {', '.join(MEASURE_COLUMNS)} FROM plan_measures "
            f"WHERE portfolio_id = {int(portfolio_id)} ORDER BY scenario, property_id, phase, install_order"
        )
        return copy_out(self._conn, select, {c: MEASURE_SCHEMA[c] for c in MEASURE_COLUMNS})

    def grants(self, portfolio_id: int) -> pl.DataFrame:
        """Every stored grant row of the portfolio (GRANT_SCHEMA)."""
        select = (
            f"SELECT {', '.join(GRANT_COLUMNS)} FROM plan_grants WHERE portfolio_id = {int(portfolio_id)} "
            "ORDER BY scenario, property_id, phase, scheme"
        )
        return copy_out(self._conn, select, {c: GRANT_SCHEMA[c] for c in GRANT_COLUMNS})

    def allocations(self, portfolio_id: int) -> pl.DataFrame:
        rows = self._conn.execute(
            sa.text(
                f"SELECT {', '.join(ALLOCATION_COLUMNS)} FROM plan_allocations WHERE portfolio_id = :p "
                "ORDER BY scenario, property_id, phase"
            ),
            {"p": portfolio_id},
        ).fetchall()
        schema = {
            "scenario": pl.String,
            "property_id": pl.Int64,
            "phase": pl.Int32,
            "year": pl.Int32,
            "cost_gbp": pl.Float64,
            "reaches_target": pl.Boolean,
        }
        return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")

    def columns(self, table: str) -> list[str]:
        return table_columns(self._conn, table)


def plans_summary(conn: sa.Connection, portfolio: str) -> list[dict[str, Any]]:
    """The `plans` block of `ara portfolio summary --json`: per scenario, its phases' roll-up
    (rollup.SUMMARY_PHASE_KEYS: the target spelled out, cost, grant, net cost, misses by reason), the homes
    that cannot reach a phase's target and those not modelled (lists with counts), and grants per scheme.
    Empty when nothing is planned."""
    row = conn.execute(sa.text("SELECT id FROM portfolios WHERE name = :n"), {"n": portfolio}).first()
    if row is None:
        raise LookupError(f"portfolio {portfolio!r} does not exist")
    repo = PlansRepository(conn)
    phases = repo.phases(int(row[0]))
    if phases.is_empty():
        return []
    from ara_assets.modelling.uncertainty import with_probability
    from ara_assets.resources.warehouse.repositories.baseline import BaselineRepository

    spread = BaselineRepository(conn).for_portfolio(int(row[0])).select("property_id", "effective_sap_sd")
    return summary_view(with_grants(rollup(with_probability(phases, spread)), repo.grants(int(row[0]))))
