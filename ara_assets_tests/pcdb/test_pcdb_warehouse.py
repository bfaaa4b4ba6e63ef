"""The PCDB import in PostgreSQL (migrations/0011) and through `ara pcdb import`: versioned, append-only,
idempotent, and used by `ara sap score` with no flag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from ara_assets.pcdb import install, parse_pcdf
from ara_assets.resources.warehouse.repositories.pcdb import PcdbImportError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pcdb" / "pcdf_rev386_excerpt.dat"
SEMI = Path(__file__).parents[1] / "sap10" / "rdsap" / "fixtures" / "synthetic_semi_gas_combi.json"

pytestmark = pytest.mark.integration


def test_import_is_versioned_idempotent_and_append_only(warehouse) -> None:
    parsed = parse_pcdf(FIXTURE.read_text(encoding="latin-1"))
    with warehouse.unit_of_work() as uow:
        first = uow.pcdb.import_file(parsed, source="file:excerpt.dat")
    assert first.created and "10 boilers, 3 postcode districts" in first.message
    with warehouse.unit_of_work() as uow:
        again = uow.pcdb.import_file(parsed, source="file:excerpt.dat")
    assert not again.created
    changed = parse_pcdf(FIXTURE.read_text(encoding="latin-1").replace("90.0,79.3", "91.0,79.3"))
    with pytest.raises(PcdbImportError, match="different file"), warehouse.unit_of_work() as uow:
        uow.pcdb.import_file(changed, source="file:other.dat")
    with warehouse.unit_of_work() as uow:
        repo = uow.pcdb
        assert repo.current_revision() == 386
        products = repo.load()
        assert products is not None and products.boiler("017498").winter_efficiency_pct == 90.0
        # the combi-loss fields (migration 0015) read back: Table 3b inputs of a tested combi
        assert products.boiler("015068").combi_loss_inputs() == {
            "combi_dhw_tests": 1,
            "combi_loss_r1": 0.0015,
            "combi_loss_f1_kwh_per_day": 1.44242,
        }
        assert products.wwhrs_record(80003).efficiency_pct == 61.2  # Table 353 read back
        assert products.climate_arrays()[0].shape == (3, 12)  # Table 172 months read back
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            uow.connection.execute(sa.text("DELETE FROM pcdb_boilers"))


def test_cli_import_then_score_uses_the_product(tmp_path: Path, monkeypatch, fresh_database_url: str) -> None:
    from ara_assets.cli import app

    monkeypatch.setenv("ARA_HOME", str(tmp_path))
    monkeypatch.setenv("ARA_DATABASE_URL", fresh_database_url)
    doc = json.loads(SEMI.read_text())
    m = doc["data"]["sap_heating"]["main_heating_details"][0]
    m.update(main_heating_data_source=1, main_heating_index_number="017498")
    m.pop("sap_main_heating_code")
    cert = tmp_path / "cert.json"
    cert.write_text(json.dumps(doc))
    runner = CliRunner()
    try:
        before = json.loads(runner.invoke(app, ["sap", "score", str(cert)]).stdout.strip())
        result = runner.invoke(app, ["pcdb", "import", str(FIXTURE)])
        assert result.exit_code == 0, result.output
        assert "format 464" in result.stdout
        after = json.loads(runner.invoke(app, ["sap", "score", str(cert)]).stdout.strip())
    finally:
        install(None)
    assert before["pcdb_fallback"] is True and before["pcdb_revision"] is None
    assert after["pcdb_fallback"] is False and after["pcdb_revision"] == 386
    assert after["sap_rating"] > before["sap_rating"]
