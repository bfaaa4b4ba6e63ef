"""Read helpers over one register document (RdSAP JSON, bare or enveloped, raw or normalised).

The register's quirks are tolerated here once: value objects (``{"value": ...}``), "Y"/"N" and
"true"/"false" flags, collapsed single-element lists, codes such as "NA"/"ND" read as missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.rdsap import tables as t


class RegisterDocument:
    """Read helpers over one register-shaped document that tolerate the register's quirks (value
    objects, "Y"/"N" and "true"/"false" flags, collapsed single-element lists) so the expansion works on
    both the parser's normalised dict and a raw document."""

    __slots__ = ("doc", "number")

    def __init__(self, doc: Mapping[str, Any], number: str) -> None:
        self.doc = doc
        self.number = number

    def fail(self, field: str, value: object, reason: str) -> UnsupportedInput:
        return UnsupportedInput(self.number, field, value, reason)


_SCALARS = frozenset({str, int, float, bool, type(None)})


def value_of(x: Any) -> Any:
    t = type(x)
    if t is dict or (t not in _SCALARS and isinstance(x, Mapping)):  # ABC check only for odd types
        return x.get("value", x)
    return x


def num(m: Mapping[str, Any] | None, key: str, default: float | None = None) -> float | None:
    """A numeric field (bare or ``{"value": ...}``); codes like "NA"/"ND" read as missing."""
    if type(m) is not dict and not isinstance(m, Mapping):
        return default  # None, or a scalar where the register should have an object
    x = m.get(key)
    t = type(x)  # exact-type fast paths first: this runs ~100 times per certificate
    if t is float:
        return x
    if t is int:
        return float(x)
    if x is None or t is bool:
        return default
    if t is dict or isinstance(x, Mapping):
        x = x.get("value")
        if x is None or type(x) is bool:
            return default
        if type(x) in (int, float):
            return float(x)
    try:
        return float(str(x).strip())
    except ValueError:
        return default


def code(m: Mapping[str, Any] | None, key: str) -> int | None:
    x = num(m, key)
    return None if x is None else int(x)


def flag(m: Mapping[str, Any] | None, key: str, default: bool | None = None) -> bool | None:
    if type(m) is not dict and not isinstance(m, Mapping):  # exact type first: ABC checks are slow
        return default
    x = value_of(m.get(key))
    if x is None:
        return default
    if type(x) is bool:
        return x
    if isinstance(x, int | float):
        return x != 0
    s = str(x).strip().lower()
    if s in ("y", "yes", "true", "1"):
        return True
    if s in ("n", "no", "false", "0"):
        return False
    return default


def items(x: Any) -> list[Mapping[str, Any]]:
    """A list node that the register may collapse (single dict, ``{"item": {...}}`` wrapper) -> list.

    A scalar where an object belongs reads as an empty object, so the fields it lacks are refused
    downstream by name instead of being dropped."""
    if x is None:
        return []
    if isinstance(x, list):
        out: list[Mapping[str, Any]] = []
        for e in x:
            if type(e) is dict:  # the common case, before the slower ABC checks
                out.append(e)
            elif isinstance(e, list):
                out.extend(items(e))
            else:
                out.append(e if isinstance(e, Mapping) else {})
        return out
    if type(x) is dict or isinstance(x, Mapping):
        if len(x) == 1:
            (inner,) = x.values()
            if isinstance(inner, list | Mapping) and not (isinstance(inner, Mapping) and "value" in inner):
                return items(inner)
        return [x]
    return []


def read_age_band(cert: RegisterDocument, value: Any, field: str) -> str:
    band = str(value_of(value) or "").strip().upper()
    if band not in t.AGE_BANDS or len(band) != 1:
        raise cert.fail(field, value, "construction age band must be A-M")
    return band


def sap_fuel_code(cert: RegisterDocument, value: int | None, field: str) -> int:
    fuels = t.fuel_codes()
    if value is None or value not in fuels:
        raise cert.fail(
            field,
            value,
            "fuel not mapped to a SAP Table 12 code (community LPG, electricity or heat-network data)",
        )
    return fuels[value]


def unwrap(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """Drop the register's ``{"data": {...}}`` envelope."""
    if "data" in doc and "schema_type" not in doc and isinstance(doc["data"], Mapping):
        return doc["data"]
    return doc


def certificate_number(doc: Mapping[str, Any], fallback: str) -> str:
    d = unwrap(doc)
    number = d.get("certificate_number") or d.get("rrn")
    return str(number) if number else fallback


def heating_node(d: Mapping[str, Any]) -> Mapping[str, Any]:
    h = d.get("sap_heating")
    return h if isinstance(h, Mapping) else {}
