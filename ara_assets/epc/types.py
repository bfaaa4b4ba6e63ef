"""Field types that absorb the register's JSON quirks, so the models read as plain data.

Each quirk is undone once, at the field, by a small before-validator:
- numbers bare or wrapped as ``{"value": x, "quantity": "..."}`` / ``{"value": x, "currency": "GBP"}``;
- descriptions as a string or ``{"value": "...", "language": "1"}``;
- booleans as ``"true"``/``"false"``/``"Y"``/``"N"``/JSON booleans (``"NR"``/``"ND"`` = not recorded -> None);
- one-item lists collapsed to an object (``{"shower_outlet": {...}}``) or to the bare item;
- codes that arrive as numbers or strings (``"NA"``, ``"ND"``, ``"NI"``, ``"NR"``, ``"2"``);
- PCDB index numbers that lost their leading zeros (kept as int; see ``pad_index``);
- UPRNs as int, digit string or ``UPRN-000000012457``.

Coded fields are checked against the code tables for the certificate's schema (``codes.py``); the schema
comes from a context variable that ``Certificate`` sets while it validates.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from ara_assets.epc.codes import is_known_code

# (schema_type, assessment_type) of the certificate being validated; None outside validation.
SCHEMA_CONTEXT: ContextVar[tuple[str, str | None] | None] = ContextVar("epc_schema_context", default=None)

_TRUE = frozenset({"true", "y", "yes", "1"})
_FALSE = frozenset({"false", "n", "no", "0"})
_NOT_RECORDED = frozenset({"nr", "nd", ""})


def unwrap_value(v: Any) -> Any:
    """``{"value": x, ...}`` -> x (measurements, money, descriptions); anything else unchanged."""
    if isinstance(v, dict) and "value" in v:
        return v["value"]
    return v


def to_flag(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, str):
        s = v.strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        if s in _NOT_RECORDED:
            return None
    if isinstance(v, int) and v in (0, 1):
        return bool(v)
    raise PydanticCustomError("flag", "not a yes/no flag")


def to_code(v: Any) -> Any:
    """Codes are ints when they are numbers ("2" -> 2) and strings otherwise ("NA", "16+", "A")."""
    if isinstance(v, bool):
        raise PydanticCustomError("code", "a boolean is not a code")
    if isinstance(v, int) or v is None:
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        s = v.strip()
        if s.isdigit() and (s == "0" or not s.startswith("0")):
            return int(s)
        return s
    if isinstance(v, float):
        return v
    raise PydanticCustomError("code", "not a code value")


def to_index(v: Any) -> Any:
    """PCDB / index numbers: "017507" and 17507 both become 17507 (pad with ``pad_index``)."""
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return v


def to_uprn(v: Any) -> Any:
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return v
    if isinstance(v, str):
        s = v.strip()
        if s.isdigit():
            return int(s)
        if s.upper().startswith("UPRN-") and s[5:].isdigit():
            return int(s[5:])
        # XSD UPRNType allows "RRN-<certificate number>" when the assessor had no UPRN: there is none.
        if s.upper().startswith("RRN-") or s == "":
            return None
    raise PydanticCustomError("uprn", "not a UPRN")


def to_text(v: Any) -> Any:
    v = unwrap_value(v)
    if isinstance(v, int | float) and not isinstance(v, bool):
        return str(v)
    return v


def as_list(v: Any) -> Any:
    """A list node as a list, whatever the register collapsed it to."""
    if v is None or isinstance(v, list):
        return v
    if isinstance(v, dict) and len(v) == 1:
        (inner,) = v.values()
        # {"shower_outlet": {...}} or {"shower_outlet": [...]}: the wrapper of a collapsed list.
        if isinstance(inner, list):
            return inner
        if isinstance(inner, dict):
            return [inner]
    return [v]


@dataclass(frozen=True)
class CodeCheck:
    """The after-validator of a ``Code(...)`` field: a value must be a key of the code table of
    ``code_attribute`` for the schema being parsed. ``normalise.py``'s compiled plan reads ``code_attribute``
    to do the same check inline."""

    code_attribute: str

    def __call__(self, v: Any) -> Any:
        if v is None:
            return v
        ctx = SCHEMA_CONTEXT.get()
        if ctx is not None and not is_known_code(self.code_attribute, v, ctx[0], ctx[1]):
            raise PydanticCustomError(
                "unknown_code",
                "{value} is not a known {attribute} code for {schema}",
                {"value": v, "attribute": self.code_attribute, "schema": ctx[0]},
            )
        return v


def code_checker(attribute: str) -> AfterValidator:
    return AfterValidator(CodeCheck(attribute))


def Code(attribute: str) -> Any:  # noqa: N802 - reads as a type in annotations
    """A coded field checked against the table of ``attribute`` (a register JSON field name)."""
    return Annotated[int | str, BeforeValidator(to_code), code_checker(attribute)]


Num = Annotated[float, BeforeValidator(unwrap_value)]
Money = Num
Count = Annotated[int, BeforeValidator(unwrap_value)]
Flag = Annotated[bool | None, BeforeValidator(to_flag)]
Text = Annotated[str, BeforeValidator(to_text)]
IndexNumber = Annotated[int | str, BeforeValidator(to_index)]
Uprn = Annotated[int | None, BeforeValidator(to_uprn)]


def pad_index(n: int | str | None, width: int = 6) -> str | None:
    """PCDB index numbers are six digits; the JSON drops leading zeros (017507 -> 17507)."""
    if n is None:
        return None
    s = str(n)
    return s.zfill(width) if s.isdigit() else s
