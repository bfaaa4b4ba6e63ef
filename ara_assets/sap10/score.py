"""``score_certificates``: register certificates -> SAP 10.2 results, one row per certificate.

Expansion (RdSAP 10 rules) then the worksheet (``calculate``) over the whole batch. A certificate that
either step refuses gets a row with ``error`` set and null results; the others are scored normally.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from ara_assets.pcdb.products import ProductData
from ara_assets.pcdb.products import active as pcdb_active
from ara_assets.sap10 import approximations
from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.gc_pause import gc_paused
from ara_assets.sap10.rdsap.batch import expand_collect
from ara_assets.sap10.rdsap.document import certificate_number, code, items, num, unwrap

# results of calculate carried to the score (delivered energy per end use and fuel included)
RESULT_COLUMNS: dict[str, pl.DataType] = {
    "sap_rating": pl.Float64(),
    "sap_rating_int": pl.Int32(),
    "band": pl.String(),
    "ei_rating": pl.Float64(),
    "ei_rating_int": pl.Int32(),
    "co2_kg_per_year": pl.Float64(),
    "primary_energy_kwh_per_m2": pl.Float64(),
    "space_heating_kwh": pl.Float64(),
    "water_heating_kwh": pl.Float64(),
    "main_space_heating_fuel_kwh": pl.Float64(),
    "secondary_space_heating_fuel_kwh": pl.Float64(),
    "water_heating_fuel_kwh": pl.Float64(),
    "pumps_fans_electricity_kwh": pl.Float64(),
    "electric_shower_electricity_kwh": pl.Float64(),
    "lighting_electricity_kwh": pl.Float64(),
    "pv_generated_kwh": pl.Float64(),
    "wind_generated_kwh": pl.Float64(),
    "hydro_generated_kwh": pl.Float64(),
    "total_fuel_cost_gbp": pl.Float64(),
}
# fuel of each delivered-energy end use (SAP Table 12 codes), from the expanded inputs
FUEL_COLUMNS: dict[str, pl.DataType] = {
    "main_heating_fuel": pl.Int32(),
    "secondary_heating_fuel": pl.Int32(),
    "water_heating_fuel_code": pl.Int32(),
}
# what the certificate itself says (the validation targets) and how to group it
LODGED_COLUMNS: dict[str, pl.DataType] = {
    "schema_type": pl.String(),
    "sap_version": pl.Float64(),
    "built_form": pl.Int32(),
    "age_band": pl.String(),
    "main_fuel_register": pl.Int32(),
    "lodged_sap_rating": pl.Float64(),
    "lodged_band": pl.String(),
    "lodged_ei_rating": pl.Float64(),
    "lodged_co2_t_per_year": pl.Float64(),
    "lodged_primary_energy_kwh_per_m2": pl.Float64(),
}
SCORE_SCHEMA: dict[str, pl.DataType] = {
    "certificate_number": pl.String(),
    **RESULT_COLUMNS,
    **FUEL_COLUMNS,
    "pcdb_fallback": pl.Boolean(),
    "pcdb_revision": pl.Int32(),  # the imported PCDF revision products were looked up in (null: none)
    # codes of the approximations the score was computed with (approximations.registry() says what was
    # assumed and the source of each); empty when none, null when refused
    "approximations": pl.List(pl.String()),
    "error": pl.String(),
    **LODGED_COLUMNS,
}


def lodged_summary(doc: Mapping[str, Any], fallback: str) -> dict[str, Any]:
    """The certificate's own figures and grouping fields, read straight from the document."""
    d = unwrap(doc)
    parts = items(d.get("sap_building_parts"))
    band = parts[0].get("construction_age_band") if parts else d.get("construction_age_band")
    heating = d.get("sap_heating") if isinstance(d.get("sap_heating"), Mapping) else {}
    mains = items(heating.get("main_heating_details")) if isinstance(heating, Mapping) else []
    lodged_band = d.get("current_energy_efficiency_band")
    return {
        "certificate_number": certificate_number(d, fallback),
        "schema_type": str(d.get("schema_type") or "") or None,
        "sap_version": num(d, "sap_version"),
        "built_form": code(d, "built_form"),
        "age_band": str(band) if band not in (None, "") else None,
        "main_fuel_register": code(mains[0], "main_fuel_type") if mains else code(d, "main_fuel"),
        "lodged_sap_rating": num(d, "energy_rating_current"),
        "lodged_band": str(lodged_band) if lodged_band else None,
        "lodged_ei_rating": num(d, "environmental_impact_current"),
        "lodged_co2_t_per_year": num(d, "co2_emissions_current"),
        "lodged_primary_energy_kwh_per_m2": num(d, "energy_consumption_current"),
    }


