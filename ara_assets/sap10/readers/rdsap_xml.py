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


def _merge(out: dict[str, Any], children: list[ET.Element], promoted: set[str] | None = None) -> None:
    """Children of one element into ``out``. Repeated siblings become a list; a key that a dropped
    wrapper level brings up again (``Property-Type`` in both ``Report-Header`` and ``SAP-Data``) keeps its
    first value, as the register's JSON holds a single value there."""
    seen: dict[str, int] = {}
    for c in children:
        k = _key(c.tag)
        if k in WRAPPERS and list(c):
            _merge(out, list(c), promoted if promoted is not None else set())
            continue
        v = _node(c)
        if k in out and k not in seen:
            continue  # already set by another level: first value wins
        seen[k] = seen.get(k, 0) + 1
        if seen[k] == 1:
            out[k] = v
        elif seen[k] == 2:
            out[k] = [out[k], v]
        else:
            out[k].append(v)


_SCHEMA = re.compile(r"\b((?:Rd)?SAP-Schema-[0-9][0-9.]*[0-9])")


def parse_rdsap_xml(source: str | bytes | Path, schema_type: str | None = None) -> dict[str, Any]:
    """Read an RdSAP XML lodgement (path, XML text or bytes) into the register's JSON shape.

    ``schema_type`` (e.g. "RdSAP-Schema-21.0.1") when known; otherwise read from the file's
    ``xsi:schemaLocation`` or ``Schema-Version-Original``.
    """
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("<")):
        root = ET.parse(source).getroot()
    else:
        root = ET.fromstring(source)
    out: dict[str, Any] = {}
    _merge(out, list(root))
    if schema_type is not None:
        out["schema_type"] = schema_type
    elif "schema_type" not in out:
        # the register knows the schema from the lodgement; in a file it shows in xsi:schemaLocation or,
        # for test inputs, in Schema-Version-Original. Otherwise left unset (the expansion refuses it).
        location = root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") or ""
        original = out.get("schema_version_original")
        for text in (location, original if isinstance(original, str) else ""):
            m = _SCHEMA.search(text)
            if m:
                out["schema_type"] = m.group(1)
                break
    return out
