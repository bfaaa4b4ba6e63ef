"""The register's bulk download and its change events, read without loading either whole.

The bulk file (`GET /api/files/domestic/json`, a 302 to a pre-signed ZIP rebuilt on the 1st of each month)
holds every domestic certificate as the same document `/api/certificate` serves, split into one member per
registration year (the warehouse's `vw_export_documents_<year>` views; the register's API guide (Get energy
performance of buildings data, part 2)).
A member is read as a stream: one JSON document per line (NDJSON), or a JSON array of documents. The scan
keeps only the certificates a caller wants (its UPRNs and postcodes), so memory follows what is kept, not
the file's size (about 25 million certificates nationally).

`/api/deltas` events (`{certificateNumber, eventType: removed | uprn_updated, timestamp}`) are parsed here
and validated; applying them to the certificate cache is the warehouse's job.

Pure: stdlib only, no network, no environment.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal, NamedTuple

_MEMBER_SUFFIXES = (".json", ".jsonl", ".ndjson")
# Cheap pre-filters on a document's raw bytes; a line they cannot rule out is parsed and checked exactly.
_UPRN_RE = re.compile(rb'"uprn"\s*:\s*"?(?:UPRN-)?([0-9]{1,12})')
_POSTCODE_RE = re.compile(rb'"postcode"\s*:\s*"([^"]{2,12})"')
_READ_CHUNK = 1 << 20
_LINE_READ = 4 << 20
DELTA_EVENT_TYPES = ("removed", "uprn_updated")


def normalise_postcode(postcode: str) -> str:
    """Upper case, no spaces: how postcodes are compared (the register and landlords space them apart)."""
    return "".join(postcode.split()).upper()


def uprn_value(raw: object) -> int | None:
    """A lodged UPRN as an integer: the register serves integers, its search pads them to 12-digit strings
    and assessors lodge "UPRN-000012345678". None when absent or not a UPRN (callers decide if that is an
    error)."""
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        digits = raw.removeprefix("UPRN-").strip()
        if digits.isdigit():
            return int(digits)
    return None


def document_uprn(document: dict[str, Any]) -> int | None:
    """A document's UPRN as an integer (`uprn_value`), None when it has none."""
    return uprn_value(document.get("uprn"))


@dataclass(frozen=True)
class BulkWanted:
    """What a scan keeps: certificates of these UPRNs, and of these postcodes (the homes' neighbours)."""

    uprns: frozenset[int]
    postcodes: frozenset[str] = frozenset()

    @classmethod
    def of(cls, uprns: Iterable[int], postcodes: Iterable[str] = ()) -> BulkWanted:
        return cls(frozenset(int(u) for u in uprns), frozenset(normalise_postcode(p) for p in postcodes if p))

    def keeps(self, document: dict[str, Any]) -> bool:
        uprn = document_uprn(document)
        if uprn is not None and uprn in self.uprns:
            return True
        postcode = document.get("postcode")
        return isinstance(postcode, str) and normalise_postcode(postcode) in self.postcodes

    def may_keep(self, line: bytes) -> bool:
        """False only when the raw bytes prove the document is not wanted (no parse needed)."""
        # The first occurrence of each key: a register document carries them once, at the top level.
        uprn = _UPRN_RE.search(line)
        if uprn is not None and int(uprn.group(1)) in self.uprns:
            return True
        postcode = _POSTCODE_RE.search(line)
        if uprn is None and postcode is None:
            return True  # an unusual shape: let the exact check decide
        return postcode is not None and (
            normalise_postcode(postcode.group(1).decode("utf-8", "replace")) in self.postcodes
        )


@dataclass
class BulkScanStats:
    members: list[str] = field(default_factory=list)
    documents_scanned: int = 0
    documents_parsed: int = 0
    certificates_kept: int = 0


class BulkFileError(ValueError):
    """A bulk file that is not what the register publishes: names the member and the record."""


def _member_names(archive: zipfile.ZipFile, source: str) -> list[str]:
    names = sorted(
        n for n in archive.namelist() if n.lower().endswith(_MEMBER_SUFFIXES) and not n.endswith("/")
    )
    if not names:
        raise BulkFileError(f"bulk file {source}: no JSON members (expected one per registration year)")
    return names


