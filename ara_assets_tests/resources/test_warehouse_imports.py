"""`ara portfolio import`, `ara overrides import` and `ara db` through the real CLI (typer's CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ara_assets.cli import app
from ara_assets.resources.warehouse.imports import (
    ImportRejected,
    is_valid_override_path,
    parse_json_value,
    parse_property_csv,
)
from ara_assets.resources.warehouse.unit_of_work import Warehouse

runner = CliRunner()

# Synthetic homes: made-up streets, postcodes of the right shape.
GOOD_HOMES = """uprn,landlord_reference,address,postcode
100000000001,H-001,1 Example Lane,zz1 1zz
100000000002,H-002,"2 Example Lane, Flat 3",ZZ11ZZ
000000000003,,3 Example Lane, ZZ9A 9ZZ
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _ara(wh: Warehouse, *args: str):  # noqa: ANN202 - click's Result
    return runner.invoke(app, list(args), env={"ARA_DATABASE_URL": wh.url})


def _shown(value: str | None) -> str:
    return "(empty)" if value is None else f"value {value!r}"


def _count(wh: Warehouse, table: str) -> int:
    return wh.status().row_counts[table]


# ---------------------------------------------------------------------------------------- properties


def test_portfolio_import_good_file_then_idempotent_reimport(warehouse: Warehouse, tmp_path: Path) -> None:
    csv = _write(tmp_path, "homes.csv", GOOD_HOMES)
    first = _ara(warehouse, "portfolio", "import", str(csv), "--portfolio", "north")
    assert first.exit_code == 0, first.output
    assert "3 added, 0 updated, 0 unchanged" in first.stdout
    again = _ara(warehouse, "portfolio", "import", str(csv), "--portfolio", "north")
    assert again.exit_code == 0, again.output
    assert "0 added, 0 updated, 3 unchanged" in again.stdout
    with warehouse.unit_of_work() as uow:
        homes = uow.properties.for_portfolio("north")
    assert homes["uprn"].to_list() == [3, 100000000001, 100000000002]
    assert homes["postcode"].to_list() == ["ZZ9A 9ZZ", "ZZ1 1ZZ", "ZZ1 1ZZ"]
    assert homes["landlord_reference"].to_list() == [None, "H-001", "H-002"]
    assert homes["address"][2] == "2 Example Lane, Flat 3"


def test_portfolio_reimport_counts_updates(warehouse: Warehouse, tmp_path: Path) -> None:
    _ara(warehouse, "portfolio", "import", str(_write(tmp_path, "a.csv", GOOD_HOMES)), "-p", "north")
    changed = GOOD_HOMES.replace("H-001", "H-001b") + "100000000004,H-004,4 Example Lane,ZZ1 1ZZ\n"
    result = _ara(warehouse, "portfolio", "import", str(_write(tmp_path, "b.csv", changed)), "-p", "north")
    assert result.exit_code == 0, result.output
    assert "1 added, 1 updated, 2 unchanged" in result.stdout


@pytest.mark.parametrize(
    ("bad_line", "row", "field", "value"),
    [
        ("12x4,H-9,9 Example Lane,ZZ1 1ZZ", 4, "uprn", "12x4"),
        ("1234567890123,H-9,9 Example Lane,ZZ1 1ZZ", 4, "uprn", "1234567890123"),
        ("0,H-9,9 Example Lane,ZZ1 1ZZ", 4, "uprn", "0"),
        ("100000000001,H-9,9 Example Lane,ZZ1 1ZZ", 4, "uprn", "100000000001"),
        ("9,H-9,,ZZ1 1ZZ", 4, "address", None),
        ("9,H-9,9 Example Lane,NOT A CODE", 4, "postcode", "NOT A CODE"),
    ],
)
def test_portfolio_import_bad_row_rejects_whole_file(
    warehouse: Warehouse, tmp_path: Path, bad_line: str, row: int, field: str, value: str | None
) -> None:
    csv = _write(tmp_path, "homes.csv", GOOD_HOMES + bad_line + "\n")
    result = _ara(warehouse, "portfolio", "import", str(csv), "--portfolio", "north")
    assert result.exit_code == 1
    assert "nothing was written" in result.stderr
    assert f"row {row} (line {row + 1}): field '{field}' {_shown(value)}" in result.stderr
    assert _count(warehouse, "properties") == 0
    assert _count(warehouse, "portfolios") == 0


