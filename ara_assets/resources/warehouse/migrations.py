"""Numbered SQL migrations (`ara_assets/migrations/NNNN_name.sql`, package data), applied in order, each once,
each in its own transaction.

Applied versions are recorded in `schema_migrations` with a checksum of the file, so an edited
migration is reported instead of silently diverging. A session-level advisory lock makes concurrent
migrators (two runs starting at once, the CLI and the daemon) wait for each other rather than collide.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

import psycopg
import sqlalchemy as sa

# Arbitrary but fixed: every Ara process takes the same lock key to migrate.
MIGRATION_LOCK_KEY = 0x41_52_41_5F_4D_49_47  # "ARA_MIG"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Numbers that no migration will ever use: 0003 and 0004 were reserved by parallel work in the first wave
# and never shipped. Any other gap in the sequence is refused (a missing file is a broken checkout).
RETIRED_VERSIONS = frozenset({"0003", "0004"})

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     text        PRIMARY KEY,
    name        text        NOT NULL,
    checksum    text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)
"""


class MigrationFailed(RuntimeError):
    """A migration's SQL failed; its transaction was rolled back and it is not recorded."""


def sql_dir() -> Traversable:
    """The migrations shipped with the package (``ara_assets/migrations``)."""
    return resources.files("ara_assets.migrations")


@dataclass(frozen=True)
class Migration:
    version: str  # "0001"
    name: str  # "0001_init.sql"
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True)
class AppliedMigration:
    version: str
    name: str
    checksum: str
    applied_at: str


def discover(folder: Path | Traversable | None = None) -> list[Migration]:
    """Every migration file in `folder` (default: the package's), in version order; refuses stray names,
    duplicate versions and gaps in the numbering other than ``RETIRED_VERSIONS``."""
    folder = folder or sql_dir()
    found: dict[str, Migration] = {}
    for path in sorted((p for p in folder.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name):
        match = _NAME.match(path.name)
        if match is None:
            raise ValueError(f"migration file {path}: name must look like 0001_some_name.sql")
        version = match.group(1)
        if version in found:
            raise ValueError(f"migration file {path}: version {version} also used by {found[version].name}")
        found[version] = Migration(version=version, name=path.name, sql=path.read_text(encoding="utf-8"))
    if found:
        expected = {f"{n:04d}" for n in range(1, int(max(found)) + 1)} - RETIRED_VERSIONS
        missing = sorted(expected - set(found))
        if missing:
            raise ValueError(
                f"migrations in {folder}: version {missing[0]} is missing (numbers run without gaps; "
                f"retired: {sorted(RETIRED_VERSIONS)})"
            )
    return [found[v] for v in sorted(found)]


def applied(conn: sa.Connection) -> list[AppliedMigration]:
    """The migrations recorded in `schema_migrations` (empty if the ledger does not exist yet)."""
    exists = conn.execute(sa.text("SELECT to_regclass('schema_migrations') IS NOT NULL")).scalar_one()
    if not exists:
        return []
    rows = conn.execute(
        sa.text("SELECT version, name, checksum, applied_at::text FROM schema_migrations ORDER BY version")
    )
    return [AppliedMigration(*row) for row in rows]


def pending(conn: sa.Connection, folder: Path | Traversable | None = None) -> list[Migration]:
    done = {m.version for m in applied(conn)}
    return [m for m in discover(folder) if m.version not in done]


def migrate(engine: sa.Engine, folder: Path | Traversable | None = None) -> list[str]:
    """Apply every pending migration; return the names applied now (empty when up to date)."""
    migrations = discover(folder)
    names: list[str] = []
    with engine.connect() as conn:
        # Session-level lock: held across the per-migration transactions below.
        conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        conn.commit()
        try:
            with conn.begin():
                conn.execute(sa.text(_CREATE_LEDGER))
            # Read the ledger only after taking the lock: another migrator may just have finished.
            done = {m.version: m for m in applied(conn)}
            conn.commit()
            for migration in migrations:
                if migration.version in done:
                    if done[migration.version].checksum != migration.checksum:
                        raise RuntimeError(
                            f"migration {migration.name} was changed after it was applied "
                            f"(checksum {done[migration.version].checksum[:12]} in the database, "
                            f"{migration.checksum[:12]} on disk); add a new migration instead"
                        )
                    continue
                with conn.begin():
                    try:
                        _execute_script(conn, migration.sql)
                    except psycopg.Error as exc:
                        raise MigrationFailed(f"migration {migration.name} failed: {exc}") from exc
                    conn.execute(
                        sa.text(
                            "INSERT INTO schema_migrations (version, name, checksum) VALUES (:v, :n, :c)"
                        ),
                        {"v": migration.version, "n": migration.name, "c": migration.checksum},
                    )
                names.append(migration.name)
        finally:
            if conn.in_transaction():
                conn.rollback()
            conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
    return names


def _execute_script(conn: sa.Connection, script: str) -> None:
    # A parameterless execute on the raw psycopg cursor runs a multi-statement script as-is
    # (no placeholder parsing), inside the transaction SQLAlchemy already opened.
    driver = conn.connection.driver_connection
    if driver is None:  # only a connection already returned to the pool has none
        raise RuntimeError("migrations: the database connection was closed before the script ran")
    cursor = driver.cursor()
    try:
        cursor.execute(script)
    finally:
        cursor.close()
