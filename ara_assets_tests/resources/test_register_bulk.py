"""Integration: the bulk file and deltas from the register emulator, over loopback HTTP with the real httpx
client, into the embedded PostgreSQL; then `epc_cache` asks the per-UPRN API only for what the file lacks.

Synthetic data only: a generated portfolio and a national file of generated documents.
"""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import httpx
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from ara_assets.cli import app as cli_app
from ara_assets.defs.epc import epc_cache
from ara_assets.defs.register_bulk import register_bulk
from ara_assets.demo.generate import generate_portfolio, write_portfolio
from ara_assets.demo.national import sample_deltas, write_national_file
from ara_assets.emulator.bulk import BulkFiles
from ara_assets.emulator.server import start_emulator
from ara_assets.resources.register.bulk import RegisterBulkClient, bulk_sync
from ara_assets.resources.register.client import RegisterAuthError, RegisterClient
from ara_assets_tests.defs.conftest import PipelineEnv, import_properties

pytestmark = pytest.mark.integration

TOKEN = "test-token"
AS_OF = date(2026, 10, 1)
FILE_DATE = datetime(2026, 10, 1, 0, 31, 19, tzinfo=UTC)
HOMES = 60
NATIONAL = 3000


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("national")
    portfolio = generate_portfolio(HOMES, 11)
    write_portfolio(portfolio, out)
    result = write_national_file(portfolio, out / "national.zip", total_certificates=NATIONAL, as_of=AS_OF)
    (out / "national.json").write_text(json.dumps(result.manifest()))
    events = sample_deltas(portfolio, after=AS_OF, removed=2, moved=2, seed=3)
    (out / "deltas.json").write_text(json.dumps(events))
    return out


def _emulator(national: Path, *, deltas: bool = True):  # noqa: ANN202
    bulk = BulkFiles(
        zip_path=national / "national.zip",
        last_updated=FILE_DATE,
        deltas_path=national / "deltas.json" if deltas else None,
    )
    return start_emulator(national / "certificates", token=TOKEN, bulk=bulk)


def _client(url: str) -> RegisterClient:
    return RegisterClient(base_url=url, token=TOKEN, requests_per_second=0, backoff_base_s=0.01)


def _rows(warehouse, sql: str, **params) -> list:  # noqa: ANN001
    with warehouse.unit_of_work() as uow:
        return list(uow.connection.execute(sa.text(sql), params))


