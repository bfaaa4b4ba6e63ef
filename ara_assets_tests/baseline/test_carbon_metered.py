"""Carbon at DESNZ and SAP 10.2 factors; the Few et al. 2023 metered-energy estimate by band."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ara_assets.baseline import rates as r
from ara_assets.baseline.carbon import MissingFactorError, carbon
from ara_assets.baseline.metered import expected_metered


def _factors() -> pl.DataFrame:
    _, factors = r.load_bundled_rates()
    return r.factors_as_of(factors, dt.date(2026, 11, 22))


def test_carbon_at_both_schemes() -> None:
    energy = pl.DataFrame(
        {
            "property_id": [1, 1, 1, 1],
            "end_use": ["space_heating_main", "water_heating", "lighting", "pv_used"],
            "fuel_code": [1, 1, 30, 30],
            "kwh": [9000.0, 1000.0, 2500.0, 500.0],
        }
    )
    out = {row[1]: row[2:] for row in carbon(energy, _factors()).rows()}
    # Gas: 10,000 kWh x 0.18296 (DESNZ 2025) and x 0.210 (SAP 10.2), primary energy x 1.130.
    assert out["mains_gas"] == pytest.approx([10000, 1829.6, 2100.0, 11300.0])
    # Electricity net of PV used: 2,000 kWh x 0.177 and x 0.136, primary x 1.501.
    assert out["electricity"] == pytest.approx([2000, 354.0, 272.0, 3002.0])


def test_missing_factor_raises_or_reports_null() -> None:
    energy = pl.DataFrame(
        {"property_id": [4], "end_use": ["space_heating_main"], "fuel_code": [4], "kwh": [1e4]}
    )
    with pytest.raises(MissingFactorError, match=r"fuel 'heating_oil' has no DESNZ carbon factor"):
        carbon(energy, _factors())
    out = carbon(energy, _factors(), on_missing="null").row(0, named=True)
    assert out["kg_co2e_desnz"] is None
    assert out["kg_co2e_sap"] == pytest.approx(2980.0)


def test_expected_metered_by_band() -> None:
    out = expected_metered([100.0, 200.0, 300.0, 400.0, 500.0, None], ["b", "C", "D", "E", "G", "F"])
    assert out["metered_to_epc_ratio"].to_list() == [1.0, 0.92, 0.80, 0.65, 0.52, 0.52]
    assert out["expected_metered_primary_energy_kwh_m2_estimate"].to_list() == pytest.approx(
        [100.0, 184.0, 240.0, 260.0, 260.0, None], nan_ok=True
    )
    # Additive form: EPC + the band's mean gap (Few et al. Table: C -25.9, E -161), floored at zero.
    additive = out["expected_metered_primary_energy_kwh_m2_estimate_additive"].to_list()
    assert additive[1] == pytest.approx(174.1) and additive[3] == pytest.approx(239.0)
    low = expected_metered([100.0], ["G"])["expected_metered_primary_energy_kwh_m2_estimate_additive"][0]
    assert low == 0.0
    assert all("estimate" in c for c in out.columns if c.startswith("expected_metered"))


def test_expected_metered_refuses_bad_input() -> None:
    with pytest.raises(r.RatesError, match=r"row 2: field 'band' value 'H' is not an EPC band"):
        expected_metered([100.0, 100.0], ["A", "H"])
    with pytest.raises(r.RatesError, match=r"row 1: field 'primary_energy_kwh_m2' value -5.0 is negative"):
        expected_metered([-5.0], ["C"])
