"""Scoring endpoints: the in-process SAP 10.2 calculator, or a remote model fed with versioned features.

`ScoringEndpoint` is the Dagster resource `property_baseline` scores with (resource key `scoring`):

- `mode="in_process"` (the default): `ara_assets.baseline.performance.score_effective`.
- `mode="auto"` (what `ara_assets.definitions` binds): http to ARA_SCORING_URL when that is set in the
  environment of the run, with the token in ARA_SCORING_TOKEN; else in_process. Resolved at set-up (or on
  first use outside Dagster), never at import.
- `mode="http"`: a remote endpoint. At start-up (`setup_for_execution`) the client reads `GET {url}/version`
  and fails the run before any work when the endpoint's feature transform has another major version than
  `FEATURE_TRANSFORM_VERSION`. `score` then posts the features of `ara_assets.baseline.features` in batches
  to `POST {url}/score`, validates each answer and assembles a frame of exactly `CALCULATED_SCHEMA`.

The wire contract (JSON, both ways) is in docs/adr/0009-remote-scoring-endpoints.md. `ScoringClient` is the
plain httpx client under the resource, usable from scripts without Dagster.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import dagster as dg
import httpx
import numpy as np
import polars as pl
from pydantic import Field, PrivateAttr

from ara_assets.baseline.features import (
    FEATURE_TRANSFORM_VERSION,
    FeatureSchemaError,
    build_features,
    is_compatible,
    parse_version,
)
from ara_assets.baseline.performance import CALCULATED_SCHEMA, score_effective, score_expanded
from ara_assets.epc.bands import band_expr
from ara_assets.modelling.sap_inputs import refresh, split_homes
from ara_assets.resources.http_retry import backoff_delay, parse_retry_after
from ara_assets.resources.pcdb import install_from_home
from ara_assets.resources.url_policy import require_secure_url
from ara_assets.settings import SCORING_TOKEN_ENV_VAR, apply_process_settings, scoring_url, worker_processes

VERSION_PATH = "/version"
SCORE_PATH = "/score"
RETRYABLE_STATUS = (429, 500, 502, 503, 504)

# Figures an endpoint may return, with the range a sane answer lies in. The ranges are wide on purpose:
# they catch unit slips (Wh for kWh, kg for tonnes) and garbage, not unusual homes. SAP ratings go below 1
# and above 100 before the (258) clamp, and net exporters of PV have negative CO2 and primary energy.
_KWH_MAX = 1e7
RETURNED_RANGES: dict[str, tuple[float, float]] = {
    "calculated_sap_rating": (-1000.0, 1000.0),
    "calculated_ei_rating": (-1000.0, 1000.0),
    "calculated_co2_t_per_year": (-1000.0, 1000.0),
    "calculated_primary_energy_kwh_per_m2": (-1e5, 1e5),
    "space_heating_kwh": (0.0, _KWH_MAX),
    "water_heating_kwh": (0.0, _KWH_MAX),
    "main_space_heating_fuel_kwh": (0.0, _KWH_MAX),
    "main_2_space_heating_fuel_kwh": (0.0, _KWH_MAX),
    "secondary_space_heating_fuel_kwh": (0.0, _KWH_MAX),
    "water_heating_fuel_kwh": (0.0, _KWH_MAX),
    "electric_shower_electricity_kwh": (0.0, _KWH_MAX),
    "pumps_fans_electricity_kwh": (0.0, _KWH_MAX),
    "lighting_electricity_kwh": (0.0, _KWH_MAX),
    "appliances_electricity_kwh": (0.0, _KWH_MAX),
    "cooking_electricity_kwh": (0.0, _KWH_MAX),
    "cooling_electricity_kwh": (0.0, _KWH_MAX),
    "pv_generated_kwh": (0.0, _KWH_MAX),
    "pv_used_in_dwelling_kwh": (0.0, _KWH_MAX),
    "pv_exported_kwh": (0.0, _KWH_MAX),
    "primary_energy_kwh_local": (-_KWH_MAX, _KWH_MAX),
}
# Every home that is not refused must carry these.
REQUIRED_FIGURES = (
    "calculated_sap_rating",
    "calculated_co2_t_per_year",
    "calculated_primary_energy_kwh_per_m2",
)
# Fuel codes the endpoint may state (the fuel its delivered energy is in); else taken from the features.
RETURNED_FUELS = ("main_heating_fuel", "main_heating_2_fuel", "secondary_heating_fuel", "water_heating_fuel")
# What the score was computed with, optional: approximation codes joined by ";" (our calculator's codes,
# ara_assets/sap10/tables/approximations.csv) and the PCDB revision products were looked up in.
RETURNED_PROVENANCE: dict[str, type] = {"approximations": str, "pcdb_revision": int}
# Columns of CALCULATED_SCHEMA that describe the home rather than score it: copied from the features.
_FROM_FEATURES = {
    "total_floor_area_m2": "total_floor_area_m2",
    "pcdb_fallback": "pcdb_fallback",
    "main_heating_code": "main_heating_code",
    "meter_type": "meter_type",
    "local_climate_region": "local_climate_region",
    **{fuel: fuel for fuel in RETURNED_FUELS},
}


class ScoringError(Exception):
    """A scoring endpoint that failed or answered something unusable."""


class TransformVersionMismatch(ScoringError):
    """The endpoint expects features of another major transform version: scores would be meaningless."""


@dataclass(frozen=True)
class EndpointVersion:
    """What `GET /version` declares."""

    transform_version: str
    model: str | None = None
    model_version: str | None = None


def check_transform_version(declared: str, *, url: str) -> None:
    """Raise `TransformVersionMismatch` unless a model of transform `declared` can be fed our features:
    same major version, and its minor version not newer than ours. The message names both versions."""
    try:
        compatible = is_compatible(declared)
    except FeatureSchemaError as exc:
        raise TransformVersionMismatch(
            f"scoring endpoint {url}: field 'transform_version' has value {declared!r}, not MAJOR.MINOR.PATCH"
        ) from exc
    if compatible:
        return
    ours = parse_version(FEATURE_TRANSFORM_VERSION)
    if parse_version(declared)[0] != ours[0]:
        why = f"major versions {parse_version(declared)[0]} and {ours[0]} differ"
    else:
        why = f"the endpoint expects columns added after {FEATURE_TRANSFORM_VERSION}"
    raise TransformVersionMismatch(
        f"scoring endpoint {url} declares feature transform {declared}, but this code sends "
        f"{FEATURE_TRANSFORM_VERSION}: {why}. Deploy a model trained on transform {ours[0]}.x with x <= "
        f"{ours[1]}, upgrade Ara, or run with mode='in_process'."
    )


class ScoringClient:
    """httpx client of one scoring endpoint: the version check and batched scoring with retries."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout_s: float = 60.0,
        batch_size: int = 5000,
        max_retries: int = 4,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not url or not url.startswith(("http://", "https://")):
            raise ScoringError(f"scoring endpoint: field 'url' must be an http(s) URL, got {url!r}")
        try:
            require_secure_url(url, "url")
        except ValueError as exc:
            raise ScoringError(f"scoring endpoint: {exc}") from None
        if batch_size < 1:
            raise ScoringError(f"scoring endpoint: field 'batch_size' must be >= 1, got {batch_size!r}")
        if max_retries < 0:
            raise ScoringError(f"scoring endpoint: field 'max_retries' must be >= 0, got {max_retries!r}")
        self.url = url.rstrip("/")
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self.retries = 0  # retried requests over the client's life (for metadata and tests)
        self._sleep = sleep
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(timeout=timeout_s, headers=headers, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ScoringClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------------------------------------- requests

    def _request(self, method: str, path: str, *, what: str, content: bytes | None = None) -> Any:
        """One request with retries on 429/5xx/timeouts/transport errors; the JSON body of the answer."""
        url = f"{self.url}{path}"
        headers = {"Content-Type": "application/json"} if content is not None else None
        for attempt in range(self.max_retries + 1):
            retry_after: float | None = None
            try:
                response = self._http.request(method, url, content=content, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    try:
                        return response.json()
                    except ValueError as exc:
                        raise ScoringError(f"{what}: {method} {url} answered 200 with a body that is not "
                                           f"JSON ({exc}): {response.text[:200]!r}") from exc  # fmt: skip
                if response.status_code not in RETRYABLE_STATUS:
                    raise ScoringError(
                        f"{what}: {method} {url} answered {response.status_code}: {response.text[:300]!r}"
                    )
                failure = f"status {response.status_code}"
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if attempt == self.max_retries:
                raise ScoringError(f"{what}: {method} {url} failed after {attempt + 1} attempts ({failure})")
            self.retries += 1
            self._sleep(
                backoff_delay(
                    attempt, base_s=self.backoff_base_s, max_s=self.backoff_max_s, retry_after_s=retry_after
                )
            )
        raise AssertionError("unreachable")  # the loop returns or raises

    def version(self) -> EndpointVersion:
        """`GET /version`: the endpoint's declared transform version (and model, if it says)."""
        body = self._request("GET", VERSION_PATH, what="scoring endpoint version check")
        declared = body.get("transform_version") if isinstance(body, dict) else None
        if not isinstance(declared, str):
            raise ScoringError(
                f"scoring endpoint {self.url}{VERSION_PATH}: field 'transform_version' must be a string, "
                f"got {declared!r}"
            )
        model, model_version = body.get("model"), body.get("model_version")
        return EndpointVersion(
            declared,
            model if isinstance(model, str) else None,
            model_version if isinstance(model_version, str) else None,
        )

    def check_version(self) -> EndpointVersion:
        """The version check of start-up: raises `TransformVersionMismatch` on another major version."""
        declared = self.version()
        check_transform_version(declared.transform_version, url=self.url)
        return declared

    # -------------------------------------------------------------------------------------------- scoring

    def score(self, effective: pl.DataFrame) -> pl.DataFrame:
        """`CALCULATED_SCHEMA` for every property of `effective` with a document, scored by the endpoint.

        Homes the feature transform refuses are not sent; their `calculation_error` is the expansion's
        message, as in the in-process path.
        """
        features = build_features(effective)
        frame = features.frame
        parts = [
            self._score_batch(frame.slice(start, self.batch_size), start // self.batch_size)
            for start in range(0, frame.height, self.batch_size)
        ]
        scored = pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=_RETURNED_SCHEMA)
        return assemble_calculated(frame, scored, features.refused)

    def _score_batch(self, batch: pl.DataFrame, number: int) -> pl.DataFrame:
        # write_json gives the records in one pass in Rust; the envelope is spliced around it.
        body = (
            f'{{"transform_version": {json.dumps(FEATURE_TRANSFORM_VERSION)}, "batch": {number}, '
            f'"records": {batch.write_json()}}}'
        ).encode()
        answer = self._request("POST", SCORE_PATH, what=f"scoring batch {number}", content=body)
        return parse_score_response(answer, batch["property_id"].to_list(), batch=number, url=self.url)


_RETURNED_SCHEMA: dict[str, pl.DataType] = {
    "property_id": pl.Int64(),
    **{name: pl.Float64() for name in RETURNED_RANGES},
    **{name: pl.Int32() for name in RETURNED_FUELS},
    "approximations": pl.String(),
    "pcdb_revision": pl.Int32(),
    "calculation_error": pl.String(),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_score_response(answer: Any, sent: Sequence[int], *, batch: int, url: str) -> pl.DataFrame:
    """Validate one `POST /score` answer against the batch that was sent; a frame of `_RETURNED_SCHEMA`.

    Refuses (naming the batch, the property and the field): a body without a `results` list, a result
    that is not an object, a property id that was not sent or comes twice, a sent property with no
    result, a figure that is not a finite number in range, a missing required figure on a home that
    is not refused, a fuel code that is not an integer, an error that is not a string.
    """
    where = f"scoring endpoint {url}, batch {batch}"
    if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        raise ScoringError(f"{where}: the answer must be an object with a 'results' list")
    declared = answer.get("transform_version")
    if declared is not None:
        check_transform_version(declared, url=url)
    results: list[Any] = answer["results"]
    for i, r in enumerate(results):
        if not isinstance(r, dict):
            raise ScoringError(f"{where}: result #{i} is not an object: {r!r}")
    ids = [r.get("property_id") for r in results]
    for i, pid in enumerate(ids):
        if not isinstance(pid, int) or isinstance(pid, bool):
            raise ScoringError(f"{where}: result #{i}: field 'property_id' has value {pid!r}, not an integer")
    sent_set = set(sent)
    seen: set[int] = set()
    for pid in ids:
        if pid not in sent_set:
            raise ScoringError(f"{where}: property {pid}: a result for a property that was not sent")
        if pid in seen:
            raise ScoringError(f"{where}: property {pid}: more than one result")
        seen.add(pid)
    missing = [pid for pid in sent if pid not in seen]
    if missing:
        raise ScoringError(
            f"{where}: property {missing[0]}: no result "
            f"({len(missing)} of {len(sent)} sent properties missing)"
        )

    columns: dict[str, Any] = {"property_id": ids}
    errors = [r.get("calculation_error") for r in results]
    for pid, e in zip(ids, errors, strict=True):
        if e is not None and not isinstance(e, str):
            raise ScoringError(
                f"{where}: property {pid}: field 'calculation_error' has value {e!r}, not a string"
            )
    columns["calculation_error"] = errors
    refused = np.array([e is not None for e in errors], dtype=bool)
    for name, (low, high) in RETURNED_RANGES.items():
        raw = [r.get(name) for r in results]
        for pid, v in zip(ids, raw, strict=True):
            if v is not None and not _is_number(v):
                raise ScoringError(f"{where}: property {pid}: field {name!r} has value {v!r}, not a number")
        values = np.array([math.nan if v is None else float(v) for v in raw], dtype=np.float64)
        present = np.array([v is not None for v in raw], dtype=bool)
        bad = present & ~(np.isfinite(values) & (values >= low) & (values <= high))
        if bad.any():
            i = int(np.argmax(bad))
            raise ScoringError(
                f"{where}: property {ids[i]}: field {name!r} has value {raw[i]!r}, "
                f"outside [{low:g}, {high:g}]"
            )
        if name in REQUIRED_FIGURES:
            lacking = ~present & ~refused
            if lacking.any():
                i = int(np.argmax(lacking))
                raise ScoringError(
                    f"{where}: property {ids[i]}: field {name!r} is missing (required unless "
                    "'calculation_error' says why)"
                )
        columns[name] = raw
    for name in RETURNED_FUELS:
        raw = [r.get(name) for r in results]
        for pid, v in zip(ids, raw, strict=True):
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 99):
                raise ScoringError(
                    f"{where}: property {pid}: field {name!r} has value {v!r}, not a Table 12 fuel code"
                )
        columns[name] = raw
    for name, kind in RETURNED_PROVENANCE.items():
        raw = [r.get(name) for r in results]
        for pid, v in zip(ids, raw, strict=True):
            if v is not None and (not isinstance(v, kind) or isinstance(v, bool)):
                raise ScoringError(
                    f"{where}: property {pid}: field {name!r} has value {v!r}, not {kind.__name__}"
                )
        columns[name] = raw
    return pl.DataFrame(columns, schema=_RETURNED_SCHEMA)


def assemble_calculated(features: pl.DataFrame, scored: pl.DataFrame, refused: pl.DataFrame) -> pl.DataFrame:
    """Endpoint figures + the features' descriptive columns + refused homes -> exactly `CALCULATED_SCHEMA`.

    As in `score_effective`, a home with a `calculation_error` keeps only its id and the error. Energy
    columns the endpoint did not return stay null; a fuel it did not state comes from the features.
    """
    described = features.select(
        "property_id", *[pl.col(src).alias(f"_f_{dst}") for dst, src in _FROM_FEATURES.items()]
    )
    joined = scored.join(described, on="property_id", how="left")
    # (258) of SAP 10.2: the integer rating is the rounded rating, at least 1.
    rating_int = pl.max_horizontal(pl.col("calculated_sap_rating").add(0.5).floor(), pl.lit(1.0)).cast(
        pl.Int64
    )
    ok = joined.with_columns(
        rating_int.alias("calculated_sap_rating_int"),
        *[
            (pl.coalesce(dst, f"_f_{dst}") if dst in RETURNED_FUELS else pl.col(f"_f_{dst}")).alias(dst)
            for dst in _FROM_FEATURES
        ],
    ).with_columns(band_expr(pl.col("calculated_sap_rating_int")).alias("calculated_band"))
    failed_by_endpoint = ok.filter(pl.col("calculation_error").is_not_null()).select(
        "property_id", "calculation_error"
    )
    ok = ok.filter(pl.col("calculation_error").is_null())
    failed = pl.concat(
        [failed_by_endpoint, refused.select("property_id", pl.col("error").alias("calculation_error"))],
        how="vertical",
    )
    out = pl.concat([ok, failed], how="diagonal_relaxed")
    return out.select(
        [
            pl.col(c).cast(t) if c in out.columns else pl.lit(None, t).alias(c)
            for c, t in CALCULATED_SCHEMA.items()
        ]
    ).sort("property_id")


# --------------------------------------------------------------------------------------------------------
# The resource


class ScoringEndpoint(dg.ConfigurableResource):
    """Scores effective EPCs: the in-process SAP 10.2 calculator (default) or a remote HTTP endpoint.

    In http mode the endpoint's declared feature transform version is checked in `setup_for_execution`, so a
    run against an incompatible model fails at start-up, before any asset does work. In either mode the
    set-up installs the PCDB snapshot under ARA_HOME (`ara pcdb import`) for the in-process scores of the run.
    """

    mode: Literal["in_process", "http", "auto"] = Field(
        default="in_process",
        description="in_process: the SAP 10.2 calculator; http: a remote endpoint; auto: http to "
        "ARA_SCORING_URL when it is set in the run's environment, else in_process.",
    )
    url: str | None = Field(
        default=None, description="Base URL of the endpoint (http mode; auto mode: ARA_SCORING_URL)."
    )
    token_env_var: str | None = Field(
        default=None,
        description="Environment variable holding a Bearer token for the endpoint, if any (auto mode with "
        "the URL from ARA_SCORING_URL: ARA_SCORING_TOKEN).",
    )
    timeout_s: float = Field(default=60.0, description="Per-request timeout, seconds.")
    batch_size: int = Field(default=5000, description="Homes per POST /score request.")
    max_retries: int = Field(default=4, description="Retries on 429, 5xx and timeouts (exponential backoff).")
    backoff_base_s: float = Field(default=0.5, description="First backoff ceiling, seconds (doubles).")
    backoff_max_s: float = Field(default=30.0, description="Largest backoff, seconds.")

    _client: ScoringClient | None = PrivateAttr(default=None)
    _declared: EndpointVersion | None = PrivateAttr(default=None)

    def _endpoint(self) -> tuple[str | None, str | None]:
        """The URL and token variable to use, auto mode resolved from the environment now."""
        if self.mode != "auto" or self.url:
            return self.url, self.token_env_var
        url = scoring_url()
        return url, (self.token_env_var or SCORING_TOKEN_ENV_VAR) if url else self.token_env_var

    def resolved_mode(self) -> Literal["in_process", "http"]:
        """The mode a run scores in: auto mode is http when an endpoint URL is known now."""
        if self.mode == "auto":
            return "http" if self._endpoint()[0] else "in_process"
        return self.mode

    def _build_client(self) -> ScoringClient:
        url, token_env_var = self._endpoint()
        if not url:
            raise ScoringError("scoring endpoint: mode 'http' needs field 'url', got None")
        token = None
        if token_env_var:
            token = os.environ.get(token_env_var, "").strip()
            if not token:
                raise ScoringError(
                    f"scoring endpoint {url}: the environment variable {token_env_var} "
                    "(field 'token_env_var') is not set"
                )
        return ScoringClient(
            url,
            token=token,
            timeout_s=self.timeout_s,
            batch_size=self.batch_size,
            max_retries=self.max_retries,
            backoff_base_s=self.backoff_base_s,
            backoff_max_s=self.backoff_max_s,
        )

    def _connect(self) -> ScoringClient:
        client = self._build_client()
        try:
            self._declared = client.check_version()
        except BaseException:
            client.close()
            raise
        self._client = client
        return client

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # The PCDB imported with `ara pcdb import` (snapshot under ARA_HOME): product look-ups with no flag,
        # in either mode (the measures and predictions of the run are scored in this process whatever the
        # baseline's mode).
        revision = install_from_home()
        if context.log is not None and revision is not None:
            context.log.info(f"in-process SAP scores use the imported PCDB, revision {revision}")
        if self.resolved_mode() != "http":
            apply_process_settings()  # the in-process worksheet runs in this process
            return
        client = self._connect()  # raises TransformVersionMismatch: the run stops here, before any asset runs
        if context.log is not None and self._declared is not None:
            context.log.info(
                f"scoring endpoint {client.url}: transform {self._declared.transform_version} "
                f"(ours {FEATURE_TRANSFORM_VERSION}), model {self._declared.model} "
                f"{self._declared.model_version}"
            )

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    @property
    def declared_version(self) -> EndpointVersion | None:
        """What the endpoint declared at start-up (http mode), else None."""
        return self._declared

    def score(self, effective: pl.DataFrame, sap_inputs: pl.DataFrame | None = None) -> pl.DataFrame:
        """Exactly `CALCULATED_SCHEMA`, one row per property of `effective` with a document.

        sap_inputs: the `sap_inputs` asset's rows (in-process mode scores them instead of expanding the
        documents again; a home whose row is missing or older than its document is expanded now)."""
        if self.resolved_mode() == "in_process":
            # the expansion over ARA_WORKERS processes (ara_assets/forked.py): identical results
            if sap_inputs is None:
                return score_effective(effective, workers=worker_processes())
            rows, _ = refresh(effective, sap_inputs, workers=worker_processes())
            inputs, _, refused = split_homes(rows)
            return score_expanded(inputs, refused)
        # Outside Dagster (a script) there was no setup: connect, and so check the version, now.
        client = self._client or self._connect()
        return client.score(effective)


def describe_contract() -> Mapping[str, Any]:
    """The response fields a scoring endpoint may return, with their ranges (for docs and stub servers)."""
    return {
        "required": list(REQUIRED_FIGURES),
        "ranges": dict(RETURNED_RANGES),
        "fuels": list(RETURNED_FUELS),
        "error_field": "calculation_error",
    }
