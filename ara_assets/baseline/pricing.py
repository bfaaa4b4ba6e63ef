"""Bills at current fuel rates for the energy block of many homes at once (polars joins, no per-home loop):
`price_energy` and `bill_totals` for a batch that must price in full, `price_portfolio` for a portfolio
where a home with an unpriced fuel gets `bill_error` instead of blocking the rest.

Inputs (documented in docs/adr/0006-fuel-rates-and-carbon-factors.md):

- `energy`, long: `property_id`, `end_use`, `fuel_code` (SAP 10.2 Table 12 code), `kwh` (delivered per
  year, >= 0). Optional: `offpeak_category` (a Table 12a Grid 1 row, see
  `data/table_12a_high_rate_fractions.csv`) and `high_rate_fraction` (0..1, given by the calculator
  where the fraction is a formula, e.g. Table 13 immersion heaters or Appendix F CPSUs).
  End use `pv_used` is electricity generated on site and used in the home: a credit at the import rate.
- `meters`, one row per property: `property_id`, `meter_type` (single, dual_7h, dual_10h, 18h, 24h),
  `pv_export_kwh` (>= 0, paid at the export rate), optional `region` (default GB).
- `rates`: fuel rates valid on the pricing date, one row per (region, fuel, tariff) --
  `rates.rates_as_of(rates, on, region=None)` for every region; a home takes its region's rate, else GB's.

SAP's notional prices are not used: bills are at the rates given. A fuel or tariff with no rate raises
`UnpricedFuelError` naming it.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from ara_assets.baseline.rates import DATA_DIR, RatesError, UnpricedFuelError, sap_fuel_map
from ara_assets.sap10.sections.fuel_costs import STANDARD_ELECTRICITY

DAYS_PER_YEAR = 365.0

END_USES = (
    "space_heating_main",
    "space_heating_main_2",
    "space_heating_secondary",
    "water_heating",
    "electric_showers",
    "lighting",
    "appliances",
    "cooking",
    "pumps_fans",
    "cooling",
    "pv_used",
)
# The Table 12a row an end use falls in when the caller gives neither category nor fraction. Main heating
# and water heating have no default: their row depends on the system (storage, direct-acting, heat pump...).
_DEFAULT_CATEGORY = {
    "space_heating_secondary": "direct_acting",  # Grid 1: 'direct-acting electric secondary'
    "electric_showers": "other_uses",
    "lighting": "other_uses",
    "appliances": "other_uses",
    "cooking": "other_uses",
    "pumps_fans": "other_uses",
    "cooling": "other_uses",
    "pv_used": "other_uses",  # Grid 2: 'locally generated electricity'
}

PRICED_SCHEMA = {
    "property_id": pl.Int64(),
    "fuel": pl.String(),
    "kwh": pl.Float64(),
    "kwh_low_rate": pl.Float64(),
    "energy_cost_gbp": pl.Float64(),
    "standing_charge_gbp": pl.Float64(),
    "cost_gbp": pl.Float64(),
    "property_total_gbp": pl.Float64(),
}


@cache
def meter_tariffs() -> pl.DataFrame:
    return pl.read_csv(DATA_DIR / "meter_tariffs.csv", infer_schema=False)


@cache
def table_12a() -> pl.DataFrame:
    """SAP 10.2 Table 12a high-rate fractions by category and off-peak split (completed where sourced)."""
    return pl.read_csv(
        DATA_DIR / "table_12a_high_rate_fractions.csv", schema_overrides={"high_rate_fraction": pl.Float64()}
    )


def _uncastable(frame: pl.DataFrame, column: str, dtype: pl.DataType) -> str:
    """The message for a column that does not cast: its first offending row and value."""
    try:
        loose = frame[column].cast(dtype, strict=False)
        bad = frame.filter(frame[column].is_not_null() & loose.is_null())
    except pl.exceptions.PolarsError:  # e.g. Python objects: no cast at all
        bad = frame
    if not bad.height:
        return f"energy block: field {column!r} of type {frame.schema[column]} cannot be read as {dtype}"
    r = bad.row(0, named=True)
    return (
        f"energy block: property {r.get('property_id')!r}: field {column!r} value {r[column]!r} "
        f"is not a valid {dtype}"
    )


def _check_energy(energy: pl.DataFrame) -> pl.DataFrame:
    need = ("property_id", "end_use", "fuel_code", "kwh")
    missing = [c for c in need if c not in energy.columns]
    if missing:
        raise RatesError(f"energy block: missing column(s) {', '.join(missing)}")
    types = {
        "property_id": pl.Int64(),
        "fuel_code": pl.Int64(),
        "kwh": pl.Float64(),
        "offpeak_category": pl.String(),
        "high_rate_fraction": pl.Float64(),
    }
    energy = energy.with_columns(
        pl.lit(None, dtype=t).alias(c) for c, t in types.items() if c not in energy.columns
    )
    for column, dtype in types.items():
        try:
            energy = energy.with_columns(pl.col(column).cast(dtype))
        except pl.exceptions.PolarsError:
            raise RatesError(_uncastable(energy, column, dtype)) from None
    bad = energy.filter(pl.col("kwh").is_null() | (pl.col("kwh") < 0) | pl.col("kwh").is_nan())
    if bad.height:
        r = bad.row(0, named=True)
        raise RatesError(
            f"energy block: property {r['property_id']} end use {r['end_use']!r}: field 'kwh' value "
            f"{r['kwh']!r} must be a number >= 0"
        )
    bad = energy.filter(~pl.col("end_use").is_in(END_USES))
    if bad.height:
        r = bad.row(0, named=True)
        raise RatesError(
            f"energy block: property {r['property_id']}: field 'end_use' value {r['end_use']!r} "
            "is not one of "
            f"{', '.join(END_USES)}"
        )
    bad = energy.filter((pl.col("high_rate_fraction") < 0) | (pl.col("high_rate_fraction") > 1))
    if bad.height:
        r = bad.row(0, named=True)
        raise RatesError(
            f"energy block: property {r['property_id']} end use {r['end_use']!r}: field 'high_rate_fraction' "
            f"value {r['high_rate_fraction']!r} is outside 0..1"
        )
    return energy


def _check_meters(meters: pl.DataFrame) -> pl.DataFrame:
    missing = [c for c in ("property_id", "meter_type") if c not in meters.columns]
    if missing:
        raise RatesError(f"meters: missing column(s) {', '.join(missing)}")
    meters = meters.with_columns(
        pl.col("property_id").cast(pl.Int64()),
        (
            pl.col("pv_export_kwh").cast(pl.Float64()).fill_null(0.0)
            if "pv_export_kwh" in meters.columns
            else pl.lit(0.0).alias("pv_export_kwh")
        ),
        (
            pl.col("region").cast(pl.String()).fill_null("GB")
            if "region" in meters.columns
            else pl.lit("GB").alias("region")
        ),
    )
    dup = meters.filter(pl.col("property_id").is_duplicated())
    if dup.height:
        raise RatesError(f"meters: property {dup['property_id'][0]} has more than one row")
    bad = meters.filter(~pl.col("meter_type").is_in(meter_tariffs()["meter_type"].to_list()))
    if bad.height:
        r = bad.row(0, named=True)
        raise RatesError(
            f"meters: property {r['property_id']}: field 'meter_type' value {r['meter_type']!r} "
            "is not one of "
            f"{', '.join(meter_tariffs()['meter_type'].to_list())}"
        )
    bad = meters.filter((pl.col("pv_export_kwh") < 0) | pl.col("pv_export_kwh").is_nan())
    if bad.height:
        r = bad.row(0, named=True)
        raise RatesError(
            f"meters: property {r['property_id']}: field 'pv_export_kwh' "
            f"value {r['pv_export_kwh']!r} is negative"
        )
    return meters


def _rate_lookup(rates: pl.DataFrame) -> pl.DataFrame:
    if (
        "region" not in rates.columns
        or not rates.select(pl.struct("fuel", "tariff").is_duplicated().any()).item()
    ):
        # Already one rate per fuel and tariff (rates_as_of for one region): it applies to every home.
        rates = rates.with_columns(pl.lit("GB").alias("region"))
    dup = rates.filter(pl.struct("region", "fuel", "tariff").is_duplicated())
    if dup.height:
        r = dup.row(0, named=True)
        raise RatesError(
            f"rates: more than one rate for fuel {r['fuel']!r} tariff {r['tariff']!r} "
            f"region {r['region']!r}; pass the rates valid on one date (rates_as_of)"
        )
    return rates.select(
        pl.col("region").alias("_region"),
        pl.col("fuel").alias("price_fuel"),
        "tariff",
        pl.col("unit_rate_p_per_kwh").cast(pl.Float64()),
        pl.col("standing_charge_p_per_day").cast(pl.Float64()),
    )


def _attach_rates(frame: pl.DataFrame, lookup: pl.DataFrame, regions: pl.DataFrame) -> pl.DataFrame:
    """Unit rate and standing charge per row: the home's region's rate where there is one, else GB's."""
    rate_columns = ["unit_rate_p_per_kwh", "standing_charge_p_per_day"]
    national = lookup.filter(pl.col("_region") == "GB").drop("_region")
    return (
        frame.join(regions, on="property_id", how="left")
        .with_columns(pl.col("_region").fill_null("GB"))
        .join(lookup, on=["_region", "price_fuel", "tariff"], how="left")
        .join(national, on=["price_fuel", "tariff"], how="left", suffix="_gb")
        .with_columns(pl.coalesce(c, f"{c}_gb").alias(c) for c in rate_columns)
        .drop("_region", *(f"{c}_gb" for c in rate_columns))
    )


