"""One command scores any certificate: full-SAP documents (SAP XML, and register JSON of the SAP schemas)
go through the SAP XML reader; RdSAP ones through the expansion; results come back in input order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
from typer.testing import CliRunner

from ara_assets.sap10 import calculate, score_certificates
from ara_assets.sap10.readers.rdsap_xml import parse_rdsap_xml
from ara_assets.sap10.readers.sap_xml import read_sap_xml

FIXTURES = Path(__file__).parents[1] / "fixtures"
SAP_XML = FIXTURES / "sap" / "full_sap_pv_dwelling.xml"
SEMI = Path(__file__).parent / "rdsap" / "fixtures" / "synthetic_semi_gas_combi.json"


def _register_json(text: str) -> dict[str, Any]:
    """The register's JSON shape of a full-SAP lodgement: SAP-Property-Details flattened to the top."""
    doc = parse_rdsap_xml(text)  # keeps SAP10-Data (with SAP-Property-Details merged into it) nested
    data = doc.pop("sap10_data")
    return {**doc, **data}


def test_sap_xml_and_register_json_score_like_the_reader() -> None:
    text = SAP_XML.read_text()
    expected = calculate(pl.DataFrame([read_sap_xml(text, "x")]))["sap_rating"][0]
    semi = json.loads(SEMI.read_text())
    out = score_certificates([parse_rdsap_xml(text), semi, _register_json(text)], normalise_docs=False)
    assert out["error"].to_list() == [None, None, None]
    assert out["sap_rating"][0] == expected and out["sap_rating"][2] == expected
    assert out["schema_type"][0].startswith("SAP-Schema-")
    assert out["schema_type"][1].startswith("RdSAP-Schema-")  # order kept
    assert out["approximations"][0].to_list() == []


def test_full_sap_refusal_names_the_field() -> None:
    doc = _register_json(SAP_XML.read_text())
    doc["sap_energy_source"]["electricity_tariff"] = 9
    out = score_certificates([doc], normalise_docs=False)
    assert out["error"][0] is not None and "electricity_tariff" in out["error"][0].lower().replace("-", "_")


def test_cli_scores_a_full_sap_xml_file() -> None:
    from ara_assets.cli import app

    result = CliRunner().invoke(app, ["sap", "score", str(SAP_XML)])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.strip())
    assert row["error"] is None and row["sap_rating"] > 0
