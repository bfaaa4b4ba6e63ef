"""Shared fixtures of the RdSAP expansion tests: a synthetic certificate and the reference cases."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from ara_assets_tests.fixtures import fixture_path

FIXTURES = Path(__file__).parent / "fixtures"
RDSAP_CASES = fixture_path("sap10calcs", "tests", "rdsap")
JSON_SAMPLES = fixture_path("register_samples", "json_samples")


@pytest.fixture(scope="session")
def _semi() -> dict[str, Any]:
    return json.loads((FIXTURES / "synthetic_semi_gas_combi.json").read_text())


@pytest.fixture
def semi(_semi: dict[str, Any]) -> dict[str, Any]:
    """A synthetic RdSAP-Schema-21.0.1 certificate (gas combi, 1950s cavity semi), enveloped; a fresh copy."""
    return copy.deepcopy(_semi)

