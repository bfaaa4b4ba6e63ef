"""The property baseline: lodged and effective performance side by side, and the energy block.

Pure: frames in, frames out (docs/adr/0008-property-baseline.md).

- Lodged performance: the register's figures of the current certificate (SAP, band, EI, CO2, primary
  energy intensity), read from the raw document.
- Calculated performance: the SAP 10.2 calculator on the effective EPC, at the UK-average climate of the
  rating (SAP 10.2 Appendix U: ratings use region 0).
- Rebaselining: the effective figures are the calculator's when the certificate predates SAP 10.2
  (`pre_sap10`), when overrides or site notes changed the physical state (`physical_state_changed`, from
  the physical hashes of `effective_epc`), or both; otherwise effective = lodged, and a divergence between
  lodged and calculated SAP beyond twice the repeat-assessment spread is flagged, with its reason.
- Energy block: delivered kWh per end use and fuel from the calculator at the home's local climate
  (Table U1-U4 region of its postcode), the shape `ara_assets.baseline.pricing` prices.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import polars as pl

from ara_assets import jsontext
from ara_assets.baseline.uncertainty import lodged_sd_expr, sap_sd_expr
from ara_assets.epc.bands import band_expr
from ara_assets.pcdb import active as pcdb_active
from ara_assets.sap10 import approximations
from ara_assets.sap10.concurrent import calculate_all
from ara_assets.sap10.rdsap.parallel import expand_texts

# the SAP fuel code of electricity end uses when the calculator names none
from ara_assets.sap10.sections.fuel_costs import STANDARD_ELECTRICITY

# Divergence (docs/adr/0024-divergence-beyond-repeat-spread.md): a home that is not rebaselined is divergent
# when its calculated SAP lies further from the lodged one than DIVERGENCE_SPREADS times the repeat-assessment
# spread at the lodged SAP (baseline/uncertainty.py: assessors disagree that much about 1 time in 20), plus
# the register's rounding of SAP to an integer. A smaller difference is what a second assessment of the same
# home would show, so it tells a landlord nothing.
DIVERGENCE_SPREADS = 2.0
SAP_ROUNDING_POINTS = 0.5
# Why a divergent home diverges: "energy_use" when the calculated primary energy differs from the lodged one
# by at least this share of the running-cost difference the SAP gap implies (the inputs that set how much
# energy the home uses disagree: fabric, size, heating efficiency), "prices_or_tariff" when the energy agrees
# but the cost does not (fuel, meter or price table), "unknown" when a figure is missing.
ENERGY_SHARE_OF_COST_GAP = 0.5
DIVERGENCE_REASONS = ("energy_use", "prices_or_tariff", "unknown")

REBASELINE_REASONS = ("none", "pre_sap10", "physical_state_changed", "both")

# Fields of the register document that hold the lodged figures (the register's API guide (Get energy
# performance of buildings data, part 3)).
_LODGED_FIELDS: dict[str, str] = {
    "lodged_sap_rating": "energy_rating_current",
    "lodged_ei_rating": "environmental_impact_current",
    "lodged_co2_t_per_year": "co2_emissions_current",
    "lodged_primary_energy_kwh_per_m2": "energy_consumption_current",
    "lodged_floor_area_m2": "total_floor_area",
}

# SAP electricity tariff codes (SAP-Schema) -> the meter types of ara_assets.baseline.pricing.
METER_TYPES = {1: "single", 2: "dual_7h", 3: "dual_10h", 4: "24h", 5: "18h"}


def _lodged_number(value: Any) -> float | None:
    # Register numbers come bare, as text, or as {"value": x, "quantity": ...} (a known quirk).
    if isinstance(value, dict):
        value = value.get("value")
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _lodged_columns(raws: list[str | None]) -> dict[str, list[Any]]:
    """The lodged figures of each raw document, one parse per document. (Polars' json_path_match parsed the
    whole document once per field: 0.6 ms a home against 0.2 ms here, 40 s of a 100,000-home baseline.)"""
    columns: dict[str, list[Any]] = {name: [] for name in (*_LODGED_FIELDS, "lodged_band_register")}
    for raw in raws:
        doc = jsontext.loads(raw) if raw is not None else None
        if not isinstance(doc, dict):
            doc = {}
        for name, field in _LODGED_FIELDS.items():
            columns[name].append(_lodged_number(doc.get(field)))
        band = doc.get("current_energy_efficiency_band")
        columns["lodged_band_register"].append(band if isinstance(band, str) else None)
    return columns


def lodged_performance(current: pl.DataFrame) -> pl.DataFrame:
    """The register's figures for each property's current certificate (null where it has none)."""
    lodged = _lodged_columns(current["raw"].to_list())
    return (
        current.select(
            "property_id",
            "certificate_number",
            pl.col("sap_version").alias("lodged_sap_version"),
            pl.col("schema_type").alias("lodged_schema_type"),
        )
        .with_columns(
            *[pl.Series(name, lodged[name], dtype=pl.Float64) for name in _LODGED_FIELDS],
            pl.Series("lodged_band_register", lodged["lodged_band_register"], dtype=pl.String),
        )
        .with_columns(
            pl.coalesce(
                "lodged_band_register", band_expr(pl.col("lodged_sap_rating").round(0).cast(pl.Int64))
            ).alias("lodged_band")
        )
        .drop("lodged_band_register")
    )


# Energy block columns of the calculator (at the local climate), kWh per year.
_ENERGY_OUTPUTS = [
    "space_heating_kwh",
    "water_heating_kwh",
    "main_space_heating_fuel_kwh",
    "main_2_space_heating_fuel_kwh",
    "secondary_space_heating_fuel_kwh",
    "water_heating_fuel_kwh",
    "electric_shower_electricity_kwh",
    "pumps_fans_electricity_kwh",
    "lighting_electricity_kwh",
    "appliances_electricity_kwh",
    "cooking_electricity_kwh",
    "cooling_electricity_kwh",
    "pv_generated_kwh",
    "pv_used_in_dwelling_kwh",
    "pv_exported_kwh",
]


CALCULATED_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "calculated_sap_rating": pl.Float64(),
    "calculated_sap_rating_int": pl.Int64(),
    "calculated_band": pl.String(),
    "calculated_ei_rating": pl.Float64(),
    "calculated_co2_t_per_year": pl.Float64(),
    "calculated_primary_energy_kwh_per_m2": pl.Float64(),
    "total_floor_area_m2": pl.Float64(),
    "pcdb_fallback": pl.Boolean(),
    "pcdb_revision": pl.Int32(),
    "approximations": pl.String(),  # approximation codes joined by ";" (sap10/tables/approximations.csv)
    "calculation_error": pl.String(),
    **{c: pl.Float64() for c in _ENERGY_OUTPUTS},
    "primary_energy_kwh_local": pl.Float64(),
    "main_heating_fuel": pl.Int32(),
    "main_heating_2_fuel": pl.Int32(),
    "secondary_heating_fuel": pl.Int32(),
    "water_heating_fuel": pl.Int32(),
    "main_heating_code": pl.Int32(),
    "meter_type": pl.String(),
    "local_climate_region": pl.Int32(),
}


def effective_inputs(
    effective: pl.DataFrame,
    workers: int = 1,
    extra: Callable[[list[dict[str, Any]]], list[Any]] | None = None,
) -> tuple[pl.DataFrame, dict[int, str], list[Any]]:
    """SAP inputs of each property of `effective` (property_id, document: normalised JSON text) that has a
    document, the expansion's refusals, and `extra(docs)`'s value per such property (in their order).

    The one expansion of a home's effective EPC: the baseline scores these inputs (`score_effective`),
    the `sap_inputs` asset stores them and modelling starts every plan from them, so the plan's start and
    the baseline's calculated performance are one calculation of one home. Each of `workers` processes
    parses its own documents a chunk at a time (`rdsap.parallel.expand_texts`; identical results). Rows
    carry `home_id` (str(property_id)) and `property_id`; refused maps property_id -> the message naming
    the field and value.
    """
    with_doc = effective.filter(pl.col("document").is_not_null())
    property_ids = with_doc["property_id"].cast(pl.Int64).to_list()
    inputs, expansion_errors, values = expand_texts(
        with_doc["document"].to_list(), pcdb_active(), workers, extra=extra
    )
    refused: dict[int, str] = {int(property_ids[e.index]): e.message for e in expansion_errors}
    if inputs.height:
        ids = np.asarray(property_ids, dtype=np.int64)[inputs["input_index"].to_numpy()]
        inputs = inputs.with_columns(
            # the worksheet's record id, which its refusals name: the property (docs/CONTEXT.md, Record id)
            pl.Series("home_id", ids.astype(str), dtype=pl.String),
            pl.Series("property_id", ids, dtype=pl.Int64),
        )
    return inputs.drop("input_index", strict=False), refused, values


def score_inputs(inputs: pl.DataFrame) -> pl.DataFrame:
    """The calculator on SAP input rows (keyed by `home_id` and `property_id`): the rating at the UK-average
    climate and the energy block at the local climate, combined (`combine_rating_and_climate`).

    Shared by the baseline and modelling's `score_states`, so a home's calculated figures and a plan's
    start figures come from the same calls. A refused row keeps `calculation_error` and null figures.
    """
    # the local climate: the postcode district's (PCDB Table 172) when known, else the region's
    local_inputs = inputs.with_columns(
        pl.coalesce(
            [pl.col(c) for c in ("postcode_climate_region", "local_climate_region") if c in inputs.columns]
            + [pl.lit(0)]
        )
        .cast(pl.Int32)
        .alias("climate_region")
    )
    # the two calls side by side when the process allows a second thread (sap10/concurrent.py)
    rating, local = calculate_all([inputs, local_inputs], errors="collect")
    return combine_rating_and_climate(inputs, rating, local)


def score_effective(effective: pl.DataFrame, workers: int = 1) -> pl.DataFrame:
    """Calculated performance and energy block for every property with an effective EPC document.

    One row per such property; `calculation_error` names the certificate, field and value where the
    expansion or the worksheet refused it (its figures are then null).
    """
    if effective["document"].is_null().all():
        return pl.DataFrame(schema=CALCULATED_SCHEMA)
    inputs, errors, _ = effective_inputs(effective, workers=workers)
    return score_expanded(inputs, errors)


def score_expanded(inputs: pl.DataFrame, refused: Mapping[int, str]) -> pl.DataFrame:
    """`score_effective` from homes already expanded (`effective_inputs`, or the `sap_inputs` asset's rows):
    the SAP inputs of the homes that expanded, and property_id -> the expansion's message of the others."""
    errors = dict(refused)
    rows = pl.DataFrame(schema={"property_id": pl.Int64()})
    if inputs.height:
        rows = score_inputs(inputs)
        for r in rows.filter(pl.col("calculation_error").is_not_null()).iter_rows(named=True):
            errors[r["property_id"]] = r["calculation_error"]
        rows = rows.filter(pl.col("calculation_error").is_null())
    failed = pl.DataFrame(
        {"property_id": list(errors), "calculation_error": list(errors.values())},
        schema={"property_id": pl.Int64(), "calculation_error": pl.String()},
    )
    out = pl.concat([rows, failed], how="diagonal_relaxed")
    return out.select([pl.col(c).cast(t) if c in out.columns else pl.lit(None, t).alias(c)
                       for c, t in CALCULATED_SCHEMA.items()]).sort("property_id")  # fmt: skip


def combine_rating_and_climate(
    inputs: pl.DataFrame, rating: pl.DataFrame, local: pl.DataFrame
) -> pl.DataFrame:
    def err(frame: pl.DataFrame) -> pl.Expr:
        return pl.col("error") if "error" in frame.columns else pl.lit(None, pl.String)

    empty = pl.lit([], dtype=pl.List(pl.String))

    def approx(frame: pl.DataFrame) -> pl.Expr:
        return pl.col("approximations") if "approximations" in frame.columns else empty

    if not inputs.height == rating.height == local.height:
        raise ValueError(
            f"worksheet results: field 'rows' value {rating.height} / {local.height} "
            f"for {inputs.height} inputs"
        )
    rated = rating.select(
        approx(rating).alias("_approx_rating"),
        pl.col("sap_rating").alias("calculated_sap_rating"),
        pl.col("sap_rating_int").cast(pl.Int64).alias("calculated_sap_rating_int"),
        pl.col("band").alias("calculated_band"),
        pl.col("ei_rating").alias("calculated_ei_rating"),
        (pl.col("co2_kg_per_year") / 1000.0).alias("calculated_co2_t_per_year"),
        pl.col("primary_energy_kwh_per_m2").alias("calculated_primary_energy_kwh_per_m2"),
        err(rating).alias("_rating_error"),
    )
    local_cols = local.select(
        *[pl.col(c) for c in _ENERGY_OUTPUTS],
        pl.col("primary_energy_kwh").alias("primary_energy_kwh_local"),
        "main_heating_fuel",
        "main_heating_2_fuel",
        "secondary_heating_fuel",
        "water_heating_fuel",
        err(local).alias("_local_error"),
    )
    base = inputs.select(
        "property_id",
        pl.col("storey_floor_area_m2").list.sum().alias("total_floor_area_m2"),
        "pcdb_fallback",
        "main_heating_code",
        pl.col("electricity_tariff").replace_strict(METER_TYPES, default="single").alias("meter_type"),
        "local_climate_region",
        (pl.col("pcdb_revision") if "pcdb_revision" in inputs.columns else pl.lit(None, pl.Int32)).alias(
            "pcdb_revision"
        ),
        approx(inputs).alias("_approx_inputs"),
    )
    return (
        # the worksheet returns one row per input row, in input order (sap10.calculate)
        pl.concat([base, rated, local_cols], how="horizontal")
        .with_columns(
            pl.coalesce("_rating_error", "_local_error").alias("calculation_error"),
            # what the score was computed with: the expansion's and the worksheet's approximations
            approximations.merge(pl.col("_approx_inputs"), pl.col("_approx_rating"))
            .list.join(";")
            .alias("approximations"),
        )
        .drop("_rating_error", "_local_error", "_approx_inputs", "_approx_rating")
    )


BASELINE_STATUS = ("ok", "no_effective_epc", "calculation_failed")


def assemble_baseline(
    current: pl.DataFrame, effective: pl.DataFrame, calculated: pl.DataFrame
) -> pl.DataFrame:
    """The performance pair per property: lodged, calculated and effective figures, the rebaseline reason
    and the divergence flag. Every property of `current` keeps its row."""
    lodged = lodged_performance(current)
    eff = effective.select(
        "property_id",
        "uprn",
        "source_path",
        "physical_hash",
        "lodged_physical_hash",
        pl.col("reason").alias("effective_reason"),
        pl.col("document").is_not_null().alias("_has_document"),
        (
            pl.col("prediction_confidence") if "prediction_confidence" in effective.columns
            else pl.lit(None, pl.Float64)
        ).alias("prediction_confidence"),
    )  # fmt: skip
    frame = lodged.join(eff, on="property_id", how="left").join(calculated, on="property_id", how="left")

    pre = pl.col("lodged_sap_version").is_not_null() & (pl.col("lodged_sap_version") < 10.2)
    # No lodged certificate but a survey: the only figures are the calculator's, a physical-state source.
    changed = pl.col("_has_document") & (
        (pl.col("source_path") == "site_notes")
        | pl.col("lodged_physical_hash").is_null()
        | (pl.col("physical_hash") != pl.col("lodged_physical_hash"))
    )
    reason = (
        pl.when(pre & changed)
        .then(pl.lit("both"))
        .when(pre)
        .then(pl.lit("pre_sap10"))
        .when(changed)
        .then(pl.lit("physical_state_changed"))
        .otherwise(pl.lit("none"))
    )
    frame = frame.with_columns(reason.alias("rebaseline_reason"))
    rebased = pl.col("rebaseline_reason") != "none"
    pairs = {
        "sap_rating": ("lodged_sap_rating", "calculated_sap_rating"),
        "ei_rating": ("lodged_ei_rating", "calculated_ei_rating"),
        "co2_t_per_year": ("lodged_co2_t_per_year", "calculated_co2_t_per_year"),
        "primary_energy_kwh_per_m2": (
            "lodged_primary_energy_kwh_per_m2",
            "calculated_primary_energy_kwh_per_m2",
        ),
    }  # fmt: skip
    frame = (
        frame.with_columns(
            [
                pl.when(rebased).then(pl.col(calc)).otherwise(pl.col(lod)).alias(f"effective_{name}")
                for name, (lod, calc) in pairs.items()
            ]
        )
        .with_columns(
            pl.col("effective_sap_rating").round(0).cast(pl.Int64).alias("effective_sap_rating_int"),
        )
        .with_columns(
            pl.when(rebased)
            .then(pl.col("calculated_band"))
            .otherwise(pl.col("lodged_band"))
            .alias("effective_band"),
        )
    )
    has_both = (
        ~rebased & pl.col("calculated_sap_rating").is_not_null() & pl.col("lodged_sap_rating").is_not_null()
    )
    sap_gap = (pl.col("calculated_sap_rating") - pl.col("lodged_sap_rating")).abs()
    allowed = DIVERGENCE_SPREADS * lodged_sd_expr(pl.col("lodged_sap_rating")) + SAP_ROUNDING_POINTS
    divergent = has_both & (sap_gap > allowed)
    status = (
        pl.when(~pl.col("_has_document").fill_null(False))
        .then(pl.lit("no_effective_epc"))
        .when(pl.col("effective_sap_rating").is_null())
        .then(pl.lit("calculation_failed"))
        .otherwise(pl.lit("ok"))
    )
    status_reason = (
        pl.when(~pl.col("_has_document").fill_null(False))
        .then(pl.col("effective_reason"))
        .when(pl.col("effective_sap_rating").is_null())
        .then(pl.lit("calculation failed: ") + pl.col("calculation_error").fill_null("no result"))
        .otherwise(pl.lit(None, pl.String))
    )  # fmt: skip
    return (
        frame.with_columns(
            divergent.fill_null(False).alias("divergent"),
            (pl.col("calculated_sap_rating") - pl.col("lodged_sap_rating")).alias("divergence_sap_points"),
            status.alias("baseline_status"),
            status_reason.alias("baseline_reason"),
        )
        .with_columns(sap_sd_expr())
        .drop("_has_document", "effective_reason")
    )


# Table 12a row of the main heating system on an off-peak meter, by SAP Table 4a code range.
def _offpeak_category_of_main(code: pl.Expr) -> pl.Expr:
    return (
        pl.when(code.is_between(401, 409))
        .then(pl.lit("storage"))
        .when(code.is_between(191, 196))
        .then(pl.lit("direct_acting_boiler"))
        .otherwise(pl.lit("direct_acting"))
    )


def energy_block(calculated: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The calculator's delivered energy as the long energy block and the meters frame of
    `ara_assets.baseline.pricing.price_energy` / `ara_assets.baseline.carbon.carbon`."""
    ok = calculated.filter(
        pl.col("calculation_error").is_null() & pl.col("calculated_sap_rating").is_not_null()
    )
    elec = pl.lit(STANDARD_ELECTRICITY, pl.Int32)
    ends: list[tuple[str, str, pl.Expr, pl.Expr | None]] = [
        ("space_heating_main", "main_space_heating_fuel_kwh", pl.col("main_heating_fuel"),
         _offpeak_category_of_main(pl.col("main_heating_code"))),
        ("space_heating_main_2", "main_2_space_heating_fuel_kwh",
         pl.coalesce("main_heating_2_fuel", "main_heating_fuel"), pl.lit("direct_acting")),
        ("space_heating_secondary", "secondary_space_heating_fuel_kwh",
         pl.col("secondary_heating_fuel"), None),
        # Water heated by an electric immersion on an off-peak meter: priced as direct-acting (all at the
        # high rate) until the calculator reports the Table 13 fraction; conservative, stated in ADR 0008.
        ("water_heating", "water_heating_fuel_kwh", pl.col("water_heating_fuel"), pl.lit("direct_acting")),
        ("electric_showers", "electric_shower_electricity_kwh", elec, None),
        ("lighting", "lighting_electricity_kwh", elec, None),
        ("appliances", "appliances_electricity_kwh", elec, None),
        ("cooking", "cooking_electricity_kwh", elec, None),
        ("pumps_fans", "pumps_fans_electricity_kwh", elec, None),
        ("cooling", "cooling_electricity_kwh", elec, None),
        ("pv_used", "pv_used_in_dwelling_kwh", elec, None),
    ]  # fmt: skip
    parts = [
        ok.select(
            "property_id",
            pl.lit(end_use).alias("end_use"),
            fuel.cast(pl.Int64).alias("fuel_code"),
            pl.col(column).fill_null(0.0).alias("kwh"),
            (category if category is not None else pl.lit(None, pl.String)).alias("offpeak_category"),
        )
        for end_use, column, fuel, category in ends
    ]
    energy = pl.concat(parts).filter((pl.col("kwh") > 0) & pl.col("fuel_code").is_not_null())
    meters = ok.select(
        "property_id",
        pl.col("meter_type").fill_null("single"),
        pl.col("pv_exported_kwh").fill_null(0.0).alias("pv_export_kwh"),
    )
    return energy.sort("property_id", "end_use"), meters


# The persisted baseline: one row per property, flat typed columns (table property_baseline_performance,
# migrations/0007_property_baseline.sql; a test keeps the two in step).
BASELINE_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "uprn": pl.Int64(),
    "certificate_number": pl.String(),
    "source_path": pl.String(),
    "physical_hash": pl.String(),
    "input_key": pl.String(),
    "rates_version": pl.Int64(),
    "baseline_status": pl.String(),
    "baseline_reason": pl.String(),
    "lodged_sap_version": pl.Float64(),
    "lodged_schema_type": pl.String(),
    "lodged_sap_rating": pl.Float64(),
    "lodged_band": pl.String(),
    "lodged_ei_rating": pl.Float64(),
    "lodged_co2_t_per_year": pl.Float64(),
    "lodged_primary_energy_kwh_per_m2": pl.Float64(),
    "lodged_floor_area_m2": pl.Float64(),
    "calculated_sap_rating": pl.Float64(),
    "calculated_sap_rating_int": pl.Int64(),
    "calculated_band": pl.String(),
    "calculated_ei_rating": pl.Float64(),
    "calculated_co2_t_per_year": pl.Float64(),
    "calculated_primary_energy_kwh_per_m2": pl.Float64(),
    "effective_sap_rating": pl.Float64(),
    "effective_sap_rating_int": pl.Int64(),
    "effective_band": pl.String(),
    "effective_ei_rating": pl.Float64(),
    "effective_co2_t_per_year": pl.Float64(),
    "effective_primary_energy_kwh_per_m2": pl.Float64(),
    "rebaseline_reason": pl.String(),
    "divergent": pl.Boolean(),
    "divergence_sap_points": pl.Float64(),
    "pcdb_fallback": pl.Boolean(),
    "calculation_error": pl.String(),
    "total_floor_area_m2": pl.Float64(),
    "local_climate_region": pl.Int32(),
    "meter_type": pl.String(),
    "main_heating_fuel": pl.Int32(),
    "secondary_heating_fuel": pl.Int32(),
    "water_heating_fuel": pl.Int32(),
    **{c: pl.Float64() for c in _ENERGY_OUTPUTS},
    "energy_cost_gbp": pl.Float64(),
    "standing_charge_gbp": pl.Float64(),
    "export_income_gbp": pl.Float64(),
    "total_bill_gbp": pl.Float64(),
    "bill_error": pl.String(),
    "co2_desnz_kg": pl.Float64(),
    "co2_sap_kg": pl.Float64(),
    "primary_energy_sap_kwh": pl.Float64(),
    "expected_metered_primary_energy_kwh_m2_estimate": pl.Float64(),
    # what the figures were computed with (migrations/0011 appends these two columns to the table)
    "pcdb_revision": pl.Int32(),
    "approximations": pl.String(),  # codes joined by ";" (sap10/tables/approximations.csv)
    # how sure the effective SAP is (baseline/uncertainty.py; migrations/0012)
    "effective_sap_sd": pl.Float64(),
    "prediction_confidence": pl.Float64(),
}


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame in BASELINE_SCHEMA's columns and types (missing columns null)."""
    return frame.select(
        [
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in BASELINE_SCHEMA.items()
        ]
    )


def input_keys(current: pl.DataFrame, effective: pl.DataFrame, versions: str) -> pl.DataFrame:
    """What each property's baseline row is computed from, as one comparable string per property.

    `versions` names the rates/factors versions and the calculator code; the rest is per home: the
    physical hash of the effective EPC (or why there is none), the current certificate and its SAP version.
    """
    return (
        current.select("property_id", "certificate_number", "sap_version")
        .join(
            effective.select("property_id", "physical_hash", "source_path", "reason"),
            on="property_id",
            how="left",
        )
        .select(
            "property_id",
            pl.concat_str(
                pl.coalesce("physical_hash", pl.concat_str(pl.lit("none:"), pl.col("reason").fill_null(""))),
                pl.col("source_path").fill_null(""),
                pl.col("certificate_number").fill_null(""),
                pl.col("sap_version").cast(pl.String).fill_null(""),
                pl.lit(versions),
                separator="|",
            ).alias("input_key"),
        )
    )


def divergence_reason_expr() -> pl.Expr:
    """Why a divergent home diverges, from the stored lodged and calculated figures (null when not
    divergent; see DIVERGENCE_REASONS). The running-cost gap is the one the SAP gap implies on the
    logarithmic branch of the rating equation (SAP 10.2 section 13: SAP = 117 - 121 log10 ECF)."""
    cost_rel = (
        pl.lit(10.0).pow(-(pl.col("calculated_sap_rating") - pl.col("lodged_sap_rating")) / 121.0) - 1.0
    ).abs()
    energy_rel = (
        pl.col("calculated_primary_energy_kwh_per_m2") / pl.col("lodged_primary_energy_kwh_per_m2") - 1.0
    ).abs()
    return (
        pl.when(~pl.col("divergent"))
        .then(pl.lit(None, pl.String))
        .when(energy_rel.is_null() | ~energy_rel.is_finite() | cost_rel.is_null())
        .then(pl.lit("unknown"))
        .when(energy_rel >= ENERGY_SHARE_OF_COST_GAP * cost_rel)
        .then(pl.lit("energy_use"))
        .otherwise(pl.lit("prices_or_tariff"))
        .alias("divergence_reason")
    )


def _approximation_counts(baseline: pl.DataFrame) -> dict[str, int]:
    """Homes per approximation code (codes stored joined by ";")."""
    if "approximations" not in baseline.columns:
        return {}
    codes = baseline["approximations"].drop_nulls().str.split(";").explode()
    codes = codes.filter(codes != "")
    if codes.len() == 0:
        return {}
    counts = codes.value_counts(sort=True)
    return {str(k): int(v) for k, v in zip(counts[:, 0].to_list(), counts[:, 1].to_list(), strict=True)}


def _divergence_counts(baseline: pl.DataFrame) -> dict[str, int]:
    """Divergent homes per reason (divergence_reason_expr)."""
    needed = ("divergent", "calculated_sap_rating", "lodged_sap_rating")
    if not all(c in baseline.columns for c in needed) or not baseline.height:
        return {}
    frame = baseline.with_columns(
        *[
            pl.lit(None, pl.Float64).alias(c)
            for c in ("calculated_primary_energy_kwh_per_m2", "lodged_primary_energy_kwh_per_m2")
            if c not in baseline.columns
        ]
    )
    found = frame.select(divergence_reason_expr()).to_series().drop_nulls().value_counts(sort=True)
    return {str(k): int(v) for k, v in found.iter_rows()}


def summarise(baseline: pl.DataFrame) -> dict[str, object]:
    """The portfolio's baseline in a few numbers (asset metadata and `ara portfolio summary`)."""

    def counts(column: str) -> dict[str, int]:
        found = baseline.filter(pl.col(column).is_not_null()).group_by(column).len().sort(column)
        return {str(r[column]): int(r["len"]) for r in found.iter_rows(named=True)}

    rebased = baseline.filter(pl.col("rebaseline_reason") != "none")
    has_sd = "effective_sap_sd" in baseline.columns
    sd = baseline["effective_sap_sd"].drop_nulls() if has_sd else pl.Series([], dtype=pl.Float64)
    bills = baseline["total_bill_gbp"].drop_nulls()
    co2 = baseline["effective_co2_t_per_year"].drop_nulls()
    return {
        "lodged_bands": counts("lodged_band"),
        "effective_bands": counts("effective_band"),
        "rebaselined": {k: v for k, v in counts("rebaseline_reason").items() if k != "none"},
        "rebaselined_total": rebased.height,
        "divergent": int(baseline["divergent"].sum() or 0),
        "divergent_by_reason": _divergence_counts(baseline),
        "approximations": _approximation_counts(baseline),
        "calculation_failed": int((baseline["baseline_status"] == "calculation_failed").sum()),
        "without_effective_epc": int((baseline["baseline_status"] == "no_effective_epc").sum()),
        "source_paths": counts("source_path") if "source_path" in baseline.columns else {},
        "mean_sap_sd": round(float(sd.mean()), 2) if sd.len() else None,
        "bills_priced": bills.len(),
        "bill_errors": int(baseline["bill_error"].is_not_null().sum()),
        "mean_annual_bill_gbp": round(float(bills.mean()), 2) if bills.len() else None,
        "total_co2_tonnes": round(float(co2.sum()), 3),
    }  # fmt: skip
