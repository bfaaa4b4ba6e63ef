"""The register's monthly bulk file and deltas into the certificate cache (`ara register bulk-sync`, the
`register_bulk` asset). ADR 0020.

- `RegisterBulkClient` (httpx): `/api/files/domestic/json/info`, `/api/files/domestic/json` (a 302 to a
  pre-signed ZIP, downloaded in chunks to a file: never whole in memory), `/api/deltas`. It shares the
  per-UPRN client's token, rate limit and backoff (`register/client.py`).
- `bulk_sync`: when the file is newer than the last one loaded, stream its ZIP and keep the certificates
  of the portfolios' UPRNs and their postcode neighbours (provenance `bulk_file`, the file's month), and
  record the UPRNs it covers as fetched, so `epc_cache` asks the per-UPRN API only for homes the file
  lacks. Then apply the deltas since: `removed` deletes the certificate, `uprn_updated` refetches it
  (provenance `delta`); both make the UPRNs involved fetch again.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from ara_assets.epc.bulk_file import (
    BulkScanStats,
    BulkWanted,
    DeltaEvent,
    document_uprn,
    file_month,
    last_event_per_certificate,
    parse_delta_events,
    scan_bulk_records,
)
from ara_assets.resources.http_retry import backoff_delay, parse_retry_after
from ara_assets.resources.register.client import (
    CertificateNotFoundError,
    RegisterAuthError,
    RegisterClient,
    RegisterRequestError,
    json_body,
)
from ara_assets.resources.warehouse.unit_of_work import Warehouse

FILE_PATH = "/api/files/domestic/json"
INFO_PATH = "/api/files/domestic/json/info"
DELTAS_PATH = "/api/deltas"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BulkFileInfo:
    file_size: int
    last_updated: datetime

    @property
    def month(self) -> str:
        return file_month(self.last_updated)


class RegisterBulkClient:
    """The register's bulk endpoints, over the same token, rate limit and retry policy as `client`."""

    def __init__(self, client: RegisterClient, *, transport: httpx.BaseTransport | None = None) -> None:
        self.client = client
        self._transport = transport
        self._abort = threading.Event()

    def _http(self, *, auth: bool) -> httpx.Client:
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.client.resolve_token()}"
        return httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(self.client.timeout_s),
            transport=self._transport,
            follow_redirects=False,
        )

    def _get(self, http: httpx.Client, url: str, params: dict[str, str] | None = None) -> httpx.Response:
        """GET under the rate limit with the client's retries; returns any non-retryable response."""
        c = self.client
        last = "no attempt"
        for attempt in range(c.max_retries + 1):
            c.bucket.acquire()
            retry_after = None
            try:
                response = http.get(url, params=params)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code in (401, 403):
                    raise RegisterAuthError(
                        f"EPC register refused the token (GET {response.request.url} -> "
                        f"{response.status_code}): the token is missing, invalid or revoked"
                    )
                if response.status_code != 429 and response.status_code < 500:
                    return response
                last = f"status {response.status_code}"
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt == c.max_retries:
                break
            wait = backoff_delay(
                attempt, base_s=c.backoff_base_s, max_s=c.backoff_max_s, retry_after_s=retry_after
            )
            self._abort.wait(wait)
        raise RegisterRequestError(
            f"GET {url} failed after {c.max_retries + 1} attempts; last {last}", url=url, status=None
        )

    def file_info(self) -> BulkFileInfo:
        url = f"{self.client.base_url}{INFO_PATH}"
        with self._http(auth=True) as http:
            response = self._get(http, url)
        body = json_body(response)
        data = body.get("data") if isinstance(body, dict) else None
        if response.status_code != 200 or not isinstance(data, dict):
            raise RegisterRequestError(
                f"GET {url} -> {response.status_code}: expected {{'data': {{fileSize, lastUpdated}}}}, "
                f"got {body!r:.200}",
                url=url,
                status=response.status_code,
            )
        size, updated = data.get("fileSize"), data.get("lastUpdated")
        try:
            when = datetime.fromisoformat(str(updated).replace("Z", "+00:00"))
        except ValueError:
            raise RegisterRequestError(
                f"GET {url}: field 'lastUpdated' value {updated!r} is not an ISO date-time",
                url=url,
                status=200,
            ) from None
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise RegisterRequestError(
                f"GET {url}: field 'fileSize' value {size!r} is not a size", url=url, status=200
            )
        return BulkFileInfo(size, when if when.tzinfo else when.replace(tzinfo=UTC))

    def download(self, dest: Path, *, expected_size: int | None = None) -> Path:
        """Follow the 302 to the pre-signed ZIP and stream it to `dest` in 1 MB chunks."""
        url = f"{self.client.base_url}{FILE_PATH}"
        with self._http(auth=True) as http:
            response = self._get(http, url)
        if response.status_code != 302 or "location" not in response.headers:
            raise RegisterRequestError(
                f"GET {url} -> {response.status_code}: expected a 302 to the bulk file, "
                f"got {response.text[:200]!r}",
                url=url,
                status=response.status_code,
            )
        location = response.headers["location"]
        # The pre-signed URL is its own credential: the register's Bearer token must not travel to S3.
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".part")
        written = 0
        with self._http(auth=False) as http, http.stream("GET", location) as stream:
            if stream.status_code != 200:
                raise RegisterRequestError(
                    f"GET bulk file (pre-signed URL) -> {stream.status_code}",
                    url=url,
                    status=stream.status_code,
                )
            with partial.open("wb") as out:
                for chunk in stream.iter_bytes(_CHUNK):
                    out.write(chunk)
                    written += len(chunk)
        if expected_size is not None and written != expected_size:
            partial.unlink(missing_ok=True)
            raise RegisterRequestError(
                f"bulk file: downloaded {written} bytes, /info announced {expected_size}", url=url, status=200
            )
        partial.replace(dest)
        return dest

    def deltas(self, date_start: date, date_end: date) -> list[DeltaEvent]:
        url = f"{self.client.base_url}{DELTAS_PATH}"
        params = {"date_start": date_start.isoformat(), "date_end": date_end.isoformat()}
        with self._http(auth=True) as http:
            response = self._get(http, url, params)
        if response.status_code == 404:
            return []  # "No audit logs could be found for that query"
        if response.status_code != 200:
            raise RegisterRequestError(
                f"GET {response.request.url} -> {response.status_code}: {response.text[:200]}",
                url=url,
                status=response.status_code,
            )
        return parse_delta_events(json_body(response), source=str(response.request.url))


