import ast
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from ara_assets.definitions import defs
from ara_assets.defs.executor import in_process_by_default

ROOT = Path(__file__).resolve().parents[2]


def test_graph_shape():
    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {
        "epc_cache",
        "effective_epc",
        "property_baseline",
        "fuel_rates",
        "carbon_factors",
        "candidate_recommendations",
        "phase_plans",
    } <= keys
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey("epc_cache") in graph.get(dg.AssetKey("effective_epc")).parent_keys
    for key in ("epc_cache", "effective_epc"):
        spec = graph.get(dg.AssetKey(key))
        assert spec.partitions_def is not None and spec.partitions_def.name == "portfolios"
    checks = {c.name for c in graph.asset_check_keys}
    assert {
        "one_row_per_property",
        "every_property_has_effective_epc_or_reason",
        "no_duplicate_properties",
    } <= checks
    assert {s.name for s in defs.sensors} == {
        "portfolio_sensor",
        "override_sensor",
        "default_automation_condition_sensor",
    }
    # Automation and the sensors run as soon as a daemon does (`dagster dev`), with no switch in the UI.
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in defs.sensors)
    schedules = {s.name: s.default_status for s in defs.schedules}
    assert schedules["reference_quarterly"] == dg.DefaultScheduleStatus.RUNNING
    # The monthly bulk sync downloads the register's whole file with a token: switched on deliberately.
    assert schedules["register_bulk_monthly"] == dg.DefaultScheduleStatus.STOPPED
    assert defs.resolve_job_def("epc_job") and defs.resolve_job_def("effective_epc_job")
    # Runs execute in one process unless their run config selects multiprocess (test_run_settings.py).
    assert defs.executor is in_process_by_default
    assert defs.resolve_job_def("epc_job").executor_def is in_process_by_default
    assert [s.name for s in defs.schedules] == ["reference_quarterly", "register_bulk_monthly"]


@pytest.mark.integration
@pytest.mark.parametrize(
    "command", [["dagster", "definitions", "validate"], ["dg", "check", "defs"]], ids=["dagster", "dg"]
)
def test_definitions_load_from_the_root_with_a_clean_environment(command: list[str]):
    """As a new user types it: from the repository root, no DAGSTER_HOME, no ARA_* variables. The root
    dagster.yaml (local SQLite instance under .ara) is used, not the production one in deploy/."""
    bin_dir = Path(sys.executable).parent
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": os.environ.get("HOME", str(ROOT))}
    result = subprocess.run(
        [str(bin_dir / command[0]), *command[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DAGSTER_PG_URL" not in result.stdout + result.stderr


def test_every_job_is_defined_in_jobs_module():
    from ara_assets.defs import jobs

    assert list(defs.jobs or []) == jobs.ALL_JOBS
    # the jobs the sensors and schedules run are those same objects
    targets = {s.name: s.job_name for s in defs.sensors if s.name != "default_automation_condition_sensor"}
    assert targets == {"portfolio_sensor": "epc_job", "override_sensor": "effective_epc_job"}
    assert {j.name for j in jobs.ALL_JOBS} >= set(targets.values()) | {"register_bulk_job"}
    bulk = next(s for s in defs.schedules if s.name == "register_bulk_monthly")
    assert bulk.job is jobs.register_bulk_job
    # no job is defined anywhere else in the wiring
    defs_dir = ROOT / "ara_assets" / "defs"
    elsewhere = [
        f"{p.name}:{n.lineno}"
        for p in sorted(defs_dir.glob("*.py"))
        if p.name != "jobs.py"
        for n in ast.walk(ast.parse(p.read_text()))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "define_asset_job"
    ]
    assert elsewhere == []


def test_every_asset_that_scores_in_process_sets_up_the_scoring_resource():
    # The scoring resource's set-up installs the imported PCDB; an asset that scores SAP in this process
    # (predictions, measures, the baseline) must require it, or a run of its job alone scores without it.
    for key in ("effective_epc", "property_baseline", "candidate_recommendations"):
        assert "scoring" in defs.get_assets_def(key).required_resource_keys, key
