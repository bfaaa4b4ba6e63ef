"""candidate_recommendations and phase_plans end to end: emulator, embedded Postgres, real Dagster runs."""

from pathlib import Path

import dagster as dg
import polars as pl

from ara_assets.defs.baseline import property_baseline, sap_inputs
from ara_assets.defs.epc import effective_epc, epc_cache
from ara_assets.defs.modelling import candidate_recommendations, phase_plans
from ara_assets.defs.reference import carbon_factors, fuel_rates
from ara_assets.demo.run import pick_override
from ara_assets.modelling.incremental_plans import unnest_measures
from ara_assets.modelling.rollup import SUMMARY_PHASE_KEYS, SUMMARY_SCENARIO_KEYS
from ara_assets.modelling.scenarios import load_scenario_yaml
from ara_assets.report.html import render_report
from ara_assets.report.load import load_bundle
from ara_assets.resources.warehouse.repositories.plans import plans_summary
from ara_assets_tests.defs.conftest import PORTFOLIO, PipelineEnv

ALL = [
    epc_cache,
    effective_epc,
    sap_inputs,
    fuel_rates,
    carbon_factors,
    property_baseline,
    candidate_recommendations,
    phase_plans,
]
SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "fabric_first_then_heat.yaml"


def _meta(result: dg.ExecuteInProcessResult, key: str) -> dict:
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key == dg.AssetKey(key):
            return {k: v.value for k, v in mat.metadata.items()}
    raise AssertionError(f"no materialization of {key}")


def _run(env: PipelineEnv, yearly_budget: float | None = 60_000.0) -> dg.ExecuteInProcessResult:
    refs = dg.materialize([fuel_rates, carbon_factors], instance=env.instance, resources=env.resources())
    assert refs.success
    # no scenario yet: nothing to model, every check passes on the empty plans
    empty = dg.materialize(
        ALL,
        selection=[
            epc_cache,
            effective_epc,
            sap_inputs,
            property_baseline,
            candidate_recommendations,
            phase_plans,
        ],
        partition_key=PORTFOLIO,
        instance=env.instance,
        resources=env.resources(),
    )
    assert empty.success
    assert _meta(empty, "candidate_recommendations")["candidate_rows"] == 0
    assert all(c.passed for c in empty.get_asset_check_evaluations())
    with env.warehouse.unit_of_work() as uow:
        uow.scenarios.create(load_scenario_yaml(SCENARIO).to_spec())
    result = dg.materialize(
        ALL,
        selection=[candidate_recommendations, phase_plans],
        partition_key=PORTFOLIO,
        instance=env.instance,
        resources=env.resources(),
        run_config={
            "ops": {"phase_plans": {"config": {"yearly_budget_gbp": yearly_budget, "start_year": 2026}}}
        },
    )
    assert result.success
    return result


