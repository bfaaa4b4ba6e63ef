"""Incremental plans: rebuild only the (home, scenario) plans whose inputs changed (docs/adr/0029).

A plan is built in two stages. The first is per home and costs nearly all the time: the SAP-input expansion
of the home, `build_plans` (the start state and every package prefix re-scored) and `explain_misses`. The
second couples the homes and is cheap: the funding (a scheme's uplift goes to at most a share of the homes it
funds, `funding.apply_funding`) and the portfolio budget allocation. So a run keys every (home, scenario) by
what its first stage is built from (`plan_input_keys`), keeps the first-stage rows of the unchanged pairs from
the asset's previous output (`property.reuse.reusable_rows`), builds the others, then funds and allocates
every home.

    keys = plan_input_keys(effective_epc, property_baseline, attrs, candidates, rates, factors)
    run = incremental_plans(keys, previous, candidates, effective_epc, property_baseline, attrs, rates,
                            factors, start_year=2026, yearly_budget_gbp=None)
    run.planned          # PortfolioPlans, equal to plan_portfolio's on the same inputs
    run.output           # the asset's output: OUTCOME_SCHEMA + input_key, modelled, measures (nested)
    run.recomputed, run.unchanged

What the key holds (docs/CONTEXT.md, Input key), per (home, scenario):
- the candidates' per-home part (`incremental.home_keys`: the effective EPC's document and physical hash,
  the baseline's input key, status, band and SAP spread, the attributes eligibility and grants read) and the
  property value (the value uplift);
- a digest of the home's candidate rows of the scenario (their content: options, scores, `in_package`);
- a digest of the pinned scenario snapshot;
- the fuel rates and carbon factors in force (content) and the modelling code digest.
The start year and the yearly budget are not in it: they only reach the second stage, which always runs.

A home without a scored baseline has no key: its `not_modelled` rows are written from the baseline's reason on
every run (no expansion, nothing to score). A home the SAP-input expansion refused keeps its `not_modelled`
rows while its key holds.

Writing: `plan_row_digests` digests every (home, scenario)'s stored rows (plan phases, measures, grants); the
plans repository rewrites only the pairs whose digest differs from the table's (`pairs_to_write`).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from ara_assets.modelling.funding import GRANT_SCHEMA, FundingRules, load_funding_rules
from ara_assets.modelling.incremental import frame_digest, home_keys, modelling_digest
from ara_assets.modelling.outcomes import OUTCOME_SCHEMA, fund_outcomes
from ara_assets.modelling.plans import MEASURE_SCHEMA, build_plans, packages_from_candidates
from ara_assets.modelling.portfolio import (
    PortfolioPlans,
    Progress,
    allocate_scenario,
    modelled_homes,
    refused_homes,
)
from ara_assets.modelling.reasons import explain_misses, not_modelled_rows
from ara_assets.modelling.scenarios import Scenario
from ara_assets.property.reuse import reusable_rows

# The columns of a measure row that vary within a phase (the others are the phase row's own).
_MEASURE_ROW_KEY = ("scenario", "scenario_version", "property_id", "phase")
MEASURE_ITEM_SCHEMA: dict[str, pl.DataType] = {
    c: t for c, t in MEASURE_SCHEMA.items() if c not in _MEASURE_ROW_KEY
}
# The asset's output: the stored phase rows, the plan's input key, whether the home was modelled (its plan
# built; false on `not_modelled` rows of refused homes) and the phase's measures in install order.
PLAN_OUTPUT_SCHEMA: dict[str, pl.DataType] = {
    **OUTCOME_SCHEMA,
    "input_key": pl.String(),
    "modelled": pl.Boolean(),
    "measures": pl.List(pl.Struct(MEASURE_ITEM_SCHEMA)),
}
_PAIR = ["scenario", "property_id"]
# (effective_epc, property_baseline, workers=, sap_inputs=) -> SAP inputs, features, refused:
# `portfolio.modelled_homes`
Expand = Callable[..., tuple[pl.DataFrame, pl.DataFrame, dict[int, str]]]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _grouped_digest(frame: pl.DataFrame, by: list[str], name: str) -> pl.DataFrame:
    """by + name: per group, one digest of its rows (order-free: the row hashes are sorted)."""
    if frame.is_empty():
        return pl.DataFrame(schema={**{c: frame.schema[c] for c in by}, name: pl.String()})
    # polars' hashes are stable for a polars version; an upgrade rebuilds or rewrites once, which is safe
    hashed = frame.select(*by, frame.hash_rows(seed=0).alias("_h"))
    return hashed.group_by(by).agg(
        pl.col("_h").sort().cast(pl.String).str.join(".").hash(seed=0).cast(pl.String).alias(name)
    )


def candidate_digests(candidates: pl.DataFrame) -> pl.DataFrame:
    """scenario, property_id, candidate_digest: the content of each (home, scenario)'s candidate rows."""
    content = candidates.select(sorted(c for c in candidates.columns if c != "scenario_snapshot"))
    return _grouped_digest(content, _PAIR, "candidate_digest")


