"""Non-electric Table 12 fuels scored end to end: (272) CO2 and (286) primary energy hand-checked from the
Table 12 factors (written out here, not read from the table module), and the refusals that remain where a
Table 12 cell is still missing (docs/sap10/COVERAGE.md, Table 12)."""

from __future__ import annotations

import copy

import polars as pl
import pytest

from ara_assets.demo.generate import generate_portfolio
from ara_assets.sap10 import UnsupportedInput, calculate, score_certificates, worksheet
from ara_assets_tests.sap10.test_properties import home

# (fuel code, Table 4a/4b main system, CO2 kg/kWh, primary energy factor, price p/kWh): SAP 10.2 Table 12
FUEL_HOMES = {
    "wood logs": (20, 151, 0.028, 1.046, 5.12),
    "house coal": (11, 158, 0.395, 1.064, 5.58),
    "anthracite": (15, 153, 0.395, 1.064, 4.19),
    "bottled LPG": (3, 104, 0.241, 1.141, 9.46),
    "heating oil": (4, 127, 0.298, 1.180, 4.94),
    "wood pellets": (23, 155, 0.053, 1.325, 6.25),
    "smokeless fuel": (12, 633, 0.366, 1.261, 5.91),
    "dual fuel": (10, 633, 0.087, 1.049, 4.77),
}

# electricity end uses, priced and weighted with the monthly Tables 12d/12e factors
ELECTRIC_CO2 = ("(264a)", "(267)", "(268)", "(269)")
ELECTRIC_PE = ("(278a)", "(281)", "(282)", "(283)")


@pytest.mark.parametrize("name", list(FUEL_HOMES))
def test_fuel_home_co2_and_primary_energy_from_table_12(name: str) -> None:
    fuel, code, co2, pef, price = FUEL_HOMES[name]
    w = worksheet(pl.DataFrame([home(0, main_heating_code=code, main_heating_fuel=fuel)]))
    main_kwh, water_kwh = w["(211)"], w["(219)"]  # water heated by the main system (901)
    assert main_kwh > 0 and water_kwh > 0
    # (261)/(264): annual fuel x Table 12 factor; (272) adds the electric lines
    assert w["(261)"] == pytest.approx(main_kwh * co2, rel=1e-12)
    assert w["(264)"] == pytest.approx(water_kwh * co2, rel=1e-12)
    electric_co2 = sum(w[k] for k in ELECTRIC_CO2)
    assert w["(272)"] == pytest.approx((main_kwh + water_kwh) * co2 + electric_co2, rel=1e-12)
    assert w["(275)"] == pytest.approx(main_kwh * pef, rel=1e-12)
    assert w["(278)"] == pytest.approx(water_kwh * pef, rel=1e-12)
    electric_pe = sum(w[k] for k in ELECTRIC_PE)
    assert w["(286)"] == pytest.approx((main_kwh + water_kwh) * pef + electric_pe, rel=1e-12)
    assert w["(287)"] == pytest.approx(w["(286)"] / w["(4)"], rel=1e-12)
    # (240): Table 12 unit price; no standing charge for these fuels (standard electricity meter)
    assert w["(240)"] == pytest.approx(main_kwh * price / 100.0, rel=1e-12)
    assert w["(251)"] == 0.0
    out = calculate(pl.DataFrame([home(0, main_heating_code=code, main_heating_fuel=fuel)]))
    assert out["co2_kg_per_year"][0] == pytest.approx(w["(272)"], rel=1e-12)
    assert 1 <= out["sap_rating_int"][0] <= 100


def test_fuel_factors_order_the_homes() -> None:
    # same dwelling and system (Table 4a 633 closed room heater); only the fuel differs
    rows = [home(i, main_heating_code=633, main_heating_fuel=f) for i, f in enumerate((11, 12, 20, 10))]
    out = calculate(pl.DataFrame(rows))
    coal, smokeless, logs, dual = out["co2_kg_per_year"].to_list()
    assert logs < dual < smokeless < coal  # 0.028 < 0.087 < 0.366 < 0.395
    pe = out["primary_energy_kwh_per_m2"].to_list()
    assert pe[2] < pe[3] < pe[0] < pe[1]  # 1.046 < 1.049 < 1.064 < 1.261


