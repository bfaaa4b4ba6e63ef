"""Leave-one-out accuracy (and time) of the predicted EPC on a generated portfolio.

    .venv/bin/python benchmarks/prediction.py --homes 10000 [--seed 42]

Generates the synthetic portfolio (generator 2.0.0: streets and estates share attributes), takes each
home's current certificate in normalised form, and runs `ara_assets.prediction.validate.leave_one_out`:
every home predicted from the others knowing only its address and postcode, both documents scored by
the SAP 10.2 calculator. Prints the metrics as JSON with the wall time of the prediction and scoring.
The same numbers come from `ara predict validate NAME --json` on a portfolio in the warehouse.
"""

from __future__ import annotations

import argparse
import json
import time

import polars as pl

from ara_assets.demo.generate import generate_portfolio
from ara_assets.epc import normalise_register_json
from ara_assets.prediction.validate import leave_one_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--homes", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    p = generate_portfolio(args.homes, args.seed)
    newest = p.certificates.with_row_index("row").filter(pl.col("rank") == 0)
    docs = {
        int(r["home_index"]): json.dumps(normalise_register_json(p.document(int(r["row"]))["data"]))
        for r in newest.iter_rows(named=True)
    }
    homes = (
        p.homes.with_row_index("property_id")
        .with_columns(pl.col("property_id").cast(pl.Int64))
        .filter(pl.col("property_id").is_in(list(docs)))
        .select("property_id", "uprn", "postcode", "address")
    )
    homes = homes.with_columns(
        pl.col("property_id").replace_strict(docs, return_dtype=pl.String).alias("document")
    )
    start = time.perf_counter()
    metrics, _ = leave_one_out(homes)
    seconds = time.perf_counter() - start
    out = {"homes_generated": args.homes, "seed": args.seed, "seconds": round(seconds, 1), **metrics}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