def test_portfolio_name_that_cannot_be_a_partition_key_is_refused(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    csv = _write(tmp_path, "homes.csv", GOOD_HOMES)
    result = _ara(warehouse, "portfolio", "import", str(csv), "--portfolio", "north/east")
    assert result.exit_code == 1
    assert "field '--portfolio' value 'north/east'" in result.stderr
    assert _count(warehouse, "portfolios") == 0


def test_spreadsheet_exports_with_bom_crlf_and_capitals_are_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b'\xef\xbb\xbfUPRN,Landlord_Reference,Address,Postcode\r\n7,a,"7 Lane, Flat 1",zz1 1zz\r\n'
    )
    frame = parse_property_csv(path)
    assert frame.row(0) == (7, "a", "7 Lane, Flat 1", "ZZ1 1ZZ")


def test_ragged_file_is_refused_as_unreadable(tmp_path: Path) -> None:
    path = _write(tmp_path, "ragged.csv", "uprn,address,postcode\n1,a,ZZ1 1ZZ,extra,more\n")
    with pytest.raises(ImportRejected, match="not a readable CSV"):
        parse_property_csv(path)


def test_duplicate_uprn_names_the_first_row() -> None:
    errors = _rejected("uprn,address,postcode\n5,a,ZZ1 1ZZ\n6,b,ZZ1 1ZZ\n5,c,ZZ1 1ZZ\n")
    assert [str(e) for e in errors] == [
        "row 3 (line 4): field 'uprn' value '5': duplicate UPRN: already on row 1"
    ]


def test_missing_and_unknown_columns_are_named() -> None:
    errors = _rejected("uprn,adress,postcode\n5,a,ZZ1 1ZZ\n")
    assert {(e.row, e.field) for e in errors} == {(None, "address"), (None, "adress")}


def test_empty_file_is_refused() -> None:
    errors = _rejected("")
    assert errors[0].reason == "the file is empty"


def test_every_bad_row_is_listed_in_row_order() -> None:
    errors = _rejected("uprn,address,postcode\nx,a,ZZ1 1ZZ\n6,,ZZ1 1ZZ\n7,c,??\n")
    assert [(e.row, e.field) for e in errors] == [(1, "uprn"), (2, "address"), (3, "postcode")]


def _rejected(text: str) -> list:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        path.write_text(text)
        with pytest.raises(ImportRejected) as caught:
            parse_property_csv(path)
    return caught.value.errors


# ----------------------------------------------------------------------------------------- overrides


def _seed_portfolio(wh: Warehouse, tmp_path: Path) -> None:
    result = _ara(wh, "portfolio", "import", str(_write(tmp_path, "homes.csv", GOOD_HOMES)), "-p", "north")
    assert result.exit_code == 0, result.output


def test_overrides_import_parses_values_and_actions(warehouse: Warehouse, tmp_path: Path) -> None:
    _seed_portfolio(warehouse, tmp_path)
    csv = _write(
        tmp_path,
        "ov.csv",
        "uprn,field,value,author,action,reason\n"
        "100000000001,total_floor_area,82.5,officer a,,measured on visit\n"
        "100000000001,has_hot_water_cylinder,true,officer a,set,\n"
        "100000000001,walls[0].description,Cavity wall (filled),officer a,,\n"
        "100000000002,total_floor_area,60,officer b,,\n"
        "100000000002,total_floor_area,,officer b,retract,wrong home\n",
    )
    result = _ara(warehouse, "overrides", "import", str(csv), "--portfolio", "north")
    assert result.exit_code == 0, result.output
    assert "5 overrides recorded" in result.stdout
    with warehouse.unit_of_work() as uow:
        homes = uow.properties.for_portfolio("north")
        eff = uow.overrides.effective_for_properties(homes["property_id"].to_list())
    got = {r["field_path"]: json.loads(r["value"]) for r in eff.iter_rows(named=True)}
    assert got == {
        "total_floor_area": 82.5,
        "has_hot_water_cylinder": True,
        "walls[0].description": "Cavity wall (filled)",
    }
    assert eff.filter(eff["field_path"] == "total_floor_area")["reason"].item() == "measured on visit"


