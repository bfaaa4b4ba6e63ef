"""Throughput of ``ara_assets.sap10.calculate`` on N homes built by tiling the reference cases with jitter.

Run on one core:  POLARS_MAX_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sap_worksheet.py
Prints the median of several timed runs (after one warm-up) and home-calculations per second.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import polars as pl

from ara_assets.sap10 import calculate, prepare_inputs
from ara_assets.sap10.readers.sap_xml import read_sap_xml

# the reference cases the tests use (origin and licence: ara_assets_tests/fixtures/SOURCES.md)
BASE = Path(__file__).resolve().parents[1] / "ara_assets_tests" / "fixtures" / "sap10calcs"
CASES = [
    "tests/sap/M1_Photovoltaics/1/in.xml",
    "tests/sap/M1_Photovoltaics/2/in.xml",
    "docs/tutorials/sap/my_sap10_file.xml",
]


def build(n: int, seed: int = 1) -> pl.DataFrame:
    """n rows: the reference cases tiled, with every area, U-value and kWp scaled by +/-20 % jitter."""
    base = pl.DataFrame([read_sap_xml(BASE / c, home_id=c) for c in CASES])
    df = pl.concat([base] * (n // base.height + 1)).head(n)
    rng = np.random.default_rng(seed)
    df = df.with_columns(
        pl.Series("home_id", [f"b{i}" for i in range(n)]),
        pl.Series("_j1", rng.uniform(0.8, 1.2, n)),
        pl.Series("_j2", rng.uniform(0.8, 1.2, n)),
        pl.Series("_j3", rng.uniform(0.8, 1.2, n)),
    )
    scaled = {
        "storey_floor_area_m2": "_j1",
        "wall_area_m2": "_j1",
        "roof_area_m2": "_j1",
        "floor_area_hl_m2": "_j1",
        "wall_u_value": "_j2",
        "roof_u_value": "_j3",
        "floor_u_value": "_j2",
        "window_area_m2": "_j3",
        "pv_kwp": "_j2",
    }
    df = df.with_columns(
        [(pl.col(c).list.eval(pl.element()) * pl.col(j)).alias(c) for c, j in scaled.items()]
        + [(pl.col("living_area_m2") * pl.col("_j1")).alias("living_area_m2")]
    ).drop("_j1", "_j2", "_j3")
    # The worksheet's input is the expanded, schema-typed frame (what the RdSAP expansion produces);
    # typing it here keeps one-off casts of the XML reader's Python objects out of the timing.
    return prepare_inputs(df)


def main() -> None:
    from ara_assets.settings import apply_process_settings

    apply_process_settings()  # as the `ara` command and the scoring resource do
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--sections", action="store_true", help="also print the median time of each worksheet section"
    )
    args = parser.parse_args()
    df = build(args.n)
    section_times = _time_sections() if args.sections else None
    calculate(df.head(1000))  # warm-up: table loading, polars plan caches
    times, cpu = [], []
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        out = calculate(df)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    med = statistics.median(times)
    med_cpu = statistics.median(cpu)
    print(
        f"python {platform.python_version()}, polars {pl.__version__}, numpy {np.__version__}, "
        f"POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS')}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}"
    )
    print(f"N={args.n} runs={args.runs} times_s={[round(t, 3) for t in times]}")
    print(f"median wall {med:.3f} s -> {args.n / med:,.0f} home-calculations per second")
    # CPU time of this (single-threaded) process: robust when other jobs share the cores
    print(f"cpu_s={[round(t, 3) for t in cpu]}")
    print(f"median cpu {med_cpu:.3f} s -> {args.n / med_cpu:,.0f} home-calculations per cpu-second")
    print(f"load average {os.getloadavg()}")
    print(f"mean SAP {out['sap_rating'].mean():.2f}, bands {dict(out['band'].value_counts().iter_rows())}")
    if section_times is not None:
        # the first entry of each list is the warm-up batch of 1,000
        for name, values in section_times.items():
            print(f"  {name:24s} median {statistics.median(values[1:]) * 1e3:8.2f} ms")


def _time_sections() -> dict[str, list[float]]:
    """Wrap the worksheet's sections (and input preparation) to record their wall time per call."""
    import importlib

    module = importlib.import_module("ara_assets.sap10.calculate")
    times: dict[str, list[float]] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        def run(*a, **k):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            result = fn(*a, **k)
            times.setdefault(name, []).append(time.perf_counter() - t0)
            return result

        return run

    module.prepare_with_elements = timed("prepare (validation)", module.prepare_with_elements)
    module.SECTIONS = tuple(timed(f.__name__, f) for f in module.SECTIONS)
    module._results = timed("results frame", module._results)
    return times


if __name__ == "__main__":
    main()
