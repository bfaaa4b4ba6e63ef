"""Appendix M (PV batteries, wind, hydro) and Appendix G4 (PV diverter): hand-computed cases and physics."""

import math

import numpy as np
import polars as pl
import pytest

from ara_assets.sap10 import UnsupportedInput, calculate, tables, worksheet
from ara_assets.sap10.appendices.pv import beta_factor
from ara_assets.sap10.sections.generation import wind_speed_factor
from ara_assets_tests.sap10.test_properties import home

PV = dict(pv_kwp=[4.0], pv_orientation=[5], pv_pitch_deg=[30.0], pv_overshading=[1])
CYLINDER = dict(
    main_heating_code=102,  # regular boiler feeding a cylinder
    cylinder_volume_l=200.0,
    cylinder_insulation_type=1,
    cylinder_insulation_mm=50.0,
    primary_pipework_insulation=4,
)


def _beta(r: float, cbat: float) -> float:
    """beta for one month with demand 100 kWh and generation 100 r kWh."""
    out = beta_factor(np.full((1, 12), 100.0 * r), np.full((1, 12), 100.0), np.array([cbat]))
    return float(out[0, 0])


def test_beta_no_battery_and_battery_by_hand():
    # no battery, R = 1: exp(-1.61 x 0.415^0.511) = exp(-1.61 x 0.63802) = 0.35800
    assert _beta(1.0, 0.0) == pytest.approx(0.35800, abs=5e-5)
    # 5 kWh: C1 = 1.1235, C2 = 0.3762, C3 = 0.944 -> exp(-1.1235 x 0.3762^0.944) = exp(-0.44650) = 0.63989
    assert _beta(1.0, 5.0) == pytest.approx(0.63989, abs=5e-5)
    # capacity above 15 kWh counts as 15: C1 = 0.1505, C2 = 0.2986, C3 = 1.810; at R = 2 the formula gives
    # 0.9425 but the share used can never exceed the demand: D/E = 0.5
    assert _beta(2.0, 40.0) == _beta(2.0, 15.0) == pytest.approx(0.5)
    assert _beta(0.5, 15.0) == pytest.approx(math.exp(-0.1505 * (0.2986 * 0.5) ** 1.81), abs=1e-4)
    # no generation or no demand: nothing used in the dwelling
    assert float(beta_factor(np.zeros((1, 12)), np.ones((1, 12)), np.array([5.0]))[0, 0]) == 0.0
    assert float(beta_factor(np.ones((1, 12)), np.zeros((1, 12)), np.array([5.0]))[0, 0]) == 0.0


@pytest.mark.parametrize("r", [0.05, 0.3, 1.0, 2.0, 3.5, 5.0])
def test_more_battery_never_lowers_beta_in_the_usual_range(r):
    # the fitted coefficients keep beta rising with capacity for monthly R up to ~5 (DEVIATIONS M1)
    betas = [_beta(r, cbat) for cbat in (0.0, 1.0, 2.5, 5.0, 10.0, 15.0)]
    assert all(b2 >= b1 - 1e-12 for b1, b2 in zip(betas, betas[1:], strict=False))


@pytest.mark.parametrize("kwp", [1.0, 2.5, 4.0])
def test_battery_never_lowers_pv_used_nor_raises_cost_or_primary_energy(kwp):
    pv = dict(PV, pv_kwp=[kwp])
    rows = [
        home(0, **pv),
        *(home(i, **pv, battery_capacity_kwh=c) for i, c in enumerate((2.0, 5.0, 13.5), 1)),
    ]
    out = calculate(pl.DataFrame(rows))
    used = out["pv_used_in_dwelling_kwh"].to_list()
    assert all(b >= a - 1e-9 for a, b in zip(used, used[1:], strict=False))
    assert used[-1] > used[0]
    # PV used on site is worth the import price and import primary factor, both above the export ones
    for column in ("total_fuel_cost_gbp", "primary_energy_kwh"):
        values = out[column].to_list()
        assert all(b <= a + 1e-9 for a, b in zip(values, values[1:], strict=False)), column
    generated = out["pv_generated_kwh"].to_list()
    assert generated == pytest.approx([generated[0]] * 4)  # the battery changes the split, not the output


def test_battery_co2_follows_the_monthly_factors():
    # CO2 is NOT monotone in the battery: in winter the Table 12d PV-export factor (0.196 in January) is
    # above the import factor (0.163), so moving winter PV from export to self-use lowers the credit
    # (see DEVIATIONS M1). The change equals the shifted kWh times (import - export) factor per month.
    a = worksheet(pl.DataFrame([home(0, **PV)]))
    b = worksheet(pl.DataFrame([home(0, **PV, battery_capacity_kwh=5.0)]))
    f = tables.monthly()
    shifted = np.array(a["(233a)m"]) - np.array(b["(233a)m"])  # kWh moved from export to self-use (> 0)
    expected = float(
        shifted @ (f["electricity_exported_pv_co2_kg_per_kwh"] - f["electricity_co2_kg_per_kwh"])
    )
    assert b["(272)"] - a["(272)"] == pytest.approx(expected)


