"""Section 8: space heating requirement, lines (94)-(99)."""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sections.mean_temperature import utilisation
from ara_assets.sap10.sheet import Sheet, row_sum

HEATING_MONTHS = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1], dtype=bool)  # no space heating Jun-Sep


def space_heating(s: Sheet) -> None:
    """(94)-(99): utilisation at the MIT, useful gains, heat loss rate, monthly and annual space heating."""
    L = s.L
    h = L["(39)m"]
    g = L["(84)m"]
    L["(97)m"] = h * (L["(93)m"] - L["(96)m"])
    L["(94)m"] = utilisation(g / L["(97)m"], L["_a"])
    L["(95)m"] = L["(94)m"] * g
    need = 0.024 * (L["(97)m"] - L["(95)m"]) * tables.days()
    # no space heating Jun-Sep: those columns set to 0 (the values np.where(HEATING_MONTHS, ...) gives)
    L["(98)m"] = np.maximum(need, 0.0)
    L["(98)m"][:, ~HEATING_MONTHS] = 0.0
    L["(98)"] = row_sum(L["(98)m"])
    L["(99)"] = L["(98)"] / L["(4)"]
