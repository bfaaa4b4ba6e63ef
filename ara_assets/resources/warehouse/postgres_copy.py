"""Bulk moves between polars frames and Postgres tables with COPY (psycopg 3), inside the caller's
transaction. Row-by-row INSERT or fetch of 100,000 rows x 60 columns costs seconds; COPY a fraction."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa


def copy_in(conn: sa.Connection, table: str, frame: pl.DataFrame) -> int:
    """Append the frame's rows to `table` (columns by name); returns the number of rows."""
    if frame.is_empty():
        return 0
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="\\N", quote_style="necessary")
    columns = ", ".join(frame.columns)
    raw: Any = conn.connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')") as copy,
    ):
        copy.write(buffer.getvalue())
    return frame.height


def copy_out(
    conn: sa.Connection,
    select_sql: str,
    schema: dict[str, pl.DataType],
    params: tuple[Any, ...] | None = None,
) -> pl.DataFrame:
    """The rows of a SELECT (whose columns are `schema`'s, in order) as a typed frame. `params` fill the
    SELECT's `%s` placeholders (psycopg merges them into the statement, quoted: COPY takes no bound
    parameters); without `params` the SELECT is sent as written.

    The CSV goes through a temporary file, which polars maps and reads: a portfolio's certificates are a
    gigabyte of text at 100,000 homes, and an in-memory buffer held it twice beside the frame."""
    raw: Any = conn.connection.driver_connection
    query = f"COPY ({select_sql}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    with tempfile.TemporaryDirectory(prefix="ara-copy-") as folder:
        path = Path(folder) / "rows.csv"
        with path.open("wb") as out, raw.cursor() as cursor, cursor.copy(query, params) as copy:
            for block in copy:
                out.write(block)
        if path.stat().st_size == 0:
            return pl.DataFrame(schema=schema)
        # Postgres writes booleans as t/f in CSV.
        bools = [c for c, t in schema.items() if t == pl.Boolean()]
        frame = pl.read_csv(path, schema={c: (pl.String() if c in bools else t) for c, t in schema.items()})
    return frame.with_columns([(pl.col(c) == "t").alias(c) for c in bools])


def table_columns(conn: sa.Connection, table: str) -> list[str]:
    result = conn.execute(
        sa.text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
            "ORDER BY ordinal_position"
        ),
        {"t": table},
    )
    return [r[0] for r in result]
