"""The worksheet state shared by the section modules: inputs as numpy arrays and the numbered lines.

Lines are stored under their worksheet label, e.g. ``L["(4)"]`` (N,) or ``L["(98)m"]`` (N, 12).
Per-element quantities (one value per window, per PV array) are flattened with a parent index,
then summed back to homes with ``np.bincount`` -- no per-home Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
import pyarrow as pa

from ara_assets.sap10.convert import float_column, null_mask
from ara_assets.sap10.errors import UnsupportedInput
from ara_assets.sap10.inputs.prepare import Converted

Lines = dict[str, np.ndarray]


def row_sum(monthly: np.ndarray) -> np.ndarray:
    """Annual total of a monthly (N, 12) line. ``einsum`` is ~4x faster than ``sum(axis=1)`` on twelve
    columns, and unlike a BLAS product it adds every row in the same order whatever the batch size, so
    results do not depend on batch size or order."""
    return np.einsum("ij->i", monthly)


def rank_in_home(parent: np.ndarray) -> np.ndarray:
    """Position of each element within its home (0, 1, ...), elements kept in their given order."""
    order = np.argsort(parent, kind="stable")
    sorted_parent = parent[order]
    start = np.r_[0, np.flatnonzero(np.diff(sorted_parent)) + 1] if parent.size else np.zeros(0, int)
    first = np.zeros(parent.size, dtype=np.int64)
    if parent.size:
        first_of_run = np.repeat(start, np.diff(np.r_[start, parent.size]))
        first[order] = first_of_run
    rank = np.empty(parent.size, dtype=np.int64)
    rank[order] = np.arange(parent.size) - first[order]
    return rank


def outer(per_home: np.ndarray, monthly: np.ndarray) -> np.ndarray:
    """``per_home[:, None] * monthly`` as a C-ordered (N, 12) array: the same products (multiplication
    commutes exactly), computed month by month over contiguous homes and transposed, which numpy does
    without the per-row buffering of the (N, 1) x (12,) broadcast (1.4-2.7x faster at N = 10,000, measured
    on a loaded machine)."""
    return np.ascontiguousarray(np.multiply.outer(np.ravel(monthly), per_home).T)


def where_rows(cond: np.ndarray, a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """``np.where(cond[:, None], a, b)`` for a per-home condition ``cond`` (N,) and float64 operands
    broadcastable to (N, 12) ((N, 12), (N, 1), (12,) or scalars): the same values, copied.

    ``np.where`` visits every cell and copies broadcast operands through buffers; when few rows take one
    side (at most an eighth), filling the result from the other side and overwriting those rows is several
    times cheaper (2.4-2.5x measured at N = 10,000 with 2 % of rows on one side)."""
    n = cond.shape[0]
    a_arr, b_arr = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    taken = int(np.count_nonzero(cond))
    few_a, few_b = taken * 8 <= n, (n - taken) * 8 <= n
    if not (few_a or few_b) or a_arr.ndim > 2 or b_arr.ndim > 2:
        return np.where(cond[:, None], a_arr, b_arr)
    base, other, rows = (
        (b_arr, a_arr, np.flatnonzero(cond)) if few_a else (a_arr, b_arr, np.flatnonzero(~cond))
    )
    out = np.empty(np.broadcast_shapes((n, 1), a_arr.shape, b_arr.shape))
    out[...] = base
    if rows.size:
        out[rows] = other[rows] if other.ndim == 2 and other.shape[0] == n else other.reshape(-1)
    return out


@dataclass
class Elements:
    """One list column flattened: ``values`` with ``parent`` = the row each value belongs to."""

    values: np.ndarray
    parent: np.ndarray


@dataclass
class Sheet:
    df: pl.DataFrame
    n: int
    L: Lines = field(default_factory=dict)
    errors: np.ndarray | None = None  # per-row first error message in collect mode
    trace: bool = False  # keep every monthly line (worksheet trace), not only those the results need
    # approximation code -> rows computed with it (a value from an older edition or a third-party
    # transcription standing in for a cell of SAP 10.2 / RdSAP 10 not transcribed; approximations.py)
    approximations: dict[str, np.ndarray] = field(default_factory=dict)
    # Columns converted once: arrays (scalar columns, null masks) and flattened list columns apart, so each
    # read returns its own type.
    _arrays: dict[str, np.ndarray] = field(default_factory=dict)
    _elements: dict[str, Elements] = field(default_factory=dict)
    _zero_m: np.ndarray | None = None
    # columns of the Table 9 / 9a lines (86)m-(97)m: every month, or the heating months only when no home of
    # the batch is cooled and no trace is kept (sections/mean_temperature.py)
    months: slice | np.ndarray = field(default_factory=lambda: slice(None))

    def zeros_m(self) -> np.ndarray:
        """The (N, 12) line of a feature no home of the batch has: one shared read-only array of zeros
        (an in-place write to it raises), so later sections can tell it apart (``is_zero``) and skip the
        arithmetic on it."""
        if self._zero_m is None:
            self._zero_m = np.zeros((self.n, 12))
            self._zero_m.flags.writeable = False
        return self._zero_m

    def is_zero(self, line: np.ndarray) -> bool:
        """True when ``line`` is the shared zero line of ``zeros_m`` (all zeros by construction)."""
        return self._zero_m is not None and line is self._zero_m

    def add_lines(self, *lines: np.ndarray) -> np.ndarray:
        """``lines[0] + lines[1] + ...`` (left to right) without the additions of shared zero lines.

        Bit-identical to the full sum: adding +0.0 leaves every value as it is except -0.0, which becomes
        +0.0, and once a zero line has been added no later partial sum can return to -0.0; so the sum of
        the other lines, plus 0.0 once when a zero line was skipped, gives the same bits. All zero: the
        shared zero line."""
        kept = [line for line in lines if not self.is_zero(line)]
        if not kept:
            return self.zeros_m()
        total = kept[0] + kept[1] if len(kept) > 1 else kept[0] + 0.0
        for line in kept[2:]:
            total += line
        if len(kept) < len(lines) and len(kept) > 1:
            total += 0.0
        return total

    def preload(self, converted: Converted) -> None:
        """Columns already converted during validation: list columns flattened (values, parent rows),
        scalar columns without nulls, scalar columns with nulls (NaN-filled, null mask). Later reads take
        them from the cache."""
        for name, (values, parent) in converted.elements.items():
            self._elements[f"l:{name}"] = Elements(values, parent)
        for name, values in converted.full.items():
            self._arrays[f"f:{name}"] = values
        for name, (values, null) in converted.nullable.items():
            self._arrays[f"s:{name}:nan"] = values
            self._arrays[f"n:{name}"] = null

    def col(self, name: str, fill: float = np.nan) -> np.ndarray:
        """A scalar column as float64 (null -> ``fill``)."""
        key = f"s:{name}:{fill}"
        if key not in self._arrays:
            full = self._arrays.get(f"f:{name}")  # validated column without nulls: any fill gives it
            if full is not None:
                return full
            s = self.df.get_column(name)
            no_null = s.null_count() == 0 and s.dtype != pl.Boolean
            if not np.isnan(fill):
                # from the conversion without a fill (cached), so a column asked for with several fills
                # is converted from polars once; without nulls any fill gives the same values
                values = self.col(name)
                values = values if no_null else np.where(np.isnan(values), fill, values)
            else:
                values, null = float_column(s)  # nulls become NaN
                if null is not None:
                    self._arrays[f"n:{name}"] = null
            self._arrays[key] = values
        return self._arrays[key]

    def is_null(self, name: str) -> np.ndarray:
        """Null mask of a column (cached: sections ask for the same masks)."""
        key = f"n:{name}"
        if key not in self._arrays:
            self._arrays[key] = null_mask(self.df.get_column(name))
        return self._arrays[key]

    def elements(self, name: str) -> Elements:
        """A list column flattened once (cached) with its parent-row index."""
        key = f"l:{name}"
        if key not in self._elements:
            arr = self.df.get_column(name).to_arrow()
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            values = arr.flatten().to_numpy(zero_copy_only=False).astype(np.float64)
            parent = arr.value_parent_indices().to_numpy(zero_copy_only=False)
            self._elements[key] = Elements(values, parent)
        return self._elements[key]

    def per_home(self, parent: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Sum element values into homes: (M,) -> (N,), or (M, 12) -> (N, 12)."""
        if values.ndim == 1:
            return np.bincount(parent, weights=values, minlength=self.n)
        # one bincount over (home, month) bins: each bin adds its elements in element order, as twelve
        # per-month bincounts do, so the sums are the same to the bit
        width = values.shape[1]
        bins = ((parent * width)[:, None] + np.arange(width)).ravel()
        summed = np.bincount(bins, weights=values.ravel(), minlength=self.n * width)
        return summed.reshape(self.n, width)

    def approximate(self, mask: np.ndarray, code: str) -> None:
        """Record that the rows of ``mask`` were computed with approximation ``code`` (never a refusal)."""
        if mask.any():
            prev = self.approximations.get(code)
            self.approximations[code] = mask.copy() if prev is None else (prev | mask)

    def refuse(self, mask: np.ndarray, field_name: str, reason: str) -> None:
        """Raise UnsupportedInput for the first row where ``mask`` holds; in collect mode (``errors`` set)
        record the message for every such row instead and carry on (those rows' results are discarded)."""
        if self.errors is not None:
            if mask.any():
                values = self.df.get_column(field_name) if field_name in self.df.columns else None
                for i in np.flatnonzero(mask):
                    if self.errors[i] is None:
                        value = values[int(i)] if values is not None else None
                        home = self.df.get_column("home_id")[int(i)]
                        self.errors[i] = str(UnsupportedInput(home, field_name, value, reason))
            return
        if mask.any():
            i = int(np.argmax(mask))
            value = self.df.get_column(field_name)[i] if field_name in self.df.columns else None
            raise UnsupportedInput(self.df.get_column("home_id")[i], field_name, value, reason)
