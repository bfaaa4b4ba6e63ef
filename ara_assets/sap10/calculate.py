"""The SAP 10.2 worksheet over a batch: `calculate` (frame in, results frame out) and `worksheet` (trace)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Literal

import numpy as np
import polars as pl

from ara_assets.epc.bands import band_series
from ara_assets.sap10 import approximations
from ara_assets.sap10.appendices.heat_networks import heat_networks
from ara_assets.sap10.appendices.pv import photovoltaics
from ara_assets.sap10.inputs import prepare_inputs, prepare_inputs_collect, prepare_with_elements
from ara_assets.sap10.inputs.prepare import Converted
from ara_assets.sap10.sections.cooling import cooling
from ara_assets.sap10.sections.dimensions import dimensions
from ara_assets.sap10.sections.emissions import emissions
from ara_assets.sap10.sections.energy_requirements import energy_requirements
from ara_assets.sap10.sections.fuel_costs import STANDARD_ELECTRICITY, fuel_costs, water_fuel_of
from ara_assets.sap10.sections.generation import generation
from ara_assets.sap10.sections.heat_loss import heat_loss
from ara_assets.sap10.sections.internal_gains import internal_gains
from ara_assets.sap10.sections.mean_temperature import mean_temperature
from ara_assets.sap10.sections.solar_gains import solar_gains
from ara_assets.sap10.sections.space_heating import space_heating
from ara_assets.sap10.sections.ventilation import ventilation
from ara_assets.sap10.sections.water_heating import water_heating
from ara_assets.sap10.sheet import Sheet

SECTIONS = (
    dimensions,
    ventilation,
    heat_loss,
    water_heating,
    internal_gains,
    solar_gains,
    mean_temperature,
    space_heating,
    cooling,
    energy_requirements,
    heat_networks,
    photovoltaics,
    generation,
    fuel_costs,
    emissions,
)

# result column -> worksheet line (documented in docs/sap10/COVERAGE.md)
OUTPUTS: dict[str, str] = {
    "sap_rating": "sap_value",
    "ecf": "(257)",
    "total_fuel_cost_gbp": "(255)",
    "ei_rating": "ei_value",
    "co2_kg_per_year": "(272)",
    "co2_kg_per_m2": "(273)",
    "primary_energy_kwh": "(286)",
    "primary_energy_kwh_per_m2": "(287)",
    "space_heating_kwh": "(98)",
    "water_heating_kwh": "(64)",
    "main_space_heating_fuel_kwh": "(211)",
    "main_2_space_heating_fuel_kwh": "(213)",
    "secondary_space_heating_fuel_kwh": "(215)",
    "water_heating_fuel_kwh": "(219)",
    "pumps_fans_electricity_kwh": "(231)",
    "electric_shower_electricity_kwh": "(64a)",
    "lighting_electricity_kwh": "(232)",
    # Appliances and cooking are outside SAP costs and CO2; reported for bills and PV self-use only.
    "appliances_electricity_kwh": "L15",
    "cooking_electricity_kwh": "L20",
    "cooling_electricity_kwh": "(221)",
    "pv_generated_kwh": "E_PV",
    "pv_used_in_dwelling_kwh": "(233a)",
    "pv_exported_kwh": "(233b)",
    "wind_generated_kwh": "E_wind",
    "hydro_generated_kwh": "E_hydro",
}


def _run(
    df: pl.DataFrame,
    errors: np.ndarray | None = None,
    trace: bool = False,
    converted: Converted | None = None,
) -> Sheet:
    s = Sheet(df=df, n=df.height, errors=errors, trace=trace)
    # converted once, during validation: list columns flattened, numeric scalar columns
    if converted is not None:
        s.preload(converted)
    with np.errstate(all="ignore") if errors is not None else nullcontext():
        for section in SECTIONS:
            section(s)
    s.L["_zero"] = np.zeros(s.n)
    return s


# Rows per worksheet pass. A pass holds a few hundred (N, 12) float64 temporaries; at N = 10,000 they are
# ~1 MB each and their memory is reused from pass to pass, whereas one pass over 100,000 realistic homes
# (~10 MB per temporary) took ~100,000 minor page faults and ~0.45 s of system time per call, against ~600
# faults and no measurable system time for ten chunks of 10,000 (docs/benchmarks.md).
CHUNK_ROWS = 10_000


def calculate(inputs: pl.DataFrame, errors: Literal["raise", "collect"] = "raise") -> pl.DataFrame:
    """Score every row of ``inputs`` (see ``INPUT_SCHEMA``) with the SAP 10.2 worksheet.

    Returns one row per input row, in the same order, with ``home_id`` and the result columns of
    ``OUTPUTS`` plus ``sap_rating_int``, ``band``, ``ei_rating_int`` and the Table 12 fuel code of each
    end use (``main_heating_fuel``, ``secondary_heating_fuel``, ``water_heating_fuel``, ``electricity_fuel``
    for pumps, fans, lighting, appliances, cooking). PV figures are positive kWh. Appliances and cooking
    are not part of SAP costs, CO2 or the rating; they are reported for bills.
    ``approximations`` lists the codes of the approximations the row was computed with (a value from an
    older edition or a third-party transcription where the SAP 10.2 cell is not transcribed; see
    ``approximations.registry()``).
    ``errors="raise"`` (default) raises ``UnsupportedInput`` at the first row the worksheet cannot handle;
    ``errors="collect"`` scores every other row and adds an ``error`` column (null where scored; the
    message names the record, field and value) with null results for the refused rows.
    Batches above ``CHUNK_ROWS`` are scored in chunks of that size (same results, less memory traffic).
    """
    if inputs.height <= CHUNK_ROWS:
        return _calculate_batch(inputs, errors)
    # rows are independent: a large batch is scored chunk by chunk, with identical results
    starts = range(0, inputs.height, CHUNK_ROWS)
    parts = [_calculate_batch(inputs.slice(i, CHUNK_ROWS), errors) for i in starts]
    return pl.concat(parts, how="vertical_relaxed")


def _calculate_batch(inputs: pl.DataFrame, errors: Literal["raise", "collect"]) -> pl.DataFrame:
    if errors == "collect":
        return _calculate_collect(inputs)
    df, converted = prepare_with_elements(inputs)
    return _results(_run(df, converted=converted))


def _calculate_collect(inputs: pl.DataFrame) -> pl.DataFrame:
    """Score the rows that can be scored; the others get null results and their ``error`` message."""
    df, errs = prepare_inputs_collect(inputs)
    good = np.array([e is None for e in errs], dtype=bool)
    sub_errors = np.full(int(good.sum()), None, dtype=object)
    s = _run(df.filter(pl.Series(good)), sub_errors)
    errs[np.flatnonzero(good)] = sub_errors
    ok = np.array([e is None for e in errs], dtype=bool)
    scored = _results(s).with_columns(pl.Series("_row", np.flatnonzero(good)))
    frame = pl.DataFrame({"_row": np.arange(inputs.height), "home_id": inputs.get_column("home_id")})
    out = frame.join(scored.drop("home_id"), on="_row", how="left").sort("_row")
    failed = pl.Series(~ok)
    value_cols = [c for c in out.columns if c not in ("_row", "home_id")]
    out = out.with_columns([pl.when(failed).then(None).otherwise(pl.col(c)).alias(c) for c in value_cols])
    return out.drop("_row").with_columns(pl.Series("error", errs.tolist(), dtype=pl.String))


def _results(s: Sheet) -> pl.DataFrame:
    L = s.L
    cols: dict[str, object] = {"home_id": s.df.get_column("home_id")}
    for name, line in OUTPUTS.items():
        value = L[line]
        cols[name] = -value if line in ("(233a)", "(233b)") else value
    cols["sap_rating_int"] = np.nan_to_num(L["(258)"]).astype(np.int32)  # NaN only in refused rows
    cols["band"] = band_series(L["(258)"])
    cols["ei_rating_int"] = np.nan_to_num(L["(274)"]).astype(np.int32)
    # Table 12 fuel codes of each delivered-energy column, so bills can be priced per fuel
    cols["main_heating_fuel"] = s.df.get_column("main_heating_fuel")
    cols["main_heating_2_fuel"] = s.df.get_column("main_heating_2_fuel")
    cols["secondary_heating_fuel"] = s.df.get_column("secondary_heating_fuel")
    cols["water_heating_fuel"] = pl.Series(water_fuel_of(s), dtype=pl.Int32)
    cols["electricity_fuel"] = pl.Series(np.full(s.n, STANDARD_ELECTRICITY, dtype=np.int32))
    # values standing in for cells not transcribed (codes in tables/approximations.csv)
    cols["approximations"] = approximations.as_column(s.approximations, s.n)
    return pl.DataFrame(cols)


def worksheet(inputs: pl.DataFrame | dict[str, object], index: int = 0) -> dict[str, float | list[float]]:
    """Every numbered worksheet line for one home (row ``index``): ``"(4)"`` -> float, monthly lines
    (named with a trailing ``m``, e.g. ``"(98)m"``) -> 12 floats; a line with no annual figure is also under
    its plain number (``"(22)"`` -> 12 floats). Appendix L lines are ``"L1"``..``"L20"``.
    """
    frame = pl.DataFrame([inputs]) if isinstance(inputs, dict) else inputs
    s = _run(prepare_inputs(frame.slice(index, 1)), trace=True)
    out: dict[str, float | list[float]] = {}
    for key, value in s.L.items():
        if key.startswith("_"):
            continue
        row = np.asarray(value)[0]
        out[key] = [float(v) for v in row] if np.ndim(row) else float(row)
    # A line that only exists monthly is also listed under its plain number ("(22)" -> 12 values); where
    # the worksheet has an annual figure too, the plain number is the annual one and "(98)m" the months.
    for key in [k for k in out if k.endswith("m") and k.startswith("(")]:
        out.setdefault(key[:-1], out[key])
    return out
