"""Plausible landlord attributes for the synthetic portfolio: deterministic, valid, mostly social."""

from __future__ import annotations

from pathlib import Path

from ara_assets.demo.attributes import demo_attributes, write_attributes
from ara_assets.demo.generate import generate_portfolio
from ara_assets.resources.warehouse.attributes_import import parse_attribute_csv


def test_attributes_are_deterministic_and_pass_the_import_checks(tmp_path: Path) -> None:
    p = generate_portfolio(400, 7)
    a = demo_attributes(p)
    assert a.equals(demo_attributes(generate_portfolio(400, 7)))
    assert a.height == 400 and a["uprn"].to_list() == p.homes["uprn"].to_list()
    social = a["tenure"].is_in(["social_rent", "affordable_rent", "shared_ownership"]).mean()
    assert 0.85 < social < 1.0
    assert 0.5 < a["on_gas_grid"].mean() < 1.0
    assert a["listed_building"].mean() < 0.05
    assert (a["property_value_gbp"] > 30_000).all()
    # the file the demo imports passes the import's own checks
    parsed = parse_attribute_csv(write_attributes(p, tmp_path))
    assert parsed.height == 400