def test_diverter_lowers_water_heating_only_with_a_cylinder():
    with_cyl = home(0, **PV, **CYLINDER)
    rows = [
        with_cyl,
        dict(with_cyl, home_id="div", pv_diverter=True),
        home(2, **PV, pv_diverter=True),  # combi, no cylinder: disregarded
        dict(with_cyl, home_id="bat", pv_diverter=True, battery_capacity_kwh=5.0),  # battery first
        dict(with_cyl, home_id="off", pv_diverter=True, pv_connected_to_dwelling=False),
    ]
    out = calculate(pl.DataFrame(rows))
    combi = calculate(pl.DataFrame([home(2, **PV)]))
    fuel = out["water_heating_fuel_kwh"].to_list()
    assert fuel[1] < fuel[0]
    assert fuel[2] == pytest.approx(combi["water_heating_fuel_kwh"][0])
    battery_alone = calculate(pl.DataFrame([dict(rows[3], pv_diverter=False)]))
    assert fuel[3] == pytest.approx(battery_alone["water_heating_fuel_kwh"][0])
    assert fuel[4] == pytest.approx(fuel[0])
    assert out["co2_kg_per_year"][1] < out["co2_kg_per_year"][0]
    # no rating assertion: with a gas boiler the diverted kWh saves ~0.9 / 0.8 x 3.64 p of gas but loses
    # 5.59 p of export income, so SAP 10.2 prices can lower the rating (seen here: about -1 point)


def test_diverter_worksheet_lines_by_hand():
    base = worksheet(pl.DataFrame([home(0, **PV, **CYLINDER)]))
    div = worksheet(pl.DataFrame([home(0, **PV, **CYLINDER, pv_diverter=True)]))
    surplus = -np.array(base["(233b)m"])
    # G4 step 4: heat = surplus x 0.8 x 0.9, at most the month's water-heating demand (62)
    heat = np.minimum(surplus * 0.8 * 0.9, np.array(base["(62)m"]))
    assert div["(63b)m"] == pytest.approx(list(-heat))
    assert div["(64)m"] == pytest.approx(list(np.array(base["(64)m"]) - heat))
    # the diverted electricity (heat / 0.9) leaves the export; the share used in the dwelling is unchanged
    assert div["(233b)m"] == pytest.approx(list(-(surplus - heat / 0.9)))
    assert div["(233a)"] == pytest.approx(base["(233a)"])
    assert div["(219)m"] == pytest.approx(list(np.array(div["(64)m"]) * 100 / np.array(div["(217)m"])))


def test_wind_turbine_output_by_hand():
    # rural, hub 3 m above the ridge: Table M1 0.86 + (0.94 - 0.86) x (3 - 2) / (7 - 2) = 0.876
    assert float(wind_speed_factor(np.array([3]), np.array([3.0]))[0]) == pytest.approx(0.876)
    assert float(wind_speed_factor(np.array([1]), np.array([20.0]))[0]) == pytest.approx(0.56)  # end value
    row = home(
        0,
        wind_turbine_count=2,
        wind_turbine_rotor_diameter_m=2.0,
        wind_turbine_hub_height_m=3.0,
        wind_terrain=3,
    )
    w = worksheet(pl.DataFrame([row]))
    v = 5.0 * 0.876
    per_turbine = 0.6125 * v**3 * 0.24 * (math.pi * 2.0**2 / 4) * 1.9 * 8766 / 1000  # 646.32 kWh/year
    assert per_turbine == pytest.approx(646.32, abs=0.01)
    assert w["E_wind"] == pytest.approx(2 * per_turbine)
    assert w["(234)"] == pytest.approx(-2 * per_turbine)
    assert w["(234a)"] == pytest.approx(-0.7 * 2 * per_turbine)
    assert w["(234)m"][0] == pytest.approx(-2 * per_turbine * 31 / 365)
    out = calculate(pl.DataFrame([home(1), dict(row, home_id="wind")]))
    assert out["wind_generated_kwh"].to_list() == pytest.approx([0.0, 2 * per_turbine])
    assert out["co2_kg_per_year"][1] < out["co2_kg_per_year"][0]
    assert out["total_fuel_cost_gbp"][1] < out["total_fuel_cost_gbp"][0]


def test_hydro_split_and_credit():
    out = calculate(
        pl.DataFrame(
            [
                home(0),
                home(1, hydro_generation_kwh=1200.0),
                home(2, hydro_generation_kwh=1200.0, hydro_connected_to_dwelling=False),
            ]
        )
    )
    assert out["hydro_generated_kwh"].to_list() == [0.0, 1200.0, 1200.0]
    w = worksheet(pl.DataFrame([home(1, hydro_generation_kwh=1200.0)]))
    assert w["hydro_used"] == pytest.approx(-480.0)  # 0.4 used in the dwelling
    assert w["hydro_exported"] == pytest.approx(-720.0)
    cost = out["total_fuel_cost_gbp"].to_list()
    assert cost[1] < cost[2] < cost[0]  # used on site is worth more than exported
    assert out["co2_kg_per_year"][1] < out["co2_kg_per_year"][0]


@pytest.mark.parametrize(
    "missing", ["wind_turbine_rotor_diameter_m", "wind_turbine_hub_height_m", "wind_terrain"]
)
def test_wind_without_details_is_refused(missing):
    row = home(
        0,
        wind_turbine_count=1,
        wind_turbine_rotor_diameter_m=2.0,
        wind_turbine_hub_height_m=2.0,
        wind_terrain=2,
    )
    row[missing] = None
    with pytest.raises(UnsupportedInput) as err:
        calculate(pl.DataFrame([home(1), row]))
    assert err.value.field == missing
    assert "h0" in str(err.value)
