"""Per-home work over forked processes gives the one-process result, in order."""

from __future__ import annotations

import os

import pytest

from ara_assets.forked import fork_iter, fork_map, slices, worker_slices


def test_slices_cover_the_range_in_order() -> None:
    assert slices(10, 3) == [(0, 4), (4, 8), (8, 10)]
    assert slices(2, 5) == [(0, 1), (1, 2)]
    assert slices(0, 2) == [(0, 0)]
    assert worker_slices(1_999, 2) == [(0, 1_999)]  # below min_items: one slice, no fork
    assert worker_slices(4_000, 2) == [(0, 2_000), (2_000, 4_000)]


def test_children_do_the_later_slices_and_the_results_keep_their_order() -> None:
    items = [f"home {i}" for i in range(10)]  # built before the fork: the children inherit it
    parts = fork_map(lambda a, b: (os.getpid(), [s.upper() for s in items[a:b]]), slices(len(items), 3))
    assert [s for _, part in parts for s in part] == [s.upper() for s in items]
    pids = [pid for pid, _ in parts]
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:]


def test_an_error_in_a_child_reaches_the_caller() -> None:
    def work(a: int, b: int) -> int:
        if a > 0:
            raise ValueError(f"record {a}: field 'x' value 'y' refused")
        return b - a

    with pytest.raises(ValueError, match="record 5"):
        fork_map(work, slices(10, 2))


def test_results_come_one_at_a_time_and_the_children_keep_their_own_copy() -> None:
    """`fork_iter`: slice order, and a caller that drops the inputs after the first result (as the effective
    EPC's assembly drops the lodged documents) still gets the children's results from their own copy."""
    items = [f"home {i}" for i in range(9)]
    seen = []
    for part in fork_iter(lambda a, b: [s.upper() for s in items[a:b]], slices(len(items), 3)):
        items.clear()  # after the first slice: the children forked with the whole list
        seen.append(part)
    assert [s for part in seen for s in part] == [f"HOME {i}" for i in range(9)]
    assert [len(p) for p in seen] == [3, 3, 3]
