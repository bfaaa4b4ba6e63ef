"""Section 1: overall dwelling dimensions, lines (1)-(5)."""

from __future__ import annotations

from ara_assets.sap10.sheet import Sheet


def dimensions(s: Sheet) -> None:
    """(4) total floor area = sum of storey areas (1x); (5) volume = sum of area x height (3x)."""
    area = s.elements("storey_floor_area_m2")
    height = s.elements("storey_height_m")
    L = s.L
    L["(4)"] = s.per_home(area.parent, area.values)
    L["(5)"] = s.per_home(area.parent, area.values * height.values)
    s.refuse(L["(4)"] <= 0, "storey_floor_area_m2", "total floor area must be positive")
    L["(91)"] = s.col("living_area_m2") / L["(4)"]
    s.refuse(L["(91)"] > 1.0, "living_area_m2", "living area larger than the total floor area")
