"""The real register client against the local register emulator, over loopback HTTP.

The certificate documents are synthetic: made-up numbers, UPRNs, postcodes and street names.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ara_assets.commands.register import app as register_app
from ara_assets.emulator.server import load_index, start_emulator
from ara_assets.resources.register.client import (
    CertificateNotFoundError,
    EpcRegisterClient,
    RegisterAuthError,
    RegisterClient,
)

pytestmark = pytest.mark.integration

TOKEN = "test-token"
ENV_VAR = "ARA_TEST_REGISTER_TOKEN"
POSTCODE = "ZZ9 9ZZ"
# UPRN -> registration dates of its certificates (none for the last two).
HOMES: dict[int, list[str]] = {
    900000000001: ["2021-03-01"],
    900000000002: ["2012-05-05", "2019-07-07", "2024-02-02"],
    900000000003: ["2015-01-01", "2016-01-01", "2017-01-01", "2018-01-01", "2023-06-30"],
    900000000004: ["2010-10-10", "2020-10-10"],
    900000000005: ["2022-12-12"],
    900000000006: [],
    900000000007: [],
}
ALL_UPRNS = list(HOMES)


def _number(uprn: int, k: int) -> str:
    return f"9{uprn % 1000:03d}-0000-0000-0000-{k:04d}"


def _write_homes(folder: Path) -> dict[str, dict]:
    documents: dict[str, dict] = {}
    for uprn, dates in HOMES.items():
        for k, date in enumerate(dates):
            doc = {
                "certificate_number": _number(uprn, k),
                "uprn": uprn,
                "postcode": POSTCODE if uprn % 2 else "ZZ1 1ZZ",
                "registration_date": date,
                "schema_type": "RdSAP-Schema-21.0.1",
                "address_line_1": f"{uprn % 100} Imaginary Row",
                "post_town": "Nowhere",
            }
            documents[doc["certificate_number"]] = doc
            sub = folder / f"batch{k % 2}"  # nested folders are searched too
            sub.mkdir(parents=True, exist_ok=True)
            # Half bare, half in the API's {"data": ...} envelope.
            body = {"data": doc} if k % 2 else doc
            (sub / f"{doc['certificate_number']}.json").write_text(json.dumps(body))
    return documents


@pytest.fixture(scope="module")
def register_data(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    folder = tmp_path_factory.mktemp("register")
    return folder, _write_homes(folder)


@pytest.fixture(scope="module")
def register_emulator(register_data):
    with start_emulator(register_data[0], token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def register_token(monkeypatch):
    monkeypatch.setenv(ENV_VAR, TOKEN)


def _client(url: str, **kw) -> RegisterClient:
    options = {
        "token_env_var": ENV_VAR,
        "requests_per_second": 0,
        "backoff_base_s": 0.002,
        "backoff_max_s": 0.02,
        "timeout_s": 5.0,
        "seed": 11,
        **kw,
    }
    return RegisterClient(base_url=url, **options)


def _expected_numbers(uprn: int) -> list[str]:
    """Newest registration first, as the register orders them."""
    dates = HOMES[uprn]
    order = sorted(range(len(dates)), key=lambda k: dates[k], reverse=True)
    return [_number(uprn, k) for k in order]


# ---- search and certificate -------------------------------------------------------------------------


def test_register_search_by_uprn_walks_every_page(register_emulator, register_token):
    register_emulator.reset_stats()
    hits = _client(register_emulator.url, page_size=2).search_by_uprn(900000000003)
    assert [h.certificate_number for h in hits] == _expected_numbers(900000000003)
    assert {h.uprn for h in hits} == {900000000003}
    assert hits[0].registration_date == "2023-06-30"
    assert hits[0].address_line_1 == "3 Imaginary Row"
    assert hits[0].schema_type == "RdSAP-Schema-21.0.1"
    assert register_emulator.stats()["search_requests"] == 3  # 5 hits at 2 a page


def test_register_search_by_postcode_walks_every_page(register_emulator, register_token):
    hits = _client(register_emulator.url, page_size=3).search_by_postcode("zz99zz")
    odd = [u for u in HOMES if u % 2]
    assert sorted(h.certificate_number for h in hits) == sorted(n for u in odd for n in _expected_numbers(u))
    dates = [h.registration_date for h in hits]
    assert dates == sorted(dates, reverse=True)


def test_register_search_with_no_certificate_is_empty(register_emulator, register_token):
    client = _client(register_emulator.url)
    assert client.search_by_uprn("900000000006") == []
    assert client.search_by_postcode("ZZ5 5ZZ") == []


def test_register_fetch_certificate_strips_the_envelope(register_emulator, register_data, register_token):
    documents = register_data[1]
    client = _client(register_emulator.url)
    for number in (_number(900000000002, 0), _number(900000000002, 1)):  # stored bare, and enveloped
        assert client.fetch_certificate(number) == documents[number]
    with pytest.raises(CertificateNotFoundError, match="0000-0000-0000-0000-0000.*404"):
        client.fetch_certificate("0000-0000-0000-0000-0000")


# ---- portfolio fetch ----------------------------------------------------------------------------------


def test_register_fetch_portfolio_in_input_order_with_progress(
    register_emulator, register_data, register_token
):
    documents = register_data[1]
    uprns = [900000000007, 900000000003, 900000000001, 900000000006, 900000000002, 900000000003]
    seen: list[tuple[int, int]] = []
    results = _client(register_emulator.url, max_concurrency=4, page_size=2).fetch_portfolio(
        uprns, progress=lambda done, total: seen.append((done, total))
    )
    assert [r.uprn for r in results] == uprns
    assert [r.status for r in results] == [
        "no_certificate",
        "found",
        "found",
        "no_certificate",
        "found",
        "found",
    ]
    for r in results:
        assert r.error is None
        assert [c["certificate_number"] for c in r.certificates] == _expected_numbers(r.uprn)
        assert all(c == documents[c["certificate_number"]] for c in r.certificates)
    assert seen[-1] == (6, 6)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_register_wrong_token_raises_auth_error(register_emulator, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "not-the-token")
    client = _client(register_emulator.url)
    with pytest.raises(RegisterAuthError, match=f"403.*{ENV_VAR}"):
        client.fetch_portfolio(ALL_UPRNS)
    with pytest.raises(RegisterAuthError, match="403"):
        client.search_by_uprn(900000000001)
    assert client.stats.retries == 0  # auth failures are never retried


def test_register_missing_token_fails_before_any_request(register_emulator, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    register_emulator.reset_stats()
    with pytest.raises(RegisterAuthError, match=ENV_VAR):
        _client(register_emulator.url).fetch_portfolio(ALL_UPRNS)
    assert register_emulator.stats()["requests"] == 0


def test_register_dagster_resource_in_an_asset_run(register_emulator, register_token):
    import dagster as dg

    logged: list[tuple[int, int]] = []

    @dg.asset
    def register_probe(register: EpcRegisterClient) -> list[tuple[str, int]]:
        results = register.fetch_portfolio(
            [900000000004, 900000000006], progress=lambda done, total: logged.append((done, total))
        )
        return [(r.status, len(r.certificates)) for r in results]

    resource = EpcRegisterClient(base_url=register_emulator.url, token_env_var=ENV_VAR, requests_per_second=0)
    run = dg.materialize_to_memory([register_probe], resources={"register": resource})
    assert run.success
    assert run.output_for_node("register_probe") == [("found", 2), ("no_certificate", 0)]
    assert logged[-1] == (2, 2)


# ---- faults -------------------------------------------------------------------------------------------


def test_register_injected_429_and_500_are_recovered(register_data, register_token):
    folder, documents = register_data
    with start_emulator(folder, token=TOKEN, rate_429=0.2, rate_500=0.15, retry_after_s=0.01, seed=5) as emu:
        client = _client(emu.url, page_size=2, max_retries=8)
        results = client.fetch_portfolio(ALL_UPRNS)
        stats = emu.stats()
    assert all(r.status != "error" for r in results), [r.error for r in results]
    fetched = sorted(c["certificate_number"] for r in results for c in r.certificates)
    assert fetched == sorted(documents)
    assert stats["injected_429"] > 0
    assert stats["injected_500"] > 0
    assert client.stats.retries == stats["injected_429"] + stats["injected_500"]
    assert client.stats.requests == stats["requests"]


def test_register_retry_after_is_honoured(register_data, register_token):
    folder, _ = register_data
    with start_emulator(folder, token=TOKEN, rate_429=0.3, retry_after_s=0.05, seed=2) as emu:
        # A backoff far shorter than Retry-After: every wait must still be the server's 0.05 s.
        client = _client(emu.url, backoff_base_s=0.0001, backoff_max_s=0.001, max_retries=10)
        results = client.fetch_portfolio(ALL_UPRNS)
        injected = emu.stats()["injected_429"]
    assert all(r.status != "error" for r in results)
    assert injected > 0
    assert len(client.stats.waits_s) == injected
    assert all(w >= 0.05 for w in client.stats.waits_s)


def test_register_persistent_500_gives_error_status_not_exception(register_data, register_token):
    folder, _ = register_data
    with start_emulator(folder, token=TOKEN, rate_500=1.0) as emu:
        uprns = [900000000002, 900000000006]
        results = _client(emu.url, max_retries=2).fetch_portfolio(uprns)
        stats = emu.stats()
    assert [r.uprn for r in results] == uprns
    for r in results:
        assert r.status == "error"
        assert r.certificates == []
        assert str(r.uprn) in r.error
        assert f"{emu.url}/api/domestic/search?uprn={r.uprn}" in r.error
        assert "status 500" in r.error
    assert stats["requests"] == stats["injected_500"] == 2 * 3  # first try + 2 retries each


def test_register_timeouts_are_retried(register_data, register_token):
    folder, documents = register_data
    with start_emulator(folder, token=TOKEN, rate_slow=0.25, slow_ms=400, seed=4) as emu:
        client = _client(emu.url, timeout_s=0.1, max_retries=8)
        results = client.fetch_portfolio(ALL_UPRNS)
        slow = emu.stats()["injected_slow"]
    assert sum(len(r.certificates) for r in results) == len(documents)
    assert slow > 0
    # At least one timeout per slow response; a busy machine may add a few more.
    assert client.stats.transport_errors >= slow


# ---- the emulator's own contract ----------------------------------------------------------------------


def test_register_emulator_error_shapes_follow_the_spec(register_emulator):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=register_emulator.url) as http:
        r = http.get("/api/domestic/search", params={"uprn": 900000000001})
        assert (r.status_code, r.json()) == (
            403,
            {"errors": [{"code": "UNAUTHORISED", "title": "You are not authenticated"}]},
        )
        r = http.get("/api/domestic/search", params={"uprn": 900000000006}, headers=auth)
        assert (r.status_code, r.json()) == (404, {"error": "No certificates could be found for that query"})
        r = http.get("/api/domestic/search", params={"uprn": "x"}, headers=auth)
        assert r.status_code == 400 and "uprn should be an integer" in r.json()["error"]
        r = http.get("/api/domestic/search", params={"postcode": "NOT A POSTCODE"}, headers=auth)
        assert r.status_code == 400 and "valid postcode" in r.json()["error"]
        r = http.get("/api/domestic/search", params={"page_size": 5}, headers=auth)
        assert r.status_code == 400 and "search parameter" in r.json()["error"]
        r = http.get("/api/domestic/search", params={"uprn": 900000000003, "page_size": 5001}, headers=auth)
        assert r.status_code == 400 and "page_size between 1 and 5000" in r.json()["error"]
        r = http.get(
            "/api/domestic/search",
            params={"uprn": 900000000003, "page_size": 2, "current_page": 4},
            headers=auth,
        )
        assert (r.status_code, r.json()) == (
            400,
            {"error": "The requested page number 4 is out of range. Total pages: 3"},
        )
        r = http.get(
            "/api/domestic/search",
            params={"uprn": 900000000003, "page_size": 2, "current_page": 3},
            headers=auth,
        )
        assert r.json()["pagination"] == {
            "totalRecords": 5,
            "currentPage": 3,
            "totalPages": 3,
            "nextPage": None,
            "prevPage": 2,
            "pageSize": 2,
        }
        r = http.get(
            "/api/certificate", params={"certificate_number": "0000-0000-0000-0000-0000"}, headers=auth
        )
        assert (r.status_code, r.json()) == (404, {"data": {"error": "Certificate not found"}})


def test_register_emulator_faults_are_deterministic_for_a_seed(register_data):
    folder, _ = register_data
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def statuses(seed: int) -> list[int]:
        with (
            start_emulator(folder, token=TOKEN, rate_429=0.3, rate_500=0.2, seed=seed) as emu,
            httpx.Client(base_url=emu.url, headers=auth) as http,
        ):
            return [http.get("/api/domestic/search", params={"uprn": u}).status_code for u in ALL_UPRNS * 3]

    first = statuses(42)
    assert first == statuses(42)
    assert first != statuses(43)
    assert {429, 500} <= set(first)


def test_register_emulator_refuses_bad_documents(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"uprn": 1, "postcode": "ZZ9 9ZZ"}))
    with pytest.raises(ValueError, match=r"a\.json.*'certificate_number'.*None"):
        load_index(tmp_path)
    (tmp_path / "a.json").write_text(json.dumps({"certificate_number": "1", "uprn": "flat 3"}))
    with pytest.raises(ValueError, match=r"a\.json.*'uprn'.*'flat 3'"):
        load_index(tmp_path)
    (tmp_path / "a.json").write_text(json.dumps({"certificate_number": "1", "uprn": "UPRN-000000000042"}))
    (tmp_path / "b.json").write_text(json.dumps({"data": {"certificate_number": "1"}}))
    with pytest.raises(ValueError, match=r"b\.json.*'certificate_number'.*'1'.*already"):
        load_index(tmp_path)
    (tmp_path / "b.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"b\.json.*JSON"):
        load_index(tmp_path)
    (tmp_path / "b.json").unlink()
    assert load_index(tmp_path).by_uprn == {42: ["1"]}


def test_register_cli_fetch_and_serve_errors(register_emulator, register_token, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        register_app,
        [
            "fetch",
            "900000000004",
            "900000000007",
            "--base-url",
            register_emulator.url,
            "--token-env-var",
            ENV_VAR,
            "--rps",
            "0",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "900000000004\tfound" in result.output
    assert "900000000007\tno_certificate" in result.output
    assert sorted(p.stem for p in (tmp_path / "out").iterdir()) == sorted(_expected_numbers(900000000004))

    result = runner.invoke(register_app, ["serve", "--data", str(tmp_path / "missing"), "--port", "0"])
    assert result.exit_code == 2
    assert "data_dir" in result.output


def test_register_emulator_address_filter_and_stats_endpoint(register_emulator):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=register_emulator.url, headers=auth) as http:
        r = http.get("/api/domestic/search", params={"address": "3 imaginary"})
        assert r.status_code == 200
        assert {row["uprn"] for row in r.json()["data"]} == {900000000003}
        r = http.get("/api/domestic/search", params={"address": "imaginary", "postcode": "ZZ1 1ZZ"})
        assert {row["uprn"] for row in r.json()["data"]} == {900000000002, 900000000004}
        stats = httpx.get(f"{register_emulator.url}/_emulator/stats").json()  # no token needed
    assert stats["certificates"] == sum(len(d) for d in HOMES.values())
    assert stats["uprns"] == sum(1 for d in HOMES.values() if d)
    assert stats["search_requests"] >= 2


def test_register_emulator_orders_newest_first_ties_by_number_undated_last(tmp_path):
    rows = [("B", "2020-01-01"), ("A", "2020-01-01"), ("C", None), ("D", "2023-05-05"), ("E", "2019-12-31")]
    for number, date in rows:
        doc = {"certificate_number": number, "uprn": 5, "postcode": "zz9 9zz", "registration_date": date}
        (tmp_path / f"{number}.json").write_text(json.dumps(doc))
    index = load_index(tmp_path)
    assert index.by_uprn[5] == ["D", "A", "B", "E", "C"]
    assert index.by_postcode["ZZ99ZZ"] == ["D", "A", "B", "E", "C"]
