"""Unit tests of the register client's pieces, with fakes: token bucket, backoff, Retry-After, retries."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from ara_assets.resources.http_retry import backoff_delay, parse_retry_after
from ara_assets.resources.register.client import (
    EpcRegisterClient,
    RegisterAuthError,
    RegisterClient,
    SearchHit,
    TokenBucket,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class RecordingSleep:
    """Stands in for time.sleep: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


# ---- token bucket -----------------------------------------------------------------------------------


def test_register_token_bucket_spaces_requests_at_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(10.0, clock=clock)
    waits = [bucket.reserve() for _ in range(4)]
    # One token in hand, then each caller queues 1/rate behind the previous one.
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3])


def test_register_token_bucket_refills_with_time_but_not_past_burst():
    clock = FakeClock()
    bucket = TokenBucket(10.0, burst=2.0, clock=clock)
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(0.1)
    clock.now += 60.0  # a long idle spell refills to the burst only
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == pytest.approx(0.1)


@pytest.mark.parametrize("rate", [0.0, -1.0, float("inf")])
def test_register_token_bucket_zero_or_negative_rate_is_unlimited(rate):
    bucket = TokenBucket(rate, clock=FakeClock())
    assert all(bucket.reserve() == 0.0 for _ in range(1000))


# ---- backoff and Retry-After ------------------------------------------------------------------------


def test_register_backoff_full_jitter_stays_under_the_exponential_ceiling():
    rng = random.Random(1)
    for attempt in range(10):
        ceiling = min(30.0, 0.5 * 2**attempt)
        draws = [backoff_delay(attempt, base_s=0.5, max_s=30.0, rng=rng) for _ in range(200)]
        assert all(0.0 <= d <= ceiling for d in draws)
        # Full jitter spreads over the whole interval, not just near its top.
        assert min(draws) < 0.2 * ceiling
        assert max(draws) > 0.8 * ceiling


def test_register_backoff_retry_after_is_a_floor():
    rng = random.Random(2)
    assert backoff_delay(0, base_s=0.5, max_s=30.0, retry_after_s=7.0, rng=rng) == 7.0
    # Retry-After larger than backoff_max_s is still honoured.
    assert backoff_delay(3, base_s=0.5, max_s=1.0, retry_after_s=45.0, rng=rng) == 45.0
    # A tiny Retry-After does not shorten a longer jittered wait.
    draws = [backoff_delay(8, base_s=1.0, max_s=30.0, retry_after_s=0.001, rng=rng) for _ in range(50)]
    assert max(draws) > 1.0


def test_register_backoff_refuses_negative_attempt():
    with pytest.raises(ValueError, match="attempt.*-1"):
        backoff_delay(-1, base_s=0.5, max_s=30.0)


def test_register_parse_retry_after_seconds_and_http_dates():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.25 ") == 0.25
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now) == 90.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True), now=now) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


# ---- the client over a fake transport ---------------------------------------------------------------


def _hit(number: str, uprn: int) -> dict:
    return {"certificateNumber": number, "uprn": uprn, "registrationDate": "2024-01-01"}


def _page(rows: list[dict]) -> dict:
    return {
        "data": rows,
        "pagination": {
            "totalRecords": len(rows),
            "currentPage": 1,
            "totalPages": 1,
            "nextPage": None,
            "prevPage": None,
            "pageSize": 5000,
        },
    }


def _client(handler, sleep: RecordingSleep, **kw) -> RegisterClient:
    options = {"requests_per_second": 0, "backoff_base_s": 0.01, "backoff_max_s": 0.02, "seed": 3, **kw}
    return RegisterClient(
        base_url="https://register.invalid",
        token="t0ken",
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        **options,
    )


def test_register_client_retries_timeouts_and_connection_errors_and_sends_bearer_token():
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow register", request=request)
        if len(calls) == 2:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"data": {"certificate_number": "1111-2222-3333-4444-5555"}})

    sleep = RecordingSleep()
    client = _client(handler, sleep)
    doc = client.fetch_certificate("1111-2222-3333-4444-5555")
    assert doc == {"certificate_number": "1111-2222-3333-4444-5555"}
    assert len(calls) == 3
    assert calls[-1].headers["authorization"] == "Bearer t0ken"
    assert calls[-1].url.params["certificate_number"] == "1111-2222-3333-4444-5555"
    assert client.stats.transport_errors == 2
    assert client.stats.retries == 2
    assert len(sleep.waits) == 2


def test_register_client_honours_retry_after_header():
    responses = iter(
        [
            httpx.Response(429, headers={"Retry-After": "7"}, json={}),
            httpx.Response(503, json={}),
            httpx.Response(200, json=_page([])),
        ]
    )
    sleep = RecordingSleep()
    client = _client(lambda request: next(responses), sleep)
    assert client.search_by_postcode("ZZ9 9ZZ") == []
    assert sleep.waits[0] == 7.0  # the server's wait, not the 0.01 s backoff
    assert sleep.waits[1] <= 0.02


def test_register_client_other_4xx_is_not_retried_and_names_the_request():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(
            400, json={"error": "The search query was invalid - please provide a valid postcode"}
        )

    client = _client(handler, RecordingSleep())
    [result] = client.fetch_portfolio([123456789012])
    assert result.status == "error"
    assert "123456789012" in result.error
    assert "/api/domestic/search?uprn=123456789012" in result.error
    assert "400" in result.error
    assert len(calls) == 1


def test_register_client_unparseable_body_is_an_error_for_that_uprn():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    [result] = _client(handler, RecordingSleep()).fetch_portfolio([7])
    assert result.status == "error"
    assert "not JSON" in result.error


