"""Finding the database: explicit URL, ARA_DATABASE_URL, or the embedded server shared by processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from ara_assets.resources.warehouse import database

# Each child process resolves the URL with no ARA_DATABASE_URL, so it must start or join the
# embedded server under ARA_HOME, then reports which server it reached.
_CHILD = """
import json, sys
import sqlalchemy as sa
from ara_assets.resources.warehouse.database import make_engine, resolve_database_url
url = resolve_database_url()
with make_engine(url).connect() as conn:
    row = conn.execute(sa.text(
        "SELECT current_setting('data_directory'), pg_postmaster_start_time()::text")).one()
    if sys.argv[1] == "write":
        conn.execute(sa.text("CREATE TABLE shared_probe (x int)"))
        conn.execute(sa.text("INSERT INTO shared_probe VALUES (42)"))
        conn.commit()
    seen = conn.execute(sa.text("SELECT to_regclass('shared_probe') IS NOT NULL")).scalar()
print(json.dumps({"url": url, "data_directory": row[0], "started": row[1], "sees_probe": seen}))
"""


def test_explicit_url_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARA_DATABASE_URL", "postgresql://env-user@env-host/env")
    assert database.resolve_database_url("postgres://u:p@h:5433/db") == "postgresql+psycopg://u:p@h:5433/db"
    assert database.resolve_database_url() == "postgresql+psycopg://env-user@env-host/env"


def test_urls_are_normalised_redacted_and_checked() -> None:
    assert database.normalise_url("postgresql+psycopg://a@h/d") == "postgresql+psycopg://a@h/d"
    assert database.libpq_url("postgresql+psycopg://a@h/d") == "postgresql://a@h/d"
    assert database.redact_url("postgresql+psycopg://ara:s3cret@db.internal:5432/ara") == (
        "postgresql+psycopg://ara:***@db.internal:5432/ara"
    )
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        database.normalise_url("sqlite:///x.db")
    with pytest.raises(ValueError, match="psycopg"):
        database.normalise_url("postgresql+psycopg2://a@h/d")


def test_make_engine_is_cached_per_url(pg_url: str) -> None:
    assert database.make_engine(pg_url) is database.make_engine(pg_url)


@pytest.mark.integration
def test_two_processes_share_one_embedded_server() -> None:
    # Not under pytest's tmp_path: as root, pgserver runs postgres as its own user, which must reach it.
    home = Path(tempfile.mkdtemp(prefix="ara-test-home-"))
    env = {k: v for k, v in os.environ.items() if k != "ARA_DATABASE_URL"} | {"ARA_HOME": str(home)}
    try:
        first = _child(env, "write")
        second = _child(env, "read")
        assert (home / "pgdata" / "PG_VERSION").exists()
        assert first["url"] == second["url"]
        assert first["data_directory"] == second["data_directory"] == str((home / "pgdata").resolve())
        # Same postmaster start time: the second process joined the running server, not a new one.
        assert first["started"] == second["started"]
        assert second["sees_probe"] is True
    finally:
        assert database.stop_embedded_server(home / "pgdata") is True
        assert database.stop_embedded_server(home / "pgdata") is False
        subprocess.run(["rm", "-rf", str(home)], check=False)


def _child(env: dict[str, str], mode: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_opens_its_own_connections(warehouse) -> None:
    with warehouse.engine.connect() as conn:
        parent_backend = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            with warehouse.engine.connect() as conn:
                os.write(write, str(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()).encode())
        finally:
            os._exit(0)
    os.close(write)
    child_backend = int(os.read(read, 64).decode())
    os.waitpid(child, 0)
    assert child_backend != parent_backend
    with warehouse.engine.connect() as conn:  # the parent's pooled connection still works
        assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() == parent_backend
