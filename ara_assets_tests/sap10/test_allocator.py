"""The allocator setting of the worksheet (``allocator.py``): once per process, can be switched off."""

from __future__ import annotations

import pytest

from ara_assets.sap10 import allocator


def test_switched_off_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_done", False)
    monkeypatch.setenv("ARA_SAP_MALLOC", "0")
    assert allocator.tune_allocator() is False
    assert allocator._done  # and not retried on the next batch


def test_applied_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_done", True)
    assert allocator.tune_allocator() is False  # already applied (or declined) in this process
