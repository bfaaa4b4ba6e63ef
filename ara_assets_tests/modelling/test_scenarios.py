from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ara_assets.epc.bands import BAND_MIN_SAP
from ara_assets.modelling.scenarios import Goal, Scenario, ScenarioError, load_scenario_yaml

EXAMPLES = Path(__file__).parents[2] / "examples" / "scenarios"


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _base() -> dict:
    return yaml.safe_load((EXAMPLES / "fabric_first_then_heat.yaml").read_text())


def test_the_two_phase_example_matches_the_issue() -> None:
    s = load_scenario_yaml(EXAMPLES / "fabric_first_then_heat.yaml")
    assert [p.target_year for p in s.phases] == [2030, 2035]
    assert s.phases[0].budget_gbp == 10000
    assert s.phase_goal(0).min_sap == BAND_MIN_SAP["C"] == 69
    assert "cavity_wall_fill" in s.phases[0].allowed_measure_types
    assert "air_source_heat_pump" not in s.phases[0].allowed_measure_types
    assert "air_source_heat_pump" in s.phases[1].allowed_measure_types
    assert s.phase_goal(1).kind == "co2_cut"


def test_three_phase_example_applies_exclusions() -> None:
    s = load_scenario_yaml(EXAMPLES / "three_phase_net_zero_ready.yaml")
    assert len(s.phases) == 3
    assert "triple_glazing" in s.phases[1].allowed_measure_types
    assert "triple_glazing" not in s.allowed_in_phase(1)
    assert s.phase_goal(2) == s.goal  # no phase target: the scenario goal


def test_spec_round_trip() -> None:
    for path in EXAMPLES.glob("*.yaml"):
        s = load_scenario_yaml(path)
        spec = s.to_spec()
        assert set(spec) == {"name", "goal", "budget_per_home_gbp", "phases"}
        assert Scenario.from_spec(spec) == s


@pytest.mark.parametrize(
    ("change", "field", "value"),
    [
        (lambda d: d["phases"][1].update(target_year=2029), "phases[1].target_year", 2029),
        (lambda d: d["phases"][0].update(allowed_measure_types=["x"]), "phases[0].allowed_measure_types", ["x"]),  # noqa: E501
        (lambda d: d["goal"].update(kind="band", target_band="H"), "goal.target_band", "H"),
        (lambda d: d["goal"].pop("target_band"), "goal", None),
        (lambda d: d.update(budget_per_home_gbp=-5), "budget_per_home_gbp", -5),
        (lambda d: d["phases"][0].update(budget_gbp=50000), "phases[*].budget_gbp", [50000.0, 20000.0]),
        (lambda d: d.update(colour="blue"), "colour", "blue"),
    ],
)  # fmt: skip
def test_bad_yaml_names_file_field_and_value(
    tmp_path: Path, change: object, field: str, value: object
) -> None:
    data = _base()
    change(data)  # type: ignore[operator]
    path = _write(tmp_path, data)
    with pytest.raises(ScenarioError) as exc:
        load_scenario_yaml(path)
    text = str(exc.value)
    assert str(path) in text
    assert f"field {field!r}" in text
    if value is not None:
        assert f"value {value!r}" in text


def test_unknown_measure_type_is_named(tmp_path: Path) -> None:
    data = _base()
    data["phases"][0]["allowed_measure_types"] = ["loft"]
    with pytest.raises(ScenarioError, match="unknown measure type 'loft'"):
        load_scenario_yaml(_write(tmp_path, data))


def test_not_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario_yaml(bad)
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario_yaml(tmp_path / "absent.yaml")


def test_goal_kinds() -> None:
    assert Goal(kind="sap", target_sap=75).min_sap == 75
    assert Goal(kind="bill_cut", share=0.3).describe() == "cut bills by 30%"
    with pytest.raises(ValueError, match="does not take field 'share'"):
        Goal(kind="band", target_band="C", share=0.5)
