"""Repository over `fuel_rates`, `carbon_factors` and `rates_versions` (migrations/0005).

Bound to the one connection of a unit of work, like the other repositories, and never commits:

    with warehouse.unit_of_work() as uow:
        rates = uow.rates
        result = rates.import_frame(frame, "rates", source="manual:corrections.csv")
    # committed here; an exception inside the block leaves no version and no row behind

(The unit of work does not build it yet; until it does, construct it from `uow.connection` as above.)

Versions: every import that changes anything writes a complete snapshot of BOTH tables under a new
`rates_versions.id`; the current snapshot is the highest id. An import is a no-op (no new version) when
its input is the same as the last one applied from the same source, or when it would leave both tables
exactly as they are. Imports are serialised by a transaction-level advisory lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import polars as pl
import sqlalchemy as sa

from ara_assets.baseline import rates as rates_mod
from ara_assets.baseline.rates import FACTORS_SCHEMA, RATES_SCHEMA

# Arbitrary but fixed: every Ara process takes the same key to import rates.
RATES_LOCK_KEY = 0x41_52_41_5F_52_41_54  # "ARA_RAT"

_TABLES = {"rates": ("fuel_rates", RATES_SCHEMA), "factors": ("carbon_factors", FACTORS_SCHEMA)}
_FLOATS = ("unit_rate_p_per_kwh", "standing_charge_p_per_day", "kg_co2e_per_kwh", "primary_energy_factor")


@dataclass(frozen=True)
class RatesVersion:
    id: int
    created_at: dt.datetime
    source: str
    kind: str
    note: str | None
    input_checksum: str
    checksum: str


@dataclass(frozen=True)
class ImportResult:
    version_id: int | None  # the current version after the import (None only if there is none at all)
    created: bool  # True when this import wrote a new version
    message: str
    rates_rows: int = 0
    factors_rows: int = 0


class RatesRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # ------------------------------------------------------------------------------------------ reads

    def versions(self) -> list[RatesVersion]:
        rows = self._conn.execute(
            sa.text(
                "SELECT id, created_at, source, kind, note, input_checksum, checksum "
                "FROM rates_versions ORDER BY id"
            )
        )
        return [RatesVersion(*r) for r in rows]

    def current_version(self) -> RatesVersion | None:
        row = self._conn.execute(
            sa.text(
                "SELECT id, created_at, source, kind, note, input_checksum, checksum "
                "FROM rates_versions ORDER BY id DESC LIMIT 1"
            )
        ).first()
        return RatesVersion(*row) if row else None

    def current_version_id(self) -> int | None:
        return self._conn.execute(sa.text("SELECT max(id) FROM rates_versions")).scalar_one()

    def rates(self, version: int | None = None) -> pl.DataFrame:
        """Every fuel-rate row of a version (default: current), with `rates_version` and `imported_at`."""
        return self._rows("rates", version)

    def factors(self, version: int | None = None) -> pl.DataFrame:
        """Every carbon-factor row of a version (default: current), with `rates_version` and `imported_at`."""
        return self._rows("factors", version)

    def rates_as_of(self, on: dt.date, region: str = "GB") -> pl.DataFrame:
        """Current version's rates valid on `on`, one per (fuel, tariff), the region's before GB's."""
        return rates_mod.rates_as_of(self.rates(), on, region)

    def factors_as_of(self, on: dt.date) -> pl.DataFrame:
        return rates_mod.factors_as_of(self.factors(), on)

    def _rows(self, which: str, version: int | None) -> pl.DataFrame:
        table, schema = _TABLES[which]
        full_schema = {**schema, "rates_version": pl.Int64(), "imported_at": pl.Datetime("us", "UTC")}
        if version is None:
            version = self.current_version_id()
            if version is None:
                return pl.DataFrame(schema=full_schema)
        cols = ", ".join(f"{c}::float8" if c in _FLOATS else c for c in schema)
        # Table and column names come from constants above, never from input.
        result = self._conn.execute(
            sa.text(
                f"SELECT {cols}, rates_version, imported_at FROM {table} WHERE rates_version = :v "
                f"ORDER BY {', '.join(rates_mod.kind(which).key)}, valid_from"
            ),
            {"v": version},
        )
        return pl.DataFrame([tuple(r) for r in result], schema=full_schema, orient="row")

    # ------------------------------------------------------------------------------------------ writes

    def import_frame(
        self,
        frame: pl.DataFrame,
        kind: Literal["rates", "factors"],
        source: str,
        note: str | None = None,
        mode: Literal["overlay", "replace"] = "overlay",
    ) -> ImportResult:
        """Validate `frame` and store it as a new version (the other table carried over unchanged).

        mode "overlay": the frame's rows win over the dates they cover; the rest of the current table
        stays (manual corrections, a new quarter). mode "replace": the frame becomes the whole table.
        """
        return self.import_frames({kind: frame}, source=source, note=note, mode=mode)

    def import_frames(
        self,
        frames: dict[str, pl.DataFrame],
        source: str,
        note: str | None = None,
        mode: Literal["overlay", "replace"] = "overlay",
    ) -> ImportResult:
        """As `import_frame` for rates and/or factors at once: one version for both."""
        if not frames or any(k not in _TABLES for k in frames):
            raise rates_mod.RatesError(f"import: kinds must be among {sorted(_TABLES)}, got {sorted(frames)}")
        if mode not in ("overlay", "replace"):
            raise rates_mod.RatesError(f"import: field 'mode' value {mode!r} is not 'overlay' or 'replace'")
        if not isinstance(source, str) or not source.strip():
            raise rates_mod.RatesError(f"import: field 'source' value {source!r} is empty")
        validated = {k: rates_mod.validate(f, k) for k, f in frames.items()}
        kind_label = "both" if len(validated) == 2 else next(iter(validated))
        input_checksum = _input_checksum(validated, mode)

        self._conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": RATES_LOCK_KEY})
        current = self.current_version()
        last_same_source = self._conn.execute(
            sa.text(
                "SELECT id, input_checksum FROM rates_versions WHERE source = :s AND kind = :k "
                "ORDER BY id DESC LIMIT 1"
            ),
            {"s": source, "k": kind_label},
        ).first()
        if last_same_source is not None and last_same_source.input_checksum == input_checksum:
            return ImportResult(
                current.id if current else None,
                False,
                f"source {source!r} unchanged since version {last_same_source.id}; no new version",
            )

        snapshot: dict[str, pl.DataFrame] = {}
        for which in _TABLES:
            existing = self._rows(which, current.id) if current else pl.DataFrame()
            if which not in validated:
                snapshot[which] = existing
            elif mode == "replace" or existing.height == 0:
                snapshot[which] = validated[which]
            else:
                snapshot[which] = rates_mod.overlay(existing, validated[which], which)
            if snapshot[which].height:
                # Re-check the combined table: the overlay must still be a valid, overlap-free table.
                rates_mod.validate(snapshot[which].select(list(_TABLES[which][1])), which)
        empty = {k: pl.DataFrame(schema=_TABLES[k][1]) for k in _TABLES}
        content = {k: v if v.height else empty[k] for k, v in snapshot.items()}
        checksum = rates_mod.checksum(content["rates"], content["factors"])
        if current is not None and current.checksum == checksum:
            return ImportResult(current.id, False, f"no change against version {current.id}; no new version")

        version_id = self._conn.execute(
            sa.text(
                "INSERT INTO rates_versions (source, kind, note, input_checksum, checksum) "
                "VALUES (:s, :k, :n, :i, :c) RETURNING id"
            ),
            {"s": source, "k": kind_label, "n": note, "i": input_checksum, "c": checksum},
        ).scalar_one()
        counts = {which: self._insert(which, version_id, snapshot[which]) for which in _TABLES}
        return ImportResult(
            version_id,
            True,
            f"version {version_id}: {counts['rates']} rate rows, {counts['factors']} factor rows "
            f"({kind_label} from {source}, {mode})",
            rates_rows=counts["rates"],
            factors_rows=counts["factors"],
        )

    def _insert(self, which: str, version_id: int, frame: pl.DataFrame) -> int:
        if frame.height == 0:
            return 0
        table, schema = _TABLES[which]
        columns = list(schema)
        records: list[dict[str, Any]] = []
        has_imported = "imported_at" in frame.columns
        for r in frame.iter_rows(named=True):  # tens of rows
            record = {c: r[c] for c in columns}
            record["rates_version"] = version_id
            record["imported_at"] = r["imported_at"] if has_imported else None
            records.append(record)
        names = [*columns, "rates_version"]
        # Carried-over rows keep when they were first imported; new rows take the time of this import.
        self._conn.execute(
            sa.text(
                f"INSERT INTO {table} ({', '.join(names)}, imported_at) VALUES "
                f"({', '.join(':' + c for c in names)}, coalesce(:imported_at, clock_timestamp()))"
            ),
            records,
        )
        return len(records)


