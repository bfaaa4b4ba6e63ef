"""Preparing a worksheet input frame: defaults filled, columns cast, every value validated against the schema.

A bad value raises ``UnsupportedInput`` naming the record, field and value (or, in collect mode, is recorded
for its row while the other rows go on).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pyarrow as pa

from ara_assets.sap10.convert import float_column, int32_slots, null_mask
from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.inputs.column import REQUIRED
from ara_assets.sap10.inputs.schema import COLUMNS as _COLUMNS
from ara_assets.sap10.inputs.schema import LIST_GROUPS


def prepare_inputs(inputs: pl.DataFrame) -> pl.DataFrame:
    """Fill defaults, cast and validate; raise ``UnsupportedInput`` at the first bad row."""
    return _prepare(inputs, None)


def prepare_inputs_collect(inputs: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray]:
    """Like ``prepare_inputs`` but never raises for a row: returns the frame and, per row, the first error
    message (``None`` where the row is valid). Missing required columns still raise."""
    errors = np.full(inputs.height, None, dtype=object)
    return _prepare(inputs, errors), errors


def _record(
    errors: np.ndarray, rows: np.ndarray, ids: pl.Series, values: pl.Series, name: str, reason: str
) -> None:
    """Write ``field=value: reason`` into rows that have no error yet (loops over bad rows only)."""
    for i in np.flatnonzero(rows):
        if errors[i] is None:
            errors[i] = str(UnsupportedInput(ids[int(i)], name, values[int(i)], reason))


@dataclass
class Converted:
    """Columns validation converted to numpy, handed to the worksheet so it does not convert them again."""

    # list column -> (values as float64, parent row of each value)
    elements: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # numeric scalar column without nulls -> values as float64
    full: dict[str, np.ndarray] = field(default_factory=dict)
    # numeric scalar column with nulls -> (values as float64 with NaN for null, null mask)
    nullable: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def prepare_with_elements(inputs: pl.DataFrame) -> tuple[pl.DataFrame, Converted]:
    """``prepare_inputs`` plus the columns validation converted (list columns flattened with their parent
    rows, numeric columns as float64), for the worksheet."""
    converted = Converted()
    return _prepare(inputs, None, converted), converted


def _prepare(
    inputs: pl.DataFrame,
    errors: np.ndarray | None,
    converted: Converted | None = None,
) -> pl.DataFrame:
    """Fill absent optional columns with their defaults, cast to the schema dtypes and validate.

    A null in a column that has a default means "not known": the default applies. Raises
    ``UnsupportedInput`` naming the first offending row (``home_id``), column and value. Unknown extra
    columns are kept (callers may carry ids through). Checks run in numpy over whole columns.
    """
    missing = [c.name for c in _COLUMNS if c.default is REQUIRED and c.name not in inputs.columns]
    if missing:
        raise UnsupportedInput(None, missing[0], None, "required column missing")
    schema = inputs.schema
    exprs: list[pl.Expr] = []
    derived: list[pl.Expr] = []  # defaults computed from other columns, applied after the casts
    for c in _COLUMNS:
        if c.name not in schema:
            if isinstance(c.default, pl.Expr):
                derived.append(c.default.cast(c.dtype).alias(c.name))
            elif isinstance(c.default, list):
                exprs.append(pl.lit([], dtype=c.dtype).alias(c.name))
            else:
                exprs.append(pl.lit(c.default, dtype=c.dtype).alias(c.name))
            continue
        src = inputs.get_column(c.name)
        expr = pl.col(c.name)
        changed = False
        if schema[c.name] != c.dtype:
            cast = src.cast(c.dtype, strict=False)
            lost = (cast.is_null() & src.is_not_null()).to_numpy()
            if lost.any():
                if errors is None:
                    i = int(np.argmax(lost))
                    raise UnsupportedInput(inputs["home_id"][i], c.name, src[i], f"not castable to {c.dtype}")
                _record(errors, lost, inputs["home_id"], src, c.name, f"not castable to {c.dtype}")
            expr, changed = expr.cast(c.dtype, strict=False), True
        if src.null_count():
            if isinstance(c.default, list):
                expr, changed = expr.fill_null(pl.lit([], dtype=c.dtype)), True
            elif isinstance(c.default, pl.Expr):
                derived.append(pl.coalesce(pl.col(c.name), c.default.cast(c.dtype)).alias(c.name))
            elif c.default is not None and c.default is not REQUIRED:
                expr, changed = expr.fill_null(pl.lit(c.default, dtype=c.dtype)), True
        if changed:
            exprs.append(expr.alias(c.name))
    df = inputs.with_columns(exprs) if exprs else inputs
    if derived:
        df = df.with_columns(derived)
    if max(df.n_chunks("all")) > 1:
        # a frame assembled by concatenation (variants, tiled batches) can hold thousands of chunks per
        # column; every later conversion to numpy would gather them again
        df = df.rechunk()
    _validate(df, errors, converted)
    return df


@functools.cache
def _code_table(allowed: tuple[int, ...]) -> np.ndarray:
    """Lookup table of a code column's allowed codes (index = code), plus one False slot past the end."""
    table = np.zeros(max(allowed) + 2, dtype=bool)
    table[list(allowed)] = True
    return table


