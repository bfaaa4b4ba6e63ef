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
    # Not pytest's tmp_path: that folder is private to root (0700), and as root pgserver runs postgres as
    # its own `pgserver` user, which must reach the data folder (as in ara_assets_tests/conftest.py).
    tmp_path = Path(tempfile.mkdtemp(prefix="ara-test-demo-"))
    env = {**os.environ, "ARA_HOME": str(tmp_path / "ara")}
    env.pop("ARA_DATABASE_URL", None)
    env.pop("DAGSTER_HOME", None)
    ara = Path(sys.executable).parent / "ara"
    try:
        result = subprocess.run(
            [str(ara), "demo", "run", "--homes", "30", "--seed", "3"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        # what an analyst runs next (the "done when"), on the same embedded database
        outputs = {
            name: subprocess.run([str(ara), *args], env=env, capture_output=True, text=True, timeout=300)
            for name, args in {
                "report": ["report", "demo", "--out", str(tmp_path / "r.html")],
                "xlsx": ["export", "plans", "demo", "--format", "xlsx", "--out", str(tmp_path / "p.xlsx")],
                "show": ["plan", "show", "demo", "--property", "1"],
                "json": ["portfolio", "summary", "demo", "--json"],
            }.items()
        }
    finally:
        # The demo leaves its embedded server running for `dagster dev`; a test must not.
        from ara_assets.resources.database import stop_embedded_server

        stop_embedded_server(tmp_path / "ara" / "pgdata")
    try:
        _check(result, tmp_path)
        _check_outputs(outputs, tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _check(result: subprocess.CompletedProcess, tmp_path: Path) -> None:
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Portfolio 'demo': 30 properties" in out
    assert "changed the effective EPC of 1 property" in out
    assert "epc_with_overrides': 1" in out
    assert "dagster dev" in out
    # The baseline ran, and the override's home was recomputed by automation.
    assert "Bands: lodged on the register vs effective" in out and "mean annual bill" in out
    assert "automation requested property_baseline for ['demo']" in out
    # The two-phase scenario was planned and its roll-up printed.
    assert "Scenario fabric_first_then_heat: plans by phase" in out and "band C or better" in out
    assert "missing the" in out and "budget limit" in out  # the misses, by reason
    assert "Grants by scheme" in out and "whshf_wave3" in out  # the demo scenario draws a grant
    assert "attributes recorded for 30 homes" in out
    # The Dagster instance the UI will open holds both runs.
    runs = list((tmp_path / "ara" / "dagster_home").rglob("runs.db"))
    assert runs, "no Dagster run storage under DAGSTER_HOME"


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
    assert "Home 1 of portfolio demo" in outputs["show"].stdout
    summary = json.loads(outputs["json"].stdout)
    for plan in summary["plans"]:
        assert isinstance(plan["unreachable_homes"], list)
        assert all("grant_gbp" in p and "net_cost_gbp" in p for p in plan["phases"])
