"""Funding rules as data: validation, grants per home-phase, co-funding, caps across phases, end dates,
the heat-pump uplift share, MEES exemption marks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml

from ara_assets.modelling.funding import (
    DATA,
    FundingError,
    apply_funding,
    grants_after_end,
    load_funding_rules,
)


def _phases(n: int, cost: float, band: str = "D", cost2: float = 0.0) -> pl.DataFrame:
    rows = []
    for h in range(n):
        for p, (c, year) in enumerate(((cost, 2030), (cost2, 2035)), start=1):
            rows.append({"property_id": h, "phase": p, "target_year": year, "band_at_start": band,
                         "cost_gbp": c, "cost_to_date_gbp": cost + (cost2 if p == 2 else 0.0),
                         "band_after": "D", "score_error": None})  # fmt: skip
    return pl.DataFrame(rows, schema_overrides={"score_error": pl.String, "phase": pl.Int32})


def _measures(phases: pl.DataFrame, measure_type: str = "loft_insulation", phase: int = 1) -> pl.DataFrame:
    rows = phases.filter((pl.col("phase") == phase) & (pl.col("cost_gbp") > 0))
    return rows.select("property_id", "phase", pl.lit(measure_type).alias("measure_type"), "cost_gbp")


def test_bundled_rules_load_with_sources() -> None:
    rules = load_funding_rules()
    assert {"whshf_wave3", "boiler_upgrade_scheme", "warm_homes_local_grant", "mees_private_rented"} <= set(
        rules.names()
    )
    assert all(s.source and s.trust for s in rules.schemes)
    assert rules.get("whshf_wave3").ends.isoformat() == "2028-03-31"


def test_a_bad_rule_names_the_scheme_and_field(tmp_path: Path) -> None:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    data["schemes"][0]["measure_types"] = ["gold_taps"]
    bad = tmp_path / "f.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(FundingError, match=r"scheme='whshf_wave3'.*'gold_taps'"):
        load_funding_rules(bad)


def test_social_fund_pays_two_thirds_of_cost_up_to_the_cap_once_per_home() -> None:
    rules = load_funding_rules()
    phases = _phases(2, 6000.0)
    out = apply_funding(phases, _measures(phases), None, ["whshf_wave3"], "social", rules, start_year=2026)
    p1 = out.phases.filter(pl.col("phase") == 1)
    # landlord co-funds half the grant: grant = 6000 / 1.5 = 4000
    assert p1["grant_gbp"].to_list() == [4000.0, 4000.0]
    assert p1["net_cost_gbp"].to_list() == [2000.0, 2000.0]
    big = _phases(1, 30000.0)
    out = apply_funding(big, _measures(big), None, ["whshf_wave3"], "social", rules, start_year=2026)
    assert out.phases.filter(pl.col("phase") == 1)["grant_gbp"][0] == 7500.0


def test_tenure_band_and_end_date_limit_the_grant() -> None:
    rules = load_funding_rules()
    phases = _phases(1, 6000.0, cost2=6000.0)
    both = pl.concat([_measures(phases, phase=1), _measures(phases, phase=2)])
    # private tenure: not the social fund
    out = apply_funding(phases, both, None, ["whshf_wave3"], "private_rented", rules, start_year=2026)
    assert out.phases["grant_gbp"].sum() == 0.0
    # band C at the start: not the social fund
    c = _phases(1, 6000.0, band="C")
    out = apply_funding(c, _measures(c), None, ["whshf_wave3"], "social", rules, start_year=2026)
    assert out.phases["grant_gbp"].sum() == 0.0
    # phase 2 starts in 2031, after the fund ends (March 2028): no grant there
    out = apply_funding(phases, both, None, ["whshf_wave3"], "social", rules, start_year=2026)
    assert out.phases.sort("phase")["grant_gbp"].to_list() == [4000.0, 0.0]
    # a home's own tenure wins over the scenario's
    homes = pl.DataFrame({"property_id": [0], "tenure": ["market_rent"], "on_gas_grid": [True]})
    out = apply_funding(phases, both, homes, ["whshf_wave3"], "social", rules, start_year=2026)
    assert out.phases["grant_gbp"].sum() == 0.0


def test_heat_pump_uplift_goes_to_at_most_ten_percent_of_funded_homes() -> None:
    rules = load_funding_rules()
    phases = _phases(20, 30000.0)
    measures = _measures(phases, "air_source_heat_pump")
    homes = pl.DataFrame({"property_id": list(range(20)), "on_gas_grid": [True] * 20})
    out = apply_funding(phases, measures, homes, ["whshf_wave3"], "social", rules, start_year=2026)
    p1 = out.phases.filter(pl.col("phase") == 1)
    assert (p1["grant_gbp"] == 20000.0).sum() == 2  # 10 % of 20 homes
    assert (p1["grant_gbp"] == 7500.0).sum() == 18
    assert out.grants.filter(pl.col("uplift")).height == 2
    # off the gas grid: no uplift
    off = homes.with_columns(pl.lit(False).alias("on_gas_grid"))
    out = apply_funding(phases, measures, off, ["whshf_wave3"], "social", rules, start_year=2026)
    assert out.phases["grant_gbp"].max() == 7500.0


def test_mees_marks_homes_that_cannot_reach_c_within_the_cap() -> None:
    rules = load_funding_rules()
    phases = _phases(2, 12000.0).with_columns(
        pl.when(pl.col("property_id") == 0).then(pl.lit("C")).otherwise(pl.lit("D")).alias("band_after")
    )
    out = apply_funding(phases, _measures(phases), None, [], "private_rented", rules, start_year=2026)
    marks = dict(out.phases.filter(pl.col("phase") == 1).select("property_id", "mees_exemption").iter_rows())
    # home 0 reaches C but spends 12,000 > 10,000; home 1 never reaches C: both qualify
    assert marks == {0: True, 1: True}
    cheap = _phases(1, 8000.0).with_columns(pl.lit("C").alias("band_after"))
    out = apply_funding(cheap, _measures(cheap), None, [], "private_rented", rules, start_year=2026)
    assert out.phases["mees_exemption"].to_list() == [False, False]
    # owner-occupied homes are not under MEES
    out = apply_funding(cheap, _measures(cheap), None, [], "owner_occupied", rules, start_year=2026)
    assert out.phases["mees_exemption"].is_null().all()


def test_grants_placed_after_the_scheme_end_are_reported() -> None:
    rules = load_funding_rules()
    grants = pl.DataFrame({"property_id": [1, 2], "phase": [1, 1], "scheme": ["whshf_wave3"] * 2,
                           "grant_gbp": [100.0, 200.0]})  # fmt: skip
    selected = pl.DataFrame({"property_id": [1, 2], "phase": [1, 1], "year": [2027, 2029]})
    late = grants_after_end(selected, grants, rules)
    assert late["property_id"].to_list() == [2]


def test_net_cost_price_takes_off_the_grants_a_package_draws() -> None:
    from ara_assets.modelling.funding import net_cost_price

    rules = load_funding_rules()
    homes = pl.DataFrame(
        {"property_id": [1, 2], "band_at_start": ["D", "D"], "tenure": ["market_rent", None]}
    )
    price = net_cost_price(["boiler_upgrade_scheme"], homes, "social", rules, phase_first_year=2026)
    assert price is not None
    items = pl.DataFrame(
        {"v": [0, 0, 1], "property_id": [1, 1, 2],
         "measure_type": ["air_source_heat_pump", "loft_insulation", "air_source_heat_pump"],
         "cost_gbp": [12000.0, 800.0, 12000.0]}
    )  # fmt: skip
    got = dict(price(items).iter_rows())
    # home 1 is privately rented: the scheme pays £7,500 of the heat pump; home 2 is social (scenario tenure)
    assert got == {0: 12800.0 - 7500.0, 1: 12000.0}
    # a phase that starts after the scheme ends has no grant to rank by
    assert net_cost_price(["boiler_upgrade_scheme"], homes, None, rules, phase_first_year=2031) is None


def test_the_optimiser_ranks_reaching_packages_by_the_price_it_is_given() -> None:
    from ara_assets.modelling.optimiser import _choose

    evaluated = pl.DataFrame(
        {"h": [0, 0], "package": [["loft_270mm"], ["ashp_existing_emitters"]],
         "cost_gbp": [9000.0, 12000.0], "gain": [10.0, 12.0], "reach": [True, True],
         "score_error": [None, None]},
        schema_overrides={"score_error": pl.String},
    )  # fmt: skip
    budget = np.array([20000.0])
    assert _choose(evaluated, budget)["package"][0].to_list() == ["loft_270mm"]

    def grant_on_heat_pumps(items: pl.DataFrame) -> pl.DataFrame:
        hp = pl.col("measure_type") == "air_source_heat_pump"
        return items.group_by("v").agg(
            (pl.col("cost_gbp").sum() - pl.when(hp).then(7500.0).otherwise(0.0).sum()).alias("price_gbp")
        )

    options = pl.DataFrame(
        {
            "h": [0, 0],
            "option_id": ["loft_270mm", "ashp_existing_emitters"],
            "cost_gbp": [9000.0, 12000.0],
        }
    )
    chosen = _choose(evaluated, budget, grant_on_heat_pumps, pl.Series(["0"]), options)
    assert chosen["package"][0].to_list() == ["ashp_existing_emitters"]
    assert chosen["cost_gbp"][0] == 12000.0  # the capital cost is kept; only the ranking changed


def test_a_scenario_names_its_schemes_tenure_and_objective() -> None:
    from ara_assets.modelling.scenarios import Scenario, ScenarioError, validate_scenario

    spec = {
        "name": "s",
        "goal": {"kind": "band", "target_band": "C"},
        "phases": [{"name": "p", "target_year": 2030, "allowed_measure_types": ["fabric"]}],
        "funding_schemes": ["whshf_wave3"],
        "tenure": "social",
        "objective": "net_cost",
    }
    scenario = validate_scenario(spec, "s.yaml")
    again = Scenario.from_spec(scenario.to_spec())
    assert (again.funding_schemes, again.tenure, again.objective) == (["whshf_wave3"], "social", "net_cost")
    with pytest.raises(ScenarioError, match="'funding_schemes'.*'lottery'"):
        validate_scenario({**spec, "funding_schemes": ["lottery"]}, "s.yaml")
    with pytest.raises(ScenarioError, match="'net_cost': needs funding_schemes"):
        validate_scenario({**spec, "funding_schemes": []}, "s.yaml")
