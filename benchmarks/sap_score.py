"""Throughput of ``score_certificates`` (RdSAP 10 expansion + SAP 10.2 worksheet) on synthetic certificates.

Run on one core:  POLARS_MAX_THREADS=1 OMP_NUM_THREADS=1 .venv/bin/python benchmarks/sap_score.py -n 10000
Certificates come from ``ara_assets.demo.generate.generate_portfolio`` (register-shaped JSON envelopes).
Timed, each as the median of ``--runs`` runs after one warm-up:
  expand_raw   the expansion reading the documents in place (quirk-tolerant readers)
  expand_norm  the expansion through the EPC parser's normalised form (``parse_certificate`` first)
  score_raw / score_norm   ``score_certificates`` (expansion + worksheet + per-certificate errors);
               ``score_norm`` is the default call, the EPC normalisation by ``epc.normalise``
               (the model's result without building the model)
  score_model  the same through the pydantic model itself (``to_register_json(parse_certificate(doc))``
               per document, then ``score_certificates(..., normalise_docs=False)``): the path before
               ``epc.normalise``
  score_ok     ``score_certificates`` on only the certificates the worksheet accepts (no refusals)
  score_norm_wN  with ``--workers N`` (N > 1): ``score_norm`` with the expansion over N processes
               (``rdsap.parallel``); wall time is what it saves, and needs N idle cores to show it
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import polars as pl

CPU_TIMES: dict[int, float] = {}  # id(fn) -> median CPU time of its runs (one core under contention)
CHILD_TIMES: dict[int, float] = {}  # id(fn) -> median CPU time of its worker processes (--workers)


def _children_cpu() -> float:
    t = os.times()  # workers count once they have ended (each batch's pool ends with the batch)
    return t.children_user + t.children_system


def _median(fn: Callable[[], Any], runs: int) -> tuple[float, list[float]]:
    fn()  # warm-up: table loads, imports, allocator
    times, cpu, child = [], [], []
    for _ in range(runs):
        t, c, w = time.perf_counter(), time.process_time(), _children_cpu()
        fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        child.append(_children_cpu() - w)
    CPU_TIMES[id(fn)] = statistics.median(cpu)
    CHILD_TIMES[id(fn)] = statistics.median(child)
    return statistics.median(times), times


def certificates(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """n register documents from a synthetic portfolio (homes may hold several certificates)."""
    from ara_assets.demo.generate import generate_portfolio

    homes = max(1, int(n / 1.09) + 10)
    docs = [doc for _, doc in generate_portfolio(homes, seed=seed).iter_documents()]
    while len(docs) < n:
        docs.extend(docs[: n - len(docs)])
    return docs[:n]


def main() -> None:
    from ara_assets.settings import apply_process_settings

    apply_process_settings()  # as the `ara` command and the scoring resource do
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="also time score_norm on N processes")
    parser.add_argument("--only", nargs="+", help="time only these cases (names as printed)")
    args = parser.parse_args()

    from ara_assets.sap10.rdsap import expand_collect
    from ara_assets.sap10.score import score_certificates

    docs = certificates(args.n)
    scored = score_certificates(docs, normalise_docs=False)
    ok_mask = scored.get_column("error").is_null().to_list()
    ok_docs = [d for d, ok in zip(docs, ok_mask, strict=True) if ok]
    expanded, exp_errors = expand_collect(docs, normalise_docs=False)
    print(
        f"N={len(docs)}: expanded {expanded.height}, refused by the expansion {len(exp_errors)}, "
        f"scored {sum(ok_mask)}, refused by the worksheet {expanded.height - sum(ok_mask)}"
    )
    reasons = (
        scored.filter(pl.col("error").is_not_null())
        .with_columns(pl.col("error").str.replace(r"^home_id=[^:]*: ", "").str.slice(0, 100).alias("r"))
        .group_by("r")
        .len()
        .sort("len", descending=True)
        .head(8)
    )
    for r in reasons.iter_rows():
        print(f"  {r[1]:6d}  {r[0]}")
    from ara_assets.epc import parse_certificate, to_register_json
    from ara_assets.sap10.rdsap.document import unwrap

    def through_model() -> list[dict[str, Any]]:
        return [to_register_json(parse_certificate(unwrap(d))) for d in docs]

    cases: dict[str, tuple[Callable[[], Any], int]] = {
        "expand_raw": (lambda: expand_collect(docs, normalise_docs=False), len(docs)),
        "expand_norm": (lambda: expand_collect(docs, normalise_docs=True), len(docs)),
        "score_raw": (lambda: score_certificates(docs, normalise_docs=False), len(docs)),
        "score_norm": (lambda: score_certificates(docs, normalise_docs=True), len(docs)),
        "score_model": (lambda: score_certificates(through_model(), normalise_docs=False), len(docs)),
        "score_ok_raw": (lambda: score_certificates(ok_docs, normalise_docs=False), len(ok_docs)),
    }
    if args.workers > 1:
        cases[f"score_norm_w{args.workers}"] = (
            lambda: score_certificates(docs, normalise_docs=True, workers=args.workers),
            len(docs),
        )
    for name, (fn, count) in cases.items():
        if args.only and name not in args.only:
            continue
        med, times = _median(fn, args.runs)
        runs = ", ".join(f"{t:.3f}" for t in times)
        print(
            f"{name:13s} n={count:6d} runs [{runs}] median {med:.3f} s  {count / med:8.0f} cert/s  "
            f"{med / count * 1e3:.3f} ms/cert  (fastest run {count / min(times):.0f} cert/s; "
            f"CPU {count / CPU_TIMES[id(fn)]:.0f} cert/cpu-s)"
        )
        if CHILD_TIMES[id(fn)] > 0:
            # the work of this process and of its workers: on one core, and with a core each
            own, workers = CPU_TIMES[id(fn)], CHILD_TIMES[id(fn)]
            print(
                f"{'':13s} CPU this process {own:.3f} s + workers {workers:.3f} s: "
                f"{count / (own + workers):.0f} cert/cpu-s in all, "
                f"{count / max(own, workers / (args.workers - 1)):.0f} cert/s with a core per process"
            )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python {platform.python_version()}, polars {pl.__version__}, load average {load:.1f}, "
        f"POLARS_MAX_THREADS={os.environ.get('POLARS_MAX_THREADS', '(unset)')}"
    )


if __name__ == "__main__":
    main()