def test_emulator_bulk_endpoints(national: Path):
    with _emulator(national) as emulator:
        bulk = RegisterBulkClient(_client(emulator.url))
        info = bulk.file_info()
        assert info.file_size == (national / "national.zip").stat().st_size
        assert info.month == "2026-10"
        with httpx.Client() as http:
            # The file endpoint is a 302 to a pre-signed URL; that URL needs no token, and a forged one fails.
            redirect = http.get(
                f"{emulator.url}/api/files/domestic/json", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert redirect.status_code == 302
            location = redirect.headers["location"]
            assert http.get(location).status_code == 200
            assert http.get(location.split("?")[0] + "?X-Amz-Signature=forged").status_code == 403
            assert http.get(f"{emulator.url}/api/files/domestic/json").status_code == 403
            today = datetime.now(UTC).date().isoformat()
            deltas = http.get(
                f"{emulator.url}/api/deltas",
                params={"date_start": "2026-10-01", "date_end": today},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
            assert deltas.status_code == 400 and "today" in deltas.json()["error"]
        events = bulk.deltas(date(2026, 10, 1), date(2026, 11, 30))
        assert len(events) == 4
        assert bulk.deltas(date(2020, 1, 1), date(2020, 1, 2)) == []  # 404 "No audit logs"
        downloaded = bulk.download(Path(national / "dl" / "f.zip"), expected_size=info.file_size)
        assert downloaded.read_bytes() == (national / "national.zip").read_bytes()
    with _emulator(national) as emulator, pytest.raises(RegisterAuthError):
        RegisterBulkClient(RegisterClient(base_url=emulator.url, token="wrong")).file_info()


def _documents_in(path: Path) -> dict[str, dict]:
    with zipfile.ZipFile(path) as archive:
        return {
            d["certificate_number"]: d
            for name in archive.namelist()
            for line in archive.read(name).splitlines()
            if line.strip()
            for d in [json.loads(line)]
        }


def test_bulk_sync_then_deltas_then_api_for_the_rest(warehouse, national: Path, tmp_path: Path, monkeypatch):
    manifest = json.loads((national / "national.json").read_text())
    events = json.loads((national / "deltas.json").read_text())
    import_properties(warehouse, national, "north")
    with _emulator(national) as emulator:
        client = _client(emulator.url)
        report = bulk_sync(warehouse, client, today=date(2026, 10, 1))  # no deltas yet: range is empty
        assert report.file_loaded and report.events == 0
        assert report.documents_scanned == NATIONAL
        # Kept: the portfolio's certificates in the file plus every neighbour (a portfolio postcode).
        assert (
            report.certificates_kept
            == manifest["portfolio_certificates"] + manifest["neighbour_certificates"]
        )
        sources = _rows(warehouse, "SELECT source, source_ref, count(*) FROM certificates GROUP BY 1, 2")
        assert sources == [("bulk_file", "2026-10", report.certificates_kept)]
        # Stored from the file's own text (COPY, no second encoding): each row is the document in the file.
        in_file = _documents_in(national / "national.zip")
        stored = dict(_rows(warehouse, "SELECT certificate_number, raw FROM certificates"))
        assert len(stored) == report.certificates_kept
        assert all(stored[n] == in_file[n] for n in stored)
        neighbours = _rows(
            warehouse, "SELECT count(*) FROM certificates WHERE uprn >= 700000000000 AND uprn < 800000000000"
        )
        assert neighbours[0][0] == manifest["neighbour_certificates"] > 0
        covered = report.uprns_covered
        fetches = _rows(warehouse, "SELECT status, count(*) FROM certificate_fetches GROUP BY 1")
        assert fetches == [("found", covered)]
        assert 0 < covered < HOMES  # some homes have no certificate in the file (none, or lodged since)

        # Same file again: not downloaded; the deltas since the file's date are applied.
        emulator.reset_stats()
        again = bulk_sync(warehouse, client, today=date(2026, 12, 1))
        assert not again.file_loaded
        assert again.deltas_range == ("2026-10-01", "2026-11-30")
        assert again.events == 4 and again.removed == 2 and again.uprn_updated == 2
        removed = [e["certificateNumber"] for e in events if e["eventType"] == "removed"]
        assert (
            _rows(
                warehouse, "SELECT count(*) FROM certificates WHERE certificate_number = ANY(:n)", n=removed
            )[0][0]
            == 0
        )
        for event in (e for e in events if e["eventType"] == "uprn_updated"):
            row = _rows(
                warehouse,
                "SELECT uprn, source, source_ref FROM certificates WHERE certificate_number = :n",
                n=event["certificateNumber"],
            )
            assert row == [(event["newUprn"], "delta", event["timestamp"][:10])]
        assert emulator.stats()["certificate_requests"] == 2  # only the moved ones were refetched
        # A third sync has nothing new: no file, no delta range left.
        third = bulk_sync(warehouse, client, today=date(2026, 12, 1))
        assert not third.file_loaded and third.deltas_range is None

        unfetched = _rows(
            warehouse,
            "SELECT count(*) FROM properties p LEFT JOIN certificate_fetches f "
            "USING (uprn) WHERE f.uprn IS NULL",
        )[0][0]
        assert unfetched >= HOMES - covered
        # epc_cache now asks the per-UPRN API only for the homes the file lacks (and those deltas touched).
        emulator.reset_stats()
        monkeypatch.setenv("EPC_REGISTER_TOKEN", TOKEN)
        env = PipelineEnv(
            warehouse, national, emulator.url, tmp_path / "assets", dg.DagsterInstance.ephemeral()
        )
        env.instance.add_dynamic_partitions("portfolios", ["north"])
        result = dg.materialize(
            [epc_cache], partition_key="north", instance=env.instance, resources=env.resources()
        )
        assert result.success
        meta = result.get_asset_materialization_events()[0].event_specific_data.materialization.metadata
        fetched = meta["fetched_this_run"].value
        assert fetched == unfetched < HOMES
        assert emulator.stats()["search_requests"] == fetched
        # The moved certificates' new UPRNs were fetched again: the API's copy replaced the delta provenance.
        assert _rows(warehouse, "SELECT count(*) FROM certificates WHERE source = 'delta'")[0][0] == 0
        # A certificate the API served replaces the bulk copy's provenance.
        api = _rows(warehouse, "SELECT count(*) FROM certificates WHERE source = 'api'")[0][0]
        assert api >= len(manifest["withheld_certificates"]) > 0


def test_register_bulk_asset_and_cli(warehouse, national: Path, monkeypatch, tmp_path: Path):
    import_properties(warehouse, national, "north")
    monkeypatch.setenv("EPC_REGISTER_TOKEN", TOKEN)
    with _emulator(national, deltas=False) as emulator:
        env = PipelineEnv(
            warehouse, national, emulator.url, tmp_path / "assets", dg.DagsterInstance.ephemeral()
        )
        result = dg.materialize([register_bulk], instance=env.instance, resources=env.resources())
        assert result.success
        meta = result.get_asset_materialization_events()[0].event_specific_data.materialization.metadata
        assert meta["file_loaded"].value is True
        assert meta["documents_scanned"].value == NATIONAL
        kept = meta["certificates_kept"].value
        monkeypatch.setenv("ARA_DATABASE_URL", warehouse.url)
        out = CliRunner().invoke(
            cli_app,
            [
                "register",
                "bulk-sync",
                "--base-url",
                emulator.url,
                "--rps",
                "0",
                "--json",
                "--force",
                "--no-neighbours",
            ],
        )
        assert out.exit_code == 0, out.output
        report = json.loads(out.stdout)
        assert report["file_loaded"] is True
        assert report["certificates_kept"] < kept  # no neighbours this time
    stored = _rows(warehouse, "SELECT count(*) FROM certificates")[0][0]
    assert stored == kept  # the forced reload replaced rows, it did not duplicate them
    # The asset's sync applied the (empty) deltas up to yesterday; the CLI's sync had none left to ask for.
    kinds = _rows(warehouse, "SELECT kind FROM register_syncs ORDER BY id")
    assert [k for (k,) in kinds] == ["bulk_file", "deltas", "bulk_file"]
