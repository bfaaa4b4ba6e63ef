"""Property attributes (listed building, conservation area, value, tenure): `property_attributes`
(migrations/0006).

    with warehouse.unit_of_work() as uow:
        attrs = uow.attributes
        attrs.upsert_many("north", frame)          # keyed by uprn; nulls mean "not known"
        known = attrs.for_portfolio("north")       # one row per property of the portfolio

Kept beside the warehouse (not in `ara_assets.modelling`, which is pure) and bound to a unit of work's
connection, so writes share its transaction.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import sqlalchemy as sa

from ara_assets.resources.warehouse.postgres_copy import copy_out

ATTRIBUTE_SCHEMA: dict[str, Any] = {
    "property_id": pl.Int64,
    "uprn": pl.Int64,
    "listed_building": pl.Boolean,
    "listed_grade": pl.String,
    "conservation_area": pl.Boolean,
    "property_value_gbp": pl.Float64,
    "property_value_date": pl.Date,
    "tenure": pl.String,
    "on_gas_grid": pl.Boolean,
    "source": pl.String,
}
WRITABLE = tuple(c for c in ATTRIBUTE_SCHEMA if c not in ("property_id", "uprn"))
GRADES = ("I", "II*", "II", "A", "B", "C")
# migrations/0006 + 0010; the funding rules map each to a scheme tenure group
# (modelling/data/funding_schemes.yaml)
TENURES = (
    "social_rent",
    "affordable_rent",
    "shared_ownership",
    "leasehold",
    "market_rent",
    "private_rented",
    "owner_occupied",
    "other",
)


class AttributeRejected(ValueError):
    """A bad attribute row: names the record (uprn), the field and the value."""


def _check(frame: pl.DataFrame) -> pl.DataFrame:
    if "uprn" not in frame.columns:
        raise AttributeRejected("property attributes: field 'uprn' is missing (no such column)")
    unknown = sorted(set(frame.columns) - set(WRITABLE) - {"uprn"})
    if unknown:
        raise AttributeRejected(f"property attributes: field {unknown[0]!r} is not an attribute ({WRITABLE})")
    cols = frame.with_columns(
        [pl.lit(None, dtype=ATTRIBUTE_SCHEMA[c]).alias(c) for c in WRITABLE if c not in frame.columns]
    )
    for name in ("uprn", *WRITABLE):
        try:
            cast = cols[name].cast(ATTRIBUTE_SCHEMA[name], strict=False)
        except pl.exceptions.InvalidOperationError:  # e.g. text to boolean: no cast at all
            cast = pl.Series(name, [None] * cols.height, dtype=ATTRIBUTE_SCHEMA[name])
        bad = cols.filter(cast.is_null() & cols[name].is_not_null())
        if bad.height:
            raise AttributeRejected(
                f"uprn={bad['uprn'][0]!r}: field {name!r} value {bad[name][0]!r} has the wrong type"
            )
        cols = cols.with_columns(cast.alias(name))
    checks = [
        ("uprn", pl.col("uprn").is_null() | (pl.col("uprn") < 1), "is not a UPRN"),
        ("uprn", pl.col("uprn").is_duplicated(), "is duplicated"),
        ("listed_grade", ~pl.col("listed_grade").is_in(GRADES), f"not one of {GRADES}"),
        ("listed_grade", pl.col("listed_grade").is_not_null() & pl.col("listed_building").ne_missing(True),
         "a grade needs listed_building = true"),
        ("property_value_gbp", pl.col("property_value_gbp") <= 0, "must be positive"),
        ("tenure", ~pl.col("tenure").is_in(TENURES), f"not one of {TENURES}"),
    ]  # fmt: skip
    for field, cond, why in checks:
        bad = cols.filter(cond.fill_null(False))
        if bad.height:
            raise AttributeRejected(f"uprn={bad['uprn'][0]!r}: field {field!r} value {bad[field][0]!r} {why}")
    return cols


class PropertyAttributeRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def upsert_many(self, portfolio: str, frame: pl.DataFrame) -> int:
        """Insert or replace the attributes of the portfolio's homes named by `uprn`; return rows written.

        Every UPRN must be a home of the portfolio, else nothing is written. A home's row is replaced as a
        whole: attributes the frame has no column for become "not known".
        """
        cols = _check(frame)
        ids = dict(
            self._conn.execute(
                sa.text(
                    "SELECT p.uprn, p.id FROM properties p JOIN portfolios f ON f.id = p.portfolio_id "
                    "WHERE f.name = :name AND p.uprn = ANY(CAST(:uprns AS bigint[]))"
                ),
                {"name": portfolio, "uprns": cols["uprn"].to_list()},
            ).all()
        )
        missing = [u for u in cols["uprn"].to_list() if u not in ids]
        if missing:
            raise AttributeRejected(
                f"uprn={missing[0]!r}: field 'uprn' is not a home of portfolio {portfolio!r}"
            )
        rows = [{**r, "property_id": ids[r["uprn"]]} for r in cols.select("uprn", *WRITABLE).to_dicts()]
        if not rows:
            return 0
        names = ", ".join(WRITABLE)
        values = ", ".join(f":{c}" for c in WRITABLE)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in WRITABLE)
        self._conn.execute(
            sa.text(
                f"INSERT INTO property_attributes (property_id, {names}) VALUES (:property_id, {values}) "
                f"ON CONFLICT (property_id) DO UPDATE SET {updates}, updated_at = now()"
            ),
            rows,
        )
        return len(rows)

    def for_portfolio(self, portfolio: str) -> pl.DataFrame:
        """One row per home of the portfolio (attributes null where none are recorded), ordered by UPRN."""
        query = sa.text("SELECT id FROM portfolios WHERE name = :n")
        row = self._conn.execute(query, {"n": portfolio}).first()
        if row is None:
            return pl.DataFrame(schema=ATTRIBUTE_SCHEMA)
        # COPY, not a row-by-row fetch: the modelling assets and the report read every home on each run
        return copy_out(
            self._conn,
            "SELECT p.id AS property_id, p.uprn, a.listed_building, a.listed_grade, a.conservation_area, "
            "a.property_value_gbp, a.property_value_date, a.tenure, a.on_gas_grid, a.source "
            "FROM properties p LEFT JOIN property_attributes a ON a.property_id = p.id "
            f"WHERE p.portfolio_id = {int(row[0])} ORDER BY p.uprn",
            {c: t() for c, t in ATTRIBUTE_SCHEMA.items()},
        )