def scenario_snapshots(candidates: pl.DataFrame) -> dict[str, str]:
    """Scenario name -> its pinned snapshot (JSON text), as the candidates carry it."""
    if candidates.is_empty():
        return {}
    # unique before the cast: the snapshot is long JSON text, repeated on every candidate row
    pairs = (
        candidates.select("scenario", "scenario_snapshot")
        .unique()
        .with_columns(pl.col("scenario_snapshot").cast(pl.String))
        .unique()
    )
    return {r[0]: r[1] for r in pairs.sort("scenario", "scenario_snapshot").iter_rows()}


def plan_input_keys(
    effective_epc: pl.DataFrame,
    property_baseline: pl.DataFrame,
    attrs: pl.DataFrame,
    candidates: pl.DataFrame,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
) -> pl.DataFrame:
    """property_id, scenario, input_key: what each (home, scenario)'s plan is built from, for every home with
    a scored baseline and every scenario of the candidates."""
    snapshots = scenario_snapshots(candidates)
    run = "|".join((frame_digest(rates), frame_digest(factors), modelling_digest()))
    scenarios = pl.DataFrame(
        {"scenario": list(snapshots), "_scenario_key": [_sha(t) for t in snapshots.values()]},
        schema={"scenario": pl.String, "_scenario_key": pl.String},
    )
    values = attrs.select(
        pl.col("property_id").cast(pl.Int64),
        pl.col("property_value_gbp").cast(pl.String).alias("_value")
        if "property_value_gbp" in attrs.columns
        else pl.lit(None, pl.String).alias("_value"),
    )
    homes = home_keys(effective_epc, property_baseline, attrs).join(values, on="property_id", how="left")
    digests = candidate_digests(candidates).with_columns(pl.col("property_id").cast(pl.Int64))
    return (
        homes.join(scenarios, how="cross")
        .join(digests, on=["scenario", "property_id"], how="left")
        .select(
            "property_id",
            "scenario",
            pl.concat_str(
                "home_key",
                pl.col("_value").fill_null(""),
                "_scenario_key",
                pl.col("candidate_digest").fill_null(""),
                pl.lit(run),
                separator="|",
            ).alias("input_key"),
        )
    )


def nest_measures(phases: pl.DataFrame, measures: pl.DataFrame) -> pl.Series:
    """Per phase row of `phases` (row-aligned), its measures in install order (MEASURE_ITEM_SCHEMA)."""
    item = pl.struct([pl.col(c).cast(t) for c, t in MEASURE_ITEM_SCHEMA.items()])
    nested = (
        measures.sort("install_order")
        .group_by("scenario", "property_id", "phase", maintain_order=True)
        .agg(item.alias("measures"))
    )
    joined = phases.select("scenario", "property_id", "phase").join(
        nested, on=["scenario", "property_id", "phase"], how="left", maintain_order="left"
    )
    empty = pl.lit([], pl.List(pl.Struct(MEASURE_ITEM_SCHEMA)))
    return joined.select(pl.col("measures").fill_null(empty)).to_series()


def unnest_measures(rows: pl.DataFrame) -> pl.DataFrame:
    """MEASURE_SCHEMA rows of the nested `measures` of output rows."""
    if rows.is_empty():
        return pl.DataFrame(schema=MEASURE_SCHEMA)
    flat = (
        rows.select(*_MEASURE_ROW_KEY, "measures")
        .explode("measures")
        .drop_nulls("measures")
        .unnest("measures")
    )
    return flat.select([pl.col(c).cast(t) for c, t in MEASURE_SCHEMA.items()])


def _output_columns(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        [
            pl.col(c).cast(t) if c in frame.columns else pl.lit(None, t).alias(c)
            for c, t in PLAN_OUTPUT_SCHEMA.items()
        ]
    )


@dataclass(frozen=True)
class IncrementalPlans:
    planned: PortfolioPlans  # every home's plans, funding and allocation
    output: pl.DataFrame  # PLAN_OUTPUT_SCHEMA rows (the asset's output: what the next run reuses)
    recomputed: int  # (home, scenario) pairs whose plan was built (or refused) in this run
    unchanged: int  # (home, scenario) pairs whose previous rows were reused
    homes_expanded: int  # homes whose SAP inputs were expanded in this run
    seconds: dict[str, float]  # where the time went: reuse, expand, build, fund_and_allocate


