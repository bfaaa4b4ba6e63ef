"""Section 8c space cooling, Table 4g/4h mechanical-ventilation defaults, Table 5a fan gains and the 10-hour
Table 12a cells, on synthetic homes (hand-computed expectations from the formulas)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ara_assets.sap10 import UnsupportedInput, calculate, worksheet
from ara_assets.sap10.sections.cooling import loss_utilisation
from ara_assets_tests.sap10.test_properties import SETTINGS, home
from ara_assets_tests.sap10.test_tariffs_showers import storage_home

JULY = 6


def cooled_home(i: int = 0, **over: object) -> dict:
    """A well-glazed, insulated home that needs cooling in summer."""
    row: dict[str, object] = dict(
        has_fixed_air_conditioning=True,
        cooled_area_m2=45.0,
        cooling_seer=3.0,
        window_area_m2=[14.0, 3.0, 6.0],
        window_u_value=[1.4] * 3,
        wall_u_value=[0.3],
        windows_overshading=1,
    )
    row.update(over)
    return home(i, **row)


def test_hand_computed_cooling_month() -> None:
    w = worksheet(pl.DataFrame([cooled_home()]))
    h = w["(39)m"][JULY]
    te = w["(96)m"][JULY]
    loss = h * (24.0 - te)
    assert w["(100)m"][JULY] == pytest.approx(loss, rel=1e-12)
    # gains: internal gains plus solar gains with the summer access factor (0.9 / 0.77 of the winter one for
    # "average" overshading; here "very little", 1.0 both: the summer solar gains equal (83))
    gains = w["(73)m"][JULY] + w["(83)m"][JULY]
    assert w["(103)m"][JULY] == pytest.approx(gains, rel=1e-12)
    tau = w["(35)"] * w["(4)"] / (3.6 * h)
    a = 1.0 + tau / 15.0
    gamma = gains / loss
    eta = (1.0 - gamma**-a) / (1.0 - gamma ** -(a + 1.0))  # Table 10a
    assert w["(101)m"][JULY] == pytest.approx(eta, rel=1e-10)
    continuous = 0.024 * (gains - eta * loss) * 31
    assert w["(104)m"][JULY] == pytest.approx(continuous, rel=1e-10)
    assert continuous > 0
    assert w["(105)"] == pytest.approx(45.0 / 90.0)
    assert w["(106)m"][JULY] == 0.25 and w["(106)m"][0] == 0.0
    assert w["(107)m"][JULY] == pytest.approx(continuous * 0.5 * 0.25, rel=1e-10)
    assert w["(221)m"][JULY] == pytest.approx(continuous * 0.5 * 0.25 / 3.0, rel=1e-10)
    # only June-September can need cooling
    assert all(v == 0.0 for m, v in enumerate(w["(107)m"]) if m not in (5, 6, 7, 8))
    assert w["(221)"] == pytest.approx(sum(w["(221)m"]))
    # costed as standard electricity, counted in CO2 and primary energy with the monthly factors
    assert w["(248)"] == pytest.approx(0.1649 * w["(221)"], rel=1e-12)
    assert w["(266)"] > 0 and w["(280)"] > 0
    out = calculate(pl.DataFrame([cooled_home()]))
    assert out["cooling_electricity_kwh"][0] == pytest.approx(w["(221)"], rel=1e-12)


def test_summer_access_factor_raises_cooling_gains() -> None:
    w = worksheet(pl.DataFrame([cooled_home(windows_overshading=2)]))  # average: 0.77 winter, 0.9 summer
    summer_solar = w["(103)m"][JULY] - w["(73)m"][JULY]
    assert summer_solar == pytest.approx(w["(83)m"][JULY] * 0.9 / 0.77, rel=1e-9)


def test_utilisation_for_losses_special_cases() -> None:
    a = np.array([2.0, 2.0, 2.0])
    eta = loss_utilisation(np.array([1.0, -0.5, 2.0]), a)
    assert eta[0] == pytest.approx(2.0 / 3.0)
    assert eta[1] == 1.0
    assert eta[2] == pytest.approx((1 - 2.0**-2) / (1 - 2.0**-3))


def test_no_cooling_without_air_conditioning() -> None:
    out = calculate(pl.DataFrame([cooled_home(0), cooled_home(1, has_fixed_air_conditioning=False)]))
    assert out["cooling_electricity_kwh"][0] > 0
    assert out["cooling_electricity_kwh"][1] == 0.0
    assert out["total_fuel_cost_gbp"][1] < out["total_fuel_cost_gbp"][0]
    assert out["co2_kg_per_year"][1] < out["co2_kg_per_year"][0]
    w = worksheet(pl.DataFrame([cooled_home(1, has_fixed_air_conditioning=False)]))
    assert w["(104)"] == 0.0 and w["(105)"] == 0.0 and w["(221)"] == 0.0 and w["(248)"] == 0.0


@SETTINGS
@given(st.lists(st.floats(0.0, 120.0), min_size=2, max_size=6))
def test_more_cooled_area_never_lowers_cooling_energy(areas: list[float]) -> None:
    areas = sorted(areas)
    out = calculate(pl.DataFrame([cooled_home(i, cooled_area_m2=a) for i, a in enumerate(areas)]))
    energy = out["cooling_electricity_kwh"].to_list()
    assert all(b >= a - 1e-9 for a, b in zip(energy, energy[1:], strict=False))


def test_table_10c_label_default_seer() -> None:
    base = dict(cooling_seer=None, cooling_energy_label=4, cooling_system_type=1)
    on_off = worksheet(pl.DataFrame([cooled_home(0, **base, cooling_compressor_control=1)]))
    assert on_off["(209)"] == pytest.approx(3.2 * 1.25)  # class A split system, on/off: EER 3.2 x 1.25
    variable = worksheet(pl.DataFrame([cooled_home(1, **base, cooling_compressor_control=2)]))
    assert variable["(209)"] == pytest.approx(3.2 * 1.35)
    packaged = worksheet(
        pl.DataFrame([cooled_home(2, **{**base, "cooling_system_type": 2}, cooling_compressor_control=1)])
    )
    assert packaged["(209)"] == pytest.approx(3.0 * 1.25)
    assert variable["(221)"] < on_off["(221)"] < packaged["(221)"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"cooled_area_m2": None}, "cooled_area_m2"),
        ({"cooling_seer": None}, "cooling_seer"),
        ({"cooling_seer": None, "cooling_energy_label": 2}, "cooling_energy_label"),  # A++: no row
        ({"cooling_seer": None, "cooling_energy_label": 5}, "cooling_system_type"),
        (
            {"cooling_seer": None, "cooling_energy_label": 5, "cooling_system_type": 1},
            "cooling_compressor_control",
        ),
    ],
)
def test_cooling_refusals_name_the_field(override: dict[str, object], field: str) -> None:
    with pytest.raises(UnsupportedInput) as err:
        calculate(pl.DataFrame([home(0), cooled_home(1, **override)]))
    assert (err.value.record, err.value.field) == ("h1", field)


def test_table_4g_defaults_for_mechanical_ventilation() -> None:
    mev = worksheet(pl.DataFrame([home(0, ventilation_type=5)]))
    # Table 4g SFP 0.8 x Table 4h default in-use factor 2.5, Table 4f: x 1.22 x volume
    assert mev["(230a)"] == pytest.approx(0.8 * 2.5 * 1.22 * mev["(5)"], rel=1e-12)
    mvhr = worksheet(pl.DataFrame([home(1, ventilation_type=8)]))
    assert mvhr["(23c)"] == pytest.approx(66.0 * 0.70)  # Table 4g 66 % x Table 4h 0.70
    assert mvhr["(230a)"] == pytest.approx(2.0 * 2.5 * 1.22 * mvhr["(5)"], rel=1e-12)
    declared = worksheet(pl.DataFrame([home(2, ventilation_type=8, mvhr_efficiency_pct=80.0)]))
    assert declared["(23c)"] == 80.0
    assert declared["(24a)m"][0] < mvhr["(24a)m"][0]  # better recovery, lower effective air change


def test_table_5a_fan_gains() -> None:
    natural = worksheet(pl.DataFrame([home(0)]))
    balanced = worksheet(pl.DataFrame([home(1, ventilation_type=7)]))
    piv = worksheet(pl.DataFrame([home(2, ventilation_type=4)]))
    mvhr = worksheet(pl.DataFrame([home(3, ventilation_type=8)]))
    v = natural["(5)"]
    for month in (0, JULY):
        base = natural["(70)m"][month]
        assert balanced["(70)m"][month] == pytest.approx(base + 0.06 * 5.0 * v, rel=1e-12)
        assert piv["(70)m"][month] == pytest.approx(base + 0.12 * 2.0 * v, rel=1e-12)
        assert mvhr["(70)m"][month] == pytest.approx(base)  # MVHR fan heat is in its efficiency


def test_ten_hour_storage_and_electric_boiler_cells() -> None:
    w = worksheet(pl.DataFrame([storage_home(0, electricity_tariff=3)]))
    assert w["(240)"] == pytest.approx(0.1227 * w["(211)"], rel=1e-12)  # all at the 10-hour low rate
    boiler = storage_home(1, main_heating_code=191, main_heating_control=2106, electricity_tariff=3)
    wb = worksheet(pl.DataFrame([boiler]))
    assert wb["(240)"] == pytest.approx((0.5 * 0.2054 + 0.5 * 0.1227) * wb["(211)"], rel=1e-12)
