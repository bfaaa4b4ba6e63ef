"""Repositories over the system-of-record tables (SQLAlchemy Core, no ORM).

Each repository works on the one connection of its unit of work and never commits: the unit of work
decides. Reads return polars DataFrames (many rows) or small frozen dataclasses (one record).
Bulk writes go through executemany so 100,000 homes are a handful of round trips.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa

from ara_assets.modelling.scenarios import Scenario

# field paths such as `walls[0].wall_construction` or `sap_heating.main_heating_details[1].main_fuel_type`;
# the same pattern is enforced by a CHECK constraint in migrations/0001_init.sql.
FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*$")
CERTIFICATE_NUMBER = re.compile(r"^[0-9]{4}(-[0-9]{4}){4}$")
FETCH_STATUSES = ("found", "no_certificate", "error")
OVERRIDE_ACTIONS = ("set", "retract")
MAX_UPRN = 999_999_999_999


def _frame(result: sa.CursorResult[Any], schema: Mapping[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in result], schema=dict(schema), orient="row")


def _ids(values: Iterable[int]) -> list[int]:
    return [int(v) for v in values]


def _check_uprn(uprn: Any, record: str) -> int:
    if isinstance(uprn, bool) or not isinstance(uprn, int) or not 1 <= uprn <= MAX_UPRN:
        raise ValueError(f"{record}: field 'uprn' value {uprn!r} is not a positive integer of <= 12 digits")
    return uprn


# ---------------------------------------------------------------------------------------------- portfolios

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
        return _frame(result, PROPERTY_SCHEMA)

    def ids_for_uprns(self, portfolio_id: int, uprns: Sequence[int]) -> dict[int, int]:
        """Map UPRN -> property id for the UPRNs of `portfolio_id` that exist."""
        rows = self._conn.execute(
            sa.text(
                "SELECT uprn, id FROM properties "
                "WHERE portfolio_id = :pid AND uprn = ANY(CAST(:uprns AS bigint[]))"
            ),
            {"pid": portfolio_id, "uprns": _ids(uprns)},
        )
        return {int(u): int(i) for u, i in rows}


# -------------------------------------------------------------------------------------------- certificates

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
        # The register serves UPRNs as integers; the search docs pad them to 12-digit strings, and
        # assessors lodge them as "UPRN-000012345678".
        if isinstance(uprn, str) and uprn.removeprefix("UPRN-").isdigit():
            uprn = int(uprn.removeprefix("UPRN-"))
        _check_uprn(uprn, record)
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
        result = self._conn.execute(
            sa.text(
                "SELECT certificate_number, uprn, registration_date, schema_type, sap_version, raw::text, "
                "fetched_at FROM certificates WHERE uprn = ANY(CAST(:uprns AS bigint[])) "
                "ORDER BY uprn, registration_date DESC, certificate_number DESC"
            ),
            {"uprns": _ids(uprns)},
        )
        return _frame(result, CERTIFICATE_SCHEMA)

    def in_postcodes(self, postcodes: Sequence[str], exclude_uprns: Sequence[int]) -> pl.DataFrame:
        """Certificates of other homes in these postcodes (neighbours outside a portfolio, for prediction):
        uprn, registration_date, raw (JSON text). Postcodes are matched as given and upper-cased with one
        space, the register's form (the expression index of migration 0013 serves the look-up)."""
        forms = sorted({p for pc in postcodes if pc for p in (pc, " ".join(pc.upper().split()))})
        if not forms:
            return pl.DataFrame(schema={"uprn": pl.Int64, "registration_date": pl.Date, "raw": pl.String})
        result = self._conn.execute(
            sa.text(
                "SELECT uprn, registration_date, raw::text FROM certificates "
                "WHERE raw ->> 'postcode' = ANY(CAST(:pcs AS text[])) AND uprn IS NOT NULL "
                "AND NOT (uprn = ANY(CAST(:ex AS bigint[])))"
            ),
            {"pcs": forms, "ex": _ids(exclude_uprns)},
        )
        return _frame(result, {"uprn": pl.Int64, "registration_date": pl.Date, "raw": pl.String})


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
            uprn = _check_uprn(row.get("uprn"), record)
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
            {"uprns": _ids(uprns), "cutoff": now - ttl},
        )
        return [int(u) for (u,) in rows]

    def for_uprns(self, uprns: Sequence[int]) -> pl.DataFrame:
        result = self._conn.execute(
            sa.text(
                "SELECT uprn, fetched_at, status, error, certificate_count FROM certificate_fetches "
                "WHERE uprn = ANY(CAST(:uprns AS bigint[])) ORDER BY uprn"
            ),
            {"uprns": _ids(uprns)},
        )
        return _frame(result, FETCH_SCHEMA)


