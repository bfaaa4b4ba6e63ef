"""A local stand-in for the EPC register API, for tests, the demo and benchmarks.

It serves certificate documents from a folder with the real API's endpoints, Bearer auth, pagination and error
bodies (the register's OpenAPI spec (`epb-data-api_openapi.yml`, communitiesuk/epb-data-api); the register's
API guide (Get energy performance of buildings data, part 2)):

- `GET /api/domestic/search?uprn=|postcode=|address=&current_page=&page_size=`: camelCase headline
  rows, newest registration first, with a `pagination` block; 404 when nothing matches; 400 for bad
  filters or a page out of range.
- `GET /api/certificate?certificate_number=`: `{"data": document}`; 404 `{"data": {"error": ...}}`.
- `GET /_emulator/stats` (no auth, not in the real API): request and injected-fault counters as JSON.

Faults are injected with fixed probabilities. Each one is decided by hashing (seed, request, how many
times that same request was seen), so a run is reproducible for a seed even when requests arrive in a
different order.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import socket
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ara_assets.emulator.bulk import BulkFiles, apply_events_to_index, bulk_routes
from ara_assets.epc.bulk_file import uprn_value

MAX_PAGE_SIZE = 5000
# Loose UK postcode shape: outward code, optional space, inward code (digit + two letters).
_POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")

# Error bodies, word for word from the OpenAPI spec's examples.
_UNAUTHORISED = {"errors": [{"code": "UNAUTHORISED", "title": "You are not authenticated"}]}
_NO_CERTIFICATES = {"error": "No certificates could be found for that query"}
_MISSING_PARAMS = "The search query was invalid - please provide a valid date range or search parameter"
_INVALID_UPRN = "The search query was invalid - the uprn should be an integer greater than 0"
_INVALID_POSTCODE = "The search query was invalid - please provide a valid postcode"
_INVALID_PAGE_SIZE = "The search query was invalid - provide valid page_size between 1 and 5000"

# Document keys (snake_case) -> search-hit keys (camelCase), per the spec's EnergyCertificateSearchResult.
_HIT_FIELDS = (
    ("certificate_number", "certificateNumber"),
    ("uprn", "uprn"),
    ("address_line_1", "addressLine1"),
    ("address_line_2", "addressLine2"),
    ("address_line_3", "addressLine3"),
    ("address_line_4", "addressLine4"),
    ("post_town", "postTown"),
    ("postcode", "postcode"),
    ("council", "council"),
    ("constituency", "constituency"),
    ("current_energy_efficiency_band", "currentEnergyEfficiencyBand"),
    ("registration_date", "registrationDate"),
    ("schema_type", "schemaType"),
)


def normalise_postcode(postcode: str) -> str:
    return "".join(postcode.split()).upper()


# ----------------------------------------------------------------------------------------------------
# The certificate index


@dataclass
class RegisterIndex:
    """Certificates loaded from a folder, indexed the ways the API looks them up."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    hits: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_uprn: dict[int, list[str]] = field(default_factory=dict)
    by_postcode: dict[str, list[str]] = field(default_factory=dict)
    all_numbers: list[str] = field(default_factory=list)

    def add(self, document: dict[str, Any], *, source: str) -> None:
        number = document.get("certificate_number")
        if not isinstance(number, str) or not number.strip():
            raise ValueError(
                f"{source}: field 'certificate_number' must be a non-empty string, got {number!r}"
            )
        number = number.strip()
        if number in self.documents:
            raise ValueError(f"{source}: field 'certificate_number' value {number!r} is already loaded")
        uprn = _document_uprn(document, source=source)
        date = document.get("registration_date")
        if date is not None and not isinstance(date, str):
            raise ValueError(f"{source}: field 'registration_date' must be a string date, got {date!r}")
        hit = {camel: document.get(snake) for snake, camel in _HIT_FIELDS}
        hit["certificateNumber"] = number
        hit["uprn"] = uprn
        if hit["council"] is None:
            hit["council"] = document.get("local_authority_label")
        if hit["constituency"] is None:
            hit["constituency"] = document.get("constituency_label")
        self.documents[number] = document
        self.hits[number] = hit
        if uprn is not None:
            self.by_uprn.setdefault(uprn, []).append(number)
        postcode = document.get("postcode")
        if isinstance(postcode, str) and postcode.strip():
            self.by_postcode.setdefault(normalise_postcode(postcode), []).append(number)

    def finish(self) -> None:
        """Sort every lookup newest registration first (the register's ORDER BY), undated last."""
        self.all_numbers = self._ordered(self.documents)
        for table in (self.by_uprn, self.by_postcode):
            for key, numbers in table.items():
                table[key] = self._ordered(numbers)

    def _ordered(self, numbers: Iterable[str]) -> list[str]:
        # Two stable sorts: by number (so ties are reproducible), then by date descending.
        by_number = sorted(numbers)
        return sorted(by_number, key=self._date_key, reverse=True)

    def _date_key(self, number: str) -> tuple[bool, str]:
        date = self.hits[number]["registrationDate"]
        return (date is not None, date or "")


