"""Sensors that turn new Postgres rows into runs.

- `portfolio_sensor`: a new row in `portfolios` adds its partition and requests the EPC job for it.
- `override_sensor`: new `landlord_overrides` or `site_notes` rows request `effective_epc` for exactly
  the affected portfolio partitions; downstream assets follow by declarative automation.

Both keep a cursor on commit order (`sensor_cursor.py`): ids are taken before commit, so a row that
commits after a faster one with a higher id is still seen. A restarted daemon picks up where it
stopped; run keys make a repeated tick idempotent.
"""

# No `from __future__ import annotations` here: Dagster reads the Config and resource annotations of
# asset and sensor functions at decoration time and cannot resolve them as strings.

import json

import dagster as dg

from ara_assets.defs.jobs import effective_epc_job, epc_job
from ara_assets.defs.partitions import portfolios
from ara_assets.defs.sensor_cursor import CommitCursor, advance
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource


def _not_ready(warehouse: WarehouseResource) -> dg.SensorResult | None:
    # The sensors run as soon as `dagster dev` starts, possibly before any `ara` command created the tables.
    pending = warehouse.warehouse().pending_migrations()
    if pending:
        return dg.SensorResult(
            skip_reason=f"the database is not migrated ({len(pending)} pending, from {pending[0]}): "
            "run `ara db migrate` (the demo and every import do it too)"
        )
    return None


@dg.sensor(
    job=epc_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds a partition for each new portfolio and fetches its certificates.",
)
def portfolio_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    not_ready = _not_ready(warehouse)
    if not_ready is not None:
        return not_ready
    # A commit-order cursor (sensor_cursor.py): a portfolio created in a transaction that commits after a
    # later one is still added. The old integer cursor reads as its low-water mark.
    cursor = CommitCursor.from_json(json.loads(context.cursor) if context.cursor else None)
    with warehouse.warehouse().unit_of_work() as uow:
        islands, now = uow.changes.islands_after("portfolios", cursor.low)
    new, cursor = advance(cursor, islands, now)
    raw_cursor = json.dumps(cursor.to_json())
    if not new:
        return dg.SensorResult(skip_reason=f"no portfolio after id {cursor.low}", cursor=raw_cursor)
    known = set(context.instance.get_dynamic_partitions(portfolios.name)) if context.instance else set()
    names = sorted(new, key=new.__getitem__)
    to_add = [n for n in names if n not in known]
    return dg.SensorResult(
        dynamic_partitions_requests=[portfolios.build_add_request(to_add)] if to_add else [],
        run_requests=[dg.RunRequest(partition_key=n, run_key=f"portfolio-{new[n]}") for n in names],
        cursor=raw_cursor,
    )


def _read_cursor(raw: str | None) -> dict[str, CommitCursor]:
    data = json.loads(raw) if raw else {}
    return {
        kind: CommitCursor.from_json({"low": int(data.get(kind, 0)), "seen": data.get(f"{kind}_seen", [])})
        for kind in ("overrides", "site_notes")
    }


def _write_cursor(cursors: dict[str, CommitCursor]) -> str:
    out: dict[str, object] = {}
    for kind, c in cursors.items():
        out[kind] = c.low
        out[f"{kind}_seen"] = c.to_json()["seen"]
    return json.dumps(out)


@dg.sensor(
    job=effective_epc_job,
    minimum_interval_seconds=15,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Re-assembles the effective EPC of portfolios whose overrides or site notes changed.",
)
def override_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    not_ready = _not_ready(warehouse)
    if not_ready is not None:
        return not_ready
    cursors = _read_cursor(context.cursor)
    changes: dict[str, dict[str, int]] = {}
    with warehouse.warehouse().unit_of_work() as uow:
        for kind, table in (("overrides", "landlord_overrides"), ("site_notes", "site_notes")):
            islands, now = uow.changes.islands_after(table, cursors[kind].low)
            changes[kind], cursors[kind] = advance(cursors[kind], islands, now)
    if not changes["overrides"] and not changes["site_notes"]:
        return dg.SensorResult(skip_reason="no new overrides or site notes", cursor=_write_cursor(cursors))
    known = set(context.instance.get_dynamic_partitions(portfolios.name)) if context.instance else None
    latest: dict[str, str] = {}
    for kind, tag in (("overrides", "ovr"), ("site_notes", "notes")):
        for portfolio, max_id in sorted(changes[kind].items()):
            latest[portfolio] = f"{latest.get(portfolio, '')}{tag}{max_id}"
    requests = []
    skipped = []
    for portfolio, tag in sorted(latest.items()):
        if known is not None and portfolio not in known:
            # The portfolio sensor has not added this partition yet; its first run will include the rows.
            skipped.append(portfolio)
            continue
        requests.append(dg.RunRequest(partition_key=portfolio, run_key=f"effective-{portfolio}-{tag}"))
    if skipped:
        context.log.info(f"portfolios not yet partitions, left to their first run: {skipped}")
    return dg.SensorResult(run_requests=requests, cursor=_write_cursor(cursors))
