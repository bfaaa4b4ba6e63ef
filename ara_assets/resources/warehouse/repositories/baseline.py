"""The property baseline in Postgres: table `property_baseline_performance`
(migrations/0007_property_baseline.sql).

Writes go through COPY inside the caller's unit of work: a 100,000-home portfolio is one statement, and
the delete of replaced rows and the insert of new ones commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import sqlalchemy as sa

from ara_assets.baseline.performance import BASELINE_SCHEMA, conform
from ara_assets.resources.warehouse.postgres_copy import copy_in, copy_out, table_columns

TABLE = "property_baseline_performance"


class BaselineRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def for_portfolio(self, portfolio_id: int) -> pl.DataFrame:
        """Every stored baseline row of the portfolio, in BASELINE_SCHEMA."""
        cols = ", ".join(BASELINE_SCHEMA)
        select = f"SELECT {cols} FROM {TABLE} WHERE portfolio_id = {int(portfolio_id)} ORDER BY property_id"
        return copy_out(self._conn, select, BASELINE_SCHEMA)

    def keys(self, portfolio_id: int) -> pl.DataFrame:
        """property_id and input_key of every stored row of the portfolio."""
        result = self._conn.execute(
            sa.text(f"SELECT property_id, input_key FROM {TABLE} WHERE portfolio_id = :p"),
            {"p": portfolio_id},
        )
        rows = result.fetchall()
        return pl.DataFrame(
            [tuple(r) for r in rows],
            schema={"property_id": pl.Int64(), "input_key": pl.String()},
            orient="row",
        )

    def replace(self, portfolio_id: int, rows: pl.DataFrame, keep: Sequence[int]) -> int:
        """Make the table hold, for this portfolio, the rows of `keep` (unchanged) plus `rows` (new).

        Rows of other properties of the portfolio (recomputed ones, and homes no longer in it) are
        deleted first. Returns the number of rows written.
        """
        # Delete by primary key the stored rows not kept: `NOT (id = ANY(keep))` would compare every row
        # with every kept id (quadratic at 100,000 homes).
        stored = self._conn.execute(
            sa.text(f"SELECT property_id FROM {TABLE} WHERE portfolio_id = :p"), {"p": portfolio_id}
        )
        drop = sorted({int(r[0]) for r in stored} - {int(k) for k in keep})
        if drop:
            self._conn.execute(sa.text(f"DELETE FROM {TABLE} WHERE property_id = ANY(:ids)"), {"ids": drop})
        if rows.is_empty():
            return 0
        frame = conform(rows).with_columns(pl.lit(portfolio_id, pl.Int64).alias("portfolio_id"))
        return copy_in(self._conn, TABLE, frame)

    def columns(self) -> list[str]:
        return table_columns(self._conn, TABLE)


def portfolio_summary(conn: sa.Connection, portfolio: str) -> dict[str, object]:
    """What `ara portfolio summary` prints: the portfolio, its properties and its baseline (from Postgres)."""
    from ara_assets.baseline.performance import summarise

    row = conn.execute(sa.text("SELECT id FROM portfolios WHERE name = :n"), {"n": portfolio}).first()
    if row is None:
        raise LookupError(f"portfolio {portfolio!r} does not exist")
    portfolio_id = int(row[0])
    counts = conn.execute(
        sa.text(
            "SELECT count(*), count(*) FILTER (WHERE EXISTS "
            "(SELECT 1 FROM certificates c WHERE c.uprn = p.uprn)) "
            "FROM properties p WHERE p.portfolio_id = :p"
        ),
        {"p": portfolio_id},
    ).one()
    baseline = BaselineRepository(conn).for_portfolio(portfolio_id)
    from ara_assets.resources.warehouse.repositories.plans import plans_summary

    return {
        "portfolio": portfolio,
        "properties": int(counts[0]),
        "with_certificate": int(counts[1]),
        "baseline": summarise(baseline) if baseline.height else None,
        "plans": plans_summary(conn, portfolio),
    }
