"""Regenerate the code tables shipped in this folder from the register's reference files.

Run once by hand when the reference files change, with checkouts of the register's two public
repositories (MIT, MHCLG; the commits used are in SOURCES.txt):

    python tools/build_codes.py EPB_REGISTER_API EPB_DATA_WAREHOUSE

reading ``api/schemas/xml/<schema>/`` of github.com/communitiesuk/epb-register-api and
``spec/fixtures/look_up_data.csv`` of github.com/communitiesuk/epb-data-warehouse. The package reads only
the generated CSVs, never the XSDs, so parsing stays fast and dependency-free.

Outputs:
- ``register_codes.csv``: the register's own code table (``/api/codes``), re-keyed as
  attribute, type_of_assessment, schema_version, key, label.
- ``xsd_codes.csv``: enumerations of the coded elements of RdSAP-Schema-21.0.1 and SAP-Schema-19.2.0,
  keyed by the JSON field name the register gives the element
  (``Wall-Construction`` -> ``wall_construction``).
"""

from __future__ import annotations

import csv
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

XS = "{http://www.w3.org/2001/XMLSchema}"
HERE = Path(__file__).resolve().parents[1] / "ara_assets" / "epc" / "data"  # where the generated CSVs live
# schema -> the folder (under api/schemas/xml of epb-register-api) holding its XSDs
SCHEMAS = {
    "RdSAP-Schema-21.0.1": Path("RdSAP-Schema-21.0.1") / "RdSAP",
    "SAP-Schema-19.2.0": Path("SAP-Schema-19.2.0") / "SAP",
}


def _json_name(xml_name: str) -> str:
    return xml_name.lower().replace("-", "_")


def _enumerations(simple_type: ET.Element) -> list[tuple[str, str]]:
    out = []
    for enum in simple_type.iter(f"{XS}enumeration"):
        doc = enum.find(f"{XS}annotation/{XS}documentation")
        label = " ".join((doc.text or "").split()) if doc is not None else ""
        out.append((enum.get("value", ""), label))
    return out


def _local(type_name: str) -> str:
    return type_name.split(":", 1)[-1]


def build_xsd_rows(register_api: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for schema, folder in SCHEMAS.items():
        root_dir = register_api / "api" / "schemas" / "xml" / folder
        types: dict[str, list[tuple[str, str]]] = {}
        elements: dict[str, set[str]] = defaultdict(set)
        inline: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for xsd in sorted(root_dir.rglob("*.xsd")):
            tree = ET.parse(xsd).getroot()
            for st in tree.iter(f"{XS}simpleType"):
                name = st.get("name")
                if name:
                    enums = _enumerations(st)
                    if enums:
                        types[name] = enums
            for el in tree.iter(f"{XS}element"):
                name = el.get("name")
                if not name:
                    continue
                if el.get("type"):
                    elements[_json_name(name)].add(_local(el.get("type", "")))
                else:
                    st = el.find(f"{XS}simpleType")
                    if st is not None and _enumerations(st):
                        inline[_json_name(name)].extend(_enumerations(st))
        for field in sorted(set(elements) | set(inline)):
            seen: dict[str, tuple[str, str]] = {}
            for type_name in sorted(elements.get(field, ())):
                for key, label in types.get(type_name, ()):
                    seen.setdefault(key, (type_name, label))
            for key, label in inline.get(field, ()):
                seen.setdefault(key, ("(inline)", label))
            for key, (type_name, label) in seen.items():
                rows.append(
                    {
                        "schema_family": schema,
                        "field": field,
                        "xsd_type": type_name,
                        "key": key,
                        "label": label,
                    }
                )
    return rows


def build_register_rows(data_warehouse: Path) -> list[dict[str, str]]:
    rows = []
    with (data_warehouse / "spec" / "fixtures" / "look_up_data.csv").open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            # CEPC rows are non-domestic (Ara models homes only); the improvement texts are prose templates,
            # not codes, and would make up four fifths of the file.
            if r["type_of_assessment"] == "CEPC" or r["attribute_name"].startswith("improvement_"):
                continue
            rows.append(
                {
                    "attribute": r["attribute_name"],
                    "type_of_assessment": r["type_of_assessment"],
                    "schema_version": r["schema_version"],
                    "key": r["lookup_key"],
                    "label": " ".join(r["lookup_value"].split()),
                }
            )
    rows.sort(key=lambda r: (r["attribute"], r["schema_version"], r["key"]))
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    register_api, data_warehouse = (Path(a).expanduser().resolve() for a in argv)
    _write(HERE / "xsd_codes.csv", build_xsd_rows(register_api))
    _write(HERE / "register_codes.csv", build_register_rows(data_warehouse))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
