"""Incremental candidates: re-model only the homes whose inputs changed (docs/adr/0025).

Each candidate row carries the **input key** of its (home, scenario): everything the home's candidates of
that scenario are computed from, as one comparable string. A run reads the previous output, keeps the rows
of every (home, scenario) whose key is unchanged (`property.reuse.reusable_rows`, per scenario), and models
only the others: the SAP-input expansion and the scoring of every option, the expensive part, run on the
changed homes alone.

    keys = candidate_input_keys(effective_epc, property_baseline, attrs, snapshots, rates, factors,
                                this_year=2026, top_k=7)
    run = incremental_candidates(keys, previous, snapshots, effective_epc, property_baseline, attrs,
                                 rates, factors, this_year=2026, top_k=7)
    run.candidates, run.recomputed, run.unchanged

What the key holds (docs/CONTEXT.md, Input key):
- per home: a hash of the effective EPC's document (what `start_inputs` expands: SAP inputs and the
  eligibility features) and its physical hash; the baseline's input key (certificate, rates/factors
  versions, calculator code), status, effective band (grants) and SAP spread (target confidence); the
  property attributes eligibility and grants read (listed building, conservation area, tenure, gas grid);
- per scenario: the pinned snapshot (definition and version);
- per run: the fuel rates and carbon factors in force (their content), this year (grant phase years),
  `top_k`, and the digest of the code and tables the candidates are computed with (modelling with its
  catalogue and funding rules, the baseline's scoring and pricing, the calculator, the EPC code tables).

A (home, scenario) without a previous candidate row (no eligible option, or an expansion refused) is
computed again on every run: it has nothing to reuse, and costs little.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from ara_assets.modelling.candidates import CANDIDATE_SCHEMA
from ara_assets.modelling.funding import FundingRules
from ara_assets.modelling.portfolio import Progress, model_scenarios, modelled_homes
from ara_assets.property.reuse import reusable_rows
from ara_assets.source_digest import source_digest

# The candidate output: CANDIDATE_SCHEMA, the pinned snapshot (JSON text, categorical) and the input key.
CANDIDATE_OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    **CANDIDATE_SCHEMA,
    "scenario_snapshot": pl.Categorical(),
    "input_key": pl.String(),
}

# Package folders whose code or tables a candidate row is computed with (source_digest).
MODELLING_FOLDERS = ("modelling", "baseline", "sap10", "epc")

_HOME_ATTRIBUTES = ("listed_building", "conservation_area", "tenure", "on_gas_grid")


def modelling_digest() -> str:
    """Digest of the code and tables candidates are computed with: an upgrade that changes any of them
    re-models every home once."""
    return source_digest(MODELLING_FOLDERS)


def frame_digest(frame: pl.DataFrame) -> str:
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()[:16]


def run_digest(rates: pl.DataFrame, factors: pl.DataFrame, *, this_year: int, top_k: int) -> str:
    """The part of every key that is the same for all homes of a run."""
    return "|".join(
        (
            frame_digest(rates),
            frame_digest(factors),
            f"year:{this_year}",
            f"top_k:{top_k}",
            modelling_digest(),
        )
    )


def _text(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).fill_null("")


def home_keys(
    effective_epc: pl.DataFrame, property_baseline: pl.DataFrame, attrs: pl.DataFrame
) -> pl.DataFrame:
    """property_id, home_key: the per-home part of the input key, for every home whose baseline was
    scored (`baseline_status` ok, the homes `modelled_homes` starts from)."""
    baseline = property_baseline.filter(pl.col("baseline_status") == "ok").select(
        pl.col("property_id").cast(pl.Int64),
        *[
            _text(c).alias(f"_b_{c}") if c in property_baseline.columns else pl.lit("").alias(f"_b_{c}")
            for c in ("input_key", "baseline_status", "effective_band", "effective_sap_sd")
        ],
    )
    effective = effective_epc.select(
        pl.col("property_id").cast(pl.Int64),
        # polars' hash is deterministic for a polars version; an upgrade re-models once, which is safe
        pl.col("document").hash(seed=0).cast(pl.String).fill_null("").alias("_doc"),
        _text("physical_hash").alias("_physical"),
    )
    attributes = attrs.select(
        pl.col("property_id").cast(pl.Int64), *[_text(c).alias(f"_a_{c}") for c in _HOME_ATTRIBUTES]
    )
    joined = baseline.join(effective, on="property_id", how="left").join(
        attributes, on="property_id", how="left"
    )
    parts = [c for c in joined.columns if c != "property_id"]
    return joined.select(
        "property_id",
        pl.concat_str([pl.col(c).fill_null("") for c in parts], separator="|").alias("home_key"),
    )


def snapshot_text(snapshot: Mapping[str, Any]) -> str:
    """The snapshot as the candidates store it (`scenario_snapshot`)."""
    return json.dumps(snapshot, sort_keys=True)


def candidate_input_keys(
    effective_epc: pl.DataFrame,
    property_baseline: pl.DataFrame,
    attrs: pl.DataFrame,
    snapshots: Mapping[str, Mapping[str, Any]],
    rates: pl.DataFrame,
    factors: pl.DataFrame,
    *,
    this_year: int,
    top_k: int,
) -> pl.DataFrame:
    """property_id, scenario, input_key: what each home's candidates of each scenario are computed from."""
    run = run_digest(rates, factors, this_year=this_year, top_k=top_k)
    scenarios = pl.DataFrame(
        {
            "scenario": list(snapshots),
            "_scenario_key": [
                hashlib.sha256(snapshot_text(s).encode()).hexdigest()[:16] for s in snapshots.values()
            ],
        },
        schema={"scenario": pl.String, "_scenario_key": pl.String},
    )
    return (
        home_keys(effective_epc, property_baseline, attrs)
        .join(scenarios, how="cross")
        .select(
            "property_id",
            "scenario",
            pl.concat_str("home_key", "_scenario_key", pl.lit(run), separator="|").alias("input_key"),
        )
    )