def test_bulk_lpg_standing_charge_by_price_table() -> None:
    rdsap = worksheet(pl.DataFrame([home(0, main_heating_fuel=2, price_table=32)]))
    assert rdsap["(251)"] == 70.0  # SAP 2012 value carried to RdSAP 10 Table 32, flagged (DEVIATIONS T2)
    assert rdsap["(240)"] == pytest.approx(rdsap["(211)"] * 0.0760, rel=1e-12)
    assert rdsap["(286)"] > 0  # PE 1.141 now known
    with pytest.raises(UnsupportedInput) as err:  # SAP 10.2 Table 12 bulk LPG standing charge still missing
        calculate(pl.DataFrame([home(1, main_heating_fuel=2)]))
    assert err.value.field == "main_heating_fuel"
    assert "standing charge" in str(err.value)


@pytest.mark.parametrize(
    ("over", "field", "reason"),
    [
        # biogas, bio-liquids, bioethanol: Table 12 primary energy factor not found
        ({"main_heating_fuel": 7}, "main_heating_fuel", "no Table 12 pe factor"),
        ({"main_heating_code": 127, "main_heating_fuel": 71}, "main_heating_fuel", "no Table 12 pe factor"),
        ({"main_heating_code": 127, "main_heating_fuel": 75}, "main_heating_fuel", "no Table 12 pe factor"),
        # bottled LPG for secondary heating: PE not found
        (
            {"secondary_heating_code": 609, "secondary_heating_fuel": 5, "price_table": 32},
            "secondary_heating_fuel",
            "no Table 12 pe factor",
        ),
        # LPG under Special Condition 11F: PE and (Table 12) standing charge not found
        ({"main_heating_fuel": 9, "price_table": 32}, "main_heating_fuel", "no Table 12 pe factor"),
        ({"main_heating_fuel": 9}, "main_heating_fuel", "standing charge"),
    ],
)
def test_missing_table_12_cells_are_refused_by_field(over: dict, field: str, reason: str) -> None:
    with pytest.raises(UnsupportedInput) as err:
        calculate(pl.DataFrame([home(0, **over)]))
    assert err.value.field == field
    assert reason in str(err.value)


def test_table_4a_room_heaters_sap_10_2_column_b() -> None:
    # SAP 10.2 Table 4a column (B): pellet stove 65 %, with boiler 70 % (SAP 2009 had 63 for both)
    stove = worksheet(pl.DataFrame([home(0, main_heating_code=635, main_heating_fuel=23)]))
    with_boiler = worksheet(pl.DataFrame([home(1, main_heating_code=636, main_heating_fuel=23)]))
    assert stove["(206)"] == 65.0 and with_boiler["(206)"] == 70.0
    # 625 (bioethanol room heater) has no responsiveness or Table 11 fraction: refused as a main system
    with pytest.raises(UnsupportedInput):
        calculate(pl.DataFrame([home(2, main_heating_code=625, main_heating_fuel=76)]))


def test_register_certificates_with_solid_and_lpg_fuels_score_end_to_end() -> None:
    # a generated oil-boiler certificate, re-lodged with other Table 4a/4b systems and register fuel codes
    docs = [doc for _, doc in generate_portfolio(60, seed=1).iter_documents()]
    oil = next(
        d for d in docs if d["data"]["sap_heating"]["main_heating_details"][0].get("main_fuel_type") == 28
    )
    variants = []
    # register fuel codes: 28 oil, 6 wood logs, 33 house coal, 3 bottled LPG, 27 bulk LPG, 51 biogas
    for register_fuel, sap_code in ((28, 127), (6, 151), (33, 158), (3, 104), (27, 104), (51, 104)):
        d = copy.deepcopy(oil)
        d["data"]["certificate_number"] = f"{d['data'].get('certificate_number', 'x')}-{register_fuel}"
        main = d["data"]["sap_heating"]["main_heating_details"][0]
        main["main_fuel_type"] = register_fuel
        main["sap_main_heating_code"] = sap_code
        d["data"]["sap_heating"]["water_heating_fuel"] = register_fuel
        variants.append(d)
    out = score_certificates(variants, normalise_docs=False)
    errors = out["error"].to_list()
    assert errors[:5] == [None] * 5  # oil, wood logs, house coal, bottled LPG, bulk LPG (RdSAP Table 32)
    assert "main_heating_fuel" in errors[5] and "pe factor" in errors[5]  # biogas: Table 12 PE not found
    co2 = out["co2_kg_per_year"].to_list()
    assert co2[1] < co2[0] < co2[2]  # wood logs 0.028 < oil 0.298 < house coal 0.395 (kg/kWh)
    assert co2[3] == pytest.approx(co2[4], rel=1e-12)  # bottled and bulk LPG share CO2 and PE
    assert out["sap_rating"][3] < out["sap_rating"][4]  # bottled LPG costs more than bulk
