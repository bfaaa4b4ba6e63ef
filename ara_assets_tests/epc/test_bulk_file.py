"""The bulk-file reader and the delta-event parser (pure; synthetic documents only)."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ara_assets.epc.bulk_file import (
    BulkFileError,
    BulkScanStats,
    BulkWanted,
    last_event_per_certificate,
    parse_delta_events,
    scan_bulk_file,
    scan_bulk_records,
)


def _doc(i: int, uprn: object, postcode: str | None) -> dict:
    doc = {"certificate_number": f"9000-0000-0000-0000-{i:04d}", "schema_type": "RdSAP-Schema-21.0.1"}
    doc["uprn"] = uprn
    if postcode is not None:
        doc["postcode"] = postcode
    # A nested block that mentions neither field: the pre-filter must look at the whole line.
    doc["sap_building_parts"] = [{"building_part_number": 1, "wall_construction": 4}]
    return doc


DOCS = [
    _doc(1, 900000000001, "ZZ1 1CC"),  # wanted UPRN
    _doc(2, 700000000002, "ZZ2 2CC"),  # wanted postcode (a neighbour)
    _doc(3, 700000000003, "ZZ3 3CC"),  # neither
    _doc(4, "UPRN-000900000004", "ZZ9 9CC"),  # assessor form (zero-padded) of a wanted UPRN
    _doc(5, None, "zz22cc"),  # no UPRN, postcode spaced and cased differently
    _doc(6, None, None),  # nothing to match
]
WANTED = BulkWanted.of([900000000001, 900000004], ["ZZ2 2CC"])


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def _kept(path: Path, **kw: object) -> tuple[list[str], BulkScanStats]:
    stats = BulkScanStats()
    batches = list(scan_bulk_file(path, WANTED, stats=stats, **kw))
    return [d["certificate_number"] for b in batches for d in b], stats


def test_ndjson_members_keep_wanted_uprns_and_neighbours(tmp_path: Path):
    lines = [json.dumps(d).encode() for d in DOCS]
    path = _zip(
        tmp_path / "f.zip",
        {"domestic-2020.jsonl": b"\n".join(lines[:3]) + b"\n", "domestic-2021.json": b"\n".join(lines[3:])},
    )
    kept, stats = _kept(path, batch_size=2)
    assert sorted(kept) == [DOCS[i]["certificate_number"] for i in (0, 1, 3, 4)]
    assert stats.documents_scanned == 6
    assert stats.members == ["domestic-2020.jsonl", "domestic-2021.json"]
    # The pre-filter spares the parse of documents it can rule out (doc 3 only: doc 6 has no fields).
    assert stats.documents_parsed == 5


def test_json_array_members_are_streamed(tmp_path: Path):
    body = json.dumps([{"data": d} for d in DOCS], indent=2).encode()
    path = _zip(tmp_path / "f.zip", {"domestic-2019.json": body})
    kept, stats = _kept(path)
    assert sorted(kept) == [DOCS[i]["certificate_number"] for i in (0, 1, 3, 4)]
    assert stats.documents_scanned == 6


def test_array_larger_than_a_read_chunk(tmp_path: Path):
    many = [_doc(i, 900000000001 if i % 97 == 0 else 700000000000 + i, "ZZ3 3CC") for i in range(3000)]
    for d in many:
        d["padding"] = "x" * 600  # ~2 MB in all: the decoder must refill its buffer mid-element
    path = _zip(tmp_path / "f.zip", {"domestic-2018.json": json.dumps(many).encode()})
    kept, stats = _kept(path)
    assert stats.documents_scanned == 3000
    assert len(kept) == len([i for i in range(3000) if i % 97 == 0])


def test_records_carry_the_file_text_only_when_it_is_the_bare_document(tmp_path: Path):
    # The store keeps that text as it is instead of encoding the document again: it must be the document.
    bare = json.dumps(DOCS[0], indent=1).encode()  # a pretty-printed element of a JSON array
    wrapped = json.dumps({"data": DOCS[1]}).encode()
    path = _zip(tmp_path / "f.zip", {"domestic-2020.json": b"[" + bare + b"," + wrapped + b"]"})
    records = [r for batch in scan_bulk_records(path, WANTED) for r in batch]
    assert [r.document for r in records] == [DOCS[0], DOCS[1]]
    assert records[0].raw is not None and json.loads(records[0].raw) == DOCS[0]
    assert records[1].raw is None


def test_bad_record_is_refused_with_member_and_record(tmp_path: Path):
    good = json.dumps(DOCS[0]).encode()
    path = _zip(tmp_path / "f.zip", {"domestic-2020.jsonl": good + b'\n{"uprn": 900000000001, "postcode"\n'})
    with pytest.raises(BulkFileError, match=r"member domestic-2020.jsonl, record 2: not a JSON document"):
        _kept(path)
    no_number = json.dumps({"uprn": 900000000001}).encode()
    path = _zip(tmp_path / "g.zip", {"domestic-2020.jsonl": no_number})
    with pytest.raises(BulkFileError, match=r"record 1: field 'certificate_number'"):
        _kept(path)


def test_not_a_zip_or_no_members(tmp_path: Path):
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    with pytest.raises(BulkFileError, match="not a ZIP archive"):
        _kept(tmp_path / "x.zip")
    with pytest.raises(BulkFileError, match="no JSON members"):
        _kept(_zip(tmp_path / "y.zip", {"readme.txt": b"hello"}))


def test_prefilter_never_drops_a_wanted_document():
    for doc in DOCS:
        raw = json.dumps(doc).encode()
        if WANTED.keeps(doc):
            assert WANTED.may_keep(raw), doc
    spaced = b'{"certificate_number": "9000-0000-0000-0000-0009", "uprn" : "900000000001"}'
    assert WANTED.may_keep(spaced)


def test_delta_events_parse_and_refuse():
    body = {
        "data": [
            {"certificateNumber": "A", "eventType": "uprn_updated", "timestamp": "2026-10-03T10:00:00Z"},
            {"certificateNumber": "A", "eventType": "removed", "timestamp": "2026-10-05T10:00:00.000Z"},
            {"certificateNumber": "B", "eventType": "address_id_updated", "timestamp": "2026-10-01T00:00:00"},
        ]
    }
    events = parse_delta_events(body)
    assert [e.certificate_number for e in events] == ["B", "A", "A"]
    assert events[0].event_type == "uprn_updated" and events[0].timestamp.tzinfo is not None
    latest = last_event_per_certificate(events)
    assert latest["A"].event_type == "removed"
    assert latest["A"].timestamp == datetime(2026, 10, 5, 10, tzinfo=UTC)
    with pytest.raises(ValueError, match=r"event 0: field 'eventType' value 'created'"):
        parse_delta_events({"data": [{"certificateNumber": "A", "eventType": "created", "timestamp": "x"}]})
    with pytest.raises(ValueError, match=r"field 'timestamp' value 'soon'"):
        parse_delta_events(
            {"data": [{"certificateNumber": "A", "eventType": "removed", "timestamp": "soon"}]}
        )
    with pytest.raises(ValueError, match="expected a 'data' list"):
        parse_delta_events({"errors": []})
