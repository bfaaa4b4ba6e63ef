"""Shared fixtures of the RdSAP expansion tests: a synthetic certificate and the reference cases."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = Path("/work/shared/reference")
RDSAP_CASES = REFERENCE / "sap_cases/sap10calcs/tests/rdsap"
JSON_SAMPLES = REFERENCE / "epc_register/synthetic_fixtures/json_samples"


@pytest.fixture(scope="session")
def _semi() -> dict[str, Any]:
    return json.loads((FIXTURES / "synthetic_semi_gas_combi.json").read_text())


@pytest.fixture
def semi(_semi: dict[str, Any]) -> dict[str, Any]:
    """A synthetic RdSAP-Schema-21.0.1 certificate (gas combi, 1950s cavity semi), enveloped; a fresh copy."""
    return copy.deepcopy(_semi)


def needs_reference() -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not RDSAP_CASES.exists(), reason="shared reference data (/work/shared/reference) not present"
    )
