import datetime as dt

import polars as pl

from ara_assets.baseline.carbon import carbon_portfolio
from ara_assets.baseline.pricing import price_portfolio
from ara_assets.baseline.rates import factors_as_of, load_bundled_rates, rates_as_of

TODAY = dt.date(2026, 11, 22)


def _rates() -> tuple[pl.DataFrame, pl.DataFrame]:
    rates, factors = load_bundled_rates()
    return rates_as_of(rates, TODAY, region=None), factors_as_of(factors, TODAY)


def _energy(rows: list[tuple[int, str, int, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [r[0] for r in rows],
            "end_use": [r[1] for r in rows],
            "fuel_code": [r[2] for r in rows],
            "kwh": [r[3] for r in rows],
            "offpeak_category": [None] * len(rows),
        },
        schema_overrides={"offpeak_category": pl.String},
    )


def test_one_unpriced_home_does_not_hide_the_others():
    rates, _ = _rates()
    energy = _energy(
        [
            (1, "space_heating_main", 1, 9000.0),
            (1, "lighting", 30, 300.0),
            (2, "space_heating_main", 51, 8000.0),  # heat network: no national price
            (2, "lighting", 30, 300.0),
        ]
    )
    meters = pl.DataFrame({"property_id": [1, 2], "meter_type": ["single"] * 2, "pv_export_kwh": [0.0, 0.0]})
    bills = price_portfolio(energy, meters, rates)
    one, two = bills.row(0, named=True), bills.row(1, named=True)
    assert one["bill_error"] is None and one["total_bill_gbp"] > 0
    assert two["total_bill_gbp"] is None
    assert "heat_network" in two["bill_error"]


def test_pv_used_on_site_is_a_credit_not_an_error():
    rates, _ = _rates()
    energy = _energy([(1, "lighting", 30, 300.0), (1, "appliances", 30, 2000.0), (1, "pv_used", 30, 500.0)])
    meters = pl.DataFrame({"property_id": [1], "meter_type": ["single"], "pv_export_kwh": [700.0]})
    with_pv = price_portfolio(energy, meters, rates).row(0, named=True)
    no_pv_energy = energy.filter(pl.col("end_use") != "pv_used")
    no_pv_meters = meters.with_columns(pl.lit(0.0).alias("pv_export_kwh"))
    without = price_portfolio(no_pv_energy, no_pv_meters, rates).row(0, named=True)
    assert with_pv["bill_error"] is None
    assert with_pv["total_bill_gbp"] < without["total_bill_gbp"]
    assert with_pv["export_income_gbp"] > 0


def test_carbon_is_null_where_a_factor_is_missing():
    _, factors = _rates()
    energy = _energy([(1, "space_heating_main", 1, 10000.0), (2, "space_heating_main", 4, 10000.0)])
    out = carbon_portfolio(energy, factors)
    gas = out.filter(pl.col("property_id") == 1).row(0, named=True)
    assert gas["co2_desnz_kg"] > 1000 and gas["co2_sap_kg"] > 1000
    oil = out.filter(pl.col("property_id") == 2).row(0, named=True)
    assert oil["co2_desnz_kg"] is None  # no DESNZ factor for heating oil in the snapshot
    assert oil["co2_sap_kg"] is not None
