from __future__ import annotations

import polars as pl
import pytest

from ara_assets.modelling.catalogue import CatalogueError, catalogue, option
from ara_assets.modelling.measures import apply_option, apply_package, edited_columns, option_variants
from ara_assets.sap10.inputs import prepare_inputs
from ara_assets_tests.modelling.homes import synthetic_inputs


def _changed(before: pl.DataFrame, after: pl.DataFrame) -> set[str]:
    assert before.columns == after.columns and before.height == after.height
    return {c for c in before.columns if not before[c].equals(after[c])}


# What each option must change on the synthetic homes (all of them are applicable to some home).
EXPECTED = {
    "cwi_blown_fill": {"wall_u_value"},
    "loft_270mm": {"roof_u_value"},
    "suspended_floor_100mm": {"floor_u_value", "suspended_wooden_floor"},
    "double_glazing_a_rated": {"window_u_value", "window_g_perp"},
    "secondary_glazing": {"window_u_value", "window_g_perp"},
    "draught_proofing": {"windows_draughtproofed_pct"},
    "insulated_door": {"door_u_value"},
    "led_lighting": {"fixed_lighting_efficacy_lm_per_w"},
    "cylinder_thermostat": {"cylinder_thermostat"},
    "controls_prog_stat_trvs": {"main_heating_control"},
    "remove_secondary": {"secondary_heating_code", "secondary_heating_fuel"},
    "mev_decentralised": {"ventilation_type", "mv_specific_fan_power_w_per_l_s"},
    "pv_roof_sized": {"pv_kwp", "pv_orientation", "pv_pitch_deg", "pv_overshading"},
}


@pytest.mark.parametrize("option_id", sorted(catalogue()))
def test_edit_changes_only_its_declared_columns(option_id: str) -> None:
    before = synthetic_inputs()
    after = apply_option(before, option_id).frame
    changed = _changed(before, after)
    assert changed <= edited_columns(option_id)
    assert changed, f"{option_id} changed nothing on any synthetic home"
    if option_id in EXPECTED:
        assert changed == EXPECTED[option_id]
    # the edited frame is still a valid SAP input frame (schema dtypes, ranges, list lengths)
    prepare_inputs(after)


def test_wall_insulation_adds_resistance() -> None:
    after = apply_option(synthetic_inputs(), "ewi_100mm").frame
    r = option("ewi_100mm").param("r_added_m2k_per_w")
    assert after["wall_u_value"][1].to_list() == pytest.approx([1 / (1 / 2.1 + r)])


def test_glazing_replaces_only_worse_windows_and_costs_per_home() -> None:
    before = synthetic_inputs()
    edit = apply_option(before, "double_glazing_a_rated")
    assert edit.frame["window_u_value"][0].to_list() == [1.4, 1.4, 1.4]
    assert edit.frame["window_g_perp"][0].to_list() == pytest.approx([0.63, 0.63, 0.63])
    assert edit.frame["window_u_value"][3].to_list() == [1.2, 1.2]  # already better: untouched
    o = option("double_glazing_a_rated")
    assert edit.cost_gbp[0] == pytest.approx(o.rate_gbp_uprated * (1 + o.contingency_pct / 100))


def test_cost_is_quantity_times_uprated_rate_with_contingency() -> None:
    edit = apply_option(synthetic_inputs(), "cwi_blown_fill")
    o = option("cwi_blown_fill")
    assert edit.quantity.to_list() == [80.0, 60.0, 35.0, 50.0]  # wall m2
    expected = [q * o.rate_gbp_uprated * (1 + o.contingency_pct / 100) for q in edit.quantity]
    assert edit.cost_gbp.to_list() == pytest.approx(expected)