# ----------------------------------------------------------------------------------------------------
# The sync


@dataclass
class BulkSyncReport:
    file_month: str | None = None
    file_loaded: bool = False
    documents_scanned: int = 0
    certificates_kept: int = 0
    uprns_covered: int = 0
    uprns_wanted: int = 0
    refused: list[str] = field(default_factory=list)
    deltas_range: tuple[str, str] | None = None
    events: int = 0
    removed: int = 0
    uprn_updated: int = 0
    fetches_invalidated: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["refused"] = self.refused[:10]
        out["refused_count"] = len(self.refused)
        return out


def bulk_sync(
    warehouse: Warehouse,
    client: RegisterClient,
    *,
    portfolios: Sequence[str] | None = None,
    neighbours: bool = True,
    force: bool = False,
    workdir: Path | None = None,
    today: date | None = None,
    log: Callable[[str], None] = lambda _msg: None,
    transport: httpx.BaseTransport | None = None,
) -> BulkSyncReport:
    """Load the latest bulk file (if newer than the last loaded, or `force`) and apply deltas since."""
    bulk = RegisterBulkClient(client, transport=transport)
    report = BulkSyncReport()
    today = today or datetime.now(UTC).date()
    with warehouse.unit_of_work() as uow:
        repo = uow.register_bulk
        uprns, postcodes = repo.wanted(portfolios)
        last_file = repo.last_sync("bulk_file")
        last_deltas = repo.last_sync("deltas")
    report.uprns_wanted = len(uprns)
    info = bulk.file_info()
    report.file_month = info.month
    if force or last_file is None or last_file.file_last_updated != info.last_updated:
        _load_file(warehouse, bulk, info, uprns, postcodes if neighbours else [], workdir, report, log)
        last_file_date = info.last_updated.astimezone(UTC).date()
    else:
        log(f"bulk file {info.month} already loaded ({last_file.finished_at:%Y-%m-%d %H:%M}); deltas only")
        assert last_file.file_last_updated is not None
        last_file_date = last_file.file_last_updated.astimezone(UTC).date()
    # Events dated on or after the file's rebuild are not in it; the register refuses a range with today.
    start = last_file_date
    if last_deltas is not None and last_deltas.date_end is not None and last_deltas.date_end >= start:
        start = last_deltas.date_end + timedelta(days=1)
    end = today - timedelta(days=1)
    if start <= end:
        _apply_deltas(warehouse, bulk, start, end, report, log)
    return report


