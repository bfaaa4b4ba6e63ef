"""The expansion pauses the cyclic garbage collector for a batch and leaves it as it found it."""

from __future__ import annotations

import gc

import pytest

from ara_assets.sap10.gc_pause import gc_paused
from ara_assets.sap10.rdsap.batch import expand_collect


def test_collector_state_restored() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested (score_certificates around expand_collect)
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_restored_after_an_error() -> None:
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_expand_collect_leaves_collector_on() -> None:
    frame, errors = expand_collect([{"data": {"schema_type": "RdSAP-Schema-21.0.1"}}])
    assert frame.height + len(errors) == 1
    assert gc.isenabled()
