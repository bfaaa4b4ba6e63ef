"""The one loader of JSON tables of named values and its typed accessors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ara_assets.sap10 import tables
from ara_assets.sap10.rdsap import tables as rdsap_tables


def _write(tmp_path: Path, values: dict[str, object]) -> tables.NamedValues:
    raw = {"_note": "notes are skipped", **{k: {"value": v, "source": "test"} for k, v in values.items()}}
    (tmp_path / "t.json").write_text(json.dumps(raw))
    return tables.NamedValues(tmp_path / "t.json")


def test_typed_accessors_return_the_stored_values(tmp_path: Path) -> None:
    t = _write(tmp_path, {"a": 2, "b": [1, 2.5], "c": {"1": 0.5}})
    assert t.number("a") == 2.0 and isinstance(t.number("a"), float)
    assert t.numbers("b") == (1.0, 2.5)
    assert t.table("c") == {"1": 0.5}
    assert "_note" not in t.values


@pytest.mark.parametrize(
    ("accessor", "name", "message"),
    [
        ("number", "b", r"t.json: entry 'b' is \[1, 2.5\], not a number"),
        ("number", "flag", "t.json: entry 'flag' is True, not a number"),
        ("numbers", "a", "t.json: entry 'a' is 2, not a list of numbers"),
        ("table", "a", "t.json: entry 'a' is 2, not a table"),
        ("number", "missing", "t.json: no entry 'missing'"),
    ],
)
def test_a_value_of_the_wrong_shape_is_refused_naming_file_and_entry(
    tmp_path: Path, accessor: str, name: str, message: str
) -> None:
    t = _write(tmp_path, {"a": 2, "b": [1, 2.5], "flag": True})
    with pytest.raises((TypeError, KeyError), match=message):
        getattr(t, accessor)(name)


def test_every_constant_of_the_calculator_has_the_shape_its_accessor_expects() -> None:
    # the call sites pick const_float / const_floats / const_table per entry: each entry must fit one
    for name, value in tables.constants().items():
        if isinstance(value, list):
            assert tables.const_floats(name) == tuple(float(v) for v in value)
        elif isinstance(value, dict):
            assert tables.const_table(name) is value
        else:
            assert tables.const_float(name) == value


def test_the_rdsap_rules_are_read_by_the_same_loader() -> None:
    c = rdsap_tables.constants()
    loaded = tables.load_named("constants.json", rdsap_tables.TABLE_DIR)
    assert c == loaded.numbers_by_name() and all(isinstance(v, float) for v in c.values())


def test_the_pitch_codes_come_from_the_schema_labels() -> None:
    # SAP-VerticalPitchCode: 1 horizontal, 2 30 degrees, 3 45 degrees, 4 60 degrees, 5 vertical
    assert tables.vertical_pitch_deg() == {1: 0.0, 2: 30.0, 3: 45.0, 4: 60.0, 5: 90.0}
    # the SAP XML reader looks its PV pitch up in the SAP schema's list: the same codes mean the same tilts
    assert tables.vertical_pitch_deg("SAP-Schema-19.2.0") == tables.vertical_pitch_deg()
    # and the RdSAP schema's PV, PV-in-FGHRS and solar collector pitches are that one code list
    from ara_assets.epc.codes import codes_for

    pitch = codes_for("pitch", "RdSAP-Schema-21.0.1")
    for field in ("fghrs_pv_pitch", "solar_panel_collector_pitch"):
        assert codes_for(field, "RdSAP-Schema-21.0.1") == pitch, field
