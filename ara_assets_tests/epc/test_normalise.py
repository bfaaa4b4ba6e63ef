"""``normalise_register_json`` (the fast path) gives exactly ``to_register_json(parse_certificate(...))``:
the same dict, key order included, or the same ``CertificateValidationError``."""

from __future__ import annotations

import json
import math
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ara_assets.epc import CertificateValidationError, normalise, parse_certificate, to_register_json
from ara_assets.epc.normalise import normalise_register_json
from ara_assets_tests.epc.conftest import CERT_NO, SAMPLE_FILES, load, minimal


def _exact(doc: dict[str, Any], number: str | None = None) -> str:
    try:
        return json.dumps(to_register_json(parse_certificate(doc, certificate_number=number)))
    except CertificateValidationError as e:
        return f"error: {e}"


def _fast(doc: dict[str, Any], number: str | None = None) -> str:
    try:
        return json.dumps(normalise_register_json(doc, certificate_number=number))
    except CertificateValidationError as e:
        return f"error: {e}"


@pytest.fixture(scope="module")
def corpus() -> list[dict[str, Any]]:
    """300 documents of the benchmark's generated portfolio (``benchmarks/sap_score.py``, seed 1)."""
    from ara_assets.demo.generate import generate_portfolio

    docs = [doc for _, doc in generate_portfolio(290, seed=1).iter_documents()]
    assert len(docs) >= 300
    return docs[:300]


def _no_exact_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("the fast path deferred to the exact path")

    monkeypatch.setattr(normalise, "parse_certificate", refuse)


