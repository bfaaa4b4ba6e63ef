"""Unit tests of the pure reliability rules: blocking invariants, the commit-order cursor, URL policy,
per-certificate validation of a fetch, the register's own 'not found' answer."""

from __future__ import annotations

import datetime as dt

import httpx
import polars as pl
import pytest

from ara_assets.baseline.invariants import baseline_invariants
from ara_assets.defs.sensor_cursor import CommitCursor, advance
from ara_assets.invariants import failure_text
from ara_assets.property.invariants import effective_epc_invariants
from ara_assets.resources.register.client import RegisterConfigError, UprnFetch, require_register_not_found
from ara_assets.resources.register.epc_fetch import validate_results
from ara_assets.resources.url_policy import require_secure_url
from ara_assets.resources.warehouse.locks import portfolio_lock_key


def _baseline(saps: list[float]) -> pl.DataFrame:
    from ara_assets.baseline.performance import band_expr

    return pl.DataFrame(
        {"property_id": list(range(1, len(saps) + 1)), "effective_sap_rating": saps}
    ).with_columns(
        pl.col("effective_sap_rating").round(0).cast(pl.Int64).alias("effective_sap_rating_int"),
        band_expr(pl.col("effective_sap_rating").round(0).cast(pl.Int64)).alias("effective_band"),
        pl.lit(100.0).alias("total_bill_gbp"),
    )


def test_a_negative_sap_fails_the_baseline_naming_the_home() -> None:
    baseline = _baseline([65.0, -67.57, 71.0])
    cache = pl.DataFrame({"property_id": [1, 2, 3]})
    results = {i.name: i for i in baseline_invariants(baseline, cache)}
    sap = results["sap_in_range_and_band_consistent"]
    assert not sap.passed and sap.homes == (2,)
    text = failure_text("property_baseline", "north", list(results.values()))
    assert "property 2 effective SAP -67.57 outside 1..150" in text
    assert "nothing was stored" in text and "homes: 2" in text
    assert results["one_row_per_property"].passed and results["energy_and_bills_non_negative"].passed


def test_a_negative_bill_and_a_missing_home_are_named() -> None:
    baseline = _baseline([65.0, 70.0]).with_columns(
        pl.when(pl.col("property_id") == 2).then(-5.0).otherwise(100.0).alias("total_bill_gbp")
    )
    results = {i.name: i for i in baseline_invariants(baseline, pl.DataFrame({"property_id": [1, 2, 3]}))}
    assert results["energy_and_bills_non_negative"].homes == (2,)
    assert results["one_row_per_property"].homes == (3,)


def test_effective_epc_without_document_or_reason_is_refused() -> None:
    effective = pl.DataFrame(
        {"property_id": [1, 2, 2], "document": ["{}", None, "{}"], "reason": [None, None, None]}
    )
    results = {i.name: i for i in effective_epc_invariants(effective, pl.DataFrame({"property_id": [1, 2]}))}
    assert results["every_property_has_effective_epc_or_reason"].homes[0] == 2
    assert results["no_duplicate_properties"].homes == (2,)


def test_cursor_sees_an_import_that_commits_after_a_higher_id() -> None:
    # ids 1-2 committed; import A took 3-4 but has not committed; import B took 5 and committed.
    new, cur = advance(CommitCursor(), [("east", 1, 2, 100.0), ("west", 5, 5, 101.0)], now=102.0)
    assert new == {"east": 2, "west": 5} and cur.low == 2 and [r[:2] for r in cur.seen] == [(5, 5)]
    # A commits: 3-5 form one run of committed ids; only 3-4 are new.
    new, cur = advance(cur, [("east", 3, 5, 99.0)], now=103.0)
    assert new == {"east": 4} and cur.low == 5 and cur.seen == []
    # nothing new: nothing requested
    new, cur = advance(cur, [], now=104.0)
    assert new == {} and cur.low == 5


def test_cursor_writes_off_a_gap_once_the_rows_after_it_are_old() -> None:
    new, cur = advance(CommitCursor(low=2), [("east", 4, 6, 1000.0)], now=1001.0, lookback_s=60)
    assert new == {"east": 6} and cur.low == 2  # id 3 may still commit
    new, cur = advance(cur, [("east", 4, 6, 1000.0)], now=1100.0, lookback_s=60)
    assert new == {} and cur.low == 6  # a minute later id 3 is written off (rolled back)


def test_cursor_reads_the_old_high_water_format() -> None:
    assert CommitCursor.from_json(17).low == 17


@pytest.mark.parametrize(
    "url", ["http://register.example.org", "http://10.0.0.5:8000", "ftp://register.example.org"]
)
def test_remote_plain_http_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="field 'base_url'"):
        require_secure_url(url, "base_url")


