"""Retrofit plans in Postgres: `plans`, `plan_phases`, `plan_measures`, `plan_grants`,
`plan_allocation_runs`, `plan_allocations` (migrations/0008_plans.sql, 0010, 0017).

Writes go through COPY inside the caller's unit of work and commit together or not at all. Only the
(home, scenario) plans whose stored rows change are rewritten (docs/adr/0029): each `plans` row holds a digest
of its phases, measures and grants (`row_digest`); a write deletes the pairs whose digest differs, or that
left the run (cascading to their phases, measures, grants and allocations), and inserts the new rows of the
changed pairs. The allocation covers the whole portfolio; its run row is upserted and only its rows that
differ from the table's are deleted and inserted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa

from ara_assets.modelling.funding import FUNDING_SCHEMA, GRANT_SCHEMA
from ara_assets.modelling.incremental_plans import pairs_to_write, plan_row_digests
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
ALLOCATION_SCHEMA: dict[str, pl.DataType] = {
    "scenario": pl.String(),
    "property_id": pl.Int64(),
    "phase": pl.Int32(),
    "year": pl.Int32(),
    "cost_gbp": pl.Float64(),
    "reaches_target": pl.Boolean(),
}
ALLOCATION_COLUMNS = list(ALLOCATION_SCHEMA)
# plan_allocation_runs' columns set by a run (besides portfolio_id and scenario)
_RUN_COLUMNS = (
    "scenario_version",
    "yearly_budget_gbp",
    "start_year",
    "targets_reached",
    "upper_bound",
    "greedy_targets_reached",
    "status",
)


class PlansRejected(ValueError):
    """Plan rows that cannot be stored: names the record (property_id), the field and the value."""


def _pg_array(col: str) -> pl.Expr:
    # option ids are plain identifiers (catalogue), so the array literal needs no quoting
    return (pl.lit("{") + pl.col(col).list.join(",") + pl.lit("}")).alias(col)


class PlansRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def digests(self, portfolio_id: int) -> pl.DataFrame:
        """scenario, property_id, row_digest of every stored plan of the portfolio (null: written before
        migration 0017)."""
        return copy_out(
            self._conn,
            f"SELECT scenario, property_id, row_digest FROM plans WHERE portfolio_id = {int(portfolio_id)}",
            {"scenario": pl.String(), "property_id": pl.Int64(), "row_digest": pl.String()},
        )

    def replace(
        self,
        portfolio_id: int,
        phases: pl.DataFrame,
        measures: pl.DataFrame,
        allocations: Sequence[dict[str, Any]] = (),
        grants: pl.DataFrame | None = None,
        input_keys: pl.DataFrame | None = None,
    ) -> dict[str, int]:
        """Make the tables hold exactly these plans for the portfolio. Returns rows written per table, and
        `pairs_written` / `pairs_deleted`: the (home, scenario) plans rewritten (or new) and removed.

        Plans whose stored rows already equal these (same `row_digest`) are left as they are.
        allocations: one dict per scenario with scenario, scenario_version, yearly_budget_gbp, start_year,
        targets_reached, upper_bound, greedy_targets_reached, status and `selected` (a frame of
        ALLOCATION_COLUMNS). input_keys: scenario, property_id, input_key (stored with each plan; may be
        None).
        """
        bad = phases.filter(pl.col("property_id").is_null())
        if bad.height:
            raise PlansRejected(
                f"scenario={bad['scenario'][0]!r} phase={bad['phase'][0]!r}: field 'property_id' value None "
                "is not a property"
            )
        grants = grants if grants is not None else pl.DataFrame(schema=GRANT_SCHEMA)
        phases = phases.with_columns(
            [pl.lit(None, t).alias(c) for c, t in STORED_PHASE_SCHEMA.items() if c not in phases.columns]
        ).with_columns(pl.col("grant_gbp").fill_null(0.0))
        digests = plan_row_digests(
            phases.select(list(STORED_PHASE_SCHEMA)),
            measures.select(list(MEASURE_SCHEMA)),
            grants.select(list(GRANT_SCHEMA)),
        )
        write, drop = pairs_to_write(digests, self.digests(portfolio_id))
        # the allocation rows stored now that survive the deletes below (theirs cascade with their phases)
        gone = pl.concat([write, drop])
        scenarios_now = [str(run["scenario"]) for run in allocations]
        surviving = (
            self.allocations(portfolio_id)
            .filter(pl.col("scenario").is_in(scenarios_now))
            .join(gone, on=["scenario", "property_id"], how="anti")
        )
        self._conn.execute(
            sa.text("DELETE FROM plan_allocation_runs WHERE portfolio_id = :p AND NOT (scenario = ANY(:s))"),
            {"p": portfolio_id, "s": scenarios_now},
        )
        if gone.height:
            # by primary key, one statement: the pairs as two arrays unnested side by side
            self._conn.execute(
                sa.text(
                    "DELETE FROM plans WHERE portfolio_id = :p AND (scenario, property_id) IN "
                    "(SELECT * FROM unnest(CAST(:s AS text[]), CAST(:ids AS bigint[])))"
                ),
                {"p": portfolio_id, "s": gone["scenario"].to_list(), "ids": gone["property_id"].to_list()},
            )
        pid = pl.lit(portfolio_id, pl.Int64).alias("portfolio_id")

        def changed(frame: pl.DataFrame) -> pl.DataFrame:
            return frame.cast({"property_id": pl.Int64}).join(
                write, on=["scenario", "property_id"], how="semi"
            )

        phases = changed(phases)
        keys = (
            input_keys.select("scenario", pl.col("property_id").cast(pl.Int64), "input_key").unique(
                ["scenario", "property_id"]
            )
            if input_keys is not None
            else pl.DataFrame(schema={"scenario": pl.String, "property_id": pl.Int64, "input_key": pl.String})
        )
        plans = (
            phases.group_by("scenario", "property_id")
            .agg(
                pl.col("scenario_version").first(),
                pl.len().cast(pl.Int32).alias("phases"),
                pl.col("cost_gbp").sum().alias("total_cost_gbp"),
                pl.col("reaches_target").all().alias("reaches_every_target"),
                pl.col("score_error").drop_nulls().first().alias("score_error"),
            )
            .join(digests.cast({"property_id": pl.Int64}), on=["scenario", "property_id"], how="left")
            .join(keys, on=["scenario", "property_id"], how="left")
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
                    "input_key",
                    "row_digest",
                ),
            ),
            "plan_phases": copy_in(
                self._conn,
                "plan_phases",
                phases.select(pid, *[_pg_array(c) if c == "package" else pl.col(c) for c in PHASE_COLUMNS]),
            ),
            "plan_measures": copy_in(
                self._conn, "plan_measures", changed(measures).select(pid, *MEASURE_COLUMNS)
            ),
            "plan_allocations": 0,
            "plan_grants": copy_in(self._conn, "plan_grants", changed(grants).select(pid, *GRANT_COLUMNS)),
            "pairs_written": write.height,
            "pairs_deleted": drop.height,
        }
        # The allocation is the portfolio's (every home), but most of its rows stay as they were: only the
        # rows that differ are deleted and inserted (a COPY checks every row's foreign keys).
        schema = {c: ALLOCATION_SCHEMA[c] for c in ALLOCATION_COLUMNS}
        selected = [
            run["selected"].with_columns(pl.lit(run["scenario"]).alias("scenario")).select(ALLOCATION_COLUMNS)
            for run in allocations
        ]
        wanted = pl.concat(selected).cast(schema) if selected else pl.DataFrame(schema=schema)
        stale = surviving.join(wanted, on=ALLOCATION_COLUMNS, how="anti", nulls_equal=True)
        if stale.height:
            self._conn.execute(
                sa.text(
                    "DELETE FROM plan_allocations WHERE portfolio_id = :p AND "
                    "(scenario, property_id, phase) IN (SELECT * FROM "
                    "unnest(CAST(:s AS text[]), CAST(:ids AS bigint[]), CAST(:ph AS int[])))"
                ),
                {
                    "p": portfolio_id,
                    "s": stale["scenario"].to_list(),
                    "ids": stale["property_id"].to_list(),
                    "ph": stale["phase"].to_list(),
                },
            )
        for run in allocations:
            self._conn.execute(
                sa.text(
                    "INSERT INTO plan_allocation_runs (portfolio_id, scenario, scenario_version, "
                    "yearly_budget_gbp, start_year, targets_reached, upper_bound, greedy_targets_reached, "
                    "status) VALUES (:p, :scenario, :scenario_version, :yearly_budget_gbp, :start_year, "
                    ":targets_reached, :upper_bound, :greedy_targets_reached, :status) "
                    "ON CONFLICT (portfolio_id, scenario) DO UPDATE SET "
                    + ", ".join(f"{c} = EXCLUDED.{c}" for c in _RUN_COLUMNS)
                    + ", computed_at = now()"
                ),
                {"p": portfolio_id, **{k: v for k, v in run.items() if k != "selected"}},
            )
        fresh = wanted.join(surviving, on=ALLOCATION_COLUMNS, how="anti", nulls_equal=True)
        written["plan_allocations"] = copy_in(
            self._conn, "plan_allocations", fresh.select(pid, *ALLOCATION_COLUMNS)
        )
        written["plan_allocations_deleted"] = stale.height
        return written

    # The readers below use COPY (postgres_copy.copy_out): the portfolio report reads every plan row on
    # each run of phase_plans, and a row-by-row fetch of 30,000 phase rows took seconds.

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
        """Every stored allocation row of the portfolio (ALLOCATION_SCHEMA)."""
        return copy_out(
            self._conn,
            f"SELECT {', '.join(ALLOCATION_COLUMNS)} FROM plan_allocations "
            f"WHERE portfolio_id = {int(portfolio_id)} ORDER BY scenario, property_id, phase",
            ALLOCATION_SCHEMA,
        )

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
