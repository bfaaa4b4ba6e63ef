"""The property baseline in Postgres: table `property_baseline_performance` (sql/0007_property_baseline.sql).

Writes go through COPY inside the caller's unit of work: a 100,000-home portfolio is one statement, and
the delete of replaced rows and the insert of new ones commit together or not at all.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa

from ara_assets.baseline.performance import BASELINE_SCHEMA, conform

TABLE = "property_baseline_performance"


class BaselineRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def for_portfolio(self, portfolio_id: int) -> pl.DataFrame:
        """Every stored baseline row of the portfolio, in BASELINE_SCHEMA."""
        cols = ", ".join(BASELINE_SCHEMA)
        result = self._conn.execute(
            sa.text(f"SELECT {cols} FROM {TABLE} WHERE portfolio_id = :p ORDER BY property_id"),
            {"p": portfolio_id},
        )
        rows = result.fetchall()
        return pl.DataFrame([tuple(r) for r in rows], schema=BASELINE_SCHEMA, orient="row")

    def replace(self, portfolio_id: int, rows: pl.DataFrame, keep: Sequence[int]) -> int:
        """Make the table hold, for this portfolio, the rows of `keep` (unchanged) plus `rows` (new).

        Rows of other properties of the portfolio (recomputed ones, and homes no longer in it) are
        deleted first. Returns the number of rows written.
        """
        self._conn.execute(
            sa.text(f"DELETE FROM {TABLE} WHERE portfolio_id = :p AND NOT (property_id = ANY(:keep))"),
            {"p": portfolio_id, "keep": list(keep)},
        )
        if rows.is_empty():
            return 0
        frame = conform(rows).with_columns(pl.lit(portfolio_id, pl.Int64).alias("portfolio_id"))
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, null_value="\\N", quote_style="necessary")
        columns = ", ".join(frame.columns)
        raw: Any = self._conn.connection.driver_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {TABLE} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy,
        ):
            copy.write(buffer.getvalue())
        return frame.height

    def columns(self) -> list[str]:
        result = self._conn.execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                "ORDER BY ordinal_position"
            ),
            {"t": TABLE},
        )
        return [r[0] for r in result]


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
    return {
        "portfolio": portfolio,
        "properties": int(counts[0]),
        "with_certificate": int(counts[1]),
        "baseline": summarise(baseline) if baseline.height else None,
    }
