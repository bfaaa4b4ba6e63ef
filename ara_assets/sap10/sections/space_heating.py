"""Section 8: space heating requirement, lines (94)-(99)."""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sections.mean_temperature import HEATING_MONTHS, utilisation
from ara_assets.sap10.sheet import Sheet, row_sum

__all__ = ["HEATING_MONTHS", "space_heating"]


def space_heating(s: Sheet) -> None:
    """(94)-(99): utilisation at the MIT, useful gains, heat loss rate, monthly and annual space heating."""
    L = s.L
    # s.months: every month, or the heating months only when mean_temperature worked out only those
    h = L["(39)m"][:, s.months]
    g = L["(84)m"][:, s.months]
    L["(97)m"] = h * (L["(93)m"] - L["(96)m"][:, s.months])
    L["(94)m"] = utilisation(g / L["(97)m"], L["_a"])
    L["(95)m"] = L["(94)m"] * g
    need = 0.024 * (L["(97)m"] - L["(95)m"]) * tables.days()[s.months]
    # no space heating Jun-Sep: those columns 0 (the values np.where(HEATING_MONTHS, ...) gives)
    if isinstance(s.months, slice):
        L["(98)m"] = np.maximum(need, 0.0)
        L["(98)m"][:, ~HEATING_MONTHS] = 0.0
    else:
        L["(98)m"] = np.zeros((s.n, 12))
        L["(98)m"][:, s.months] = np.maximum(need, 0.0)
    L["(98)"] = row_sum(L["(98)m"])
    L["(99)"] = L["(98)"] / L["(4)"]
