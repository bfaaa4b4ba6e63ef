"""Landlord override values checked against the field they set (pure: no IO).

The same rules the effective EPC applies, at import time, so a bad value is refused with its row instead
of failing a home (or a portfolio) later:

- type: the certificate model's field type (`ara_assets.epc.model`), through pydantic, so `abc` for a
  U-value or `true` for a floor area are refused with the model's own message;
- code table: coded fields checked against the register's table for a schema (the home's certificate
  schema when known, else the newest RdSAP schema);
- physical range: `data/override_ranges.csv` (unit, bounds and source per field-name pattern);
- never NaN, infinities or empty lists; list indexes within the home's certificate
  (`check_against_document`, which applies the overrides exactly as `assemble_effective_epc` does).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError

from ara_assets.epc import CertificateValidationError, normalise_register_json, set_field_path
from ara_assets.epc.model import Certificate
from ara_assets.epc.paths import child_type, parse_path, unwrap_type
from ara_assets.epc.types import SCHEMA_CONTEXT

DEFAULT_SCHEMA = "RdSAP-Schema-21.0.1"  # the newest RdSAP schema; site notes are written in it too
_RANGES = Path(__file__).resolve().parent / "data" / "override_ranges.csv"


@dataclass(frozen=True)
class Range:
    pattern: re.Pattern[str]
    unit: str
    low: float
    high: float


@cache
def ranges() -> tuple[Range, ...]:
    with _RANGES.open(newline="", encoding="utf-8") as fh:
        return tuple(
            Range(re.compile(r["pattern"]), r["unit"], float(r["min"]), float(r["max"]))
            for r in csv.DictReader(fh)
        )


def range_for(path: str) -> Range | None:
    """The first range whose pattern matches the field path without its list indexes
    (`sap_building_parts[].sap_floor_dimensions[].total_floor_area`); most specific rows come first."""
    shape = re.sub(r"\[\d+\]", "[]", path)
    return next((r for r in ranges() if r.pattern.search(shape)), None)


@cache
def _leaf(path: str) -> tuple[Any, str]:
    """The declared annotation of the field `path` ends at (validators kept) and its field name."""
    tokens = parse_path(path)
    parent: Any = Certificate
    for token in tokens[:-1]:
        parent = child_type(parent, token)
        if parent is None:
            raise KeyError(path)
    last = tokens[-1]
    if isinstance(last, int):
        lst = unwrap_type(parent)
        item = get_args(lst)[0] if get_origin(lst) is list and get_args(lst) else Any
        name = next(t for t in reversed(tokens) if isinstance(t, str))
        return item, name
    model = unwrap_type(parent)
    if not (isinstance(model, type) and issubclass(model, BaseModel)) or last not in model.model_fields:
        raise KeyError(path)
    return model.model_fields[last].annotation, last


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, str):
        try:
            return not math.isfinite(float(value))
        except ValueError:
            return False
    if isinstance(value, list):
        return any(_non_finite(v) for v in value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    return False


def _empty(value: Any) -> bool:
    if isinstance(value, list | dict):
        return not value or any(_empty(v) for v in (value if isinstance(value, list) else value.values()))
    return False


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("function-after", "function-before"))
    return f"{err['msg']}{f' (at {where})' if where else ''}"


def check_override_value(path: str, value: Any, schema_type: str = DEFAULT_SCHEMA) -> str | None:
    """Why `value` cannot be the value of `path`, or None if it can (`path` already a known field)."""
    if _non_finite(value):
        return "NaN and infinities are not values"
    if _empty(value):
        return "an empty list or object is not a value (retract the override instead)"
    try:
        annotation, _ = _leaf(path)
    except KeyError:
        return "not a field of the register's certificate"
    token = SCHEMA_CONTEXT.set((schema_type, None))
    try:
        typed = TypeAdapter(annotation).validate_python(value)
    except ValidationError as exc:
        return f"not a valid value for this field: {_first_error(exc)}"
    except (TypeError, ValueError) as exc:
        return f"not a valid value for this field: {exc}"
    finally:
        SCHEMA_CONTEXT.reset(token)
    if isinstance(value, bool) and not isinstance(typed, bool):
        # pydantic's lax mode reads true as 1: a flag in a numeric or coded field is a mistake
        return f"not a valid value for this field: {str(value).lower()} is a yes/no flag, not a number"
    if isinstance(typed, bool) or not isinstance(typed, int | float):
        return None
    bounds = range_for(path)
    if bounds is not None and not bounds.low <= float(typed) <= bounds.high:
        return f"outside the physical range {bounds.low:g}..{bounds.high:g} {bounds.unit}"
    return None


def check_against_document(
    document: dict[str, Any], overrides: list[tuple[str, Any]]
) -> list[tuple[int, str]]:
    """Apply `overrides` (path, value) in order to a lodged register document exactly as the effective EPC
    does; return (position, reason) for each one that fails (for example a list index past the end)."""
    failures: list[tuple[int, str]] = []
    try:
        current = normalise_register_json(document)
    except (CertificateValidationError, ValueError, TypeError):
        return []  # the certificate itself does not validate: effective_epc reports that, per home
    for n, (path, value) in enumerate(overrides):
        try:
            candidate = normalise_register_json(set_field_path(current, path, value))
        except (KeyError, IndexError) as exc:
            failures.append((n, f"the home's certificate has no such item: {exc}"))
            continue
        except (CertificateValidationError, ValueError, TypeError) as exc:
            failures.append((n, f"the home's certificate would not validate: {exc}"))
            continue
        current = candidate
    return failures