def test_plans_are_scored_checked_persisted_and_summarised(pipeline: PipelineEnv) -> None:
    result = _run(pipeline)
    checks = {
        c.check_name: c.passed
        for c in result.get_asset_check_evaluations()
        if c.asset_key == dg.AssetKey("phase_plans")
    }
    assert checks == {
        "no_plan_over_budget": True,
        "no_ineligible_measure": True,
        "no_phase_worse_on_its_goal": True,
        "attribution_sums_to_totals": True,
        "sap_before_in_range": True,
    }
    cand_meta = _meta(result, "candidate_recommendations")
    assert "| fabric_first_then_heat | 1 |" in cand_meta["scenario_versions"]
    assert cand_meta["dagster/row_count"] == result.output_for_node("candidate_recommendations").height
    assert cand_meta["homes_modelled"] > 0 and cand_meta["variants_scored"] > cand_meta["homes_modelled"]
    cands = result.output_for_node("candidate_recommendations")
    assert cands["scenario_version"].unique().to_list() == [1]
    # phase 1 allows fabric, ventilation, lighting and heating upgrades only
    allowed = set(load_scenario_yaml(SCENARIO).allowed_in_phase(0))
    assert set(cands.filter(pl.col("phase") == 1)["measure_type"].unique()) <= allowed

    with pipeline.warehouse.unit_of_work() as uow:
        portfolio_id = uow.portfolios.by_name(PORTFOLIO).id
        repo = uow.plans
        stored = repo.phases(portfolio_id)
        measures = repo.measures(portfolio_id)
        allocations = repo.allocations(portfolio_id)
        summary = plans_summary(uow.connection, PORTFOLIO)
        properties = uow.connection.exec_driver_sql(
            "SELECT count(*) FROM properties WHERE portfolio_id = %s", (portfolio_id,)
        ).scalar_one()
        grants = repo.grants(portfolio_id)
    # every home of the portfolio has a row per phase; homes without a scored start state say why
    assert stored.height == 2 * properties
    modelled = stored.filter(pl.col("miss_reason").ne_missing("not_modelled"))
    assert modelled["property_id"].n_unique() <= cand_meta["homes_modelled"]
    not_modelled = stored.filter(pl.col("miss_reason") == "not_modelled")
    assert not not_modelled["reaches_target"].any()
    assert not_modelled["miss_detail"].is_not_null().all()
    # the demo scenario draws the Social Housing Fund in phase 1 only (spent by March 2028)
    assert grants["scheme"].unique().to_list() == ["whshf_wave3"]
    assert grants["phase"].unique().to_list() == [1]
    assert ((stored["cost_gbp"] - stored["grant_gbp"] - stored["net_cost_gbp"]).abs() < 0.02).all()
    assert measures.height == int(stored["package"].list.len().sum())
    # every phase's measures add up to its cost
    sums = measures.group_by("property_id", "phase").agg(pl.col("cost_gbp").sum().alias("m"))
    joined = stored.join(sums, on=["property_id", "phase"], how="inner")
    assert ((joined["cost_gbp"] - joined["m"]).abs() < 1e-6).all()
    assert stored.filter(pl.col("cost_gbp") > pl.col("budget_gbp") + 0.01).height == 0
    # the allocation stays within its pooled budget and only buys reaching or enabling phases
    assert allocations["cost_gbp"].sum() <= 60_000.0 * 9 + 1e-6
    assert tuple(summary[0]) == SUMMARY_SCENARIO_KEYS
    assert summary[0]["unreachable_count"] == len(summary[0]["unreachable_homes"])
    assert all("grant_gbp" in p and "net_cost_gbp" in p for p in summary[0]["phases"])
    assert summary[0]["scenario"] == "fabric_first_then_heat"
    assert [p["phase"] for p in summary[0]["phases"]] == [1, 2]
    assert all(set(p) == set(SUMMARY_PHASE_KEYS) for p in summary[0]["phases"])
    reached = stored.filter((pl.col("phase") == 1) & pl.col("miss_reason").ne_missing("not_modelled"))
    assert summary[0]["phases"][0]["homes_reaching_target"] == int(reached["reaches_target"].sum())
    meta = _meta(result, "phase_plans")
    assert "targets_reached" in meta["allocation"] and "| fabric_first_then_heat |" in meta["allocation"]
    assert meta["homes_missing_a_target"] == summary[0]["unreachable_count"]
    assert meta["dagster/row_count"] == stored.height
    assert "| fabric_first_then_heat | 1. fabric first | band C or better by 2030 |" in meta["plans_by_phase"]
    # no lists of ids in metadata: counts, tables and where to look
    assert not any(isinstance(v, list) for v in meta.values())
    assert Path(meta["report"]).is_file()

    # the scenario is edited after the candidates were computed: the plans keep the pinned snapshot
    edited = load_scenario_yaml(SCENARIO).to_spec()
    edited["phases"][0]["budget_gbp"] = 1.0
    with pipeline.warehouse.unit_of_work() as uow:
        uow.scenarios.create(edited, replace=True)
    again = dg.materialize(
        ALL,
        selection=[phase_plans],
        partition_key=PORTFOLIO,
        instance=pipeline.instance,
        resources=pipeline.resources(),
    )
    assert again.success
    with pipeline.warehouse.unit_of_work() as uow:
        replanned = uow.plans.phases(portfolio_id)
    assert replanned["scenario_version"].unique().to_list() == [1]
    assert (
        replanned.sort("property_id", "phase")["cost_gbp"].to_list()
        == stored.sort("property_id", "phase")["cost_gbp"].to_list()
    )


def _candidates(env: PipelineEnv, selection: list) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        ALL, selection=selection, partition_key=PORTFOLIO, instance=env.instance, resources=env.resources()
    )
    assert result.success
    return result


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("scenario_snapshot").cast(pl.String)).sort(
        "scenario", "phase", "property_id", "option_id"
    )


