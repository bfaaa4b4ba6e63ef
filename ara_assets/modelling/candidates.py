"""Exact scoring of SAP input states and the candidate measure options of one phase.

Every figure here comes from the SAP calculator run on an edited copy of a home's inputs, in one batch
per call (rows = home variants): SAP at the rating climate, CO2 and primary energy at the rating climate
(as the baseline's calculated figures), bills and DESNZ carbon from the energy block at the local climate,
priced by `baseline.pricing` and `baseline.carbon` exactly as `property_baseline` prices a home. Nothing
is a sum of per-measure deltas.

    start, refused = start_inputs(effective)            # SAP inputs of each home's effective EPC
    scores = score_states(start, rates, factors)        # one row per input row, same order
    cands = phase_candidates(start, features, scenario, 0, scores, rates, factors)
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ara_assets.baseline.carbon import carbon_portfolio

# score_inputs is the baseline's own scoring (and start_inputs its expansion, through sap_inputs): calling
# them, not copying them, keeps a plan's start and every variant defined exactly as a home's baseline
from ara_assets.baseline.performance import energy_block, score_inputs
from ara_assets.baseline.pricing import price_portfolio
from ara_assets.modelling.catalogue import FABRIC_MEASURE_TYPES
from ara_assets.modelling.eligibility import eligibility_for_phase, eligible_pairs
from ara_assets.modelling.measures import option_variants
from ara_assets.modelling.sap_inputs import refresh, split_homes
from ara_assets.modelling.scenarios import Scenario

# The start of eligibility's reason for a heat pump refused on fabric alone (eligibility._rules).
HEAT_PUMP_FABRIC_REASON = "fabric below the heat-pump minimum"


class CandidateError(ValueError):
    """Bad candidate input: names the record (property_id), the field and the value."""


# One row per scored state. co2_t / primary energy: rating climate (as the baseline's calculated figures);
# bill_gbp: local climate at current rates (as total_bill_gbp of the baseline).
SCORE_SCHEMA: dict[str, pl.DataType] = {
    "sap_rating": pl.Float64(),
    "sap_rating_int": pl.Int64(),
    "band": pl.String(),
    "co2_t": pl.Float64(),
    "primary_energy_kwh_per_m2": pl.Float64(),
    "bill_gbp": pl.Float64(),
    "co2_desnz_kg": pl.Float64(),
    "score_error": pl.String(),
}

CANDIDATE_SCHEMA: dict[str, pl.DataType] = {
    "scenario": pl.String(),
    "scenario_version": pl.Int64(),
    "phase": pl.Int32(),
    "phase_name": pl.String(),
    "property_id": pl.Int64(),
    "option_id": pl.String(),
    "measure_type": pl.String(),
    "requires_measure_type": pl.String(),
    # a heat pump that needs fabric measures of the same package to meet the heat-pump fabric standard
    "requires_fabric": pl.Boolean(),
    "quantity": pl.Float64(),
    "cost_gbp": pl.Float64(),
    "sap_before": pl.Float64(),
    "sap_after": pl.Float64(),
    "sap_int_after": pl.Int64(),
    "band_after": pl.String(),
    "delta_sap": pl.Float64(),
    "co2_before_t": pl.Float64(),
    "co2_after_t": pl.Float64(),
    "delta_co2_t": pl.Float64(),
    "primary_energy_before_kwh_m2": pl.Float64(),
    "primary_energy_after_kwh_m2": pl.Float64(),
    "delta_primary_energy_kwh_m2": pl.Float64(),
    "bill_before_gbp": pl.Float64(),
    "bill_after_gbp": pl.Float64(),
    "delta_bill_gbp": pl.Float64(),
    "co2_desnz_after_kg": pl.Float64(),
    "score_error": pl.String(),
    "in_package": pl.Boolean(),
}

# Columns added by option_variants / apply_package that are not SAP inputs.
_VARIANT_EXTRAS = ("option_id", "measure_type", "quantity", "cost_gbp", "package")


def start_inputs(
    effective: pl.DataFrame, workers: int = 1
) -> tuple[pl.DataFrame, pl.DataFrame, dict[int, str]]:
    """SAP inputs (with property_id) and eligibility features of each home's effective EPC.

    Returns (inputs, features, refused) where refused maps property_id -> the expansion's message.
    """
    for col in ("property_id", "document"):
        if col not in effective.columns:
            raise CandidateError(f"effective_epc: field {col!r} is missing (no such column)")
    # the baseline's own expansion (not a copy of it), as the sap_inputs asset stores it: a plan starts
    # from the home the baseline scored
    rows, _ = refresh(effective, None, workers=workers)
    return split_homes(rows)


def _sap_inputs(states: pl.DataFrame) -> pl.DataFrame:
    out = states.drop([c for c in _VARIANT_EXTRAS if c in states.columns])
    extras = []
    if "pcdb_fallback" not in out.columns:
        extras.append(pl.lit(False).alias("pcdb_fallback"))
    if "local_climate_region" not in out.columns:
        extras.append(pl.lit(None, pl.Int32).alias("local_climate_region"))
    return out.with_columns(extras) if extras else out


def score_states(states: pl.DataFrame, rates: pl.DataFrame, factors: pl.DataFrame) -> pl.DataFrame:
    """Exact scores (SCORE_SCHEMA) of every row of a SAP input frame, in row order, in one batch.

    Two calculator runs (rating and local climate) and one pricing pass; a refused row gets
    `score_error` and null figures.
    """
    n = states.height
    if n == 0:
        return pl.DataFrame(schema=SCORE_SCHEMA)
    rid = np.arange(n, dtype=np.int64)
    # the row number stands in for the property id, so variants of one home stay apart (and is the
    # worksheet's record id, `home_id`, that its refusals name)
    work = _sap_inputs(states).with_columns(
        pl.Series("property_id", rid, dtype=pl.Int64), pl.Series("home_id", rid.astype(str), dtype=pl.String)
    )
    # the baseline's scoring of a home (same calculator calls and climate choice)
    calc = score_inputs(work)
    energy, meters = energy_block(calc)
    bills = price_portfolio(energy, meters, rates)
    carbon = carbon_portfolio(energy, factors)
    out = (
        pl.DataFrame({"property_id": rid})
        .join(calc, on="property_id", how="left")
        .join(bills, on="property_id", how="left")
        .join(carbon, on="property_id", how="left")
        .sort("property_id")
    )
    return out.select(
        pl.col("calculated_sap_rating").alias("sap_rating"),
        pl.col("calculated_sap_rating_int").cast(pl.Int64).alias("sap_rating_int"),
        pl.col("calculated_band").alias("band"),
        pl.col("calculated_co2_t_per_year").alias("co2_t"),
        pl.col("calculated_primary_energy_kwh_per_m2").alias("primary_energy_kwh_per_m2"),
        pl.col("total_bill_gbp").alias("bill_gbp"),
        pl.col("co2_desnz_kg"),
        pl.coalesce("calculation_error", "bill_error").alias("score_error"),
    )


def phase_candidates(
    state: pl.DataFrame,
    features: pl.DataFrame,
    scenario: Scenario,
    phase_index: int,
    start_scores: pl.DataFrame,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
) -> pl.DataFrame:
    """Every eligible option of phase `phase_index` for each home of `state` (its state at phase start),
    with cost and exact impact against `start_scores` (SCORE_SCHEMA, row-aligned with `state`).

    Returns CANDIDATE_SCHEMA rows without scenario / phase columns filled in (the caller adds them) and
    with `in_package` false.
    """
    if start_scores.height != state.height:
        raise CandidateError(
            f"phase {phase_index + 1}: field 'start_scores' value {start_scores.height} rows "
            f"for {state.height} homes"
        )
    homes = state.join(features, on="property_id", how="left")
    for col, dtype in (("listed_building", pl.Boolean), ("conservation_area", pl.Boolean)):
        if col not in homes.columns:
            homes = homes.with_columns(pl.lit(None, dtype).alias(col))
    result = eligibility_for_phase(homes, scenario, phase_index)
    pairs = eligible_pairs(result).with_columns(pl.lit(False).alias("requires_fabric"))
    allowed = set(scenario.allowed_in_phase(phase_index))
    if allowed & FABRIC_MEASURE_TYPES:
        # a heat pump held back only by the fabric standard can come in the same package as the fabric
        # work that meets it; the optimiser accepts such a package only when its fabric passes
        held = result.filter(
            (pl.col("measure_type") == "air_source_heat_pump")
            & pl.col("reason").str.starts_with(HEAT_PUMP_FABRIC_REASON)
        ).select(
            "property_id", "measure_type", "option_id", pl.lit(None, pl.String).alias("requires_measure_type")
        )
        pairs = pl.concat([pairs, held.with_columns(pl.lit(True).alias("requires_fabric"))])
    before = pl.concat([state.select("property_id"), start_scores], how="horizontal")
    variants = option_variants(state, pairs.select("property_id", "option_id"))
    after = score_states(variants, rates, factors)
    scored = pl.concat(
        [variants.select("property_id", "option_id", "measure_type", "quantity", "cost_gbp"), after],
        how="horizontal",
    )
    joined = scored.join(
        pairs.select("property_id", "option_id", "requires_measure_type", "requires_fabric"),
        on=["property_id", "option_id"],
        how="left",
    ).join(before, on="property_id", how="left", suffix="_before")
    return joined.select(
        pl.lit(scenario.name).alias("scenario"),
        pl.lit(None, pl.Int64).alias("scenario_version"),
        pl.lit(phase_index + 1, pl.Int32).alias("phase"),
        pl.lit(scenario.phases[phase_index].name).alias("phase_name"),
        "property_id",
        "option_id",
        "measure_type",
        "requires_measure_type",
        "requires_fabric",
        "quantity",
        "cost_gbp",
        pl.col("sap_rating_before").alias("sap_before"),
        pl.col("sap_rating").alias("sap_after"),
        pl.col("sap_rating_int").alias("sap_int_after"),
        pl.col("band").alias("band_after"),
        (pl.col("sap_rating") - pl.col("sap_rating_before")).alias("delta_sap"),
        pl.col("co2_t_before").alias("co2_before_t"),
        pl.col("co2_t").alias("co2_after_t"),
        (pl.col("co2_t") - pl.col("co2_t_before")).alias("delta_co2_t"),
        pl.col("primary_energy_kwh_per_m2_before").alias("primary_energy_before_kwh_m2"),
        pl.col("primary_energy_kwh_per_m2").alias("primary_energy_after_kwh_m2"),
        (pl.col("primary_energy_kwh_per_m2") - pl.col("primary_energy_kwh_per_m2_before")).alias(
            "delta_primary_energy_kwh_m2"
        ),
        pl.col("bill_gbp_before").alias("bill_before_gbp"),
        pl.col("bill_gbp").alias("bill_after_gbp"),
        (pl.col("bill_gbp") - pl.col("bill_gbp_before")).alias("delta_bill_gbp"),
        pl.col("co2_desnz_kg").alias("co2_desnz_after_kg"),
        "score_error",
        pl.lit(False).alias("in_package"),
    )
