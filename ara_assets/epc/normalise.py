"""``normalise_register_json``: the normalised register document without building the pydantic model.

``to_register_json(parse_certificate(doc))`` validates the whole document into ``Certificate`` and dumps it
again (~0.55 ms); the scoring path only needs the dumped dict. This module walks the document against a
plan compiled from the models' own field definitions and returns the same dict (same keys, key order,
values and types). What carries meaning is reused, not restated: the field validators of ``types.py``
(quirk normalisation), the code tables of ``codes.py``, the field order, aliases, required fields and
extras of ``model.py``. Only the final type step of each field (float, int, str, date, int | str) is
done here, and only for plain values: whenever a value is anything else (a numeric string, a non-finite
float, another date form, an unknown code, a field type this module does not know), the document goes
through the exact path, which returns the result or raises the ``CertificateValidationError``. So the
fast path never decides a case the model would decide differently: at worst it defers.

The plan is compiled per code-table context (schema_type, assessment_type), so a coded field checks
its value against a set bound at compile time.
"""

from __future__ import annotations

import datetime
import math
import re
import types
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, AliasChoices, BaseModel, BeforeValidator

from ara_assets.epc.codes import known_keys, normalise_key
from ara_assets.epc.model import Certificate
from ara_assets.epc.parser import parse_certificate, to_register_json
from ara_assets.epc.types import (
    SCHEMA_CONTEXT,
    CodeCheck,
    as_list,
    to_code,
    to_flag,
    to_text,
    unwrap_value,
)

Convert = Callable[[Any], Any]
Context = tuple[str, str | None] | None  # what Certificate's validator puts in SCHEMA_CONTEXT
_NONE = type(None)


class _Defer(Exception):  # noqa: N818 - a control-flow signal, not an error
    """The fast path does not decide this value: the exact path must."""


def _defer(_v: Any = None) -> Any:
    raise _Defer


# --- plain values of the core types (pydantic's lax conversions beyond these defer) ----------------------


def _float(v: Any) -> float:
    t = type(v)
    if t is float and math.isfinite(v):  # the json dump writes inf / nan as null: deferred
        return v
    if t is int:
        return float(v)  # pydantic's float validation turns an int into a float
    raise _Defer


def _int(v: Any) -> int:
    if type(v) is int:
        return v
    raise _Defer


def _str(v: Any) -> str:
    if type(v) is str:
        return v
    raise _Defer


def _int_or_str(v: Any) -> int | str:
    t = type(v)
    if t is int or t is str:
        return v
    raise _Defer


def _bool_or_none(v: Any) -> bool | None:
    if v is None or type(v) is bool:
        return v
    raise _Defer


def _int_or_none(v: Any) -> int | None:
    if v is None or type(v) is int:
        return v
    raise _Defer


def _date(v: Any) -> str:
    # an ISO calendar date: the dump writes back the same string; any other form defers
    if type(v) is str and len(v) == 10:
        try:
            if datetime.date.fromisoformat(v).isoformat() == v:
                return v
        except ValueError:
            pass
    raise _Defer


def _json(v: Any) -> Any:
    """An untyped value (extras, ``dict[str, Any]``) as the json-mode dump writes it: plain JSON, copied."""
    t = type(v)
    if t is str or t is int or t is bool or v is None:
        return v
    if t is float and math.isfinite(v):
        return v
    if t is list:
        return [_json(x) for x in v]
    if t is dict:
        out = {}
        for k, x in v.items():
            if type(k) is not str:
                raise _Defer
            out[k] = _json(x)
        return out
    raise _Defer


_SIMPLE: dict[Any, Convert] = {float: _float, int: _int, str: _str, datetime.date: _date, Any: _json}


# --- the hot field types of types.py, inlined: the same steps as before-validator, type, after-validator --


def _num(nullable: bool) -> Convert:
    def num(v: Any) -> Any:  # Num: unwrap_value, float
        if v is None and nullable:
            return None
        if type(v) is dict and "value" in v:
            v = v["value"]
        t = type(v)
        if t is float and math.isfinite(v):
            return v
        if t is int:
            return float(v)
        raise _Defer

    return num


