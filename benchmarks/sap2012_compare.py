"""Side by side: Ara's batch SAP 10.2 worksheet against the PyPI ``sap2012`` package (a per-dwelling SAP 2012
worksheet in Python), on the same machine and the same number of dwellings.

Run on one core (``sap2012`` is in the optional ``bench`` dependency group):
    .venv/bin/pip install sap2012==0.0.1
    POLARS_MAX_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sap2012_compare.py -n 10000

Dwellings:
  sap2012  its own quick example (github.com/building-energy/sap2012, notebooks/docs/inputs.json, kept in
           ara_assets_tests/fixtures/sap2012_quick_example) copied n times with +/-20 % jitter on floor and
           element areas and U-values, scored one by one with ``sap2012.calculate_worksheet`` (its API)
  ara      the SAP 10.2 reference cases tiled to n rows with the same jitter
           (``benchmarks/sap_worksheet.py``), scored in one ``calculate`` call
The inputs of both are built before the timing; each figure is the median of ``--runs`` runs after a
warm-up. The two worksheets are different editions (2012 against 10.2) doing the same kind of work: twelve
monthly heat balances per dwelling from dimensions, fabric, ventilation, water, gains and systems.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sap_worksheet import build  # noqa: E402  (the tiled reference cases, shared with sap_worksheet.py)

from ara_assets.sap10 import calculate  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "ara_assets_tests" / "fixtures" / "sap2012_quick_example"
AREA_KEYS = ("area",)
SCALED_AREAS = (
    "solid_door_net_area",
    "semi_glazed_door_net_area",
    "window_net_area",
    "ground_floor_net_area",
    "external_wall_gross_area",
    "external_wall_opening",
    "roof_gross_area",
)
SCALED_U = ("external_wall_u_value", "ground_floor_u_value", "window_u_value")


def sap2012_inputs(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """n jittered deep copies of the sap2012 quick example."""
    base = json.loads((EXAMPLE / "inputs.json").read_text())
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        d = copy.deepcopy(base)
        j_area, j_u = float(rng.uniform(0.8, 1.2)), float(rng.uniform(0.8, 1.2))
        dims = d["overall_dwelling_dimensions"]
        dims["area"] = [a * j_area for a in dims["area"]]
        losses = d["heat_losses_and_heat_loss_parameter"]
        for key in SCALED_AREAS:
            if isinstance(losses.get(key), int | float):
                losses[key] = losses[key] * j_area
        for key in SCALED_U:
            if isinstance(losses.get(key), int | float):
                losses[key] = losses[key] * j_u
        out.append(d)
    return out


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    try:
        import sap2012
    except ImportError:
        raise SystemExit("sap2012 missing: .venv/bin/pip install sap2012==0.0.1 (group 'bench')") from None

    # the package reproduces its own published result before anything is timed
    expected = json.loads((EXAMPLE / "result.json").read_text())["SAP_rating"]["SAP_rating_value"]
    check = sap2012.calculate_worksheet(json.loads((EXAMPLE / "inputs.json").read_text()))
    assert abs(check["SAP_rating"]["SAP_rating_value"] - expected) < 1e-9

    # Ara's entry points set glibc's allocator once per process (allocator.py, settings.py); set it
    # before anything is timed so that both packages run under the same allocator.
    from ara_assets.sap10.allocator import tune_allocator

    tuned = tune_allocator()
    theirs = sap2012_inputs(args.n)
    ours = build(args.n)

    def run_sap2012() -> list[float]:
        return [sap2012.calculate_worksheet(d)["SAP_rating"]["SAP_rating_value"] for d in theirs]

    def run_ara() -> pl.DataFrame:
        return calculate(ours)

    t_wall, t_cpu = _median(run_sap2012, args.runs)
    a_wall, a_cpu = _median(run_ara, args.runs)
    their_sap = np.array(run_sap2012())
    our_sap = run_ara()["sap_rating"].to_numpy()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"python {platform.python_version()}, polars {pl.__version__}, numpy {np.__version__}, "
        f"sap2012 0.0.1, {os.cpu_count()} cpus, POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS')}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, load average {load[0]:.2f} {load[1]:.2f}, "
        f"allocator setting {'applied' if tuned else 'not applied'}"
    )
    print(f"N={args.n} dwellings each, median of {args.runs} runs")
    print(
        f"sap2012 (one by one) wall {t_wall:.3f} s ({args.n / t_wall:,.0f}/s, "
        f"{t_wall / args.n * 1e3:.3f} ms each)"
        f"  cpu {t_cpu:.3f} s ({args.n / t_cpu:,.0f}/s); SAP mean {their_sap.mean():.2f}"
    )
    print(
        f"ara (one batch)      wall {a_wall:.3f} s ({args.n / a_wall:,.0f}/s, "
        f"{a_wall / args.n * 1e3:.4f} ms each)"
        f"  cpu {a_cpu:.3f} s ({args.n / a_cpu:,.0f}/s); SAP mean {np.nanmean(our_sap):.2f}"
    )
    print(f"throughput ratio ara / sap2012: wall {t_wall / a_wall:.1f}x, cpu {t_cpu / a_cpu:.1f}x")


if __name__ == "__main__":
    main()
