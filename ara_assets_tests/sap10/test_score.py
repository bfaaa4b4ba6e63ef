"""score_certificates and the `ara sap score` / `ara sap worksheet` commands, per-certificate errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.score import SCORE_SCHEMA, score_certificates

FIXTURE = Path(__file__).parent / "rdsap/fixtures/synthetic_semi_gas_combi.json"


@pytest.fixture
def semi() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def _numbered(doc: dict[str, Any], n: int) -> dict[str, Any]:
    d = copy.deepcopy(doc)
    d["data"]["certificate_number"] = f"9999-0000-0000-0000-{n:04d}"
    return d


def test_score_one_certificate(semi: dict[str, Any]) -> None:
    out = score_certificates([semi])
    assert out.schema == SCORE_SCHEMA
    row = out.row(0, named=True)
    assert row["error"] is None
    assert row["certificate_number"] == "9999-0000-0000-0000-0001"
    assert 1 <= row["sap_rating"] <= 100
    assert abs(row["sap_rating_int"] - row["sap_rating"]) <= 0.5 + 1e-9
    assert row["band"] in "ABCDEFG"
    assert row["main_heating_fuel"] == 1 and row["water_heating_fuel_code"] == 1
    assert row["main_space_heating_fuel_kwh"] > row["space_heating_kwh"] > 0  # boiler efficiency < 1
    assert row["lighting_electricity_kwh"] > 0
    assert row["pcdb_fallback"] is False
    assert row["lodged_sap_rating"] == 67.0 and row["age_band"] == "D"


def test_one_bad_certificate_does_not_stop_the_batch(semi: dict[str, Any]) -> None:
    bad_expand = _numbered(semi, 2)
    bad_expand["data"]["sap_building_parts"][0]["wall_construction"] = 6  # basement wall: refused
    bad_calc = _numbered(semi, 3)
    bad_calc["data"]["sap_heating"]["main_heating_details"][0]["main_heating_control"] = (
        9999  # not in Table 4e
    )
    good = _numbered(semi, 4)
    out = score_certificates([semi, bad_expand, bad_calc, good])
    assert out.get_column("certificate_number").to_list() == [
        "9999-0000-0000-0000-0001",
        "9999-0000-0000-0000-0002",
        "9999-0000-0000-0000-0003",
        "9999-0000-0000-0000-0004",
    ]
    errors = out.get_column("error").to_list()
    assert errors[0] is None and errors[3] is None
    assert "wall_construction" in errors[1] and "0002" in errors[1]
    assert "main_heating_control" in errors[2] and "9999" in errors[2]
    assert out.get_column("sap_rating")[1] is None
    # the same certificate scores the same alone and in a batch
    assert out.get_column("sap_rating")[0] == pytest.approx(out.get_column("sap_rating")[3])


def test_cli_score_prints_one_json_line_per_certificate(tmp_path: Path, semi: dict[str, Any]) -> None:
    from ara_assets.cli import app

    nd = tmp_path / "certs.ndjson"
    bad = _numbered(semi, 2)
    bad["data"]["sap_building_parts"][0]["construction_age_band"] = "Q"
    nd.write_text(json.dumps(semi) + "\n" + json.dumps(bad) + "\n")
    result = CliRunner().invoke(app, ["sap", "score", str(nd)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.output.splitlines()]
    assert len(lines) == 2
    assert lines[0]["error"] is None and isinstance(lines[0]["sap_rating"], float)
    assert "construction_age_band" in lines[1]["error"] and lines[1]["sap_rating"] is None


def test_cli_worksheet_prints_numbered_lines(semi: dict[str, Any]) -> None:
    from ara_assets.cli import app

    result = CliRunner().invoke(app, ["sap", "worksheet", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split()[1:] for line in result.output.splitlines()}
    assert float(rows["(4)"][0]) == 82.0
    assert len(rows["(22)m"]) == 12
    assert "(258)" in rows


def test_refused_homes_are_named_and_the_rest_scored_as_alone(semi: dict[str, Any]) -> None:
    """Four refused homes in a batch of six: each gets its error, the other two score exactly as they
    do on their own (the worksheet's collect mode, one pass)."""
    bad = [_numbered(semi, n) for n in range(2, 6)]
    for d in bad:
        d["data"]["sap_heating"]["main_heating_details"][0]["main_heating_control"] = 9999
    docs = [semi, *bad, _numbered(semi, 9)]
    got = score_certificates(docs)
    assert got.get_column("error").is_null().to_list() == [True, False, False, False, False, True]
    assert all("main_heating_control" in e for e in got.get_column("error").drop_nulls().to_list())
    alone = score_certificates([semi, _numbered(semi, 9)])
    assert got.filter(pl.col("error").is_null()).select("sap_rating", "co2_kg_per_year").equals(
        alone.select("sap_rating", "co2_kg_per_year")
    )


def test_chunked_batches_give_the_same_results(semi: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch larger than ``CHUNK_ROWS`` is scored chunk by chunk: same rows, same order, same figures,
    in both error modes (a refused home in a later chunk is still named)."""
    import importlib

    from ara_assets.sap10.rdsap import expand_collect

    calc_module = importlib.import_module("ara_assets.sap10.calculate")
    docs = [_numbered(semi, n) for n in range(1, 12)]
    docs[8]["data"]["sap_heating"]["main_heating_details"][0]["main_heating_control"] = 9999
    inputs, _ = expand_collect(docs)
    whole = calc_module.calculate(inputs, errors="collect")
    monkeypatch.setattr(calc_module, "CHUNK_ROWS", 3)
    chunked = calc_module.calculate(inputs, errors="collect")
    assert chunked.equals(whole)
    assert chunked.get_column("error").is_null().to_list() == [True] * 8 + [False] + [True] * 2
    with pytest.raises(UnsupportedInput, match="main_heating_control"):
        calc_module.calculate(inputs)