def _unpriced(frame: pl.DataFrame, column: str) -> None:
    """Raise for the first row whose rate column is null, naming fuel, tariff and a property."""
    missing = frame.filter(pl.col(column).is_null())
    if not missing.height:
        return
    r = missing.row(0, named=True)
    fuels = missing.select("price_fuel", "tariff").unique().sort("price_fuel", "tariff")
    others = fuels.height - 1
    notes = sap_fuel_map().filter(pl.col("price_fuel") == r["price_fuel"])["note"].drop_nulls()
    why = f" ({notes[0]})" if len(notes) else ""
    raise UnpricedFuelError(
        f"fuel {r['price_fuel']!r} (tariff {r['tariff']!r}) has no rate on the pricing date{why}; "
        f"first home affected: property {r['property_id']}"
        + (f"; {others} other fuel/tariff pair(s) also unpriced" if others > 0 else "")
    )


def price_energy(energy: pl.DataFrame, meters: pl.DataFrame, rates: pl.DataFrame) -> pl.DataFrame:
    """Annual bill per property and fuel: kWh, unit costs, standing charges, PV export income, in £.

    One row per (property_id, fuel) with energy in use, plus a `pv_export` row where a home exports;
    `property_total_gbp` repeats the home's total (all fuels, standing charges, minus export income).
    """
    energy = _check_energy(energy)
    meters = _check_meters(meters)
    lookup = _rate_lookup(rates)
    regions = meters.select("property_id", pl.col("region").alias("_region"))
    fmap = sap_fuel_map().select("sap_fuel_code", "price_fuel", "energy_kind")

    rows = energy.join(fmap, left_on="fuel_code", right_on="sap_fuel_code", how="left")
    unknown = rows.filter(pl.col("price_fuel").is_null())
    if unknown.height:
        r = unknown.row(0, named=True)
        raise RatesError(
            f"energy block: property {r['property_id']} end use {r['end_use']!r}: field 'fuel_code' value "
            f"{r['fuel_code']!r} is not a SAP 10.2 Table 12 fuel code"
        )
    exports = rows.filter(pl.col("energy_kind") == "export")
    if exports.height:
        raise RatesError(
            f"energy block: property {exports['property_id'][0]}: exported electricity (fuel code "
            f"{exports['fuel_code'][0]}) belongs in meters.pv_export_kwh, not in the energy block"
        )
    pv_misuse = rows.filter((pl.col("end_use") == "pv_used") & (pl.col("energy_kind") != "electricity"))
    if pv_misuse.height:
        raise RatesError(
            f"energy block: property {pv_misuse['property_id'][0]}: end use 'pv_used' must have "
            "an electricity "
            f"fuel code, not {pv_misuse['fuel_code'][0]}"
        )

    # Every home with electricity needs its meter.
    rows = rows.join(meters.select("property_id", "meter_type"), on="property_id", how="left")
    no_meter = rows.filter((pl.col("energy_kind") == "electricity") & pl.col("meter_type").is_null())
    if no_meter.height:
        raise RatesError(
            f"meters: property {no_meter['property_id'][0]} uses electricity but has no meter row"
        )
    rows = rows.join(meter_tariffs(), on="meter_type", how="left")

    # Off-peak split: explicit fraction, else Table 12a by category (given or defaulted from the end use).
    default_category = pl.col("end_use").replace_strict(
        _DEFAULT_CATEGORY, default=None, return_dtype=pl.String()
    )
    rows = rows.with_columns(pl.coalesce("offpeak_category", default_category).alias("_category"))
    rows = rows.join(
        table_12a().select(
            pl.col("category").alias("_category"),
            "split",
            pl.col("high_rate_fraction").alias("_table_fraction"),
        ),
        on=["_category", "split"],
        how="left",
    )
    is_elec = pl.col("energy_kind") == "electricity"
    is_split = is_elec & pl.col("split").is_not_null()
    rows = rows.with_columns(
        pl.when(is_split)
        .then(pl.coalesce("high_rate_fraction", "_table_fraction"))
        .otherwise(1.0)
        .alias("_high")
    )
    unsplit = rows.filter(is_split & pl.col("_high").is_null())
    if unsplit.height:
        r = unsplit.row(0, named=True)
        raise RatesError(
            f"energy block: property {r['property_id']} end use {r['end_use']!r} "
            f"on meter {r['meter_type']!r}: "
            f"no SAP 10.2 Table 12a high-rate fraction for category {r['_category']!r}; give "
            "'offpeak_category' (a sourced Table 12a row) or 'high_rate_fraction'"
        )

    sign = pl.when(pl.col("end_use") == "pv_used").then(-1.0).otherwise(1.0)
    high = rows.select(
        "property_id",
        "price_fuel",
        pl.when(is_elec)
        .then(pl.coalesce("high_tariff", "base_tariff"))
        .otherwise(pl.lit("standard"))
        .alias("tariff"),
        (pl.col("kwh") * pl.col("_high") * sign).alias("kwh"),
        pl.lit(False).alias("low_rate"),
    )
    low = rows.filter(is_split).select(
        "property_id",
        "price_fuel",
        pl.col("low_tariff").alias("tariff"),
        (pl.col("kwh") * (1.0 - pl.col("_high")) * sign).alias("kwh"),
        pl.lit(True).alias("low_rate"),
    )
    parts = pl.concat([high, low]).filter(pl.col("kwh") != 0.0)
    parts = _attach_rates(parts, lookup, regions)
    _unpriced(parts, "unit_rate_p_per_kwh")

    per_fuel = parts.group_by("property_id", "price_fuel").agg(
        pl.col("kwh").sum(),
        pl.col("kwh").filter(pl.col("low_rate")).sum().alias("kwh_low_rate"),
        (pl.col("kwh") * pl.col("unit_rate_p_per_kwh")).sum().truediv(100.0).alias("energy_cost_gbp"),
    )
    negative = per_fuel.filter(pl.col("kwh") < -1e-9)
    if negative.height:
        r = negative.row(0, named=True)
        raise RatesError(
            f"energy block: property {r['property_id']}: PV used on site ({-r['kwh']:.1f} kWh more) exceeds "
            f"the {r['price_fuel']} the home buys"
        )

    # Standing charge once per home and fuel in use, at the meter's base tariff for electricity.
    standing_keys = (
        per_fuel.filter(pl.col("kwh") > 0)
        .join(
            meters.select("property_id", "meter_type").join(
                meter_tariffs().select("meter_type", "base_tariff"), on="meter_type"
            ),
            on="property_id",
            how="left",
        )
        .select(
            "property_id",
            "price_fuel",
            pl.when(pl.col("price_fuel") == "electricity")
            .then(pl.col("base_tariff"))
            .otherwise(pl.lit("standard"))
            .alias("tariff"),
        )
    )
    standing = _attach_rates(standing_keys, lookup, regions)
    _unpriced(standing, "standing_charge_p_per_day")
    standing = standing.select(
        "property_id",
        "price_fuel",
        (pl.col("standing_charge_p_per_day") * DAYS_PER_YEAR / 100.0).alias("standing_charge_gbp"),
    )

    fuels = per_fuel.join(standing, on=["property_id", "price_fuel"], how="left").with_columns(
        pl.col("standing_charge_gbp").fill_null(0.0)
    )

    exporting = meters.filter(pl.col("pv_export_kwh") > 0).select(
        "property_id",
        pl.lit("electricity").alias("price_fuel"),
        pl.lit("export").alias("tariff"),
        "pv_export_kwh",
    )
    exporting = _attach_rates(exporting, lookup, regions)
    _unpriced(exporting, "unit_rate_p_per_kwh")
    export_rows = exporting.select(
        "property_id",
        pl.lit("pv_export").alias("price_fuel"),
        pl.col("pv_export_kwh").alias("kwh"),
        pl.lit(0.0).alias("kwh_low_rate"),
        (-pl.col("pv_export_kwh") * pl.col("unit_rate_p_per_kwh") / 100.0).alias("energy_cost_gbp"),
        pl.lit(0.0).alias("standing_charge_gbp"),
    )

    out = (
        pl.concat([fuels.select(export_rows.columns), export_rows])
        .rename({"price_fuel": "fuel"})
        .with_columns((pl.col("energy_cost_gbp") + pl.col("standing_charge_gbp")).alias("cost_gbp"))
        .with_columns(pl.col("cost_gbp").sum().over("property_id").alias("property_total_gbp"))
        .sort("property_id", "fuel")
    )
    return out.select([pl.col(c).cast(t) for c, t in PRICED_SCHEMA.items()])


