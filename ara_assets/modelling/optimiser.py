"""The package of one phase for every home: cheapest that reaches the phase's goal within budget, else the
largest gain within budget; every package judged on its exact re-score (docs/adr/0010-phase-plans.md).

Algorithm, vectorised across homes (numpy over a homes x subsets matrix, polars for package lists):
1. Options usable for a home: its scored candidates of the phase with a positive gain on the goal metric,
   affordable on their own (with mechanical extract ventilation added where the option requires it).
2. The top `top_k` by cost-effectiveness (gain per pound) are enumerated exhaustively as subsets
   (2^top_k), dropping subsets with two options of one slot (one wall insulation, one glazing, one
   heating system, ...) and subsets over budget; a subset holding an airtightness measure includes the
   ventilation option; a heat pump held back only by the fabric standard (`requires_fabric`) needs a
   fabric measure beside it, and its package is valid only if the exact result meets the standard.
   Additive estimates only *rank* subsets for the shortlist.
3. Shortlist per home: the cheapest subsets estimated to reach the goal (with and without a margin) and
   the subsets of largest estimated gain. All shortlisted packages, of all homes, are applied with
   `apply_package` (fixed install order: fabric before ventilation before heating) and re-scored by the
   calculator in one batch.
4. Local search, `rounds` times: drop-one of a package that reaches (cheaper), add-one of the next usable
   options to a package that does not (more gain); again one exact batch per round.
5. Per home the choice among the exactly scored packages and the empty package: reaching and cheapest,
   else the largest exact gain above zero, else nothing. So no choice is over budget or worse than the
   start on the goal metric.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from ara_assets.modelling.candidates import score_states
from ara_assets.modelling.catalogue import FABRIC_MEASURE_TYPES, MEASURE_TYPES, catalogue
from ara_assets.modelling.eligibility import heat_pump_fabric_ok
from ara_assets.modelling.measures import apply_package
from ara_assets.modelling.scenarios import Goal
from ara_assets.modelling.uncertainty import confident_threshold

MEV = "mechanical_extract_ventilation"

# Options that edit the same element or system: at most one per package.
SLOTS: dict[str, str] = {
    "cavity_wall_fill": "wall",
    "external_wall_insulation": "wall",
    "internal_wall_insulation": "wall",
    "loft_insulation": "roof",
    "sloping_ceiling_insulation": "roof",
    "flat_roof_insulation": "roof",
    "room_in_roof_insulation": "roof",
    "suspended_floor_insulation": "floor",
    "solid_floor_insulation": "floor",
    "double_glazing": "glazing",
    "triple_glazing": "glazing",
    "secondary_glazing": "glazing",
    "condensing_boiler": "heating",
    "air_source_heat_pump": "heating",
    "storage_heaters": "heating",
    "solar_pv": "pv",
    "solar_pv_battery": "pv",
}
# A new heating system brings its own controls and (heat pump) cylinder: buying those too is waste.
_EXTRA_CONFLICTS = (
    ("condensing_boiler", "heating_controls"),
    ("air_source_heat_pump", "heating_controls"),
    ("air_source_heat_pump", "cylinder_insulation"),
    ("air_source_heat_pump", "cylinder_thermostat"),
    ("storage_heaters", "heating_controls"),
)


def conflict_matrix() -> np.ndarray:
    """conflict[i, j]: measure types i and j (MEASURE_TYPES order) cannot share a package."""
    n = len(MEASURE_TYPES)
    slot = [SLOTS.get(mt, mt) for mt in MEASURE_TYPES]
    out = np.array([[slot[i] == slot[j] for j in range(n)] for i in range(n)], dtype=bool)
    idx = {mt: i for i, mt in enumerate(MEASURE_TYPES)}
    for a, b in _EXTRA_CONFLICTS:
        out[idx[a], idx[b]] = out[idx[b], idx[a]] = True
    return out


_CONFLICT = conflict_matrix()
_MT_INDEX = {mt: i for i, mt in enumerate(MEASURE_TYPES)}


def goal_metric(scores: pl.DataFrame, goal: Goal) -> np.ndarray:
    """The goal's metric, higher is better: SAP rating, or minus CO2 (t) or minus the bill (GBP)."""
    if goal.kind in ("band", "sap"):
        col = scores["sap_rating"]
        return col.cast(pl.Float64).fill_null(np.nan).to_numpy()
    col = scores["co2_t"] if goal.kind == "co2_cut" else scores["bill_gbp"]
    return -col.cast(pl.Float64).fill_null(np.nan).to_numpy()


