"""``INPUT_SCHEMA``: every input column of the SAP 10.2 worksheet, assembled from the per-section
declarations."""

from __future__ import annotations

import polars as pl

from ara_assets.sap10.inputs import columns_fabric, columns_heating, columns_renewables_cooling, columns_water
from ara_assets.sap10.inputs.column import REQUIRED, Column

COLUMNS: list[Column] = [
    *columns_fabric.COLUMNS,
    *columns_water.COLUMNS,
    *columns_heating.COLUMNS,
    *columns_renewables_cooling.COLUMNS,
]

INPUT_SCHEMA: dict[str, Column] = {c.name: c for c in COLUMNS}
# list columns of one element group (equal lengths per row), by group name
LIST_GROUPS: dict[str, list[str]] = {}
for column in COLUMNS:
    if column.group:
        LIST_GROUPS.setdefault(column.group, []).append(column.name)


def schema_markdown() -> str:
    """The schema as a markdown table (for docs)."""
    rows = ["| column | dtype | unit | line / table | default | meaning |", "|---|---|---|---|---|---|"]
    for c in COLUMNS:
        default = (
            "required"
            if c.default is REQUIRED
            else ("derived" if isinstance(c.default, pl.Expr) else repr(c.default))
        )
        rows.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {c.line} | {default} | {c.doc} |")
    return "\n".join(rows)
