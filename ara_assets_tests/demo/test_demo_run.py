"""The README's first command, end to end: `ara demo run` in a fresh ARA_HOME (its own embedded PostgreSQL,
the register emulator, real Dagster runs)."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# not the default size and seed: the demo names the portfolio after them
PORTFOLIO = "demo-30-seed3"


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
        # The Dagster instance the UI will open holds the runs (looked at before the reset below).
        run_storage = list((tmp_path / "ara" / "dagster_home").rglob("runs.db"))
        sensor_runs = _sensor_tagged_runs(tmp_path / "ara" / "dagster_home")
        # what an analyst runs next (the "done when"), on the same embedded database
        outputs = {
            name: subprocess.run([str(ara), *args], env=env, capture_output=True, text=True, timeout=300)
            for name, args in {
                "report": ["report", PORTFOLIO, "--out", str(tmp_path / "r.html")],
                "xlsx": ["export", "plans", PORTFOLIO, "--format", "xlsx", "--out", str(tmp_path / "p.xlsx")],
                "show": ["plan", "show", PORTFOLIO, "--property", "1"],
                "json": ["portfolio", "summary", PORTFOLIO, "--json"],
            }.items()
        }
        reset = subprocess.run(
            [str(ara), "demo", "reset"], env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        # The demo leaves its embedded server running for `dagster dev`; a test must not.
        from ara_assets.resources.warehouse.database import stop_embedded_server

        stop_embedded_server(tmp_path / "ara" / "pgdata")
    try:
        _check(result)
        _check_outputs(outputs, tmp_path)
        assert run_storage, "no Dagster run storage under DAGSTER_HOME"
        # Tagged as the sensors' own runs, so a daemon opened afterwards skips those run keys.
        assert {s for s, _ in sensor_runs} == {"portfolio_sensor", "override_sensor"}
        assert all(key for _, key in sensor_runs)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "retract the demo's earlier override" in again.stdout
        assert _summary(again.stdout) == _summary(result.stdout)
        # `ara demo reset` stops the server and leaves no demo state behind
        assert reset.returncode == 0, reset.stdout + reset.stderr
        assert "stopped the embedded PostgreSQL" in reset.stdout
        assert not any((tmp_path / "ara" / name).exists() for name in ("pgdata", "assets", "demo"))
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _sensor_tagged_runs(dagster_home: Path) -> list[tuple[str, str]]:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        return [
            (run.tags["dagster/sensor_name"], run.tags.get("dagster/run_key", ""))
            for run in instance.get_runs()
            if "dagster/sensor_name" in run.tags
        ]


def _summary(out: str) -> str:
    """What the demo prints after its steps: the portfolio, the override's effect and the summary."""
    return out[out.index("\nPortfolio '") :]


def _check(result: subprocess.CompletedProcess) -> None:
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    # Not the default size and seed: a portfolio of its own, never mixed with another demo's homes.
    assert "Portfolio 'demo-30-seed3': 30 properties" in out
    assert "changed the effective EPC of 1 property" in out
    assert "epc_with_overrides': 1" in out
    assert "dagster dev" in out
    # The baseline ran, and the override's home was recomputed by automation.
    assert "Bands: lodged on the register vs effective" in out and "mean annual bill" in out
    assert "automation requested property_baseline for ['demo-30-seed3']" in out
    # The two-phase scenario was planned and its roll-up printed.
    assert "Scenario fabric_first_then_heat: plans by phase" in out and "band C or better" in out
    assert "missing the" in out and "budget limit" in out  # the misses, by reason
    assert "Grants by scheme" in out and "whshf_wave3" in out  # the demo scenario draws a grant
    assert "attributes recorded for 30 homes" in out
    # Before and after are the same quantity: the calculated SAP of that home.
    assert "recomputed by automation: calculated SAP" in out
    # How to stop the database and reset.
    assert "ara db stop" in out and "ara demo reset" in out


def _check_outputs(outputs: dict[str, subprocess.CompletedProcess], tmp_path: Path) -> None:
    import json
    import re
    import zipfile

    for name, done in outputs.items():
        assert done.returncode == 0, f"{name}: {done.stdout}{done.stderr}"
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    # self-contained: no script, style, image or font fetched from elsewhere
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=[\"']?(https?:)?//", html)
    assert "@import" not in html and not re.search(r"url\((['\"])?(https?:)?//", html)
    with zipfile.ZipFile(tmp_path / "p.xlsx") as book:
        sheets = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())
    assert sheets[0] == "summary" and len(sheets) >= 2
    assert f"Home 1 of portfolio {PORTFOLIO}" in outputs["show"].stdout
    summary = json.loads(outputs["json"].stdout)
    for plan in summary["plans"]:
        assert isinstance(plan["unreachable_homes"], list)
        assert all("grant_gbp" in p and "net_cost_gbp" in p for p in plan["phases"])