def bill_totals(priced: pl.DataFrame) -> pl.DataFrame:
    """One row per property from `price_energy`'s output: energy, standing, export income and total £."""
    return (
        priced.group_by("property_id")
        .agg(
            pl.col("energy_cost_gbp").filter(pl.col("fuel") != "pv_export").sum().alias("energy_cost_gbp"),
            pl.col("standing_charge_gbp").sum(),
            (0.0 - pl.col("energy_cost_gbp").filter(pl.col("fuel") == "pv_export").sum()).alias(
                "export_income_gbp"
            ),
            pl.col("cost_gbp").sum().alias("total_bill_gbp"),
        )
        .sort("property_id")
    )


# Over a whole portfolio: one home's missing price never hides the rest. `price_energy` refuses a batch in
# which any fuel or tariff has no rate; the distinct (fuel, meter, off-peak row) combinations are probed
# first -- a handful, not one per home -- and homes that need an unpriced one get `bill_error` with
# `price_energy`'s message; all others are priced in one vectorised call.
BILL_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "energy_cost_gbp": pl.Float64(),
    "standing_charge_gbp": pl.Float64(),
    "export_income_gbp": pl.Float64(),
    "total_bill_gbp": pl.Float64(),
    "bill_error": pl.String(),
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
                "fuel_code": [row["fuel_code"], STANDARD_ELECTRICITY],
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
