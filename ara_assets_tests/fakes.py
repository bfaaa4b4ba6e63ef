"""An in-memory unit of work for unit tests of the wiring's own logic (no PostgreSQL).

Only the methods the wiring under test calls are implemented, with the same signatures and the same
results as the real repositories in `ara_assets/resources/warehouse/repositories/`. A test that needs the
database's own behaviour (constraints, triggers, transactions across connections) belongs with the
integration tests on the embedded server instead.

    warehouse = FakeWarehouse()
    with warehouse.unit_of_work() as uow:
        uow.portfolios.get_or_create("north")
    resource = FakeWarehouseResource.around(warehouse)   # where a sensor or asset wants `WarehouseResource`

Like the real unit of work, a block that raises leaves nothing behind: the fake keeps a copy of its state on
entry and restores it on any exception.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ara_assets.resources.warehouse.repositories.portfolios import Portfolio, check_portfolio_name
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource


@dataclass
class _Row:
    id: int
    portfolio: str
    created_at: datetime


@dataclass
class FakeState:
    """Every table the fakes hold: portfolios by name, and the append-only change tables as rows."""

    portfolios: dict[str, Portfolio] = field(default_factory=dict)
    # landlord_overrides and site_notes as (id, portfolio, created_at); ids are taken in insertion order
    tracked: dict[str, list[_Row]] = field(
        default_factory=lambda: {"landlord_overrides": [], "site_notes": []}
    )
    next_id: dict[str, int] = field(default_factory=dict)
    # ids taken by transactions that have not committed yet (the sensors must wait for or skip them)
    uncommitted: dict[str, set[int]] = field(default_factory=dict)

    def take_id(self, table: str) -> int:
        self.next_id[table] = self.next_id.get(table, 0) + 1
        return self.next_id[table]


class FakePortfolioRepository:
    def __init__(self, state: FakeState, clock: datetime) -> None:
        self._state = state
        self._clock = clock

    def get_or_create(self, name: str) -> int:
        check_portfolio_name(name)
        found = self._state.portfolios.get(name)
        if found is None:
            found = Portfolio(self._state.take_id("portfolios"), name, self._clock)
            self._state.portfolios[name] = found
        return found.id

    def by_name(self, name: str) -> Portfolio | None:
        return self._state.portfolios.get(name)

    def list_after(self, id_cursor: int = 0) -> list[tuple[int, str]]:
        return sorted((p.id, p.name) for p in self._state.portfolios.values() if p.id > id_cursor)


class FakeChangeFeed:
    """`ChangeFeed.islands_after` over the in-memory rows: runs of consecutive committed ids per portfolio."""

    def __init__(self, state: FakeState, now: datetime) -> None:
        self._state = state
        self._now = now

    def _committed(self, table: str) -> list[_Row]:
        if table == "portfolios":
            rows = [_Row(p.id, p.name, p.created_at) for p in self._state.portfolios.values()]
        elif table in self._state.tracked:
            rows = list(self._state.tracked[table])
        else:
            raise ValueError(f"islands_after: field 'table' value {table!r} is not a change-tracked table")
        pending = self._state.uncommitted.get(table, set())
        return sorted((r for r in rows if r.id not in pending), key=lambda r: r.id)

    def islands_after(self, table: str, low: int) -> tuple[list[tuple[str, int, int, float]], float]:
        rows = [r for r in self._committed(table) if r.id > low]
        islands: list[tuple[str, int, int, float]] = []
        if table == "portfolios":  # a portfolio is its own run, as in the SQL
            islands = [(r.portfolio, r.id, r.id, r.created_at.timestamp()) for r in rows]
        else:
            # gaps-and-islands: consecutive committed ids form one run; a run is split by portfolio
            runs: dict[tuple[str, int], list[_Row]] = {}
            for rank, row in enumerate(rows, start=1):
                runs.setdefault((row.portfolio, row.id - rank), []).append(row)
            islands = sorted(
                (name, run[0].id, run[-1].id, min(r.created_at for r in run).timestamp())
                for (name, _), run in runs.items()
            )
            islands.sort(key=lambda i: i[1])
        return islands, self._now.timestamp()


class FakeUnitOfWork:
    """The repositories the sensors use, over one shared in-memory state."""

    def __init__(self, state: FakeState, now: datetime) -> None:
        self.portfolios = FakePortfolioRepository(state, now)
        self.changes = FakeChangeFeed(state, now)


class FakeWarehouse:
    """Stands in for `Warehouse`: `pending_migrations` and `unit_of_work`, plus helpers to arrange rows."""

    def __init__(self, *, pending: list[str] | None = None, now: datetime | None = None) -> None:
        self.state = FakeState()
        self.pending = list(pending or [])
        self.now = now or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def pending_migrations(self) -> list[str]:
        return list(self.pending)

    @contextmanager
    def unit_of_work(self) -> Iterator[FakeUnitOfWork]:
        before = copy.deepcopy(self.state)
        try:
            yield FakeUnitOfWork(self.state, self.now)
        except BaseException:
            self.state = before
            raise

    def append(self, table: str, portfolio: str, *, committed: bool = True) -> int:
        """Add a row to an append-only change table; `committed=False` holds its id in an open transaction."""
        if portfolio not in self.state.portfolios:
            raise LookupError(f"fake warehouse: portfolio {portfolio!r} does not exist")
        row_id = self.state.take_id(table)
        self.state.tracked[table].append(_Row(row_id, portfolio, self.now))
        if not committed:
            self.state.uncommitted.setdefault(table, set()).add(row_id)
        return row_id

    def commit(self, table: str, row_id: int) -> None:
        self.state.uncommitted.get(table, set()).discard(row_id)


# Dagster rebuilds a resource from its config before a sensor or asset sees it, so private attributes do not
# survive: the resource carries a key into this table instead.
FAKE_WAREHOUSES: dict[str, FakeWarehouse] = {}


class FakeWarehouseResource(WarehouseResource):
    """A `WarehouseResource` whose `warehouse()` is a FakeWarehouse, for sensors and assets under test."""

    fake_key: str = ""

    @classmethod
    def around(cls, warehouse: FakeWarehouse) -> FakeWarehouseResource:
        key = f"fake-{id(warehouse)}"
        FAKE_WAREHOUSES[key] = warehouse
        return cls(fake_key=key)

    def warehouse(self) -> Any:  # noqa: ANN401 - a FakeWarehouse where the real one returns a Warehouse
        return FAKE_WAREHOUSES[self.fake_key]
