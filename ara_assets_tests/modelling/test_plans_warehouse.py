"""The plans tables follow the plan schemas; the summary of an unplanned portfolio is empty."""

from __future__ import annotations

import pytest

from ara_assets.resources.warehouse.repositories.plans import (
    ALLOCATION_COLUMNS,
    MEASURE_COLUMNS,
    PHASE_COLUMNS,
    plans_summary,
)


def test_tables_follow_the_schemas(warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        repo = uow.plans
        assert repo.columns("plan_phases") == ["portfolio_id", *PHASE_COLUMNS]
        assert repo.columns("plan_measures") == ["portfolio_id", *MEASURE_COLUMNS]
        assert repo.columns("plan_allocations") == ["portfolio_id", *ALLOCATION_COLUMNS]


def test_summary_of_a_portfolio_without_plans(warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        uow.portfolios.get_or_create("empty")
        assert plans_summary(uow.connection, "empty") == []
        with pytest.raises(LookupError, match="'nowhere'"):
            plans_summary(uow.connection, "nowhere")
