"""Portfolio roll-up of plans: per scenario and phase, homes reaching the target, cost, SAP, CO2 and bills.

Input: plan phase rows (`ara_assets.modelling.plans.PHASE_SCHEMA`, or the same columns read back from
Postgres). Homes whose start state could not be scored (`score_error` on a phase) are counted as
"not modelled", never as reaching a target; each phase counts its misses by reason (reasons.py). A home
is *unreachable* when some phase of its plan does not
reach that phase's target within the budget.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ara_assets.modelling.reasons import MISS_REASONS
from ara_assets.modelling.uncertainty import interval

SUMMARY_PHASE_KEYS = (
    "phase",
    "phase_name",
    "goal",
    "target_year",
    "homes",
    "homes_reaching_target",
    "total_cost_gbp",
    "grant_gbp",
    "net_cost_gbp",
    "mean_sap_after",
    "co2_saved_tonnes",
    "bill_saved_gbp",
    "missed_by_reason",
    "expected_homes_reaching_target",
    "homes_reaching_target_interval",
)
SUMMARY_SCENARIO_KEYS = (
    "scenario",
    "phases",
    "unreachable_count",
    "unreachable_homes",
    "not_modelled_count",
    "not_modelled",
    "grant_by_scheme_gbp",
)


def _r(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _ids(keys: Any) -> list[int]:
    """Property ids, sorted."""
    return sorted(int(k) for k in keys)


def rollup(phases: pl.DataFrame) -> list[dict[str, Any]]:
    """One dict per scenario: phases (roll-up per phase), unreachable_homes, not_modelled."""
    need = ("scenario", "phase", "cost_gbp", "reaches_target", "sap_before", "sap_after", "co2_before_t")
    missing = [c for c in need if c not in phases.columns]
    if missing:
        raise ValueError(f"plan phases: field {missing[0]!r} is missing (no such column)")
    frame = phases
    for col, dtype in (
        ("score_error", pl.String),
        ("goal", pl.String),
        ("target_year", pl.Int32),
        ("miss_reason", pl.String),
        ("grant_gbp", pl.Float64),
        ("net_cost_gbp", pl.Float64),
    ):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype).alias(col))
    frame = frame.with_columns(
        pl.col("grant_gbp").fill_null(0.0),
        # rows written before reasons existed: a score error is still a home not modelled
        pl.coalesce(
            "miss_reason",
            pl.when(pl.col("score_error").is_not_null() | pl.col("sap_before").is_null()).then(
                pl.lit("not_modelled")
            ),
        ).alias("miss_reason"),
        pl.coalesce("net_cost_gbp", pl.col("cost_gbp") - pl.col("grant_gbp").fill_null(0.0)).alias(
            "net_cost_gbp"
        ),
    )
    if "probability_reaching_target" not in frame.columns:
        # no spread known: the point result is certain (modelling/uncertainty.py)
        frame = frame.with_columns(
            pl.col("reaches_target").cast(pl.Float64).alias("probability_reaching_target")
        )
    # a home that was not modelled never counts as reaching a target, not even in expectation
    frame = frame.with_columns(
        pl.when(pl.col("miss_reason") == "not_modelled")
        .then(0.0)
        .otherwise(pl.col("probability_reaching_target").fill_null(0.0))
        .alias("probability_reaching_target")
    )
    out: list[dict[str, Any]] = []
    for (name,), rows in frame.sort("scenario").group_by("scenario", maintain_order=True):
        # a home counts only when every phase of its plan was scored (a later package can make a home
        # scorable that was not at the start, e.g. a new heating system on a fuel without a price)
        bad = rows.filter(pl.col("score_error").is_not_null() | pl.col("sap_before").is_null())["property_id"]
        modelled = rows.filter(~pl.col("property_id").is_in(bad.implode()))
        not_modelled = _ids(set(rows["property_id"].to_list()) - set(modelled["property_id"].to_list()))
        per_phase = (
            modelled.group_by("phase", maintain_order=False)
            .agg(
                pl.col("phase_name").first()
                if "phase_name" in rows.columns
                else pl.lit(None).alias("phase_name"),
                pl.col("goal").first(),
                pl.col("target_year").first(),
                pl.len().alias("homes"),
                pl.col("reaches_target").sum().alias("homes_reaching_target"),
                pl.col("grant_gbp").sum().alias("grant_gbp"),
                pl.col("net_cost_gbp").sum().alias("net_cost_gbp"),
                (pl.col("cost_gbp") > 0).sum().alias("homes_treated"),
                pl.col("cost_gbp").sum().alias("total_cost_gbp"),
                (pl.col("sap_after") - pl.col("sap_before")).sum().alias("sap_points"),
                pl.col("sap_after").mean().alias("mean_sap_after"),
                (pl.col("co2_before_t") - pl.col("co2_after_t")).sum().alias("co2_saved_tonnes"),
                (pl.col("bill_before_gbp") - pl.col("bill_after_gbp")).sum().alias("bill_saved_gbp"),
                pl.col("probability_reaching_target")
                .fill_null(pl.col("reaches_target").cast(pl.Float64))
                .alias("_p"),
            )
            .sort("phase")
        )
        unreachable = _ids(modelled.filter(~pl.col("reaches_target"))["property_id"].unique().to_list())
        # every home-phase that misses its target, not-modelled homes included, by reason
        missed = {int(k): v for k, v in _reason_counts(rows).items()}
        version = (
            rows["scenario_version"].drop_nulls() if "scenario_version" in rows.columns else pl.Series([])
        )
        out.append(
            {
                "scenario": str(name),
                "scenario_version": int(version[0]) if version.len() else None,
                "phases": [
                    {
                        "phase": int(p["phase"]),
                        "phase_name": p["phase_name"],
                        "goal": p["goal"],
                        "target_year": None if p["target_year"] is None else int(p["target_year"]),
                        "homes": int(p["homes"]),
                        "homes_reaching_target": int(p["homes_reaching_target"]),
                        "homes_treated": int(p["homes_treated"]),
                        "total_cost_gbp": _r(p["total_cost_gbp"]),
                        "grant_gbp": _r(p["grant_gbp"]),
                        "net_cost_gbp": _r(p["net_cost_gbp"]),
                        "cost_per_sap_point_gbp": _r(p["total_cost_gbp"] / p["sap_points"])
                        if p["sap_points"] and p["sap_points"] > 0
                        else None,
                        "mean_sap_after": _r(p["mean_sap_after"]),
                        "co2_saved_tonnes": _r(p["co2_saved_tonnes"], 3),
                        "bill_saved_gbp": _r(p["bill_saved_gbp"]),
                        "missed_by_reason": missed.get(int(p["phase"]), dict.fromkeys(MISS_REASONS, 0)),
                        "expected_homes_reaching_target": _r(float(np.sum(p["_p"]))),
                        "homes_reaching_target_interval": list(interval(np.asarray(p["_p"], dtype=float))),
                    }
                    for p in per_phase.iter_rows(named=True)
                ],
                "unreachable_count": len(unreachable),
                "unreachable_homes": unreachable,
                "not_modelled_count": len(not_modelled),
                "not_modelled": not_modelled,
                "grant_by_scheme_gbp": {},
            }
        )
    return out


def _reason_counts(rows: pl.DataFrame) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for phase in sorted(rows["phase"].unique().to_list()):
        counts = dict.fromkeys(MISS_REASONS, 0)
        hit = rows.filter((pl.col("phase") == phase) & pl.col("miss_reason").is_not_null())
        for reason, n in hit.group_by("miss_reason").len().iter_rows():
            counts[str(reason)] = int(n)
        out[int(phase)] = counts
    return out


def with_grants(rolled: list[dict[str, Any]], grants: pl.DataFrame) -> list[dict[str, Any]]:
    """The roll-up with each scenario's grant per scheme (pounds) from GRANT_SCHEMA rows."""
    out = []
    for s in rolled:
        mine = grants.filter(pl.col("scenario") == s["scenario"]) if grants.height else grants
        by = (
            {
                str(k): _r(v)
                for k, v in mine.group_by("scheme").agg(pl.col("grant_gbp").sum()).sort("scheme").iter_rows()
            }
            if mine.height
            else {}
        )
        out.append({**s, "grant_by_scheme_gbp": by})
    return out


def summary_view(rolled: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `plans` block of `ara portfolio summary --json`: SUMMARY_SCENARIO_KEYS per scenario, with
    SUMMARY_PHASE_KEYS per phase; homes are lists of property ids beside their counts."""
    return [
        {
            k: [{pk: p[pk] for pk in SUMMARY_PHASE_KEYS} for p in s["phases"]] if k == "phases" else s[k]
            for k in SUMMARY_SCENARIO_KEYS
        }
        for s in rolled
    ]