def incremental_plans(
    keys: pl.DataFrame,
    previous: pl.DataFrame | None,
    candidates: pl.DataFrame,
    effective_epc: pl.DataFrame,
    property_baseline: pl.DataFrame,
    attrs: pl.DataFrame,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
    *,
    start_year: int,
    yearly_budget_gbp: float | None,
    rules: FundingRules | None = None,
    progress: Progress | None = None,
    workers: int = 1,
    sap_inputs: pl.DataFrame | None = None,
    expand: Expand = modelled_homes,
) -> IncrementalPlans:
    """The plans of every scenario in `candidates`: the previous first-stage rows of each (home, scenario)
    whose key is unchanged, the others built now; then every home funded and allocated.

    keys: `plan_input_keys` of this run; previous: this asset's previous output (None: none); sap_inputs:
    the `sap_inputs` asset's rows; expand: how the homes to build get their SAP inputs
    (`portfolio.modelled_homes`, reading `sap_inputs`). The result
    equals `plan_portfolio` on the same inputs (ara_assets_tests/modelling/test_incremental_plans.py)."""
    rules = rules or load_funding_rules()
    seconds: dict[str, float] = {}
    lap = time.perf_counter()

    def _lap(part: str) -> None:
        nonlocal lap
        now = time.perf_counter()
        seconds[part] = round(seconds.get(part, 0.0) + now - lap, 2)
        lap = now

    snapshots = scenario_snapshots(candidates)
    usable = previous is not None and set(PLAN_OUTPUT_SCHEMA) <= set(previous.columns)
    kept: dict[str, pl.DataFrame] = {}
    todo: dict[str, pl.Series] = {}
    for name in snapshots:
        mine = keys.filter(pl.col("scenario") == name).select("property_id", "input_key")
        before = previous.filter(pl.col("scenario") == name) if previous is not None and usable else None
        reuse = reusable_rows(mine, before, PLAN_OUTPUT_SCHEMA)
        kept[name], todo[name] = _output_columns(reuse.kept), reuse.todo_ids
    all_todo = pl.concat(list(todo.values())).unique() if todo else pl.Series("property_id", [], pl.Int64)
    _lap("reuse")

    todo_homes = effective_epc.filter(pl.col("property_id").cast(pl.Int64).is_in(all_todo.implode()))
    inputs, _, expansion_refused = expand(
        todo_homes, property_baseline, workers=workers, sap_inputs=sap_inputs
    )
    if "property_id" not in inputs.columns:  # the expansion of no home: a frame without columns
        inputs = pl.DataFrame(schema={"property_id": pl.Int64()})
    refused = refused_homes(property_baseline, expansion_refused)
    _lap("expand")

    values = attrs.select("property_id", "property_value_gbp")
    parts: list[pl.DataFrame] = []
    measure_parts: list[pl.DataFrame] = []
    grant_parts: list[pl.DataFrame] = []
    allocations: list[dict[str, Any]] = []
    allocation_meta: dict[str, dict[str, object]] = {}
    scenarios: dict[str, Scenario] = {}
    for n, (name, text) in enumerate(sorted(snapshots.items(), key=lambda kv: kv[1]), start=1):
        started = time.perf_counter()
        snap = json.loads(text)
        scenario = Scenario.from_spec(snap)
        scenarios[scenario.name] = scenario
        ids = todo[name].implode()
        cands = candidates.filter((pl.col("scenario") == name) & pl.col("property_id").is_in(ids))
        built_inputs = inputs.filter(pl.col("property_id").is_in(ids))
        if built_inputs.height:
            plans = build_plans(
                built_inputs,
                packages_from_candidates(cands, built_inputs, len(scenario.phases)),
                scenario,
                rates,
                factors,
                values=values,
                scenario_version=snap["version"],
            )
            explained, built_measures = explain_misses(plans.phases, cands, scenario), plans.measures
        else:  # nothing to build in this scenario (every pair reused, or every home refused)
            explained = pl.DataFrame(schema=OUTCOME_SCHEMA)
            built_measures = pl.DataFrame(schema=MEASURE_SCHEMA)
        planned_ids = explained["property_id"].implode()
        rows_keys = keys.filter(pl.col("scenario") == name).select("property_id", "input_key")
        # refused homes: without a baseline (every run; no key) and those the expansion refused now
        no_key = ~pl.col("property_id").is_in(rows_keys["property_id"].implode())
        refused_now = refused.filter(
            (pl.col("property_id").is_in(ids) | no_key) & ~pl.col("property_id").is_in(planned_ids)
        )
        fresh = pl.concat(
            [
                explained.with_columns(pl.lit(True).alias("modelled")),
                not_modelled_rows(refused_now, scenario, snap["version"]).with_columns(
                    pl.lit(False).alias("modelled")
                ),
            ],
            how="diagonal_relaxed",
        ).join(rows_keys, on="property_id", how="left")
        fresh = fresh.with_columns(nest_measures(fresh, built_measures).alias("measures"))
        rows = pl.concat([kept[name], _output_columns(fresh)]).sort("property_id", "phase")
        _lap("build")
        modelled = rows.filter(pl.col("modelled"))
        measures = unnest_measures(modelled).sort("property_id", "phase", "install_order")
        outcome = fund_outcomes(
            modelled,
            measures,
            rows.filter(~pl.col("modelled")),
            scenario,
            attrs,
            start_year=start_year,
            rules=rules,
        )
        parts.append(
            outcome.phases.join(
                rows.select("property_id", "phase", "input_key", "modelled", "measures"),
                on=["property_id", "phase"],
                how="left",
                maintain_order="left",
            )
        )
        measure_parts.append(measures)
        grant_parts.append(outcome.grants)
        if progress is not None:
            progress(
                f"scenario {n}/{len(snapshots)} {scenario.name!r}: plans of "
                f"{explained['property_id'].n_unique():,} homes built, "
                f"{kept[name]['property_id'].n_unique():,} reused, in "
                f"{time.perf_counter() - started:.1f} s"
            )
        allocate_scenario(
            outcome.phases,
            outcome.grants,
            scenario,
            snap["version"],
            yearly_budget_gbp=yearly_budget_gbp,
            start_year=start_year,
            rules=rules,
            runs=allocations,
            meta=allocation_meta,
        )
        _lap("fund_and_allocate")
    output = pl.concat(parts) if parts else pl.DataFrame(schema=PLAN_OUTPUT_SCHEMA)
    planned = PortfolioPlans(
        phases=output.select(list(OUTCOME_SCHEMA)),
        measures=pl.concat(measure_parts) if measure_parts else pl.DataFrame(schema=MEASURE_SCHEMA),
        grants=pl.concat(grant_parts) if grant_parts else pl.DataFrame(schema=GRANT_SCHEMA),
        allocations=allocations,
        allocation_meta=allocation_meta,
        scenarios=scenarios,
    )
    recomputed = sum(s.len() for s in todo.values())
    return IncrementalPlans(
        planned=planned,
        output=_output_columns(output),
        recomputed=recomputed,
        unchanged=keys.filter(pl.col("scenario").is_in(list(snapshots))).height - recomputed,
        homes_expanded=todo_homes.height,
        seconds=seconds,
    )


