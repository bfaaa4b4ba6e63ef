"""The performance pair and rebaselining (pure), on hand-made frames."""

import json

import polars as pl
import pytest

from ara_assets.baseline.performance import (
    BASELINE_SCHEMA,
    assemble_baseline,
    divergence_reason_expr,
    energy_block,
    input_keys,
    lodged_performance,
    summarise,
)


def _current(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [r["property_id"] for r in rows],
            "certificate_number": [r.get("certificate_number") for r in rows],
            "sap_version": [r.get("sap_version") for r in rows],
            "schema_type": [r.get("schema_type") for r in rows],
            "raw": [json.dumps(r["raw"]) if r.get("raw") else None for r in rows],
        },
        schema_overrides={
            "sap_version": pl.Float64,
            "certificate_number": pl.String,
            "schema_type": pl.String,
        },
    )


def _effective(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [r["property_id"] for r in rows],
            "uprn": [900000000000 + r["property_id"] for r in rows],
            "source_path": [r.get("source_path", "epc") for r in rows],
            "physical_hash": [r.get("physical_hash", "h") for r in rows],
            "lodged_physical_hash": [r.get("lodged_physical_hash", "h") for r in rows],
            "reason": [r.get("reason") for r in rows],
            "document": [r.get("document", "{}") for r in rows],
        },
        schema_overrides={"lodged_physical_hash": pl.String, "physical_hash": pl.String, "reason": pl.String,
                          "document": pl.String},
    )  # fmt: skip


def _calculated(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [r["property_id"] for r in rows],
            "calculated_sap_rating": [r.get("sap") for r in rows],
            "calculated_band": [r.get("band") for r in rows],
            "calculated_ei_rating": [r.get("ei") for r in rows],
            "calculated_co2_t_per_year": [r.get("co2") for r in rows],
            "calculated_primary_energy_kwh_per_m2": [r.get("pe") for r in rows],
            "calculation_error": [r.get("error") for r in rows],
        },
        schema_overrides={"calculated_sap_rating": pl.Float64, "calculated_band": pl.String,
                          "calculated_ei_rating": pl.Float64, "calculated_co2_t_per_year": pl.Float64,
                          "calculated_primary_energy_kwh_per_m2": pl.Float64, "calculation_error": pl.String},
    )  # fmt: skip


LODGED = {
    "energy_rating_current": 70,
    "current_energy_efficiency_band": "C",
    "environmental_impact_current": 68,
    "co2_emissions_current": {"value": 2.5, "quantity": "tonnes per year"},
    "energy_consumption_current": 180,
    "total_floor_area": 80,
}


def test_lodged_performance_reads_bare_and_wrapped_numbers():
    out = lodged_performance(_current([{"property_id": 1, "certificate_number": "c1", "sap_version": 10.2,
                                        "raw": LODGED}, {"property_id": 2}]))  # fmt: skip
    row = out.row(0, named=True)
    assert row["lodged_sap_rating"] == 70 and row["lodged_co2_t_per_year"] == 2.5
    assert row["lodged_band"] == "C" and row["lodged_primary_energy_kwh_per_m2"] == 180
    assert out.row(1, named=True)["lodged_sap_rating"] is None


@pytest.mark.parametrize(
    ("sap_version", "physical_hash", "source", "reason"),
    [
        (10.2, "h", "epc", "none"),
        (9.94, "h", "epc", "pre_sap10"),
        (10.2, "other", "epc_with_overrides", "physical_state_changed"),
        (9.94, "other", "epc_with_overrides", "both"),
        (10.2, "h", "site_notes", "physical_state_changed"),
    ],
)
def test_rebaseline_reasons(sap_version, physical_hash, source, reason):
    current = _current(
        [{"property_id": 1, "certificate_number": "c", "sap_version": sap_version, "raw": LODGED}]
    )
    effective = _effective([{"property_id": 1, "physical_hash": physical_hash, "source_path": source}])
    calculated = _calculated([{"property_id": 1, "sap": 60.4, "band": "D", "ei": 60, "co2": 3.0, "pe": 200}])
    row = assemble_baseline(current, effective, calculated).row(0, named=True)
    assert row["rebaseline_reason"] == reason
    if reason == "none":
        assert row["effective_sap_rating"] == 70 and row["effective_band"] == "C"
        assert row["divergent"]  # 70 lodged vs 60.4 calculated: beyond 2 x 4.08 + 0.5 = 8.66
    else:
        assert row["effective_sap_rating"] == 60.4 and row["effective_band"] == "D"
        assert row["effective_sap_rating_int"] == 60
        assert not row["divergent"]  # divergence is only flagged where lodged figures stand