def goal_threshold(goal: Goal, base_scores: pl.DataFrame) -> np.ndarray:
    """Per home, the metric value at which the goal is reached (in `goal_metric` units)."""
    if goal.kind in ("band", "sap"):
        assert goal.min_sap is not None
        # the band and the target are read on the integer rating: a rating of min_sap - 0.5 rounds up
        return np.full(base_scores.height, goal.min_sap - 0.5)
    share = float(goal.share or 0.0)
    return goal_metric(base_scores, goal) * (1.0 - share)


def reaches(scores: pl.DataFrame, goal: Goal, threshold: np.ndarray) -> np.ndarray:
    if goal.kind in ("band", "sap"):
        assert goal.min_sap is not None
        # the integer rating decides; a threshold raised for a target confidence must be met as well
        # (at the plain threshold, min_sap - 0.5, the second test adds nothing)
        rated = scores["sap_rating_int"].fill_null(-10_000).to_numpy() >= goal.min_sap
        sap = np.nan_to_num(scores["sap_rating"].cast(pl.Float64).fill_null(np.nan).to_numpy(), nan=-np.inf)
        return rated & (sap >= threshold - 1e-9)
    m = goal_metric(scores, goal)
    return np.nan_to_num(m, nan=-np.inf) >= threshold - 1e-9


@dataclass(frozen=True)
class PhaseChoice:
    packages: pl.DataFrame  # property_id, package (list[str], install order), cost_gbp, reaches_target
    end_state: pl.DataFrame  # SAP inputs after the package, row-aligned with the input state
    end_scores: pl.DataFrame  # SCORE_SCHEMA, row-aligned
    variants_scored: int  # package variants re-scored exactly (calculator rows, each at two climates)


@cache
def _install_rank() -> dict[str, int]:
    """Option id -> its place in apply_package's install order (measure type, then option id)."""
    order = {mt: i for i, mt in enumerate(MEASURE_TYPES)}
    return {oid: order[o.measure_type] * 100 + i for i, (oid, o) in enumerate(sorted(catalogue().items()))}


def in_install_order(packages: pl.Series) -> pl.Series:
    """Each package's option ids sorted in install order (so equal packages compare equal)."""
    rank = _install_rank()
    return packages.list.eval(pl.element().sort_by(pl.element().replace_strict(rank, return_dtype=pl.Int64)))


def _evaluate(
    state: pl.DataFrame,
    variants: pl.DataFrame,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
    goal: Goal,
    threshold: np.ndarray,
    start_metric: np.ndarray,
    held_back: pl.DataFrame,
) -> pl.DataFrame:
    """Exact re-score of (h, package) rows: adds cost_gbp, gain, reach and the score columns.

    held_back: (h, option_id) of heat pumps that need the package's fabric measures; a package holding one
    whose fabric does not meet the heat-pump standard afterwards is invalid (gain -inf, never reaches).
    """
    if variants.is_empty():
        return variants.with_columns(
            pl.lit(None, pl.Float64).alias("cost_gbp"),
            pl.lit(None, pl.Float64).alias("gain"),
            pl.lit(None, pl.Boolean).alias("reach"),
        )
    rows = state.select(pl.all().gather(variants["h"].to_numpy()))
    after, costs = apply_package(rows, variants["package"])
    cost = (
        pl.DataFrame({"row": np.arange(variants.height, dtype=np.int64)})
        .join(costs.group_by("row").agg(pl.col("cost_gbp").sum()), on="row", how="left")
        .sort("row")["cost_gbp"]
        .fill_null(0.0)
    )
    scores = score_states(after, rates, factors)
    h = variants["h"].to_numpy()
    metric = goal_metric(scores, goal)
    gain = metric - start_metric[h]
    reach = reaches(scores, goal, threshold[h]) & scores["score_error"].is_null().to_numpy()
    if held_back.height:
        # the heat pump edit leaves walls, roofs and windows alone: the edited frame's fabric is the
        # fabric the package's insulation measures produced
        needs = (
            variants.with_row_index("_v")
            .explode("package")
            .join(held_back, left_on=["h", "package"], right_on=["h", "option_id"], how="semi")["_v"]
            .unique()
            .to_numpy()
        )
        bad = np.zeros(variants.height, dtype=bool)
        bad[needs] = True
        bad &= ~heat_pump_fabric_ok(after).fill_null(False).to_numpy()
        gain = np.where(bad, -np.inf, gain)
        reach = reach & ~bad
    return pl.concat([variants, scores], how="horizontal").with_columns(
        cost.alias("cost_gbp"),
        pl.Series("gain", np.nan_to_num(gain, nan=-np.inf)),
        pl.Series("reach", reach),
    )