def test_corpus_normalises_identically_and_without_the_model(
    corpus: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = [_exact(d) for d in corpus]
    assert not any(e.startswith("error") for e in expected)
    _no_exact_path(monkeypatch)  # every generated document (all quirks included) takes the fast path
    assert [_fast(d) for d in corpus] == expected


def test_scores_identical_through_either_path(
    corpus: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ara_assets.sap10.score import score_certificates

    fast_scores = score_certificates(corpus)
    assert fast_scores.get_column("sap_rating").is_not_null().sum() > 200

    def exact(doc: dict[str, Any], *, certificate_number: str | None = None) -> dict[str, Any]:
        return to_register_json(parse_certificate(doc, certificate_number=certificate_number))

    monkeypatch.setattr(normalise, "normalise_register_json", exact)
    exact_scores = score_certificates(corpus)
    assert fast_scores.equals(exact_scores)
    # and both equal scoring the parser's output read in place
    normalised = [exact(d) for d in corpus]
    assert score_certificates(normalised, normalise_docs=False).equals(exact_scores)


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_register_samples_identical(path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = load(path)
    expected = _exact(doc, CERT_NO)
    _no_exact_path(monkeypatch)  # the register's own samples (RdSAP 17 - 21, SAP 16 - 19) take the fast path
    assert _fast(doc, CERT_NO) == expected


@pytest.mark.parametrize("ctx", [("RdSAP-Schema-21.0.1", "RdSAP"), ("SAP-Schema-19.2.0", "SAP"), None])
def test_every_model_field_has_a_fast_conversion(ctx: Any) -> None:
    from ara_assets.epc.model import Certificate

    normalise._model(Certificate, ctx)
    # a field the plan cannot convert would send every document carrying it through the model
    assert not normalise.DEFERRED_FIELDS, sorted(normalise.DEFERRED_FIELDS)


CASES: dict[str, dict[str, Any]] = {
    "numeric string": {"total_floor_area": "61.5"},
    "int where a count is": {"door_count": 2},
    "float count": {"door_count": 2.0},
    "fractional count": {"door_count": 2.5},
    "bool count": {"door_count": True},
    "infinite number": {"total_floor_area": math.inf},
    "wrapped number": {"total_floor_area": {"value": 61, "quantity": "square metres"}},
    "wrapped null": {"total_floor_area": {"value": None}},
    "unknown code": {"built_form": 77},
    "code as string": {"built_form": "2"},
    "code with leading zero": {"built_form": "02"},
    "code NR": {"built_form": "NR"},
    "code as float": {"built_form": 2.0},
    "code as bool": {"built_form": True},
    "flag spellings": {"has_hot_water_cylinder": "Y", "solar_water_heating": "false"},
    "bad flag": {"has_hot_water_cylinder": "maybe"},
    "flag as int": {"has_hot_water_cylinder": 1},
    "date with time": {"inspection_date": "2025-04-01T00:00:00"},
    "bad date": {"inspection_date": "2025-02-30"},
    "extra keys": {"zz_unknown": {"a": [1, 2.5, None, "x"]}, "yy": math.nan},
    "rrn too": {"rrn": "0000-0000-0000-0000-0001"},
    "collapsed list": {"sap_windows": {"sap_window": {"window_width": 1.0, "orientation": 5}}},
    "single item list": {"sap_windows": {"window_width": 1.0, "orientation": 5}},
    "list of scalars": {"sap_windows": [1]},
    "uprn spellings": {"uprn": "UPRN-000000012457"},
    "null section": {"sap_heating": None},
    "section not a dict": {"sap_heating": "gas"},
    "description object": {"walls": [{"description": {"value": "Cavity wall", "language": "1"}}]},
    "list code": {"lzc_energy_sources": [1, "11"]},
}


@pytest.mark.parametrize("fields", CASES.values(), ids=CASES.keys())
def test_quirks_and_refusals_identical(fields: dict[str, Any]) -> None:
    doc = minimal(**fields)
    assert _fast(doc) == _exact(doc)
    assert _fast({"data": doc}) == _exact({"data": doc})


def test_certificate_number_rules_identical() -> None:
    bare = minimal()
    del bare["certificate_number"]
    assert _fast(bare, CERT_NO) == _exact(bare, CERT_NO)  # filled in
    assert _fast(minimal(), "0000-0000-0000-0000-0009") == _exact(minimal(), "0000-0000-0000-0000-0009")
    assert _fast(minimal(), "0000-0000-0000-0000-0009").startswith("error")
    missing = minimal()
    del missing["registration_date"]
    assert _fast(missing) == _exact(missing)
    assert _fast(missing).startswith("error")
    assert _fast(minimal(schema_type="CEPC-8.0.0")) == _exact(minimal(schema_type="CEPC-8.0.0"))


AWKWARD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "NR", "ND", "NA", "Y", "N", "true", "01", "2", " 3 ", "1.5", "x", "2025-01-01"]),
    st.builds(lambda v: {"value": v, "quantity": "m"}, st.integers(0, 9) | st.floats(0, 9)),
    st.lists(st.integers(0, 5), max_size=2),
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _paths(v, (*path, k))] + [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _paths(v, (*path, i))] + [path]
    return [path]


def _replace(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, *rest = path
    if isinstance(node, dict):
        return {**node, head: _replace(node[head], tuple(rest), value)}
    out = list(node)
    out[head] = _replace(node[head], tuple(rest), value)
    return out


SAMPLES = [load(path) for path in SAMPLE_FILES]  # RdSAP 17 - 21 and SAP 16 - 19, as the register serves them


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_awkward_value_anywhere_identical(data: st.DataObject) -> None:
    doc: Any = data.draw(st.sampled_from(SAMPLES))
    paths = [p for p in _paths(doc) if p]
    edits = data.draw(st.lists(st.tuples(st.sampled_from(paths), AWKWARD), min_size=1, max_size=4))
    for path, value in edits:
        try:
            doc = _replace(doc, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit replaced the path's parent
    assert _fast(doc, CERT_NO) == _exact(doc, CERT_NO)


def test_frames_equal_helper_sees_differences() -> None:
    # guard for the score comparison above: a changed value makes equals() false
    a = pl.DataFrame({"x": [1.0, None]})
    assert not a.equals(pl.DataFrame({"x": [1.0, 2.0]}))
