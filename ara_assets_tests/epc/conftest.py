"""Shared helpers for the EPC tests: where the register's JSON samples live, and a minimal document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ara_assets_tests.fixtures import fixture_path

JSON_SAMPLES = fixture_path("register_samples", "json_samples")
WAREHOUSE_EXAMPLES = fixture_path("epc_register_format_examples")

SAMPLE_FILES = sorted(JSON_SAMPLES.glob("*.json")) + sorted(WAREHOUSE_EXAMPLES.glob("warehouse_json_*.json"))
CERT_NO = "0000-0000-0000-0000-0042"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def rdsap21() -> dict[str, Any]:
    return load(JSON_SAMPLES / "RdSAP-Schema-21.0.1.json")


def minimal(**fields: Any) -> dict[str, Any]:
    """A synthetic RdSAP 21.0.1 document with just enough to be a certificate, plus ``fields``."""
    doc: dict[str, Any] = {
        "certificate_number": CERT_NO,
        "schema_type": "RdSAP-Schema-21.0.1",
        "assessment_type": "RdSAP",
        "registration_date": "2025-04-04",
        "sap_version": 10.2,
    }
    doc.update(fields)
    return doc
