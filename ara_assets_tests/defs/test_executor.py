"""Ara's executor: steps run in the run's process unless the run config selects multiprocess."""

# No `from __future__ import annotations`: Dagster reads the op's Config annotation at decoration time.

import os
from pathlib import Path

import dagster as dg
import pytest

from ara_assets.defs.executor import in_process_by_default


class PidConfig(dg.Config):
    out: str


@dg.op
def write_pid(config: PidConfig) -> None:
    Path(config.out).write_text(str(os.getpid()))


@dg.job(executor_def=in_process_by_default)
def pid_job() -> None:
    write_pid()


def _step_pid(instance: dg.DagsterInstance, out: Path, execution: dict[str, object] | None) -> int:
    run_config: dict[str, object] = {"ops": {"write_pid": {"config": {"out": str(out)}}}}
    if execution is not None:
        run_config["execution"] = execution
    # execute_job (not execute_in_process, which always stays in process) runs the job's own executor
    with dg.execute_job(dg.reconstructable(pid_job), instance=instance, run_config=run_config) as result:
        assert result.success
    return int(out.read_text())


@pytest.mark.integration
def test_steps_run_in_process_unless_the_run_config_selects_multiprocess(tmp_path: Path) -> None:
    with dg.instance_for_test() as instance:
        assert _step_pid(instance, tmp_path / "default", None) == os.getpid()
        chosen = {"config": {"multiprocess": {"max_concurrent": 1}}}
        assert _step_pid(instance, tmp_path / "multi", chosen) != os.getpid()
