"""The input schema of the SAP 10.2 worksheet: one row per home (or per home-and-measure variant).

Every column is a *physical* input (an area, a U-value, a system code, an efficiency), never a
derived worksheet quantity, so that measures can edit columns in bulk and the batch be re-scored.
Each column names the worksheet line or table it feeds (SAP 10.2, edition 14-03-2025).

Conventions
- Scalars are one value per row. List columns hold one value per element (a wall, a window, a
  PV array); the lists of one element group have equal lengths per row (checked).
- Codes reuse the register's SAP-Schema 19.x enumerations where one exists (orientation,
  overshading, ventilation type, tariff, pump age...), so the RdSAP expansion passes them through.
- ``None`` in an optional column means "not known, use the specification's default"; the
  default rule is written in the column's doc. Required columns must not be null.
- Areas are net heat-loss areas: wall areas already exclude the windows and doors in them
  (the expansion subtracts openings), because SAP works on net areas and a per-opening host
  reference would make every window measure a two-column edit anyway.

Orientation codes (SAP-Schema SAP-OrientationCode): 1 N, 2 NE, 3 E, 4 SE, 5 S, 6 SW, 7 W, 8 NW,
9 horizontal. Fuel codes are SAP 10.2 Table 12 codes (1 mains gas, 30 standard electricity, ...).
"""

from ara_assets.sap10.inputs.column import REQUIRED, Column
from ara_assets.sap10.inputs.prepare import prepare_inputs, prepare_inputs_collect, prepare_with_elements
from ara_assets.sap10.inputs.schema import INPUT_SCHEMA, LIST_GROUPS, schema_markdown

__all__ = [
    "INPUT_SCHEMA",
    "LIST_GROUPS",
    "REQUIRED",
    "Column",
    "prepare_inputs",
    "prepare_inputs_collect",
    "prepare_with_elements",
    "schema_markdown",
]
