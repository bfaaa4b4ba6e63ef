"""HTTP client for the EPC register ("Get energy performance of buildings data" API).

Two layers:
- `RegisterClient`: plain httpx, usable from the CLI and scripts without Dagster. A portfolio fetch runs
  `max_concurrency` worker threads over one `httpx.Client`, all drawing from one shared token bucket.
  (Threads, not asyncio: on this stack the async path cost ~3 ms of CPU per request against ~0.8 ms for
  the sync one, measured on loopback; see docs/benchmarks/fetch.md.)
- `EpcRegisterClient`: a thin `dagster.ConfigurableResource` that builds a `RegisterClient` from its config.

API facts (paths, parameter names, envelopes, error bodies, the 6,000 requests / 5 minutes limit) come
from the register's OpenAPI spec (`epb-data-api_openapi.yml`, communitiesuk/epb-data-api) and the register's
API guide (Get energy performance of buildings data, part 2).
"""

from __future__ import annotations

import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import dagster as dg
import httpx
from pydantic import Field, PrivateAttr

from ara_assets.resources.http_retry import backoff_delay, is_retryable_status, parse_retry_after
from ara_assets.resources.url_policy import require_secure_url
from ara_assets.settings import (
    REGISTER_API_URL,
    REGISTER_REQUESTS_PER_SECOND,
    register_requests_per_second,
    register_url,
)

DEFAULT_BASE_URL = REGISTER_API_URL
DEFAULT_TOKEN_ENV_VAR = "EPC_REGISTER_TOKEN"
SEARCH_PATH = "/api/domestic/search"
CERTIFICATE_PATH = "/api/certificate"
# The spec caps page_size at 5000; the largest page means the fewest search requests per UPRN.
MAX_PAGE_SIZE = 5000

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class RegisterError(Exception):
    """A register request that failed for good (after any retries)."""


class RegisterAuthError(RegisterError):
    """401/403 from the register, or no token configured: nothing else can succeed, so the fetch stops."""


class RegisterRequestError(RegisterError):
    """A request that failed: a non-retryable 4xx, an unexpected body, or retries exhausted."""

    def __init__(self, message: str, *, url: str, status: int | None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class RegisterConfigError(RegisterError):
    """The configured register URL is wrong (a 404 that is not the register's own "not found" answer): no
    UPRN can succeed, so the fetch stops and names the URL instead of recording every home as having no
    certificate."""


class CertificateNotFoundError(RegisterRequestError):
    """404 from `/api/certificate`: the register holds no document under that number."""


# ----------------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True)
class SearchHit:
    """One row of `/api/domestic/search`: the certificate's headline fields (camelCase in the API)."""

    certificate_number: str
    uprn: int | None
    address_line_1: str | None
    address_line_2: str | None
    address_line_3: str | None
    address_line_4: str | None
    post_town: str | None
    postcode: str | None
    council: str | None
    constituency: str | None
    current_energy_efficiency_band: str | None
    registration_date: str | None
    schema_type: str | None

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> SearchHit:
        number = row.get("certificateNumber")
        if not isinstance(number, str) or not number:
            raise ValueError(
                f"search hit {row!r}: field 'certificateNumber' must be a non-empty string, got {number!r}"
            )
        return cls(
            certificate_number=number,
            uprn=_optional_int(row.get("uprn")),
            address_line_1=row.get("addressLine1"),
            address_line_2=row.get("addressLine2"),
            address_line_3=row.get("addressLine3"),
            address_line_4=row.get("addressLine4"),
            post_town=row.get("postTown"),
            postcode=row.get("postcode"),
            council=row.get("council"),
            constituency=row.get("constituency"),
            current_energy_efficiency_band=row.get("currentEnergyEfficiencyBand"),
            registration_date=row.get("registrationDate"),
            schema_type=row.get("schemaType"),
        )


# How often a portfolio fetch hands its progress callback the count so far, in seconds.
PROGRESS_POLL_S = 0.5


@dataclass(frozen=True)
class UprnFetch:
    """Everything the register gave for one UPRN of a portfolio fetch."""

    uprn: int
    status: Literal["found", "no_certificate", "error"]
    certificates: list[dict] = field(default_factory=list)
    error: str | None = None


@dataclass
class FetchStats:
    """Counters of one client's traffic; cumulative over the client's life (see `RegisterClient.stats`)."""

    requests: int = 0
    retries: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0
    waits_s: list[float] = field(default_factory=list)  # each backoff the client slept before a retry

    def copy(self) -> FetchStats:
        return FetchStats(
            requests=self.requests,
            retries=self.retries,
            by_status=dict(self.by_status),
            transport_errors=self.transport_errors,
            waits_s=list(self.waits_s),
        )


def _optional_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ----------------------------------------------------------------------------------------------------
# Rate limit and backoff (pure, testable with a fake clock)


class TokenBucket:
    """A token bucket shared by every request of one client, across threads and event loops.

    `reserve()` takes a token now and returns how long the caller must wait before sending: tokens may go
    negative, which queues callers fairly without holding a lock while they sleep. `rate <= 0` is unlimited.
    """

    def __init__(self, rate: float, *, burst: float = 1.0, clock: Clock = time.monotonic) -> None:
        self.rate = float(rate)
        # A burst of 1 spreads requests evenly: the register counts per 5 minutes, but a smooth stream
        # never risks tripping it.
        self.burst = max(1.0, float(burst))
        self._clock = clock
        self._tokens = self.burst
        self._last = clock()
        self._lock = threading.Lock()

    @property
    def unlimited(self) -> bool:
        return self.rate <= 0 or math.isinf(self.rate)

    def reserve(self) -> float:
        if self.unlimited:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self, sleep: Sleep = time.sleep) -> None:
        delay = self.reserve()
        if delay > 0:
            sleep(delay)


