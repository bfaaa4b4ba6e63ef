"""Bills and carbon for the energy block of a whole portfolio, one home's missing price never hiding the rest.

`pricing.price_energy` refuses a batch in which any fuel or tariff has no rate (naming it). Over a
portfolio, that would let one home on an unpriced fuel (a heat network, say) block every bill. Here the
distinct (fuel, meter, off-peak row) combinations are probed first -- a handful, not one per home -- and
homes that need an unpriced one get `bill_error` with the pricing module's message; all others are priced
in one vectorised call.
"""

from __future__ import annotations

import polars as pl

from ara_assets.baseline.carbon import carbon
from ara_assets.baseline.pricing import bill_totals, price_energy
from ara_assets.baseline.rates import RatesError

BILL_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "energy_cost_gbp": pl.Float64(),
    "standing_charge_gbp": pl.Float64(),
    "export_income_gbp": pl.Float64(),
    "total_bill_gbp": pl.Float64(),
    "bill_error": pl.String(),
}
CARBON_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "co2_desnz_kg": pl.Float64(),
    "co2_sap_kg": pl.Float64(),
    "primary_energy_sap_kwh": pl.Float64(),
}


def _combos(energy: pl.DataFrame, meters: pl.DataFrame) -> pl.DataFrame:
    return (
        energy.join(meters.select("property_id", "meter_type"), on="property_id", how="left")
        .select("end_use", "fuel_code", "offpeak_category", "meter_type")
        .unique()
        .with_row_index("_combo")
    )


def price_portfolio(energy: pl.DataFrame, meters: pl.DataFrame, rates: pl.DataFrame) -> pl.DataFrame:
    """One row per home of `meters`: energy cost, standing charges, export income, total, or `bill_error`."""
    if meters.is_empty():
        return pl.DataFrame(schema=BILL_SCHEMA)
    combos = _combos(energy, meters)
    failures: dict[int, str] = {}
    for row in combos.iter_rows(named=True):
        # The combination under test, beside some ordinary electricity use: PV used on site is a credit
        # that pricing only accepts against consumption.
        probe_energy = pl.DataFrame(
            {
                "property_id": [0, 0],
                "end_use": [row["end_use"], "lighting"],
                "fuel_code": [row["fuel_code"], 30],
                "kwh": [1.0, 1000.0],
                "offpeak_category": [row["offpeak_category"], None],
            },
            schema_overrides={"offpeak_category": pl.String},
        )
        probe_meter = pl.DataFrame(
            {"property_id": [0], "meter_type": [row["meter_type"] or "single"], "pv_export_kwh": [0.0]}
        )
        try:
            price_energy(probe_energy, probe_meter, rates)
        except RatesError as exc:
            failures[row["_combo"]] = str(exc).replace("property 0", "this home")
    tagged = energy.join(meters.select("property_id", "meter_type"), on="property_id", how="left").join(
        combos, on=["end_use", "fuel_code", "offpeak_category", "meter_type"], how="left", nulls_equal=True
    )
    bad = (
        tagged.filter(pl.col("_combo").is_in(list(failures)))
        .group_by("property_id")
        .agg(pl.col("_combo").first())
        .with_columns(pl.col("_combo").replace_strict(failures, return_dtype=pl.String).alias("bill_error"))
        .select("property_id", "bill_error")
    )
    good_energy = energy.join(bad, on="property_id", how="anti")
    good_meters = meters.join(bad, on="property_id", how="anti")
    totals = (
        bill_totals(price_energy(good_energy, good_meters, rates))
        if not good_meters.is_empty()
        else pl.DataFrame(schema={k: v for k, v in BILL_SCHEMA.items() if k != "bill_error"})
    )
    # A home with no delivered energy at all still pays nothing: keep its row.
    out = (
        meters.select("property_id")
        .join(totals, on="property_id", how="left")
        .join(bad, on="property_id", how="left")
    )
    return out.select([pl.col(c).cast(t) for c, t in BILL_SCHEMA.items()]).sort("property_id")


def carbon_portfolio(energy: pl.DataFrame, factors: pl.DataFrame) -> pl.DataFrame:
    """kg CO2e per home at DESNZ and SAP 10.2 factors, SAP primary energy; null where a factor is missing."""
    if energy.is_empty():
        return pl.DataFrame(schema=CARBON_SCHEMA)
    per_fuel = carbon(energy, factors, on_missing="null")
    out = per_fuel.group_by("property_id").agg(
        # A sum over a fuel with a missing factor would understate carbon: null instead.
        pl.when(pl.col("kg_co2e_desnz").is_null().any()).then(None).otherwise(pl.col("kg_co2e_desnz").sum())
        .alias("co2_desnz_kg"),
        pl.when(pl.col("kg_co2e_sap").is_null().any()).then(None).otherwise(pl.col("kg_co2e_sap").sum())
        .alias("co2_sap_kg"),
        pl.when(pl.col("primary_energy_kwh_sap").is_null().any()).then(None)
        .otherwise(pl.col("primary_energy_kwh_sap").sum()).alias("primary_energy_sap_kwh"),
    )  # fmt: skip
    return out.select([pl.col(c).cast(t) for c, t in CARBON_SCHEMA.items()]).sort("property_id")