def test_pv_is_sized_from_the_roof_and_capped() -> None:
    edit = apply_option(synthetic_inputs(), "pv_roof_sized")
    # 45 m2 x 0.4 x 0.2 = 3.6 kWp; 40 -> 3.2; no roof -> 0; 30 -> 2.4
    assert edit.quantity.to_list() == pytest.approx([3.6, 3.2, 0.0, 2.4])
    assert edit.frame["pv_kwp"][0].to_list() == pytest.approx([3.6])
    big = synthetic_inputs().with_columns(pl.lit([200.0]).alias("roof_area_m2"))
    assert apply_option(big, "pv_roof_sized").quantity[0] == pytest.approx(4.0)


def test_battery_adds_its_cost() -> None:
    homes = synthetic_inputs()
    pv = apply_option(homes, "pv_roof_sized").cost_gbp[0]
    both = apply_option(homes, "pv_roof_sized_battery")
    o = option("pv_roof_sized_battery")
    battery = o.param("battery_kwh") * o.param("battery_gbp_per_kwh") * (1 + o.contingency_pct / 100)
    assert both.cost_gbp[0] == pytest.approx(pv + battery)
    assert both.frame["battery_capacity_kwh"][0] == 5.0


def test_heat_pump_gets_a_cylinder_and_low_flow_temperature() -> None:
    edit = apply_option(synthetic_inputs(), "ashp_emitter_upgrade").frame
    assert edit["main_heating_code"].to_list() == [214] * 4
    assert edit["main_heating_fuel"].to_list() == [30] * 4
    assert edit["cylinder_volume_l"].to_list() == [200.0, 200.0, 200.0, 200.0]
    assert edit["flow_temperature_c"].to_list() == [45.0] * 4


def test_boiler_is_combi_without_a_cylinder_and_regular_with_one() -> None:
    edit = apply_option(synthetic_inputs(), "condensing_gas_boiler").frame
    assert edit["main_heating_code"].to_list() == [104, 102, 102, 102]


def test_mask_limits_the_edit_to_some_rows() -> None:
    before = synthetic_inputs()
    edit = apply_option(before, "loft_270mm", pl.col("property_id") == 2)
    assert edit.frame["roof_u_value"].to_list() == [[0.4], [0.16], [], [0.16]]
    assert edit.cost_gbp[0] == 0.0 and edit.cost_gbp[1] > 0


def test_option_variants_one_row_per_pair() -> None:
    pairs = pl.DataFrame(
        {"property_id": [1, 2, 2], "option_id": ["loft_270mm", "loft_270mm", "ewi_100mm"]}
    )
    variants = option_variants(synthetic_inputs(), pairs)
    assert variants.height == 3
    assert set(zip(variants["property_id"], variants["option_id"], strict=True)) == {
        (1, "loft_270mm"), (2, "loft_270mm"), (2, "ewi_100mm"),
    }  # fmt: skip
    assert variants.filter(pl.col("option_id") == "ewi_100mm")["wall_u_value"][0][0] < 0.4


def test_package_applies_in_install_order_and_costs_on_the_state_before() -> None:
    homes = synthetic_inputs()
    after, costs = apply_package(
        homes, [["ashp_existing_emitters", "cwi_blown_fill"], [], [], ["led_lighting"]]
    )
    assert costs["option_id"].to_list() == ["cwi_blown_fill", "ashp_existing_emitters", "led_lighting"]
    assert costs["row"].to_list() == [0, 0, 3]
    assert after["wall_u_value"][0][0] < 1.5 and after["main_heating_code"][0] == 214
    assert _changed(homes[1:3], after[1:3]) == set()
    # the package is the same as applying its options one after the other
    one_by_one = apply_option(apply_option(homes, "cwi_blown_fill").frame, "ashp_existing_emitters").frame
    assert after[0].equals(one_by_one[0])


def test_package_refuses_an_unknown_option() -> None:
    with pytest.raises(CatalogueError, match="'nonsense'"):
        apply_package(synthetic_inputs(), [["nonsense"], [], [], []])


def test_missing_column_is_named() -> None:
    with pytest.raises(CatalogueError, match="'roof_u_value'"):
        apply_option(synthetic_inputs().drop("roof_u_value"), "loft_270mm")
