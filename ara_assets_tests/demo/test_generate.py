"""Tests of the synthetic portfolio generator (`ara demo generate`)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from ara_assets.demo.calculated import LODGING_ERROR_KINDS, repeat_spread
from ara_assets.demo.config import distributions, system_names
from ara_assets.demo.documents import whole_area
from ara_assets.demo.generate import SyntheticPortfolio, generate_portfolio, write_portfolio
from ara_assets.demo.lodged import lodged_results
from ara_assets.epc.bands import band_of
from ara_assets.sap10.score import score_certificates

CERT_NUMBER = re.compile(r"^[0-9]{4}(-[0-9]{4}){4}$")
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9R][0-9A-Z]? [0-9][A-Z]{2}$")
N_HOMES = 1500


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[SyntheticPortfolio, Path]:
    p = generate_portfolio(N_HOMES, 11)
    out = tmp_path_factory.mktemp("demo") / "portfolio"
    write_portfolio(p, out)
    return p, out


@pytest.fixture(scope="module")
def docs(written: tuple[SyntheticPortfolio, Path]) -> dict[str, dict[str, Any]]:
    _, out = written
    return {f.stem: json.loads(f.read_bytes()) for f in sorted((out / "certificates").glob("*.json"))}


def _value(x: Any) -> float:
    """A register measurement, bare or wrapped as {"value": x, "quantity": ...}."""
    return float(x["value"]) if isinstance(x, dict) else float(x)


def _tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def test_same_seed_gives_byte_identical_output_and_another_seed_does_not(tmp_path: Path) -> None:
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        write_portfolio(generate_portfolio(120, seed), tmp_path / name)
    assert _tree_hash(tmp_path / "a") == _tree_hash(tmp_path / "b")
    assert _tree_hash(tmp_path / "a") != _tree_hash(tmp_path / "c")


def test_counts_and_quirk_shares_are_within_tolerance() -> None:
    p = generate_portfolio(6000, 2)
    counts = p.manifest["counts"]
    n = counts["homes"]
    assert n == 6000 == p.homes.height
    assert abs(counts["homes_without_certificate"] / n - 0.05) < 0.015
    assert abs(counts["homes_with_several_certificates"] / n - 0.10) < 0.02
    assert abs(counts["homes_with_only_pre_sap10_certificate"] / n - 0.10) < 0.02
    assert counts["certificates"] == p.certificates.height
    assert counts["pre_sap10_certificates"] + counts["rdsap10_certificates"] == counts["certificates"]
    per_home = np.bincount(p.certificates["home_index"].to_numpy(), minlength=n)
    assert per_home.max() == 3
    assert (per_home == 0).sum() == counts["homes_without_certificate"]


def test_manifest_matches_files(written: tuple[SyntheticPortfolio, Path], docs: dict[str, Any]) -> None:
    p, out = written
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 11
    assert manifest["lodged_results"] == "calculator"
    assert manifest["pre_sap10_offsets"]["deflator"] == 0.42
    errors = p.certificates["lodging_error"].to_numpy()
    assert manifest["counts"]["lodging_errors"] == {k: int((errors == k).sum()) for k in LODGING_ERROR_KINDS}
    assert manifest["counts"]["lodged_by_heuristic"] == int(
        (p.certificates["lodged_by"] == "heuristic").sum()
    )
    assert manifest["generator_version"]
    assert manifest["counts"]["certificates"] == len(docs)
    assert manifest["counts"]["homes"] == N_HOMES
    pre = sum(d["data"]["schema_type"] == "RdSAP-Schema-20.0.0" for d in docs.values())
    assert manifest["counts"]["pre_sap10_certificates"] == pre
    uprns = [d["data"]["uprn"] for d in docs.values()]
    several = sum(c > 1 for c in np.unique(uprns, return_counts=True)[1])
    assert manifest["counts"]["homes_with_several_certificates"] == several


def test_csv_columns_rows_uprns_and_postcodes(written: tuple[SyntheticPortfolio, Path]) -> None:
    _, out = written
    with (out / "portfolio.csv").open(newline="") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
    assert reader.fieldnames == ["uprn", "landlord_reference", "address", "postcode"]
    assert len(rows) == N_HOMES
    uprns = [r["uprn"] for r in rows]
    assert len(set(uprns)) == N_HOMES
    assert all(len(u) == 12 and u.isdigit() for u in uprns)
    assert uprns[0] == "900000000001"
    outwards = {o["outward"] for o in distributions()["regions"]["outward_codes"]}
    assert all(POSTCODE.match(r["postcode"]) for r in rows)
    assert all(r["postcode"].split()[0] in outwards for r in rows)
    # Inward letters C I K M O V are never used by Royal Mail: no generated postcode can be real.
    assert all(set(r["postcode"][-2:]) <= set("CIKMOV") for r in rows)
    assert len({r["postcode"].split()[0] for r in rows}) >= 10


def test_addresses_are_obviously_synthetic_and_unique(written: tuple[SyntheticPortfolio, Path]) -> None:
    p, _ = written
    words = distributions()["streets"]["names"]
    towns = {o["town"] for o in distributions()["regions"]["outward_codes"]}
    addresses = p.homes["address"].to_list()
    assert len(set(addresses)) == len(addresses)
    for a in addresses:
        assert any(w in a for w in words), a
        assert a.rsplit(", ", 1)[1] in towns, a


def test_certificate_numbers_unique_and_well_formed(
    written: tuple[SyntheticPortfolio, Path], docs: dict
) -> None:
    p, _ = written
    numbers = p.certificates["certificate_number"].to_list()
    assert len(set(numbers)) == len(numbers) == len(docs)
    assert all(CERT_NUMBER.match(n) for n in numbers)
    assert set(numbers) == set(docs)


def test_documents_have_the_register_envelope_and_schema_pairs(docs: dict[str, dict[str, Any]]) -> None:
    for d in docs.values():
        assert set(d) == {"data"}
        data = d["data"]
        if data["schema_type"] == "RdSAP-Schema-21.0.1":
            assert data["sap_version"] == 10.2
            assert data["registration_date"] >= "2025-06-15"
            assert isinstance(data["walls"][0]["description"], dict)
            assert "sap_windows" in data and "led_fixed_lighting_bulbs_count" in data
        else:
            assert data["schema_type"] == "RdSAP-Schema-20.0.0"
            assert data["sap_version"] == 9.94
            assert data["registration_date"] < "2025-06-01"
            assert isinstance(data["walls"][0]["description"], str)
            assert "sap_windows" not in data and "low_energy_lighting" in data
        for key in (
            "energy_rating_current",
            "current_energy_efficiency_band",
            "co2_emissions_current",
            "renewable_heat_incentive",
            "sap_heating",
            "sap_energy_source",
            "sap_building_parts",
            "total_floor_area",
            "postcode",
            "uprn",
            "inspection_date",
        ):
            assert key in data, key
        assert data["inspection_date"] <= data["registration_date"]


def test_geometry_adds_up(docs: dict[str, dict[str, Any]]) -> None:
    extensions = 0
    for number, d in docs.items():
        data = d["data"]
        parts = data["sap_building_parts"]
        part = parts[0]
        storeys = part["sap_floor_dimensions"]
        areas = [_value(s["total_floor_area"]) for p in parts for s in p["sap_floor_dimensions"]]
        # The register rounds the whole-dwelling area; storeys keep their decimals.
        assert whole_area(areas) == data["total_floor_area"], number
        assert data["extensions_count"] == len(parts) - 1 <= 1, number
        for s in storeys:
            assert _value(s["heat_loss_perimeter"]) > 0, number
            assert 2.3 <= _value(s["room_height"]) <= 2.8, number
            party = _value(s["party_wall_length"])
            assert party == 0 if data["built_form"] == 1 else party > 0, number
        if len(parts) == 2:
            extensions += 1
            ext = parts[1]
            assert ext["building_part_number"] == 2 and data["property_type"] in (0, 1), number
            # Extensions come after the house (and no later than band L, so 9.94 certificates can hold them).
            assert part["construction_age_band"] < ext["construction_age_band"] <= "L", number
            (dim,) = ext["sap_floor_dimensions"]
            assert 6 <= _value(dim["total_floor_area"]) <= 16 and _value(dim["heat_loss_perimeter"]) > 0
            assert len(data["walls"]) == len(data["roofs"]) == len(data["floors"]) == 2, number
            if "sap_windows" in data:
                assert any(w["window_location"] == 1 for w in data["sap_windows"]), number
        if data["schema_type"] == "RdSAP-Schema-21.0.1":
            window_area = sum(
                _value(w["window_width"]) * _value(w["window_height"]) for w in data["sap_windows"]
            )
            assert 0.15 <= window_area / sum(areas) <= 0.25, number
            assert {w["orientation"] for w in data["sap_windows"]} <= set(range(1, 9))
        flat = data["property_type"] in (2, 3)
        assert ("sap_flat_details" in data) == flat, number
        if flat:
            fd = data["sap_flat_details"]
            assert 0 <= fd["flat_location"] < fd["storey_count"]
            # Only a flat on the ground storey loses heat through a ground floor.
            assert (part["floor_heat_loss"] == 7) == (fd["flat_location"] == 0), number
            assert (part["roof_construction"] == 3) == (fd["top_storey"] == "N"), number
        else:
            assert part["floor_heat_loss"] == 7 and part["roof_construction"] in (1, 4)
        assert 1 <= data["door_count"] <= 2
    assert extensions > 0


def test_terraces_lose_less_perimeter_than_semis_of_the_same_footprint(written) -> None:
    p, _ = written
    c = p.certificates.filter(p.certificates["property_type"] == 0)
    per_storey = c["floor_area_total"].to_numpy() / c["storeys"].to_numpy()
    ratio = c["heat_loss_perimeter"].to_numpy() / np.sqrt(per_storey)
    bf = c["built_form"].to_numpy()
    assert ratio[bf == 4].mean() < ratio[bf == 2].mean()


def test_heating_codes_agree_with_fuel_meter_and_gas(docs: dict[str, dict[str, Any]]) -> None:
    for number, d in docs.items():
        data = d["data"]
        heating = data["sap_heating"]
        main = heating["main_heating_details"][0]
        fuel, category, code = (
            main["main_fuel_type"],
            main["main_heating_category"],
            main["sap_main_heating_code"],
        )
        energy = data["sap_energy_source"]
        description = data["main_heating"][0]["description"]
        description = description["value"] if isinstance(description, dict) else description
        if fuel == 26:
            assert category == 2 and code in (101, 102, 103, 104), number
            assert energy["mains_gas"] == "Y", number
            assert main["main_heating_control"] in (2102, 2104, 2106, 2110), number
            assert "mains gas" in description
        else:
            assert "mains gas" not in description
        if category == 7:
            assert fuel == 29 and 401 <= code <= 409, number
            assert heating["water_heating_code"] == 903 and heating["immersion_heating_type"] == 1, number
            assert energy["meter_type"] in (1, 4, 5), number
            assert 2401 <= main["main_heating_control"] <= 2404
        if category == 4:
            assert fuel == 29 and code == 214
        if category == 6:
            assert fuel == 20 and code == 301
        if heating["water_heating_code"] == 901:
            assert heating["water_heating_fuel"] == fuel
            assert heating["immersion_heating_type"] == "NA"
        if code in (103, 104):
            assert heating["cylinder_size"] == 1 and data["has_hot_water_cylinder"] in ("false", "N")
        if fuel == 28:
            assert energy["mains_gas"] == "N"


def test_summary_descriptions_agree_with_inputs(docs: dict[str, dict[str, Any]]) -> None:
    def text(x: Any) -> str:
        return x["description"]["value"] if isinstance(x["description"], dict) else x["description"]

    for number, d in docs.items():
        data = d["data"]
        part = data["sap_building_parts"][0]
        wall = text(data["walls"][0])
        assert ("filled cavity" in wall) == (part["wall_insulation_type"] == 2), number
        if part["wall_construction"] == 4:
            assert wall.startswith("Cavity wall"), number
        roof = text(data["roofs"][0])
        if part["roof_construction"] == 4:
            thickness = part["roof_insulation_thickness"]
            assert roof == "Pitched, no insulation" if thickness == "0" else f"{thickness[:-2]} mm" in roof
        if part["roof_construction"] == 3:
            assert roof == "(another dwelling above)"
        window = text(data["window"])
        single = (
            data["sap_windows"][0]["glazing_type"] if "sap_windows" in data else data["multiple_glazing_type"]
        )
        assert (window == "Single glazed") == (single == 5), number


def test_lodged_bands_follow_table_14_and_mix_looks_like_social_housing(written) -> None:
    p, _ = written
    c = p.certificates
    rating = c["energy_rating_current"].to_numpy()
    bands = c["current_energy_efficiency_band"].to_numpy()
    assert (band_of(rating) == bands).all()
    assert ((rating >= 69) == np.isin(bands, ("A", "B", "C"))).all()
    assert (c["energy_rating_potential"].to_numpy() >= rating).all()
    newest = c.filter(c["rank"] == 0)
    share_ac = np.isin(newest["current_energy_efficiency_band"].to_numpy(), ("A", "B", "C")).mean()
    assert 0.55 <= share_ac <= 0.8
    assert 5 <= len(set(newest["current_energy_efficiency_band"].to_list())) <= 7


@pytest.fixture(scope="module")
def scored(written: tuple[SyntheticPortfolio, Path], docs: dict[str, Any]) -> pl.DataFrame:
    """The calculator's score of every written document, joined to the generator's frame."""
    p, _ = written
    numbers = p.certificates["certificate_number"].to_list()
    scores = score_certificates([docs[n] for n in numbers])
    return p.certificates.with_columns(
        scores["sap_rating"].alias("calc_sap"),
        scores["co2_kg_per_year"].alias("calc_co2_kg"),
        scores["error"].alias("calc_error"),
    )


def test_lodged_rating_is_the_calculators_plus_assessor_noise(scored: pl.DataFrame) -> None:
    assert scored["calc_error"].null_count() == scored.height  # every generated certificate is scored
    assert (scored["lodged_by"] == "calculator").all()
    clean = scored.filter((pl.col("lodging_error") == "") & ~pl.col("is_pre_sap10"))
    gap = clean["energy_rating_current"] - clean["calc_sap"] - clean["assessor_noise_sap"]
    assert gap.abs().max() <= 0.5 + 1e-9  # only the register's integer rounding is left
    # the noise follows the repeat-assessment spread at the rating: unit spread once divided by it
    z = clean["assessor_noise_sap"].to_numpy() / repeat_spread(
        clean["energy_rating_current"].to_numpy() * 1.0
    )
    assert 0.85 <= z.std() <= 1.15 and abs(z.mean()) < 0.1


def test_pre_sap10_certificates_carry_the_sap_2012_offsets(scored: pl.DataFrame) -> None:
    pre = scored.filter((pl.col("lodging_error") == "") & pl.col("is_pre_sap10"))
    assert pre.height > 50
    offset = (pre["energy_rating_current"] - pre["assessor_noise_sap"] - pre["calc_sap"]).to_numpy()
    # SAP 2012's deflator (0.42) with its own rating equation lands within a fraction of a point of SAP
    # 10.2's (0.36 with 100 - 16.21 ECF): the rating barely moves, the carbon does
    assert np.abs(offset).max() < 1.5
    # lodged CO2 with SAP 2012's electricity factor (0.519 kg/kWh, not 0.136): never below SAP 10.2's, once
    # the noise's scaling is taken out, and well above it for electrically heated homes
    ratio = 10.0 ** (-pre["assessor_noise_sap"].to_numpy() / 121.0)
    co2_2012 = pre["co2_emissions_current"].to_numpy() * 1000.0 / ratio
    calc = pre["calc_co2_kg"].to_numpy()
    assert (co2_2012 >= calc - 50.0).all()  # 50 kg: the register's rounding to 0.1 t
    electric = np.isin(
        np.asarray(system_names())[pre["system"].to_numpy()],
        ("storage_slimline", "storage_fan", "storage_hhr", "electric_room_heaters", "air_source_heat_pump"),
    )
    assert electric.any() and (co2_2012[electric] > 2.0 * calc[electric]).all()


def test_lodging_errors_are_where_the_lodged_rating_departs_from_the_inputs(scored: pl.DataFrame) -> None:
    rd = scored.filter(~pl.col("is_pre_sap10"))
    departure = (rd["energy_rating_current"] - rd["assessor_noise_sap"] - rd["calc_sap"]).abs()
    with_error = rd["lodging_error"] != ""
    share = with_error.mean()
    assert 0.1 <= share <= 0.25
    assert departure.filter(with_error).mean() > 2.0  # misread inputs move the rating
    assert departure.filter(~with_error).max() <= 0.5 + 1e-9


def test_lodged_heuristic_is_monotone_in_fabric_and_heating(written) -> None:
    p, _ = written
    c = p.certificates
    names = system_names()
    base = lodged_results(c, names)["energy_rating_current"].to_numpy()
    thin_loft = c.with_columns(c["roof_insulation_mm"].clip(upper_bound=25).alias("roof_insulation_mm"))
    assert (lodged_results(thin_loft, names)["energy_rating_current"].to_numpy() <= base).all()
    single = c.with_columns(c["glazing_type"].replace({1: 5, 2: 5, 3: 5, 4: 5, 6: 5}).alias("glazing_type"))
    assert (lodged_results(single, names)["energy_rating_current"].to_numpy() <= base).all()
    cond = c["system"].to_numpy()
    worse = np.where(
        cond == names.index("gas_condensing_combi"), names.index("gas_noncondensing_combi"), cond
    )
    old_boiler = c.with_columns(pl.Series("system", worse))
    after = lodged_results(old_boiler, names)["energy_rating_current"].to_numpy()
    assert (after <= base).all() and (after < base).any()


def test_older_certificates_are_earlier_and_never_better_fabric(written) -> None:
    p, _ = written
    c = p.certificates.sort(["home_index", "registration_date"])
    rows = c.select("home_index", "rank", "registration_date", "roof_insulation_mm", "schema_type").to_dicts()
    newest = {r["home_index"]: r for r in rows if r["rank"] == 0}
    older = [r for r in rows if r["rank"] > 0]
    assert older
    for r in older:
        n = newest[r["home_index"]]
        assert r["registration_date"] < n["registration_date"]
        assert r["schema_type"] == "RdSAP-Schema-20.0.0"
        assert r["roof_insulation_mm"] <= n["roof_insulation_mm"]


def test_register_quirks_are_present(docs: dict[str, dict[str, Any]]) -> None:
    dims = [
        d["data"]["sap_building_parts"][0]["sap_floor_dimensions"][0]["total_floor_area"]
        for d in docs.values()
    ]
    assert any(isinstance(x, dict) and x["quantity"] == "square metres" for x in dims)
    assert any(isinstance(x, float) for x in dims)
    windows = [w for d in docs.values() for w in d["data"].get("sap_windows", [])]
    assert any(isinstance(w["window_width"], dict) for w in windows)
    assert {w["draught_proofed"] for w in windows} >= {"true", "Y"}
    showers = [d["data"]["sap_heating"].get("shower_outlets") for d in docs.values()]
    assert any(isinstance(s, dict) and "shower_outlet" in s for s in showers)
    assert any(isinstance(s, list) for s in showers)


def test_bad_input_is_refused_with_the_field_and_value(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="n_homes.*0"):
        generate_portfolio(0, 1)
    with pytest.raises(ValueError, match="uprn_start=12"):
        generate_portfolio(5, 1, uprn_start=12)
    p = generate_portfolio(5, 1)
    write_portfolio(p, tmp_path)
    with pytest.raises(FileExistsError, match="already holds certificates"):
        write_portfolio(p, tmp_path)


def test_cli_generate_writes_the_layout_and_refuses_a_used_folder(tmp_path: Path) -> None:
    from ara_assets.cli import app

    runner = CliRunner()
    result = runner.invoke(
        app, ["demo", "generate", "--homes", "30", "--seed", "4", "--out", str(tmp_path / "x")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x" / "portfolio.csv").exists() and (tmp_path / "x" / "manifest.json").exists()
    assert json.loads((tmp_path / "x" / "manifest.json").read_text())["seed"] == 4
    again = runner.invoke(app, ["demo", "generate", "--homes", "30", "--out", str(tmp_path / "x")])
    assert again.exit_code == 2


def test_generator_is_pure() -> None:
    code = (
        "import sys, ara_assets.demo.generate as g; g.generate_portfolio(10, 1); "
        "bad = [m for m in ('dagster', 'httpx', 'sqlalchemy') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_document_parses_with_the_epc_parser(docs: dict[str, dict[str, Any]]) -> None:
    from ara_assets.epc.parser import parse_certificate

    for number, d in docs.items():
        cert = parse_certificate(d, certificate_number=number)
        data = d["data"]
        assert cert.total_floor_area == data["total_floor_area"]
        # Wrapped or bare, the parser reads the same storey area.
        raw = data["sap_building_parts"][0]["sap_floor_dimensions"][0]["total_floor_area"]
        assert cert.sap_building_parts[0].sap_floor_dimensions[0].total_floor_area == pytest.approx(
            _value(raw)
        )


def test_portfolios_of_different_seeds_share_no_certificate_number() -> None:
    a = set(generate_portfolio(300, 1).certificates["certificate_number"].to_list())
    b = set(generate_portfolio(300, 2).certificates["certificate_number"].to_list())
    assert a and b and not a & b


def test_edition_2012_offsets_use_the_calculators_sap10_electricity_factors() -> None:
    """The pre-SAP 10 offsets replace SAP 10.2's electricity CO2 and primary energy factors by SAP 2012's:
    the SAP 10.2 side must be the calculator's own Table 12 (electricity, code 30)."""
    from ara_assets.demo.calculated import EDITION_2012
    from ara_assets.sap10 import tables

    fuels = tables.fuels()
    assert EDITION_2012["electricity_co2_kg_per_kwh_sap10"] == fuels["co2_kg_per_kwh"][30]
    assert EDITION_2012["electricity_primary_factor_sap10"] == fuels["primary_energy_factor"][30]
    # SAP 2012 Table 12 electricity: 0.519 kg/kWh and primary energy factor 3.07 (source in calculated.py)
    assert (EDITION_2012["electricity_co2_kg_per_kwh"], EDITION_2012["electricity_primary_factor"]) == (
        0.519,
        3.07,
    )
