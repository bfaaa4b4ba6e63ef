"""CSV import of what the landlord knows about each home: tenure, listed building, conservation area, gas
grid and market value (`ara portfolio attributes import`, and optionally the same columns on
`ara portfolio import`).

Same rule as the other imports: every row is checked first, a file with any bad row is refused whole
(row, field, value and reason named) and nothing is written; what passes is written in one unit of work.
An empty cell means "not known" and leaves nothing recorded for that attribute.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ara_assets.resources.warehouse.imports import (
    OPTIONAL_ATTRIBUTE_COLUMNS,
    ImportRejected,
    RowError,
    collect_row_errors,
    raise_if_any,
    read_csv_strings,
    uprn_checks,
)
from ara_assets.resources.warehouse.repositories.attributes import TENURES
from ara_assets.resources.warehouse.unit_of_work import Warehouse

ATTRIBUTE_CSV_COLUMNS = ("uprn", *OPTIONAL_ATTRIBUTE_COLUMNS)
BOOLEAN_COLUMNS = ("listed_building", "conservation_area", "on_gas_grid")
_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")


def check_attribute_frame(frame: pl.DataFrame) -> list[RowError]:
    """Problems of an attributes frame of trimmed strings (uprn + any of ATTRIBUTE_CSV_COLUMNS), row order."""
    checks: list[tuple[str, pl.Expr, str | pl.Expr]] = [*uprn_checks()]
    if "uprn" in frame.columns:
        checks.append(
            ("uprn", pl.col("uprn").is_not_null() & pl.col("uprn").is_duplicated(), "duplicate UPRN")
        )
    for c in BOOLEAN_COLUMNS:
        if c in frame.columns:
            checks.append(
                (
                    c,
                    pl.col(c).is_not_null() & ~pl.col(c).str.to_lowercase().is_in(_TRUE + _FALSE),
                    "not true/false (or yes/no, 1/0)",
                )
            )
    if "tenure" in frame.columns:
        checks.append(
            (
                "tenure",
                pl.col("tenure").is_not_null() & ~pl.col("tenure").is_in(TENURES),
                f"not one of {', '.join(TENURES)}",
            )
        )
    if "listed_grade" in frame.columns:
        checks.append(
            (
                "listed_grade",
                pl.col("listed_grade").is_not_null()
                & ~pl.col("listed_grade").is_in(["I", "II*", "II", "A", "B", "C"]),
                "not a listing grade (I, II*, II, A, B, C)",
            )
        )
    if "property_value_gbp" in frame.columns:
        value = pl.col("property_value_gbp").str.replace_all(r"[£,]", "").cast(pl.Float64, strict=False)
        checks.append(
            (
                "property_value_gbp",
                pl.col("property_value_gbp").is_not_null() & (value.is_null() | (value <= 0)),
                "not a positive amount of pounds",
            )
        )
    if "property_value_date" in frame.columns:
        checks.append(
            (
                "property_value_date",
                pl.col("property_value_date").is_not_null()
                & pl.col("property_value_date").str.to_date("%Y-%m-%d", strict=False).is_null(),
                "not a date (YYYY-MM-DD)",
            )
        )
    return collect_row_errors(frame, checks)


def typed_attributes(frame: pl.DataFrame) -> pl.DataFrame:
    """The checked strings as the attribute repository's types (only the columns present)."""
    out = [pl.col("uprn").cast(pl.Int64)]
    for c in frame.columns:
        if c in BOOLEAN_COLUMNS:
            out.append(pl.col(c).str.to_lowercase().is_in(_TRUE).alias(c))
        elif c == "property_value_gbp":
            out.append(pl.col(c).str.replace_all(r"[£,]", "").cast(pl.Float64).alias(c))
        elif c == "property_value_date":
            out.append(pl.col(c).str.to_date("%Y-%m-%d").alias(c))
        elif c in ("tenure", "listed_grade", "source"):
            out.append(pl.col(c))
    return frame.select(out)


def parse_attribute_csv(path: Path) -> pl.DataFrame:
    """Validate an attributes CSV; return typed columns. Raises ImportRejected listing every bad row."""
    frame = read_csv_strings(path, ATTRIBUTE_CSV_COLUMNS, ("uprn",))
    present = [c for c in ATTRIBUTE_CSV_COLUMNS if frame[c].null_count() < frame.height or c == "uprn"]
    frame = frame.select(present)
    raise_if_any(str(path), check_attribute_frame(frame))
    return typed_attributes(frame)


def import_attributes(warehouse: Warehouse, path: Path, portfolio: str) -> dict[str, int]:
    """Validate `path` and record its attributes for homes of `portfolio`, all or nothing."""
    frame = parse_attribute_csv(path)
    try:
        with warehouse.unit_of_work() as uow:
            written = uow.attributes.upsert_many(portfolio, frame)
    except ValueError as exc:  # AttributeRejected: a UPRN not of the portfolio, a grade without listing
        raise ImportRejected(str(path), [RowError(None, "(file)", None, str(exc))]) from None
    return {"homes": written}
