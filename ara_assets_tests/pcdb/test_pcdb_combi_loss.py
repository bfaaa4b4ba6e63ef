"""The combi-loss fields of PCDB Table 105 and line (61) of the worksheet (SAP 10.2 Tables 3a-3c)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from ara_assets.pcdb import ProductData, install, parse_pcdf
from ara_assets.sap10 import UnsupportedInput, score_certificates, worksheet
from ara_assets.sap10.rdsap import expand_certificate
from ara_assets_tests.sap10.test_properties import home

FIXTURE = Path(__file__).parents[1] / "fixtures" / "pcdb" / "pcdf_rev386_excerpt.dat"
SEMI = Path(__file__).parents[1] / "sap10" / "rdsap" / "fixtures" / "synthetic_semi_gas_combi.json"
DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)


@pytest.fixture(scope="module")
def parsed():
    return parse_pcdf(FIXTURE.read_text(encoding="latin-1"))


@pytest.fixture
def products(parsed) -> ProductData:
    return ProductData.from_frames(
        parsed.revision,
        parsed.issued.isoformat(),
        parsed.boilers,
        parsed.postcode_climate,
        wwhrs=parsed.wwhrs,
    )


@pytest.fixture(autouse=True)
def _no_installed_products():
    install(None)
    yield
    install(None)


def _pcdb_semi(index: str) -> dict[str, Any]:
    doc = json.loads(SEMI.read_text())
    m = doc["data"]["sap_heating"]["main_heating_details"][0]
    m.update(main_heating_data_source=1, main_heating_index_number=index)
    m.pop("sap_main_heating_code")
    return doc


def test_table_105_combi_fields_read_at_their_positions(parsed) -> None:
    rows = {r["pcdb_index"]: r for r in parsed.boilers.iter_rows(named=True)}
    unica = rows[15068]  # Vokera Unica 28 HE: tested to profile M only, no keep-hot
    assert (unica["subsidiary_type"], unica["store_type"], unica["separate_dhw_tests"]) == (0, 0, 1)
    assert (unica["combi_loss_r1"], unica["combi_loss_f1_kwh_per_day"]) == (0.0015, 1.44242)
    assert unica["keep_hot_facility"] is None and unica["combi_loss_f2_kwh_per_day"] is None
    itaca = rows[16952]  # Fondital Itaca KC 24: tested to profiles M and L
    assert itaca["separate_dhw_tests"] == 3 and itaca["combi_loss_f1_kwh_per_day"] == 0.94763
    assert itaca["combi_loss_f2_kwh_per_day"] is not None and itaca["combi_loss_f3_per_litre"] is not None
    glow = rows[8086]  # Glow-worm Energysaver Combi 80: keep-hot, no time clock
    assert (glow["keep_hot_facility"], glow["keep_hot_timer"], glow["separate_dhw_tests"]) == (1, 0, 0)
    assert rows[8831]["keep_hot_facility"] == 2  # Saunier Duval Isofast: electric keep-hot
    assert rows[15935]["store_type"] == 1  # Worcester Greenstar Highflow 440: storage combi
    assert (rows[10328]["keep_hot_facility"], rows[10328]["keep_hot_timer"]) == (1, 1)
    assert rows[17498]["separate_dhw_tests"] == 0  # a regular boiler
    assert rows[700019]["store_type"] is None  # Table 122 records carry none of them


def test_combi_loss_inputs_choose_the_table_row(products: ProductData) -> None:
    assert products.boiler(15068).combi_loss_inputs() == {
        "combi_dhw_tests": 1,
        "combi_loss_r1": 0.0015,
        "combi_loss_f1_kwh_per_day": 1.44242,
    }
    assert products.boiler(8086).combi_loss_inputs() == {
        "combi_keep_hot": 2,
        "combi_keep_hot_electric": False,
    }
    assert products.boiler(10328).combi_loss_inputs() == {
        "combi_keep_hot": 1,
        "combi_keep_hot_electric": False,
    }
    assert products.boiler(8831).combi_loss_inputs()["combi_keep_hot_electric"] is True
    storage = products.boiler(15935).combi_loss_inputs()
    assert storage == {"combi_storage": True}  # tested, but a storage combi: not Table 3b row 1
    assert products.boiler(15709).combi_loss_inputs() == {}  # no test, no keep-hot: Table 3a row 1
    assert products.boiler(17498).combi_loss_inputs() == {}  # regular boiler: no combi loss


def test_table_3b_row_1_hand_computed() -> None:
    w = worksheet(
        pl.DataFrame([home(0, combi_dhw_tests=1, combi_loss_r1=0.0015, combi_loss_f1_kwh_per_day=1.44)])
    )
    e45 = np.array(w["(45)m"])
    fu = np.minimum(1.0, np.array(w["(44)m"]) / 100.0)
    expected = e45 * 0.0015 * fu + 1.44 * DAYS
    assert np.allclose(w["(61)m"], expected, rtol=1e-12)
    default = worksheet(pl.DataFrame([home(0)]))
    assert np.allclose(default["(61)m"], 600.0 * fu * DAYS / 365.0, rtol=1e-12)
    # the tested loss (about 527 kWh/year) is below the 600 x fu default here
    assert sum(w["(61)m"]) == pytest.approx(sum(expected)) and sum(w["(61)m"]) != sum(default["(61)m"])


@pytest.mark.parametrize(("keep_hot", "annual"), [(1, 600.0), (2, 900.0)])
def test_table_3a_keep_hot_rows(keep_hot: int, annual: float) -> None:
    w = worksheet(pl.DataFrame([home(0, combi_keep_hot=keep_hot)]))
    assert np.allclose(w["(61)m"], annual * DAYS / 365.0, rtol=1e-12)


def test_declared_loss_wins_and_a_non_combi_has_none() -> None:
    w = worksheet(
        pl.DataFrame(
            [
                home(
                    0,
                    combi_loss_kwh_per_year=365.0,
                    combi_dhw_tests=1,
                    combi_loss_r1=0.1,
                    combi_loss_f1_kwh_per_day=5.0,
                )
            ]
        )
    )
    assert np.allclose(w["(61)m"], DAYS, rtol=1e-12)
    regular = worksheet(
        pl.DataFrame(
            [
                home(
                    0,
                    main_heating_code=102,
                    combi_keep_hot=2,
                    cylinder_volume_l=150.0,
                    cylinder_insulation_type=1,
                    cylinder_insulation_mm=50.0,
                )
            ]
        )
    )
    assert sum(regular["(61)m"]) == 0.0


def test_tested_combi_without_its_factors_is_refused() -> None:
    with pytest.raises(UnsupportedInput, match="combi_dhw_tests"):
        worksheet(pl.DataFrame([home(0, combi_dhw_tests=1, combi_loss_r1=0.001)]))


def test_score_of_a_tested_combi_against_the_default(products: ProductData) -> None:
    """A combi lodged from the PCDB: its tested loss and keep-hot row move the rating against the plain
    Table 3a row 1 default, and a two-profile test is named as an approximation."""
    docs = [_pcdb_semi("15068"), _pcdb_semi("16952"), _pcdb_semi("8086"), _pcdb_semi("15709")]
    install(products)
    out = score_certificates(docs)
    assert out["pcdb_fallback"].to_list() == [False] * 4
    approx = out["approximations"].to_list()
    assert "combi_loss_table_3c_as_3b" in approx[1] and "combi_loss_table_3c_as_3b" not in approx[0]
    rows = [expand_certificate(d, products=products) for d in docs]
    assert rows[2]["combi_keep_hot"] == 2 and "combi_dhw_tests" not in rows[3]
    # the same boilers scored with the Table 3a row 1 default: strip the combi-loss inputs
    plain = [{k: v for k, v in r.items() if not k.startswith("combi_")} for r in rows]
    tested = [worksheet(pl.DataFrame([r])) for r in rows[:3]]
    default = [worksheet(pl.DataFrame([r])) for r in plain[:3]]
    # Unica (r1 0.0015, F1 1.44 kWh/day = 526 kWh/year) loses less than 600 x fu here; the untimed keep-hot
    # (900 kWh/year) loses more
    assert sum(tested[0]["(61)m"]) < sum(default[0]["(61)m"])
    assert sum(tested[2]["(61)m"]) == pytest.approx(900.0)
    assert tested[2]["sap_value"] < default[2]["sap_value"]  # SAP rating before rounding


def test_table_353_wwhrs_and_named_refusals(parsed) -> None:
    rows = {r["pcdb_index"]: r for r in parsed.wwhrs.iter_rows(named=True)}
    rv3_a, rv3_b = rows[80003], rows[80004]  # Hei-tech Recoh-vert RV3 as system A and as system B
    assert (rv3_a["system_type"], rv3_a["efficiency_pct"], rv3_a["utilisation"]) == (1, 61.2, 0.973)
    assert (rv3_b["system_type"], rv3_b["efficiency_pct"], rv3_b["pcdf_format"]) == (2, 48.2, 453)
    assert 80096 not in rows  # reAqua+: a storage WWHRS (field 11 = 2), not imported and named
    assert any(s.startswith("Table 353 storage WWHRS records") for s in parsed.skipped)
    assert any(s.startswith("Table 313 (flue-gas heat recovery, FGHRS) format 413") for s in parsed.skipped)
    assert any(s.startswith("Table 391 (storage heaters) format 491") for s in parsed.skipped)


def test_lodged_wwhrs_feeds_63a_from_the_pcdb(products: ProductData, tmp_path: Path) -> None:
    from ara_assets.pcdb import load_snapshot, write_snapshot

    doc = json.loads(SEMI.read_text())
    heating = doc["data"]["sap_heating"]
    heating["instantaneous_wwhrs"] = {"wwhrs_index_number1": "080003"}
    heating["shower_outlets"] = [{"shower_outlet_type": 1, "shower_wwhrs": 2}]
    row = expand_certificate(doc, products=products)
    assert row["mixer_shower_wwhrs"] == [1] and row["pcdb_fallback"] is False
    assert (row["wwhrs_1_efficiency_pct"], row["wwhrs_1_utilisation"], row["wwhrs_1_system_type"]) == (
        61.2,
        0.973,
        1,
    )
    assert "wwhrs_sap_2012_record" in row["approximations"]
    with_wwhrs = worksheet(pl.DataFrame([row]))
    without = worksheet(pl.DataFrame([expand_certificate(doc)]))  # no PCDB: left out, pcdb_fallback
    assert sum(with_wwhrs["(63a)m"]) < 0 and sum(without["(63a)m"]) == 0
    assert with_wwhrs["(64)"] < without["(64)"]
    # the snapshot carries Table 353 to the CLI and the pipeline
    write_snapshot(parse_pcdf(FIXTURE.read_text(encoding="latin-1")), tmp_path, FIXTURE.name)
    loaded = load_snapshot(tmp_path)
    assert loaded is not None and loaded.wwhrs_record("80004").system_type == 2