def test_divergence_allows_the_repeat_assessment_spread_and_register_rounding():
    # lodged SAP 70: spread 8 - (70 - 35) x 5.6 / 50 = 4.08, so up to 2 x 4.08 + 0.5 = 8.66 points is
    # what a second assessment of the same home could show
    current = _current([{"property_id": 1, "certificate_number": "c", "sap_version": 10.2, "raw": LODGED}])
    effective = _effective([{"property_id": 1}])

    def divergent(sap: float, co2: float = 2.5, pe: float = 180.0) -> bool:
        calc = _calculated([{"property_id": 1, "sap": sap, "band": "C", "ei": 68, "co2": co2, "pe": pe}])
        return assemble_baseline(current, effective, calc).row(0, named=True)["divergent"]

    assert not divergent(61.4) and not divergent(78.6)
    assert divergent(61.3) and divergent(78.7)
    # carbon and primary energy follow the rating: a CO2 gap alone is no divergence any more
    assert not divergent(70.2, co2=2.7, pe=195.0)


def test_spread_at_a_low_rating_is_wider():
    low = {**LODGED, "energy_rating_current": 30, "current_energy_efficiency_band": "F"}
    current = _current([{"property_id": 1, "certificate_number": "c", "sap_version": 10.2, "raw": low}])
    effective = _effective([{"property_id": 1}])
    # below SAP 35 the spread is held at 8: 2 x 8 + 0.5 = 16.5
    for sap, expected in ((46.4, False), (46.6, True)):
        calc = _calculated([{"property_id": 1, "sap": sap, "band": "E", "ei": 40, "co2": 5.0, "pe": 300}])
        assert assemble_baseline(current, effective, calc).row(0, named=True)["divergent"] is expected


def test_divergence_reason_names_energy_use_or_prices():
    frame = pl.DataFrame(
        {
            "divergent": [True, True, True, False],
            "lodged_sap_rating": [70.0, 70.0, 70.0, 70.0],
            "calculated_sap_rating": [58.0, 58.0, 58.0, 69.0],
            # a 12-point drop implies ~26 % more running cost
            "lodged_primary_energy_kwh_per_m2": [180.0, 180.0, None, 180.0],
            "calculated_primary_energy_kwh_per_m2": [230.0, 185.0, 230.0, 182.0],
        }
    )
    reasons = frame.select(divergence_reason_expr()).to_series().to_list()
    assert reasons == ["energy_use", "prices_or_tariff", "unknown", None]


def test_homes_without_epc_or_with_failed_calculation_keep_rows_with_reasons():
    current = _current([{"property_id": 1}, {"property_id": 2, "certificate_number": "c", "sap_version": 9.9,
                                              "raw": LODGED}])  # fmt: skip
    effective = _effective([
        {"property_id": 1, "document": None, "reason": "no certificate on the register for this UPRN",
         "physical_hash": None, "lodged_physical_hash": None, "source_path": "none"},
        {"property_id": 2},
    ])  # fmt: skip
    calculated = _calculated([{"property_id": 2, "error": "certificate c: field x = 1 not supported"}])
    out = assemble_baseline(current, effective, calculated)
    first, second = out.row(0, named=True), out.row(1, named=True)
    assert first["baseline_status"] == "no_effective_epc"
    assert first["baseline_reason"] == "no certificate on the register for this UPRN"
    assert second["baseline_status"] == "calculation_failed" and second["rebaseline_reason"] == "pre_sap10"
    assert "field x = 1" in second["baseline_reason"]


def test_energy_block_long_shape_and_meters():
    calc = pl.DataFrame(
        {
            "property_id": [1],
            "calculated_sap_rating": [70.0],
            "calculation_error": [None],
            "main_space_heating_fuel_kwh": [9000.0],
            "main_2_space_heating_fuel_kwh": [0.0],
            "secondary_space_heating_fuel_kwh": [0.0],
            "water_heating_fuel_kwh": [2500.0],
            "electric_shower_electricity_kwh": [0.0],
            "lighting_electricity_kwh": [300.0],
            "appliances_electricity_kwh": [2000.0],
            "cooking_electricity_kwh": [400.0],
            "pumps_fans_electricity_kwh": [150.0],
            "cooling_electricity_kwh": [0.0],
            "pv_used_in_dwelling_kwh": [500.0],
            "pv_exported_kwh": [700.0],
            "main_heating_fuel": [1],
            "main_heating_2_fuel": [None],
            "secondary_heating_fuel": [None],
            "water_heating_fuel": [1],
            "main_heating_code": [104],
            "meter_type": ["single"],
        },
        schema_overrides={"calculation_error": pl.String, "main_heating_2_fuel": pl.Int32,
                          "secondary_heating_fuel": pl.Int32},
    )  # fmt: skip
    energy, meters = energy_block(calc)
    by_use = dict(zip(energy["end_use"], energy["kwh"], strict=True))
    assert by_use == {
        "space_heating_main": 9000.0,
        "water_heating": 2500.0,
        "lighting": 300.0,
        "appliances": 2000.0,
        "cooking": 400.0,
        "pumps_fans": 150.0,
        "pv_used": 500.0,
    }
    gas = energy.filter(pl.col("end_use") == "space_heating_main")["fuel_code"].item()
    assert gas == 1
    assert meters.row(0, named=True) == {"property_id": 1, "meter_type": "single", "pv_export_kwh": 700.0}


