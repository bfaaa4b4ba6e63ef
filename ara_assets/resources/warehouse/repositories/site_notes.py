"""Surveyors' site notes, append-only (`site_notes`).

Each repository works on the one connection of its unit of work and never commits: the unit of work
decides. Reads return polars DataFrames (many rows) or small frozen dataclasses (one record).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa

from ara_assets.resources.warehouse.repositories.changes import CHANGES_SQL
from ara_assets.resources.warehouse.repositories.rows import (
    id_list,
    to_frame,
)

SITE_NOTE_SCHEMA: dict[str, Any] = {
    "site_note_id": pl.Int64,
    "property_id": pl.Int64,
    "survey_date": pl.Date,
    "document": pl.String,
    "surveyor": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
}


class SiteNoteRepository:
    """Full surveys (register-shaped documents), append-only."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def add(self, property_id: int, survey_date: date, document: Mapping[str, Any], surveyor: str) -> int:
        """Record one survey of one home; return its id."""
        record = f"site note for property {property_id}"
        if not isinstance(survey_date, date):
            raise ValueError(f"{record}: field 'survey_date' value {survey_date!r} is not a date")
        if not isinstance(document, Mapping) or not document:
            raise ValueError(f"{record}: field 'document' value {document!r} is not a non-empty JSON object")
        if not isinstance(surveyor, str) or not surveyor.strip():
            raise ValueError(f"{record}: field 'surveyor' value {surveyor!r} is missing")
        return int(
            self._conn.execute(
                sa.text(
                    "INSERT INTO site_notes (property_id, survey_date, document, surveyor) "
                    "VALUES (:pid, :d, CAST(:doc AS jsonb), :s) RETURNING id"
                ),
                {"pid": property_id, "d": survey_date, "doc": json.dumps(document), "s": surveyor.strip()},
            ).scalar_one()
        )

    def latest_for_properties(self, property_ids: Sequence[int]) -> pl.DataFrame:
        """The most recent survey per home (latest survey date; the last recorded on a tie)."""
        result = self._conn.execute(
            sa.text(
                "SELECT DISTINCT ON (property_id) id, property_id, survey_date, document::text, surveyor, "
                "created_at FROM site_notes WHERE property_id = ANY(CAST(:ids AS bigint[])) "
                "ORDER BY property_id, survey_date DESC, id DESC"
            ),
            {"ids": id_list(property_ids)},
        )
        return to_frame(result, SITE_NOTE_SCHEMA)

    def changes_after(self, cursor_id: int) -> list[tuple[str, int]]:
        """(portfolio name, highest site-note id) for portfolios with surveys newer than `cursor_id`."""
        rows = self._conn.execute(sa.text(CHANGES_SQL.format(table="site_notes")), {"c": cursor_id})
        return [(str(n), int(i)) for n, i in rows]

    def max_id(self) -> int:
        return int(self._conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM site_notes")).scalar_one())


