"""The register fetch of one portfolio, stored per certificate and committed in chunks.

- Per certificate: a document whose key columns do not validate (registration date, schema type,
  certificate number, UPRN) is not stored; its UPRN is recorded as an 'error' with the reason (so it is
  fetched again next run) and the UPRN's other documents and every other UPRN are stored as usual.
- In chunks: up to `chunk_homes` UPRNs are fetched, then committed in one transaction under the
  portfolio's write lock; when the register is slow the next chunk shrinks so that a commit comes about
  every `chunk_seconds`. A killed or interrupted fetch keeps every committed chunk; the next run's TTL
  check skips those UPRNs, so it resumes where the last one stopped.
- A `RegisterConfigError` (a wrong register URL) or `RegisterAuthError` stops the fetch at once; chunks
  already committed stay.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ara_assets.resources.register.client import UprnFetch
from ara_assets.resources.warehouse.locks import lock_portfolio
from ara_assets.resources.warehouse.repositories.certificates import certificate_key_columns
from ara_assets.resources.warehouse.unit_of_work import Warehouse

DEFAULT_CHUNK_HOMES = 200  # about 20 s of register traffic at 20 requests/s and ~2 requests per home
DEFAULT_CHUNK_SECONDS = 60.0  # and at most about a minute of work lost when a slow fetch is killed


class PortfolioFetcher(Protocol):
    def fetch_portfolio(
        self, uprns: Sequence[int], *, progress: Callable[[int, int], None] | None = None
    ) -> list[UprnFetch]: ...


@dataclass
class FetchOutcome:
    fetched: int = 0
    certificates_stored: int = 0
    errors: list[str] | None = None
    invalid_documents: int = 0
    chunks_committed: int = 0


def validate_results(
    results: list[UprnFetch], fetched_at: dt.datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """(documents to store, fetch records, documents refused) for one chunk of results."""
    docs: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    refused = 0
    for r in results:
        good: list[dict[str, Any]] = []
        reasons: list[str] = []
        for doc in r.certificates:
            try:
                certificate_key_columns(doc)
            except ValueError as exc:
                reasons.append(str(exc))
                continue
            good.append(doc)
        refused += len(reasons)
        docs += good
        if reasons:
            status, error = "error", f"UPRN {r.uprn}: document does not validate: " + "; ".join(reasons)
        else:
            status, error = r.status, r.error
        records.append(
            {
                "uprn": r.uprn,
                "fetched_at": fetched_at,
                "status": status,
                "error": error,
                "certificate_count": len(good),
            }
        )
    return docs, records, refused


def fetch_and_store(
    warehouse: Warehouse,
    register: PortfolioFetcher,
    portfolio: str,
    uprns: Sequence[int],
    *,
    chunk_homes: int = DEFAULT_CHUNK_HOMES,
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    progress: Callable[[int, int], None] | None = None,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    timer: Callable[[], float] = time.monotonic,
) -> FetchOutcome:
    """Fetch `uprns` from the register and store them chunk by chunk (see the module docstring)."""
    if chunk_homes < 1:
        raise ValueError(f"fetch: field 'chunk_homes' value {chunk_homes!r} must be >= 1")
    if not chunk_seconds > 0:
        raise ValueError(f"fetch: field 'chunk_seconds' value {chunk_seconds!r} must be > 0")
    outcome = FetchOutcome(errors=[])
    total = len(uprns)
    start, size = 0, chunk_homes
    while start < total:
        chunk = list(uprns[start : start + size])
        began = timer()

        def chunk_progress(done: int, _n: int, offset: int = start) -> None:
            if progress is not None:
                progress(offset + done, total)

        results = register.fetch_portfolio(chunk, progress=chunk_progress)
        now = clock()
        docs, records, refused = validate_results(results, now)
        # One transaction per chunk: its certificates and fetch records land together or not at all.
        with warehouse.unit_of_work() as uow:
            lock_portfolio(uow.connection, portfolio)
            if docs:
                uow.certificates.upsert_many(docs, fetched_at=now)
            if records:
                uow.fetches.record(records)
        outcome.fetched += len(results)
        outcome.certificates_stored += len(docs)
        outcome.invalid_documents += refused
        outcome.chunks_committed += 1
        outcome.errors += [r["error"] for r in records if r["status"] == "error"]
        start += len(chunk)
        # A slow register (retries, Retry-After waits) shrinks the next chunk so that a commit still
        # comes about every `chunk_seconds`; a fast one grows it back up to `chunk_homes`.
        elapsed = timer() - began
        if elapsed > 0:
            size = max(1, min(chunk_homes, int(len(chunk) * chunk_seconds / elapsed)))
    return outcome
