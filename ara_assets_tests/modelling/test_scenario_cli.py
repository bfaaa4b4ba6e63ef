"""`ara scenario create/list/show` through the real CLI against a fresh migrated database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ara_assets.cli import app
from ara_assets.modelling.scenarios import Scenario, load_scenario_yaml
from ara_assets.resources.warehouse.unit_of_work import Warehouse

runner = CliRunner()
EXAMPLES = Path(__file__).parents[2] / "examples" / "scenarios"


def _ara(wh: Warehouse, *args: str):  # noqa: ANN202 - click's Result
    return runner.invoke(app, list(args), env={"ARA_DATABASE_URL": wh.url})


def test_create_list_show_replace(warehouse: Warehouse, tmp_path: Path) -> None:
    two = EXAMPLES / "fabric_first_then_heat.yaml"
    created = _ara(warehouse, "scenario", "create", str(two))
    assert created.exit_code == 0, created.output
    assert "version 1" in created.stdout
    again = _ara(warehouse, "scenario", "create", str(two))
    assert again.exit_code == 1
    assert "already exists" in again.output
    replaced = _ara(warehouse, "scenario", "create", str(two), "--replace")
    assert replaced.exit_code == 0, replaced.output
    assert "version 2" in replaced.stdout
    assert (
        _ara(warehouse, "scenario", "create", str(EXAMPLES / "three_phase_net_zero_ready.yaml")).exit_code
        == 0
    )

    listed = _ara(warehouse, "scenario", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["fabric_first_then_heat", "three_phase_net_zero_ready"]
    assert "v2" in lines[0] and "fabric first (2030) -> low-carbon heat (2035)" in lines[0]

    shown = _ara(warehouse, "scenario", "show", "fabric_first_then_heat")
    assert shown.exit_code == 0, shown.output
    snap = json.loads(shown.stdout)
    assert snap["version"] == 2
    # the stored snapshot rebuilds the same scenario (exclusions and description survive the goal column)
    assert Scenario.from_spec(snap) == load_scenario_yaml(two)


def test_bad_file_and_unknown_name(warehouse: Warehouse, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ngoal: {kind: band}\nphases: []\n", encoding="utf-8")
    result = _ara(warehouse, "scenario", "create", str(bad))
    assert result.exit_code == 1
    assert str(bad) in result.output and "field 'goal'" in result.output
    assert _ara(warehouse, "scenario", "show", "nope").exit_code == 1
    assert "no scenarios" in _ara(warehouse, "scenario", "list").stdout
