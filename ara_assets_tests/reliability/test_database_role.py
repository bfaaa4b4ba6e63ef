"""The application writes as `ara_app` (migrations/0009), which owns no table or trigger: it cannot switch off
the append-only rule that the audit of overrides and site notes relies on."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ara_assets.resources.warehouse.unit_of_work import Warehouse

pytestmark = pytest.mark.integration


def test_units_of_work_run_as_the_restricted_role(warehouse: Warehouse) -> None:
    with warehouse.unit_of_work() as uow:
        assert uow.connection.execute(sa.text("SELECT current_user")).scalar_one() == "ara_app"
    with warehouse.engine.connect() as owner:  # migrations keep the owner's engine
        assert owner.execute(sa.text("SELECT current_user")).scalar_one() != "ara_app"


@pytest.mark.parametrize(
    ("statement", "error"),
    [
        ("ALTER TABLE landlord_overrides DISABLE TRIGGER ALL", "must be owner of table landlord_overrides"),
        ("DROP TRIGGER landlord_overrides_append_only ON landlord_overrides", "must be owner of"),
        ("SET session_replication_role = replica", "permission denied"),
        ("DELETE FROM schema_migrations", "permission denied"),
        ("TRUNCATE certificates", "permission denied"),
    ],
)
def test_the_application_cannot_switch_off_the_audit_rule(
    warehouse: Warehouse, statement: str, error: str
) -> None:
    with pytest.raises(sa.exc.DBAPIError, match=error), warehouse.unit_of_work() as uow:
        uow.connection.execute(sa.text(statement))
    with warehouse.engine.connect() as owner:
        enabled = owner.execute(
            sa.text(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'landlord_overrides'::regclass "
                "AND NOT tgisinternal AND tgenabled = 'O'"
            )
        ).scalar_one()
    assert enabled == 2
