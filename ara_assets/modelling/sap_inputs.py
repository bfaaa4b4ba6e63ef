"""The SAP inputs of every home: the one RdSAP 10 expansion of its effective EPC that the baseline scores and
every plan starts from (the `sap_inputs` asset, docs/adr/0028).

Parsing a register document and expanding it into worksheet inputs is Python work per home, about a
quarter of a millisecond; the worksheet itself then scores a home in about ten microseconds. The
baseline, the candidates and the plans each used to parse and expand every home's document again (at
100,000 homes about 30 s each on two cores, docs/benchmarks.md). The asset does it once per home and run,
and only for homes whose document changed since its previous output.

One row per home with an effective EPC document:
- `property_id`, `input_key` (a hash of the document, the PCDB in use and the digest of the code the rows
  are made with), `expansion_error` (null when the home expanded; else the expansion's message naming
  the certificate, field and value, and null inputs);
- `eligibility`: the eligibility features modelling reads from the register document
  (`modelling.eligibility.register_features`), as one struct;
- the worksheet input columns (`sap10.rdsap.batch.ALL_DTYPES`, `home_id` = the property id as text).

Pure: frames in, frames out.
"""

from __future__ import annotations

import polars as pl

from ara_assets.baseline.performance import effective_inputs
from ara_assets.invariants import Invariant
from ara_assets.modelling.eligibility import REGISTER_FEATURES, register_features
from ara_assets.pcdb import ProductData
from ara_assets.pcdb import active as pcdb_active
from ara_assets.source_digest import source_digest

# Package folders whose code or tables a row is made with: the expansion (sap10 with its RdSAP tables,
# the EPC parser's code tables, the PCDB look-ups) and the eligibility features (modelling).
EXPANSION_FOLDERS = ("sap10", "epc", "pcdb", "modelling")

KEY_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    "input_key": pl.String(),
    "expansion_error": pl.String(),
}


def expansion_digest() -> str:
    return source_digest(EXPANSION_FOLDERS)


def sap_input_keys(effective_epc: pl.DataFrame, products: ProductData | None = None) -> pl.DataFrame:
    """property_id, input_key of every home of `effective_epc` with a document (`products`: the PCDB the
    expansion looks products up in; default the one installed in this process)."""
    products = products if products is not None else pcdb_active()
    # polars' hash is deterministic for a polars version; an upgrade expands every home once, which is safe
    run = f"{products.tag() if products is not None else 'pcdb:none'}|code:{expansion_digest()}"
    return effective_epc.filter(pl.col("document").is_not_null()).select(
        pl.col("property_id").cast(pl.Int64),
        (pl.col("document").hash(seed=0).cast(pl.String) + pl.lit("|" + run)).alias("input_key"),
    )


def expand_homes(effective_epc: pl.DataFrame, keys: pl.DataFrame, workers: int = 1) -> pl.DataFrame:
    """The rows (module docstring) of the homes of `keys` (`sap_input_keys`): the baseline's expansion
    (`effective_inputs`, over `workers` processes) with the eligibility features from the same parse."""
    todo = (
        effective_epc.select(pl.col("property_id").cast(pl.Int64), "document")
        .join(keys.select("property_id"), on="property_id", how="semi", maintain_order="left")
        .filter(pl.col("document").is_not_null())
    )
    inputs, refused, features = effective_inputs(
        todo, workers=workers, extra=lambda docs: [register_features(d) for d in docs]
    )
    eligibility = pl.DataFrame(features, schema=REGISTER_FEATURES).select(
        todo["property_id"], pl.struct(pl.all()).alias("eligibility")
    )
    errors = pl.DataFrame(
        {"property_id": list(refused), "expansion_error": list(refused.values())},
        schema={"property_id": pl.Int64(), "expansion_error": pl.String()},
    )
    expanded = pl.concat([inputs, errors], how="diagonal_relaxed")
    return (
        keys.select(pl.col("property_id").cast(pl.Int64), "input_key")
        .join(eligibility, on="property_id", how="left", maintain_order="left")
        .join(expanded, on="property_id", how="inner", maintain_order="left")
    )


def refresh(
    effective_epc: pl.DataFrame, stored: pl.DataFrame | None, workers: int = 1
) -> tuple[pl.DataFrame, int]:
    """The rows of every home of `effective_epc` with a document, and how many were expanded now: the rows
    of `stored` (the asset's previous output, or its output read by a later step) whose input key still
    holds are kept, the others expanded. So the asset expands only changed homes, and a step that reads a
    `sap_inputs` older than its `effective_epc` (a job run without it) expands what is stale instead of
    scoring an old document."""
    keys = sap_input_keys(effective_epc)
    usable = stored is not None and set(KEY_SCHEMA) <= set(stored.columns)
    kept = (
        stored.join(keys, on=["property_id", "input_key"], how="semi")
        if stored is not None and usable
        else pl.DataFrame(schema=KEY_SCHEMA)
    )
    todo = keys.join(kept.select("property_id"), on="property_id", how="anti")
    if todo.is_empty():
        return kept.sort("property_id"), 0
    return combine(kept, expand_homes(effective_epc, todo, workers=workers)), todo.height


def combine(kept: pl.DataFrame, fresh: pl.DataFrame) -> pl.DataFrame:
    """Reused and fresh rows in one frame, by property. Each side carries only the optional input columns
    its batch's first home set; a column absent on one side is null there, which the worksheet reads as
    the column's default exactly as an absent column (`sap10.inputs.prepare`)."""
    return pl.concat([kept, fresh], how="diagonal_relaxed").sort("property_id")


def split_homes(
    sap_inputs: pl.DataFrame, property_ids: pl.Series | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, dict[int, str]]:
    """(inputs, features, refused) of the homes of `sap_inputs` (those of `property_ids` when given): the
    worksheet inputs of the homes that expanded (with `property_id` and `home_id`), their eligibility
    features, and property_id -> the expansion's message of those it refused."""
    frame = (
        sap_inputs
        if property_ids is None
        else sap_inputs.filter(pl.col("property_id").is_in(property_ids.cast(pl.Int64).implode()))
    )
    failed = frame.filter(pl.col("expansion_error").is_not_null())
    refused = dict(zip(failed["property_id"].to_list(), failed["expansion_error"].to_list(), strict=True))
    ok = frame.filter(pl.col("expansion_error").is_null())
    # features of every home, refused or not, as start_inputs gives them (modelling joins them to inputs)
    features = frame.select("property_id", "eligibility").unnest("eligibility")
    inputs = ok.drop("input_key", "expansion_error", "eligibility")
    return inputs, features, refused


def sap_inputs_invariants(rows: pl.DataFrame, effective_epc: pl.DataFrame) -> list[Invariant]:
    """The asset's blocking rule: exactly one row per home of `effective_epc` with a document."""
    expected = set(effective_epc.filter(pl.col("document").is_not_null())["property_id"].to_list())
    got = rows["property_id"].to_list()
    missing = sorted(expected - set(got))
    extra = sorted(set(got) - expected)
    duplicated = sorted(rows.filter(pl.col("property_id").is_duplicated())["property_id"].unique())
    return [
        Invariant(
            "one_row_per_home_with_a_document",
            passed=not missing and not extra and not duplicated,
            detail=f"{len(expected)} homes with a document, {len(got)} rows: {len(missing)} missing, "
            f"{len(extra)} not expected, {len(duplicated)} duplicated",
            homes=tuple(missing + extra + duplicated),
            metadata={"expected": len(expected), "rows": len(got)},
        )
    ]
