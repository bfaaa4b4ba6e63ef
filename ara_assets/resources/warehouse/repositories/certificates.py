"""Register certificates as fetched, and the log of every fetch (`certificates`, `certificate_fetches`).

Each repository works on the one connection of its unit of work and never commits: the unit of work
decides. Reads return polars DataFrames (many rows) or small frozen dataclasses (one record).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa

from ara_assets.epc.bulk_file import uprn_value
from ara_assets.resources.warehouse.postgres_copy import copy_out
from ara_assets.resources.warehouse.repositories.rows import (
    check_uprn,
    id_list,
    to_frame,
)

CERTIFICATE_NUMBER = re.compile(r"^[0-9]{4}(-[0-9]{4}){4}$")
FETCH_STATUSES = ("found", "no_certificate", "error")


CERTIFICATE_SCHEMA: dict[str, Any] = {
    "certificate_number": pl.String,
    "uprn": pl.Int64,
    "registration_date": pl.Date,
    "schema_type": pl.String,
    "sap_version": pl.String,
    "raw": pl.String,
    "fetched_at": pl.Datetime("us", "UTC"),
}


def certificate_key_columns(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The indexed columns of one bare register document (the `data` of /api/certificate).

    Refuses a document without a well-formed certificate number, registration date or schema type.
    """
    number = doc.get("certificate_number")
    record = f"certificate {number!r}"
    if not isinstance(number, str) or not CERTIFICATE_NUMBER.match(number):
        raise ValueError(
            f"{record}: field 'certificate_number' value {number!r} is not like 0000-0000-0000-0000-0000"
        )
    raw_date = doc.get("registration_date")
    try:
        registration = date.fromisoformat(str(raw_date)[:10])
    except ValueError:
        raise ValueError(f"{record}: field 'registration_date' value {raw_date!r} is not a date") from None
    schema_type = doc.get("schema_type")
    if not isinstance(schema_type, str) or not schema_type:
        raise ValueError(f"{record}: field 'schema_type' value {schema_type!r} is missing")
    uprn = doc.get("uprn")
    if uprn is not None:
        # as the register or an assessor lodged it (`uprn_value`); an unreadable one is refused by value
        uprn = check_uprn(uprn_value(uprn) or uprn, record)
    sap_version = doc.get("sap_version")
    return {
        "certificate_number": number,
        "uprn": uprn,
        "registration_date": registration,
        "schema_type": schema_type,
        "sap_version": None if sap_version is None else str(sap_version),
    }


class CertificateRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def upsert_many(self, docs: Sequence[Mapping[str, Any]], fetched_at: datetime) -> int:
        """Store bare register documents (insert, or replace by certificate number); return the count."""
        if fetched_at.tzinfo is None:
            raise ValueError(f"certificates: field 'fetched_at' value {fetched_at!r} must be timezone-aware")
        rows = []
        for doc in docs:
            row = certificate_key_columns(doc)
            row["raw"] = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            row["fetched_at"] = fetched_at
            rows.append(row)
        if rows:
            self._conn.execute(
                sa.text(
                    "INSERT INTO certificates (certificate_number, uprn, registration_date, schema_type, "
                    "sap_version, raw, fetched_at) VALUES (:certificate_number, :uprn, :registration_date, "
                    ":schema_type, :sap_version, CAST(:raw AS jsonb), :fetched_at) "
                    "ON CONFLICT (certificate_number) DO UPDATE SET uprn = EXCLUDED.uprn, "
                    "registration_date = EXCLUDED.registration_date, schema_type = EXCLUDED.schema_type, "
                    "sap_version = EXCLUDED.sap_version, raw = EXCLUDED.raw, fetched_at = EXCLUDED.fetched_at"
                    # Provenance (migration 0013): a document fetched from the API replaces a bulk one.
                    ", source = 'api', source_ref = NULL"
                ),
                rows,
            )
        return len(rows)

    def for_uprns(self, uprns: Sequence[int]) -> pl.DataFrame:
        """Every stored certificate of these UPRNs, newest registration first per UPRN; raw as JSON text."""
        # By COPY: 150,000 documents of a 100,000-home portfolio come over in seconds, as one Arrow column
        # (fetching them as rows made a Python string of each first); fetched_at as epoch microseconds.
        select = (
            "SELECT certificate_number, uprn, registration_date, schema_type, sap_version, raw::text AS raw, "
            "(extract(epoch FROM fetched_at) * 1000000)::bigint AS fetched_at FROM certificates "
            "WHERE uprn = ANY(%s::bigint[]) ORDER BY uprn, registration_date DESC, certificate_number DESC"
        )
        frame = copy_out(
            self._conn, select, {**CERTIFICATE_SCHEMA, "fetched_at": pl.Int64()}, (id_list(uprns),)
        )
        return frame.with_columns(
            pl.col("fetched_at").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
        ).select(list(CERTIFICATE_SCHEMA))

    def in_postcodes(self, postcodes: Sequence[str], exclude_uprns: Sequence[int]) -> pl.DataFrame:
        """Certificates of other homes in these postcodes (neighbours outside a portfolio, for prediction):
        uprn, registration_date, raw (JSON text). Postcodes are matched as given and upper-cased with one
        space, the register's form (the expression index of migration 0013 serves the look-up)."""
        forms = sorted({p for pc in postcodes if pc for p in (pc, " ".join(pc.upper().split()))})
        if not forms:
            return pl.DataFrame(schema={"uprn": pl.Int64, "registration_date": pl.Date, "raw": pl.String})
        select = (
            "SELECT uprn, registration_date, raw::text AS raw FROM certificates "
            "WHERE raw ->> 'postcode' = ANY(%s::text[]) AND uprn IS NOT NULL "
            "AND NOT (uprn = ANY(%s::bigint[]))"
        )
        schema = {"uprn": pl.Int64(), "registration_date": pl.Date(), "raw": pl.String()}
        return copy_out(self._conn, select, schema, (forms, id_list(exclude_uprns)))