def _document_uprn(document: dict[str, Any], *, source: str) -> int | None:
    raw = document.get("uprn")
    if raw is None or raw == "":
        return None
    value = uprn_value(raw)
    if value is None:
        raise ValueError(f"{source}: field 'uprn' must be an integer, got {raw!r}")
    return value


def load_index(data_dir: Path) -> RegisterIndex:
    """Read every `*.json` under `data_dir`, recursively: one certificate each, bare or in `{"data": ..}`."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ValueError(
            f"register emulator: field 'data_dir' must be an existing folder, got {str(data_dir)!r}"
        )
    index = RegisterIndex()
    for path in sorted(data_dir.rglob("*.json")):
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a readable JSON certificate document ({exc})") from None
        if isinstance(body, dict) and set(body) == {"data"} and isinstance(body["data"], dict):
            body = body["data"]
        if not isinstance(body, dict):
            raise ValueError(
                f"{path}: a certificate document must be a JSON object, got {type(body).__name__}"
            )
        index.add(body, source=str(path))
    index.finish()
    return index


# ----------------------------------------------------------------------------------------------------
# Faults and counters


@dataclass(frozen=True)
class FaultConfig:
    rate_429: float = 0.0
    rate_500: float = 0.0
    latency_ms: float = 0.0  # added to every response
    rate_slow: float = 0.0  # chance of an extra `slow_ms` on top (to provoke client timeouts)
    slow_ms: float = 0.0
    retry_after_s: float = 1.0  # sent with every injected 429
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("rate_429", "rate_500", "rate_slow"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(
                    f"register emulator: field {name!r} must be a probability in [0, 1], got {value!r}"
                )
        if self.rate_429 + self.rate_500 > 1.0:
            raise ValueError(
                f"register emulator: fields 'rate_429' + 'rate_500' must not exceed 1, got "
                f"{self.rate_429} + {self.rate_500}"
            )
        for name in ("latency_ms", "slow_ms", "retry_after_s"):
            value = getattr(self, name)
            if value < 0:
                raise ValueError(f"register emulator: field {name!r} must be >= 0, got {value!r}")


class _Counters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._attempts: Counter[str] = Counter()

    def bump(self, *names: str) -> None:
        with self._lock:
            for name in names:
                self._counts[name] += 1

    def attempt(self, key: str) -> int:
        with self._lock:
            self._attempts[key] += 1
            return self._attempts[key]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._attempts.clear()


def _uniform(seed: int, key: str, attempt: int, salt: str) -> float:
    digest = hashlib.blake2b(f"{seed}|{salt}|{key}|{attempt}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


# ----------------------------------------------------------------------------------------------------
# The ASGI app


def build_app(
    index: RegisterIndex, *, token: str, faults: FaultConfig, bulk: BulkFiles | None = None
) -> Starlette:
    counters = _Counters()
    expected_auth = f"Bearer {token}"

    def stats_payload() -> dict[str, Any]:
        counts = counters.snapshot()
        return {
            "certificates": len(index.documents),
            "uprns": len(index.by_uprn),
            "requests": counts.get("requests", 0),
            "injected_429": counts.get("injected_429", 0),
            "injected_500": counts.get("injected_500", 0),
            "injected_slow": counts.get("injected_slow", 0),
            "unauthorised": counts.get("unauthorised", 0),
            "search_requests": counts.get("path:search", 0),
            "certificate_requests": counts.get("path:certificate", 0),
            "by_status": {k[7:]: v for k, v in counts.items() if k.startswith("status:")},
        }

    def respond(body: Any, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
        counters.bump(f"status:{status}")
        return JSONResponse(body, status_code=status, headers=headers)

    async def gate(request: Request, kind: str) -> JSONResponse | None:
        """Auth, latency and injected faults, shared by every API endpoint; None means carry on."""
        counters.bump("requests", f"path:{kind}")
        if request.headers.get("authorization", "") != expected_auth:
            counters.bump("unauthorised")
            return respond(_UNAUTHORISED, 403)
        key = f"{request.url.path}?{request.url.query}"
        attempt = counters.attempt(key)
        delay_ms = faults.latency_ms
        if faults.rate_slow and _uniform(faults.seed, key, attempt, "slow") < faults.rate_slow:
            counters.bump("injected_slow")
            delay_ms += faults.slow_ms
        if delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000.0)
        draw = _uniform(faults.seed, key, attempt, "fault")
        if draw < faults.rate_429:
            counters.bump("injected_429")
            retry_after = f"{faults.retry_after_s:g}"
            body = {"errors": [{"code": "TOO_MANY_REQUESTS", "title": "Rate limit exceeded"}]}
            return respond(body, 429, {"Retry-After": retry_after})
        if draw < faults.rate_429 + faults.rate_500:
            counters.bump("injected_500")
            return respond({"errors": [{"code": "INTERNAL_SERVER_ERROR"}]}, 500)
        return None

    async def search(request: Request) -> JSONResponse:
        refused = await gate(request, "search")
        if refused is not None:
            return refused
        q = request.query_params
        matches: list[str] | None = None
        if "uprn" in q:
            try:
                uprn = int(q["uprn"])
            except ValueError:
                uprn = 0
            if uprn <= 0:
                return respond({"error": _INVALID_UPRN}, 400)
            matches = list(index.by_uprn.get(uprn, []))
        if "postcode" in q:
            postcode = normalise_postcode(q["postcode"])
            if not _POSTCODE_RE.match(postcode):
                return respond({"error": _INVALID_POSTCODE}, 400)
            found = index.by_postcode.get(postcode, [])
            if matches is None:
                matches = list(found)
            else:
                wanted = set(found)
                matches = [n for n in matches if n in wanted]
        if "address" in q and q["address"].strip():
            needle = q["address"].strip().lower()
            pool = index.all_numbers if matches is None else matches
            matches = [n for n in pool if needle in _address_text(index.hits[n])]
        if matches is None:
            return respond({"error": _MISSING_PARAMS}, 400)
        try:
            page_size = int(q.get("page_size", MAX_PAGE_SIZE))
            page = int(q.get("current_page", 1))
        except ValueError:
            return respond({"error": _INVALID_PAGE_SIZE}, 400)
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            return respond({"error": _INVALID_PAGE_SIZE}, 400)
        if not matches:
            return respond(_NO_CERTIFICATES, 404)
        total = len(matches)
        pages = -(-total // page_size)
        if not 1 <= page <= pages:
            message = f"The requested page number {page} is out of range. Total pages: {pages}"
            return respond({"error": message}, 400)
        rows = [index.hits[n] for n in matches[(page - 1) * page_size : page * page_size]]
        pagination = {
            "totalRecords": total,
            "currentPage": page,
            "totalPages": pages,
            "nextPage": page + 1 if page < pages else None,
            "prevPage": page - 1 if page > 1 else None,
            "pageSize": page_size,
        }
        return respond({"data": rows, "pagination": pagination}, 200)

    async def certificate(request: Request) -> JSONResponse:
        refused = await gate(request, "certificate")
        if refused is not None:
            return refused
        number = request.query_params.get("certificate_number", "").strip()
        document = index.documents.get(number)
        if document is None:
            return respond({"data": {"error": "Certificate not found"}}, 404)
        return respond({"data": document}, 200)

    async def stats(request: Request) -> JSONResponse:
        return JSONResponse(stats_payload())

    routes = [
        Route("/api/domestic/search", search, methods=["GET"]),
        Route("/api/certificate", certificate, methods=["GET"]),
        Route("/_emulator/stats", stats, methods=["GET"]),
    ]
    if bulk is not None:
        # The bulk file and deltas (emulator/bulk.py); events also move or drop API documents.
        apply_events_to_index(index, bulk.load_events())
        routes += bulk_routes(bulk, gate=gate, respond=respond, token=token)
    app = Starlette(routes=routes)
    app.state.counters = counters
    app.state.stats = stats_payload
    app.state.index = index
    return app


def _address_text(hit: dict[str, Any]) -> str:
    parts = [hit.get(k) for k in ("addressLine1", "addressLine2", "addressLine3", "addressLine4", "postTown")]
    return " ".join(p for p in parts if isinstance(p, str)).lower()


# ----------------------------------------------------------------------------------------------------
# Running it


class EmulatorHandle:
    """A running emulator on a background thread: `url` is its base URL; `stop()` or `with` ends it."""

    def __init__(
        self, server: uvicorn.Server, thread: threading.Thread, app: Starlette, host: str, port: int
    ) -> None:
        self._server = server
        self._thread = thread
        self._app = app
        self.host = host
        self.port = port
        self.url = f"http://{host}:{port}"

    @property
    def index(self) -> RegisterIndex:
        return self._app.state.index

    def stats(self) -> dict[str, Any]:
        """Counters since start (or the last `reset_stats()`): requests, injected_429, injected_500, ..."""
        return self._app.state.stats()

    def reset_stats(self) -> None:
        self._app.state.counters.reset()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout_s)

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_emulator(
    data_dir: Path,
    *,
    port: int = 0,
    token: str = "demo-token",
    rate_429: float = 0.0,
    rate_500: float = 0.0,
    latency_ms: float = 0.0,
    seed: int = 0,
    host: str = "127.0.0.1",
    retry_after_s: float = 1.0,
    rate_slow: float = 0.0,
    slow_ms: float = 0.0,
    bulk: BulkFiles | None = None,
) -> EmulatorHandle:
    """Load `data_dir` and serve it on a background thread; port 0 picks a free port."""
    faults = FaultConfig(
        rate_429=rate_429,
        rate_500=rate_500,
        latency_ms=latency_ms,
        rate_slow=rate_slow,
        slow_ms=slow_ms,
        retry_after_s=retry_after_s,
        seed=seed,
    )
    app = build_app(load_index(data_dir), token=token, faults=faults, bulk=bulk)
    # Bind here rather than in uvicorn so that port 0 resolves before the thread starts.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30)
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the starting thread below
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"register-emulator-{bound_port}", daemon=True)
    thread.start()
    while not server.started:
        if failure or not thread.is_alive():
            sock.close()
            raise RuntimeError(f"register emulator failed to start on {host}:{bound_port}: {failure[:1]!r}")
        thread.join(0.01)
    return EmulatorHandle(server, thread, app, host, bound_port)


def serve_forever(
    data_dir: Path,
    *,
    host: str,
    port: int,
    token: str,
    faults: FaultConfig,
    announce: Any = print,
    bulk: BulkFiles | None = None,
) -> None:
    """Serve in the foreground until interrupted (the `ara register serve` command)."""
    index = load_index(data_dir)
    app = build_app(index, token=token, faults=faults, bulk=bulk)
    announce(
        f"register emulator: {len(index.documents)} certificates, {len(index.by_uprn)} UPRNs "
        f"from {data_dir}; "
        f"http://{host}:{port} (token {token!r}, 429 {faults.rate_429:g}, 500 {faults.rate_500:g}, "
        f"latency {faults.latency_ms:g} ms, seed {faults.seed})"
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="off")
