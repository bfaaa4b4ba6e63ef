"""Snapshot the scores of a generated portfolio, or compare two snapshots (a behaviour-unchanged check).

    python tools/score_snapshot.py write OUT.parquet [--homes 1000] [--seed 7]
    python tools/score_snapshot.py compare BEFORE.parquet AFTER.parquet

`write` scores every certificate of `generate_portfolio(homes, seed)` with `score_certificates` and saves the
frame; `compare` exits non-zero unless the two frames are identical (same columns, dtypes, rows and values,
nulls and NaNs included). Shows that a refactor of the SAP calculator or the RdSAP expansion changed
nothing.
"""

from __future__ import annotations

import argparse
import sys

import polars as pl
from polars.testing import assert_frame_equal


def write(out: str, homes: int, seed: int) -> None:
    from ara_assets.demo.generate import generate_portfolio
    from ara_assets.sap10.score import score_certificates

    portfolio = generate_portfolio(homes, seed)
    docs = [doc for _, doc in portfolio.iter_documents()]
    frame = score_certificates(docs)
    frame.write_parquet(out)
    print(f"{out}: {frame.height} certificates x {frame.width} columns")


def compare(before: str, after: str) -> int:
    a, b = pl.read_parquet(before), pl.read_parquet(after)
    try:
        assert_frame_equal(a, b, check_exact=True)
    except AssertionError as e:
        print(f"DIFFERENT: {e}")
        return 1
    print(f"identical: {a.height} rows x {a.width} columns")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out")
    w.add_argument("--homes", type=int, default=1000)
    w.add_argument("--seed", type=int, default=7)
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    args = p.parse_args()
    if args.cmd == "write":
        write(args.out, args.homes, args.seed)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
