"""An ESTIMATE of metered energy from EPC-modelled primary energy, by EPC band (Few et al. 2023).

Few J. et al. (2023), 'The over-prediction of energy use by EPCs in Great Britain: a comparison of
EPC-modelled and metered primary energy use intensity', Energy and Buildings 288, 113024
(doi:10.1016/j.enbuild.2023.113024). For gas-heated homes of the SERL sample, metered primary energy use
intensity was lower than the EPC's by band; the per-band mean gaps and ratios are in
`data/few2023_metered_gap.csv` (sources in that file). Bands A/B did not differ significantly, so their
ratio is 1.

This is a statistical correction of a band's average, not a prediction for one home: the column names say
`estimate`, and the additive form comes with the paper's 95% interval of the band mean.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import polars as pl

from ara_assets.baseline.rates import DATA_DIR, RatesError


@cache
def few2023_gap() -> pl.DataFrame:
    return pl.read_csv(DATA_DIR / "few2023_metered_gap.csv")


def expected_metered(
    primary_energy_kwh_m2: pl.Series | Sequence[float | None],
    band: pl.Series | Sequence[str | None],
) -> pl.DataFrame:
    """Per home (in input order): EPC primary energy intensity and the estimated metered intensity.

    Columns: band, epc_primary_energy_kwh_m2, metered_to_epc_ratio,
    expected_metered_primary_energy_kwh_m2_estimate (EPC x band ratio; the main figure),
    expected_metered_primary_energy_kwh_m2_estimate_additive (EPC + band mean gap, floored at 0) and its
    _low/_high bounds from the band gap's 95% interval. A null input gives null estimates; a band outside
    A-G or a negative intensity is refused.
    """
    frame = pl.DataFrame(
        {
            "epc_primary_energy_kwh_m2": pl.Series(primary_energy_kwh_m2, dtype=pl.Float64()),
            "band": pl.Series(band, dtype=pl.String()).str.strip_chars().str.to_uppercase(),
        }
    ).with_row_index("_row", offset=1)
    bad = frame.filter(pl.col("band").is_not_null() & ~pl.col("band").is_in(list("ABCDEFG")))
    if bad.height:
        r = bad.row(0, named=True)
        raise RatesError(f"row {r['_row']}: field 'band' value {r['band']!r} is not an EPC band A-G")
    bad = frame.filter(pl.col("epc_primary_energy_kwh_m2") < 0)
    if bad.height:
        r = bad.row(0, named=True)
        raise RatesError(
            f"row {r['_row']}: field 'primary_energy_kwh_m2' value "
            f"{r['epc_primary_energy_kwh_m2']!r} is negative"
        )
    gap = few2023_gap().select(
        "band", "metered_to_epc_ratio", "mean_gap_kwh_m2", "ci95_low_kwh_m2", "ci95_high_kwh_m2"
    )
    epc = pl.col("epc_primary_energy_kwh_m2")
    return frame.join(gap, on="band", how="left", maintain_order="left").select(
        "band",
        "epc_primary_energy_kwh_m2",
        "metered_to_epc_ratio",
        (epc * pl.col("metered_to_epc_ratio")).alias("expected_metered_primary_energy_kwh_m2_estimate"),
        (epc + pl.col("mean_gap_kwh_m2"))
        .clip(lower_bound=0.0)
        .alias("expected_metered_primary_energy_kwh_m2_estimate_additive"),
        (epc + pl.col("ci95_low_kwh_m2"))
        .clip(lower_bound=0.0)
        .alias("expected_metered_primary_energy_kwh_m2_estimate_additive_low"),
        (epc + pl.col("ci95_high_kwh_m2"))
        .clip(lower_bound=0.0)
        .alias("expected_metered_primary_energy_kwh_m2_estimate_additive_high"),
    )