def _load_file(
    warehouse: Warehouse,
    bulk: RegisterBulkClient,
    info: BulkFileInfo,
    uprns: list[int],
    postcodes: list[str],
    workdir: Path | None,
    report: BulkSyncReport,
    log: Callable[[str], None],
) -> None:
    wanted = BulkWanted.of(uprns, postcodes)
    with tempfile.TemporaryDirectory(prefix="ara-bulk-", dir=workdir) as tmp:
        path = bulk.download(Path(tmp) / f"domestic-json-{info.month}.zip", expected_size=info.file_size)
        log(f"bulk file {info.month}: {info.file_size / 1e6:.1f} MB downloaded; scanning")
        stats = BulkScanStats()
        covered: set[int] = set()
        wanted_uprns = wanted.uprns
        # One transaction for the whole month: a failure part-way stores nothing and records no sync.
        with warehouse.unit_of_work() as uow:
            repo = uow.register_bulk
            for batch in scan_bulk_records(
                path,
                wanted,
                stats=stats,
                progress=lambda s: log(f"  {s.members[-1]}: {s.documents_scanned:,} scanned"),
            ):
                docs = [record.document for record in batch]
                result = repo.store(
                    docs,
                    source="bulk_file",
                    source_ref=info.month,
                    fetched_at=info.last_updated,
                    raws=[record.raw for record in batch],
                )
                report.refused.extend(result.refused)
                for doc in docs:
                    u = document_uprn(doc)
                    if u is not None and u in wanted_uprns:
                        covered.add(u)
            # Checked now: the file plus the deltas applied next stand for the register until the cache's
            # TTL runs out. (Certificates lodged after the file's cut-off arrive with next month's file.)
            repo.record_found(sorted(covered), datetime.now(UTC))
            repo.record_sync(
                "bulk_file",
                file_last_updated=info.last_updated,
                file_size=info.file_size,
                documents_scanned=stats.documents_scanned,
                certificates_kept=stats.certificates_kept - len(report.refused),
            )
    report.file_loaded = True
    report.documents_scanned = stats.documents_scanned
    report.certificates_kept = stats.certificates_kept - len(report.refused)
    report.uprns_covered = len(covered)
    log(
        f"bulk file {info.month}: {stats.documents_scanned:,} certificates scanned, "
        f"{report.certificates_kept:,} kept; {len(covered):,} of {len(uprns):,} UPRNs covered, "
        "the API fetches the rest"
    )


def _apply_deltas(
    warehouse: Warehouse,
    bulk: RegisterBulkClient,
    start: date,
    end: date,
    report: BulkSyncReport,
    log: Callable[[str], None],
) -> None:
    events = bulk.deltas(start, end)
    report.deltas_range = (start.isoformat(), end.isoformat())
    report.events = len(events)
    latest = last_event_per_certificate(events)
    with warehouse.unit_of_work() as uow:
        held = uow.register_bulk.held(list(latest))
    # Refetch moved certificates before the transaction: network calls never hold a database transaction.
    refetched: dict[str, tuple[dict | None, DeltaEvent]] = {}
    for number, event in latest.items():
        if number in held and event.event_type == "uprn_updated":
            try:
                refetched[number] = (bulk.client.fetch_certificate(number), event)
            except CertificateNotFoundError:
                refetched[number] = (None, event)  # gone since: treat as removed
    with warehouse.unit_of_work() as uow:
        repo = uow.register_bulk
        removed = [n for n, e in latest.items() if n in held and e.event_type == "removed"]
        removed += [n for n, (doc, _) in refetched.items() if doc is None]
        touched = set(repo.remove(removed))
        for _number, (doc, event) in refetched.items():
            if doc is None:
                continue
            result = repo.store(
                [doc], source="delta", source_ref=event.day.isoformat(), fetched_at=event.timestamp
            )
            report.refused.extend(result.refused)
            new = doc.get("uprn")
            if isinstance(new, int):
                touched.add(new)
        touched |= {u for n, u in held.items() if u is not None and n in latest}
        report.fetches_invalidated = repo.invalidate_fetches(sorted(touched))
        repo.record_sync("deltas", date_start=start, date_end=end, events=len(events))
    report.removed = len(removed)
    report.uprn_updated = sum(1 for doc, _ in refetched.values() if doc is not None)
    log(
        f"deltas {start}..{end}: {len(events)} events; {report.removed} cached certificates removed, "
        f"{report.uprn_updated} moved; {report.fetches_invalidated} UPRNs will be fetched again"
    )