def _count(nullable: bool) -> Convert:
    def count(v: Any) -> Any:  # Count: unwrap_value, int
        if v is None and nullable:
            return None
        if type(v) is dict and "value" in v:
            v = v["value"]
        if type(v) is int:
            return v
        raise _Defer

    return count


def _text(nullable: bool) -> Convert:
    def text(v: Any) -> Any:  # Text / Str: to_text, str
        if v is None and nullable:
            return None
        if type(v) is not str:
            v = to_text(v)
            if type(v) is not str:
                raise _Defer
        return v

    return text


_FLAGS: dict[str, bool | None] = {}  # to_flag of the spellings seen ("Y", "false"...)


def _flag(v: Any) -> Any:  # Flag: to_flag, bool | None
    if v is None or type(v) is bool:
        return v
    if type(v) is str:
        if v in _FLAGS:
            return _FLAGS[v]
        flag = to_flag(v)  # raises for a non-flag: the exact path words it
        if len(_FLAGS) < 1024:
            _FLAGS[v] = flag
        return flag
    return to_flag(v)


def _code(attribute: str, nullable: bool, ctx: Context) -> Convert:
    # Code: to_code, int | str, then types.code_checker against this context's table
    keys = known_keys(attribute, ctx[0], ctx[1]) if ctx is not None else None
    if keys is None:

        def unchecked(v: Any) -> Any:
            if v is None and nullable:
                return None
            t = type(v)
            if t is int:
                return v
            if t is str:
                return to_code(v)
            raise _Defer

        return unchecked
    ints = set()  # the ints whose normal form is a key: str(i) in keys
    for k in keys:
        try:
            if str(int(k)) == k:
                ints.add(int(k))
        except ValueError:
            pass

    def code(v: Any) -> Any:
        if v is None and nullable:
            return None
        t = type(v)
        if t is int:
            if v in ints:
                return v
            raise _Defer  # an unknown code: the exact path raises the error
        if t is str:
            v = to_code(v)
            if (v in ints) if type(v) is int else (normalise_key(v) in keys):
                return v
        raise _Defer

    return code


def _list_of(item: Convert, nullable: bool) -> Convert:
    def list_of(v: Any) -> Any:  # ListOf: as_list, then each item
        if v is None and nullable:
            return None
        if type(v) is not list:
            v = as_list(v)
            if type(v) is not list:
                raise _Defer
        return [item(x) for x in v]

    return list_of


def _is_union_of(ann: Any, members: set[Any]) -> bool:
    return get_origin(ann) in (Union, types.UnionType) and set(get_args(ann)) == members


def _special(ann: Any, metadata: list[Any], nullable: bool, ctx: Context) -> Convert | None:
    """The inlined converter of a hot field type, or None for the generic composition."""
    if get_origin(ann) is Annotated:
        base, *meta = get_args(ann)
        return _special(base, [*meta, *metadata], nullable, ctx)
    befores = [m.func for m in metadata if isinstance(m, BeforeValidator)]
    afters = [m.func for m in metadata if isinstance(m, AfterValidator)]
    if len(befores) != 1 or len(metadata) != 1 + len(afters) or len(afters) > 1:
        return None
    before = befores[0]
    if afters:
        check = afters[0]
        if isinstance(check, CodeCheck) and before is to_code and _is_union_of(ann, {int, str}):
            return _code(check.code_attribute, nullable, ctx)
        return None
    if before is unwrap_value and ann is float:
        return _num(nullable)
    if before is unwrap_value and ann is int:
        return _count(nullable)
    if before is to_text and ann is str:
        return _text(nullable)
    if before is to_flag and _is_union_of(ann, {bool, _NONE}):
        return _flag
    if before is as_list and get_origin(ann) is list:
        item = _converter(get_args(ann)[0], [], ctx)
        return None if item is _defer else _list_of(item, nullable)
    return None


# --- the generic composition -----------------------------------------------------------------------------


