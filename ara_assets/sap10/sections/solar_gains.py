"""Section 6: solar gains, lines (74)-(84), with the Appendix U3 solar flux on inclined surfaces."""

from __future__ import annotations

import numpy as np
import polars as pl

from ara_assets.sap10 import tables
from ara_assets.sap10.sections.heat_loss import ROOF_WINDOW_PITCH_DEG
from ara_assets.sap10.sheet import Sheet, row_sum


def surface_flux(region: np.ndarray, orientation: np.ndarray, pitch_deg: np.ndarray) -> np.ndarray:
    """Appendix U3.2: mean solar flux (W/m2) on a surface, per element and month -> (M, 12).

    S = S_h x R_h-inc with R_h-inc = A cos^2(phi - delta) + B cos(phi - delta) + C and A, B, C from the
    Table U5 constants k1..k9 and the tilt p (a horizontal surface gives R = 1).
    """
    # Surfaces repeat (a few orientations and tilts per region): evaluate each distinct one once, at its
    # first occurrence (as np.unique's return_index gives, found by hashing instead of a stable sort).
    key = (region.astype(np.int64) * 16 + orientation) * 100_000 + np.round(pitch_deg * 100).astype(np.int64)
    first = pl.Series(key).arg_unique().to_numpy()
    if len(first) < len(key):
        first = first[np.argsort(key[first])]
        inverse = np.searchsorted(key[first], key)
        return _flux(region[first], orientation[first], pitch_deg[first]).take(inverse, axis=0)
    return _flux(region, orientation, pitch_deg)


def _flux(region: np.ndarray, orientation: np.ndarray, pitch_deg: np.ndarray) -> np.ndarray:
    clim = tables.climate()
    k = tables.u5_k()[orientation]  # (M, 9)
    sp = np.sin(np.radians(pitch_deg) / 2.0)[:, None]
    powers = np.hstack([sp**3, sp**2, sp])  # (M, 3)
    a = (k[:, 0:3] * powers).sum(axis=1)[:, None]
    b = (k[:, 3:6] * powers).sum(axis=1)[:, None]
    c = (k[:, 6:9] * powers).sum(axis=1)[:, None] + 1.0
    lat = clim["latitude_deg"][region][:, None]
    cos_d = np.cos(np.radians(lat - clim["declination_deg"][None, :]))
    r = a * cos_d * cos_d + b * cos_d + c
    return clim["solar_horizontal_w_m2"][region] * r


def solar_gains(s: Sheet) -> None:
    """(74)-(83): solar gains per window and month with Table 6b/6c/6d factors; (84) total gains."""
    L = s.L
    area = s.elements("window_area_m2")
    orient = s.elements("window_orientation").values.astype(int)
    pitch = s.elements("window_pitch_deg").values
    region = s.col("climate_region").astype(int)[area.parent]
    flux = surface_flux(region, orient, pitch)
    g = s.elements("window_g_perp").values
    ff = s.elements("window_frame_factor").values
    z_winter = tables.access_factors()["solar_access_winter"][s.col("windows_overshading").astype(int)]
    # Roof windows see the sky unobstructed: access factor 1.0 (Table 6d note)
    z = np.where(pitch < ROOF_WINDOW_PITCH_DEG, 1.0, z_winter[area.parent])
    per_window = (0.9 * area.values * g * ff * z)[:, None] * flux
    L["(83)m"] = s.per_home(area.parent, per_window)
    L["(83)"] = row_sum(L["(83)m"])
    L["(84)m"] = L["(73)m"] + L["(83)m"]
