"""The fake unit of work answers like the real one for the methods the sensors use (embedded PostgreSQL)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from ara_assets.resources.warehouse.unit_of_work import Warehouse
from ara_assets_tests.fakes import FakeWarehouse

pytestmark = pytest.mark.integration


def _runs(islands: list[tuple[str, int, int, float]]) -> list[tuple[str, int, int]]:
    return [(name, first, last) for name, first, last, _ in islands]  # insertion times differ by nature


def test_fake_change_feed_matches_the_database(warehouse: Warehouse) -> None:
    fake = FakeWarehouse()
    homes: dict[str, int] = {}
    for n, name in enumerate(("east", "west")):
        with warehouse.unit_of_work() as uow:
            pid = uow.portfolios.get_or_create(name)
            uprn = 900000000301 + n
            frame = pl.DataFrame(
                {"uprn": [uprn], "landlord_reference": ["R"], "address": ["1 A St"], "postcode": ["LS9 7ZZ"]}
            )
            uow.properties.upsert_many(pid, frame)
            homes[name] = int(uow.properties.for_portfolio(name)["property_id"][0])
        with fake.unit_of_work() as uow:
            uow.portfolios.get_or_create(name)
    # east, east, west, east: three runs by portfolio in id order
    for name in ("east", "east", "west", "east"):
        with warehouse.unit_of_work() as uow:
            uow.overrides.append_many(
                [{"property_id": homes[name], "field_path": "total_floor_area", "value": 80, "author": "a"}]
            )
        fake.append("landlord_overrides", name)
    with warehouse.unit_of_work() as uow:
        uow.site_notes.add(homes["west"], date(2026, 1, 5), {"total_floor_area": 50}, "surveyor")
    fake.append("site_notes", "west")

    for table in ("portfolios", "landlord_overrides", "site_notes"):
        for low in (0, 1, 2):
            with warehouse.unit_of_work() as uow:
                real, _ = uow.changes.islands_after(table, low)
            with fake.unit_of_work() as uow:
                faked, _ = uow.changes.islands_after(table, low)
            assert _runs(faked) == _runs(real), (table, low)
    with warehouse.unit_of_work() as uow, pytest.raises(ValueError, match="not a change-tracked table"):
        uow.changes.islands_after("properties", 0)
    with fake.unit_of_work() as uow, pytest.raises(ValueError, match="not a change-tracked table"):
        uow.changes.islands_after("properties", 0)
