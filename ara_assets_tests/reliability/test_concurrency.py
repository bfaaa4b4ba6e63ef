"""Fault injection on concurrent writers: two imports committing out of id order, two writers of one
portfolio. Embedded PostgreSQL, the real sensor and the real lock."""

from __future__ import annotations

import dagster as dg
import polars as pl
import pytest
import sqlalchemy as sa

from ara_assets.defs.partitions import portfolios
from ara_assets.defs.sensors import override_sensor, portfolio_sensor
from ara_assets.resources.warehouse.locks import PortfolioBusy, lock_portfolio
from ara_assets.resources.warehouse.unit_of_work import Warehouse, WarehouseResource

pytestmark = pytest.mark.integration


def _seed(warehouse: Warehouse, name: str, uprn: int) -> int:
    with warehouse.unit_of_work() as uow:
        pid = uow.portfolios.get_or_create(name)
        uow.properties.upsert_many(
            pid,
            pl.DataFrame(
                {
                    "uprn": [uprn],
                    "landlord_reference": ["R"],
                    "address": ["1 Demo Street"],
                    "postcode": ["LS9 7ZZ"],
                }
            ),
        )
        return int(uow.properties.for_portfolio(name)["property_id"][0])


def _override(pid: int, value: float) -> dict:
    return {"property_id": pid, "field_path": "total_floor_area", "value": value, "author": "a"}


def test_the_override_sensor_sees_imports_that_commit_out_of_id_order(warehouse: Warehouse) -> None:
    resources = {"warehouse": WarehouseResource(database_url=warehouse.url)}
    instance = dg.DagsterInstance.ephemeral()
    east, west = _seed(warehouse, "east", 900000000401), _seed(warehouse, "west", 900000000402)
    instance.add_dynamic_partitions(portfolios.name, ["east", "west"])
    first = override_sensor(dg.build_sensor_context(instance=instance, resources=resources))

    slow = warehouse.engine.connect()
    slow_tx = slow.begin()
    from ara_assets.resources.warehouse.unit_of_work import UnitOfWork

    UnitOfWork(slow).overrides.append_many([_override(east, 80)])  # takes the lower id, commits later
    with warehouse.unit_of_work() as uow:
        uow.overrides.append_many([_override(west, 81)])  # a higher id, committed first
    second = override_sensor(
        dg.build_sensor_context(instance=instance, resources=resources, cursor=first.cursor)
    )
    assert [r.partition_key for r in second.run_requests] == ["west"]

    slow_tx.commit()
    slow.close()
    third = override_sensor(
        dg.build_sensor_context(instance=instance, resources=resources, cursor=second.cursor)
    )
    assert [r.partition_key for r in third.run_requests] == ["east"]  # a max-id cursor skipped this for ever
    fourth = override_sensor(
        dg.build_sensor_context(instance=instance, resources=resources, cursor=third.cursor)
    )
    assert not fourth.run_requests


def test_the_portfolio_sensor_sees_a_portfolio_committed_after_a_later_one(warehouse: Warehouse) -> None:
    from ara_assets.resources.warehouse.unit_of_work import UnitOfWork

    resources = {"warehouse": WarehouseResource(database_url=warehouse.url)}
    instance = dg.DagsterInstance.ephemeral()
    slow = warehouse.engine.connect()
    slow_tx = slow.begin()
    UnitOfWork(slow).portfolios.get_or_create("slow")  # the lower id, committed later
    _seed(warehouse, "fast", 900000000501)
    first = portfolio_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    assert [r.partition_key for r in first.run_requests] == ["fast"]
    slow_tx.commit()
    slow.close()
    second = portfolio_sensor(
        dg.build_sensor_context(instance=instance, resources=resources, cursor=first.cursor)
    )
    assert [r.partition_key for r in second.run_requests] == ["slow"]


def test_a_second_writer_of_a_portfolio_waits_then_fails_with_a_clear_message(warehouse: Warehouse) -> None:
    with warehouse.engine.connect() as first, first.begin():
        lock_portfolio(first, "north")
        with (
            warehouse.engine.connect() as second,
            second.begin(),
            pytest.raises(PortfolioBusy, match="portfolio 'north' is being written by another run"),
        ):
            lock_portfolio(second, "north", wait_s=0.3)
        with warehouse.engine.connect() as other, other.begin():
            lock_portfolio(other, "south", wait_s=0.3)  # another portfolio is not blocked
    # the first writer's commit released the lock
    with warehouse.engine.connect() as third, third.begin():
        lock_portfolio(third, "north", wait_s=0.3)


def test_the_lock_is_held_by_the_transaction_not_the_session(warehouse: Warehouse) -> None:
    with warehouse.engine.connect() as conn:
        with conn.begin():
            lock_portfolio(conn, "north")
        held = conn.execute(sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).scalar_one()
        assert held == 0
