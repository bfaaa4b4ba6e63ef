"""Fetch throughput of the register client against the local register emulator.

    .venv/bin/python benchmarks/fetch_throughput.py [--homes 1000] [--repeats 3] [--rate-429 0.05] ...

Generates N synthetic homes (some with no certificate, some with two or three), serves them from the
emulator in a separate process (so client and server do not share one GIL) with injected 429s and 500s,
then fetches the whole portfolio with `RegisterClient.fetch_portfolio`: at the default 20 req/s and with the
rate limit lifted, R times each. Prints the medians and checks that every certificate arrived.
Loopback only; every run is bounded by the portfolio size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from ara_assets.resources.register.client import RegisterClient

TOKEN = "bench-token"


def make_homes(folder: Path, homes: int, seed: int) -> dict[int, set[str]]:
    """Write synthetic certificates; return UPRN -> certificate numbers (empty for homes with none)."""
    rng = random.Random(seed)
    expected: dict[int, set[str]] = {}
    serial = 0
    for i in range(homes):
        uprn = 800_000_000_000 + i
        # 15% none, 60% one, 18% two, 7% three: registers hold old certificates beside new ones.
        count = rng.choices([0, 1, 2, 3], weights=[15, 60, 18, 7])[0]
        expected[uprn] = set()
        for k in range(count):
            serial += 1
            digits = f"8{serial:015d}{k:04d}"
            number = "-".join(digits[j : j + 4] for j in range(0, 20, 4))
            doc = {
                "certificate_number": number,
                "uprn": uprn,
                "postcode": f"ZZ{i % 90 + 1} {i % 9}ZZ",
                "registration_date": f"{2010 + 4 * k + rng.randrange(4)}-{rng.randrange(1, 13):02d}-15",
                "schema_type": "RdSAP-Schema-21.0.1",
                "address_line_1": f"{i} Benchmark Row",
                "current_energy_efficiency_band": rng.choice("BCDEFG"),
                "total_floor_area": rng.randrange(30, 160),
            }
            (folder / f"{number}.json").write_text(json.dumps(doc))
            expected[uprn].add(number)
    return expected


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data: Path, port: int, args: argparse.Namespace) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "ara_assets.cli", "register", "serve", "--data", str(data)]
    cmd += ["--port", str(port), "--token", TOKEN, "--seed", str(args.seed)]
    cmd += ["--rate-429", str(args.rate_429), "--rate-500", str(args.rate_500)]
    cmd += ["--retry-after", str(args.retry_after), "--latency-ms", str(args.latency_ms)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"emulator exited with {proc.returncode}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/_emulator/stats", timeout=1.0)
            return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("emulator did not start within 60 s")


def server_stats(url: str) -> dict:
    return httpx.get(f"{url}/_emulator/stats", timeout=5.0).json()


def run_once(url: str, uprns: list[int], expected: dict[int, set[str]], rps: float) -> dict:
    client = RegisterClient(base_url=url, token=TOKEN, requests_per_second=rps, seed=1)
    before = server_stats(url)
    t0 = time.perf_counter()
    results = client.fetch_portfolio(uprns)
    wall = time.perf_counter() - t0
    after = server_stats(url)
    missing = 0
    for r in results:
        got = {c["certificate_number"] for c in r.certificates}
        missing += len(expected[r.uprn] - got)
    stats = client.stats
    certificates = sum(len(r.certificates) for r in results)
    return {
        "wall_s": wall,
        "requests": stats.requests,
        "requests_per_s": stats.requests / wall,
        "certificates": certificates,
        "certificates_per_s": certificates / wall,
        "retries": stats.retries,
        "injected_429": after["injected_429"] - before["injected_429"],
        "injected_500": after["injected_500"] - before["injected_500"],
        "errors": sum(r.status == "error" for r in results),
        "missing": missing,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--homes", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate-429", type=float, default=0.05)
    parser.add_argument("--rate-500", type=float, default=0.01)
    parser.add_argument("--retry-after", type=float, default=1.0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rates", default="20,0", help="client req/s ceilings to run, 0 = unlimited")
    parser.add_argument("--json", type=Path, help="also write the raw runs here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ara-fetch-bench-") as tmp:
        data = Path(tmp)
        expected = make_homes(data, args.homes, args.seed)
        uprns = list(expected)
        total_certs = sum(len(v) for v in expected.values())
        print(
            f"{args.homes} homes, {total_certs} certificates, "
            f"{sum(not v for v in expected.values())} with none; emulator 429 {args.rate_429:g}, "
            f"500 {args.rate_500:g}, Retry-After {args.retry_after:g} s; {os.cpu_count()} cores",
            flush=True,
        )
        port = free_port()
        proc = start_server(data, port, args)
        url = f"http://127.0.0.1:{port}"
        report: dict[str, list[dict]] = {}
        ok = True
        try:
            for rps in (float(x) for x in args.rates.split(",")):
                label = f"{rps:g} req/s" if rps > 0 else "unlimited"
                runs = [run_once(url, uprns, expected, rps) for _ in range(args.repeats)]
                report[label] = runs
                med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                complete = all(r["missing"] == 0 and r["errors"] == 0 for r in runs)
                ok &= complete
                ceiling = f"{med['requests_per_s'] / rps:.2f} of ceiling" if rps > 0 else "no ceiling"
                print(
                    f"{label:>12}: median wall {med['wall_s']:.1f} s, {med['requests_per_s']:.1f} req/s "
                    f"({ceiling}), {med['certificates_per_s']:.1f} certificates/s, "
                    f"{med['requests']:.0f} requests, {med['retries']:.0f} retries "
                    f"(429 {med['injected_429']:.0f}, 500 {med['injected_500']:.0f}); "
                    f"all {total_certs} certificates arrived in every run: {'yes' if complete else 'NO'}",
                    flush=True,
                )
        finally:
            proc.terminate()
            proc.wait(10)
        if args.json:
            args.json.write_text(json.dumps(report, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