def _validate_uprn(uprn: Any, *, record: str) -> int:
    # bool is an int subclass; True is no UPRN.
    if isinstance(uprn, bool):
        raise ValueError(f"{record}: field 'uprn' must be a positive integer, got {uprn!r}")
    try:
        value = int(str(uprn).strip()) if isinstance(uprn, str) else int(uprn)
    except (TypeError, ValueError):
        raise ValueError(f"{record}: field 'uprn' must be a positive integer, got {uprn!r}") from None
    if value <= 0 or (not isinstance(uprn, str) and value != uprn):
        raise ValueError(f"{record}: field 'uprn' must be a positive integer, got {uprn!r}")
    return value


# ----------------------------------------------------------------------------------------------------
# The plain client


class RegisterClient:
    """Client of the EPC register's domestic search and certificate endpoints.

    The token is resolved at use: `token` if given, else the environment variable `token_env_var`.
    """

    def __init__(
        self,
        *,
        base_url: str = DEFAULT_BASE_URL,
        token: str | None = None,
        token_env_var: str = DEFAULT_TOKEN_ENV_VAR,
        requests_per_second: float = REGISTER_REQUESTS_PER_SECOND,
        max_concurrency: int = 16,
        max_retries: int = 6,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        timeout_s: float = 30.0,
        page_size: int = MAX_PAGE_SIZE,
        seed: int | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError(f"register client: field 'max_concurrency' must be >= 1, got {max_concurrency}")
        if max_retries < 0:
            raise ValueError(f"register client: field 'max_retries' must be >= 0, got {max_retries!r}")
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"register client: field 'page_size' must be in 1..5000, got {page_size}")
        if timeout_s <= 0:
            raise ValueError(f"register client: field 'timeout_s' must be > 0, got {timeout_s!r}")
        self.base_url = require_secure_url(base_url, "base_url").rstrip("/")
        self.token_env_var = token_env_var
        self._token = token
        self.max_concurrency = max_concurrency
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.timeout_s = timeout_s
        self.page_size = page_size
        self.bucket = TokenBucket(requests_per_second)
        self._rng = random.Random(seed)
        self._transport = transport
        self._sleep = sleep  # None: wait on the session's abort event, so an auth failure cuts waits short
        self._stats = FetchStats()
        self._stats_lock = threading.Lock()

    # -- public, synchronous -----------------------------------------------------------------------

    @property
    def stats(self) -> FetchStats:
        """A snapshot of the counters since this client was made."""
        with self._stats_lock:
            return self._stats.copy()

    def resolve_token(self) -> str:
        if self._token:
            return self._token
        token = os.environ.get(self.token_env_var, "").strip()
        if not token:
            raise RegisterAuthError(
                f"no EPC register token: set the environment variable {self.token_env_var} to the Bearer "
                "token from the 'My account' page of get-energy-performance-data.communities.gov.uk"
            )
        return token

    def search_by_uprn(self, uprn: int | str) -> list[SearchHit]:
        value = _validate_uprn(uprn, record="search_by_uprn")
        with self._session() as session:
            return session.search({"uprn": str(value)})

    def search_by_postcode(self, postcode: str) -> list[SearchHit]:
        if not isinstance(postcode, str) or not postcode.strip():
            raise ValueError(
                f"search_by_postcode: field 'postcode' must be a non-empty string, got {postcode!r}"
            )
        with self._session() as session:
            return session.search({"postcode": postcode.strip()})

    def fetch_certificate(self, certificate_number: str) -> dict:
        if not isinstance(certificate_number, str) or not certificate_number.strip():
            raise ValueError(
                "fetch_certificate: field 'certificate_number' must be a non-empty string, "
                f"got {certificate_number!r}"
            )
        with self._session() as session:
            return session.certificate(certificate_number.strip())

    def fetch_portfolio(
        self,
        uprns: Sequence[int],
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[UprnFetch]:
        """Search every UPRN and fetch all its certificates, concurrently under the rate limit.

        Returns one `UprnFetch` per input UPRN, in input order. A UPRN whose requests keep failing gets
        status "error"; an auth failure (401/403, no token) raises `RegisterAuthError` and stops everything.
        """
        values = [_validate_uprn(u, record=f"uprns[{i}]") for i, u in enumerate(uprns)]
        self.resolve_token()  # fail before any traffic when the token is missing
        return self._fetch_portfolio(values, progress)

    # -- internals ---------------------------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[_Session]:
        session = _Session(self, self.resolve_token())
        try:
            yield session
        finally:
            session.close()

    def _fetch_portfolio(
        self, uprns: list[int], progress: Callable[[int, int], None] | None
    ) -> list[UprnFetch]:
        unique = list(dict.fromkeys(uprns))  # a UPRN listed twice is fetched once
        counts: dict[int, int] = {}
        for u in uprns:
            counts[u] = counts.get(u, 0) + 1
        results: dict[int, UprnFetch] = {}
        total = len(uprns)
        done = 0
        with (
            self._session() as session,
            ThreadPoolExecutor(
                max_workers=max(1, min(self.max_concurrency, len(unique))), thread_name_prefix="register"
            ) as pool,
        ):
            pending: set[Future[UprnFetch]] = {pool.submit(session.fetch_uprn, u) for u in unique}
            try:
                while pending:
                    # Wake at least every PROGRESS_POLL_S, so progress is reported while work is outstanding
                    # (waiting for FIRST_EXCEPTION alone returns only when everything is done).
                    finished, pending = wait(pending, timeout=PROGRESS_POLL_S, return_when=FIRST_EXCEPTION)
                    for future in finished:
                        result = future.result()  # re-raises RegisterAuthError
                        results[result.uprn] = result
                        done += counts[result.uprn]
                    # Progress from the calling thread, so a Dagster logger is never called concurrently; the
                    # callback decides whether a line is due (ara_assets/resources/register/progress.py).
                    if progress is not None:
                        progress(done, total)
            except BaseException:
                session.abort()
                for future in pending:
                    future.cancel()
                raise
        return [results[u] for u in uprns]

    def _note_response(self, status: int) -> None:
        with self._stats_lock:
            self._stats.requests += 1
            self._stats.by_status[status] = self._stats.by_status.get(status, 0) + 1

    def _note_transport_error(self) -> None:
        with self._stats_lock:
            self._stats.requests += 1
            self._stats.transport_errors += 1

    def _note_retry(self, wait_s: float) -> None:
        with self._stats_lock:
            self._stats.retries += 1
            self._stats.waits_s.append(wait_s)


class _Session:
    """One fetch's worth of client state: the pooled `httpx.Client` and the abort flag."""

    def __init__(self, client: RegisterClient, token: str) -> None:
        self.client = client
        self._aborted = threading.Event()
        self._http = httpx.Client(
            base_url=client.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(client.timeout_s),
            limits=httpx.Limits(
                max_connections=client.max_concurrency, max_keepalive_connections=client.max_concurrency
            ),
            transport=client._transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def abort(self) -> None:
        """Stop every worker at its next request or wait (after an auth failure elsewhere)."""
        self._aborted.set()

    def _sleep(self, seconds: float) -> None:
        if self.client._sleep is not None:
            self.client._sleep(seconds)
        elif seconds > 0:
            self._aborted.wait(seconds)

    # -- endpoints ---------------------------------------------------------------------------------

    def search(self, params: dict[str, str]) -> list[SearchHit]:
        """Every hit of a domestic search, all pages, in the register's order (newest first)."""
        hits: list[SearchHit] = []
        seen: set[str] = set()
        page = 1
        while True:
            query = {**params, "page_size": str(self.client.page_size), "current_page": str(page)}
            response = self.get(SEARCH_PATH, query)
            if response.status_code == 404:
                require_register_not_found(response, self.client.base_url)
                if page == 1:
                    return []  # "No certificates could be found"
                break  # the result set shrank under us; what we have is all there is
            body = json_body(response)
            rows = body.get("data") if isinstance(body, dict) else None
            pagination = body.get("pagination") if isinstance(body, dict) else None
            if not isinstance(rows, list) or not isinstance(pagination, dict):
                raise RegisterRequestError(
                    f"GET {response.request.url}: expected a 'data' list and a 'pagination' object, "
                    f"got {body!r:.200}",
                    url=str(response.request.url),
                    status=response.status_code,
                )
            for row in rows:
                hit = SearchHit.from_api(row)
                # Pages are LIMIT/OFFSET over a live table, so a new lodgement can repeat a row across pages.
                if hit.certificate_number not in seen:
                    seen.add(hit.certificate_number)
                    hits.append(hit)
            next_page = pagination.get("nextPage")
            if not next_page or not rows:
                break
            page = int(next_page)
        return hits

    def certificate(self, certificate_number: str) -> dict:
        response = self.get(CERTIFICATE_PATH, {"certificate_number": certificate_number})
        url = str(response.request.url)
        if response.status_code == 404:
            require_register_not_found(response, self.client.base_url)
            raise CertificateNotFoundError(
                f"certificate {certificate_number}: not found (GET {url} -> 404)", url=url, status=404
            )
        body = json_body(response)
        document = body.get("data") if isinstance(body, dict) else None
        if not isinstance(document, dict):
            raise RegisterRequestError(
                f"certificate {certificate_number}: GET {url}: expected a 'data' object, got {body!r:.200}",
                url=url,
                status=response.status_code,
            )
        return document

    def fetch_uprn(self, uprn: int) -> UprnFetch:
        try:
            hits = self.search({"uprn": str(uprn)})
            if not hits:
                return UprnFetch(uprn=uprn, status="no_certificate", certificates=[], error=None)
            # One at a time within a UPRN: most have one to three certificates, and the portfolio's
            # max_concurrency workers already keep that many requests in flight.
            documents = [self.certificate(h.certificate_number) for h in hits]
            return UprnFetch(uprn=uprn, status="found", certificates=documents, error=None)
        except (RegisterAuthError, RegisterConfigError):
            raise
        except RegisterRequestError as exc:
            return UprnFetch(uprn=uprn, status="error", certificates=[], error=f"UPRN {uprn}: {exc}")
        except ValueError as exc:  # a malformed search row
            return UprnFetch(uprn=uprn, status="error", certificates=[], error=f"UPRN {uprn}: {exc}")

    # -- transport with retries --------------------------------------------------------------------

    def get(self, path: str, params: dict[str, str]) -> httpx.Response:
        """GET under the rate limit, with retries. Returns 2xx and 404 responses; raises otherwise."""
        c = self.client
        url = str(self._http.build_request("GET", path, params=params).url)
        last = "no attempt"
        last_status: int | None = None
        for attempt in range(c.max_retries + 1):
            if self._aborted.is_set():
                raise RegisterAuthError("fetch aborted: another request of this fetch was refused")
            c.bucket.acquire(self._sleep)
            retry_after: float | None = None
            try:
                response = self._http.get(path, params=params)
            except httpx.UnsupportedProtocol as exc:  # a base_url typo: no retry can fix it
                raise RegisterRequestError(f"GET {url}: {exc}", url=url, status=None) from None
            except httpx.TransportError as exc:  # timeouts, refused or dropped connections
                c._note_transport_error()
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                last_status = None
            else:
                status = response.status_code
                c._note_response(status)
                if status in (401, 403):
                    source = "given to the client" if c._token else f"in ${c.token_env_var}"
                    raise RegisterAuthError(
                        f"EPC register refused the token (GET {url} -> {status}): the token {source} "
                        "is missing, invalid or revoked"
                    )
                if 200 <= status < 300 or status == 404:
                    return response
                if not is_retryable_status(status):
                    raise RegisterRequestError(
                        f"GET {url} -> {status}: {response.text[:300]}", url=url, status=status
                    )
                last = f"status {status}"
                last_status = status
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt == c.max_retries:
                break
            wait = backoff_delay(
                attempt, base_s=c.backoff_base_s, max_s=c.backoff_max_s, retry_after_s=retry_after, rng=c._rng
            )
            c._note_retry(wait)
            self._sleep(wait)
        raise RegisterRequestError(
            f"GET {url} failed after {c.max_retries + 1} attempts; last {last}", url=url, status=last_status
        )


def json_body(response: httpx.Response) -> Any:
    """The JSON body, or a `RegisterRequestError` naming the URL, the status and the start of the body."""
    try:
        return response.json()
    except ValueError:
        raise RegisterRequestError(
            f"GET {response.request.url} -> {response.status_code}: body is not JSON: "
            f"{response.text[:200]!r}",
            url=str(response.request.url),
            status=response.status_code,
        ) from None


def require_register_not_found(response: httpx.Response, base_url: str) -> None:
    """A 404 is the register's "nothing found" only with its JSON error body (`{"error": ...}` on search,
    `{"data": {"error": ...}}` on certificates); any other 404 means the URL points somewhere else."""
    try:
        body = response.json()
    except ValueError:
        body = None
    inner = body.get("data") if isinstance(body, dict) else None
    if isinstance(body, dict) and ("error" in body or (isinstance(inner, dict) and "error" in inner)):
        return
    raise RegisterConfigError(
        f"the register URL {base_url} looks wrong: GET {response.request.url} answered 404 without the "
        f"register's 'not found' body (got {response.text[:120]!r}); check epc_register.base_url"
    )


# ----------------------------------------------------------------------------------------------------
# Dagster resource


class EpcRegisterClient(dg.ConfigurableResource):
    """The EPC register for Dagster assets: config in, a `RegisterClient` underneath.

    The Bearer token is never config: it is read from `token_env_var` when a request is made. An unset
    `base_url` or `requests_per_second` is resolved when the client is first built (in the run), from
    ARA_REGISTER_URL and ARA_REGISTER_RPS (`ara_assets.settings`), else the real register at 20 requests/s.
    """

    base_url: str | None = Field(
        default=None, description="Register base URL; unset: ARA_REGISTER_URL, else the real register API."
    )
    token_env_var: str = DEFAULT_TOKEN_ENV_VAR
    requests_per_second: float | None = Field(
        default=None,
        description="Requests per second (0: no ceiling); unset: ARA_REGISTER_RPS, else 20 (the register's).",
    )
    max_concurrency: int = 16
    max_retries: int = 6
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    timeout_s: float = 30.0

    _client: RegisterClient | None = PrivateAttr(default=None)

    def get_client(self) -> RegisterClient:
        # Built lazily and kept, so that the token bucket is shared by every call of one run.
        if self._client is None:
            rps = self.requests_per_second
            self._client = RegisterClient(
                base_url=self.base_url or register_url(),
                token_env_var=self.token_env_var,
                requests_per_second=register_requests_per_second() if rps is None else rps,
                max_concurrency=self.max_concurrency,
                max_retries=self.max_retries,
                backoff_base_s=self.backoff_base_s,
                backoff_max_s=self.backoff_max_s,
                timeout_s=self.timeout_s,
            )
        return self._client

    def search_by_uprn(self, uprn: int | str) -> list[SearchHit]:
        return self.get_client().search_by_uprn(uprn)

    def search_by_postcode(self, postcode: str) -> list[SearchHit]:
        return self.get_client().search_by_postcode(postcode)

    def fetch_certificate(self, certificate_number: str) -> dict:
        return self.get_client().fetch_certificate(certificate_number)

    def fetch_portfolio(
        self,
        uprns: Sequence[int],
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[UprnFetch]:
        return self.get_client().fetch_portfolio(uprns, progress=progress)