def test_after_one_override_only_that_home_is_modelled_again(pipeline: PipelineEnv) -> None:
    """Incremental candidates (docs/adr/0025): the previous output's rows of unchanged homes are reused,
    the overridden home is modelled again, and the result equals a full recompute."""
    first = _run(pipeline)
    modelled = _meta(first, "candidate_recommendations")["homes_modelled"]
    before = first.output_for_node("candidate_recommendations")
    assert before["input_key"].is_not_null().all()

    again = _candidates(pipeline, [candidate_recommendations])
    meta = _meta(again, "candidate_recommendations")
    assert meta["recomputed"] == 0 and meta["variants_scored"] == 0
    assert meta["unchanged"] == modelled and meta["reused_rows"] == before.height
    assert _canonical(again.output_for_node("candidate_recommendations")).equals(_canonical(before))

    # the demo's correction (loft topped up, or cavity filled) on a scored home with a certificate
    target, field, value = pick_override(
        pl.read_parquet(pipeline.asset_dir / "effective_epc" / f"{PORTFOLIO}.parquet"),
        pl.read_parquet(pipeline.asset_dir / "property_baseline" / f"{PORTFOLIO}.parquet"),
    )
    assert target in before["property_id"].to_list()
    with pipeline.warehouse.unit_of_work() as uow:
        uow.overrides.append_many(
            [{"property_id": target, "field_path": field, "value": value, "author": "t"}]
        )
    result = _candidates(
        pipeline, [effective_epc, sap_inputs, property_baseline, candidate_recommendations, phase_plans]
    )
    # the overridden home alone was expanded into SAP inputs again; the others' rows were reused
    expansion = _meta(result, "sap_inputs")
    assert expansion["expanded"] == 1 and expansion["unchanged"] == expansion["rows"] - 1
    meta = _meta(result, "candidate_recommendations")
    assert meta["recomputed"] == 1 and meta["unchanged"] == modelled - 1
    incremental = result.output_for_node("candidate_recommendations")
    assert incremental.filter(pl.col("property_id") != target).height == meta["reused_rows"]
    # the overridden home's options were scored again from its new state
    old = before.filter(pl.col("property_id") == target)
    new = incremental.filter(pl.col("property_id") == target)
    assert old["input_key"].unique().to_list() != new["input_key"].unique().to_list()
    assert old["sap_before"][0] != new["sap_before"][0]
    assert all(c.passed for c in result.get_asset_check_evaluations())

    # a full recompute (no previous output) gives the same rows
    (pipeline.asset_dir / "candidate_recommendations" / f"{PORTFOLIO}.parquet").unlink()
    full = _candidates(pipeline, [candidate_recommendations])
    assert _meta(full, "candidate_recommendations")["recomputed"] == modelled
    assert _canonical(full.output_for_node("candidate_recommendations")).equals(_canonical(incremental))


# Every stored plan column but the time it was computed, in a fixed order (what a full recompute must equal).
_STORED = {
    "plans": "scenario, property_id, scenario_version, phases, total_cost_gbp, reaches_every_target, "
    "score_error, input_key, row_digest",
    "plan_phases": "*",
    "plan_measures": "*",
    "plan_grants": "*",
    "plan_allocation_runs": "scenario, scenario_version, yearly_budget_gbp, start_year, targets_reached, "
    "upper_bound, greedy_targets_reached, status",
    "plan_allocations": "*",
}


def _stored_tables(env: PipelineEnv) -> dict[str, list[tuple]]:
    with env.warehouse.unit_of_work() as uow:
        portfolio_id = uow.portfolios.by_name(PORTFOLIO).id
        out = {}
        for table, cols in _STORED.items():
            rows = uow.connection.exec_driver_sql(
                f"SELECT {cols} FROM {table} WHERE portfolio_id = %s", (portfolio_id,)
            ).fetchall()
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


def _plans(env: PipelineEnv, selection: list) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        ALL,
        selection=selection,
        partition_key=PORTFOLIO,
        instance=env.instance,
        resources=env.resources(),
        run_config={"ops": {"phase_plans": {"config": {"yearly_budget_gbp": 60_000.0, "start_year": 2026}}}},
    )
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    return result