def test_input_keys_change_with_physical_state_and_versions():
    current = _current([{"property_id": 1, "certificate_number": "c", "sap_version": 10.2, "raw": LODGED}])
    k1 = input_keys(current, _effective([{"property_id": 1}]), "rates:1")["input_key"].item()
    k2 = input_keys(current, _effective([{"property_id": 1, "physical_hash": "x"}]), "rates:1")[
        "input_key"
    ].item()
    k3 = input_keys(current, _effective([{"property_id": 1}]), "rates:2")["input_key"].item()
    assert len({k1, k2, k3}) == 3
    assert k1 == input_keys(current, _effective([{"property_id": 1}]), "rates:1")["input_key"].item()


def test_summary_shape():
    frame = pl.DataFrame(
        {
            "lodged_band": ["C", "D", None],
            "effective_band": ["C", "C", None],
            "rebaseline_reason": ["none", "pre_sap10", "none"],
            "divergent": [True, False, False],
            "lodged_sap_rating": [70.0, 60.0, None],
            "calculated_sap_rating": [55.0, 58.0, None],
            "lodged_primary_energy_kwh_per_m2": [180.0, 200.0, None],
            "calculated_primary_energy_kwh_per_m2": [260.0, 205.0, None],
            "baseline_status": ["ok", "ok", "no_effective_epc"],
            "bill_error": [None, None, None],
            "total_bill_gbp": [1000.0, 2000.0, None],
            "effective_co2_t_per_year": [2.0, 3.5, None],
        },
        schema_overrides={"bill_error": pl.String},
    )
    s = summarise(frame)
    assert s["lodged_bands"] == {"C": 1, "D": 1} and s["effective_bands"] == {"C": 2}
    assert s["rebaselined"] == {"pre_sap10": 1} and s["divergent"] == 1
    assert s["divergent_by_reason"] == {"energy_use": 1}
    assert s["mean_annual_bill_gbp"] == 1500.0 and s["total_co2_tonnes"] == 5.5


def test_schema_has_no_duplicates_and_key_columns():
    assert len(BASELINE_SCHEMA) == len(set(BASELINE_SCHEMA))
    for column in (
        "lodged_sap_rating",
        "effective_sap_rating",
        "calculated_sap_rating",
        "rebaseline_reason",
        "total_bill_gbp",
        "co2_desnz_kg",
        "expected_metered_primary_energy_kwh_m2_estimate",
    ):
        assert column in BASELINE_SCHEMA  # fmt: skip


def test_summary_counts_homes_per_approximation():
    frame = pl.DataFrame(
        {
            "lodged_band": ["C", "D", "E"],
            "effective_band": ["C", "D", "E"],
            "rebaseline_reason": ["none", "none", "none"],
            "divergent": [False, False, False],
            "baseline_status": ["ok", "ok", "ok"],
            "bill_error": [None, None, None],
            "total_bill_gbp": [1000.0, 2000.0, 900.0],
            "effective_co2_t_per_year": [2.0, 3.5, 1.0],
            "approximations": ["tariff_24_hour_other_uses;off_peak_standing_charge_price_set_17", "", None],
        },
        schema_overrides={"bill_error": pl.String, "approximations": pl.String},
    )
    assert summarise(frame)["approximations"] == {
        "tariff_24_hour_other_uses": 1,
        "off_peak_standing_charge_price_set_17": 1,
    }


def test_scored_homes_carry_their_approximations_and_pcdb_revision():
    from ara_assets.baseline.performance import score_effective
    from ara_assets_tests.baseline.test_features import generated_effective

    calculated = score_effective(generated_effective(300, 1))
    assert {"approximations", "pcdb_revision"} <= set(calculated.columns)
    scored = calculated.filter(pl.col("calculation_error").is_null())
    codes = scored["approximations"].str.split(";").explode()
    assert (codes == "off_peak_standing_charge_price_set_17").any()  # 300 homes hold 7-hour meters
    assert scored["pcdb_revision"].is_null().all()  # no PCDB installed in tests


def test_input_keys_name_the_pcdb_in_use():
    """A new PCDB import (another revision, or another file under the same revision) changes every home's
    input key, so the incremental baseline re-scores them all; the same import keeps the keys."""
    from ara_assets.baseline.compute import versions_tag
    from ara_assets.pcdb import ProductData

    empty = pl.DataFrame()

    def products(revision: int, sha: str) -> ProductData:
        return ProductData.from_frames(revision, "2015-12-17", empty, empty, sha256=sha)

    tags = [
        versions_tag(1, 1),
        versions_tag(1, 1, products(386, "a" * 64)),
        versions_tag(1, 1, products(387, "a" * 64)),
        versions_tag(1, 1, products(386, "b" * 64)),
    ]
    assert tags[0].endswith("|pcdb:none") and tags[1].endswith("|pcdb:386:" + "a" * 16)
    assert len(set(tags)) == 4
    assert versions_tag(1, 1, products(386, "a" * 64)) == tags[1]
    current = _current([{"property_id": 1, "certificate_number": "c", "sap_version": 10.2, "raw": LODGED}])
    keys = {input_keys(current, _effective([{"property_id": 1}]), t)["input_key"].item() for t in tags}
    assert len(keys) == 4
