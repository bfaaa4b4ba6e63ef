"""Fault injection: bad files and values are refused whole, naming row, field and value, and nothing
stored changes. Through the real `ara` CLI against the embedded PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ara_assets.cli import app
from ara_assets.resources.warehouse.unit_of_work import Warehouse

pytestmark = pytest.mark.integration
runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
HOMES = "uprn,landlord_reference,address,postcode\n100000000001,H-1,1 Example Lane,ZZ1 1ZZ\n"
PART = "sap_building_parts[0]"
DIM = f"{PART}.sap_floor_dimensions[0]"


def _ara(wh: Warehouse, *args: str):  # noqa: ANN202 - click's Result
    return runner.invoke(app, list(args), env={"ARA_DATABASE_URL": wh.url})


def _counts(wh: Warehouse) -> dict[str, int]:
    with wh.unit_of_work() as uow:
        return {
            t: int(uow.connection.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one())
            for t in ("properties", "landlord_overrides", "scenarios", "certificates")
        }


@pytest.fixture
def seeded(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    homes = tmp_path / "homes.csv"
    homes.write_text(HOMES, encoding="utf-8")
    assert _ara(warehouse, "portfolio", "import", str(homes), "-p", "north").exit_code == 0
    return warehouse


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (
            f"{PART}.roof_insulation_thickness",
            "-5mm",
            "not a valid value for this field: -5mm is not a known roof_insulation_thickness code",
        ),
        (f"{PART}.wall_u_value", "abc", "not a valid value for this field"),
        (f"{PART}.wall_u_value", "-1", "outside the physical range 0.05..10 W/m2K"),
        (f"{DIM}.room_height", "NaN", "NaN and infinities are not values"),
        (f"{DIM}.total_floor_area", "0.0001", "outside the physical range 0.5..10000 m2"),
        ("total_floor_area", "-50", "outside the physical range 5..10000 m2"),
        ("total_floor_area", "NaN", "NaN and infinities are not values"),
        ("total_floor_area", "Infinity", "NaN and infinities are not values"),
        ("sap_building_parts", "[]", "an empty list or object is not a value"),
    ],
)
def test_bad_override_values_are_refused_at_import(
    seeded: Warehouse, tmp_path: Path, field: str, value: str, expected: str
) -> None:
    before = _counts(seeded)
    csv = tmp_path / "ov.csv"
    csv.write_text(
        f'uprn,field,value,author\n100000000001,total_floor_area,80,a\n100000000001,{field},"{value}",a\n'
    )
    result = _ara(seeded, "overrides", "import", str(csv), "-p", "north")
    assert result.exit_code == 1
    assert f"row 2 (line 3): field 'value' value '{value}': for {field}: {expected}" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert _counts(seeded) == before


def test_a_list_index_past_the_homes_certificate_is_refused(seeded: Warehouse, tmp_path: Path) -> None:
    from ara_assets.demo.generate import generate_portfolio

    doc = {**generate_portfolio(2, 5).document(0)["data"], "uprn": 100000000001}
    with seeded.unit_of_work() as uow:
        uow.certificates.upsert_many([doc], fetched_at=dt.datetime.now(dt.UTC))
    before = _counts(seeded)
    csv = tmp_path / "ov.csv"
    csv.write_text("uprn,field,value,author\n100000000001,sap_building_parts[7].wall_u_value,0.3,a\n")
    result = _ara(seeded, "overrides", "import", str(csv), "-p", "north")
    assert result.exit_code == 1
    assert (
        "row 1 (line 2): field 'value' value '0.3': for sap_building_parts[7].wall_u_value: the home's "
        in (result.stderr)
    )
    assert "no item [7]" in result.stderr
    assert _counts(seeded) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            HOMES.encode() + b"100000000002,H-2,2 Caf\xe9 Row,ZZ1 1ZZ\n",
            "row 2 (line 3): field '(file)' value '0xe9'",
        ),
        (
            HOMES.encode() + b"100000000002,H-2,2 A\x00B Row,ZZ1 1ZZ\n",
            "row 2 (line 3): field 'address' value '2 A<NUL>B Row'",
        ),
        (HOMES.encode() + b"100000000002,H-2,2 Lane,ZZ1 1ZZ,extra\n", "row 2 (line 3): field '(row)'"),
    ],
    ids=["latin-1", "nul-byte", "ragged-row"],
)
def test_unreadable_property_files_name_the_row(
    warehouse: Warehouse, tmp_path: Path, content: bytes, expected: str
) -> None:
    before = _counts(warehouse)
    csv = tmp_path / "homes.csv"
    csv.write_bytes(content)
    result = _ara(warehouse, "portfolio", "import", str(csv), "-p", "north")
    assert result.exit_code == 1
    assert expected in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert _counts(warehouse) == before


@pytest.mark.parametrize("budget", ["1e13", ".inf"])
def test_scenario_budgets_must_be_finite_and_plausible(
    warehouse: Warehouse, tmp_path: Path, budget: str
) -> None:
    before = _counts(warehouse)
    text = (EXAMPLES / "fabric_first_then_heat.yaml").read_text(encoding="utf-8")
    lines = [
        f"budget_per_home_gbp: {budget}" if ln.startswith("budget_per_home_gbp:") else ln
        for ln in text.splitlines()
    ]
    path = tmp_path / "scenario.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _ara(warehouse, "scenario", "create", str(path))
    assert result.exit_code == 1
    assert "field 'budget_per_home_gbp' value" in result.stderr
    assert "Traceback" not in result.output + result.stderr and "INSERT" not in result.stderr
    assert _counts(warehouse) == before