def test_after_one_override_only_that_home_is_planned_again(pipeline: PipelineEnv) -> None:
    """Incremental plans (docs/adr/0029): the overridden home's plan is built again, the others are reused
    from the previous output, only changed plans are rewritten in Postgres, and the stored tables equal
    those of a full recompute (the allocation included)."""
    first = _run(pipeline)
    meta = _meta(first, "phase_plans")
    pairs = meta["recomputed"]
    assert pairs > 0 and meta["unchanged"] == 0 and meta["pairs_written"] == pairs
    assert first.output_for_node("phase_plans")["input_key"].drop_nulls().n_unique() == pairs

    # nothing changed: nothing built, nothing rewritten; the allocation is rerun on every home
    before = _stored_tables(pipeline)
    assert before["plan_allocations"]
    same = _plans(pipeline, [phase_plans])
    meta = _meta(same, "phase_plans")
    assert (meta["recomputed"], meta["unchanged"], meta["homes_expanded"]) == (0, pairs, 0)
    assert (meta["pairs_written"], meta["pairs_deleted"]) == (0, 0)
    assert _stored_tables(pipeline) == before

    target, field, value = pick_override(
        pl.read_parquet(pipeline.asset_dir / "effective_epc" / f"{PORTFOLIO}.parquet"),
        pl.read_parquet(pipeline.asset_dir / "property_baseline" / f"{PORTFOLIO}.parquet"),
    )
    with pipeline.warehouse.unit_of_work() as uow:
        uow.overrides.append_many(
            [{"property_id": target, "field_path": field, "value": value, "author": "t"}]
        )
    result = _plans(
        pipeline, [effective_epc, sap_inputs, property_baseline, candidate_recommendations, phase_plans]
    )
    meta = _meta(result, "phase_plans")
    assert (meta["recomputed"], meta["unchanged"], meta["homes_expanded"]) == (1, pairs - 1, 1)
    incremental = _stored_tables(pipeline)
    # the plans rewritten are exactly those whose stored rows changed, the overridden home's among them
    digests = {t[:2]: t[-1] for t in before["plans"]}
    changed = {t[:2] for t in incremental["plans"] if digests.get(t[:2]) != t[-1]}
    assert ("fabric_first_then_heat", target) in changed
    assert meta["pairs_written"] == len(changed) and meta["pairs_deleted"] == 0
    assert incremental["plan_phases"] != before["plan_phases"]
    # the report, rendered from the plans in memory, is the one the stored tables give
    with pipeline.warehouse.unit_of_work() as uow:
        stored_report = render_report(load_bundle(uow, PORTFOLIO))
    assert Path(meta["report"]).read_text(encoding="utf-8") == stored_report

    # a full recompute (no previous output) builds every plan and finds nothing to rewrite ...
    (pipeline.asset_dir / "phase_plans" / f"{PORTFOLIO}.parquet").unlink()
    full = _plans(pipeline, [phase_plans])
    meta = _meta(full, "phase_plans")
    assert (meta["recomputed"], meta["unchanged"], meta["pairs_written"]) == (pairs, 0, 0)
    assert full.output_for_node("phase_plans").equals(result.output_for_node("phase_plans"))
    # ... and, written into empty tables, stores exactly what the incremental run stored
    with pipeline.warehouse.unit_of_work() as uow:
        uow.connection.exec_driver_sql("DELETE FROM plans")
    (pipeline.asset_dir / "phase_plans" / f"{PORTFOLIO}.parquet").unlink()
    rewritten = _plans(pipeline, [phase_plans])
    assert _meta(rewritten, "phase_plans")["pairs_written"] == len(incremental["plans"])
    assert _stored_tables(pipeline) == incremental
    # the repository reads back exactly the rows the run stored
    out = rewritten.output_for_node("phase_plans")
    with pipeline.warehouse.unit_of_work() as uow:
        portfolio_id = uow.portfolios.by_name(PORTFOLIO).id
        phases, measures = uow.plans.phases(portfolio_id), uow.plans.measures(portfolio_id)
    order = ["scenario", "property_id", "phase"]
    assert phases.equals(
        out.select(phases.columns).with_columns(pl.col("grant_gbp").fill_null(0.0)).sort(order)
    )
    flat = unnest_measures(out).select(measures.columns).sort([*order, "install_order"])
    assert measures.equals(flat)


def test_checks_fail_on_a_plan_over_budget_or_worse_on_its_goal() -> None:
    from ara_assets.modelling.invariants import plan_invariants
    from ara_assets.modelling.plans import MEASURE_SCHEMA, PHASE_SCHEMA, Plans

    scenario = load_scenario_yaml(SCENARIO)
    phases = pl.DataFrame(
        {
            "scenario": [scenario.name],
            "property_id": [1],
            "phase": [1],
            "package": [[]],
            "budget_gbp": [100.0],
            "cost_gbp": [150.0],
            "cost_to_date_gbp": [150.0],
            "goal_metric_before": [60.0],
            "goal_metric_after": [59.0],
            "sap_before": [60.0],
            "sap_after": [59.0],
        }
    ).select([pl.col(c).cast(t) if c in ("scenario", "property_id", "phase", "package", "budget_gbp",
                                          "cost_gbp", "cost_to_date_gbp", "goal_metric_before",
                                          "goal_metric_after", "sap_before", "sap_after")
              else pl.lit(None, t).alias(c) for c, t in PHASE_SCHEMA.items()])  # fmt: skip
    cands = pl.DataFrame(
        schema={"scenario": pl.String, "property_id": pl.Int64, "phase": pl.Int32, "option_id": pl.String}
    )
    results = {
        c.name: c.passed
        for c in plan_invariants(
            Plans(phases, pl.DataFrame(schema=MEASURE_SCHEMA), 0), cands, {scenario.name: scenario}
        )
    }
    assert results["no_plan_over_budget"] is False
    assert results["no_phase_worse_on_its_goal"] is False
    assert results["no_ineligible_measure"] is True
