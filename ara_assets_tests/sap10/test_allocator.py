"""The allocator setting of the worksheet (``allocator.py``): once per process, can be switched off, applied
by the process entry points rather than by the calculation."""

from __future__ import annotations

import pytest

from ara_assets import settings
from ara_assets.sap10 import allocator


def test_switched_off_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_done", False)
    monkeypatch.setenv("ARA_SAP_MALLOC", "0")
    settings.apply_process_settings()
    assert allocator._done  # decided once, not retried on the next batch
    assert allocator.tune_allocator() is False


def test_applied_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_done", True)
    assert allocator.tune_allocator() is False  # already applied (or declined) in this process


def test_the_calculation_leaves_the_process_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import inspect

    from ara_assets.sap10 import calculate as calculate_module

    assert "tune_allocator" not in inspect.getsource(calculate_module)