def plan_row_digests(phases: pl.DataFrame, measures: pl.DataFrame, grants: pl.DataFrame) -> pl.DataFrame:
    """scenario, property_id, row_digest: one digest of everything stored for each (home, scenario): its
    phase rows (with the scenario version the plan row holds), its measures and its grants."""
    parts = [
        _grouped_digest(frame.select(sorted(frame.columns)), _PAIR, f"_{name}")
        for name, frame in (("phases", phases), ("measures", measures), ("grants", grants))
    ]
    pairs = phases.select(*_PAIR).unique()
    for part in parts:
        pairs = pairs.join(part.cast({"property_id": pairs.schema["property_id"]}), on=_PAIR, how="left")
    return pairs.select(
        *_PAIR,
        pl.concat_str([pl.col(c).fill_null("") for c in ("_phases", "_measures", "_grants")], separator="|")
        .hash(seed=0)
        .cast(pl.String)
        .alias("row_digest"),
    )


def pairs_to_write(digests: pl.DataFrame, stored: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(write, drop): the (scenario, property_id) pairs whose rows the table must take (digest absent or
    different), and the stored pairs no longer in the run. stored: scenario, property_id, row_digest of the
    table (a null digest, from before migration 0017, is always rewritten)."""
    stored = stored.cast({"property_id": pl.Int64})
    digests = digests.cast({"property_id": pl.Int64})
    current = stored.filter(pl.col("row_digest").is_not_null())
    write = digests.join(current, on=[*_PAIR, "row_digest"], how="anti").select(_PAIR)
    drop = stored.join(digests, on=_PAIR, how="anti").select(_PAIR)
    return write, drop
