"""Warehouse side of the register's bulk file and deltas: certificates with provenance, the sync log.

Bound to a unit of work's connection (`uow.register_bulk`), so a month's load and its
fetch records commit together or not at all. Tables: `certificates` (columns `source`, `source_ref` of
migration 0013), `certificate_fetches`, `register_syncs`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import polars as pl
import sqlalchemy as sa

from ara_assets.epc.bulk_file import normalise_postcode
from ara_assets.resources.warehouse.postgres_copy import copy_in
from ara_assets.resources.warehouse.repositories.certificates import certificate_key_columns

Source = Literal["bulk_file", "delta"]
_INCOMING = {
    "certificate_number": pl.String(),
    "uprn": pl.Int64(),
    "registration_date": pl.Date(),
    "schema_type": pl.String(),
    "sap_version": pl.String(),
    "raw": pl.String(),
}


@dataclass(frozen=True)
class SyncRecord:
    kind: str
    file_last_updated: datetime | None
    file_size: int | None
    date_start: date | None
    date_end: date | None
    finished_at: datetime


@dataclass
class StoreResult:
    stored: int
    refused: list[str]  # "certificate '…': field … value …" messages of documents not stored


class RegisterBulkRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # -- what to keep --------------------------------------------------------------------------------

    def wanted(self, portfolios: Sequence[str] | None = None) -> tuple[list[int], list[str]]:
        """UPRNs and normalised postcodes of the properties of these portfolios (all when None)."""
        sql = (
            "SELECT DISTINCT p.uprn, p.postcode FROM properties p JOIN portfolios f ON f.id = p.portfolio_id"
        )
        params: dict[str, Any] = {}
        if portfolios is not None:
            sql += " WHERE f.name = ANY(CAST(:names AS text[]))"
            params["names"] = list(portfolios)
        rows = self._conn.execute(sa.text(sql), params).all()
        uprns = sorted({int(u) for u, _ in rows})
        postcodes = sorted({normalise_postcode(p) for _, p in rows if p})
        return uprns, postcodes

    # -- certificates --------------------------------------------------------------------------------

    def store(
        self,
        docs: Sequence[Mapping[str, Any]],
        *,
        source: Source,
        source_ref: str,
        fetched_at: datetime,
        raws: Sequence[str | None] | None = None,
    ) -> StoreResult:
        """Insert or replace certificates from the bulk file or a delta, with their provenance.

        A document the cache cannot hold (no valid number, date or schema type) is refused with its
        message and not stored. `raws` (beside `docs`, optional) is each document's text as read from the
        file, stored as it is instead of encoding the document again.

        The rows go through COPY (`postgres_copy.copy_in`) into a temporary table, then one INSERT ... ON
        CONFLICT. Binding the
        documents as a text[] parameter instead made the driver escape every quote of every document in
        Python: 30,000 documents of 7 kB took minutes (measured in docs/benchmarks.md).
        """
        if fetched_at.tzinfo is None:
            raise ValueError(f"certificates: field 'fetched_at' value {fetched_at!r} must be timezone-aware")
        if raws is not None and len(raws) != len(docs):
            raise ValueError(f"certificates: {len(raws)} texts given for {len(docs)} documents")
        rows: dict[str, tuple[Any, ...]] = {}  # by number: the later document of a number wins
        refused: list[str] = []
        for i, doc in enumerate(docs):
            try:
                key = certificate_key_columns(doc)
            except ValueError as exc:
                refused.append(str(exc))
                continue
            raw = raws[i] if raws is not None else None
            if raw is None:
                raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            number = key["certificate_number"]
            rows.pop(number, None)
            rows[number] = (
                number,
                key["uprn"],
                key["registration_date"],
                key["schema_type"],
                key["sap_version"],
                raw,
            )
        if rows:
            self._copy_in(rows.values(), fetched_at=fetched_at, source=source, source_ref=source_ref)
        return StoreResult(stored=len(rows), refused=refused)

    def _copy_in(
        self, rows: Iterable[tuple[Any, ...]], *, fetched_at: datetime, source: Source, source_ref: str
    ) -> None:
        self._conn.execute(
            sa.text(
                "CREATE TEMP TABLE IF NOT EXISTS certificates_incoming (certificate_number text, "
                "uprn bigint, registration_date date, schema_type text, sap_version text, raw text) "
                "ON COMMIT DROP"
            )
        )
        copy_in(self._conn, "certificates_incoming", pl.DataFrame(list(rows), schema=_INCOMING, orient="row"))
        self._conn.execute(
            sa.text(
                "INSERT INTO certificates (certificate_number, uprn, registration_date, schema_type, "
                "sap_version, raw, fetched_at, source, source_ref) "
                "SELECT certificate_number, uprn, registration_date, schema_type, sap_version, "
                "CAST(raw AS jsonb), :at, :source, :ref FROM certificates_incoming "
                "ON CONFLICT (certificate_number) DO UPDATE SET uprn = EXCLUDED.uprn, "
                "registration_date = EXCLUDED.registration_date, schema_type = EXCLUDED.schema_type, "
                "sap_version = EXCLUDED.sap_version, raw = EXCLUDED.raw, "
                "fetched_at = EXCLUDED.fetched_at, source = EXCLUDED.source, "
                "source_ref = EXCLUDED.source_ref"
            ),
            {"at": fetched_at, "source": source, "ref": source_ref},
        )
        self._conn.execute(sa.text("TRUNCATE certificates_incoming"))

    def record_found(self, uprns: Sequence[int], fetched_at: datetime) -> int:
        """Fetch records 'found' for these UPRNs, with the count of certificates the cache now holds.

        So `epc_cache` serves them from the cache until the TTL runs out (counted from `fetched_at`, when
        the file was loaded) and asks the per-UPRN API only for the homes the file lacks.
        """
        if not uprns:
            return 0
        result = self._conn.execute(
            sa.text(
                "INSERT INTO certificate_fetches (uprn, fetched_at, status, error, certificate_count) "
                "SELECT uprn, :at, 'found', NULL, count(*) FROM certificates "
                "WHERE uprn = ANY(CAST(:uprns AS bigint[])) GROUP BY uprn "
                "ON CONFLICT (uprn) DO UPDATE SET fetched_at = EXCLUDED.fetched_at, status = 'found', "
                "error = NULL, certificate_count = EXCLUDED.certificate_count"
            ),
            {"uprns": sorted({int(u) for u in uprns}), "at": fetched_at},
        )
        return int(result.rowcount or 0)

    def held(self, numbers: Sequence[str]) -> dict[str, int | None]:
        """Certificate number -> UPRN for the numbers the cache holds."""
        rows = self._conn.execute(
            sa.text(
                "SELECT certificate_number, uprn FROM certificates "
                "WHERE certificate_number = ANY(CAST(:n AS text[]))"
            ),
            {"n": list(numbers)},
        )
        return {n: (None if u is None else int(u)) for n, u in rows}

    def remove(self, numbers: Sequence[str]) -> list[int]:
        """Delete certificates the register withdrew; returns the UPRNs they belonged to."""
        if not numbers:
            return []
        rows = self._conn.execute(
            sa.text(
                "DELETE FROM certificates WHERE certificate_number = ANY(CAST(:n AS text[])) RETURNING uprn"
            ),
            {"n": list(numbers)},
        )
        return sorted({int(u) for (u,) in rows if u is not None})

    def invalidate_fetches(self, uprns: Sequence[int]) -> int:
        """Forget the fetch records of these UPRNs, so the next `epc_cache` run asks the API again."""
        if not uprns:
            return 0
        result = self._conn.execute(
            sa.text("DELETE FROM certificate_fetches WHERE uprn = ANY(CAST(:u AS bigint[]))"),
            {"u": sorted({int(u) for u in uprns})},
        )
        return int(result.rowcount or 0)

    # -- the sync log --------------------------------------------------------------------------------

    def last_sync(self, kind: Literal["bulk_file", "deltas"]) -> SyncRecord | None:
        row = self._conn.execute(
            sa.text(
                "SELECT kind, file_last_updated, file_size, date_start, date_end, finished_at "
                "FROM register_syncs WHERE kind = :k ORDER BY id DESC LIMIT 1"
            ),
            {"k": kind},
        ).first()
        return None if row is None else SyncRecord(*row)

    def record_sync(
        self,
        kind: Literal["bulk_file", "deltas"],
        *,
        file_last_updated: datetime | None = None,
        file_size: int | None = None,
        date_start: date | None = None,
        date_end: date | None = None,
        documents_scanned: int = 0,
        certificates_kept: int = 0,
        events: int = 0,
    ) -> None:
        self._conn.execute(
            sa.text(
                "INSERT INTO register_syncs (kind, file_last_updated, file_size, date_start, date_end, "
                "documents_scanned, certificates_kept, events) VALUES (:kind, :flu, :fs, :ds, :de, :scanned, "
                ":kept, :events)"
            ),
            {
                "kind": kind,
                "flu": file_last_updated,
                "fs": file_size,
                "ds": date_start,
                "de": date_end,
                "scanned": documents_scanned,
                "kept": certificates_kept,
                "events": events,
            },
        )

    def provenance_counts(self, uprns: Sequence[int]) -> dict[str, int]:
        """How many cached certificates of these UPRNs came from each source."""
        rows = self._conn.execute(
            sa.text(
                "SELECT source, count(*) FROM certificates WHERE uprn = ANY(CAST(:u AS bigint[])) "
                "GROUP BY source ORDER BY source"
            ),
            {"u": sorted({int(u) for u in uprns})},
        )
        return {s: int(n) for s, n in rows}