# ---------------------------------------------------------------------------------------------- overrides

OVERRIDE_SCHEMA: dict[str, Any] = {
    "override_id": pl.Int64,
    "property_id": pl.Int64,
    "field_path": pl.String,
    "value": pl.String,
    "author": pl.String,
    "reason": pl.String,
    "created_at": pl.Datetime("us", "UTC"),
}

_CHANGES_SQL = (
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
            {"ids": _ids(property_ids)},
        )
        return _frame(result, OVERRIDE_SCHEMA)

    def history_for_property(self, property_id: int) -> pl.DataFrame:
        """Every override row of one home, oldest first (value JSON text, null for retractions)."""
        result = self._conn.execute(
            sa.text(
                "SELECT id, property_id, field_path, value::text, author, reason, created_at, action "
                "FROM landlord_overrides WHERE property_id = :pid ORDER BY id"
            ),
            {"pid": property_id},
        )
        return _frame(result, {**OVERRIDE_SCHEMA, "action": pl.String})

    def changes_after(self, cursor_id: int) -> list[tuple[str, int]]:
        """(portfolio name, highest override id) for portfolios with overrides newer than `cursor_id`."""
        rows = self._conn.execute(sa.text(_CHANGES_SQL.format(table="landlord_overrides")), {"c": cursor_id})
        return [(str(n), int(i)) for n, i in rows]

    def max_id(self) -> int:
        """The highest override id so far (0 when there are none): a sensor's starting cursor."""
        query = sa.text("SELECT coalesce(max(id), 0) FROM landlord_overrides")
        return int(self._conn.execute(query).scalar_one())


