"""Appendix N: heat pumps with PSR-dependent product data; Table 4a heat-pump space / water columns."""

import numpy as np
import polars as pl
import pytest

from ara_assets.sap10 import UnsupportedInput, calculate, worksheet
from ara_assets.sap10.appendices.heat_pumps import psr_efficiency
from ara_assets_tests.sap10.test_properties import home

PSRS = [0.5, 1.0, 1.5]
SPACE = [300.0, 250.0, 200.0]
WATER = [260.0, 240.0, 220.0]


def _interp(psr: float, table_psr: list[float], table_eff: list[float]) -> float:
    return float(psr_efficiency(np.array([psr]), np.array([table_psr]), np.array([table_eff]))[0])


def test_reciprocal_interpolation_between_enclosing_datasets():
    # footnote 43: 1/eta = (1 - t)/eta_lo + t/eta_hi; PSR 1.2 -> t = 0.4: 1/(0.6/250 + 0.4/200) = 227.27
    assert _interp(1.2, PSRS, SPACE) == pytest.approx(1.0 / (0.6 / 250.0 + 0.4 / 200.0))
    assert _interp(1.2, PSRS, SPACE) < 0.6 * 250.0 + 0.4 * 200.0  # below the plain linear value (230)
    assert _interp(1.0, PSRS, SPACE) == pytest.approx(250.0)
    assert _interp(0.5, PSRS, SPACE) == pytest.approx(300.0)
    assert _interp(1.5, PSRS, SPACE) == pytest.approx(200.0)
    # a transcribed worksheet check (datasets 1.2 -> 253.9 %, 1.5 -> 229.2 %, PSR 1.40151): the source's
    # worksheet (206) 224.923 % / 0.95 = 236.761 %
    assert _interp(1.40151, [1.2, 1.5], [253.9, 229.2]) == pytest.approx(224.923 / 0.95, abs=0.01)


def test_beyond_the_largest_psr_towards_100_percent_at_twice_it():
    # footnotes 44/45: between (1.5, 200 %) and (3.0, 100 %): PSR 2.25 -> 1/(0.5/200 + 0.5/100) = 133.33
    assert _interp(2.25, PSRS, SPACE) == pytest.approx(1.0 / (0.5 / 200.0 + 0.5 / 100.0))
    assert _interp(3.0, PSRS, SPACE) == pytest.approx(100.0)
    assert _interp(4.5, PSRS, SPACE) == pytest.approx(100.0)
    # the oversized case of the source: largest PSR 2.0 at 352 %, PSR 3.10665 -> 147.01 %
    assert _interp(3.10665, [1.0, 2.0], [400.0, 352.0]) == pytest.approx(147.011, abs=0.01)


def test_below_the_smallest_psr_is_not_guessed():
    assert np.isnan(_interp(0.3, PSRS, SPACE))


def test_padded_batch_with_different_dataset_counts():
    table_psr = np.array([[0.5, 1.0, 1.5], [1.0, 2.0, np.inf]])
    table_eff = np.array([[300.0, 250.0, 200.0], [400.0, 352.0, np.nan]])
    out = psr_efficiency(np.array([1.2, 1.5]), table_psr, table_eff)
    assert out[0] == pytest.approx(1.0 / (0.6 / 250.0 + 0.4 / 200.0))
    assert out[1] == pytest.approx(1.0 / (0.5 / 400.0 + 0.5 / 352.0))


def hp_home(i: int = 0, **over) -> dict:
    row = home(
        i,
        main_heating_code=214,
        main_heating_fuel=30,
        cylinder_volume_l=200.0,
        cylinder_declared_loss_kwh_per_day=1.2,
        main_heating_hp_output_kw=5.0,
        main_heating_hp_psr=PSRS,
        main_heating_hp_space_efficiency_pct=SPACE,
        main_heating_hp_water_efficiency_pct=WATER,
    )
    row.update(over)
    return row


def _expected(psr: float, table: list[float]) -> float:
    """Hand-computed efficiency at ``psr`` for the three test datasets (footnotes 43-45)."""
    if psr >= 3.0:
        return 100.0
    if psr > 1.5:
        t = (psr - 1.5) / 1.5
        return 1.0 / ((1 - t) / table[2] + t / 100.0)
    k = 0 if psr < 1.0 else 1
    t = (psr - PSRS[k]) / (PSRS[k + 1] - PSRS[k])
    return 1.0 / ((1 - t) / table[k] + t / table[k + 1])


