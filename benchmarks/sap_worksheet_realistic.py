"""Throughput of ``ara_assets.sap10.calculate`` on realistic generated homes, at several batch sizes.

Run on one core:
    POLARS_MAX_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sap_worksheet_realistic.py

The homes are the demo generator's (``generate_portfolio(--homes, --seed)``: English social housing with
the generator's mix of types, ages, fabric, heating, PV and extensions), expanded by the RdSAP 10 rules
into worksheet inputs; the ones the worksheet accepts are tiled to each batch size N with unique home ids.
Unlike ``sap_worksheet.py`` (three full-SAP reference cases with jitter), this is the mix a landlord's
portfolio sends to the calculator. Each N is one ``calculate`` call, timed as the median of ``--runs``
runs after a warm-up; wall and process CPU time are both printed (CPU time is robust to other load).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import polars as pl

from ara_assets.sap10 import calculate


def realistic_inputs(homes: int, seed: int) -> pl.DataFrame:
    """Worksheet inputs of every certificate of a generated portfolio that the worksheet scores."""
    from ara_assets.demo.generate import generate_portfolio
    from ara_assets.sap10.rdsap import expand_collect

    docs = [doc for _, doc in generate_portfolio(homes, seed=seed).iter_documents()]
    inputs, _ = expand_collect(docs)
    if inputs.get_column("home_id").n_unique() < inputs.height:
        unique_id = pl.format("{}#{}", pl.col("home_id"), pl.col("input_index"))
        inputs = inputs.with_columns(unique_id.alias("home_id"))
    scored = calculate(inputs, errors="collect")
    return inputs.filter(scored.get_column("error").is_null())


def tile(base: pl.DataFrame, n: int) -> pl.DataFrame:
    """``n`` rows of ``base`` repeated in order, each with its own home id, in one chunk per column."""
    reps = n // base.height + 1
    out = pl.concat([base] * reps).head(n)
    return out.with_columns(pl.Series("home_id", [f"h{i}" for i in range(n)])).rechunk()


def time_calls(df: pl.DataFrame, runs: int) -> tuple[list[float], list[float], pl.DataFrame]:
    calculate(df.head(min(1000, df.height)))  # warm-up: table loading, polars plan caches
    wall, cpu = [], []
    out = df
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        out = calculate(df)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu, out


def main() -> None:
    from ara_assets.settings import apply_process_settings

    apply_process_settings()  # as the `ara` command and the scoring resource do
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--homes", type=int, default=2000, help="homes of the generated portfolio")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-n", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="batch sizes")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one JSON object per batch size")
    args = parser.parse_args()
    base = realistic_inputs(args.homes, args.seed)
    if not args.json:
        print(
            f"python {platform.python_version()}, polars {pl.__version__}, numpy {np.__version__}, "
            f"POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS')}; "
            f"{base.height} distinct scored homes from {args.homes} generated (seed {args.seed})"
        )
    for n in args.n:
        df = tile(base, n)
        wall, cpu, out = time_calls(df, args.runs)
        row = {
            "n": n,
            "distinct_homes": base.height,
            "median_wall_s": round(statistics.median(wall), 4),
            "median_cpu_s": round(statistics.median(cpu), 4),
            "homes_per_s": round(n / statistics.median(wall)),
            "homes_per_cpu_s": round(n / statistics.median(cpu)),
            "runs_wall_s": [round(t, 4) for t in wall],
            "mean_sap": round(float(out["sap_rating"].mean()), 3),  # type: ignore[arg-type]
            "load_average": round(os.getloadavg()[0], 2),
        }
        if args.json:
            print(json.dumps(row))
        else:
            print(
                f"N={n:>7,}  median wall {row['median_wall_s']:.3f} s -> {row['homes_per_s']:>9,} homes/s   "
                f"median cpu {row['median_cpu_s']:.3f} s -> {row['homes_per_cpu_s']:>9,} homes/cpu-s   "
                f"runs {row['runs_wall_s']}  mean SAP {row['mean_sap']}  load {row['load_average']}"
            )


if __name__ == "__main__":
    main()
