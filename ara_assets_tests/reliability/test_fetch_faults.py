"""Fault injection on the register fetch: a bad certificate among good ones, a fetch killed part-way,
a register URL that answers 404 to everything. Real emulator, real httpx client, embedded PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from ara_assets.defs.epc import epc_cache
from ara_assets.emulator.server import start_emulator
from ara_assets.resources.register.client import EpcRegisterClient
from ara_assets.resources.register.epc_fetch import fetch_and_store
from ara_assets_tests.defs.conftest import PORTFOLIO, TOKEN, PipelineEnv

pytestmark = pytest.mark.integration


def _count(env: PipelineEnv, sql: str) -> int:
    with env.warehouse.unit_of_work() as uow:
        return int(uow.connection.exec_driver_sql(sql).scalar_one())


def _meta(result: dg.ExecuteInProcessResult) -> dict:
    (event,) = result.get_asset_materialization_events()
    return {k: v.value for k, v in event.event_specific_data.materialization.metadata.items()}


def test_a_bad_certificate_is_recorded_for_its_uprn_and_the_rest_are_stored(
    pipeline: PipelineEnv, tmp_path: Path
) -> None:
    data = tmp_path / "certificates"
    shutil.copytree(pipeline.data_dir / "certificates", data)
    files = sorted(data.rglob("*.json"))
    spoiled: dict[int, str] = {}
    for path, (field, value) in zip(
        files[:2], [("registration_date", "31/02/2024"), ("schema_type", 123)], strict=True
    ):
        body = json.loads(path.read_text(encoding="utf-8"))
        doc = body.get("data", body)
        doc[field] = value
        path.write_text(json.dumps(body), encoding="utf-8")
        spoiled[int(str(doc["uprn"]).removeprefix("UPRN-"))] = field
    with start_emulator(data, token=TOKEN) as emulator:
        register = EpcRegisterClient(
            base_url=emulator.url, requests_per_second=0, backoff_base_s=0.01, backoff_max_s=0.05
        )
        resources = {**pipeline.resources(), "epc_register": register}
        result = dg.materialize(
            [epc_cache], partition_key=PORTFOLIO, instance=pipeline.instance, resources=resources
        )
    assert result.success
    meta = _meta(result)
    assert meta["documents_refused_this_run"] == 2
    assert _count(pipeline, "SELECT count(*) FROM certificates") == len(files) - 2
    with pipeline.warehouse.unit_of_work() as uow:
        fetches = uow.fetches.for_uprns(list(spoiled))
    for row in fetches.iter_rows(named=True):
        assert row["status"] == "error"
        assert f"UPRN {row['uprn']}: document does not validate" in row["error"]
        assert f"field '{spoiled[row['uprn']]}' value" in row["error"]
    assert _count(pipeline, "SELECT count(*) FROM certificate_fetches WHERE status = 'error'") == len(spoiled)


class Killed(Exception):
    """Stands in for the process being stopped part-way through a fetch."""


def test_a_killed_fetch_keeps_its_committed_chunks_and_the_rerun_resumes(pipeline: PipelineEnv) -> None:
    with pipeline.warehouse.unit_of_work() as uow:
        uprns = [int(u) for u in uow.properties.for_portfolio(PORTFOLIO)["uprn"].to_list()]
    register = pipeline.resources()["epc_register"]

    def kill_after_25(done: int, total: int) -> None:
        if done >= 25:
            raise Killed(f"stopped at {done}/{total}")

    with pytest.raises(Killed):
        fetch_and_store(
            pipeline.warehouse, register, PORTFOLIO, uprns, chunk_homes=10, progress=kill_after_25
        )
    assert _count(pipeline, "SELECT count(*) FROM certificate_fetches") == 20  # two whole chunks

    result = dg.materialize(
        [epc_cache], partition_key=PORTFOLIO, instance=pipeline.instance, resources=pipeline.resources()
    )
    assert result.success
    assert _meta(result)["fetched_this_run"] == len(uprns) - 20
    assert _count(pipeline, "SELECT count(*) FROM certificate_fetches") == len(uprns)


def test_a_register_url_answering_404_to_everything_fails_the_run_naming_it(pipeline: PipelineEnv) -> None:
    wrong = f"{pipeline.register_url}/not-the-register"
    register = EpcRegisterClient(
        base_url=wrong, requests_per_second=0, backoff_base_s=0.01, backoff_max_s=0.05
    )
    resources = {**pipeline.resources(), "epc_register": register}
    result = dg.materialize(
        [epc_cache],
        partition_key=PORTFOLIO,
        instance=pipeline.instance,
        resources=resources,
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    message = failure.step_failure_data.error.message  # type: ignore[union-attr]
    assert f"the register URL {wrong} looks wrong" in message and "answered 404" in message
    assert _count(pipeline, "SELECT count(*) FROM certificate_fetches") == 0
    assert not result.get_asset_materialization_events()


_KILLED_FETCH = """
import sys, time
from ara_assets.resources.register.epc_fetch import fetch_and_store
from ara_assets.resources.register.client import RegisterClient
from ara_assets.resources.warehouse.unit_of_work import Warehouse

db, register, token, portfolio, uprns = sys.argv[1:6]

def progress(done: int, total: int) -> None:
    if done >= 15:  # the third chunk is fetched but not yet committed
        print("READY", flush=True)
        time.sleep(600)

client = RegisterClient(base_url=register, token=token, requests_per_second=0)
fetch_and_store(Warehouse(db), client, portfolio, [int(u) for u in uprns.split(",")], chunk_homes=5,
                progress=progress)
"""


def test_kill_9_mid_fetch_keeps_committed_chunks_and_the_rerun_resumes(pipeline: PipelineEnv) -> None:
    import os
    import signal
    import subprocess
    import sys

    with pipeline.warehouse.unit_of_work() as uow:
        uprns = [int(u) for u in uow.properties.for_portfolio(PORTFOLIO)["uprn"].to_list()]
    args = [pipeline.warehouse.url, pipeline.register_url, TOKEN, PORTFOLIO, ",".join(map(str, uprns))]
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_FETCH, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "READY", proc.stderr.read() if proc.stderr else ""
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _count(pipeline, "SELECT count(*) FROM certificate_fetches") == 10  # two committed chunks

    result = dg.materialize(
        [epc_cache], partition_key=PORTFOLIO, instance=pipeline.instance, resources=pipeline.resources()
    )
    assert result.success
    assert _meta(result)["fetched_this_run"] == len(uprns) - 10
