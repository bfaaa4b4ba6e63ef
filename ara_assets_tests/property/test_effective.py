from __future__ import annotations

import copy
import datetime as dt
import json

import polars as pl
import pytest

from ara_assets.property.effective import assemble_effective_epc
from ara_assets_tests.fixtures import fixture_path

FIXTURE = fixture_path("register_samples", "json_samples", "RdSAP-Schema-21.0.1.json")


@pytest.fixture(scope="module")
def lodged() -> dict:
    doc = json.loads(FIXTURE.read_text())
    doc = doc.get("data", doc)
    # Synthetic fixture; give it an identity and strip the address.
    doc.update(certificate_number="1111-2222-3333-4444-5555", address_line_1="1 Demo Street")
    doc["inspection_date"] = "2023-03-01"
    doc["registration_date"] = "2023-03-02"
    return doc


def _current(docs: dict[int, dict | None], reasons: dict[int, str] | None = None) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": list(docs),
            "uprn": [900000000000 + p for p in docs],
            "certificate_number": [d.get("certificate_number") if d else None for d in docs.values()],
            "raw": [json.dumps(d) if d else None for d in docs.values()],
            "reason": [(reasons or {}).get(p) for p in docs],
        }
    )


def _overrides(rows: list[tuple[int, int, str, object]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [r[0] for r in rows],
            "override_id": [r[1] for r in rows],
            "field_path": [r[2] for r in rows],
            "value": [json.dumps(r[3]) for r in rows],
            "author": ["analyst"] * len(rows),
            "created_at": [dt.datetime(2026, 1, 1, tzinfo=dt.UTC)] * len(rows),
        },
        schema_overrides={"property_id": pl.Int64, "override_id": pl.Int64},
    )


NO_OVERRIDES = _overrides([])


def _notes(rows: list[tuple[int, int, dt.date, dict]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [r[0] for r in rows],
            "site_note_id": [r[1] for r in rows],
            "survey_date": [r[2] for r in rows],
            "document": [json.dumps(r[3]) for r in rows],
            "surveyor": ["surveyor"] * len(rows),
        },
        schema_overrides={"property_id": pl.Int64, "site_note_id": pl.Int64, "survey_date": pl.Date},
    )


NO_NOTES = _notes([])


def _row(frame: pl.DataFrame, property_id: int) -> dict:
    return frame.filter(pl.col("property_id") == property_id).row(0, named=True)


def test_lodged_epc_alone(lodged):
    out = assemble_effective_epc(_current({1: lodged}), NO_OVERRIDES, NO_NOTES)
    row = _row(out, 1)
    assert row["source_path"] == "epc"
    assert row["physical_hash"] == row["lodged_physical_hash"]
    assert row["epc_date"] == dt.date(2023, 3, 1)
    assert json.loads(row["document"])["total_floor_area"] == lodged["total_floor_area"]


def test_overrides_laid_over_lodged_epc_with_provenance(lodged):
    overrides = _overrides([(1, 7, "total_floor_area", 99.0), (1, 8, "sap_energy_source.meter_type", 1)])
    out = assemble_effective_epc(_current({1: lodged, 2: lodged}), overrides, NO_NOTES)
    row = _row(out, 1)
    assert row["source_path"] == "epc_with_overrides"
    assert row["overrides_applied"] == 2
    doc = json.loads(row["document"])
    assert doc["total_floor_area"] == 99.0
    assert doc["sap_energy_source"]["meter_type"] == 1
    assert row["physical_hash"] != row["lodged_physical_hash"]
    provenance = json.loads(row["provenance"])
    assert provenance["base"] == "certificate:1111-2222-3333-4444-5555"
    assert provenance["fields"]["total_floor_area"]["override_id"] == 7
    assert provenance["fields"]["total_floor_area"]["lodged_value"] == lodged["total_floor_area"]
    # The other home is untouched.
    assert _row(out, 2)["source_path"] == "epc"
    assert _row(out, 2)["physical_hash"] == row["lodged_physical_hash"]


