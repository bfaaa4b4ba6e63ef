"""Portfolio roll-up of plans: per scenario and phase, homes reaching the target, cost, SAP, CO2 and bills.

Input: plan phase rows (`ara_assets.modelling.plans.PHASE_SCHEMA`, or the same columns read back from
Postgres). Homes whose start state could not be scored (`score_error` on every phase) are counted as
"not modelled", never as reaching or failing. A home is *unreachable* when some phase of its plan does not
reach that phase's target within the budget.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from ara_assets.modelling.uncertainty import interval

SUMMARY_PHASE_KEYS = (
    "phase",
    "homes_reaching_target",
    "total_cost_gbp",
    "mean_sap_after",
    "co2_saved_tonnes",
    "bill_saved_gbp",
    "expected_homes_reaching_target",
    "homes_reaching_target_interval",
)


def _r(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _home_key() -> pl.Expr:
    return pl.coalesce(pl.col("property_id").cast(pl.String), pl.col("home_id").cast(pl.String))


def _ids(keys: Any) -> list[int | str]:
    """Property ids as integers (home ids of synthetic rows stay strings), sorted."""
    ids = [int(k) if str(k).isdigit() else str(k) for k in keys]
    return sorted(ids, key=lambda k: (isinstance(k, str), k))


def rollup(phases: pl.DataFrame) -> list[dict[str, Any]]:
    """One dict per scenario: phases (roll-up per phase), unreachable_homes, not_modelled."""
    need = ("scenario", "phase", "cost_gbp", "reaches_target", "sap_before", "sap_after", "co2_before_t")
    missing = [c for c in need if c not in phases.columns]
    if missing:
        raise ValueError(f"plan phases: field {missing[0]!r} is missing (no such column)")
    frame = phases.with_columns(_home_key().alias("_home"))
    if "score_error" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("score_error"))
    if "probability_reaching_target" not in frame.columns:
        # no spread known: the point result is certain (modelling/uncertainty.py)
        frame = frame.with_columns(
            pl.col("reaches_target").cast(pl.Float64).alias("probability_reaching_target")
        )
    out: list[dict[str, Any]] = []
    for (name,), rows in frame.sort("scenario").group_by("scenario", maintain_order=True):
        # a home counts only when every phase of its plan was scored (a later package can make a home
        # scorable that was not at the start, e.g. a new heating system on a fuel without a price)
        bad = rows.filter(pl.col("score_error").is_not_null() | pl.col("sap_before").is_null())["_home"]
        modelled = rows.filter(~pl.col("_home").is_in(bad.implode()))
        not_modelled = _ids(set(rows["_home"].to_list()) - set(modelled["_home"].to_list()))
        per_phase = (
            modelled.group_by("phase", maintain_order=False)
            .agg(
                pl.col("phase_name").first()
                if "phase_name" in rows.columns
                else pl.lit(None).alias("phase_name"),
                pl.len().alias("homes"),
                pl.col("reaches_target").sum().alias("homes_reaching_target"),
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
        unreachable = _ids(modelled.filter(~pl.col("reaches_target"))["_home"].unique().to_list())
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
                        "homes": int(p["homes"]),
                        "homes_reaching_target": int(p["homes_reaching_target"]),
                        "homes_treated": int(p["homes_treated"]),
                        "total_cost_gbp": _r(p["total_cost_gbp"]),
                        "cost_per_sap_point_gbp": _r(p["total_cost_gbp"] / p["sap_points"])
                        if p["sap_points"] and p["sap_points"] > 0
                        else None,
                        "mean_sap_after": _r(p["mean_sap_after"]),
                        "co2_saved_tonnes": _r(p["co2_saved_tonnes"], 3),
                        "bill_saved_gbp": _r(p["bill_saved_gbp"]),
                        "expected_homes_reaching_target": _r(float(np.sum(p["_p"]))),
                        "homes_reaching_target_interval": list(interval(np.asarray(p["_p"], dtype=float))),
                    }
                    for p in per_phase.iter_rows(named=True)
                ],
                "unreachable_homes": unreachable,
                "not_modelled": not_modelled,
            }
        )
    return out


def summary_view(rolled: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `plans` block of `ara portfolio summary --json`: exactly scenario, phases (SUMMARY_PHASE_KEYS
    each), unreachable_homes."""
    return [
        {
            "scenario": s["scenario"],
            "phases": [{k: p[k] for k in SUMMARY_PHASE_KEYS} for p in s["phases"]],
            "unreachable_homes": list(s["unreachable_homes"]),
        }
        for s in rolled
    ]