def _not_allowed(
    values: np.ndarray,
    allowed: tuple[int, ...],
    ints: np.ndarray | None = None,
    null: np.ndarray | None = None,
) -> np.ndarray:
    """Rows whose code is neither null (NaN) nor one of ``allowed``: a table lookup, several times faster
    than ``np.isin`` on the small batches the validation runs over column by column. ``ints``: the same
    codes as an int32 array, when the column is one (two operations instead of six), with ``null`` the
    null mask when it has nulls (the int32 slots of nulls hold anything)."""
    table = _code_table(allowed)
    if ints is not None:
        # a negative code viewed as unsigned is huge: it lands on the False slot past the end
        bad = ~table[np.minimum(ints.view(np.uint32), table.size - 1)]
        return bad if null is None else bad & ~null
    known = ~np.isnan(values)
    # out-of-range, negative and fractional codes land on the False slot past the end
    code = np.where(known & (values >= 0) & (values < table.size - 1), values, table.size - 1)
    whole = code == np.floor(code)
    return known & ~(table[code.astype(np.intp)] & whole)


def _validate(
    df: pl.DataFrame,
    errors: np.ndarray | None = None,
    converted: Converted | None = None,
) -> None:
    def fail(rows: np.ndarray, name: str, reason: str) -> None:
        if errors is not None:
            _record(errors, rows, df["home_id"], df[name], name, reason)
            return
        i = int(np.argmax(rows))
        raise UnsupportedInput(df["home_id"][i], name, df[name][i], reason)

    lengths: dict[str, np.ndarray] = {}
    # parent rows of the first list of each element group: the group's other lists have the same lengths
    # (checked below), hence the same parents, unless the check fails
    group_parent: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for c in _COLUMNS:
        s = df.get_column(c.name)
        if s.null_count() and (c.default is REQUIRED or isinstance(c.dtype, pl.List)):
            fail(
                null_mask(s),
                c.name,
                "required value is null" if c.default is REQUIRED else "null list",
            )
        if isinstance(c.dtype, pl.List):
            arr = s.to_arrow()
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            lengths[c.name] = length = np.diff(arr.offsets.to_numpy())
            flat_values = arr.flatten()
            shared = group_parent.get(c.group) if c.group else None
            if shared is not None and np.array_equal(shared[0], length):
                parent = shared[1]
            else:
                parent = arr.value_parent_indices().to_numpy(zero_copy_only=False)
                if c.group and shared is None:
                    group_parent[c.group] = (length, parent)
            if flat_values.null_count:
                bad = flat_values.is_null().to_numpy(zero_copy_only=False)
                fail(np.isin(np.arange(df.height), parent[bad]), c.name, "null element")
            values = flat_values.to_numpy(zero_copy_only=False)
            per_row = parent
            ints, null = (values if values.dtype == np.int32 else None), None  # int32: no null element
            if converted is not None:
                converted.elements[c.name] = (values.astype(np.float64, copy=False), parent)
        elif c.dtype in (pl.Float64, pl.Int32):
            ints, null = None, None
            if s.null_count() == 0:
                raw = s.to_numpy()
                ints = raw if raw.dtype == np.int32 else None
                values = raw.astype(np.float64, copy=False)
                if converted is not None:
                    converted.full[c.name] = values  # the worksheet reads it as is (no null to fill)
            else:
                values, null = float_column(s)
                if converted is not None and null is not None:
                    converted.nullable[c.name] = (values, null)
                if c.allowed is not None and null is not None:
                    ints = int32_slots(s)
            per_row = None
        else:
            continue
        if values.size == 0:
            continue
        checks = []
        # the row masks are built only when a NaN-ignoring extreme is out of range (rare): two reductions
        # per column instead of two comparisons and two scans
        low, high = c.bounds
        if low is not None and np.fmin.reduce(values) < low:
            checks.append((values < low, f"below {low}"))
        if high is not None and np.fmax.reduce(values) > high:
            checks.append((values > high, f"above {high}"))
        if c.allowed is not None:
            checks.append((_not_allowed(values, c.allowed, ints, null), f"code not in {list(c.allowed)}"))
        for bad, reason in checks:
            if bad.any():
                rows = bad if per_row is None else np.isin(np.arange(df.height), per_row[bad])
                fail(rows, c.name, reason)
    for group, names in LIST_GROUPS.items():
        for other in names[1:]:
            bad = lengths[other] != lengths[names[0]]
            if bad.any():
                fail(bad, other, f"length differs from {names[0]} (group {group})")
