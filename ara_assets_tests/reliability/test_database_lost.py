"""Fault injection: the database goes away in the middle of a write. The server ends the writing session
(`pg_terminate_backend`, what a server stop or crash does to every open session) after rows were sent but
before the commit: the unit of work fails with the driver's error and nothing of the write is stored."""

from __future__ import annotations

import polars as pl
import pytest
import sqlalchemy as sa

from ara_assets.resources.warehouse.unit_of_work import Warehouse

pytestmark = pytest.mark.integration


def _seed(warehouse: Warehouse) -> int:
    with warehouse.unit_of_work() as uow:
        pid = uow.portfolios.get_or_create("lost")
        uow.properties.upsert_many(
            pid,
            pl.DataFrame(
                {
                    "uprn": [900000000501, 900000000502],
                    "landlord_reference": ["L1", "L2"],
                    "address": ["1 Test Street", "2 Test Street"],
                    "postcode": ["ZZ99 9ZZ", "ZZ99 9ZZ"],
                }
            ),
        )
        return int(uow.properties.for_portfolio("lost")["property_id"][0])


def _count(warehouse: Warehouse, table: str) -> int:
    with warehouse.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def _terminate(warehouse: Warehouse, backend_pid: int) -> None:
    # As the server owner: the application role may not end other sessions, a stopping server does.
    admin = sa.create_engine(warehouse.url)
    try:
        with admin.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": backend_pid}).scalar()
    finally:
        admin.dispose()


def test_a_session_ended_before_commit_stores_nothing(warehouse: Warehouse) -> None:
    pid = _seed(warehouse)
    overrides_before = _count(warehouse, "landlord_overrides")
    properties_before = _count(warehouse, "properties")
    with pytest.raises(sa.exc.OperationalError), warehouse.unit_of_work() as uow:
        rows = [
            {"property_id": pid, "field_path": "total_floor_area", "value": 70 + i, "author": "a"}
            for i in range(50)
        ]
        uow.overrides.append_many(rows)
        uow.connection.execute(sa.text("INSERT INTO portfolios (name) VALUES ('lost-two')"))
        backend = int(uow.connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
        _terminate(warehouse, backend)
        # the next statement (or the commit) meets the closed session
        uow.connection.execute(sa.text("SELECT 1"))
    assert _count(warehouse, "landlord_overrides") == overrides_before
    assert _count(warehouse, "properties") == properties_before
    with warehouse.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM portfolios WHERE name = 'lost-two'")).scalar() == 0
    # and the warehouse works again at once: the pool replaces the dead connection
    with warehouse.unit_of_work() as uow:
        uow.overrides.append_many(
            [{"property_id": pid, "field_path": "total_floor_area", "value": 75, "author": "a"}]
        )
    assert _count(warehouse, "landlord_overrides") == overrides_before + 1