def _calculate_collect(inputs: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """``calculate`` over the batch in collect mode: one pass, every refused home recorded.

    Returns (results of the scored homes, home_id -> error message).
    """
    from ara_assets.sap10.calculate import calculate

    out = calculate(inputs, errors="collect")
    err = out.get_column("error")
    collected = {h: e for h, e in zip(out.get_column("home_id").to_list(), err.to_list(), strict=True) if e}
    return out.filter(err.is_null()).drop("error"), collected


def _score_full_sap(docs: list[Mapping[str, Any]], numbers: list[str]) -> pl.DataFrame:
    """Full-SAP lodgements (SAP-Schema register JSON, or SAP XML read by ``parse_rdsap_xml``): the SAP XML
    reader gives the worksheet row directly (no RdSAP expansion); one SCORE_SCHEMA row each."""
    from ara_assets.sap10.calculate import calculate
    from ara_assets.sap10.readers.sap_json import sap_json_to_xml
    from ara_assets.sap10.readers.sap_xml import read_sap_xml

    rows: list[dict[str, Any]] = []
    errors: dict[int, str] = {}
    for i, (doc, number) in enumerate(zip(docs, numbers, strict=True)):
        try:
            row = read_sap_xml(sap_json_to_xml(doc), number)
            row["home_id"] = f"{number}#{i}"
            rows.append(row)
        except UnsupportedInput as e:
            errors[i] = str(e)
    lodged = [lodged_summary(doc, number) for doc, number in zip(docs, numbers, strict=True)]
    frame = pl.DataFrame(
        {name: [row.get(name) for row in lodged] for name in ("certificate_number", *LODGED_COLUMNS)},
        schema={"certificate_number": pl.String(), **LODGED_COLUMNS},
        strict=False,
    ).with_row_index("_i")
    if rows:
        out = calculate(pl.DataFrame(rows, infer_schema_length=None), errors="collect")
        index = [int(h.rsplit("#", 1)[1]) for h in out.get_column("home_id").to_list()]
        for i, e in zip(index, out.get_column("error").to_list(), strict=True):
            if e:
                errors[i] = e
        keep = [c for c in (*RESULT_COLUMNS, "approximations") if c in out.columns]
        scored = out.select(*keep, "main_heating_fuel", "secondary_heating_fuel",
                            pl.col("water_heating_fuel").alias("water_heating_fuel_code"))  # fmt: skip
        scored = scored.with_columns(
            pl.Series("_i", index, dtype=pl.UInt32), pl.lit(False).alias("pcdb_fallback")
        )
        frame = frame.join(scored, on="_i", how="left")
    frame = frame.with_columns(pl.Series("error", [errors.get(i) for i in range(len(docs))], dtype=pl.String))
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in SCORE_SCHEMA.items() if c not in frame.columns]
    return frame.with_columns(missing).select([pl.col(c).cast(t) for c, t in SCORE_SCHEMA.items()])


def score_certificates(
    docs: Iterable[Mapping[str, Any]],
    *,
    normalise_docs: bool = True,
    products: ProductData | None = None,
    workers: int = 1,
) -> pl.DataFrame:
    """Score register certificates, RdSAP and full SAP alike, one row per document in input order (see
    ``_score_rdsap``; full-SAP lodgements go through the SAP XML reader instead of the expansion).
    ``workers`` > 1 runs the expansion of a large batch in that many processes (``rdsap.parallel``; same
    result)."""
    from ara_assets.sap10.readers.sap_json import is_full_sap

    docs = list(docs)
    products = products if products is not None else pcdb_active()
    full = [i for i, d in enumerate(docs) if isinstance(d, Mapping) and is_full_sap(d)]
    if not full:
        return _score_rdsap(docs, normalise_docs=normalise_docs, products=products, workers=workers)
    full_set = set(full)
    rest = [i for i in range(len(docs)) if i not in full_set]
    parts = [
        _score_full_sap(
            [docs[i] for i in full], [certificate_number(docs[i], f"#{i}") for i in full]
        ).with_columns(pl.Series("_order", full, dtype=pl.Int64))
    ]
    if rest:
        parts.append(
            _score_rdsap(
                [docs[i] for i in rest], normalise_docs=normalise_docs, products=products, workers=workers
            ).with_columns(pl.Series("_order", rest, dtype=pl.Int64))
        )
    out = pl.concat(parts, how="vertical").sort("_order").drop("_order")
    if products is not None:
        out = out.with_columns(pl.lit(products.revision, dtype=pl.Int32).alias("pcdb_revision"))
    return out


