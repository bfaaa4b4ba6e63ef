"""How likely a plan is to reach its target: per home-phase probability and the portfolio's interval.

- Per home-phase: the true SAP after the phase is modelled as normal around the point value `sap_after`
  with the home's baseline spread (`effective_sap_sd`, baseline/uncertainty.py) carried unchanged
  through the phases (a measure's modelled gain is taken as exact; the doubt is about where the home
  starts). A band or SAP target is met on the integer rating, so the threshold is `min_sap - 0.5`:
  P = 1 - Phi((min_sap - 0.5 - sap_after) / sd). Goals on CO2 or bills have no spread model yet: their
  probability is 1 or 0 by the point result.
- Per phase of the portfolio: the number of homes reaching the target is a sum of independent Bernoulli
  trials with different probabilities (Poisson-binomial). Its exact distribution is built by convolving
  the homes one by one (numpy, O(n^2)) up to `EXACT_LIMIT` uncertain homes, and approximated by a normal
  with continuity correction beyond (`interval`); the expected count is the sum of the probabilities
  and the 90 % interval runs from the 5th to the 95th percentile of that distribution.
  Independence between homes is an assumption: homes predicted from the same neighbours share errors,
  so the true interval is wider.
"""

from __future__ import annotations

import math
import re

import numpy as np
import polars as pl

from ara_assets.epc.bands import BAND_MIN_SAP

INTERVAL = 0.90


def normal_cdf(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF (numpy has no erf; math.erf over the array is exact and small enough)."""
    flat = np.asarray(x, dtype=float)
    return 0.5 * (1.0 + np.frompyfunc(math.erf, 1, 1)(flat / math.sqrt(2.0)).astype(float))


def probability_reaching(sap_after: np.ndarray, min_sap: float | np.ndarray, sd: np.ndarray) -> np.ndarray:
    """P(true SAP rounds to at least `min_sap`) for a normal spread `sd` around `sap_after`."""
    sap_after = np.asarray(sap_after, dtype=float)
    sd = np.asarray(sd, dtype=float)
    z = (np.asarray(min_sap, dtype=float) - 0.5 - sap_after) / np.where(sd > 0, sd, np.nan)
    p = 1.0 - normal_cdf(np.nan_to_num(z, nan=0.0))
    # no spread known: the point result decides
    return np.where(np.isnan(z), (sap_after >= np.asarray(min_sap, dtype=float) - 0.5).astype(float), p)


def required_sap(min_sap: float, sd: np.ndarray, confidence: float) -> np.ndarray:
    """The point SAP a home must reach so that P(reaching `min_sap`) >= `confidence`."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(confidence)
    return min_sap - 0.5 + z * np.asarray(sd, dtype=float)


def confident_threshold(threshold: np.ndarray, sd: np.ndarray, confidence: float) -> np.ndarray:
    """A band/SAP goal's threshold (`min_sap - 0.5` per home) raised so that reaching it means a
    probability of at least `confidence` under the home's spread `sd`; homes without a spread keep it."""
    from statistics import NormalDist

    z = NormalDist().inv_cdf(confidence)
    sd = np.asarray(sd, dtype=float)
    return np.asarray(threshold, dtype=float) + np.where(np.isnan(sd), 0.0, z * np.nan_to_num(sd))


def poisson_binomial(p: np.ndarray) -> np.ndarray:
    """Distribution of the number of successes of independent trials with probabilities `p`."""
    dist = np.zeros(len(p) + 1)
    dist[0] = 1.0
    for i, pi in enumerate(np.asarray(p, dtype=float)):
        dist[1 : i + 2] = dist[1 : i + 2] * (1 - pi) + dist[: i + 1] * pi
        dist[0] *= 1 - pi
    return dist


EXACT_LIMIT = 5000


def interval(p: np.ndarray, level: float = INTERVAL) -> tuple[int, int]:
    """Central `level` interval of the Poisson-binomial count: (lower, upper) percentiles, each the
    smallest count whose cumulative probability reaches the tail.

    Homes certain either way (p = 0 or 1) only shift the count. Up to `EXACT_LIMIT` uncertain homes the
    distribution is exact (`poisson_binomial`, O(n^2)); beyond, its normal approximation with continuity
    correction (mean sum p, variance sum p(1-p)), which differs from the exact percentiles by at most
    one home there (a test pins the agreement) and keeps 100,000 homes to milliseconds."""
    from statistics import NormalDist

    p = np.asarray(p, dtype=float)
    if len(p) == 0:
        return (0, 0)
    certain = int((p >= 1.0).sum())
    unsure = p[(p > 0.0) & (p < 1.0)]
    tail = (1.0 - level) / 2.0
    if len(unsure) == 0:
        return (certain, certain)
    if len(unsure) <= EXACT_LIMIT:
        cdf = np.cumsum(poisson_binomial(unsure))
        low = int(np.searchsorted(cdf, tail - 1e-12, side="left"))
        high = int(np.searchsorted(cdf, 1.0 - tail - 1e-12, side="left"))
        return (certain + low, certain + min(high, len(unsure)))
    mu = float(unsure.sum())
    sigma = float(np.sqrt((unsure * (1.0 - unsure)).sum()))
    normal = NormalDist()
    low = math.ceil(mu + normal.inv_cdf(tail) * sigma - 0.5)
    high = math.ceil(mu + normal.inv_cdf(1.0 - tail) * sigma - 0.5)
    return (certain + max(low, 0), certain + min(high, len(unsure)))


_BAND = re.compile(r"\bband ([A-G])\b", re.IGNORECASE)
_SAP = re.compile(r"\bSAP (\d+)\b")


def goal_min_sap(goal: str | None, goal_kind: str | None) -> float | None:
    """The minimum integer SAP of a phase's goal text (`Goal.describe()`), None for CO2 or bill goals."""
    if goal is None:
        return None
    if goal_kind == "band" and (m := _BAND.search(goal)):
        return float(BAND_MIN_SAP[m.group(1).upper()])
    if goal_kind == "sap" and (m := _SAP.search(goal)):
        return float(m.group(1))
    return None


def with_probability(phases: pl.DataFrame, spread: pl.DataFrame) -> pl.DataFrame:
    """Plan phases with `sap_sd` and `probability_reaching_target`.

    phases: plan phase rows (property_id, goal, goal_kind, sap_after, reaches_target); spread:
    property_id, effective_sap_sd (the baseline's)."""
    frame = phases.with_columns(pl.col("property_id").cast(pl.Int64)).join(
        spread.select(pl.col("property_id").cast(pl.Int64), pl.col("effective_sap_sd").alias("sap_sd")),
        on="property_id",
        how="left",
    )
    goals = frame.select("goal", "goal_kind").unique()
    goals = goals.with_columns(
        pl.Series(
            "_min_sap",
            [goal_min_sap(g, k) for g, k in goals.iter_rows()],
            dtype=pl.Float64,
        )
    )
    frame = frame.join(goals, on=["goal", "goal_kind"], how="left", nulls_equal=True)
    min_sap = frame["_min_sap"].fill_null(np.nan).to_numpy()
    sap_after = frame["sap_after"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    sd = frame["sap_sd"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    point = frame["reaches_target"].fill_null(False).to_numpy().astype(float)
    modelled = ~np.isnan(min_sap) & ~np.isnan(sap_after)
    prob = point.copy()
    if modelled.any():
        prob[modelled] = probability_reaching(sap_after[modelled], min_sap[modelled], sd[modelled])
    return frame.drop("_min_sap").with_columns(pl.Series("probability_reaching_target", prob))
