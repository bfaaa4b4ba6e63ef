from __future__ import annotations

from pathlib import Path

import pytest

from ara_assets.modelling.catalogue import (
    MEASURE_TYPES,
    PRICE_BASE_YEAR,
    CatalogueError,
    catalogue,
    catalogue_frame,
    load_options,
    load_price_index,
    uprate_factor,
)

REQUIRED_TYPES = set(
    [
        "cavity_wall_fill",
        "external_wall_insulation",
        "internal_wall_insulation",
        "loft_insulation",
        "sloping_ceiling_insulation",
        "flat_roof_insulation",
        "room_in_roof_insulation",
        "suspended_floor_insulation",
        "solid_floor_insulation",
        "double_glazing",
        "triple_glazing",
        "secondary_glazing",
        "draught_proofing",
        "insulated_doors",
        "led_lighting",
        "cylinder_insulation",
        "cylinder_thermostat",
        "heating_controls",
        "condensing_boiler",
        "air_source_heat_pump",
        "storage_heaters",
        "solar_pv",
        "solar_pv_battery",
        "mechanical_extract_ventilation",
        "remove_secondary_heating",
    ]
)


def test_catalogue_covers_every_measure_type_of_the_issue() -> None:
    assert {o.measure_type for o in catalogue().values()} == REQUIRED_TYPES == set(MEASURE_TYPES)


def test_every_option_has_source_year_lifetime_and_contingency() -> None:
    for o in catalogue().values():
        assert o.source_ref, o.option_id
        assert 2000 <= o.cost_year <= PRICE_BASE_YEAR, o.option_id
        assert o.lifetime_years > 0, o.option_id
        assert 0 < o.contingency_pct <= 30, o.option_id
        assert o.rate_gbp > 0, o.option_id


def test_uprating_uses_the_index_ratio() -> None:
    index = load_price_index()
    assert uprate_factor(2012) == pytest.approx(index[2026] / index[2012])
    assert uprate_factor(2026) == 1.0
    loft = catalogue()["loft_270mm"]
    assert loft.rate_gbp_uprated == pytest.approx(225.0 * index[2026] / index[2012])
    # construction prices rose between 2012 and 2026: uprating must increase old prices
    assert loft.rate_gbp_uprated > loft.rate_gbp


def test_uprate_refuses_a_year_outside_the_index() -> None:
    with pytest.raises(CatalogueError, match="year=1990"):
        uprate_factor(1990)


def test_catalogue_frame_has_uprated_rates() -> None:
    frame = catalogue_frame()
    assert frame.height == len(catalogue())
    assert f"rate_gbp_{PRICE_BASE_YEAR}" in frame.columns


def test_bad_row_is_refused_with_record_field_and_value(tmp_path: Path) -> None:
    good = (Path(__file__).parents[2] / "ara_assets/modelling/data/measures.csv").read_text()
    bad = good.replace("at joists,per_home,225.00", "at joists,per_home,lots")
    path = tmp_path / "measures.csv"
    path.write_text(bad)
    with pytest.raises(CatalogueError, match=r"option_id='loft_270mm'.*'rate_gbp' value 'lots'"):
        load_options(path)


def test_unknown_cost_basis_is_refused(tmp_path: Path) -> None:
    good = (Path(__file__).parents[2] / "ara_assets/modelling/data/measures.csv").read_text()
    path = tmp_path / "measures.csv"
    path.write_text(good.replace("windows and doors,per_home", "windows and doors,per_week"))
    with pytest.raises(CatalogueError, match="'cost_basis' value 'per_week'"):
        load_options(path)