@pytest.mark.parametrize(
    ("bad_line", "field", "value", "reason"),
    [
        ("100000000009,total_floor_area,1,a,,", "uprn", "100000000009", "no property with this UPRN"),
        ("abc,total_floor_area,1,a,,", "uprn", "abc", "not a positive whole number"),
        ("100000000001,walls[x],1,a,,", "field", "walls[x]", "not a field of the register's certificate"),
        ("100000000001,floor_area,1,a,,", "field", "floor_area", "not a field of the register's certificate"),
        ("100000000001,total_floor_area,,a,,", "value", None, "required value is missing"),
        ("100000000001,total_floor_area,3,a,retract,", "value", "3", "must be empty"),
        ("100000000001,total_floor_area,3,a,erase,", "action", "erase", "must be 'set' or 'retract'"),
        ("100000000001,total_floor_area,3,,,", "author", None, "required value is missing"),
    ],
)
def test_overrides_import_bad_row_rejects_whole_file(
    warehouse: Warehouse, tmp_path: Path, bad_line: str, field: str, value: str | None, reason: str
) -> None:
    _seed_portfolio(warehouse, tmp_path)
    good = "100000000002,total_floor_area,60,officer b,,\n"
    csv = _write(tmp_path, "ov.csv", "uprn,field,value,author,action,reason\n" + good + bad_line + "\n")
    result = _ara(warehouse, "overrides", "import", str(csv), "--portfolio", "north")
    assert result.exit_code == 1
    assert f"row 2 (line 3): field '{field}' {_shown(value)}: {reason}" in result.stderr
    assert _count(warehouse, "landlord_overrides") == 0


def test_overrides_import_reports_missing_homes_with_other_problems(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    _seed_portfolio(warehouse, tmp_path)
    csv = _write(
        tmp_path,
        "ov.csv",
        "uprn,field,value,author\n"
        "100000000009,total_floor_area,80,a\n"
        "100000000001,total_floor_areas,80,a\n"
        "100000000001,total_floor_area,80,\n",
    )
    result = _ara(warehouse, "overrides", "import", str(csv), "--portfolio", "north")
    assert result.exit_code == 1
    assert "(3 problems)" in result.stderr
    lines = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert [line.split(":")[0] for line in lines] == ["row 1 (line 2)", "row 2 (line 3)", "row 3 (line 4)"]
    assert "field 'author' (empty): required value is missing" in lines[2]


def test_overrides_import_unknown_portfolio(warehouse: Warehouse, tmp_path: Path) -> None:
    csv = _write(tmp_path, "ov.csv", "uprn,field,value,author\n1,total_floor_area,1,a\n")
    result = _ara(warehouse, "overrides", "import", str(csv), "--portfolio", "nowhere")
    assert result.exit_code == 1
    assert "field '--portfolio' value 'nowhere': no such portfolio" in result.stderr


def test_override_paths_must_exist_in_the_register_document() -> None:
    assert is_valid_override_path("total_floor_area")
    assert is_valid_override_path("sap_building_parts[0].wall_construction")
    assert not is_valid_override_path("walls[0].wall_construction")  # walls[] holds descriptions only
    assert not is_valid_override_path("walls[x]")
    assert not is_valid_override_path("total floor area")


@pytest.mark.parametrize(
    ("cell", "parsed"),
    [
        ("12", 12),
        ("1.5", 1.5),
        ("true", True),
        ("null", None),
        ('"12"', "12"),
        ("Cavity", "Cavity"),
        ("NaN", "NaN"),
        ('{"a": 1}', {"a": 1}),
    ],
)
def test_values_are_json_when_they_parse(cell: str, parsed: object) -> None:
    assert parse_json_value(cell) == parsed


# --------------------------------------------------------------------------------------------- ara db


def test_db_migrate_and_status(fresh_database_url: str) -> None:
    env = {"ARA_DATABASE_URL": fresh_database_url}
    before = runner.invoke(app, ["db", "status"], env=env)
    assert before.exit_code == 0, before.output
    assert "migrations pending: 0001_init.sql, 0002_portfolio_name_shape.sql" in before.stdout
    first = runner.invoke(app, ["db", "migrate"], env=env)
    assert first.exit_code == 0, first.output
    assert "applied 0001_init.sql" in first.stdout
    assert "applied 0002_portfolio_name_shape.sql" in first.stdout
    second = runner.invoke(app, ["db", "migrate"], env=env)
    assert "up to date" in second.stdout
    after = runner.invoke(app, ["db", "status"], env=env)
    assert "migrations applied: 0001_init.sql, 0002_portfolio_name_shape.sql" in after.stdout
    assert "landlord_overrides" in after.stdout and "(missing)" not in after.stdout


def test_unreachable_database_is_named_without_its_password(tmp_path: Path) -> None:
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    env = {"ARA_DATABASE_URL": "postgresql://ara:s3cret@127.0.0.1:1/ara?connect_timeout=2"}
    for args in (
        ["db", "status"],
        ["portfolio", "import", str(_write(tmp_path, "h.csv", GOOD_HOMES)), "-p", "x"],
    ):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 2
        assert "cannot reach the database postgresql+psycopg://ara:***@127.0.0.1:1/ara" in result.stderr
        assert "s3cret" not in result.output