# The price a reaching package is ranked by: its capital cost, or (objective `net_cost`) what a
# `Price` callable returns for it, e.g. its cost less the grants it draws (funding.net_cost_price).
# It takes (v, property_id, measure_type, cost_gbp): one row per measure of evaluated package v, and returns
# (v, price_gbp) for the packages it prices.
Price = Callable[[pl.DataFrame], pl.DataFrame]


def _ranked(
    evaluated: pl.DataFrame, price: Price, property_ids: pl.Series, option_costs: pl.DataFrame
) -> pl.DataFrame:
    """`evaluated` with `_price`: what `price` says for each package, from its options' own costs
    (option_costs: h, option_id, cost_gbp of the phase's candidates)."""
    rows = evaluated.select("h", "package").with_row_index("v")
    ex = rows.explode("package").rename({"package": "option_id"}).drop_nulls("option_id")
    items = ex.join(option_costs, on=["h", "option_id"], how="left").with_columns(
        pl.col("option_id").replace_strict(_all_options(), default=None).alias("measure_type"),
        pl.Series("property_id", property_ids.to_numpy()[ex["h"].to_numpy()], dtype=pl.Int64),
        pl.col("cost_gbp").fill_null(0.0),
    )
    priced = price(items.select("v", "property_id", "measure_type", "cost_gbp"))
    return (
        evaluated.with_row_index("v")
        .join(priced.select("v", "price_gbp"), on="v", how="left")
        .with_columns(pl.coalesce("price_gbp", "cost_gbp").alias("_price"))
        .drop("v", "price_gbp")
    )


