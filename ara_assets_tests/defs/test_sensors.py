from __future__ import annotations

import json

import dagster as dg
import polars as pl

from ara_assets.defs.partitions import portfolios
from ara_assets.defs.sensors import override_sensor, portfolio_sensor
from ara_assets.resources.warehouse.unit_of_work import Warehouse, WarehouseResource


def _seed(warehouse: Warehouse, name: str, uprns: list[int]) -> list[int]:
    with warehouse.unit_of_work() as uow:
        pid = uow.portfolios.get_or_create(name)
        uow.properties.upsert_many(
            pid,
            pl.DataFrame(
                {
                    "uprn": uprns,
                    "landlord_reference": [f"R{u}" for u in uprns],
                    "address": [f"{i} Demo Street" for i in range(len(uprns))],
                    "postcode": ["LS9 7ZZ"] * len(uprns),
                }
            ),
        )
        ids = uow.properties.for_portfolio(name)["property_id"].to_list()
    return ids


def test_portfolio_sensor_adds_partitions_once(warehouse: Warehouse):
    resources = {"warehouse": WarehouseResource(database_url=warehouse.url)}
    instance = dg.DagsterInstance.ephemeral()
    _seed(warehouse, "east", [900000000101])
    _seed(warehouse, "west", [900000000102])
    result = portfolio_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    assert [r.partition_key for r in result.run_requests] == ["east", "west"]
    (add,) = result.dynamic_partitions_requests
    assert add.partitions_def_name == portfolios.name and list(add.partition_keys) == ["east", "west"]
    # build_sensor_context does not apply partition requests (notes, gotcha 7): do it as the daemon would.
    instance.add_dynamic_partitions(portfolios.name, ["east", "west"])

    again = portfolio_sensor(
        dg.build_sensor_context(instance=instance, resources=resources, cursor=result.cursor)
    )
    assert not again.run_requests and again.skip_reason

    _seed(warehouse, "south", [900000000103])
    third = portfolio_sensor(
        dg.build_sensor_context(instance=instance, resources=resources, cursor=result.cursor)
    )
    assert [r.partition_key for r in third.run_requests] == ["south"]
    assert list(third.dynamic_partitions_requests[0].partition_keys) == ["south"]


def test_override_sensor_targets_only_affected_portfolios(warehouse: Warehouse):
    resources = {"warehouse": WarehouseResource(database_url=warehouse.url)}
    instance = dg.DagsterInstance.ephemeral()
    east = _seed(warehouse, "east", [900000000201, 900000000202])
    west = _seed(warehouse, "west", [900000000203])
    instance.add_dynamic_partitions(portfolios.name, ["east", "west"])

    first = override_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    assert not first.run_requests

    with warehouse.unit_of_work() as uow:
        uow.overrides.append_many(
            [{"property_id": east[0], "field_path": "total_floor_area", "value": 80, "author": "a"}]
        )
        uow.site_notes.add(
            west[0], __import__("datetime").date(2026, 1, 5), {"total_floor_area": 50}, "surveyor"
        )
    second = override_sensor(
        dg.build_sensor_context(instance=instance, resources=resources, cursor=first.cursor)
    )
    assert sorted(r.partition_key for r in second.run_requests) == ["east", "west"]
    assert len({r.run_key for r in second.run_requests}) == 2
    cursor = json.loads(second.cursor)
    assert cursor["overrides"] >= 1 and cursor["site_notes"] >= 1

    with warehouse.unit_of_work() as uow:
        uow.overrides.append_many(
            [{"property_id": east[1], "field_path": "total_floor_area", "value": 81, "author": "a"}]
        )
    third = override_sensor(
        dg.build_sensor_context(instance=instance, resources=resources, cursor=second.cursor)
    )
    assert [r.partition_key for r in third.run_requests] == ["east"]


def test_override_sensor_leaves_unknown_partitions_to_the_portfolio_sensor(warehouse: Warehouse):
    resources = {"warehouse": WarehouseResource(database_url=warehouse.url)}
    instance = dg.DagsterInstance.ephemeral()
    ids = _seed(warehouse, "new", [900000000301])
    with warehouse.unit_of_work() as uow:
        uow.overrides.append_many(
            [{"property_id": ids[0], "field_path": "total_floor_area", "value": 1, "author": "a"}]
        )
    result = override_sensor(dg.build_sensor_context(instance=instance, resources=resources))
    assert not result.run_requests


def test_sensors_skip_with_a_reason_on_a_database_not_yet_migrated(pg_url: str):
    # `dagster dev` starts them before anyone ran `ara db migrate`: a skip naming the fix, not an error.
    from ara_assets_tests.conftest import _create_database, _database_url

    url = _database_url(pg_url, _create_database(pg_url))
    resources = {"warehouse": WarehouseResource(database_url=url)}
    instance = dg.DagsterInstance.ephemeral()
    for sensor in (portfolio_sensor, override_sensor):
        result = sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert not result.run_requests
        assert "ara db migrate" in (result.skip_reason.skip_message if result.skip_reason else "")
