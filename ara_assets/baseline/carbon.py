"""Carbon (kg CO2e) and primary energy of the energy block, at current DESNZ factors and at SAP 10.2's.

Input: the long energy block of `pricing` (`property_id`, `end_use`, `fuel_code`, `kwh`) and factors valid
on one date (`rates.factors_as_of`), one row per (fuel, scheme). End use `pv_used` counts as avoided
import (negative). Exported electricity earns no carbon credit here: DESNZ location-based reporting does
not credit it, and SAP 10.2 credits it at monthly Table 12d factors that are not transcribed yet.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

from ara_assets.baseline.rates import RatesError, sap_fuel_map

SCHEMES = {"DESNZ": "desnz", "SAP 10.2": "sap"}


class MissingFactorError(RatesError):
    """Energy of a fuel that has no carbon factor in a scheme on the date."""


def carbon(
    energy: pl.DataFrame,
    factors: pl.DataFrame,
    on_missing: Literal["raise", "null"] = "raise",
) -> pl.DataFrame:
    """Per property and carbon fuel: kWh, kg CO2e at DESNZ and at SAP 10.2 factors, SAP primary energy kWh.

    Columns: property_id, fuel, kwh, kg_co2e_desnz, kg_co2e_sap, primary_energy_kwh_sap. A fuel without a
    factor in a scheme raises `MissingFactorError` naming fuel and scheme, or (on_missing="null") leaves that
    figure null so a caller can report it; primary energy is null where SAP gives no factor.
    """
    need = ("property_id", "end_use", "fuel_code", "kwh")
    missing = [c for c in need if c not in energy.columns]
    if missing:
        raise RatesError(f"energy block: missing column(s) {', '.join(missing)}")
    fmap = sap_fuel_map().select("sap_fuel_code", "carbon_fuel", "energy_kind")
    rows = energy.select(
        pl.col("property_id").cast(pl.Int64()),
        "end_use",
        pl.col("fuel_code").cast(pl.Int64()),
        pl.col("kwh").cast(pl.Float64()),
    ).join(fmap, left_on="fuel_code", right_on="sap_fuel_code", how="left")
    unknown = rows.filter(pl.col("carbon_fuel").is_null())
    if unknown.height:
        r = unknown.row(0, named=True)
        raise RatesError(
            f"energy block: property {r['property_id']}: field 'fuel_code' value {r['fuel_code']!r} is not a "
            "SAP 10.2 Table 12 fuel code"
        )
    per_fuel = (
        rows.filter(pl.col("energy_kind") != "export")
        .with_columns(pl.when(pl.col("end_use") == "pv_used").then(-pl.col("kwh")).otherwise(pl.col("kwh")))
        .group_by("property_id", pl.col("carbon_fuel").alias("fuel"))
        .agg(pl.col("kwh").sum())
    )
    dup = factors.filter(pl.struct("fuel", "scheme").is_duplicated())
    if dup.height:
        r = dup.row(0, named=True)
        raise RatesError(
            f"factors: more than one factor for fuel {r['fuel']!r} scheme {r['scheme']!r}; "
            "pass the factors valid on one date (factors_as_of)"
        )
    out = per_fuel
    for scheme, suffix in SCHEMES.items():
        table = factors.filter(pl.col("scheme") == scheme).select(
            "fuel",
            pl.col("kg_co2e_per_kwh").cast(pl.Float64()).alias(f"_co2_{suffix}"),
            pl.col("primary_energy_factor").cast(pl.Float64()).alias(f"_pef_{suffix}"),
        )
        out = out.join(table, on="fuel", how="left")
        gap = out.filter(pl.col(f"_co2_{suffix}").is_null() & (pl.col("kwh") != 0))
        if gap.height and on_missing == "raise":
            r = gap.row(0, named=True)
            raise MissingFactorError(
                f"fuel {r['fuel']!r} has no {scheme} carbon factor on the date; first home affected: "
                f"property {r['property_id']} (import one with `ara rates import --kind factors`, or "
                "call carbon(..., on_missing='null'))"
            )
    return out.select(
        "property_id",
        "fuel",
        "kwh",
        (pl.col("kwh") * pl.col("_co2_desnz")).alias("kg_co2e_desnz"),
        (pl.col("kwh") * pl.col("_co2_sap")).alias("kg_co2e_sap"),
        (pl.col("kwh") * pl.col("_pef_sap")).alias("primary_energy_kwh_sap"),
    ).sort("property_id", "fuel")


CARBON_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "co2_desnz_kg": pl.Float64(),
    "co2_sap_kg": pl.Float64(),
    "primary_energy_sap_kwh": pl.Float64(),
}


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
