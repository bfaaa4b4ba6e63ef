"""`ara site-notes add` and `ara portfolio summary` through the real CLI against the embedded PostgreSQL."""

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from ara_assets.cli import app
from ara_assets.resources.warehouse.unit_of_work import Warehouse
from ara_assets_tests.fixtures import fixture_path

runner = CliRunner()
FIXTURE = fixture_path("register_samples", "json_samples", "RdSAP-Schema-21.0.1.json")


def _seed(warehouse: Warehouse) -> int:
    with warehouse.unit_of_work() as uow:
        pid = uow.portfolios.get_or_create("east")
        uow.properties.upsert_many(
            pid,
            pl.DataFrame(
                {"uprn": [900000000501], "landlord_reference": ["R1"], "address": ["1 Demo Street"],
                 "postcode": ["LS9 7ZZ"]}
            ),
        )  # fmt: skip
    return pid


def _invoke(warehouse: Warehouse, *args: str):
    return runner.invoke(app, list(args), env={"ARA_DATABASE_URL": warehouse.url})


def test_site_note_recorded_and_seen_by_the_sensor_query(warehouse: Warehouse, tmp_path: Path):
    _seed(warehouse)
    survey = json.loads(FIXTURE.read_text())
    survey.pop("address_line_1", None)
    path = tmp_path / "survey.json"
    path.write_text(json.dumps(survey))
    result = _invoke(warehouse, "site-notes", "add", str(path), "-p", "east", "--uprn", "900000000501",
                     "--date", "2026-10-01", "--surveyor", "A Surveyor")  # fmt: skip
    assert result.exit_code == 0, result.output
    with warehouse.unit_of_work() as uow:
        assert uow.site_notes.changes_after(0) == [("east", 1)]


def test_site_note_refused_with_field_and_value(warehouse: Warehouse, tmp_path: Path):
    _seed(warehouse)
    survey = json.loads(FIXTURE.read_text())
    survey["sap_building_parts"][0]["wall_construction"] = 999
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(survey))
    result = _invoke(warehouse, "site-notes", "add", str(path), "-p", "east", "--uprn", "900000000501",
                     "--date", "2026-10-01", "--surveyor", "A Surveyor")  # fmt: skip
    assert result.exit_code == 1
    assert "wall_construction" in result.output and "999" in result.output
    with warehouse.unit_of_work() as uow:
        assert uow.site_notes.max_id() == 0
    unknown = _invoke(warehouse, "site-notes", "add", str(path), "-p", "east", "--uprn", "1",
                      "--date", "2026-10-01", "--surveyor", "x")  # fmt: skip
    assert unknown.exit_code == 1


def test_portfolio_summary_json_without_baseline_and_unknown_portfolio(warehouse: Warehouse):
    _seed(warehouse)
    result = _invoke(warehouse, "portfolio", "summary", "east", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    expected = {"portfolio": "east", "properties": 1, "with_certificate": 0, "baseline": None, "plans": []}
    assert body == expected
    missing = _invoke(warehouse, "portfolio", "summary", "nowhere")
    assert missing.exit_code == 1 and "does not exist" in missing.output
