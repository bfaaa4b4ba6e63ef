"""What changed since a sensor's cursor: runs of committed ids per portfolio in the append-only tables.

Read by the sensors through `uow.changes`; the cursor logic itself is pure (`defs/sensor_cursor.py`).
"""

from __future__ import annotations

import sqlalchemy as sa

CHANGES_SQL = (
    "SELECT f.name, max(x.id) FROM {table} x JOIN properties p ON p.id = x.property_id "
    "JOIN portfolios f ON f.id = p.portfolio_id WHERE x.id > :c GROUP BY f.name ORDER BY f.name"
)

# Runs of consecutive ids (gaps-and-islands) per portfolio above a low-water mark, with the earliest
# insertion time of each run: what the override sensor's commit-order cursor compares against.
_ISLANDS_SQL = (
    "SELECT f.name, min(x.id), max(x.id), extract(epoch FROM min(x.created_at))::float8 FROM ("
    " SELECT id, property_id, created_at, id - row_number() OVER (ORDER BY id) AS grp FROM {table}"
    " WHERE id > :c) x JOIN properties p ON p.id = x.property_id JOIN portfolios f ON f.id = p.portfolio_id "
    "GROUP BY f.name, x.grp ORDER BY min(x.id)"
)


def islands_after(
    conn: sa.Connection, table: str, low: int
) -> tuple[list[tuple[str, int, int, float]], float]:
    """(portfolio, first id, last id, earliest created_at epoch) per run of committed ids above `low`,
    and the database clock (epoch seconds). `table` is one of the constant names below, never input."""
    if table == "portfolios":  # a portfolio is its own run: it names itself
        sql = (
            "SELECT name, id, id, extract(epoch FROM created_at)::float8 FROM portfolios WHERE id > :c "
            "ORDER BY id"
        )
    elif table in ("landlord_overrides", "site_notes"):
        sql = _ISLANDS_SQL.format(table=table)
    else:
        raise ValueError(f"islands_after: field 'table' value {table!r} is not a change-tracked table")
    rows = conn.execute(sa.text(sql), {"c": low}).all()
    now = float(conn.execute(sa.text("SELECT extract(epoch FROM clock_timestamp())::float8")).scalar_one())
    return [(str(n), int(a), int(b), float(t)) for n, a, b, t in rows], now


class ChangeFeed:
    """The sensors' view of new rows, bound to a unit of work's connection."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def islands_after(self, table: str, low: int) -> tuple[list[tuple[str, int, int, float]], float]:
        """See `islands_after`."""
        return islands_after(self._conn, table, low)
