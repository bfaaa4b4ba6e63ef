"""The application's connections run as the restricted role `ara_app` (created by migrations/0009).

Migrations use the owner's engine; every unit of work uses an engine whose connections switch to
`ara_app` as they open (`SET ROLE`, committed so it lasts for the session). This works with any server
set-up, embedded or not, because it needs no second login: only that the connecting user is a member of
`ara_app` (the migration makes the migrating owner one). In production the application may instead log
in as a member of `ara_app` that owns nothing; the switch is then the same.

If the role does not exist yet (a database before migration 0009) the connection keeps its login role,
so `ara db migrate` itself and older databases still work.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ara_assets.resources.warehouse import database
from ara_assets.resources.warehouse.database import normalise_url

APP_ROLE = "ara_app"

_SWITCH_SQL = (
    "SELECT r.rolname IS NOT NULL AND current_user <> r.rolname "
    "AND pg_has_role(current_user, r.oid, 'MEMBER') "
    "FROM (SELECT 1) AS one LEFT JOIN pg_roles r ON r.rolname = %s"
)


def _switch_role(dbapi_connection: Any, _record: Any) -> None:
    with dbapi_connection.cursor() as cur:
        cur.execute(_SWITCH_SQL, (APP_ROLE,))
        (switch,) = cur.fetchone()
        if switch:
            cur.execute(f"SET ROLE {APP_ROLE}")  # a constant, never input
    # Committed: a SET made in a transaction that rolls back would be undone with it.
    dbapi_connection.commit()


def app_engine(url: str) -> sa.Engine:
    """One engine per URL whose connections run as `ara_app` (see the module docstring). Kept in the
    engine registry of `database.py` under `<url>#ara_app`, so `dispose_engine(url)` and the after-fork
    reset cover it too."""
    key = f"{normalise_url(url)}#{APP_ROLE}"
    with database._lock:
        engine = database._engines.get(key)
        if engine is None:
            engine = sa.create_engine(normalise_url(url), pool_pre_ping=True, pool_size=5, max_overflow=5)
            sa.event.listen(engine, "connect", _switch_role)
            database._engines[key] = engine
        return engine
