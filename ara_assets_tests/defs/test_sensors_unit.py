"""The sensors' decisions over an in-memory unit of work (ara_assets_tests/fakes.py): no PostgreSQL.

The integration tests in test_sensors.py run the same sensors against the embedded server.
"""

from __future__ import annotations

import json
from datetime import timedelta

import dagster as dg
import pytest

from ara_assets.defs.partitions import portfolios
from ara_assets.defs.sensors import override_sensor, portfolio_sensor
from ara_assets_tests.fakes import FakeWarehouse, FakeWarehouseResource

KNOWN = ("east", "west")


def _skip(result: dg.SensorResult) -> str:
    return result.skip_reason.skip_message if result.skip_reason else ""


def _context(
    warehouse: FakeWarehouse, cursor: str | None = None, partitions: tuple[str, ...] = ()
) -> dg.SensorEvaluationContext:
    # An in-memory Dagster instance: the sensors read the known partitions from it.
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(portfolios.name, list(partitions))
    resources = {"warehouse": FakeWarehouseResource.around(warehouse)}
    return dg.build_sensor_context(cursor=cursor, resources=resources, instance=instance)


def test_sensors_wait_for_migrations_and_keep_their_cursor() -> None:
    warehouse = FakeWarehouse(pending=["0003_x.sql", "0004_y.sql"])
    with warehouse.unit_of_work() as uow:
        uow.portfolios.get_or_create("north")
    for sensor in (portfolio_sensor, override_sensor):
        result = sensor(_context(warehouse, cursor='{"low": 0, "seen": []}'))
        assert not result.run_requests
        assert "not migrated (2 pending, from 0003_x.sql)" in _skip(result)
        assert result.cursor is None  # an unmigrated tick must not move the cursor


def test_portfolio_sensor_requests_each_new_portfolio_once() -> None:
    warehouse = FakeWarehouse()
    with warehouse.unit_of_work() as uow:
        east = uow.portfolios.get_or_create("east")
        west = uow.portfolios.get_or_create("west")
    first = portfolio_sensor(_context(warehouse))
    assert [(r.partition_key, r.run_key) for r in first.run_requests] == [
        ("east", f"portfolio-{east}"),
        ("west", f"portfolio-{west}"),
    ]
    assert [sorted(r.partition_keys) for r in first.dynamic_partitions_requests] == [["east", "west"]]

    again = portfolio_sensor(_context(warehouse, cursor=first.cursor))
    assert not again.run_requests
    assert _skip(again) == f"no portfolio after id {west}"

    with warehouse.unit_of_work() as uow:
        south = uow.portfolios.get_or_create("south")
    third = portfolio_sensor(_context(warehouse, cursor=again.cursor))
    assert [r.partition_key for r in third.run_requests] == ["south"]
    assert json.loads(third.cursor or "{}")["low"] == south


def test_override_sensor_names_each_affected_portfolio_with_the_kinds_that_changed() -> None:
    warehouse = FakeWarehouse()
    with warehouse.unit_of_work() as uow:
        uow.portfolios.get_or_create("east")
        uow.portfolios.get_or_create("west")
    warehouse.append("landlord_overrides", "east")
    last_override = warehouse.append("landlord_overrides", "east")
    note = warehouse.append("site_notes", "west")
    result = override_sensor(_context(warehouse, partitions=KNOWN))
    assert sorted((r.partition_key, r.run_key) for r in result.run_requests) == [
        ("east", f"effective-east-ovr{last_override}"),
        ("west", f"effective-west-notes{note}"),
    ]
    quiet = override_sensor(_context(warehouse, cursor=result.cursor, partitions=KNOWN))
    assert not quiet.run_requests
    assert _skip(quiet) == "no new overrides or site notes"


def test_override_sensor_sees_a_row_that_commits_after_a_higher_id() -> None:
    # ids are taken at insert, not at commit: a slow import's lower id must still trigger a run.
    warehouse = FakeWarehouse()
    with warehouse.unit_of_work() as uow:
        uow.portfolios.get_or_create("east")
        uow.portfolios.get_or_create("west")
    slow = warehouse.append("landlord_overrides", "west", committed=False)
    fast = warehouse.append("landlord_overrides", "east")
    first = override_sensor(_context(warehouse, partitions=KNOWN))
    assert [r.partition_key for r in first.run_requests] == ["east"]
    assert f"ovr{fast}" in first.run_requests[0].run_key

    warehouse.commit("landlord_overrides", slow)
    second = override_sensor(_context(warehouse, cursor=first.cursor, partitions=KNOWN))
    requested = [(r.partition_key, r.run_key) for r in second.run_requests]
    assert requested == [("west", f"effective-west-ovr{slow}")]


def test_a_gap_that_never_commits_is_written_off_after_the_lookback() -> None:
    warehouse = FakeWarehouse()
    with warehouse.unit_of_work() as uow:
        uow.portfolios.get_or_create("east")
    warehouse.append("landlord_overrides", "east", committed=False)  # rolled back: its id never appears
    after = warehouse.append("landlord_overrides", "east")
    first = override_sensor(_context(warehouse, partitions=KNOWN))
    assert json.loads(first.cursor or "{}")["overrides"] == 0  # still waiting for the gap below `after`
    warehouse.now += timedelta(hours=2)
    second = override_sensor(_context(warehouse, cursor=first.cursor, partitions=KNOWN))
    assert not second.run_requests
    assert json.loads(second.cursor or "{}")["overrides"] == after


def test_the_fake_unit_of_work_rolls_back_like_the_real_one() -> None:
    warehouse = FakeWarehouse()
    with pytest.raises(RuntimeError), warehouse.unit_of_work() as uow:
        uow.portfolios.get_or_create("east")
        raise RuntimeError("boom")
    with warehouse.unit_of_work() as uow:
        assert uow.portfolios.by_name("east") is None
        with pytest.raises(ValueError, match="field 'name'"):
            uow.portfolios.get_or_create(" bad ")


def test_override_sensor_leaves_a_portfolio_not_yet_a_partition_to_its_first_run() -> None:
    warehouse = FakeWarehouse()
    with warehouse.unit_of_work() as uow:
        uow.portfolios.get_or_create("east")
        uow.portfolios.get_or_create("new")
    warehouse.append("landlord_overrides", "east")
    warehouse.append("site_notes", "new")
    result = override_sensor(_context(warehouse, partitions=("east",)))
    assert [r.partition_key for r in result.run_requests] == ["east"]
