"""Table 4c(1) (SAP 2012 values) on condensing boilers and Appendix N3.5 / Tables N4-N5 heating durations of
heat pumps with product data: both computed from an older edition or a third party and named as
approximations."""

import numpy as np
import polars as pl
import pytest

from ara_assets.sap10 import UnsupportedInput, calculate, worksheet
from ara_assets.sap10.sections.mean_temperature import heating_days
from ara_assets_tests.sap10.test_heat_pumps_appendix_n import hp_home
from ara_assets_tests.sap10.test_properties import home

DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)


def _ws(row: dict) -> dict:
    return worksheet(pl.DataFrame([row]))  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("over", "points"),
    [
        ({"heat_emitter_type": 2}, 3.0),  # condensing gas combi (104) with underfloor emitters
        ({"flow_temperature_c": 35.0}, 3.0),  # design flow temperature <= 35 C
        ({"flow_temperature_c": 45.0}, 0.0),
        ({"boiler_compensator": True}, 3.0),
        ({"boiler_compensator": True, "heat_emitter_type": 2}, 3.0),  # not cumulative
        ({"heat_emitter_type": 2, "main_heating_fuel": 4, "main_heating_code": 130}, 2.0),  # oil condensing
        ({"boiler_compensator": True, "main_heating_fuel": 4, "main_heating_code": 130}, 1.5),
        ({"heat_emitter_type": 2, "main_heating_code": 103}, 0.0),  # non-condensing: no adjustment
        ({"heat_emitter_type": 3}, 0.0),  # radiators and underfloor: the radiators set the temperature
    ],
)
def test_table_4c1_space_adjustment(over: dict, points: float) -> None:
    base = {k: v for k, v in over.items() if k in ("main_heating_fuel", "main_heating_code")}
    plain = _ws(home(0, **base))
    adjusted = _ws(home(0, **over))
    assert adjusted["(206)"] - plain["(206)"] == pytest.approx(points)
    out = calculate(pl.DataFrame([home(0, **over)]))
    assert ("table_4c1_sap_2012" in out["approximations"][0].to_list()) is (points > 0)


def test_table_4c1_leaves_water_heating_alone() -> None:
    plain, adjusted = _ws(home(0)), _ws(home(0, flow_temperature_c=35.0))
    assert adjusted["(211)"] < plain["(211)"]
    assert adjusted["(219)"] == pytest.approx(plain["(219)"])


def _days(**over) -> tuple[np.ndarray, np.ndarray]:
    from ara_assets.sap10.calculate import _run
    from ara_assets.sap10.inputs.prepare import prepare_inputs

    s = _run(prepare_inputs(pl.DataFrame([hp_home(0, **over)])), trace=True)
    return s.L["N24_9m"][0], s.L["N16_9m"][0]


def test_table_n5_days_by_psr_allocated_in_the_month_order() -> None:
    w = _ws(hp_home(0, main_heating_hp_heating_duration=0))
    psr = w["hp_psr"]
    n24, n16 = _days(main_heating_hp_heating_duration=0)
    rows = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]
    n24_year = np.floor(
        np.interp(np.clip(psr, 0.2, 1.2), rows, [218, 191, 168, 128, 94, 50, 26, 14, 8, 4, 3]) + 0.5
    )
    n16_year = np.floor(
        np.interp(np.clip(psr, 0.2, 1.2), rows, [6, 22, 29, 56, 74, 95, 103, 92, 77, 55, 38]) + 0.5
    )
    assert n24.sum() == n24_year and n16.sum() == n16_year
    # Jan, Dec, Feb, Mar, Nov, Apr, Oct, May: 24-hour days first, then the 16-hour days in the days left
    order = [0, 11, 1, 2, 10, 3, 9, 4]
    filled = np.cumsum(DAYS[order])
    full24 = int(np.sum(filled <= n24_year))
    assert all(n24[m] == DAYS[m] for m in order[:full24])
    assert n24[[5, 6, 7, 8]].sum() == 0 and n16[[5, 6, 7, 8]].sum() == 0  # June-September never
    assert np.all(n24 + n16 <= DAYS)


def test_heating_duration_raises_the_mean_temperature_and_is_named() -> None:
    standard = _ws(hp_home(0))
    variable = _ws(hp_home(0, main_heating_hp_heating_duration=0))
    always = _ws(hp_home(0, main_heating_hp_heating_duration=24))
    sixteen = _ws(hp_home(0, main_heating_hp_heating_duration=16))
    jan = 0
    assert standard["(92)m"][jan] < sixteen["(92)m"][jan] < always["(92)m"][jan]
    assert standard["(92)m"][jan] <= variable["(92)m"][jan] <= always["(92)m"][jan]
    # 24 hours every day: both zones at their demand temperatures (no off periods)
    assert always["(87)m"][jan] == pytest.approx(always["(85)"])
    assert always["(98)"] > standard["(98)"]
    out = calculate(pl.DataFrame([hp_home(0, main_heating_hp_heating_duration=24), hp_home(1)]))
    assert "appendix_n_heating_duration" in out["approximations"][0].to_list()
    assert "appendix_n_heating_duration" not in out["approximations"][1].to_list()


def test_heating_duration_without_product_data_is_refused() -> None:
    with pytest.raises(UnsupportedInput, match="main_heating_hp_heating_duration"):
        _ws(home(0, main_heating_hp_heating_duration=24))


def test_heating_days_none_for_a_standard_batch() -> None:
    from ara_assets.sap10.calculate import _run
    from ara_assets.sap10.inputs.prepare import prepare_inputs

    s = _run(prepare_inputs(pl.DataFrame([home(0), hp_home(1)])), trace=True)
    n24, n16 = heating_days(s)
    assert not n24.any() and not n16.any()


def test_lodged_compensating_controller_reaches_table_4c1() -> None:
    import json
    from pathlib import Path

    from ara_assets.sap10 import score_certificates
    from ara_assets.sap10.rdsap import expand_certificate

    semi = Path(__file__).parent / "rdsap" / "fixtures" / "synthetic_semi_gas_combi.json"
    doc = json.loads(semi.read_text())
    plain = json.loads(semi.read_text())
    doc["data"]["sap_heating"]["main_heating_details"][0]["compensating_controller_index_number"] = 123456
    assert expand_certificate(doc)["boiler_compensator"] is True
    assert "boiler_compensator" not in expand_certificate(plain)
    out = score_certificates([doc, plain])
    codes = out["approximations"].to_list()
    assert expand_certificate(plain)["main_heating_code"] == 104  # a condensing gas combi
    assert "table_4c1_sap_2012" in codes[0] and "table_4c1_sap_2012" not in codes[1]
    assert out["sap_rating"][0] >= out["sap_rating"][1]
