import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from ara_assets.definitions import defs

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
    assert {s.name for s in defs.sensors} == {"portfolio_sensor", "override_sensor"}
    assert defs.resolve_job_def("epc_job") and defs.resolve_job_def("effective_epc_job")
    assert defs.executor is dg.in_process_executor
    assert [s.name for s in defs.schedules] == ["reference_quarterly", "register_bulk_monthly"]


def test_dagster_definitions_validate_cli(tmp_path: Path):
    # A local instance of its own: the repository's dagster.yaml is the production one (Postgres).
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
