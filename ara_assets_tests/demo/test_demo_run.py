"""The README's first command, end to end: `ara demo run` in a fresh ARA_HOME (its own embedded PostgreSQL,
the register emulator, real Dagster runs)."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest


@pytest.mark.integration
def test_ara_demo_run_end_to_end():
    # Not pytest's tmp_path: that folder is private to root (0700), and as root the embedded server runs
    # postgres as its own `pgserver` user, which must reach the data folder (see the root conftest.py).
    tmp_path = Path(tempfile.mkdtemp(prefix="ara-test-demo-"))
    env = {**os.environ, "ARA_HOME": str(tmp_path / "ara")}
    env.pop("ARA_DATABASE_URL", None)
    env.pop("DAGSTER_HOME", None)
    ara = Path(sys.executable).parent / "ara"

    def demo() -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(ara), "demo", "run", "--homes", "30", "--seed", "3"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    try:
        result = demo()
        again = demo()  # the same demo on the same home: it must tell the same story
    finally:
        # The demo leaves its embedded server running for `dagster dev`; a test must not.
        from ara_assets.resources.database import stop_embedded_server

        stop_embedded_server(tmp_path / "ara" / "pgdata")
    try:
        _check(result, tmp_path)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "retract the demo's earlier override" in again.stdout
        assert _summary(again.stdout) == _summary(result.stdout)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _summary(out: str) -> str:
    """What the demo prints after its steps: the portfolio, the override's effect and the summary."""
    return out[out.index("\nPortfolio '") :]


def _check(result: subprocess.CompletedProcess, tmp_path: Path) -> None:
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    # Not the default size and seed: a portfolio of its own, never mixed with another demo's homes.
    assert "Portfolio 'demo-30-seed3': 30 properties" in out
    assert "changed the effective EPC of 1 property" in out
    assert "epc_with_overrides': 1" in out
    assert "dagster dev" in out
    # The baseline ran, and the override's home was recomputed by automation.
    assert '"effective_bands"' in out and '"mean_annual_bill_gbp"' in out
    assert "automation requested property_baseline for ['demo-30-seed3']" in out
    # Before and after are the same quantity: the calculated SAP of that home.
    assert "recomputed by automation: calculated SAP" in out
    # How to stop the database and reset.
    assert "ara db stop" in out and "ara demo reset" in out
    # The two-phase scenario was planned and its roll-up printed.
    assert '"scenario": "fabric_first_then_heat"' in out and '"homes_reaching_target"' in out
    # The Dagster instance the UI will open holds both runs.
    runs = list((tmp_path / "ara" / "dagster_home").rglob("runs.db"))
    assert runs, "no Dagster run storage under DAGSTER_HOME"