@pytest.mark.parametrize(
    "url", ["https://api.example.org", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"]
)
def test_https_and_loopback_are_allowed(url: str) -> None:
    assert require_secure_url(url, "base_url") == url


def test_register_client_refuses_plain_http() -> None:
    from ara_assets.resources.register.client import RegisterClient
    from ara_assets.resources.scoring import ScoringClient, ScoringError

    with pytest.raises(ValueError, match="clear text"):
        RegisterClient(base_url="http://register.example.org")
    with pytest.raises(ScoringError, match="clear text"):
        ScoringClient("http://scoring.example.org")


def test_one_bad_certificate_is_recorded_for_its_uprn_and_the_rest_kept() -> None:
    good = {"certificate_number": "0000-0000-0000-0000-0001", "registration_date": "2024-02-01",
            "schema_type": "RdSAP-Schema-21.0.1"}  # fmt: skip
    bad_date = {**good, "certificate_number": "0000-0000-0000-0000-0002", "registration_date": "31/02/2024"}
    bad_schema = {**good, "certificate_number": "0000-0000-0000-0000-0003", "schema_type": 123}
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    docs, records, refused = validate_results(
        [
            UprnFetch(1, "found", [good]),
            UprnFetch(2, "found", [bad_date, {**good, "certificate_number": "0000-0000-0000-0000-0004"}]),
            UprnFetch(3, "found", [bad_schema]),
        ],
        at,
    )
    assert [d["certificate_number"] for d in docs] == ["0000-0000-0000-0000-0001", "0000-0000-0000-0000-0004"]
    assert refused == 2
    by_uprn = {r["uprn"]: r for r in records}
    assert by_uprn[1]["status"] == "found" and by_uprn[1]["error"] is None
    assert by_uprn[2]["status"] == "error" and by_uprn[2]["certificate_count"] == 1
    assert "field 'registration_date' value '31/02/2024' is not a date" in by_uprn[2]["error"]
    assert "field 'schema_type' value 123" in by_uprn[3]["error"]


def _response(status: int, body: bytes, url: str = "https://r.example/api/domestic/search") -> httpx.Response:
    return httpx.Response(status, content=body, request=httpx.Request("GET", url))


def test_the_registers_own_not_found_is_accepted() -> None:
    require_register_not_found(_response(404, b'{"error": "No certificates could be found"}'), "https://r")
    require_register_not_found(_response(404, b'{"data": {"error": "Certificate not found"}}'), "https://r")


def test_a_404_from_elsewhere_names_the_url() -> None:
    with pytest.raises(RegisterConfigError, match=r"register URL https://r\.example/wrong looks wrong"):
        require_register_not_found(_response(404, b"<html>Not Found</html>"), "https://r.example/wrong")


def test_lock_keys_are_stable_and_distinct() -> None:
    assert portfolio_lock_key("north") == portfolio_lock_key("north")
    assert portfolio_lock_key("north") != portfolio_lock_key("south")
    assert -(2**31) <= portfolio_lock_key("north") < 2**31


class _SlowRegister:
    """A fake register for the chunk-size rule only (the real one is exercised in test_fetch_faults.py)."""

    def __init__(self, clock: list[float], seconds_per_home: float) -> None:
        self.clock, self.seconds_per_home, self.chunks = clock, seconds_per_home, []

    def fetch_portfolio(self, uprns, *, progress=None):  # noqa: ANN001, ANN201 - the protocol's shape
        self.chunks.append(len(uprns))
        self.clock[0] += self.seconds_per_home * len(uprns)
        return [UprnFetch(u, "no_certificate") for u in uprns]


class _NoDatabase:
    """Stands in for the warehouse in the chunk-size rule test: records what would be committed."""

    def __init__(self) -> None:
        self.records = 0

    def unit_of_work(self):  # noqa: ANN201
        import contextlib
        from types import SimpleNamespace

        outer = self

        @contextlib.contextmanager
        def uow():  # noqa: ANN202
            fetches = SimpleNamespace(
                record=lambda rows: setattr(outer, "records", outer.records + len(rows))
            )
            yield SimpleNamespace(connection=None, fetches=fetches, certificates=None)

        return uow()


def test_a_slow_register_gets_smaller_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    import ara_assets.resources.register.epc_fetch as epc_fetch

    monkeypatch.setattr(epc_fetch, "lock_portfolio", lambda conn, portfolio: None)
    clock = [0.0]
    register = _SlowRegister(clock, seconds_per_home=1.0)  # 1 s a home: 200 homes would take 200 s
    db = _NoDatabase()
    outcome = epc_fetch.fetch_and_store(
        db, register, "north", list(range(1, 301)), chunk_homes=200, chunk_seconds=50, timer=lambda: clock[0]
    )  # type: ignore[arg-type]
    assert register.chunks[:3] == [200, 50, 50]
    assert outcome.fetched == 300 and db.records == 300
