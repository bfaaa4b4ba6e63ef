"""Contract with the SAP calculator: every edited variant is a frame `calculate` accepts.

Options the calculator cannot score yet are listed with the message it gives, so that this test fails
(and the list is shortened) once the calculator supports them.
"""

from __future__ import annotations

import polars as pl

from ara_assets.modelling.catalogue import catalogue
from ara_assets.modelling.measures import option_variants
from ara_assets.sap10.calculate import calculate
from ara_assets_tests.modelling.homes import synthetic_inputs

# option_id -> text of the calculator's refusal (see docs/modelling/NEEDS.md)
CALCULATOR_GAPS: dict[str, str] = {}


def test_every_option_variant_is_scored_by_the_calculator() -> None:
    homes = synthetic_inputs().filter(pl.col("electricity_tariff") == 1)  # off-peak not supported yet
    pairs = pl.DataFrame(
        [(h, o) for h in homes["property_id"] for o in catalogue()],
        schema=["property_id", "option_id"],
        orient="row",
    )
    variants = option_variants(homes, pairs)
    scored = calculate(variants.drop("option_id", "measure_type", "quantity", "cost_gbp"), errors="collect")
    result = pl.concat(
        [variants.select("option_id"), scored.select("sap_rating", "co2_kg_per_year", "error")],
        how="horizontal",
    )
    for option_id, rows in result.group_by("option_id"):
        oid = str(option_id[0])
        if oid in CALCULATOR_GAPS:
            assert rows["error"].str.contains(CALCULATOR_GAPS[oid]).all(), oid
        else:
            assert rows["error"].null_count() == rows.height, (oid, rows["error"].drop_nulls().to_list()[:1])
            assert rows["sap_rating"].is_not_null().all(), oid


def test_heat_pump_cuts_carbon_even_where_it_lowers_sap() -> None:
    homes = synthetic_inputs().filter(pl.col("property_id") == 1)
    base = calculate(homes)
    pairs = pl.DataFrame({"property_id": [1], "option_id": ["ashp_existing_emitters"]})
    after = calculate(option_variants(homes, pairs).drop("option_id", "measure_type", "quantity", "cost_gbp"))
    assert after["co2_kg_per_year"][0] < 0.5 * base["co2_kg_per_year"][0]
