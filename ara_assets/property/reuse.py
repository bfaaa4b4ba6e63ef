"""Incremental runs: which homes' rows of the previous run can be reused, by input key (docs/adr/0025).

An asset that recomputes only changed homes (`effective_epc`, `property_baseline`) computes each home's
**input key** (what its row is computed from, one comparable string), reads its own previous output, and
asks `reusable_rows` which rows still hold: a home keeps its previous row exactly when its key now equals
the key stored in that row. Everything else is computed again.

    reuse = reusable_rows(keys, previous, EFFECTIVE_EPC_SCHEMA)
    reuse.kept        # previous rows of the unchanged homes, in the schema's columns
    reuse.todo_ids    # the homes to compute again (in the order of `keys`)
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

KEY_COLUMNS = ("property_id", "input_key")
# A frame of input keys alone (e.g. the keys a table stores), as the `schema` of `reusable_rows`.
KEY_SCHEMA: dict[str, pl.DataType] = {"property_id": pl.Int64(), "input_key": pl.String()}


class ReuseError(ValueError):
    """Bad reuse input: names the frame, the field and the value."""


@dataclass(frozen=True)
class Reuse:
    kept: pl.DataFrame  # previous rows of the homes whose input key is unchanged (the schema's columns)
    todo_ids: pl.Series  # property_id of every other home of `keys`, in their order

    @property
    def kept_ids(self) -> list[int]:
        return self.kept["property_id"].to_list()


def reusable_rows(keys: pl.DataFrame, previous: pl.DataFrame | None, schema: dict[str, pl.DataType]) -> Reuse:
    """Split the homes of `keys` (property_id, input_key: every home of this run) into the previous rows
    that still hold and the homes to compute again.

    previous: the asset's previous output for the partition, None when there is none. A previous frame
    without every column of `schema` (written by older code) is not reused at all. A home absent from
    `keys` (no longer in the portfolio) is dropped; a previous row with a null key is never reused.
    """
    for col in KEY_COLUMNS:
        if col not in keys.columns:
            raise ReuseError(f"input keys: field {col!r} is missing (no such column)")
    if keys["property_id"].is_duplicated().any():
        dup = keys.filter(pl.col("property_id").is_duplicated())["property_id"][0]
        raise ReuseError(f"input keys: property_id={dup}: field 'property_id' is duplicated")
    columns = list(schema)
    if previous is None or not set(columns) | set(KEY_COLUMNS) <= set(previous.columns):
        return Reuse(pl.DataFrame(schema=schema), keys["property_id"])
    current = keys.select(pl.col("property_id").cast(previous.schema["property_id"]), "input_key")
    kept = previous.join(current, on=list(KEY_COLUMNS), how="semi").select(columns)
    done = kept.select(pl.col("property_id").cast(keys.schema["property_id"]))
    todo = keys.join(done, on="property_id", how="anti")
    return Reuse(kept, todo["property_id"])
