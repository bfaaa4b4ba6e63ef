"""The PostgreSQL system of record behind one facade: `Warehouse`, its unit of work, and a Dagster resource.

    wh = Warehouse()                      # ARA_DATABASE_URL, or the embedded server
    wh.migrate()
    with wh.unit_of_work() as uow:        # one connection, one transaction
        pid = uow.portfolios.get_or_create("north")
        uow.properties.upsert_many(pid, frame)
    # committed here; any exception inside the block rolls everything back

The repositories live in `repositories/` (one module per table or pair of tables), the migration runner in
`migrations.py`, the engine and embedded server in `database.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dagster as dg
import sqlalchemy as sa
from pydantic import PrivateAttr

from ara_assets.resources.warehouse import migrations as warehouse_migrations
from ara_assets.resources.warehouse.database import make_engine, redact_url, resolve_database_url
from ara_assets.resources.warehouse.database_roles import app_engine
from ara_assets.resources.warehouse.repositories.attributes import PropertyAttributeRepository
from ara_assets.resources.warehouse.repositories.baseline import BaselineRepository
from ara_assets.resources.warehouse.repositories.bulk import RegisterBulkRepository
from ara_assets.resources.warehouse.repositories.certificates import CertificateRepository, FetchRepository
from ara_assets.resources.warehouse.repositories.changes import ChangeFeed
from ara_assets.resources.warehouse.repositories.overrides import OverrideRepository
from ara_assets.resources.warehouse.repositories.pcdb import PcdbRepository
from ara_assets.resources.warehouse.repositories.plans import PlansRepository
from ara_assets.resources.warehouse.repositories.portfolios import PortfolioRepository, PropertyRepository
from ara_assets.resources.warehouse.repositories.rates import RatesRepository
from ara_assets.resources.warehouse.repositories.scenarios import ScenarioRepository
from ara_assets.resources.warehouse.repositories.site_notes import SiteNoteRepository

# Tables reported by `ara db status`, in dependency order.
TABLES = (
    "portfolios",
    "properties",
    "certificates",
    "certificate_fetches",
    "landlord_overrides",
    "site_notes",
    "scenarios",
    "scenario_phases",
    "rates_versions",
    "fuel_rates",
    "carbon_factors",
    "property_attributes",
    "property_baseline_performance",
)


class UnitOfWork:
    """One connection and one transaction, with every repository bound to it."""

    def __init__(self, conn: sa.Connection) -> None:
        self.connection = conn
        self.portfolios = PortfolioRepository(conn)
        self.properties = PropertyRepository(conn)
        self.certificates = CertificateRepository(conn)
        self.fetches = FetchRepository(conn)
        self.overrides = OverrideRepository(conn)
        self.site_notes = SiteNoteRepository(conn)
        self.scenarios = ScenarioRepository(conn)
        self.rates = RatesRepository(conn)
        self.attributes = PropertyAttributeRepository(conn)
        self.baseline = BaselineRepository(conn)
        self.plans = PlansRepository(conn)
        self.pcdb = PcdbRepository(conn)
        self.register_bulk = RegisterBulkRepository(conn)
        self.changes = ChangeFeed(conn)


@dataclass(frozen=True)
class WarehouseStatus:
    url: str  # password hidden
    applied: list[str]
    pending: list[str]
    row_counts: dict[str, int]  # empty for tables that do not exist yet


class WarehouseUnavailable(RuntimeError):
    """The database could not be reached (wrong URL, server down, refused login)."""


class Warehouse:
    """Entry point to the system of record for assets, sensors and the CLI."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_database_url(url)
        self.engine = make_engine(self.url)

    def check_connection(self) -> None:
        """Raise WarehouseUnavailable, naming the URL (password hidden), if the server is unreachable."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            where = redact_url(self.url)
            raise WarehouseUnavailable(f"cannot reach the database {where}: {reason}") from None

    def migrate(self) -> list[str]:
        """Apply pending migrations (`ara_assets/migrations/`); return the file names applied now."""
        return warehouse_migrations.migrate(self.engine)

    def pending_migrations(self) -> list[str]:
        """The migrations not applied yet (all of them on a new database)."""
        with self.engine.connect() as conn:
            return [m.name for m in warehouse_migrations.pending(conn)]

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """Commit on normal exit, roll back on any exception: nothing is ever half-written."""
        # As the restricted role `ara_app` (migrations/0009): the application cannot disable the triggers.
        with app_engine(self.url).connect() as conn, conn.begin():
            yield UnitOfWork(conn)

    def status(self) -> WarehouseStatus:
        with self.engine.connect() as conn:
            done = [m.name for m in warehouse_migrations.applied(conn)]
            waiting = [m.name for m in warehouse_migrations.pending(conn)]
            counts: dict[str, int] = {}
            for table in TABLES:
                if conn.execute(sa.text("SELECT to_regclass(:t) IS NOT NULL"), {"t": table}).scalar_one():
                    # Table names come from the constant above, never from input.
                    counts[table] = int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())
        return WarehouseStatus(url=redact_url(self.url), applied=done, pending=waiting, row_counts=counts)


def open_warehouse(url: str | None = None, *, migrate: bool = False) -> Warehouse:
    """A reachable Warehouse (WarehouseUnavailable otherwise), optionally brought up to date."""
    warehouse = Warehouse(url)
    warehouse.check_connection()
    if migrate:
        warehouse.migrate()
    return warehouse


class WarehouseResource(dg.ConfigurableResource):
    """Dagster resource for the system of record.

    `database_url`: a PostgreSQL URL; unset means `ARA_DATABASE_URL`, else the embedded server.
    """

    database_url: str | None = None
    _warehouse: Warehouse | None = PrivateAttr(default=None)

    def warehouse(self) -> Warehouse:
        # The engine itself is cached per URL in database.make_engine; this saves re-resolving.
        if self._warehouse is None:
            self._warehouse = Warehouse(self.database_url)
        return self._warehouse
