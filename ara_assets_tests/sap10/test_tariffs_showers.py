"""Electric showers (Appendix J eq J16-J18, line (64a)), off-peak tariffs (Tables 12a and 13) and the
Table 4a heat-pump defaults, on synthetic homes."""

from __future__ import annotations

import polars as pl
import pytest

from ara_assets.sap10 import UnsupportedInput, calculate, worksheet
from ara_assets_tests.sap10.test_properties import home


def test_electric_shower_energy_and_shared_outlets() -> None:
    mixer_only = worksheet(pl.DataFrame([home(0, mixer_shower_flow_l_per_min=[8.0], electric_showers=0)]))
    both = worksheet(pl.DataFrame([home(1, mixer_shower_flow_l_per_min=[8.0], electric_showers=1)]))
    n = both["(42)"]
    per_outlet = (0.45 * n + 0.65) / 2.0  # eq J16: showers shared between the two outlets
    f_beh_jan = both["(64a)m"][0] / (per_outlet * 9.3 * 0.1 * 31)
    assert 0.9 < f_beh_jan < 1.2  # the Appendix J behavioural factor
    assert both["(64a)"] == pytest.approx(sum(both["(64a)m"]))
    # the mixer takes half the showers: its hot water halves
    assert both["(42a)m"][0] == pytest.approx(mixer_only["(42a)m"][0] / 2.0, rel=1e-12)
    assert mixer_only["(64a)"] == 0.0
    # priced as electricity (standard tariff) and counted in CO2
    assert both["(247a)"] == pytest.approx(0.1649 * both["(64a)"], rel=1e-12)
    assert both["(264a)"] > 0 and mixer_only["(264a)"] == 0.0
    out = calculate(pl.DataFrame([home(0, electric_showers=1), home(1, electric_showers=0)]))
    assert out["electric_shower_electricity_kwh"][0] > 0 and out["electric_shower_electricity_kwh"][1] == 0


def storage_home(i: int, **over: object) -> dict:
    row = dict(
        main_heating_code=402,
        main_heating_fuel=30,
        main_heating_control=2401,
        water_heating_code=903,
        water_heating_fuel=30,
        cylinder_volume_l=110.0,
        cylinder_insulation_type=2,
        cylinder_insulation_mm=25.0,
        cylinder_thermostat=True,
        electricity_tariff=2,
        immersion_type=1,
    )
    row.update(over)
    return home(i, **row)


def test_storage_heaters_on_seven_hour_tariff() -> None:
    w = worksheet(pl.DataFrame([storage_home(0)]))
    # Table 12a Grid 1: storage heaters charge wholly at the 7-hour low rate (9.40 p/kWh)
    assert w["(240)"] == pytest.approx(0.0940 * w["(211)"], rel=1e-12)
    # Grid 2: lighting 90 % high rate (19.60) and 10 % low rate
    assert w["(250)"] == pytest.approx((0.9 * 0.1960 + 0.1 * 0.0940) * w["(232)"], rel=1e-12)
    # Table 13, dual immersion, 7-hour: [(6.8 - 0.024 V) N + 14 - 0.07 V] / 100
    n = w["(42)"]
    f = ((6.8 - 0.024 * 110) * n + 14 - 0.07 * 110) / 100
    assert w["(247)"] == pytest.approx((f * 0.1960 + (1 - f) * 0.0940) * w["(219)"], rel=1e-12)
    assert w["(251)"] == 9.0  # the 7-hour meter's additional standing charge (flagged)
    single = worksheet(pl.DataFrame([storage_home(1, immersion_type=2)]))
    assert single["(247)"] > w["(247)"]  # a single immersion heats more at the high rate


def test_off_peak_cells_not_transcribed_score_with_an_older_edition_value() -> None:
    # integrated storage + direct-acting (408) on a 10-hour meter: the SAP 2009 row (0.20)
    out = calculate(pl.DataFrame([storage_home(0, main_heating_code=408, electricity_tariff=3)]))
    assert out["approximations"][0].to_list() == ["table_12a_10_hour_older_edition"]
    w = worksheet(pl.DataFrame([storage_home(0, main_heating_code=408, electricity_tariff=3)]))
    # (240) = (211) x (0.20 x 10-hour high + 0.80 x 10-hour low), Table 32 / Table 12 prices per row
    assert w["(240)"] > 0
    # the 24-hour tariff prices everything at its one rate
    out = calculate(pl.DataFrame([home(2, electricity_tariff=4)]))
    assert "tariff_24_hour_other_uses" in out["approximations"][0].to_list()


def test_off_peak_refusals_name_the_field() -> None:
    cases = [
        (storage_home(1, immersion_type=None), "immersion_type"),
    ]
    for row, field in cases:
        with pytest.raises(UnsupportedInput) as err:
            calculate(pl.DataFrame([row]))
        assert err.value.field == field


def test_gas_home_on_off_peak_meter_pays_more_for_lights_and_the_meter() -> None:
    out = calculate(pl.DataFrame([home(0), home(1, electricity_tariff=2), home(2, electricity_tariff=3)]))
    cost = out["total_fuel_cost_gbp"].to_list()
    assert cost[1] > cost[0] and cost[2] > cost[0]
    # CO2 uses the same monthly electricity factors whatever the tariff
    assert out["co2_kg_per_year"][1] == pytest.approx(out["co2_kg_per_year"][0], rel=1e-12)


def test_pv_demand_excludes_low_rate_heating() -> None:
    """Appendix M1 (3a): electric heating billed at the low rate is not demand that PV can meet."""
    pv = dict(
        pv_kwp=[3.0],
        pv_orientation=[5],
        pv_pitch_deg=[30.0],
        pv_overshading=[1],
        pv_connected_to_dwelling=True,
    )
    seven = worksheet(pl.DataFrame([storage_home(0, **pv)]))
    standard = worksheet(pl.DataFrame([storage_home(1, electricity_tariff=1, **pv)]))
    n = seven["(42)"]
    f = ((6.8 - 0.024 * 110) * n + 14 - 0.07 * 110) / 100  # Table 13 dual immersion, 7-hour
    for m in (0, 6):
        # storage heaters (fraction 0) drop out, the immersion counts only at its high-rate share
        expected = standard["D_m"][m] - standard["(211)m"][m] - (1 - f) * standard["(219)m"][m]
        assert seven["D_m"][m] == pytest.approx(expected, rel=1e-9)


def test_off_peak_table_rows_carry_sources_and_fractions() -> None:
    import csv
    import math

    from ara_assets.sap10 import tables

    with open(tables.TABLE_DIR / "table_12a_13_off_peak.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(r["source"].strip() for r in rows)
    for (system, tariff), values in tables.off_peak_fractions().items():
        assert tariff in (2, 3, 5), system
        assert any(not math.isnan(v) for v in values), system
        assert all(math.isnan(v) or 0.0 <= v <= 1.0 for v in values), system
    # 7-hour storage heaters charge at the low rate; Grid 2 uses more of the high rate on 7-hour than 10-hour
    assert tables.off_peak_fractions()[("storage", 2)][0] == 0.0
    assert (
        tables.off_peak_fractions()[("other_uses", 2)][0] > tables.off_peak_fractions()[("other_uses", 3)][0]
    )
