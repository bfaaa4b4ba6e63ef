"""PCDF parsing, the Parquet snapshot and the product look-up in the RdSAP expansion and the score."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from ara_assets.pcdb import (
    PcdbFormatError,
    ProductData,
    install,
    load_snapshot,
    parse_pcdf,
    write_snapshot,
)
from ara_assets.sap10 import score_certificates
from ara_assets.sap10.rdsap import expand_certificate

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pcdb" / "pcdf_rev386_excerpt.dat"
SEMI = Path(__file__).parents[1] / "sap10" / "rdsap" / "fixtures" / "synthetic_semi_gas_combi.json"


@pytest.fixture(scope="module")
def parsed():
    return parse_pcdf(FIXTURE.read_text(encoding="latin-1"))


@pytest.fixture
def products(parsed) -> ProductData:
    return ProductData.from_frames(
        parsed.revision, parsed.issued.isoformat(), parsed.boilers, parsed.postcode_climate
    )


@pytest.fixture(autouse=True)
def _no_installed_products():
    install(None)
    yield
    install(None)


def _pcdb_semi(index: str) -> dict[str, Any]:
    """The synthetic semi with its boiler lodged from the PCDB (data source 1) and no SAP code."""
    doc = json.loads(SEMI.read_text())
    m = doc["data"]["sap_heating"]["main_heating_details"][0]
    m.update(main_heating_data_source=1, main_heating_index_number=index)
    m.pop("sap_main_heating_code")
    return doc


def test_control_lines_revision_and_tables(parsed) -> None:
    assert parsed.revision == 386
    assert parsed.issued == dt.date(2015, 12, 17)
    assert parsed.table_counts[105] == 9 and parsed.table_counts[172] == 3 and parsed.table_counts[391] == 1
    assert parsed.boilers.height == 10  # nine Table 105 boilers, one Table 122 boiler


def test_table_105_fields_match_the_published_values(parsed) -> None:
    rows = {r["pcdb_index"]: r for r in parsed.boilers.iter_rows(named=True)}
    greenstar = rows[17498]
    assert (greenstar["winter_efficiency_pct"], greenstar["summer_efficiency_pct"]) == (90.0, 79.3)
    assert greenstar["sedbuk_2009_pct"] == 89.0
    assert (greenstar["fuel"], greenstar["boiler_type"], greenstar["condensing"]) == (1, 1, True)
    promax = rows[15709]
    assert (promax["winter_efficiency_pct"], promax["summer_efficiency_pct"], promax["boiler_type"]) == (
        89.9,
        79.8,
        2,
    )
    firebird = rows[9005]
    assert (firebird["fuel"], firebird["condensing"], firebird["winter_efficiency_pct"]) == (4, False, 86.4)
    spira = rows[700019]
    assert (
        spira["pcdb_table"] == 122
        and spira["winter_efficiency_pct"] == spira["summer_efficiency_pct"] == 88.4
    )


def test_table_172_postcode_climate(parsed) -> None:
    ab10 = parsed.postcode_climate.filter(parsed.postcode_climate["postcode_district"] == "AB10").row(
        0, named=True
    )
    assert (ab10["region"], ab10["height_m"], ab10["latitude_deg"]) == (16, 52.0, 57.1)
    assert ab10["temperature_c_1"] == 4.0 and ab10["wind_m_s_12"] == 5.9 and ab10["solar_w_m2_6"] == 193.0


def test_sap_2012_heat_pump_format_is_refused_by_name(parsed) -> None:
    assert any("format 464" in s and "SAP 2012" in s for s in parsed.skipped)


def test_malformed_files_name_the_line() -> None:
    with pytest.raises(PcdbFormatError, match="no revision control line"):
        parse_pcdf("# nothing\n")
    with pytest.raises(PcdbFormatError) as e:
        parse_pcdf(
            "$001,1,2020,1,1\n$105,210,1,2020,1,1,1\n1,2,3,4,5,6,7,8,9,10,11,1,1,1,1,0,,,2,2,2,5,5,,x,y,z\n"
        )
    assert e.value.line == 3 and "field 25" in e.value.field_name


def test_snapshot_round_trip(parsed, tmp_path: Path) -> None:
    write_snapshot(parsed, tmp_path, FIXTURE.name)
    loaded = load_snapshot(tmp_path)
    assert loaded is not None and loaded.revision == 386
    assert loaded.boiler("017498") is not None and loaded.boiler(17498).winter_efficiency_pct == 90.0
    assert loaded.boiler("999999") is None
    assert loaded.district_climate("M1 1AA")["region"] == 7
    assert load_snapshot(tmp_path / "empty") is None


def test_expansion_uses_the_lodged_boiler(products: ProductData) -> None:
    row = expand_certificate(_pcdb_semi("017498"), products=products)
    assert row["pcdb_fallback"] is False and row["pcdb_revision"] == 386
    assert row["main_heating_code"] == 102  # regular condensing gas: the Table 4b row of its kind
    assert (row["main_heating_efficiency_winter_pct"], row["main_heating_efficiency_summer_pct"]) == (
        90.0,
        79.3,
    )
    combi = expand_certificate(_pcdb_semi("015709"), products=products)
    assert combi["main_heating_code"] == 104 and combi["pcdb_fallback"] is False


def test_an_index_absent_from_the_import_falls_back(products: ProductData) -> None:
    row = expand_certificate(_pcdb_semi("123456"), products=products)
    assert row["pcdb_fallback"] is True
    assert "main_heating_efficiency_winter_pct" not in row  # the Table 4b default applies


def test_score_names_the_revision_and_the_product_raises_the_rating(products: ProductData) -> None:
    docs = [_pcdb_semi("017498"), _pcdb_semi("123456"), copy.deepcopy(json.loads(SEMI.read_text()))]
    without = score_certificates(docs)
    assert without["pcdb_revision"].to_list() == [None, None, None]
    assert without["pcdb_fallback"].to_list() == [True, True, False]
    install(products)  # the ``ara`` command installs the snapshot under ARA_HOME this way
    out = score_certificates(docs)
    assert out["pcdb_revision"].to_list() == [386, 386, 386]
    assert out["pcdb_fallback"].to_list() == [False, True, False]
    # the condensing product (90.0 / 79.3) beats the non-condensing Table 4b fallback (101: 74 / 64)
    assert out["sap_rating"][0] > without["sap_rating"][0] + 3
    assert out["sap_rating"][1] == without["sap_rating"][1]


def test_postcode_district_climate_for_the_demand_figures(products: ProductData) -> None:
    import polars as pl

    from ara_assets.sap10 import calculate
    from ara_assets.sap10.rdsap import expand_certificates

    doc = json.loads(SEMI.read_text())
    doc["data"]["postcode"] = "AB10 1AA"  # Aberdeen: colder than the UK average
    install(products)
    row = expand_certificate(doc)
    assert row["postcode_climate_region"] == products.district_code("AB10 1AA") >= 22
    unknown = copy.deepcopy(doc)
    unknown["data"]["postcode"] = "ZZ9 9ZZ"
    assert expand_certificate(unknown)["postcode_climate_region"] is None
    inputs = expand_certificates([doc])
    uk = calculate(inputs)
    aberdeen = calculate(inputs.with_columns(pl.col("postcode_climate_region").alias("climate_region")))
    assert aberdeen["space_heating_kwh"][0] > uk["space_heating_kwh"][0] * 1.05
    install(None)  # without the PCDB that code has no climate: refused, never a silent NaN
    with pytest.raises(Exception, match="climate_region"):
        calculate(inputs.with_columns(pl.col("postcode_climate_region").alias("climate_region")))