# --------------------------------------------------------------------------------------------- site notes

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
            {"ids": _ids(property_ids)},
        )
        return _frame(result, SITE_NOTE_SCHEMA)

    def changes_after(self, cursor_id: int) -> list[tuple[str, int]]:
        """(portfolio name, highest site-note id) for portfolios with surveys newer than `cursor_id`."""
        rows = self._conn.execute(sa.text(_CHANGES_SQL.format(table="site_notes")), {"c": cursor_id})
        return [(str(n), int(i)) for n, i in rows]

    def max_id(self) -> int:
        return int(self._conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM site_notes")).scalar_one())


# ---------------------------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class StoredScenario:
    """A row of `scenarios` with its phases, as stored: the id, version and timestamps the table adds around
    the stored spec (`name`, `goal`, `budget_per_home_gbp`, `phases` with their `phase_number`). What a
    scenario is has one definition, `modelling.scenarios.Scenario`: `scenario()` converts to it."""

    id: int
    version: int
    created_at: datetime
    updated_at: datetime
    spec: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    @property
    def phases(self) -> list[dict[str, Any]]:
        return list(self.spec["phases"])

    def scenario(self) -> Scenario:
        """The domain scenario (a stored spec that is not a valid scenario raises ScenarioError)."""
        return Scenario.from_spec(self.spec)


def _money(value: Any, record: str, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{record}: field '{field}' value {value!r} is not a non-negative amount in GBP")
    return float(value)


class ScenarioRepository:
    """Retrofit scenarios: a goal, a per-home budget and numbered phases."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create(self, spec: Scenario | Mapping[str, Any], *, replace: bool = False) -> int:
        """Store a scenario (a domain `Scenario`, stored as its `to_spec()`, or that mapping); return its id.

        `spec`: {"name", "goal": {...}, "budget_per_home_gbp": float | None, "phases": [{"name",
        "allowed_measure_types": [...], "budget_gbp", "target_year", "target": {...}}, ...]}. Phases are
        numbered 1.. in list order. An existing name is refused unless `replace`, which rewrites the
        scenario and its phases and bumps `version`.
        """
        if isinstance(spec, Scenario):
            spec = spec.to_spec()
        name = spec.get("name")
        record = f"scenario {name!r}"
        if not isinstance(name, str) or not name.strip() or name != name.strip():
            raise ValueError(f"{record}: field 'name' value {name!r} must be non-empty with no outer spaces")
        goal = spec.get("goal")
        if not isinstance(goal, Mapping):
            raise ValueError(f"{record}: field 'goal' value {goal!r} is not a JSON object")
        budget = _money(spec.get("budget_per_home_gbp"), record, "budget_per_home_gbp")
        phases = spec.get("phases") or []
        if not isinstance(phases, Sequence) or isinstance(phases, str):
            raise ValueError(f"{record}: field 'phases' value {phases!r} is not a list")
        phase_rows = [self._phase_row(p, n, record) for n, p in enumerate(phases, start=1)]

        existing = self._conn.execute(
            sa.text("SELECT id FROM scenarios WHERE name = :n FOR UPDATE"), {"n": name}
        ).scalar_one_or_none()
        params = {"n": name, "g": json.dumps(goal), "b": budget}
        if existing is not None and not replace:
            raise ValueError(f"{record}: field 'name' value {name!r} already exists (use replace=True)")
        if existing is None:
            scenario_id = int(
                self._conn.execute(
                    sa.text(
                        "INSERT INTO scenarios (name, goal, budget_per_home_gbp) "
                        "VALUES (:n, CAST(:g AS jsonb), :b) RETURNING id"
                    ),
                    params,
                ).scalar_one()
            )
        else:
            scenario_id = int(existing)
            self._conn.execute(
                sa.text(
                    "UPDATE scenarios SET goal = CAST(:g AS jsonb), budget_per_home_gbp = :b, "
                    "version = version + 1, updated_at = now() WHERE id = :id"
                ),
                {**params, "id": scenario_id},
            )
            self._conn.execute(
                sa.text("DELETE FROM scenario_phases WHERE scenario_id = :id"), {"id": scenario_id}
            )
        if phase_rows:
            self._conn.execute(
                sa.text(
                    "INSERT INTO scenario_phases (scenario_id, phase_number, name, allowed_measure_types, "
                    "budget_gbp, target_year, target) VALUES (:sid, :num, :name, :types, :budget, :year, "
                    "CAST(:target AS jsonb))"
                ),
                [{**r, "sid": scenario_id} for r in phase_rows],
            )
        return scenario_id

    @staticmethod
    def _phase_row(phase: Any, number: int, record: str) -> dict[str, Any]:
        where = f"{record} phase {number}"
        if not isinstance(phase, Mapping):
            raise ValueError(f"{where}: value {phase!r} is not a JSON object")
        name = phase.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: field 'name' value {name!r} is missing")
        types = phase.get("allowed_measure_types") or []
        if isinstance(types, str) or not all(isinstance(t, str) and t for t in types):
            raise ValueError(f"{where}: field 'allowed_measure_types' value {types!r} is not a list of names")
        year = phase.get("target_year")
        bad_year = isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100
        if year is not None and bad_year:
            raise ValueError(f"{where}: field 'target_year' value {year!r} is not a year in 2000..2100")
        target = phase.get("target")
        if target is not None and not isinstance(target, Mapping):
            raise ValueError(f"{where}: field 'target' value {target!r} is not a JSON object")
        return {
            "num": number,
            "name": name.strip(),
            "types": list(types),
            "budget": _money(phase.get("budget_gbp"), where, "budget_gbp"),
            "year": year,
            "target": None if target is None else json.dumps(target),
        }

    def get(self, name: str) -> StoredScenario | None:
        row = self._conn.execute(
            sa.text(
                "SELECT id, name, goal, budget_per_home_gbp, version, created_at, updated_at "
                "FROM scenarios WHERE name = :n"
            ),
            {"n": name},
        ).one_or_none()
        if row is None:
            return None
        phases = self._conn.execute(
            sa.text(
                "SELECT phase_number, name, allowed_measure_types, budget_gbp, target_year, target "
                "FROM scenario_phases WHERE scenario_id = :id ORDER BY phase_number"
            ),
            {"id": row.id},
        )
        return StoredScenario(
            id=int(row.id),
            version=int(row.version),
            created_at=row.created_at,
            updated_at=row.updated_at,
            spec={
                "name": row.name,
                "goal": dict(row.goal),
                "budget_per_home_gbp": None
                if row.budget_per_home_gbp is None
                else float(row.budget_per_home_gbp),
                "phases": [
                    {
                        "phase_number": int(p.phase_number),
                        "name": p.name,
                        "allowed_measure_types": list(p.allowed_measure_types),
                        "budget_gbp": None if p.budget_gbp is None else float(p.budget_gbp),
                        "target_year": p.target_year,
                        "target": None if p.target is None else dict(p.target),
                    }
                    for p in phases
                ],
            },
        )

    def names(self) -> list[str]:
        return [str(n) for (n,) in self._conn.execute(sa.text("SELECT name FROM scenarios ORDER BY name"))]

    def snapshot(self, name: str) -> dict[str, Any]:
        """A JSON-ready copy of scenario `name`, with its version, for a run to pin what it planned for."""
        scenario = self.get(name)
        if scenario is None:
            raise KeyError(f"scenario {name!r}: no such scenario")
        spec = scenario.spec
        return {  # key order as stored in runs since the first snapshot
            "id": scenario.id,
            "name": spec["name"],
            "version": scenario.version,
            "goal": spec["goal"],
            "budget_per_home_gbp": spec["budget_per_home_gbp"],
            "updated_at": scenario.updated_at.isoformat(),
            "phases": spec["phases"],
        }
