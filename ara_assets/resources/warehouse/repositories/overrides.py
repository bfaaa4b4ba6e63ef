"""Landlord overrides of certificate fields, append-only (`landlord_overrides`).

Each repository works on the one connection of its unit of work and never commits: the unit of work
decides. Reads return polars DataFrames (many rows) or small frozen dataclasses (one record).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl
import sqlalchemy as sa

from ara_assets.resources.warehouse.repositories.changes import CHANGES_SQL
from ara_assets.resources.warehouse.repositories.rows import (
    id_list,
    to_frame,
)

# field paths such as `walls[0].wall_construction` or `sap_heating.main_heating_details[1].main_fuel_type`;
# the same pattern is enforced by a CHECK constraint in migrations/0001_init.sql.
FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*$")
OVERRIDE_ACTIONS = ("set", "retract")


OVERRIDE_SCHEMA: dict[str, Any] = {
    "override_id": pl.Int64,
    "property_id": pl.Int64,
    "field_path": pl.String,
    "value": pl.String,
    "author": pl.String,
    "reason": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
}

def override_row(row: Mapping[str, Any], record: str) -> dict[str, Any]:
    """Validate one override row (property_id, field_path, value, action, author, reason) for insertion."""
    action = row.get("action") or "set"
    if action not in OVERRIDE_ACTIONS:
        raise ValueError(f"{record}: field 'action' value {action!r} is not one of {OVERRIDE_ACTIONS}")
    path = row.get("field_path")
    if not isinstance(path, str) or not FIELD_PATH.match(path):
        raise ValueError(f"{record}: field 'field_path' value {path!r} is not a path like walls[0].roof_type")
    author = row.get("author")
    if not isinstance(author, str) or not author.strip():
        raise ValueError(f"{record}: field 'author' value {author!r} is missing")
    property_id = row.get("property_id")
    if isinstance(property_id, bool) or not isinstance(property_id, int):
        raise ValueError(f"{record}: field 'property_id' value {property_id!r} is not an integer")
    if action == "retract" and row.get("value") is not None:
        raise ValueError(f"{record}: field 'value' value {row.get('value')!r} must be empty for a retraction")
    return {
        "pid": property_id,
        "path": path,
        # A 'set' of Python None stores JSON null; a retraction stores SQL NULL.
        "value": json.dumps(row.get("value"), ensure_ascii=False) if action == "set" else None,
        "action": action,
        "author": author.strip(),
        "reason": row.get("reason") or None,
    }


class OverrideRepository:
    """Landlord overrides: append-only, the latest row per (property, field) wins."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def append_many(self, rows: Iterable[Mapping[str, Any]]) -> list[int]:
        """Append overrides in the given order (later rows win over earlier ones); return their ids.

        Checks the shape of each row and of its field path; whether the register's document has that
        field is checked at the import boundary (warehouse_imports.is_valid_override_path).
        """
        clean = [override_row(r, f"override row {n}") for n, r in enumerate(rows, start=1)]
        if not clean:
            return []
        # Column arrays with ordinality: one statement, and ids are drawn in file order, so a later
        # row for the same field gets the higher id and wins.
        result = self._conn.execute(
            sa.text(
                "INSERT INTO landlord_overrides (property_id, field_path, value, action, author, reason) "
                "SELECT pid, path, CAST(v AS jsonb), act, who, why FROM unnest(CAST(:pids AS bigint[]), "
                "CAST(:paths AS text[]), CAST(:vals AS text[]), CAST(:acts AS text[]), "
                "CAST(:whos AS text[]), CAST(:whys AS text[])) "
                "WITH ORDINALITY AS t(pid, path, v, act, who, why, ord) "
                "ORDER BY ord RETURNING id"
            ),
            {
                "pids": [r["pid"] for r in clean],
                "paths": [r["path"] for r in clean],
                "vals": [r["value"] for r in clean],
                "acts": [r["action"] for r in clean],
                "whos": [r["author"] for r in clean],
                "whys": [r["reason"] for r in clean],
            },
        )
        ids = sorted(int(i) for (i,) in result)
        return ids

    def effective_for_properties(self, property_ids: Sequence[int]) -> pl.DataFrame:
        """The overrides in force: the latest row per (property, field) when it is a 'set'.

        `value` is JSON text. A field whose latest row is a 'retract' is absent.
        """
        result = self._conn.execute(
            sa.text(
                "SELECT id, property_id, field_path, value::text, author, reason, created_at FROM ("
                " SELECT DISTINCT ON (property_id, field_path) * FROM landlord_overrides"
                " WHERE property_id = ANY(CAST(:ids AS bigint[])) ORDER BY property_id, field_path, id DESC"
                ") latest WHERE action = 'set' ORDER BY property_id, field_path"
            ),
            {"ids": id_list(property_ids)},
        )
        return to_frame(result, OVERRIDE_SCHEMA)

    def history_for_property(self, property_id: int) -> pl.DataFrame:
        """Every override row of one home, oldest first (value JSON text, null for retractions)."""
        result = self._conn.execute(
            sa.text(
                "SELECT id, property_id, field_path, value::text, author, reason, created_at, action "
                "FROM landlord_overrides WHERE property_id = :pid ORDER BY id"
            ),
            {"pid": property_id},
        )
        return to_frame(result, {**OVERRIDE_SCHEMA, "action": pl.String})

    def changes_after(self, cursor_id: int) -> list[tuple[str, int]]:
        """(portfolio name, highest override id) for portfolios with overrides newer than `cursor_id`."""
        rows = self._conn.execute(sa.text(CHANGES_SQL.format(table="landlord_overrides")), {"c": cursor_id})
        return [(str(n), int(i)) for n, i in rows]

    def max_id(self) -> int:
        """The highest override id so far (0 when there are none): a sensor's starting cursor."""
        query = sa.text("SELECT coalesce(max(id), 0) FROM landlord_overrides")
        return int(self._conn.execute(query).scalar_one())


