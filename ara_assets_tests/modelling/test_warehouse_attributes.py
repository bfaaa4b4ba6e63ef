"""Property attributes (migrations/0006) through their repository, on a fresh migrated database."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from ara_assets.resources.warehouse.repositories.attributes import (
    ATTRIBUTE_SCHEMA,
    AttributeRejected,
)
from ara_assets.resources.warehouse.unit_of_work import Warehouse

HOMES = pl.DataFrame(
    {
        "uprn": [100000000001, 100000000002, 100000000003],
        "landlord_reference": ["A", "B", "C"],
        "address": ["1 Example Lane", "2 Example Lane", "3 Example Lane"],
        "postcode": ["ZZ1 1ZZ", "ZZ1 1ZZ", "ZZ1 1ZZ"],
    }
)


def _seed(wh: Warehouse) -> None:
    with wh.unit_of_work() as uow:
        pid = uow.portfolios.get_or_create("north")
        uow.properties.upsert_many(pid, HOMES)


def test_upsert_and_read_back(warehouse: Warehouse) -> None:
    _seed(warehouse)
    attrs = pl.DataFrame(
        {
            "uprn": [100000000001, 100000000002],
            "listed_building": [True, None],
            "listed_grade": ["II", None],
            "conservation_area": [True, False],
            "property_value_gbp": [250000.0, None],
            "property_value_date": [date(2025, 4, 1), None],
            "tenure": ["social_rent", "leasehold"],
        }
    )
    with warehouse.unit_of_work() as uow:
        assert uow.attributes.upsert_many("north", attrs) == 2
    with warehouse.unit_of_work() as uow:
        repo = uow.attributes
        repo.upsert_many("north", pl.DataFrame({"uprn": [100000000002], "property_value_gbp": [180000]}))
        got = repo.for_portfolio("north")
    assert got.height == 3  # every home, attributes null where unknown
    first, second, third = got.to_dicts()
    assert first["listed_building"] is True and first["listed_grade"] == "II"
    assert first["property_value_gbp"] == 250000.0 and first["property_value_date"] == date(2025, 4, 1)
    assert got.schema == pl.Schema(ATTRIBUTE_SCHEMA)
    assert second["property_value_gbp"] == 180000.0 and second["tenure"] is None  # replaced as a whole
    assert third["listed_building"] is None and third["property_value_gbp"] is None


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pl.DataFrame({"uprn": [100000000009]}), "uprn=100000000009: field 'uprn' is not a home"),
        (pl.DataFrame({"uprn": [100000000001], "tenure": ["owned"]}), "field 'tenure' value 'owned'"),
        (pl.DataFrame({"uprn": [100000000001], "listed_grade": ["II"]}), "needs listed_building"),
        (pl.DataFrame({"uprn": [100000000001], "property_value_gbp": [-1.0]}), "must be positive"),
        (pl.DataFrame({"uprn": [100000000001], "colour": ["red"]}), "field 'colour'"),
        (
            pl.DataFrame({"uprn": [100000000001], "listed_building": ["maybe"]}),
            "'listed_building' value 'maybe'",
        ),
    ],
)
def test_bad_rows_are_refused_and_nothing_is_written(
    warehouse: Warehouse, frame: pl.DataFrame, message: str
) -> None:
    _seed(warehouse)
    with pytest.raises(AttributeRejected, match=message), warehouse.unit_of_work() as uow:
        uow.attributes.upsert_many("north", frame)
    with warehouse.unit_of_work() as uow:
        assert uow.attributes.for_portfolio("north")["tenure"].null_count() == 3