def test_bad_override_is_rejected_and_the_rest_apply(lodged):
    overrides = _overrides(
        [(1, 1, "sap_building_parts[0].wall_construction", 999), (1, 2, "total_floor_area", 60.0)]
    )
    row = _row(assemble_effective_epc(_current({1: lodged}), overrides, NO_NOTES), 1)
    assert row["overrides_applied"] == 1 and row["overrides_rejected"] == 1
    rejected = json.loads(row["provenance"])["rejected_overrides"]
    assert rejected[0]["field"] == "sap_building_parts[0].wall_construction"
    assert "999" in rejected[0]["error"]


def test_newer_site_notes_win_alone(lodged):
    survey = copy.deepcopy(lodged)
    for key in ("certificate_number", "registration_date", "inspection_date", "schema_type"):
        survey.pop(key)
    survey["total_floor_area"] = 77
    notes = _notes([(1, 5, dt.date(2024, 6, 1), survey)])
    overrides = _overrides([(1, 3, "total_floor_area", 99.0)])
    row = _row(assemble_effective_epc(_current({1: lodged}), overrides, notes), 1)
    assert row["source_path"] == "site_notes"
    assert row["site_note_id"] == 5 and row["survey_date"] == dt.date(2024, 6, 1)
    assert json.loads(row["document"])["total_floor_area"] == 77
    assert json.loads(row["provenance"])["overrides_not_applied"] == [3]
    assert row["physical_hash"] != row["lodged_physical_hash"]


def test_older_site_notes_lose_to_the_certificate(lodged):
    notes = _notes([(1, 5, dt.date(2020, 1, 1), {"total_floor_area": 10})])
    row = _row(assemble_effective_epc(_current({1: lodged}), NO_OVERRIDES, notes), 1)
    assert row["source_path"] == "epc"
    assert row["site_note_id"] is None


def test_survey_of_a_home_without_certificate(lodged):
    survey = {k: v for k, v in lodged.items() if k not in ("certificate_number",)}
    notes = _notes([(2, 9, dt.date(2025, 1, 1), survey)])
    out = assemble_effective_epc(
        _current({2: None}, {2: "no certificate on the register"}), NO_OVERRIDES, notes
    )
    assert _row(out, 2)["source_path"] == "site_notes"


def test_homes_without_any_source_keep_a_row_with_reason(lodged):
    broken = {**lodged, "sap_building_parts": [{**lodged["sap_building_parts"][0], "wall_construction": 999}]}
    out = assemble_effective_epc(
        _current({1: None, 2: broken}, {1: "no certificate on the register for this UPRN"}),
        NO_OVERRIDES,
        NO_NOTES,
    )
    assert out.height == 2
    assert _row(out, 1)["source_path"] == "none"
    assert _row(out, 1)["reason"] == "no certificate on the register for this UPRN"
    bad = _row(out, 2)
    assert bad["source_path"] == "none"
    assert "wall_construction" in bad["reason"] and "999" in bad["reason"]


def test_assembly_over_two_processes_is_the_one_process_assembly(lodged, monkeypatch):
    from ara_assets.forked import slices
    from ara_assets.property import effective

    monkeypatch.setattr(effective, "worker_slices", lambda n, workers: slices(n, workers))  # no minimum
    other = copy.deepcopy(lodged)
    other["certificate_number"] = "1111-2222-3333-4444-6666"
    docs = {p: (lodged if p % 2 else other) if p % 5 else None for p in range(1, 13)}
    current = _current(docs, {p: "no certificate" for p in docs if docs[p] is None})
    overrides = _overrides([(3, 1, "sap_windows[0].glazing_type", 1), (8, 2, "no_such_field", 3)])
    one = assemble_effective_epc(current, overrides, NO_NOTES)
    two = assemble_effective_epc(current, overrides, NO_NOTES, workers=2)
    assert one.height == 12 and one["overrides_applied"].sum() + one["overrides_rejected"].sum() == 2
    assert two.equals(one)