def _converter(ann: Any, metadata: list[Any], ctx: Context, nullable: bool = False) -> Convert:
    """The fast conversion of one annotated type, or ``_defer`` for a form this module does not know."""
    special = _special(ann, metadata, nullable, ctx)
    if special is not None:
        return special
    befores = [m.func for m in metadata if isinstance(m, BeforeValidator)]
    afters = [m.func for m in metadata if isinstance(m, AfterValidator)]
    rest = [m for m in metadata if not isinstance(m, BeforeValidator | AfterValidator)]
    # a string pattern is the one constraint known here (an object holding only ``pattern``)
    patterns = [m.pattern for m in rest if _only_pattern(m) and isinstance(m.pattern, str)]
    pattern = re.compile(patterns[0]) if patterns else None
    if len(befores) > 1 or afters or len(rest) > (1 if pattern else 0):
        return _defer  # (every after-validator of the models is a code check, handled above)
    if get_origin(ann) is Annotated:
        inner, *more = get_args(ann)
        core = _converter(inner, list(more), ctx)
    else:
        core = _core(ann, ctx)
    if core is _defer:
        return _defer
    if pattern is not None:
        unpatterned = core

        def core(v: Any) -> Any:
            s = unpatterned(v)
            # pydantic's regex has no multi-line $; Python's $ would also match before a final newline
            if "\n" in s or not pattern.search(s):
                raise _Defer
            return s

    step = core
    if nullable:

        def step(v: Any) -> Any:
            return None if v is None else core(v)

    if not befores:
        return step
    before = befores[0]

    def with_before(v: Any) -> Any:
        return step(before(v))

    return with_before


def _only_pattern(m: Any) -> bool:
    return set(getattr(m, "__dict__", {})) == {"pattern"}


def _core(ann: Any, ctx: Context) -> Convert:
    simple = _SIMPLE.get(ann)
    if simple is not None:
        return simple
    if get_origin(ann) in (Union, types.UnionType):
        members = set(get_args(ann))
        if members == {int, str}:
            return _int_or_str
        if members == {bool, _NONE}:
            return _bool_or_none
        if members == {int, _NONE}:
            return _int_or_none
        if len(members) == 2 and _NONE in members:
            (inner,) = members - {_NONE}
            return _converter(inner, [], ctx, nullable=True)
        return _defer
    origin = get_origin(ann)
    if origin is list:
        item = _converter(get_args(ann)[0], [], ctx)
        return _defer if item is _defer else _list_of(item, nullable=False)
    if origin is dict and get_args(ann) == (str, Any):

        def as_dict(v: Any) -> Any:
            if type(v) is not dict:
                raise _Defer
            return _json(v)

        return as_dict
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return _model(ann, ctx)
    return _defer


_PLANS: dict[tuple[type[BaseModel], Context], Convert] = {}
# "Model.field" of the fields whose presence sends a document to the exact path (a type this module does
# not know); empty for today's models (tested), so that a new field type shows up rather than slowing down
DEFERRED_FIELDS: set[str] = set()


