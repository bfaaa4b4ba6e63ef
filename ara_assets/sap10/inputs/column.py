"""One input column of the SAP 10.2 worksheet: name, dtype, unit, worksheet line, meaning, default, bounds."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

F64 = pl.Float64
I32 = pl.Int32
BOOL = pl.Boolean
LF64 = pl.List(pl.Float64)
LI32 = pl.List(pl.Int32)

REQUIRED = object()  # sentinel: the column must be given and must not be null


@dataclass(frozen=True)
class Column:
    """One input column: its name, polars dtype, unit, the worksheet line / table it feeds, its meaning
    and its default (``REQUIRED`` when it must be given; ``None`` = null = the specification's default)."""

    name: str
    dtype: pl.DataType
    unit: str
    line: str
    doc: str
    default: object = None
    group: str = ""  # list columns of one element group share a group name (equal lengths)
    allowed: tuple[int, ...] | None = None  # allowed codes for code columns
    min_value: float | None = None
    max_value: float | None = None

    @property
    def bounds(self) -> tuple[float | None, float | None]:
        """(lowest, highest) value accepted. A code column without a list of allowed codes indexes
        code-sized lookup arrays, so it is bounded to them (0-99 for fuel codes, 0-9999 otherwise) and no
        unknown code can index past a table."""
        if self.unit == "code" and self.allowed is None and self.max_value is None:
            return 0.0, (99.0 if self.name.endswith("_fuel") else 9999.0)
        return self.min_value, self.max_value