@dataclass(frozen=True)
class IncrementalCandidates:
    candidates: pl.DataFrame  # CANDIDATE_OUTPUT_SCHEMA: reused rows, then the recomputed ones
    recomputed: int  # (home, scenario) pairs modelled in this run
    unchanged: int  # (home, scenario) pairs whose previous rows were reused
    reused_rows: int
    homes_modelled: int  # homes with a scored start state (reused or expanded now)
    refused: dict[int, str]  # property_id -> expansion message, of the homes expanded in this run
    variants_scored: int
    seconds: float


def _conform(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        [
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in CANDIDATE_OUTPUT_SCHEMA.items()
        ]
    )


def incremental_candidates(
    keys: pl.DataFrame,
    previous: pl.DataFrame | None,
    snapshots: Mapping[str, Mapping[str, Any]],
    effective_epc: pl.DataFrame,
    property_baseline: pl.DataFrame,
    attrs: pl.DataFrame,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
    *,
    this_year: int,
    top_k: int = 7,
    rules: FundingRules | None = None,
    progress: Progress | None = None,
    workers: int = 1,
    sap_inputs: pl.DataFrame | None = None,
) -> IncrementalCandidates:
    """The candidates of every scenario: the previous rows of each (home, scenario) whose key is unchanged,
    the others modelled now (`model_scenarios` on those homes only).

    keys: `candidate_input_keys` of this run; previous: this asset's previous output (None: none);
    sap_inputs: the `sap_inputs` asset's rows (`modelled_homes`)."""
    previous_ok = previous is not None and {"scenario", "input_key"} <= set(previous.columns)
    kept_parts: list[pl.DataFrame] = []
    todo: dict[str, pl.Series] = {}
    for name in snapshots:
        mine = keys.filter(pl.col("scenario") == name).select("property_id", "input_key")
        before = (
            previous.filter(pl.col("scenario").cast(pl.String) == name)
            if previous is not None and previous_ok
            else None
        )
        # schema without the categorical: the stored file may hold the snapshot as plain text
        reuse = reusable_rows(mine, before, {**CANDIDATE_OUTPUT_SCHEMA, "scenario_snapshot": pl.String()})
        kept_parts.append(_conform(reuse.kept))
        todo[name] = reuse.todo_ids
    todo_ids = pl.concat(list(todo.values())).unique() if todo else pl.Series("property_id", [], pl.Int64)
    todo_homes = effective_epc.filter(pl.col("property_id").cast(pl.Int64).is_in(todo_ids.implode()))
    inputs, features, refused = modelled_homes(
        todo_homes, property_baseline, workers=workers, sap_inputs=sap_inputs
    )
    run = model_scenarios(
        snapshots,
        inputs,
        features,
        attrs,
        property_baseline,
        rates,
        factors,
        this_year=this_year,
        top_k=top_k,
        rules=rules,
        progress=progress,
        homes=todo,
    )
    fresh = _conform(run.candidates.join(keys, on=["property_id", "scenario"], how="left"))
    kept = pl.concat(kept_parts) if kept_parts else pl.DataFrame(schema=CANDIDATE_OUTPUT_SCHEMA)
    unchanged = keys.height - sum(s.len() for s in todo.values())
    modelled = keys["property_id"].n_unique() - len(refused) if keys.height else 0
    return IncrementalCandidates(
        candidates=pl.concat([kept, fresh]),
        recomputed=sum(s.len() for s in todo.values()),
        unchanged=unchanged,
        reused_rows=kept.height,
        homes_modelled=modelled,
        refused=refused,
        variants_scored=run.variants_scored,
        seconds=run.seconds,
    )
