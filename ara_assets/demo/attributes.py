"""Plausible landlord attributes for a synthetic portfolio: tenure, listed building, conservation area, gas
grid, market value (`attributes.csv`, the file `ara portfolio attributes import` reads).

Drawn from a generator of their own (seed + 1), so adding them leaves the portfolio's certificates as they
were. Shares are rough figures for an English housing association's stock, for demonstration only:
- tenure: 85 % social rent, 8 % affordable rent, 4 % shared ownership, 3 % leasehold (right-to-buy
  leaseholders in blocks);
- listed buildings 0.5 % (pre-1900 homes only), conservation areas 6 % (10 % of pre-1930 homes);
- on the gas grid: as the home's certificate says (mains gas), else 85 %;
- market value: £2,200 a square metre for houses, £2,600 for flats, +-15 %, rounded to £1,000.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import polars as pl

from ara_assets.demo.generate import SyntheticPortfolio

ATTRIBUTE_COLUMNS = (
    "uprn",
    "tenure",
    "listed_building",
    "conservation_area",
    "on_gas_grid",
    "property_value_gbp",
)


def demo_attributes(p: SyntheticPortfolio) -> pl.DataFrame:
    """One row per home of `p` (ATTRIBUTE_COLUMNS); deterministic for the portfolio's seed."""
    rng = np.random.Generator(np.random.PCG64(p.seed + 1))
    n = p.homes.height
    latest = (
        p.certificates.with_row_index("_r")
        .sort("home_index", "_r")
        .group_by("home_index")
        .agg(
            pl.col("mains_gas").last(),
            pl.col("age_index").last(),
            pl.col("floor_area_total").last(),
            pl.col("is_flat").last(),
        )
    )
    home = (
        pl.DataFrame({"home_index": np.arange(n)})
        .join(latest.cast({"home_index": pl.Int64}), on="home_index", how="left")
        .sort("home_index")
    )
    u = rng.random((n, 5))
    tenure = np.select(
        [u[:, 0] < 0.85, u[:, 0] < 0.93, u[:, 0] < 0.97],
        ["social_rent", "affordable_rent", "shared_ownership"],
        "leasehold",
    )
    age = home["age_index"].fill_null(5).to_numpy()
    listed = (age <= 1) & (u[:, 1] < 0.05)
    conservation = listed | (u[:, 2] < np.where(age <= 3, 0.10, 0.04))
    gas = home["mains_gas"].cast(pl.Boolean, strict=False).to_numpy()
    gas = np.where(_is_none(gas), u[:, 3] < 0.85, gas).astype(bool)
    area = home["floor_area_total"].fill_null(70.0).to_numpy()
    per_m2 = np.where(home["is_flat"].fill_null(False).to_numpy(), 2600.0, 2200.0)
    value = np.round(area * per_m2 * (0.85 + 0.30 * u[:, 4]), -3)
    return pl.DataFrame(
        {
            "uprn": p.homes["uprn"],
            "tenure": tenure,
            "listed_building": listed,
            "conservation_area": conservation,
            "on_gas_grid": gas,
            "property_value_gbp": value,
        }
    )


def _is_none(values: np.ndarray) -> np.ndarray:
    """True where an object array holds None (a home without a certificate)."""
    return np.asarray([v is None for v in values], dtype=bool)


def attributes_csv(frame: pl.DataFrame) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ATTRIBUTE_COLUMNS)
    for row in frame.select(ATTRIBUTE_COLUMNS).iter_rows():
        writer.writerow(["" if v is None else (str(v).lower() if isinstance(v, bool) else v) for v in row])
    return buf.getvalue()


def write_attributes(p: SyntheticPortfolio, out: Path) -> Path:
    path = out / "attributes.csv"
    path.write_text(attributes_csv(demo_attributes(p)), encoding="utf-8")
    return path
