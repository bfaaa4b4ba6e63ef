"""Time parse_certificate, to_register_json and normalise_register_json on the register's RdSAP 21.0.1
JSON sample.

Run: .venv/bin/python benchmarks/epc_parse.py
Prints microseconds per call, best of 5 rounds of 2,000 calls (one core).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ara_assets.epc import normalise_register_json, parse_certificate, to_register_json

SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "ara_assets_tests/fixtures/register_samples/json_samples/RdSAP-Schema-21.0.1.json"
)
CALLS = 2_000


def best_us(fn: object, arg: object) -> float:
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(CALLS):
            fn(arg)  # type: ignore[operator]
        rounds.append((time.perf_counter() - start) / CALLS * 1e6)
    return min(rounds)


def main() -> None:
    raw = {**json.loads(SAMPLE.read_text()), "certificate_number": "0000-0000-0000-0000-0001"}
    cert = parse_certificate(raw)
    normalised = to_register_json(cert)
    print(f"parse_certificate (raw register JSON): {best_us(parse_certificate, raw):7.1f} us")
    print(f"parse_certificate (normalised JSON):   {best_us(parse_certificate, normalised):7.1f} us")
    print(f"to_register_json:                      {best_us(to_register_json, cert):7.1f} us")
    print(f"normalise_register_json (raw JSON):    {best_us(normalise_register_json, raw):7.1f} us")


if __name__ == "__main__":
    main()
