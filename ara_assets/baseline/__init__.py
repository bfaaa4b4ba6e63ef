"""Baseline of a home: fuel rates and carbon factors, bills, carbon and the metered-energy estimate (pure).

The performance pair and rebaselining are built on top of these by the property_baseline asset.
"""

from ara_assets.baseline.carbon import MissingFactorError, carbon
from ara_assets.baseline.metered import expected_metered
from ara_assets.baseline.pricing import bill_totals, price_energy
from ara_assets.baseline.rates import (
    RatesError,
    UnpricedFuelError,
    factors_as_of,
    load_bundled_rates,
    rates_as_of,
    validate_factors,
    validate_rates,
)

__all__ = [
    "MissingFactorError",
    "RatesError",
    "UnpricedFuelError",
    "bill_totals",
    "carbon",
    "expected_metered",
    "factors_as_of",
    "load_bundled_rates",
    "price_energy",
    "rates_as_of",
    "validate_factors",
    "validate_rates",
]
