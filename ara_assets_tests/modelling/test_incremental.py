"""The input key of candidate rows (modelling/incremental.py): it changes when anything a home's candidates
are computed from changes, and only then."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from ara_assets.baseline.rates import load_bundled_rates
from ara_assets.modelling import incremental
from ara_assets.modelling.incremental import candidate_input_keys
from ara_assets.modelling.portfolio import current_prices

DAY = dt.date(2026, 11, 1)


def _effective() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [1, 2, 3],
            "document": ['{"a": 1}', '{"a": 2}', '{"a": 3}'],
            "physical_hash": ["p1", "p2", "p3"],
        }
    )


def _baseline() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [1, 2, 3],
            "input_key": ["k1", "k2", "k3"],
            "baseline_status": ["ok", "ok", "ok"],
            "effective_band": ["D", "E", "C"],
            "effective_sap_sd": [2.0, 3.0, 1.5],
        }
    )


def _attrs() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "property_id": [1, 2, 3],
            "listed_building": [False, False, True],
            "conservation_area": [False, True, False],
            "property_value_gbp": [200_000.0, 250_000.0, 300_000.0],
            "tenure": ["social", "social", "private_rented"],
            "on_gas_grid": [True, True, False],
        }
    )


SNAPSHOTS: dict[str, dict[str, Any]] = {
    "a": {"name": "a", "version": 1, "goal": {"kind": "band", "target_band": "C"}},
    "b": {"name": "b", "version": 4, "goal": {"kind": "band", "target_band": "B"}},
}


def _prices() -> tuple[pl.DataFrame, pl.DataFrame]:
    rates, factors = load_bundled_rates()
    return current_prices(rates, factors, DAY)


def _keys(**change: Any) -> pl.DataFrame:
    rates, factors = _prices()
    args: dict[str, Any] = {
        "effective_epc": _effective(),
        "property_baseline": _baseline(),
        "attrs": _attrs(),
        "snapshots": SNAPSHOTS,
        "rates": rates,
        "factors": factors,
    }
    args.update(change)
    year, top_k = args.pop("this_year", DAY.year), args.pop("top_k", 7)
    return candidate_input_keys(**args, this_year=year, top_k=top_k).sort("property_id", "scenario")


def _set(frame: pl.DataFrame, col: str, value: object, pid: int = 2) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col("property_id") == pid).then(pl.lit(value)).otherwise(pl.col(col)).alias(col)
    )


def _changed(before: pl.DataFrame, after: pl.DataFrame) -> set[tuple[int, str]]:
    joined = before.join(after, on=["property_id", "scenario"], suffix="_after")
    moved = joined.filter(pl.col("input_key") != pl.col("input_key_after"))
    return {(r["property_id"], r["scenario"]) for r in moved.iter_rows(named=True)}


BOTH = {(2, "a"), (2, "b")}
EVERYONE = {(p, s) for p in (1, 2, 3) for s in ("a", "b")}

# (what changes, how to change it, the (home, scenario) pairs whose key must change)
CHANGES: list[tuple[str, Callable[[], dict[str, Any]], set[tuple[int, str]]]] = [
    ("effective document", lambda: {"effective_epc": _set(_effective(), "document", '{"a": 9}')}, BOTH),
    ("physical hash", lambda: {"effective_epc": _set(_effective(), "physical_hash", "p9")}, BOTH),
    ("baseline input key", lambda: {"property_baseline": _set(_baseline(), "input_key", "k9")}, BOTH),
    ("effective band", lambda: {"property_baseline": _set(_baseline(), "effective_band", "F")}, BOTH),
    ("SAP spread", lambda: {"property_baseline": _set(_baseline(), "effective_sap_sd", 4.0)}, BOTH),
    ("listed building", lambda: {"attrs": _set(_attrs(), "listed_building", True)}, BOTH),
    ("conservation area", lambda: {"attrs": _set(_attrs(), "conservation_area", False)}, BOTH),
    ("tenure", lambda: {"attrs": _set(_attrs(), "tenure", "owner_occupied")}, BOTH),
    ("gas grid", lambda: {"attrs": _set(_attrs(), "on_gas_grid", False)}, BOTH),
    (
        "scenario snapshot version",
        lambda: {"snapshots": {**SNAPSHOTS, "b": {**SNAPSHOTS["b"], "version": 5}}},
        {(1, "b"), (2, "b"), (3, "b")},
    ),
    ("this year", lambda: {"this_year": DAY.year + 1}, EVERYONE),
    ("top_k", lambda: {"top_k": 5}, EVERYONE),
    (
        "fuel rates in force",
        lambda: {"rates": _prices()[0].with_columns(pl.col(pl.Float64) * 1.01)},
        EVERYONE,
    ),
    (
        "carbon factors in force",
        lambda: {"factors": _prices()[1].with_columns(pl.col(pl.Float64) * 1.01)},
        EVERYONE,
    ),
]


@pytest.mark.parametrize(("what", "change", "expected"), CHANGES, ids=[c[0] for c in CHANGES])
def test_the_key_changes_exactly_for_the_pairs_whose_input_changed(
    what: str, change: Callable[[], dict[str, Any]], expected: set[tuple[int, str]]
) -> None:
    assert _changed(_keys(), _keys(**change())) == expected, what


def test_the_key_is_stable_and_ignores_what_candidates_do_not_read() -> None:
    first = _keys()
    assert first.height == 6 and first["input_key"].n_unique() == 6
    assert _changed(first, _keys()) == set()
    # the property value only prices the plans' value uplift (phase_plans), not the candidates
    assert _changed(first, _keys(attrs=_set(_attrs(), "property_value_gbp", 1.0))) == set()
    # row order does not matter
    assert _changed(first, _keys(effective_epc=_effective().reverse(), attrs=_attrs().reverse())) == set()


def test_a_home_without_a_scored_baseline_has_no_key() -> None:
    keys = _keys(property_baseline=_set(_baseline(), "baseline_status", "failed"))
    assert 2 not in keys["property_id"].to_list() and keys.height == 4


def test_a_code_or_table_change_changes_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    first = _keys()
    monkeypatch.setattr(incremental, "modelling_digest", lambda: "another-release")
    assert _changed(first, _keys()) == EVERYONE


def test_the_code_digest_covers_the_funding_rules_and_the_catalogue() -> None:
    from ara_assets.source_digest import _SUFFIXES

    assert {".yaml", ".csv"} <= _SUFFIXES
    assert "modelling" in incremental.MODELLING_FOLDERS and "sap10" in incremental.MODELLING_FOLDERS
