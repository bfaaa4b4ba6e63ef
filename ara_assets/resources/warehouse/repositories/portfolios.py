"""Portfolios and their homes (`portfolios`, `properties`).

Each repository works on the one connection of its unit of work and never commits: the unit of work
decides. Reads return polars DataFrames (many rows) or small frozen dataclasses (one record).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
import sqlalchemy as sa

from ara_assets.resources.warehouse.repositories.rows import (
    id_list,
    to_frame,
)

# Also a Dagster partition key and an asset file name; the same rule is a CHECK in migrations/0002.
PORTFOLIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$")


def check_portfolio_name(name: Any) -> str:
    """Refuse a portfolio name that could not serve as a partition key and file name."""
    if not isinstance(name, str) or name != name.strip() or not PORTFOLIO_NAME.match(name) or ".." in name:
        raise ValueError(
            f"portfolio: field 'name' value {name!r} must be 1-100 letters, digits, spaces, '_', '.' or '-', "
            "starting with a letter or digit, without '..' or outer spaces"
        )
    return name


@dataclass(frozen=True)
class Portfolio:
    id: int
    name: str
    created_at: datetime


class PortfolioRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def get_or_create(self, name: str) -> int:
        """The id of portfolio `name`, creating it if new."""
        check_portfolio_name(name)
        # DO UPDATE (a no-op) rather than DO NOTHING so RETURNING yields the id of an existing row too.
        return self._conn.execute(
            sa.text(
                "INSERT INTO portfolios (name) VALUES (:name) "
                "ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id"
            ),
            {"name": name},
        ).scalar_one()

    def by_name(self, name: str) -> Portfolio | None:
        row = self._conn.execute(
            sa.text("SELECT id, name, created_at FROM portfolios WHERE name = :name"), {"name": name}
        ).one_or_none()
        return Portfolio(*row) if row else None

    def list_after(self, id_cursor: int = 0) -> list[tuple[int, str]]:
        """Portfolios with id > `id_cursor`, oldest first: a sensor adds them as partitions."""
        rows = self._conn.execute(
            sa.text("SELECT id, name FROM portfolios WHERE id > :c ORDER BY id"), {"c": id_cursor}
        )
        return [(int(i), str(n)) for i, n in rows]


# ---------------------------------------------------------------------------------------------- properties

PROPERTY_SCHEMA: dict[str, Any] = {
    "property_id": pl.Int64,
    "uprn": pl.Int64,
    "landlord_reference": pl.String,
    "address": pl.String,
    "postcode": pl.String,
}


@dataclass(frozen=True)
class UpsertCounts:
    added: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"


class PropertyRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def upsert_many(self, portfolio_id: int, frame: pl.DataFrame) -> UpsertCounts:
        """Insert or update homes of a portfolio by UPRN.

        `frame` has columns uprn, landlord_reference, address, postcode, already validated (see
        warehouse_imports.parse_property_csv). Rows whose values are unchanged are not touched.
        """
        missing = {"uprn", "landlord_reference", "address", "postcode"} - set(frame.columns)
        if missing:
            raise ValueError(f"properties frame: missing columns {sorted(missing)}")
        cols = frame.select("uprn", "landlord_reference", "address", "postcode")
        if cols.height == 0:
            return UpsertCounts(0, 0, 0)
        repeated = cols.filter(pl.col("uprn").is_duplicated())["uprn"]
        if repeated.len():
            raise ValueError(f"properties frame: field 'uprn' value {repeated[0]!r} appears more than once")
        # One statement over column arrays: scales to 100k homes and still returns a row per change.
        # xmax = 0 only for a freshly inserted row version; the WHERE skips rows that would not change,
        # so those return nothing and are counted as unchanged.
        result = self._conn.execute(
            sa.text(
                "INSERT INTO properties AS p (portfolio_id, uprn, landlord_reference, address, postcode) "
                "SELECT :pid, u, r, a, c FROM unnest(CAST(:uprns AS bigint[]), CAST(:refs AS text[]), "
                "CAST(:addrs AS text[]), CAST(:pcs AS text[])) AS t(u, r, a, c) "
                "ON CONFLICT (portfolio_id, uprn) DO UPDATE SET "
                "landlord_reference = EXCLUDED.landlord_reference, address = EXCLUDED.address, "
                "postcode = EXCLUDED.postcode, updated_at = now() "
                "WHERE (p.landlord_reference, p.address, p.postcode) IS DISTINCT FROM "
                "(EXCLUDED.landlord_reference, EXCLUDED.address, EXCLUDED.postcode) "
                "RETURNING (xmax = 0) AS inserted"
            ),
            {
                "pid": portfolio_id,
                "uprns": cols["uprn"].to_list(),
                "refs": cols["landlord_reference"].to_list(),
                "addrs": cols["address"].to_list(),
                "pcs": cols["postcode"].to_list(),
            },
        )
        flags = [bool(i) for (i,) in result]
        added = sum(flags)
        updated = len(flags) - added
        return UpsertCounts(added=added, updated=updated, unchanged=cols.height - added - updated)

    def for_portfolio(self, name: str) -> pl.DataFrame:
        """Homes of portfolio `name` (empty frame if it has none or does not exist), ordered by UPRN."""
        result = self._conn.execute(
            sa.text(
                "SELECT p.id, p.uprn, p.landlord_reference, p.address, p.postcode FROM properties p "
                "JOIN portfolios f ON f.id = p.portfolio_id WHERE f.name = :name ORDER BY p.uprn"
            ),
            {"name": name},
        )
        return to_frame(result, PROPERTY_SCHEMA)

    def ids_for_uprns(self, portfolio_id: int, uprns: Sequence[int]) -> dict[int, int]:
        """Map UPRN -> property id for the UPRNs of `portfolio_id` that exist."""
        rows = self._conn.execute(
            sa.text(
                "SELECT uprn, id FROM properties "
                "WHERE portfolio_id = :pid AND uprn = ANY(CAST(:uprns AS bigint[]))"
            ),
            {"pid": portfolio_id, "uprns": id_list(uprns)},
        )
        return {int(u): int(i) for u, i in rows}