def _choose(
    evaluated: pl.DataFrame,
    budget: np.ndarray,
    price: Price | None = None,
    property_ids: pl.Series | None = None,
    option_costs: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Best exactly scored package per h: reaching and cheapest (by `price`, default the capital cost),
    else largest gain > 0, within budget (always the capital cost)."""
    if price is not None and property_ids is not None and option_costs is not None and evaluated.height:
        evaluated = _ranked(evaluated, price, property_ids, option_costs)
    else:
        evaluated = evaluated.with_columns(pl.col("cost_gbp").alias("_price"))
    ok = evaluated.filter(
        (pl.col("cost_gbp") <= pl.Series(budget[evaluated["h"].to_numpy()]) + 1e-6)
        & pl.col("score_error").is_null()
        & (pl.col("reach") | (pl.col("gain") > 1e-9))
    )
    return (
        ok.sort(
            pl.col("reach").not_(),
            pl.when(pl.col("reach")).then(pl.col("_price")).otherwise(-pl.col("gain")),
            pl.col("cost_gbp"),
            pl.col("package").list.len(),
        )
        .group_by("h", maintain_order=True)
        .first()
        .drop("_price")
    )


def optimise_phase(
    state: pl.DataFrame,
    candidates: pl.DataFrame,
    start_scores: pl.DataFrame,
    base_scores: pl.DataFrame,
    goal: Goal,
    budget_gbp: np.ndarray,
    rates: pl.DataFrame,
    factors: pl.DataFrame,
    *,
    top_k: int = 7,
    rounds: int = 2,
    price: Price | None = None,
    sap_sd: np.ndarray | None = None,
    target_confidence: float | None = None,
) -> PhaseChoice:
    """Choose each home's package for one phase (see the module docstring for the algorithm).

    state / start_scores / base_scores / budget_gbp are row-aligned (one row per home; `property_id` in
    state). candidates: `phase_candidates` rows of this phase. base_scores: the scenario's start (for
    share goals). budget_gbp: per-home money left for this phase (inf when unlimited).
    """
    n = state.height
    budget = np.asarray(budget_gbp, dtype=np.float64)
    threshold = goal_threshold(goal, base_scores)
    if target_confidence is not None and sap_sd is not None and goal.kind in ("band", "sap"):
        threshold = confident_threshold(threshold, sap_sd, target_confidence)
    start_metric = np.nan_to_num(goal_metric(start_scores, goal), nan=-np.inf)
    start_reach = reaches(start_scores, goal, threshold)
    hmap = pl.DataFrame(
        {"property_id": state["property_id"], "h": np.arange(n, dtype=np.int64), "_budget": budget}
    )
    option_costs = (
        candidates.join(hmap.select("property_id", "h"), on="property_id")
        .select("h", "option_id", "cost_gbp")
        .unique(["h", "option_id"])
        if price is not None
        else None
    )

    cands = candidates.filter(pl.col("score_error").is_null() & pl.col("sap_after").is_not_null()).join(
        hmap, on="property_id", how="inner"
    )
    after_metric = goal_metric(
        cands.select(
            pl.col("sap_after").alias("sap_rating"),
            pl.col("co2_after_t").alias("co2_t"),
            pl.col("bill_after_gbp").alias("bill_gbp"),
        ),
        goal,
    )
    cands = cands.with_columns(
        pl.Series("gain", np.nan_to_num(after_metric, nan=-np.inf) - start_metric[cands["h"].to_numpy()])
    )
    mev = (
        cands.filter(pl.col("measure_type") == MEV)
        .sort("cost_gbp")
        .group_by("h")
        .first()
        .select(
            "h",
            pl.col("option_id").alias("mev_option"),
            pl.col("cost_gbp").alias("mev_cost"),
            pl.col("gain").alias("mev_gain"),
        )
    )
    usable = (
        cands.filter(pl.col("measure_type") != MEV)
        .join(mev, on="h", how="left")
        .with_columns(
            pl.col("requires_measure_type").is_not_null().alias("dep"),
            pl.col("requires_fabric").fill_null(False).alias("rf"),
        )
        .with_columns(
            (pl.col("cost_gbp") + pl.when(pl.col("dep")).then(pl.col("mev_cost")).otherwise(0.0)).alias(
                "full_cost"
            )
        )
        .filter(
            (pl.col("gain") > 1e-9)
            & pl.col("gain").is_finite()
            & (~pl.col("dep") | pl.col("mev_option").is_not_null())
            & (pl.col("full_cost") <= pl.col("_budget") + 1e-6)
        )
        .with_columns(
            (pl.col("gain") + pl.when(pl.col("dep")).then(pl.col("mev_gain")).otherwise(0.0)).alias(
                "full_gain"
            )
        )
        .with_columns((pl.col("full_gain") / pl.col("full_cost").clip(lower_bound=1.0)).alias("ratio"))
        .sort("h", pl.col("ratio"), descending=[False, True])
        .with_columns(pl.int_range(pl.len()).over("h").alias("rank"))
    )
    # homes already at the goal keep the empty package; the rest are searched
    usable = usable.filter(pl.Series(~start_reach[usable["h"].to_numpy()]))
    top = usable.filter(pl.col("rank") < top_k)

    # a package of one option that needs nothing else is exactly its candidate row: no re-score needed
    evaluated: list[pl.DataFrame] = [_singles(usable.filter(~pl.col("dep") & ~pl.col("rf")), goal, threshold)]
    held_back = usable.filter(pl.col("rf")).select("h", "option_id")
    scored_rows = 0
    if top.height:
        shortlist = _shortlist(top, mev, n, top_k, budget, threshold - start_metric)
        ev = _evaluate(state, shortlist, rates, factors, goal, threshold, start_metric, held_back)
        scored_rows += ev.height
        evaluated.append(ev)
        for _ in range(rounds):
            best = _choose(
                pl.concat(evaluated, how="diagonal_relaxed"),
                budget,
                price,
                state["property_id"],
                option_costs,
            )
            moves = _neighbours(best, usable, mev)
            if moves.is_empty():
                break
            seen = pl.concat([e.select("h", "package") for e in evaluated])
            moves = moves.join(
                seen.with_columns(pl.col("package").list.join(",").alias("_k")).select("h", "_k"),
                left_on=["h", pl.col("package").list.join(",")],
                right_on=["h", "_k"],
                how="anti",
            )
            if moves.is_empty():
                break
            ev = _evaluate(state, moves, rates, factors, goal, threshold, start_metric, held_back)
            scored_rows += ev.height
            evaluated.append(ev)

    best = _choose(
        pl.concat(evaluated, how="diagonal_relaxed"), budget, price, state["property_id"], option_costs
    )
    chosen = hmap.drop("_budget").join(best.select("h", "package", "cost_gbp"), on="h", how="left").sort("h")
    packages = chosen.with_columns(
        pl.col("package").fill_null(pl.lit([], pl.List(pl.String))),
        pl.col("cost_gbp").fill_null(0.0),
    )
    end_state, _ = apply_package(state, packages["package"])
    # rows with an empty package keep their start scores; the others were scored in the batch above
    end_scores = _end_scores(start_scores, best, n)
    reach = reaches(end_scores, goal, threshold)
    return PhaseChoice(
        packages.select("property_id", "package", "cost_gbp").with_columns(
            pl.Series("reaches_target", reach)
        ),
        end_state,
        end_scores,
        scored_rows,
    )


def _singles(options: pl.DataFrame, goal: Goal, threshold: np.ndarray) -> pl.DataFrame:
    """Candidate rows as evaluated one-option packages (their scores are already exact)."""
    scores = options.select(
        pl.col("sap_after").alias("sap_rating"),
        pl.col("sap_int_after").alias("sap_rating_int"),
        pl.col("band_after").alias("band"),
        pl.col("co2_after_t").alias("co2_t"),
        pl.col("primary_energy_after_kwh_m2").alias("primary_energy_kwh_per_m2"),
        pl.col("bill_after_gbp").alias("bill_gbp"),
        pl.col("co2_desnz_after_kg").alias("co2_desnz_kg"),
        pl.col("score_error"),
    )
    h = options["h"].to_numpy()
    return pl.concat(
        [options.select("h", pl.concat_list("option_id").alias("package"), "cost_gbp", "gain"), scores],
        how="horizontal",
    ).with_columns(pl.Series("reach", reaches(scores, goal, threshold[h]), dtype=pl.Boolean))


def _end_scores(start_scores: pl.DataFrame, best: pl.DataFrame, n: int) -> pl.DataFrame:
    cols = list(start_scores.columns)
    base = start_scores.with_columns(pl.Series("h", np.arange(n, dtype=np.int64)))
    if best.is_empty():
        return start_scores
    upd = best.select("h", *cols)
    merged = base.join(upd, on="h", how="left", suffix="_new")
    has = pl.col("sap_rating_new").is_not_null() | pl.col("score_error_new").is_not_null()
    return merged.sort("h").select(
        [pl.when(has).then(pl.col(f"{c}_new")).otherwise(pl.col(c)).alias(c) for c in cols]
    )


def _shortlist(
    top: pl.DataFrame, mev: pl.DataFrame, n: int, k: int, budget: np.ndarray, need: np.ndarray
) -> pl.DataFrame:
    """Exhaustive subsets of each home's top options, ranked by additive estimates; a few per home."""
    h = top["h"].to_numpy()
    r = top["rank"].to_numpy()
    cost = np.zeros((n, k))
    gain = np.zeros((n, k))
    dep = np.zeros((n, k), dtype=bool)
    avail = np.zeros((n, k), dtype=bool)
    mt = np.full((n, k), -1, dtype=np.int64)
    oid = np.full((n, k), "", dtype=object)
    cost[h, r] = top["cost_gbp"].to_numpy()
    gain[h, r] = top["gain"].to_numpy()
    dep[h, r] = top["dep"].to_numpy()
    rf = np.zeros((n, k), dtype=bool)
    fab = np.zeros((n, k), dtype=bool)
    rf[h, r] = top["rf"].to_numpy()
    fab[h, r] = top["measure_type"].is_in(sorted(FABRIC_MEASURE_TYPES)).to_numpy()
    avail[h, r] = True
    mt[h, r] = top["measure_type"].replace_strict(_MT_INDEX, return_dtype=pl.Int64).to_numpy()
    oid[h, r] = np.asarray(top["option_id"].to_list(), dtype=object)
    mev_cost = np.zeros(n)
    mev_gain = np.zeros(n)  # ventilation usually costs a little SAP (fan energy): counted once per package
    mev_opt = np.full(n, None, dtype=object)
    if mev.height:
        mh = mev["h"].to_numpy()
        mev_cost[mh] = mev["mev_cost"].to_numpy()
        mev_gain[mh] = mev["mev_gain"].to_numpy()
        mev_opt[mh] = np.asarray(mev["mev_option"].to_list(), dtype=object)

    bits = ((np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1).astype(bool)  # (S, k)
    bf = bits.astype(np.float64)
    est_cost = cost @ bf.T
    est_gain = gain @ bf.T
    any_dep = (dep.astype(np.float64) @ bf.T) > 0
    est_cost = est_cost + any_dep * mev_cost[:, None]
    est_gain = est_gain + any_dep * mev_gain[:, None]
    feasible = ((~avail).astype(np.float64) @ bf.T) == 0
    # a heat pump held back by the fabric standard needs some fabric measure beside it
    feasible &= ~(((rf.astype(np.float64) @ bf.T) > 0) & ((fab.astype(np.float64) @ bf.T) == 0))
    # pairwise conflicts between the home's top options
    for i in range(k):
        for j in range(i + 1, k):
            both = avail[:, i] & avail[:, j]
            clash = np.zeros(n, dtype=bool)
            clash[both] = _CONFLICT[mt[both, i], mt[both, j]]
            if clash.any():
                feasible &= ~(clash[:, None] & (bits[:, i] & bits[:, j])[None, :])
    feasible &= est_cost <= budget[:, None] + 1e-6
    feasible[:, 0] = False  # the empty package is always a choice; no need to score it
    reach_est = est_gain >= need[:, None]
    margin = est_gain >= (need + np.maximum(np.abs(need) * 0.25, 1.0))[:, None]
    picks: list[tuple[np.ndarray, np.ndarray]] = []
    inf = np.inf
    for key, count in (
        (np.where(feasible & reach_est, est_cost, inf), 3),
        (np.where(feasible & margin, est_cost, inf), 2),
        (np.where(feasible, -est_gain, inf), 3),
    ):
        order = np.argsort(key, axis=1, kind="stable")[:, :count]
        val = np.take_along_axis(key, order, axis=1)
        hh, cc = np.nonzero(np.isfinite(val))
        picks.append((hh, order[hh, cc]))
    hs = np.concatenate([p[0] for p in picks])
    ss = np.concatenate([p[1] for p in picks])
    pairs = np.unique(np.stack([hs, ss], axis=1), axis=0) if hs.size else np.zeros((0, 2), dtype=np.int64)
    if pairs.shape[0] == 0:
        return pl.DataFrame(schema={"h": pl.Int64, "package": pl.List(pl.String)})
    ph, ps = pairs[:, 0], pairs[:, 1]
    rr, kk = np.nonzero(bits[ps])
    exploded = pl.DataFrame(
        {"v": rr.astype(np.int64), "option_id": pl.Series(oid[ph[rr], kk].tolist(), dtype=pl.String)}
    )
    need_mev = any_dep[ph, ps]
    extra_v = np.flatnonzero(need_mev)
    if extra_v.size:
        exploded = pl.concat(
            [
                exploded,
                pl.DataFrame(
                    {
                        "v": extra_v.astype(np.int64),
                        "option_id": pl.Series(mev_opt[ph[extra_v]].tolist(), dtype=pl.String),
                    }
                ),
            ]
        )
    lists = exploded.group_by("v").agg(pl.col("option_id").alias("package"))
    out = pl.DataFrame({"v": np.arange(len(ph), dtype=np.int64), "h": ph.astype(np.int64)}).join(
        lists, on="v", how="left"
    )
    return out.sort("v").select("h", in_install_order(out.sort("v")["package"]).alias("package"))


def _neighbours(
    best: pl.DataFrame, usable: pl.DataFrame, mev: pl.DataFrame, add_limit: int = 4
) -> pl.DataFrame:
    """Drop-one moves of reaching packages and add-one moves of non-reaching ones, as (h, package)."""
    info = usable.select("h", "option_id", "measure_type", "dep", "rank")
    parts: list[pl.DataFrame] = []
    reach = best.filter(pl.col("reach") & (pl.col("package").list.len() >= 2)).select("h", "package")
    if reach.height:
        ex = (
            reach.with_row_index("v")
            .with_columns(pl.int_ranges(0, pl.col("package").list.len()).alias("pos"))
            .explode(["package", "pos"])
            .rename({"package": "option_id"})
        )
        drops = ex.select("v", pl.col("pos").alias("drop"))
        moves = (
            drops.join(ex, on="v")
            .filter(pl.col("pos") != pl.col("drop"))
            .join(info.select("h", "option_id", "dep"), on=["h", "option_id"], how="left")
            .with_columns(
                pl.col("dep").fill_null(False).any().over("v", "drop").alias("_dep"),
                (
                    pl.col("option_id").is_in(mev["mev_option"].implode()) if mev.height else pl.lit(False)
                ).alias("_mev"),
            )
        )
        # a package that keeps an airtightness measure must keep its ventilation; one without needs none
        bad = moves.group_by("v", "drop").agg((pl.col("_dep").first() & ~pl.col("_mev").any()).alias("_bad"))
        moves = (
            moves.join(bad, on=["v", "drop"])
            .filter(~pl.col("_bad") & ~(pl.col("_mev") & ~pl.col("_dep")))
            .group_by("v", "drop", maintain_order=True)
            .agg(pl.col("h").first(), pl.col("option_id").alias("package"))
        )
        parts.append(moves.select("h", "package"))
    short = best.filter(~pl.col("reach")).select("h", "package")
    if short.height:
        have = short.explode("package").rename({"package": "option_id"}).drop_nulls("option_id")
        have_mt = have.join(
            pl.DataFrame({"option_id": list(_all_options()), "mt": list(_all_options().values())}),
            on="option_id",
            how="left",
        )
        cand = short.select("h").join(info, on="h").join(have, on=["h", "option_id"], how="anti")
        clash_pairs = pl.DataFrame(
            [
                (MEASURE_TYPES[i], MEASURE_TYPES[j])
                for i in range(len(MEASURE_TYPES))
                for j in range(len(MEASURE_TYPES))
                if _CONFLICT[i, j]
            ],
            schema=["mt", "measure_type"],
            orient="row",
        )
        clashing = have_mt.select("h", "mt").join(clash_pairs, on="mt").select("h", "measure_type").unique()
        cand = (
            cand.join(clashing, on=["h", "measure_type"], how="anti")
            .sort("h", "rank")
            .with_columns(pl.int_range(pl.len()).over("h").alias("_n"))
            .filter(pl.col("_n") < add_limit)
            .join(mev, on="h", how="left")
            .join(short, on="h")
        )
        added = cand.with_columns(
            pl.when(
                pl.col("dep")
                & pl.col("mev_option").is_not_null()
                & ~pl.col("package").list.contains(pl.col("mev_option").fill_null(""))
            )
            .then(pl.concat_list("package", pl.col("option_id"), pl.col("mev_option")))
            .otherwise(pl.concat_list("package", pl.col("option_id")))
            .alias("package")
        ).select("h", "package")
        parts.append(added)
    if not parts:
        return pl.DataFrame(schema={"h": pl.Int64, "package": pl.List(pl.String)})
    out = pl.concat(parts)
    return out.with_columns(in_install_order(out["package"]).alias("package"))


def _all_options() -> dict[str, str]:
    return {oid: o.measure_type for oid, o in catalogue().items()}
