"""Property tests: any mix of the register's spellings parses to the same certificate; paths round-trip."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ara_assets.epc import (
    get_field_path,
    is_known_field_path,
    parse_certificate,
    set_field_path,
    to_register_json,
)
from ara_assets_tests.epc.conftest import CERT_NO, JSON_SAMPLES, load

NORMALISED = to_register_json(
    parse_certificate(load(JSON_SAMPLES / "RdSAP-Schema-21.0.1.json"), certificate_number=CERT_NO)
)
BOOL_SPELLINGS = {True: ["true", "Y", True], False: ["false", "N", False]}


def _leaf_paths(node: Any, path: str = "") -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaf_paths(v, f"{path}.{k}" if path else k)]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaf_paths(v, f"{path}[{i}]")]
    return [path]


TYPED_LEAVES = [p for p in _leaf_paths(NORMALISED) if is_known_field_path(p)]


def _respell(doc: dict[str, Any], draw: st.DrawFn) -> dict[str, Any]:
    """The same certificate with typed numbers wrapped or bare and booleans in any register spelling."""
    out = doc
    for path in TYPED_LEAVES:
        value = get_field_path(doc, path)
        if isinstance(value, bool):
            out = set_field_path(out, path, draw(st.sampled_from(BOOL_SPELLINGS[value])))
        elif isinstance(value, float) and draw(st.booleans()):
            out = set_field_path(out, path, {"value": value, "quantity": "metres"})
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_spelling_parses_to_the_same_certificate(data: st.DataObject) -> None:
    doc = _respell(NORMALISED, data.draw)
    # collapse one list the way the register sometimes does
    if data.draw(st.booleans()):
        doc = {
            **doc,
            "sap_heating": {
                **doc["sap_heating"],
                "shower_outlets": {"shower_outlet": doc["sap_heating"]["shower_outlets"][0]},
            },
        }
    assert to_register_json(parse_certificate(doc)) == NORMALISED


def test_every_typed_leaf_path_is_known_and_round_trips() -> None:
    assert len(TYPED_LEAVES) > 100
    for path in TYPED_LEAVES:
        value = get_field_path(NORMALISED, path)
        assert set_field_path(NORMALISED, path, value) == NORMALISED, path


def test_pure_package_imports_no_io_frameworks() -> None:
    code = (
        "import sys, json, ara_assets.epc; "
        "print(json.dumps(sorted(m for m in ('dagster', 'httpx', 'sqlalchemy') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