def test_worksheet_space_and_water_efficiency_from_psr():
    w = worksheet(pl.DataFrame([hp_home()]))
    psr = 5.0 / (w["(39)"] * 24.2 / 1000.0)
    assert w["hp_psr"] == pytest.approx(psr)
    assert 0.5 < psr < 3.0
    # N3.6: (206) = 0.95 x interpolated space efficiency
    assert w["(206)"] == pytest.approx(0.95 * _expected(psr, SPACE))
    assert w["(211)"] == pytest.approx(w["(98)"] * 100.0 / w["(206)"])
    # N3.7 / Table N8: criteria unknown -> in-use factor 0.60, at least 100 %
    water = max(100.0, 0.60 * _expected(psr, WATER))
    assert w["(217)m"] == pytest.approx([water] * 12)
    met = worksheet(pl.DataFrame([hp_home(main_heating_hp_cylinder_criteria_met=True)]))
    assert met["(217)m"] == pytest.approx([max(100.0, 0.95 * _expected(psr, WATER))] * 12)


def test_water_efficiency_floor_of_100_percent():
    w = worksheet(pl.DataFrame([hp_home(main_heating_hp_water_efficiency_pct=[150.0, 140.0, 130.0])]))
    assert w["(217)m"] == pytest.approx([100.0] * 12)  # 0.60 x ~140 % < 100 %


def test_oversized_heat_pump_tends_to_100_percent():
    small = worksheet(pl.DataFrame([hp_home(main_heating_hp_output_kw=5.0)]))
    big = worksheet(pl.DataFrame([hp_home(main_heating_hp_output_kw=40.0)]))
    assert big["hp_psr"] > 3.0
    assert big["(206)"] == pytest.approx(95.0)  # 100 % x 0.95
    assert big["(206)"] < small["(206)"]


@pytest.mark.parametrize("scale", [1.05, 1.2, 1.5])
def test_higher_cop_never_lowers_the_rating(scale: float):
    base = calculate(pl.DataFrame([hp_home()]))
    better = calculate(
        pl.DataFrame(
            [
                hp_home(
                    main_heating_hp_space_efficiency_pct=[v * scale for v in SPACE],
                    main_heating_hp_water_efficiency_pct=[v * scale for v in WATER],
                )
            ]
        )
    )
    assert better["sap_rating"][0] >= base["sap_rating"][0]
    assert better["co2_kg_per_year"][0] <= base["co2_kg_per_year"][0]


def test_batch_of_mixed_homes_equals_single_runs():
    rows = [
        hp_home(0),
        home(1),
        hp_home(
            2,
            main_heating_hp_output_kw=12.0,
            main_heating_hp_psr=[1.0, 2.0],
            main_heating_hp_space_efficiency_pct=[330.0, 310.0],
            main_heating_hp_water_efficiency_pct=[250.0, 240.0],
        ),
        hp_home(
            3,
            main_heating_hp_psr=[],
            main_heating_hp_space_efficiency_pct=[],
            main_heating_hp_water_efficiency_pct=[],
            main_heating_hp_output_kw=None,
        ),
    ]
    batch = calculate(pl.DataFrame(rows))
    for i, row in enumerate(rows):
        single = calculate(pl.DataFrame([row]))
        assert batch["sap_rating"][i] == pytest.approx(single["sap_rating"][0])
    # no product data: the Table 4a default of code 214 (170 %)
    assert worksheet(pl.DataFrame([rows[3]]))["(206)"] == 170.0


def test_table_4a_gas_fired_heat_pump_columns():
    w = worksheet(
        pl.DataFrame(
            [
                hp_home(
                    main_heating_code=217,
                    main_heating_fuel=1,
                    main_heating_hp_psr=[],
                    main_heating_hp_space_efficiency_pct=[],
                    main_heating_hp_water_efficiency_pct=[],
                    main_heating_hp_output_kw=None,
                )
            ]
        )
    )
    assert w["(206)"] == 110.0 and w["(217)m"] == [77.0] * 12


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        (dict(main_heating_code=104, main_heating_fuel=1), "main_heating_hp_psr", "not a heat pump"),
        (dict(main_heating_hp_output_kw=None), "main_heating_hp_output_kw", "maximum output"),
        (dict(main_heating_efficiency_winter_pct=300.0), "main_heating_efficiency_winter_pct", "not both"),
        (dict(water_heating_efficiency_pct=200.0), "water_heating_efficiency_pct", "not both"),
        (dict(main_heating_hp_output_kw=0.5), "main_heating_hp_psr", "below the smallest PSR"),
        (
            dict(main_heating_hp_psr=[1.0, 0.5, 1.5]),
            "main_heating_hp_psr",
            "not ascending",
        ),
        (
            dict(main_heating_hp_water_efficiency_pct=[None, None, None]),
            "main_heating_hp_water_efficiency_pct",
            "null element",
        ),
    ],
)
def test_refusals(override: dict, field: str, words: str):
    with pytest.raises(UnsupportedInput) as err:
        calculate(pl.DataFrame([hp_home(**override)]))
    assert err.value.field == field
    assert words in str(err.value)
    assert "h0" in str(err.value)
