"""`register_bulk`: the register's monthly bulk file and deltas into the certificate cache (ADR 0020).

Thin wiring over `ara_assets.resources.register.bulk.bulk_sync`. Not partitioned: one download serves every
portfolio. It shares the `epc_register` pool with `epc_cache`, so bulk and per-UPRN traffic never run side
by side against the register's limit. Scheduled on the 2nd of each month (the file is rebuilt on the 1st;
`schedules.py`); `epc_cache` runs after it ask the per-UPRN API only for the homes the file lacks.
"""

# No `from __future__ import annotations`: Dagster reads Config annotations at decoration time.

import dagster as dg

from ara_assets.resources.register.bulk import bulk_sync
from ara_assets.resources.register.client import EpcRegisterClient
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource


class RegisterBulkConfig(dg.Config):
    force: bool = False
    """Load the bulk file even when the same file (same lastUpdated) was loaded already."""
    neighbours: bool = True
    """Also keep the certificates of the portfolio homes' postcodes (comparable homes for prediction)."""


@dg.asset(
    group_name="epc",
    kinds={"postgres"},
    pool="epc_register",
    description="The register's monthly bulk file (the portfolios' UPRNs and their postcode neighbours) and "
    "its deltas since, in the certificate cache with provenance (bulk file month / delta).",
)
def register_bulk(
    context: dg.AssetExecutionContext,
    config: RegisterBulkConfig,
    warehouse: WarehouseResource,
    epc_register: EpcRegisterClient,
) -> dg.MaterializeResult:
    report = bulk_sync(
        warehouse.warehouse(),
        epc_register.get_client(),
        neighbours=config.neighbours,
        force=config.force,
        log=context.log.info,
    )
    for message in report.refused[:10]:
        context.log.warning(f"bulk file: refused {message}")
    return dg.MaterializeResult(
        metadata={
            "file_month": report.file_month or "",
            "file_loaded": report.file_loaded,
            "documents_scanned": report.documents_scanned,
            "certificates_kept": report.certificates_kept,
            "uprns_wanted": report.uprns_wanted,
            "uprns_covered": report.uprns_covered,
            "refused": len(report.refused),
            "delta_events": report.events,
            "removed": report.removed,
            "uprn_updated": report.uprn_updated,
            "fetches_invalidated": report.fetches_invalidated,
        }
    )

