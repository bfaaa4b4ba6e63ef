"""Appendix N: a heat pump with PSR-dependent product (PCDB) data, lines (206) and (217).

The product record gives, for a series of plant size ratios (PSR), the space-heating efficiency and the
water-heating efficiency of the heat pump in % (the caller passes them as list columns, one value per PSR
dataset). SAP 10.2 Appendix N (constants in ``tables/appendix_n_heat_pumps.json`` with their source):

- N2 (p.100): PSR = maximum nominal output (kW) / design heat loss, the design heat loss being the annual
  mean heat transfer coefficient (39) x 24.2 K.
- N2 footnote 43 (p.101): between the two datasets enclosing the dwelling's PSR the efficiency is the
  reciprocal of the linear interpolation of the reciprocals of the efficiencies.
- N2 footnotes 44/45 (p.101): above the largest PSR of the record, a ground, water or air source heat pump
  takes the same interpolation between the largest-PSR efficiency and 100 % at twice that PSR; 100 % beyond.
  Below the smallest PSR: refused (no rule found in a source).
- N3.6 (p.108): (206) = space efficiency x in-use factor 0.95.
- N3.7 (p.108-109), Table N8: (217) = water efficiency x in-use factor (0.95 when the cylinder meets the
  volume, heat-exchanger area and heat-loss criteria of the record, else 0.60), at least 100 %.

Everything is vectorised over homes: the list columns are padded into (N, K) arrays (K = the largest number
of datasets in the batch) and the enclosing pair is found with one comparison per dataset.
"""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sheet import Sheet, rank_in_home

N = "appendix_n_heat_pumps.json"
PSR = "main_heating_hp_psr"
SPACE = "main_heating_hp_space_efficiency_pct"
WATER = "main_heating_hp_water_efficiency_pct"
OUTPUT = "main_heating_hp_output_kw"
CRITERIA = "main_heating_hp_cylinder_criteria_met"


def _padded(s: Sheet, name: str, fill: float) -> np.ndarray:
    """A list column as an (N, K) array, row i holding its elements in order, ``fill`` after them."""
    el = s.elements(name)
    counts = np.bincount(el.parent, minlength=s.n)
    k = int(counts.max()) if counts.size else 0
    out = np.full((s.n, max(k, 1)), fill)
    out[el.parent, rank_in_home(el.parent)] = el.values
    return out


def psr_efficiency(psr: np.ndarray, table_psr: np.ndarray, table_eff: np.ndarray) -> np.ndarray:
    """Efficiency (%) at ``psr`` (N,) from datasets ``table_psr`` / ``table_eff`` (N, K), ascending PSR,
    padded with +inf / NaN: reciprocal-linear interpolation (footnote 43), towards 100 % at twice the
    largest PSR above the record (footnotes 44/45). NaN below the smallest PSR (refused by the caller)."""
    c = tables.load_named(N)
    n = psr.shape[0]
    rows = np.arange(n)
    count = np.sum(np.isfinite(table_psr), axis=1)
    last = np.maximum(count - 1, 0)
    # j = number of datasets at or below the dwelling's PSR; the enclosing pair is (j - 1, j)
    j = np.sum(table_psr <= psr[:, None], axis=1)
    lo = np.clip(j - 1, 0, table_psr.shape[1] - 1)
    hi = np.clip(j, 0, table_psr.shape[1] - 1)
    p_lo, e_lo = table_psr[rows, lo], table_eff[rows, lo]
    p_hi, e_hi = table_psr[rows, hi], table_eff[rows, hi]
    above = j >= count
    # above the record: the second point is 100 % at twice the largest PSR (footnotes 44/45)
    p_max, e_max = table_psr[rows, last], table_eff[rows, last]
    multiple = c.number("beyond_largest_psr_multiple")
    floor = c.number("beyond_largest_psr_efficiency_pct")
    p_lo = np.where(above, p_max, p_lo)
    e_lo = np.where(above, e_max, e_lo)
    p_hi = np.where(above, multiple * p_max, p_hi)
    e_hi = np.where(above, floor, e_hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(p_hi > p_lo, (psr - p_lo) / (p_hi - p_lo), 0.0)
        t = np.clip(t, 0.0, 1.0)  # beyond twice the largest PSR: 100 %
        eff = 1.0 / ((1.0 - t) / e_lo + t / e_hi)
    return np.where(j == 0, np.nan, eff)


def no_product_data(n: int) -> dict[str, np.ndarray]:
    """The result of ``appendix_n`` for homes none of which has product data."""
    none = np.full(n, np.nan)
    return {"has_data": np.zeros(n, dtype=bool), "psr": none, "space": none, "water": none}


def appendix_n(s: Sheet, heat_pump: np.ndarray) -> dict[str, np.ndarray]:
    """PSR, space efficiency for (206) and water efficiency for (217) of main system 1 where its product data
    are given (``has_data``); NaN elsewhere."""
    el = s.elements(PSR)
    if el.values.size == 0:  # no home of the batch has product data (most batches): nothing to work out
        return no_product_data(s.n)
    c = tables.load_named(N)
    has_data = np.bincount(el.parent, minlength=s.n) > 0
    s.refuse(has_data & ~heat_pump, PSR, "Appendix N product data given for a main system not a heat pump")
    s.refuse(has_data & s.is_null(OUTPUT), OUTPUT, "Appendix N needs the heat pump's maximum output (PSR)")
    s.refuse(
        has_data & ~s.is_null("main_heating_efficiency_winter_pct"),
        "main_heating_efficiency_winter_pct",
        "give either a declared efficiency or the Appendix N PSR datasets, not both",
    )
    table_psr = _padded(s, PSR, np.inf)
    # datasets must be in ascending PSR order: the enclosing pair is found by counting
    with np.errstate(invalid="ignore"):  # inf - inf in the padding: NaN, not a descent
        descending = np.any(np.diff(table_psr, axis=1) <= 0, axis=1)
    s.refuse(has_data & descending, PSR, "PSR datasets not ascending")
    # N2: design heat loss = annual mean heat transfer coefficient (39) x 24.2 K, in kW
    design_kw = s.L["(39)"] * c.number("design_temperature_difference_k") / 1000.0
    psr = np.where(has_data, s.col(OUTPUT) / design_kw, np.nan)
    space = psr_efficiency(psr, table_psr, _padded(s, SPACE, np.nan))
    s.refuse(
        has_data & np.isnan(space),
        PSR,
        "dwelling PSR below the smallest PSR of the record (no SAP 10.2 rule found) or efficiency missing",
    )
    water = psr_efficiency(psr, table_psr, _padded(s, WATER, np.nan))
    factor = np.where(
        s.col(CRITERIA, 0.0) == 1.0,
        c.number("water_in_use_factor_criteria_met"),
        c.number("water_in_use_factor_otherwise"),
    )
    minimum = c.number("water_minimum_efficiency_pct")
    return {
        "has_data": has_data,
        "psr": psr,
        # N3.6: in-use factor of the space efficiency
        "space": space * c.number("space_in_use_factor"),
        # N3.7 / Table N8: in-use factor, at least 100 %
        "water": np.where(np.isnan(water), np.nan, np.maximum(water * factor, minimum)),
    }
