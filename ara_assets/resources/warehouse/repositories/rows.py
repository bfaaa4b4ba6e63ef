"""Helpers every repository shares: rows to frames, id lists, UPRN checks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
import sqlalchemy as sa

MAX_UPRN = 999_999_999_999


def to_frame(result: sa.CursorResult[Any], schema: Mapping[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in result], schema=dict(schema), orient="row")


def id_list(values: Iterable[int]) -> list[int]:
    return [int(v) for v in values]


def check_uprn(uprn: Any, record: str) -> int:
    if isinstance(uprn, bool) or not isinstance(uprn, int) or not 1 <= uprn <= MAX_UPRN:
        raise ValueError(f"{record}: field 'uprn' value {uprn!r} is not a positive integer of <= 12 digits")
    return uprn
