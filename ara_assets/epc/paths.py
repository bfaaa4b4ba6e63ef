"""Field paths into register-shaped certificate JSON, for landlord overrides.

A path is dotted field names with ``[i]`` list indices, exactly as the register's JSON nests them:
``total_floor_area``, ``sap_building_parts[0].wall_insulation_type``,
``sap_heating.main_heating_details[0].main_fuel_type``, ``sap_energy_source.meter_type``.

The helpers work on the normalised shape (``to_register_json``), where every list node is a list.
"""

from __future__ import annotations

import re
import types
from functools import lru_cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from ara_assets.epc.model import Certificate

_SEGMENT = re.compile(r"([a-z_][a-z0-9_]*)((?:\[\d+\])*)")
_INDEX = re.compile(r"\[(\d+)\]")

Token = str | int


def parse_path(path: str) -> tuple[Token, ...]:
    """``"a[0].b"`` -> ``("a", 0, "b")``; ValueError naming the path if it is not of that form."""
    tokens: list[Token] = []
    if not path:
        raise ValueError("empty field path")
    for segment in path.split("."):
        m = _SEGMENT.fullmatch(segment)
        if m is None:
            raise ValueError(f"malformed field path {path!r} at {segment!r}")
        tokens.append(m.group(1))
        tokens.extend(int(i) for i in _INDEX.findall(m.group(2)))
    return tuple(tokens)


def unwrap_type(tp: Any) -> Any:
    """The type under ``Annotated[...]`` and ``X | None``; a union of several types is a leaf."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def child_type(tp: Any, token: Token) -> Any | None:
    """The type reached from ``tp`` by one token, or None if the token leads nowhere typed."""
    tp = unwrap_type(tp)
    if isinstance(token, int):
        return unwrap_type(get_args(tp)[0]) if get_origin(tp) is list and get_args(tp) else None
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(token)
        return None if field is None else unwrap_type(field.annotation)
    return None


@lru_cache(maxsize=4096)
def is_known_field_path(path: str) -> bool:
    """True if ``path`` names a typed field of ``Certificate`` (list indices allowed where lists are)."""
    try:
        tokens = parse_path(path)
    except ValueError:
        return False
    tp: Any = Certificate
    for token in tokens:
        tp = child_type(tp, token)
        if tp is None:
            return False
    return True


def get_field_path(doc: dict[str, Any], path: str) -> Any:
    """The value at ``path`` in a register-shaped dict; KeyError naming the path if any step is absent."""
    cur: Any = doc
    for token in parse_path(path):
        if isinstance(token, int):
            if not isinstance(cur, list) or token >= len(cur):
                raise KeyError(f"{path}: no item [{token}]")
            cur = cur[token]
        else:
            if not isinstance(cur, dict) or token not in cur:
                raise KeyError(f"{path}: no field {token!r}")
            cur = cur[token]
    return cur


def _copy(obj: Any) -> Any:
    # JSON-shaped data only: much cheaper than copy.deepcopy and enough for register documents.
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_copy(v) for v in obj]
    return obj


def set_field_path(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``doc`` with ``path`` set to ``value``.

    Only the leaf may be new (a missing key in an existing object); a missing parent raises KeyError and an
    index past the end of a list raises IndexError, both naming the path. ``doc`` is left untouched.
    """
    tokens = parse_path(path)
    out = _copy(doc)
    cur: Any = out
    for depth, token in enumerate(tokens):
        last = depth == len(tokens) - 1
        if isinstance(token, int):
            if not isinstance(cur, list):
                raise KeyError(f"{path}: {'.'.join(map(str, tokens[:depth])) or 'document'} is not a list")
            if token >= len(cur):
                raise IndexError(f"{path}: no item [{token}] (list has {len(cur)})")
            if last:
                cur[token] = value
            else:
                cur = cur[token]
        else:
            if not isinstance(cur, dict):
                raise KeyError(f"{path}: cannot set field {token!r} inside a {type(cur).__name__}")
            if last:
                cur[token] = value
            elif token not in cur or cur[token] is None:
                raise KeyError(f"{path}: no field {token!r}")
            else:
                cur = cur[token]
    return out
