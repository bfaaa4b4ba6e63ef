"""A plan starts from the home the baseline scored: one calculation of one home, not two.

The baseline's calculated SAP (`property_baseline.calculated_sap_rating`) and the SAP at the start of a
plan's first phase (`phase_plans.sap_before`, phase 1) must agree for every home. They differ from the
baseline's *effective* SAP where that is the lodged figure (not rebaselined: ADR 0008), by design (ADR 0010).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

from ara_assets.baseline.compute import versions_tag
from ara_assets.baseline.performance import score_effective
from ara_assets.baseline.rates import factors_as_of, load_bundled_rates, rates_as_of
from ara_assets.demo.generate import generate_portfolio
from ara_assets.epc import normalise_register_json
from ara_assets.modelling.candidates import start_inputs
from ara_assets.modelling.plans import build_plans, packages_from_candidates, run_scenario
from ara_assets.modelling.scenarios import load_scenario_yaml
from ara_assets.pcdb import active as pcdb_active
from ara_assets.pcdb import install
from ara_assets.pcdb.parse import parse_pcdf
from ara_assets.pcdb.products import ProductData

REPO = Path(__file__).resolve().parents[2]
DEMO_SCENARIO = REPO / "examples" / "scenarios" / "fabric_first_then_heat.yaml"
PCDB_FIXTURE = REPO / "ara_assets_tests" / "fixtures" / "pcdb" / "pcdf_rev386_excerpt.dat"
DAY = dt.date(2026, 11, 1)
TOLERANCE_SAP = 0.05


def _products() -> ProductData:
    parsed = parse_pcdf(PCDB_FIXTURE.read_text(encoding="latin-1"))
    return ProductData.from_frames(
        parsed.revision, parsed.issued.isoformat(), parsed.boilers, parsed.postcode_climate
    )


def _demo_effective() -> pl.DataFrame:
    """The demo's portfolio (200 homes, seed 42): each home's newest certificate as its effective EPC."""
    p = generate_portfolio(200, 42)
    newest = p.certificates.with_row_index("row").filter(pl.col("rank") == 0)
    return pl.DataFrame(
        {
            "property_id": [int(r["home_index"]) + 1 for r in newest.iter_rows(named=True)],
            "document": [
                json.dumps(normalise_register_json(p.document(int(r["row"]))["data"]))
                for r in newest.iter_rows(named=True)
            ],
        },
        schema={"property_id": pl.Int64, "document": pl.String},
    )


@pytest.mark.parametrize("with_pcdb", [False, True], ids=["no_pcdb", "pcdb_386"])
def test_phase_one_starts_at_the_baseline_calculated_sap_for_every_home(with_pcdb: bool) -> None:
    if with_pcdb:
        install(_products())  # as `ara` and the Dagster definitions do after `ara pcdb import`
    effective = _demo_effective()
    baseline = score_effective(effective).filter(pl.col("calculation_error").is_null())
    assert baseline.height >= 190  # the demo scores nearly every certificate; a collapse would hide a gap

    rates, factors = load_bundled_rates()
    rates, factors = rates_as_of(rates, DAY, region=None), factors_as_of(factors, DAY)
    inputs, features, refused = start_inputs(effective)
    assert not refused
    scenario = load_scenario_yaml(DEMO_SCENARIO)
    run = run_scenario(inputs, features, scenario, rates, factors)
    plans = build_plans(
        inputs,
        packages_from_candidates(run.candidates, inputs, len(scenario.phases)),
        scenario,
        rates,
        factors,
    )

    start = plans.phases.filter(pl.col("phase") == 1).select("property_id", "sap_before")
    joined = baseline.select("property_id", "calculated_sap_rating").join(
        start, on="property_id", how="full", coalesce=True
    )
    # the same homes on both sides: none scored by one path and not the other
    one_sided = pl.col("sap_before").is_null() | pl.col("calculated_sap_rating").is_null()
    assert joined.filter(one_sided).is_empty()
    gap = (joined["sap_before"] - joined["calculated_sap_rating"]).abs()
    worst = joined.with_columns(gap.alias("gap")).sort("gap", descending=True).row(0, named=True)
    assert gap.max() <= TOLERANCE_SAP, f"home {worst['property_id']}: {worst}"


def test_a_pcdb_import_changes_every_baseline_input_key() -> None:
    # the stored rows must be recomputed with the new product data, or modelling (which always scores with
    # the installed revision) would start a plan from another SAP than the stored baseline's
    without = versions_tag(3, 4, pcdb_active())
    install(_products())
    with_386 = versions_tag(3, 4, pcdb_active())
    assert "pcdb:none" in without
    assert "pcdb:386" in with_386
    assert with_386 != without