def _iter_ndjson(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    # Large reads split here: a ZIP member's own readline() works in 512-byte steps, ~3x slower.
    number = 0
    rest = b""
    while True:
        chunk = stream.read(_LINE_READ)
        if not chunk:
            break
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        for line in lines:
            number += 1
            stripped = line.strip()
            if stripped:
                yield number, stripped
    if rest.strip():
        yield number + 1, rest.strip()


def _iter_array(stream: BinaryIO, first: bytes) -> Iterator[tuple[int, bytes]]:
    """Elements of a JSON array read chunk by chunk: each element is decoded as soon as it is complete."""
    decoder = json.JSONDecoder()
    text = io.TextIOWrapper(stream, encoding="utf-8")
    buffer = first.decode("utf-8") + text.read(_READ_CHUNK)
    pos = buffer.index("[") + 1
    number = 0
    while True:
        while pos < len(buffer) and buffer[pos] in " \t\r\n,":
            pos += 1
        if pos < len(buffer) and buffer[pos] == "]":
            return
        try:
            _, end = decoder.raw_decode(buffer, pos)
        except json.JSONDecodeError:
            more = text.read(_READ_CHUNK)
            if not more:
                raise BulkFileError(f"element {number + 1}: truncated JSON array") from None
            buffer = buffer[pos:] + more
            pos = 0
            continue
        number += 1
        yield number, buffer[pos:end].encode("utf-8")
        pos = end
        if pos > _READ_CHUNK:
            buffer, pos = buffer[pos:], 0


def iter_member_records(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(record number, raw document bytes) of one member: NDJSON, or a JSON array (streamed)."""
    buffered: Any = stream if hasattr(stream, "peek") else io.BufferedReader(stream, buffer_size=_READ_CHUNK)
    head = b""
    while True:
        head = buffered.peek(256)
        if not head:
            return
        stripped = head.lstrip()
        if stripped:
            break
        buffered.read(len(head))  # leading whitespace only
    if stripped.startswith(b"["):
        yield from _iter_array(buffered, b"")
    else:
        yield from _iter_ndjson(buffered)


class BulkRecord(NamedTuple):
    """A kept certificate: the parsed document, and its text as the file holds it when that text is the bare
    document (None when the file wraps it in `{"data": ...}`), so storing it needs no second encoding."""

    document: dict[str, Any]
    raw: str | None


def scan_bulk_file(
    path: Path,
    wanted: BulkWanted,
    *,
    stats: BulkScanStats | None = None,
    batch_size: int = 2000,
    progress: Callable[[BulkScanStats], None] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Batches of the wanted documents of a bulk ZIP, member by member (oldest year first).

    A document without a `certificate_number` or that is not a JSON object is refused with its member and
    record number. `stats` (if given) counts what was scanned and kept.
    """
    for batch in scan_bulk_records(path, wanted, stats=stats, batch_size=batch_size, progress=progress):
        yield [record.document for record in batch]


def scan_bulk_records(
    path: Path,
    wanted: BulkWanted,
    *,
    stats: BulkScanStats | None = None,
    batch_size: int = 2000,
    progress: Callable[[BulkScanStats], None] | None = None,
) -> Iterator[list[BulkRecord]]:
    """As `scan_bulk_file`, with each kept document's text beside it (see `BulkRecord`)."""
    stats = stats if stats is not None else BulkScanStats()
    source = str(path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise BulkFileError(f"bulk file {source}: not a ZIP archive ({exc})") from None
    batch: list[BulkRecord] = []
    with archive:
        for name in _member_names(archive, source):
            stats.members.append(name)
            with archive.open(name) as member:
                try:
                    for number, raw in iter_member_records(member):
                        stats.documents_scanned += 1
                        if not wanted.may_keep(raw):
                            continue
                        stats.documents_parsed += 1
                        document, bare = _parse(raw, f"bulk file {source}, member {name}, record {number}")
                        if wanted.keeps(document):
                            batch.append(BulkRecord(document, raw.decode("utf-8") if bare else None))
                            stats.certificates_kept += 1
                            if len(batch) >= batch_size:
                                yield batch
                                batch = []
                except BulkFileError as exc:
                    if str(exc).startswith("bulk file"):
                        raise
                    raise BulkFileError(f"bulk file {source}, member {name}: {exc}") from None
            if progress is not None:
                progress(stats)
    if batch:
        yield batch


def _parse(raw: bytes, record: str) -> tuple[dict[str, Any], bool]:
    """The document of one record, and whether the record is that bare document (not wrapped in `data`)."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BulkFileError(f"{record}: not a JSON document ({exc})") from None
    bare = True
    if isinstance(body, dict) and set(body) == {"data"} and isinstance(body["data"], dict):
        body, bare = body["data"], False
    if not isinstance(body, dict):
        raise BulkFileError(f"{record}: a certificate must be a JSON object, got {type(body).__name__}")
    number = body.get("certificate_number")
    if not isinstance(number, str) or not number.strip():
        raise BulkFileError(
            f"{record}: field 'certificate_number' must be a non-empty string, got {number!r}"
        )
    return body, bare


def file_month(last_updated: datetime) -> str:
    """The month a bulk file stands for ('YYYY-MM'): the month it was rebuilt in (on the 1st)."""
    return last_updated.astimezone(UTC).strftime("%Y-%m")


# ----------------------------------------------------------------------------------------------------
# Deltas


@dataclass(frozen=True)
class DeltaEvent:
    certificate_number: str
    event_type: Literal["removed", "uprn_updated"]
    timestamp: datetime

    @property
    def day(self) -> date:
        return self.timestamp.astimezone(UTC).date()


def parse_delta_events(body: Any, *, source: str = "/api/deltas") -> list[DeltaEvent]:
    """The events of a `/api/deltas` body (`{"data": [...]}`), oldest first; refuses malformed events."""
    rows = body.get("data") if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise ValueError(f"{source}: expected a 'data' list, got {body!r:.200}")
    events = []
    for i, row in enumerate(rows):
        record = f"{source} event {i}"
        if not isinstance(row, dict):
            raise ValueError(f"{record}: expected an object, got {row!r:.100}")
        number = row.get("certificateNumber")
        if not isinstance(number, str) or not number.strip():
            raise ValueError(
                f"{record}: field 'certificateNumber' must be a non-empty string, got {number!r}"
            )
        kind = row.get("eventType")
        # The register's docs also call the second type `address_id_updated` (notes s. 2).
        if kind == "address_id_updated":
            kind = "uprn_updated"
        if kind not in DELTA_EVENT_TYPES:
            raise ValueError(f"{record}: field 'eventType' value {kind!r} is not one of {DELTA_EVENT_TYPES}")
        stamp = row.get("timestamp")
        try:
            when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{record}: field 'timestamp' value {stamp!r} is not an ISO date-time") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        events.append(DeltaEvent(number.strip(), kind, when))
    return sorted(events, key=lambda e: (e.timestamp, e.certificate_number))


def last_event_per_certificate(events: Iterable[DeltaEvent]) -> dict[str, DeltaEvent]:
    """The latest event of each certificate: a removal after an update wins, and the other way round."""
    latest: dict[str, DeltaEvent] = {}
    for event in sorted(events, key=lambda e: e.timestamp):
        latest[event.certificate_number] = event
    return latest
