"""Section 3: heat losses and heat loss parameter, lines (26)-(40)."""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sheet import Sheet

ROOF_WINDOW_PITCH_DEG = 70.0  # below this tilt a window is a roof window, line (27a)


def _ua(s: Sheet, area_col: str, u_col: str) -> tuple[np.ndarray, np.ndarray]:
    a = s.elements(area_col)
    u = s.elements(u_col)
    return s.per_home(a.parent, a.values), s.per_home(a.parent, a.values * u.values)


def heat_loss(s: Sheet) -> None:
    """(26)-(33) fabric A x U, (31) exposed area, (35) TMP, (36) thermal bridging, (37)-(40) HTC and HLP."""
    L = s.L
    L["(26)A"], L["(26)"] = _ua(s, "door_area_m2", "door_u_value")
    win_a = s.elements("window_area_m2")
    u_eff = 1.0 / (
        1.0 / s.elements("window_u_value").values + tables.const_float("window_curtain_resistance")
    )
    roof_win = s.elements("window_pitch_deg").values < ROOF_WINDOW_PITCH_DEG
    ua = win_a.values * u_eff
    L["(27)A"] = s.per_home(win_a.parent, np.where(roof_win, 0.0, win_a.values))
    L["(27)"] = s.per_home(win_a.parent, np.where(roof_win, 0.0, ua))
    L["(27a)A"] = s.per_home(win_a.parent, np.where(roof_win, win_a.values, 0.0))
    L["(27a)"] = s.per_home(win_a.parent, np.where(roof_win, ua, 0.0))
    L["(28a)A"], L["(28a)"] = _ua(s, "floor_area_hl_m2", "floor_u_value")
    L["(29a)A"], L["(29a)"] = _ua(s, "wall_area_m2", "wall_u_value")
    L["(30)A"], L["(30)"] = _ua(s, "roof_area_m2", "roof_u_value")
    L["(31)"] = L["(26)A"] + L["(27)A"] + L["(27a)A"] + L["(28a)A"] + L["(29a)A"] + L["(30)A"]
    L["(32)A"], L["(32)"] = _ua(s, "party_wall_area_m2", "party_wall_u_value")
    L["(33)"] = L["(26)"] + L["(27)"] + L["(27a)"] + L["(28a)"] + L["(29a)"] + L["(30)"] + L["(32)"]
    tmp = s.col("thermal_mass_parameter")
    L["(35)"] = np.where(np.isnan(tmp), tables.const_float("thermal_mass_default"), tmp)
    y = s.col("thermal_bridging_y")
    y = np.where(np.isnan(y), tables.const_float("thermal_bridging_default_y"), y)
    explicit = s.col("thermal_bridging_w_per_k")
    L["(36)"] = np.where(np.isnan(explicit), y * L["(31)"], explicit)
    L["(37)"] = L["(33)"] + L["(36)"]
    L["(38)m"] = 0.33 * L["(25)m"] * L["(5)"][:, None]
    L["(39)m"] = L["(37)"][:, None] + L["(38)m"]
    L["(39)"] = L["(39)m"].mean(axis=1)
    L["(40)m"] = L["(39)m"] / L["(4)"][:, None]
    L["(40)"] = L["(40)m"].mean(axis=1)
