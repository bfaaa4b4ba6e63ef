"""Section 4 extras: WWHRS (63a), PV diverter slot (63b), solar water heating (63c), FGHRS (63d).

SAP 10.2 (14-03-2025) worksheet: (64)m = max(0, (62)m + (63a)m + (63b)m + (63c)m + (63d)m), each (63x)
a negative quantity. Constants and their sources: ``tables/appendix_g_h_water.json`` (all single-source,
flagged in docs/sap10/COVERAGE.md). Homes without the device skip the work: the monthly arrays are
computed on the subset of rows that have one.
"""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.sections.solar_gains import surface_flux
from ara_assets.sap10.sheet import Sheet, row_sum

INSTANTANEOUS = (1, 2)  # mixer_shower_wwhrs codes of instantaneous WWHRS 1 and 2
STORAGE_WWHRS = 3


WATER = "appendix_g_h_water.json"


def constants() -> dict[str, object]:
    """``tables/appendix_g_h_water.json``: name -> untyped value (kept for the RdSAP expansion)."""
    return tables.named_values(WATER)


def _c(name: str) -> float:
    return tables.load_named(WATER).number(name)


def _cs(name: str) -> tuple[float, ...]:
    return tables.load_named(WATER).numbers(name)


def _has_solar(s: Sheet) -> np.ndarray:
    return s.col("solar_collector_area_m2", 0.0) > 0


