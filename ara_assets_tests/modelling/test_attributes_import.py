"""`ara portfolio attributes import` and the optional attribute columns of `ara portfolio import`."""

from __future__ import annotations

from pathlib import Path

import pytest

from ara_assets.resources.warehouse.attributes_import import import_attributes, parse_attribute_csv
from ara_assets.resources.warehouse.imports import ImportRejected, import_properties
from ara_assets.resources.warehouse.unit_of_work import Warehouse


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_bad_row_refuses_the_file_naming_row_field_and_value(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "a.csv",
        "uprn,tenure,on_gas_grid,property_value_gbp\n"
        "100000000001,social_rent,yes,150000\n"
        "100000000002,council,maybe,-5\n",
    )
    with pytest.raises(ImportRejected) as err:
        parse_attribute_csv(path)
    text = str(err.value)
    assert "nothing was written (3 problems)" in text
    assert "row 2 (line 3): field 'tenure' value 'council'" in text
    assert "row 2 (line 3): field 'on_gas_grid' value 'maybe'" in text
    assert "row 2 (line 3): field 'property_value_gbp' value '-5'" in text


def test_values_are_typed(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", "uprn,tenure,listed_building,on_gas_grid,property_value_gbp\n"
                  "100000000001,private_rented,No,1,\"£185,000\"\n")  # fmt: skip
    row = parse_attribute_csv(path).row(0, named=True)
    assert row == {"uprn": 100000000001, "tenure": "private_rented", "listed_building": False,
                   "on_gas_grid": True, "property_value_gbp": 185000.0}  # fmt: skip


@pytest.mark.integration
def test_import_with_the_properties_and_alone(warehouse: Warehouse, tmp_path: Path) -> None:
    homes = _write(
        tmp_path,
        "p.csv",
        "uprn,landlord_reference,address,postcode,tenure,on_gas_grid\n"
        "100000000001,A,1 Example Lane,ZZ1 1ZZ,social_rent,true\n"
        "100000000002,B,2 Example Lane,ZZ1 1ZZ,,\n",
    )
    import_properties(warehouse, homes, "north")
    with warehouse.unit_of_work() as uow:
        got = uow.attributes.for_portfolio("north")
    first = got.row(0, named=True)
    assert first["tenure"] == "social_rent" and first["on_gas_grid"] is True
    assert got.row(1, named=True)["tenure"] is None
    attrs = _write(tmp_path, "a.csv", "uprn,tenure,conservation_area\n100000000002,leasehold,true\n")
    assert import_attributes(warehouse, attrs, "north") == {"homes": 1}
    stranger = _write(tmp_path, "b.csv", "uprn,tenure\n100000000009,leasehold\n")
    with pytest.raises(ImportRejected, match="not a home of portfolio 'north'"):
        import_attributes(warehouse, stranger, "north")
    with warehouse.unit_of_work() as uow:
        got = uow.attributes.for_portfolio("north")
    second = got.row(1, named=True)
    assert second["tenure"] == "leasehold" and second["conservation_area"] is True