def _model(cls: type[BaseModel], ctx: Context) -> Convert:
    """A model's document -> its ``model_dump(mode="json", exclude_unset=True)``: the keys it had, fields
    in declaration order, then the keys the model does not type (``extra="allow"``) as lodged."""
    if (cls, ctx) in _PLANS:
        return _PLANS[(cls, ctx)]
    d = cls.__pydantic_decorators__
    hooks = (d.validators, d.field_validators, d.root_validators, d.field_serializers, d.model_serializers)
    # Certificate's one model validator only sets the code-table context, which is bound into this plan;
    # any other model-level hook is behaviour this module does not reproduce.
    model_validators = set(d.model_validators) - ({"_with_schema"} if cls is Certificate else set())
    # configuration beyond these two (strict mode, string transforms, serialisation by alias...) changes
    # what validation or the dump does
    config_ok = cls.model_config == {"extra": "allow", "populate_by_name": True}
    if any(hooks) or d.computed_fields or model_validators or not config_ok:
        _PLANS[(cls, ctx)] = _defer
        DEFERRED_FIELDS.add(f"{cls.__name__}.*")
        return _defer
    # (no model refers to itself, so the fields compile before the plan is stored)
    fields: dict[str, tuple[int, str, Convert]] = {}
    for position, (name, info) in enumerate(cls.model_fields.items()):
        conv = _converter(info.annotation, list(info.metadata), ctx)
        if info.exclude or info.exclude_if is not None or info.serialization_alias or info.discriminator:
            conv = _defer  # the dump would drop or rename it, or validation would dispatch on a tag
        alias = info.validation_alias
        keys = [name]
        if isinstance(alias, AliasChoices) and all(isinstance(c, str) for c in alias.choices):
            keys = [c for c in alias.choices if isinstance(c, str)] + [name]
        elif isinstance(alias, str):
            keys = [alias, name]
        elif alias is not None:
            conv = _defer
        if conv is _defer:
            DEFERRED_FIELDS.add(f"{cls.__name__}.{name}")
        for key in keys:
            fields[key] = (position, name, conv)
    required = [name for name, info in cls.model_fields.items() if info.is_required()]
    # Documents from one source share their key sequences: the layout of each sequence seen (which key
    # fills which field, in which output order, which keys are extras) is worked out once.
    layouts: dict[tuple[Any, ...], list[tuple[Any, str, Convert]]] = {}

    def layout(keys: tuple[Any, ...]) -> list[tuple[Any, str, Convert]]:
        typed: list[tuple[int, Any, str, Convert]] = []
        extras: list[tuple[Any, str, Convert]] = []
        names: set[str] = set()
        for key in keys:
            field = fields.get(key)
            if field is None:
                if type(key) is not str:
                    raise _Defer
                extras.append((key, key, _json))
                continue
            position, name, conv = field
            if name in names:
                raise _Defer  # two spellings of one field (certificate_number and rrn): the exact path
            names.add(name)
            typed.append((position, key, name, conv))
        if any(name not in names for name in required):
            raise _Defer  # the exact path words the "missing" error
        typed.sort(key=lambda f: f[0])
        plan = [(key, name, conv) for _, key, name, conv in typed] + extras
        if len(layouts) > 4096:  # documents of very many shapes: keep the cache bounded
            layouts.clear()
        layouts[keys] = plan
        return plan

    def model(v: Any) -> dict[str, Any]:
        if type(v) is not dict:
            raise _Defer
        keys = tuple(v)
        plan = layouts.get(keys) or layout(keys)
        return {name: conv(v[key]) for key, name, conv in plan}

    _PLANS[(cls, ctx)] = model
    return model


def normalise_register_json(
    doc: Mapping[str, Any], *, certificate_number: str | None = None
) -> dict[str, Any]:
    """``to_register_json(parse_certificate(doc, certificate_number=...))``, computed without the model when
    every value of the document is in a plain form, and by exactly that call otherwise (so a refused
    document raises the same ``CertificateValidationError``)."""
    data = doc.get("data") if "data" in doc and "schema_type" not in doc else doc
    if type(data) is dict:
        # the certificate-number rules of parse_certificate
        number = data.get("certificate_number") or data.get("rrn") or certificate_number
        if certificate_number is None or number == certificate_number:
            if certificate_number is not None and "certificate_number" not in data and "rrn" not in data:
                data = {**data, "certificate_number": certificate_number}
            # the context of Certificate's model validator
            schema = data.get("schema_type")
            assessment = data.get("assessment_type")
            ctx: Context = None
            if isinstance(schema, str):
                ctx = (schema, assessment if isinstance(assessment, str) else None)
            plan = _PLANS.get((Certificate, ctx))
            if plan is None and len(_PLANS) > 4096:  # very many schema spellings: keep the plans bounded
                _PLANS.clear()
            token = SCHEMA_CONTEXT.set(ctx)  # for any validator that reads it, as during validation
            try:
                return (plan or _model(Certificate, ctx))(data)
            except Exception:  # noqa: BLE001, S110 - _Defer or a validator's refusal: the exact path decides
                pass
            finally:
                SCHEMA_CONTEXT.reset(token)
    return to_register_json(parse_certificate(doc, certificate_number=certificate_number))
