"""The expansion split over processes (``rdsap.parallel``) gives the one-process result exactly."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from polars.testing import assert_frame_equal

from ara_assets.demo.generate import generate_portfolio
from ara_assets.sap10.rdsap import expand_collect, parallel
from ara_assets.sap10.score import score_certificates


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    out = [doc for _, doc in generate_portfolio(60, seed=3).iter_documents()]
    # refused documents: at the start (the first slice expands nothing, so the frame's optional columns
    # come from a later slice, as in one process) and in the middle
    bad = copy.deepcopy(out[0])
    bad["data"]["sap_building_parts"] = []
    worse = copy.deepcopy(out[1])
    worse["data"]["sap_heating"] = "none"
    return [bad, worse, bad, *out[:30], worse, *out[30:]]


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("normalise_docs", [True, False])
def test_parallel_expansion_is_the_one_process_expansion(
    docs: list[dict[str, Any]], workers: int, normalise_docs: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, one_errors = expand_collect(docs, normalise_docs=normalise_docs)
    assert one_errors and one.height  # both kinds are compared
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 0)
    # the first slice holds only refusals when it is this short
    monkeypatch.setattr(parallel, "_slices", lambda n, w: [(0, 3), *parallel._even(3, n, w - 1)])
    many, many_errors = expand_collect(docs, normalise_docs=normalise_docs, workers=workers)
    assert_frame_equal(many, one)
    assert many_errors == one_errors


def test_parallel_scores_are_the_one_process_scores(
    docs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    one = score_certificates(docs)
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 0)
    assert_frame_equal(score_certificates(docs, workers=2), one)


def test_small_batches_stay_in_one_process(
    docs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*_: Any) -> Any:
        raise AssertionError("a batch under MIN_PARALLEL must not start processes")

    monkeypatch.setattr(parallel, "expand_parallel", no_pool)
    assert len(docs) < parallel.MIN_PARALLEL
    expand_collect(docs, workers=2)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_expansion_from_text_is_the_expansion_of_the_parsed_documents(
    docs: list[dict[str, Any]], workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`expand_texts` parses each slice a chunk at a time: rows, refusals (with their positions) and the
    per-document extra values come back in input order, as from the parsed documents in one process."""
    import json

    from ara_assets.sap10.rdsap.batch import normalise, unwrap

    # the texts are normalised documents (the effective EPC's), as expand_texts expects
    normalised = []
    for d in docs:
        try:
            normalised.append(dict(normalise(d)))
        except Exception:
            normalised.append(dict(unwrap(d)))
    one, one_errors = expand_collect(normalised, normalise_docs=False)
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 0)
    monkeypatch.setattr(parallel, "TEXT_CHUNK", 7)  # chunks end inside slices and inside the refusals
    many, many_errors, extra = parallel.expand_texts(
        [json.dumps(d) for d in normalised], None, workers, extra=lambda ds: [d.get("uprn") for d in ds]
    )
    assert_frame_equal(many, one)
    assert many_errors == one_errors and len(one_errors) >= 3
    assert extra == [d.get("uprn") for d in normalised]