def _score_rdsap(
    docs: Iterable[Mapping[str, Any]],
    *,
    normalise_docs: bool = True,
    products: ProductData | None = None,
    workers: int = 1,
) -> pl.DataFrame:
    """Expand and score register certificates (JSON documents, with or without the ``{"data": ...}``
    envelope, or dicts from ``parse_rdsap_xml``).

    One row per input document, in input order (``SCORE_SCHEMA``): the SAP 10.2 results, delivered
    energy per end use with its fuel, ``pcdb_fallback``, ``error`` (null when scored) and the lodged
    figures for comparison. ``normalise_docs`` routes each document through the EPC parser first.
    ``products``: imported PCDB data (default: the product data installed in this process); every row
    names its revision in ``pcdb_revision``.
    """
    docs = list(docs)
    products = products if products is not None else pcdb_active()
    with gc_paused():  # per-certificate dicts only, no cycles: see sap10.gc_pause
        lodged = [lodged_summary(doc, f"#{i}") for i, doc in enumerate(docs)]
        inputs, exp_errors = expand_collect(
            docs, normalise_docs=normalise_docs, products=products, workers=workers
        )
    errors: dict[int, str] = {e.index: e.message for e in exp_errors}
    if inputs.height:
        # home_id must be unique for the worksheet's error reporting: index-qualify it
        if inputs.get_column("home_id").n_unique() < inputs.height:
            inputs = inputs.with_columns(
                pl.format("{}#{}", pl.col("home_id"), pl.col("input_index")).alias("home_id")
            )
        results, calc_errors = _calculate_collect(inputs)
    else:
        results, calc_errors = pl.DataFrame(schema={"home_id": pl.String()}), {}
    # assemble column-wise: lodged figures (one per document), results joined by input position
    frame = pl.DataFrame(
        {name: [row.get(name) for row in lodged] for name in ("certificate_number", *LODGED_COLUMNS)},
        schema={"certificate_number": pl.String(), **LODGED_COLUMNS},
        strict=False,
    ).with_row_index("_i")
    if inputs.height:
        # home_ids are unique here, so each refusal (or a missing result) maps back to one document
        position = dict(
            zip(
                inputs.get_column("home_id").to_list(),
                inputs.get_column("input_index").to_list(),
                strict=True,
            )
        )
        returned = set(results.get_column("home_id").to_list()) if results.height else set()
        for home, index in position.items():
            if home in calc_errors:
                errors[index] = calc_errors[home]
            elif home not in returned:
                errors[index] = "not returned by calculate"
        wh = pl.col("water_heating_fuel")
        fuels = inputs.select(
            "home_id",
            pl.col("input_index").cast(pl.UInt32).alias("_i"),
            "pcdb_fallback",
            "pcdb_revision",
            pl.col("approximations").alias("_expansion_approximations"),
            "main_heating_fuel",
            "secondary_heating_fuel",
            pl.when(wh.is_not_null())
            .then(wh)
            .when(pl.col("water_heating_code") == 914)
            .then(pl.col("secondary_heating_fuel"))
            .otherwise(pl.col("main_heating_fuel"))
            .alias("water_heating_fuel_code"),
        )
        keep = [c for c in (*RESULT_COLUMNS, "approximations") if c in results.columns]
        scored = fuels.join(results.select("home_id", *keep), on="home_id", how="inner").drop("home_id")
        if "approximations" not in scored.columns:
            scored = scored.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias("approximations"))
        scored = scored.with_columns(
            approximations.merge(pl.col("_expansion_approximations"), pl.col("approximations")).alias(
                "approximations"
            )
        ).drop("_expansion_approximations")
        frame = frame.join(scored, on="_i", how="left")
    error = [errors.get(i) for i in range(len(docs))]
    frame = frame.with_columns(pl.Series("error", error, dtype=pl.String()))
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in SCORE_SCHEMA.items() if c not in frame.columns]
    frame = frame.with_columns(missing)
    if products is not None:
        frame = frame.with_columns(pl.lit(products.revision, dtype=pl.Int32).alias("pcdb_revision"))
    return frame.select([pl.col(c).cast(t) for c, t in SCORE_SCHEMA.items()])
