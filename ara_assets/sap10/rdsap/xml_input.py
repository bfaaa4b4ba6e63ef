"""The register's RdSAP XML -> the register-shaped dict the JSON path uses.

The register publishes each lodged XML as JSON by a fixed recipe (notes/epc-register.md section 2):
element names lower-cased with ``-`` -> ``_``; repeated nodes as lists; the wrapper levels
``Report-Header``, ``Energy-Assessment``, ``Property-Summary``, ``Energy-Use``, ``SAP-Data`` and
``SAP-Property-Details`` dropped so their children sit at the top level. This module applies the same
recipe so an XML lodgement (the form of the reference cases) expands exactly like its JSON.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

WRAPPERS = {
    "report_header",
    "energy_assessment",
    "property_summary",
    "energy_use",
    "sap_data",
    "sap_property_details",
}
_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^-?[0-9]*\.[0-9]+$|^-?[0-9]+\.[0-9]*$")


def _key(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower().replace("-", "_")


def _scalar(text: str | None) -> Any:
    """Numbers as numbers (as the register's JSON has them); codes and flags stay strings. Integers with
    leading zeros (PCDB index numbers) lose them, as in the register's JSON."""
    if text is None:
        return None
    s = text.strip()
    if _INT.match(s):
        return int(s)
    if s.lstrip("-").isdigit():  # leading zeros
        return int(s)
    if _FLOAT.match(s):
        return float(s)
    return s


def _is_list_container(key: str, children: list[ET.Element]) -> bool:
    """A container whose children all share one tag that its own name extends (SAP-Building-Parts /
    SAP-Building-Part, Main-Heating-Details / Main-Heating, Shower-Outlets / Shower-Outlet)."""
    if not children:
        return False
    child = _key(children[0].tag)
    return all(_key(c.tag) == child for c in children) and key != child and key.startswith(child)


def _node(el: ET.Element) -> Any:
    children = list(el)
    if not children:
        return _scalar(el.text)
    key = _key(el.tag)
    if _is_list_container(key, children):
        return [_node(c) for c in children]
    out: dict[str, Any] = {}
    _merge(out, children)
    return out


def _merge(out: dict[str, Any], children: list[ET.Element]) -> None:
    for c in children:
        k = _key(c.tag)
        if k in WRAPPERS and list(c):
            _merge(out, list(c))
            continue
        v = _node(c)
        if k in out:
            prev = out[k]
            out[k] = [*prev, v] if isinstance(prev, list) and k not in ("sap_building_parts",) else [prev, v]
        else:
            out[k] = v


def parse_rdsap_xml(source: str | bytes | Path) -> dict[str, Any]:
    """Read an RdSAP XML lodgement (path, XML text or bytes) into the register's JSON shape.

    ``schema_type`` is set from ``Schema-Version-Original`` when the document does not carry it.
    """
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("<")):
        root = ET.parse(source).getroot()
    else:
        root = ET.fromstring(source)
    out: dict[str, Any] = {}
    _merge(out, list(root))
    if "schema_type" not in out:
        original = out.get("schema_version_original")
        if isinstance(original, str) and original.startswith(("RdSAP-Schema-", "SAP-Schema-")):
            out["schema_type"] = original
        elif _key(root.tag) == "rdsap_report":
            out["schema_type"] = "RdSAP-Schema-21.0.0"
    return out