def solar_storage_factor(s: Sheet) -> np.ndarray:
    """(57): share of the cylinder loss charged to the water heater, (N,).

    A combined cylinder holding the dedicated solar volume (H12) loses heat from that part inside the
    solar calculation, so (57)m = (56)m x [(47) - (H12)] / (47) (SAP worksheet line (57))."""
    volume = s.col("cylinder_volume_l", 0.0)
    dedicated = s.col("solar_dedicated_volume_l", 0.0)
    combined = _has_solar(s) & (s.col("solar_combined_cylinder", 0.0) > 0) & (volume > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip((volume - dedicated) / np.where(volume > 0, volume, 1.0), 0.0, 1.0)
    return np.where(combined, share, 1.0)


def water_extras(s: Sheet) -> None:
    """(63a)-(63d), (63) and the solar pump (230g); needs (45), (62) and the shower lines of water_heating."""
    L = s.L
    zeros = s.zeros_m()
    L["(63a)m"] = _wwhrs(s)
    L.setdefault("(63b)m", zeros)  # PV diverter: set after the PV section (generation.py)
    L["(63c)m"] = _solar(s)
    _fghrs(s)
    L["(63d)m"] = zeros
    L["(63)m"] = s.add_lines(L["(63a)m"], L["(63b)m"], L["(63c)m"], L["(63d)m"])
    for line in ("(63a)", "(63c)"):
        L[line] = np.zeros(s.n) if s.is_zero(L[line + "m"]) else row_sum(L[line + "m"])


def _aligned_codes(s: Sheet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mixer-shower flows and their WWHRS code element by element: (flow, code, parent).

    ``mixer_shower_wwhrs`` is either empty (no WWHRS) or one code per mixer shower; other lengths are
    refused, and those rows carry no WWHRS further on."""
    flow = s.elements("mixer_shower_flow_l_per_min")
    codes = s.elements("mixer_shower_wwhrs")
    aligned = np.zeros(len(flow.values))
    if len(codes.values) == 0:
        return flow.values, aligned, flow.parent
    n_flow = np.bincount(flow.parent, minlength=s.n)
    n_code = np.bincount(codes.parent, minlength=s.n)
    mismatch = (n_code > 0) & (n_code != n_flow)
    s.refuse(mismatch, "mixer_shower_wwhrs", "needs one code per mixer shower (or none)")
    flow_start = np.cumsum(n_flow) - n_flow
    code_start = np.cumsum(n_code) - n_code
    keep = ~mismatch[codes.parent]
    position = np.arange(len(codes.values)) - code_start[codes.parent]
    target = flow_start[codes.parent[keep]] + position[keep]
    aligned[target] = codes.values[keep]
    return flow.values, aligned, flow.parent


def _wwhrs(s: Sheet) -> np.ndarray:
    """(63a)m: heat recovered by instantaneous WWHRS from the mixer showers draining through them.

    Appendix G4 per system i: the warm (41 C) shower water draining through it, V_i,m (litres/month, from
    the Appendix J shower events of (42a): events per outlet x flow x 6 min x f_beh x n_m), carries
    4.18 x V x (41 - Tcold,m) / 3600 kWh (the same energy as its share of (45)); the system returns
    that x PCDB efficiency x utilisation factor. Storage WWHRS (G4.2) is refused."""
    L = s.L
    out = np.zeros((s.n, 12))
    flow, code, parent = _aligned_codes(s)
    s.refuse(
        np.bincount(parent, weights=(code == STORAGE_WWHRS).astype(float), minlength=s.n) > 0,
        "mixer_shower_wwhrs",
        "storage WWHRS (Appendix G4.2) not implemented",
    )
    s.refuse(
        s.col("baths_to_storage_wwhrs", 0.0) > 0,
        "baths_to_storage_wwhrs",
        "storage WWHRS (Appendix G4.2) not implemented",
    )
    if not np.isin(code, INSTANTANEOUS).any():
        return s.zeros_m()  # no instantaneous WWHRS in the batch
    mf = tables.monthly()
    minutes = tables.const_float("shower_minutes_per_event")
    t_shower = float(_c("wwhrs_shower_temperature_c"))
    per_outlet = L["_showers_per_outlet"]
    warm_factor = mf["behavioural_factor_bath_shower"] * tables.days()  # litres/day -> litres/month
    t_cold = L["_t_cold"]
    for system in INSTANTANEOUS:
        # litres of warm water per day through this system, per home
        litres = s.per_home(parent, np.where(code == system, flow * minutes, 0.0)) * per_outlet
        used = litres > 0
        if not used.any():
            continue
        eff = s.col(f"wwhrs_{system}_efficiency_pct")
        util = s.col(f"wwhrs_{system}_utilisation")
        s.refuse(used & np.isnan(eff), f"wwhrs_{system}_efficiency_pct", "WWHRS needs its PCDB efficiency")
        s.refuse(used & np.isnan(util), f"wwhrs_{system}_utilisation", "WWHRS needs its PCDB utilisation")
        rows = np.flatnonzero(used)
        volume = litres[rows, None] * warm_factor
        heat = 4.18 * volume * (t_shower - t_cold[rows]) / 3600.0
        recovered = heat * np.nan_to_num(eff[rows] / 100.0 * util[rows])[:, None]
        out[rows] -= recovered
        if s.trace:
            for name, value in (("V", volume), ("heat", heat), ("recovered", recovered)):
                full = np.zeros((s.n, 12))
                full[rows] = value
                L[f"G4_wwhrs{system}_{name}_m"] = full
    return out


def _solar(s: Sheet) -> np.ndarray:
    """(63c)m: Appendix H monthly solar input to the hot water, lines (H1)-(H24); also (230g)."""
    L = s.L
    out = np.zeros((s.n, 12))
    has = _has_solar(s)
    L["(230g)"] = np.zeros(s.n)
    if not has.any():
        return s.zeros_m()  # no solar water heating in the batch
    s.refuse(
        has & (s.col("solar_space_heating", 0.0) > 0),
        "solar_space_heating",
        "solar space heating (H25)-(H29) not implemented",
    )
    for name in ("solar_zero_loss_efficiency", "solar_a1", "solar_a2", "solar_incidence_angle_modifier"):
        s.refuse(has & np.isnan(s.col(name)), name, "solar collector parameter missing (test certificate)")
    dedicated = s.col("solar_dedicated_volume_l")
    s.refuse(has & ~(dedicated > 0), "solar_dedicated_volume_l", "solar store needs a dedicated volume")
    combined = has & (s.col("solar_combined_cylinder", 0.0) > 0)
    cylinder = s.col("cylinder_volume_l", 0.0)
    s.refuse(
        combined & ~(cylinder >= dedicated),
        "solar_combined_cylinder",
        "combined cylinder needs cylinder_volume_l >= solar_dedicated_volume_l",
    )
    rows = np.flatnonzero(has)
    area = s.col("solar_collector_area_m2")[rows]
    eta0 = s.col("solar_zero_loss_efficiency")[rows]
    a1 = s.col("solar_a1")[rows]
    a2 = s.col("solar_a2")[rows]
    loop = s.col("solar_loop_efficiency", float(_c("loop_efficiency_default")))[rows]
    iam = s.col("solar_incidence_angle_modifier")[rows]
    days = tables.days()
    # (H7) kWh/m2 per month on the collector: Appendix U3.2 flux x 0.024 x n_m (U3.3)
    region = s.col("climate_region").astype(int)[rows]
    orient = s.col("solar_orientation", 5.0).astype(int)[rows]
    pitch = s.col("solar_pitch_deg", 30.0)[rows]
    h7 = surface_flux(region, orient, pitch) * 0.024 * days
    shade_table = tables.load_named(WATER).table("overshading_factor")
    shade = np.array([np.nan] + [shade_table[str(i)] for i in range(1, 5)])
    h8 = shade[s.col("solar_overshading", 2.0).astype(int)[rows]]
    base, per_m2 = _cs("loop_heat_loss_w_per_k")
    h10 = s.col("solar_loop_heat_loss_w_per_k")[rows]
    h10 = np.where(np.isnan(h10), base + per_m2 * area, h10)
    h11 = a1 + float(_c("loop_a2_temperature_k")) * a2 + h10 / area
    h12 = np.maximum(dedicated[rows], 1e-9)  # refused above when not positive
    share = float(_c("combined_cylinder_volume_share"))
    h14 = np.where(combined[rows], h12 + share * (cylinder[rows] - h12), h12)
    h15 = float(_c("reference_volume_l_per_m2")) * area
    h16 = (h15 / h14) ** 0.25
    # (H17) heat the solar system can displace: water-heater output after WWHRS ((63a) <= 0)
    h17 = np.maximum(L["(62)m"][rows] + L["(63a)m"][rows], 0.0)
    t0, k_cold, k_ext = _cs("reference_temperature")
    te = tables.climate()["external_temperature_c"][region]
    h20 = t0 + k_cold * L["_t_cold"][rows] + k_ext * te
    h21 = h20 - te
    hours = 24.0 * days
    demand = np.where(h17 > 0, h17, 1.0)
    x = np.where(
        h17 > 0,
        (area * h11 * loop * h16)[:, None] * h21 * hours / (1000.0 * demand),
        0.0,
    )
    x = np.clip(x, 0.0, float(_c("x_max")))
    # (H23) as printed: (H7) is already kWh/m2 per month (U3.3) and the equation still multiplies by
    # hours / 1000; approved software follows the print (DEVIATIONS W3), so do we
    y = np.where(h17 > 0, (area * eta0 * iam * loop * h8)[:, None] * h7 * hours / (1000.0 * demand), 0.0)
    y = np.maximum(y, 0.0)
    a, b, c, d, e, f = _cs("correlation")
    ratio = a * y + b * x + c * y * y + d * x * x + e * y**3 + f * x**3  # Equation H1
    h24 = np.clip(ratio * h17, 0.0, h17)
    out[rows] = -h24
    # (230g) Table 4f: electric circulation pump 2 x (25 + 5 x (H1)) kWh/year unless declared (0 = PV pump)
    p0, p1, k = _cs("solar_pump_kwh")
    declared = s.col("solar_pump_kwh_per_year")[rows]
    L["(230g)"][rows] = np.where(np.isnan(declared), k * (p0 + p1 * area), declared)
    if s.trace:
        for name, value in (
            ("(H7)m", h7),
            ("(H17)m", h17),
            ("(H20)m", h20),
            ("(H22)m", x),
            ("(H23)m", y),
            ("(H24)m", h24),
        ):
            full = np.zeros((s.n, 12))
            full[rows] = value
            L[name] = full
        for name, value in (("(H11)", h11), ("(H14)", h14), ("(H16)", h16)):
            flat = np.zeros(s.n)
            flat[rows] = value
            L[name] = flat
    return out


def _fghrs(s: Sheet) -> None:
    """(63d): Appendix G1-G3 FGHRS savings need the PCDB record's equation coefficients and heat-store
    data, which are not carried: a home with an FGHRS is refused by name (its PCDB index)."""
    present = (s.col("fghrs_present", 0.0) > 0) | ~s.is_null("fghrs_index_number")
    s.refuse(
        present,
        "fghrs_index_number",
        "flue-gas heat recovery (SAP 10.2 Appendix G1-G3) not implemented: its PCDB Table 313 record "
        "(format 413 in the 2015 file) is not imported",
    )