def _input_checksum(frames: dict[str, pl.DataFrame], mode: str) -> str:
    parts = [f"{k}:{rates_mod.frame_checksum(f, k)}" for k, f in sorted(frames.items())]
    return hashlib.sha256(("|".join(parts) + f"|{mode}").encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- sources

BUNDLED = "bundled"


def load_source(source: str, which: str, timeout_s: float = 30.0) -> pl.DataFrame:
    """A rates or factors frame (validated) from `source`: "bundled", an http(s) CSV URL, or a CSV path."""
    k = rates_mod.kind(which).name
    if source == BUNDLED:
        rates, factors = rates_mod.load_bundled_rates()
        return rates if k == "rates" else factors
    if source.startswith(("http://", "https://")):
        try:
            response = httpx.get(source, timeout=timeout_s, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            raise rates_mod.RatesError(f"{k} source {source}: download failed: {exc}") from exc
        try:
            frame = pl.read_csv(response.content, infer_schema=False, null_values=[""])
        except pl.exceptions.PolarsError as exc:
            raise rates_mod.RatesError(f"{k} source {source}: not a readable CSV: {exc}") from exc
    else:
        frame = rates_mod.read_csv(source)
    try:
        return rates_mod.validate(frame, k)
    except rates_mod.RatesError as exc:
        raise rates_mod.RatesError(f"{k} source {source}: {exc}") from None


def refresh(
    repo: RatesRepository,
    source: str = BUNDLED,
    kinds: tuple[str, ...] = ("rates", "factors"),
    note: str | None = None,
) -> ImportResult:
    """Bring the tables up to date with `source` (overlay: rows of dates the source does not cover stay).

    Re-running with an unchanged source is a no-op, so a scheduled refresh never undoes a manual
    correction unless the source itself has changed. One version for all kinds.
    """
    frames = {k: load_source(source, k) for k in kinds}
    return repo.import_frames(frames, source=source, note=note, mode="overlay")