# ------------------------------------------------------------------------------------------------ fetches

FETCH_SCHEMA: dict[str, Any] = {
    "uprn": pl.Int64,
    "fetched_at": pl.Datetime("us", "UTC"),
    "status": pl.String,
    "error": pl.String,
    "certificate_count": pl.Int64,
}


class FetchRepository:
    """The fetch log: when each UPRN was last asked of the register and what came back."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def record(self, rows: Iterable[Mapping[str, Any]] | pl.DataFrame) -> int:
        """Upsert fetch outcomes: dicts or a frame of uprn, fetched_at, status, error, certificate_count."""
        items = rows.to_dicts() if isinstance(rows, pl.DataFrame) else list(rows)
        clean = []
        for n, row in enumerate(items, start=1):
            record = f"fetch row {n} (uprn {row.get('uprn')!r})"
            uprn = check_uprn(row.get("uprn"), record)
            status = row.get("status")
            if status not in FETCH_STATUSES:
                raise ValueError(f"{record}: field 'status' value {status!r} is not one of {FETCH_STATUSES}")
            fetched_at = row.get("fetched_at")
            if not isinstance(fetched_at, datetime) or fetched_at.tzinfo is None:
                raise ValueError(f"{record}: field 'fetched_at' value {fetched_at!r} is not timezone-aware")
            error = row.get("error")
            if (status == "error") != (error is not None):
                raise ValueError(f"{record}: field 'error' value {error!r} must be set iff status is 'error'")
            count = row.get("certificate_count") or 0
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ValueError(f"{record}: field 'certificate_count' value {count!r} is not a count")
            # Mirrors the table's CHECKs; an 'error' may carry a partial count.
            if (status == "found" and count == 0) or (status == "no_certificate" and count > 0):
                raise ValueError(
                    f"{record}: field 'certificate_count' value {count!r} does not fit status {status!r}"
                )
            clean.append({"uprn": uprn, "at": fetched_at, "status": status, "error": error, "n": count})
        if clean:
            # The last outcome per UPRN wins; one statement over column arrays (100k rows in one trip).
            latest = list({r["uprn"]: r for r in clean}.values())
            self._conn.execute(
                sa.text(
                    "INSERT INTO certificate_fetches (uprn, fetched_at, status, error, certificate_count) "
                    "SELECT * FROM unnest(CAST(:uprn AS bigint[]), CAST(:at AS timestamptz[]), "
                    "CAST(:status AS text[]), CAST(:error AS text[]), CAST(:n AS integer[])) "
                    "ON CONFLICT (uprn) DO UPDATE SET "
                    "fetched_at = EXCLUDED.fetched_at, status = EXCLUDED.status, error = EXCLUDED.error, "
                    "certificate_count = EXCLUDED.certificate_count"
                ),
                {k: [r[k] for r in latest] for k in ("uprn", "at", "status", "error", "n")},
            )
        return len(clean)

    def stale_uprns(self, uprns: Sequence[int], ttl: timedelta, now: datetime) -> list[int]:
        """The UPRNs among `uprns` to fetch again, ascending.

        Stale means: never fetched, last fetched `ttl` or longer before `now`, or last fetch failed
        (an error is never cached, whatever its age).
        """
        if now.tzinfo is None:
            raise ValueError(f"stale_uprns: field 'now' value {now!r} must be timezone-aware")
        rows = self._conn.execute(
            sa.text(
                "SELECT DISTINCT u.uprn FROM unnest(CAST(:uprns AS bigint[])) AS u(uprn) "
                "LEFT JOIN certificate_fetches f ON f.uprn = u.uprn "
                "WHERE f.uprn IS NULL OR f.status = 'error' OR f.fetched_at <= :cutoff ORDER BY u.uprn"
            ),
            {"uprns": id_list(uprns), "cutoff": now - ttl},
        )
        return [int(u) for (u,) in rows]

    def for_uprns(self, uprns: Sequence[int]) -> pl.DataFrame:
        result = self._conn.execute(
            sa.text(
                "SELECT uprn, fetched_at, status, error, certificate_count FROM certificate_fetches "
                "WHERE uprn = ANY(CAST(:uprns AS bigint[])) ORDER BY uprn"
            ),
            {"uprns": id_list(uprns)},
        )
        return to_frame(result, FETCH_SCHEMA)
