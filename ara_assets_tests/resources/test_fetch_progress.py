"""Progress of long fetches: every 10 % and every 30 s, and the client reports while work is outstanding."""

from __future__ import annotations

import time

import httpx

from ara_assets.resources.register import client as register_client
from ara_assets.resources.register.client import RegisterClient
from ara_assets.resources.register.progress import FetchProgress


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_reports_each_ten_percent_once_with_rate_retries_and_eta():
    clock, lines = Clock(), []
    progress = FetchProgress(lines.append, retries=lambda: 3, clock=clock)
    for done in range(1, 1001):
        clock.now += 0.05  # 20 UPRNs a second
        progress(done, 1000)
    # 10 %, 20 %, ... 100 % (the 30 s timer never fires first at this pace): ten lines, one each
    assert len(lines) == 10
    assert lines[0].startswith("register fetch: 100/1,000 UPRNs (10%), 20.0/s, 3 retries, ETA 45s")
    assert lines[-1].startswith("register fetch: 1,000/1,000 UPRNs (100%)") and "took 50s" in lines[-1]


def test_reports_every_thirty_seconds_when_the_share_moves_slowly():
    clock, lines = Clock(), []
    progress = FetchProgress(lines.append, clock=clock)
    for done in range(0, 50):  # 50 of 10,000 in 245 s: far below 10 %
        clock.now += 5.0
        progress(done, 10_000)
    assert len(lines) == 8  # at 30 s, 60 s, ... 240 s
    assert "ETA" in lines[0] and "/10,000 UPRNs (0%)" in lines[0]


def test_a_jump_past_several_steps_reports_once_and_the_end_once():
    clock, lines = Clock(), []
    progress = FetchProgress(lines.append, clock=clock)
    progress(0, 10)
    progress(7, 10)
    progress(7, 10)
    progress(10, 10)
    progress(10, 10)
    assert [line.split(" (")[0] for line in lines] == [
        "register fetch: 7/10 UPRNs",
        "register fetch: 10/10 UPRNs",
    ]


def test_the_client_reports_progress_before_the_fetch_is_done(monkeypatch):
    # The client used to wait for every future before its first report; a slow register must show life.
    monkeypatch.setattr(register_client, "PROGRESS_POLL_S", 0.05)

    def handler(request: httpx.Request) -> httpx.Response:
        time.sleep(0.02)
        return httpx.Response(404, json={"error": "No domestic certificates found"})  # the register's body

    client = RegisterClient(
        base_url="https://register.invalid",
        token="t0ken",
        transport=httpx.MockTransport(handler),
        requests_per_second=0,
        max_concurrency=1,
    )
    calls: list[tuple[int, int]] = []
    results = client.fetch_portfolio(
        list(range(100000000001, 100000000031)), progress=lambda d, t: calls.append((d, t))
    )
    assert len(results) == 30
    assert calls[-1] == (30, 30)
    assert any(0 < done < 30 for done, _ in calls)
