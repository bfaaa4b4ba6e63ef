"""ScoringEndpoint: the in-process default, and the HTTP path against a stub endpoint on loopback.

The stub implements the endpoint contract of docs/adr/0009-remote-scoring-endpoints.md with the in-process
calculator: it holds the test's effective EPC frame, checks that the features posted for each home are the
ones `feature_frame` gives for that home's document, and answers with `score_effective`'s figures. So the
HTTP path (features on the wire, batching, validation, assembly) can be compared with in-process results.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
import httpx
import polars as pl
import pytest
import uvicorn
from polars.testing import assert_frame_equal
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ara_assets.baseline.features import FEATURE_TRANSFORM_VERSION, FRAME_SCHEMA, feature_frame, is_compatible
from ara_assets.baseline.performance import CALCULATED_SCHEMA, score_effective
from ara_assets.resources.scoring import (
    RETURNED_FUELS,
    RETURNED_PROVENANCE,
    RETURNED_RANGES,
    ScoringClient,
    ScoringEndpoint,
    ScoringError,
    TransformVersionMismatch,
    parse_score_response,
)
from ara_assets_tests.baseline.test_features import generated_effective

TOKEN = "stub-token"


# ------------------------------------------------------------------------------------------------ the stub


@dataclass
class StubState:
    effective: pl.DataFrame
    transform_version: str = FEATURE_TRANSFORM_VERSION
    token: str | None = None
    faults: list[int] = field(default_factory=list)  # statuses answered, in turn, before real answers
    omit: tuple[str, ...] = ()  # figures the endpoint does not return
    corrupt: Callable[[list[dict[str, Any]]], Any] | None = None  # rewrites the results of batch 0
    posts: list[int] = field(default_factory=list)  # batch number of every POST /score received
    batch_sizes: list[int] = field(default_factory=list)


def stub_app(state: StubState) -> Starlette:
    def authorised(request: Request) -> bool:
        return state.token is None or request.headers.get("authorization") == f"Bearer {state.token}"

    async def version(request: Request) -> Response:
        if not authorised(request):
            return JSONResponse({"detail": "unauthorised"}, status_code=401)
        return JSONResponse(
            {"transform_version": state.transform_version, "model": "sap10-stub", "model_version": "0"}
        )

    async def score(request: Request) -> Response:
        if not authorised(request):
            return JSONResponse({"detail": "unauthorised"}, status_code=401)
        body = await request.json()
        state.posts.append(body["batch"])
        if state.faults:
            return JSONResponse(
                {"detail": "injected"}, status_code=state.faults.pop(0), headers={"Retry-After": "0"}
            )
        if not is_compatible(state.transform_version, body["transform_version"]):
            return JSONResponse({"detail": f"transform {body['transform_version']}"}, status_code=422)
        posted = pl.DataFrame(body["records"], schema=FRAME_SCHEMA, orient="row")
        state.batch_sizes.append(posted.height)
        homes = state.effective.filter(pl.col("property_id").is_in(posted["property_id"].implode()))
        # The posted features must be exactly what the transform gives for these homes' documents.
        try:
            assert_frame_equal(posted, feature_frame(homes), check_exact=True)
        except AssertionError as exc:
            return JSONResponse({"detail": f"features differ: {exc}"}, status_code=422)
        calculated = score_effective(homes)
        returned = (*RETURNED_RANGES, *RETURNED_FUELS, *RETURNED_PROVENANCE)
        keep = ["property_id", *[c for c in returned if c not in state.omit]]
        results = calculated.select(*keep, "calculation_error").to_dicts()
        if state.corrupt is not None and body["batch"] == 0:
            results = state.corrupt(results)
        return JSONResponse({"transform_version": state.transform_version, "results": results})

    return Starlette(routes=[Route("/version", version), Route("/score", score, methods=["POST"])])


@contextmanager
def serve(state: StubState) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(stub_app(state), log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "stub server did not start"
        thread.join(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _with_refusals(effective: pl.DataFrame) -> pl.DataFrame:
    """Generated certificates all score now (issue 13): lodge one park home (refused by the expansion) and
    one unknown control code (refused by the worksheet), so both refusal kinds are exercised."""
    import json

    rows = effective.filter(pl.col("document").is_not_null()).head(2).to_dicts()
    docs = {}
    for r, change in zip(rows, ({"property_type": 4}, {"control": 2999}), strict=True):
        doc = json.loads(r["document"])
        data = doc.get("data", doc)
        if "control" in change:
            data["sap_heating"]["main_heating_details"][0]["main_heating_control"] = change["control"]
        else:
            data.update(change)
        docs[r["property_id"]] = json.dumps(doc)
    return (
        effective.with_columns(
            pl.col("property_id").replace_strict(docs, default=None, return_dtype=pl.String).alias("_doc")
        )
        .with_columns(pl.coalesce("_doc", "document").alias("document"))
        .drop("_doc")
    )


@pytest.fixture(scope="module")
def effective() -> pl.DataFrame:
    return _with_refusals(generated_effective(120, 5))


@pytest.fixture(scope="module")
def in_process(effective: pl.DataFrame) -> pl.DataFrame:
    return score_effective(effective)


def _resource(url: str, **kwargs: Any) -> ScoringEndpoint:
    # Tiny backoff: retries in tests should not wait.
    return ScoringEndpoint(mode="http", url=url, backoff_base_s=0.001, backoff_max_s=0.01, **kwargs)


# ------------------------------------------------------------------------------------------------ tests


def test_in_process_mode_is_the_calculator(effective, in_process):
    out = ScoringEndpoint().score(effective)
    assert ScoringEndpoint().mode == "in_process"
    assert_frame_equal(out, in_process, check_exact=True)
    assert out.schema == pl.Schema(CALCULATED_SCHEMA)


def test_http_mode_matches_in_process_across_batches(effective, in_process, monkeypatch):
    monkeypatch.setenv("ARA_TEST_SCORING_TOKEN", TOKEN)
    state = StubState(effective, token=TOKEN)
    with serve(state) as url:
        resource = _resource(url, batch_size=40, token_env_var="ARA_TEST_SCORING_TOKEN")
        out = resource.score(effective)
    assert out.schema == pl.Schema(CALCULATED_SCHEMA)
    n_features = feature_frame(effective).height
    assert sorted(state.posts) == list(range(-(-n_features // 40)))
    assert sum(state.batch_sizes) == n_features and max(state.batch_sizes) == 40
    assert_frame_equal(out, in_process, rel_tol=1e-9, abs_tol=1e-9)
    # Both refusal kinds reach calculation_error: the expansion's (never sent) and the worksheet's.
    assert out["calculation_error"].null_count() < out.height
    assert resource.declared_version is not None and resource.declared_version.model == "sap10-stub"


def test_missing_token_fails_before_any_request(effective, monkeypatch):
    monkeypatch.delenv("ARA_TEST_SCORING_TOKEN", raising=False)
    state = StubState(effective)
    with serve(state) as url, pytest.raises(ScoringError, match="ARA_TEST_SCORING_TOKEN"):
        _resource(url, token_env_var="ARA_TEST_SCORING_TOKEN").score(effective)
    assert state.posts == []


def test_figures_the_endpoint_does_not_return_stay_null(effective, in_process):
    omit = ("cooling_electricity_kwh", "pv_exported_kwh", "water_heating_fuel")
    state = StubState(effective, omit=omit)
    with serve(state) as url:
        out = _resource(url).score(effective)
    ok = out.filter(pl.col("calculation_error").is_null())
    assert ok["cooling_electricity_kwh"].null_count() == ok.height
    assert ok["pv_exported_kwh"].null_count() == ok.height
    # A fuel the endpoint does not state comes from the features (the same fuel the calculator resolves).
    assert_frame_equal(
        out.select("property_id", "water_heating_fuel"),
        in_process.select("property_id", "water_heating_fuel"),
    )
    assert_frame_equal(out.drop(omit[:2]), in_process.drop(omit[:2]), rel_tol=1e-9, abs_tol=1e-9)


def test_a_fuel_the_endpoint_states_wins_over_the_features(effective):
    state = StubState(effective, corrupt=_set("water_heating_fuel", 39))
    with serve(state) as url:
        out = _resource(url).score(effective)
    first_ok = score_effective(effective).filter(pl.col("calculation_error").is_null())["property_id"][0]
    assert out.filter(pl.col("property_id") == first_ok)["water_heating_fuel"].to_list() == [39]


def test_version_mismatch_fails_the_run_at_start_up(effective):
    ran: list[int] = []

    @dg.asset
    def scored_homes(scoring: ScoringEndpoint) -> None:
        ran.append(1)
        scoring.score(effective)

    state = StubState(effective, transform_version="2.0.0")
    with serve(state) as url:
        with pytest.raises(Exception) as info:  # noqa: B017 - dagster wraps it; the cause is checked below
            dg.materialize([scored_homes], resources={"scoring": _resource(url)})
        result = dg.materialize([scored_homes], resources={"scoring": _resource(url)}, raise_on_error=False)
    chain, exc = [], info.value
    while exc is not None and exc not in chain:  # a chain can loop back through __context__
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    mismatch = [e for e in chain if isinstance(e, TransformVersionMismatch)]
    assert mismatch, f"no TransformVersionMismatch in {chain!r}"
    assert "2.0.0" in str(mismatch[0]) and FEATURE_TRANSFORM_VERSION in str(mismatch[0])
    assert not result.success
    assert ran == [] and state.posts == []


def test_compatible_minor_version_runs_inside_dagster(effective, in_process):
    @dg.asset
    def scored_homes(scoring: ScoringEndpoint) -> pl.DataFrame:
        return scoring.score(effective)

    state = StubState(effective, transform_version="1.0.9")  # a patch release of the model's transform
    with serve(state) as url:
        result = dg.materialize_to_memory([scored_homes], resources={"scoring": _resource(url)})
    assert result.success
    assert_frame_equal(result.output_for_node("scored_homes"), in_process, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("declared", "why"),
    [("1.1.0", "expects columns added after 1.0.0"), ("0.9.0", "major versions 0 and 1 differ"),
     ("one", "not MAJOR.MINOR.PATCH")],
)  # fmt: skip
def test_version_check_names_both_versions_and_why(effective, declared, why):
    state = StubState(effective, transform_version=declared)
    with (
        serve(state) as url,
        ScoringClient(url) as client,
        pytest.raises(TransformVersionMismatch, match=why) as info,
    ):
        client.check_version()
    assert declared in str(info.value)


def test_429_and_503_are_retried(effective, in_process):
    state = StubState(effective, faults=[429, 503])
    with serve(state) as url:
        client = ScoringClient(url, batch_size=1000, backoff_base_s=0.001, backoff_max_s=0.01)
        out = client.score(effective)
    assert state.posts == [0, 0, 0]
    assert client.retries == 2
    assert_frame_equal(out, in_process, rel_tol=1e-9, abs_tol=1e-9)


def test_retries_give_up_with_the_batch_and_the_last_status(effective):
    state = StubState(effective, faults=[500, 500, 500])
    with serve(state) as url:
        client = ScoringClient(url, batch_size=1000, max_retries=2, backoff_base_s=0.001, backoff_max_s=0.01)
        with pytest.raises(
            ScoringError, match=r"scoring batch 0: POST .*/score failed after 3 attempts \(status 500\)"
        ):
            client.score(effective)


def test_a_4xx_is_not_retried(effective):
    state = StubState(effective, faults=[400])
    with serve(state) as url:
        client = ScoringClient(url, backoff_base_s=0.001)
        with pytest.raises(ScoringError, match="scoring batch 0: POST .* answered 400"):
            client.score(effective)
    assert state.posts == [0]


def _set(field_name: str, value: Any, row: int = 0) -> Callable[[list[dict[str, Any]]], Any]:
    def corrupt(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ok = [r for r in results if r["calculation_error"] is None]
        ok[row][field_name] = value
        return results

    return corrupt


def test_malformed_answer_over_http_names_batch_property_and_field(effective):
    state = StubState(effective, corrupt=_set("calculated_sap_rating", "seventy"))
    with serve(state) as url, pytest.raises(ScoringError) as info:
        _resource(url).score(effective)
    message = str(info.value)
    assert "batch 0" in message and "'calculated_sap_rating'" in message and "'seventy'" in message
    first_ok = score_effective(effective).filter(pl.col("calculation_error").is_null())["property_id"][0]
    assert f"property {first_ok}:" in message


def _answer(ids: list[int], **overrides: Any) -> dict[str, Any]:
    results = [
        {"property_id": i, "calculated_sap_rating": 70.0, "calculated_co2_t_per_year": 2.0,
         "calculated_primary_energy_kwh_per_m2": 200.0, "calculation_error": None}
        for i in ids
    ]  # fmt: skip
    results[0].update(overrides)
    return {"transform_version": FEATURE_TRANSFORM_VERSION, "results": results}


def _bad(**overrides: Any) -> dict[str, Any]:
    return _answer([1, 2], **overrides)


@pytest.mark.parametrize(
    ("answer", "pattern"),
    [
        ([], "an object with a 'results' list"),
        ({"results": [1]}, "result #0 is not an object"),
        (_bad(property_id="1"), "result #0: field 'property_id' has value '1'"),
        (_bad(property_id=9), "property 9: a result for a property that was not sent"),
        (_answer([1, 1]), "property 1: more than one result"),
        (_answer([1]), r"property 2: no result \(1 of 2"),
        (_bad(space_heating_kwh=-5.0), r"property 1: field 'space_heating_kwh' has value -5.0, out"),
        (_bad(calculated_sap_rating=float("nan")), "property 1: field 'calculated_sap_rating' has .* nan"),
        (_bad(calculated_co2_t_per_year=True), "'calculated_co2_t_per_year' has value True, not a num"),
        (_bad(calculated_co2_t_per_year=None), "property 1: field 'calculated_co2_t_per_year' is miss"),
        (_bad(main_heating_fuel=1.5), "'main_heating_fuel' has value 1.5, not a Table 12 fuel"),
        (_bad(calculation_error=3), "field 'calculation_error' has value 3, not a string"),
        ({**_answer([1, 2]), "transform_version": "3.1.0"}, "declares feature transform 3.1.0"),
    ],
)  # fmt: skip
def test_malformed_answers_are_refused(answer, pattern):
    with pytest.raises(ScoringError, match=pattern) as info:
        parse_score_response(answer, [1, 2], batch=4, url="https://stub")
    assert "batch 4" in str(info.value) or "stub" in str(info.value)


def test_a_refused_home_may_omit_its_figures():
    answer = _answer([1, 2])
    answer["results"][1] = {"property_id": 2, "calculation_error": "model: floor area out of training range"}
    parsed = parse_score_response(answer, [1, 2], batch=0, url="https://stub")
    assert parsed.filter(pl.col("property_id") == 2)["calculated_sap_rating"].to_list() == [None]


def test_http_mode_needs_a_url():
    with pytest.raises(ScoringError, match="needs field 'url'"):
        ScoringEndpoint(mode="http").score(
            pl.DataFrame(schema={"property_id": pl.Int64, "document": pl.String})
        )


def test_a_timeout_is_retried_then_gives_up():
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if len(calls) == 1:
            raise httpx.ReadTimeout("stalled", request=request)
        return httpx.Response(200, json={"transform_version": FEATURE_TRANSFORM_VERSION})

    slept: list[float] = []
    client = ScoringClient("https://stub", transport=httpx.MockTransport(handler), sleep=slept.append)
    assert client.check_version().transform_version == FEATURE_TRANSFORM_VERSION
    assert calls == ["/version", "/version"] and client.retries == 1 and len(slept) == 1

    def always(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("stalled", request=request)

    client = ScoringClient(
        "https://stub", max_retries=1, transport=httpx.MockTransport(always), sleep=slept.append
    )
    with pytest.raises(ScoringError, match=r"failed after 2 attempts \(ReadTimeout: stalled\)"):
        client.check_version()
