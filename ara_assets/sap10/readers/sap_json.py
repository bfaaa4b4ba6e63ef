"""Register JSON of the full-SAP schemas (SAP-Schema-*) -> the SAP XML element tree ``sap_xml`` reads.

The register publishes a full-SAP lodgement as JSON whose keys are the XML element names in snake case,
with the ``SAP-Property-Details`` block flattened into the top level and each repeated element's list
directly under its container key. This module rebuilds the XML shape (container + one child element per
list item, value objects ``{"value": .., "quantity": ..}`` reduced to their value) so one reader scores
both forms. The names of list items are the XML schema's (``SINGULAR``); anything else is kept as is and,
if the reader needs it, refused there by name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

# snake-case words written in capitals in the XML element names
ACRONYMS = {"sap": "SAP", "pv": "PV", "fghrs": "FGHRS", "wwhrs": "WWHRS", "cpsu": "CPSU", "co2": "CO2",
            "u": "U", "mvhr": "MVHR", "rhi": "RHI", "sap10": "SAP10", "uprn": "UPRN", "dhw": "DHW",
            "chp": "CHP", "kwh": "kWh", "ecodesign": "ECODesign"}  # fmt: skip
# container -> item element (XML schema names)
SINGULAR = {
    "Main-Heating-Details": "Main-Heating",
    "SAP-Building-Parts": "SAP-Building-Part",
    "SAP-Floor-Dimensions": "SAP-Floor-Dimension",
    "SAP-Openings": "SAP-Opening",
    "SAP-Opening-Types": "SAP-Opening-Type",
    "SAP-Walls": "SAP-Wall",
    "SAP-Roofs": "SAP-Roof",
    "Thermal-Bridges": "SAP-Thermal-Bridge",
    "Shower-Outlets": "Shower-Outlet",
    "Wind-Turbines": "Wind-Turbine",
    "PV-Arrays": "PV-Array",
    "SAP-Community-Heating-Systems": "SAP-Community-Heating-System",
    "Community-Heat-Sources": "Community-Heat-Source",
    "Hydro-Electric-Generation-Months": "Hydro-Electric-Generation-Month",
    "PV-Batteries": "PV-Battery",
}
# summary blocks of the report (descriptions and ratings), not worksheet input
SUMMARY_KEYS = frozenset(
    {"roofs", "walls", "floors", "windows", "lighting", "hot_water", "main_heating", "main_heating_controls",
     "secondary_heating", "air_tightness", "suggested_improvements", "renewable_heat_incentive"}
)  # fmt: skip


def tag(key: str) -> str:
    """``sap_building_parts`` -> ``SAP-Building-Parts``."""
    return "-".join(ACRONYMS.get(w, w[:1].upper() + w[1:]) for w in key.split("_"))


def _add(parent: ET.Element, key: str, value: Any) -> None:
    name = tag(key)
    if isinstance(value, Mapping) and "value" in value and set(value) <= {"value", "quantity", "language"}:
        value = value["value"]
    if isinstance(value, list):
        container = ET.SubElement(parent, name)
        item = SINGULAR.get(name, name[:-1] if name.endswith("s") else name)
        for v in value:
            if isinstance(v, Mapping):
                el = ET.SubElement(container, item)
                for k, x in v.items():
                    _add(el, k, x)
            else:
                ET.SubElement(container, item).text = _text(v)
        return
    el = ET.SubElement(parent, name)
    if isinstance(value, Mapping):
        for k, v in value.items():
            if name == "SAP-Thermal-Bridges" and k == "thermal_bridges" and isinstance(v, list):
                # the XML lists SAP-Thermal-Bridge elements directly under SAP-Thermal-Bridges
                for x in v:
                    child = ET.SubElement(el, "SAP-Thermal-Bridge")
                    for kk, vv in x.items() if isinstance(x, Mapping) else ():
                        _add(child, kk, vv)
                continue
            _add(el, k, v)
    else:
        el.text = _text(value)


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def sap_json_to_xml(doc: Mapping[str, Any]) -> str:
    """A register JSON document of a SAP schema (bare or in ``{"data": ...}``) as SAP XML text."""
    d = doc.get("data", doc) if isinstance(doc.get("data"), Mapping) else doc
    root = ET.Element("SAP-Report")
    details = ET.SubElement(ET.SubElement(root, "SAP10-Data"), "SAP-Property-Details")
    # the register flattens SAP10-Data / SAP-Property-Details into the top level; a document read from
    # XML by ``parse_rdsap_xml`` keeps them nested: both end up in one SAP-Property-Details element
    nested = d.get("sap10_data") if isinstance(d.get("sap10_data"), Mapping) else {}
    inner = (
        nested.get("sap_property_details") if isinstance(nested.get("sap_property_details"), Mapping) else {}
    )
    for source in (d, nested, inner):
        for k, v in source.items():
            if k in SUMMARY_KEYS or k in ("sap10_data", "sap_property_details"):
                continue
            _add(details, k, v)
    return ET.tostring(root, encoding="unicode")


def is_full_sap(doc: Mapping[str, Any]) -> bool:
    """A full-SAP lodgement (SAP-Schema-*), as opposed to RdSAP."""
    d = doc.get("data", doc) if isinstance(doc.get("data"), Mapping) else doc
    return str(d.get("schema_type") or "").startswith("SAP-Schema-")