def test_register_client_refuses_bad_uprns_before_any_request():
    calls = []
    client = _client(lambda r: calls.append(r) or httpx.Response(200, json=_page([])), RecordingSleep())
    with pytest.raises(ValueError, match=r"uprns\[1\].*'uprn'.*-5"):
        client.fetch_portfolio([1, -5])
    with pytest.raises(ValueError, match=r"uprns\[0\].*'abc'"):
        client.fetch_portfolio(["abc"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"uprns\[0\].*True"):
        client.fetch_portfolio([True])
    assert calls == []


def test_register_client_deduplicates_rows_repeated_across_pages():
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["current_page"])
        rows = [_hit("A", 9), _hit("B", 9)] if page == 1 else [_hit("B", 9), _hit("C", 9)]
        body = _page(rows)
        body["pagination"].update(currentPage=page, totalPages=2, nextPage=2 if page == 1 else None)
        return httpx.Response(200, json=body)

    client = _client(handler, RecordingSleep(), page_size=2)
    assert [h.certificate_number for h in client.search_by_uprn(9)] == ["A", "B", "C"]


def test_register_client_works_when_called_inside_a_running_event_loop():
    import asyncio

    client = _client(lambda r: httpx.Response(200, json=_page([_hit("A", 5)])), RecordingSleep())

    async def inside() -> list[SearchHit]:
        return client.search_by_uprn(5)

    hits = asyncio.run(inside())
    assert [h.certificate_number for h in hits] == ["A"]


def test_register_search_hit_refuses_a_row_without_certificate_number():
    with pytest.raises(ValueError, match="certificateNumber"):
        SearchHit.from_api({"uprn": 1})
    hit = SearchHit.from_api(
        {**_hit("X", 12), "addressLine1": "1 Test Row", "schemaType": "RdSAP-Schema-21.0.1"}
    )
    assert (hit.uprn, hit.address_line_1, hit.schema_type) == (12, "1 Test Row", "RdSAP-Schema-21.0.1")


# ---- the Dagster resource ---------------------------------------------------------------------------


def test_register_resource_defaults_and_missing_token_names_the_variable(monkeypatch):
    monkeypatch.delenv("ARA_REGISTER_URL", raising=False)
    monkeypatch.delenv("ARA_REGISTER_RPS", raising=False)
    resource = EpcRegisterClient()
    # URL and ceiling unset in config: resolved when the client is built, here with no ARA_* set
    built = resource.get_client()
    assert built.base_url == "https://api.get-energy-performance-data.communities.gov.uk"
    assert resource.token_env_var == "EPC_REGISTER_TOKEN"
    assert (built.bucket.rate, resource.max_concurrency, resource.max_retries) == (20.0, 16, 6)
    assert (resource.backoff_base_s, resource.backoff_max_s, resource.timeout_s) == (0.5, 30.0, 30.0)

    custom = EpcRegisterClient(
        token_env_var="ARA_TEST_NO_SUCH_TOKEN", requests_per_second=3.5, max_concurrency=2
    )
    monkeypatch.delenv("ARA_TEST_NO_SUCH_TOKEN", raising=False)
    client = custom.get_client()
    assert client is custom.get_client()  # one bucket for the whole run
    assert (client.bucket.rate, client.max_concurrency) == (3.5, 2)
    with pytest.raises(RegisterAuthError, match="ARA_TEST_NO_SUCH_TOKEN"):
        custom.fetch_portfolio([1])


def test_register_resource_reads_the_environment_when_the_client_is_built(monkeypatch):
    resource = EpcRegisterClient()  # built before the environment is set, as at import of the definitions
    monkeypatch.setenv("ARA_REGISTER_URL", "http://127.0.0.1:8765/")
    monkeypatch.setenv("ARA_REGISTER_RPS", "0")
    client = resource.get_client()
    assert (client.base_url, client.bucket.rate) == ("http://127.0.0.1:8765", 0.0)
    # a field set in config wins over the environment
    pinned = EpcRegisterClient(base_url="http://127.0.0.1:9", requests_per_second=3.0).get_client()
    assert (pinned.base_url, pinned.bucket.rate) == ("http://127.0.0.1:9", 3.0)
    monkeypatch.setenv("ARA_REGISTER_RPS", "fast")
    with pytest.raises(ValueError, match="ARA_REGISTER_RPS='fast'"):
        EpcRegisterClient().get_client()


def test_register_resource_config_round_trips_through_json():
    resource = EpcRegisterClient(base_url="http://127.0.0.1:9", max_retries=2)
    assert json.loads(resource.model_dump_json())["max_retries"] == 2


def test_register_auth_failure_stops_workers_that_are_waiting_to_retry():
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        uprn = request.url.params["uprn"]
        calls.append(uprn)
        if uprn == "2":
            return httpx.Response(403, json={"errors": [{"code": "UNAUTHORISED"}]})
        # The others are told to come back in a minute; the auth failure must cut that wait short.
        return httpx.Response(429, headers={"Retry-After": "60"}, json={})

    client = RegisterClient(
        base_url="https://register.invalid",
        token="t0ken",
        transport=httpx.MockTransport(handler),
        requests_per_second=0,
        max_concurrency=3,
    )
    with pytest.raises(RegisterAuthError, match="403"):
        client.fetch_portfolio([1, 2, 3, 4, 5])
    assert calls.count("2") == 1
    assert all(calls.count(u) <= 1 for u in ("1", "3", "4", "5"))


def test_register_client_does_not_retry_an_unsupported_scheme():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'", request=request)

    [result] = _client(handler, RecordingSleep()).fetch_portfolio([77])
    assert result.status == "error"
    assert "UPRN 77" in result.error and "unsupported protocol" in result.error
    assert len(calls) == 1
