"""Ventilation of a certificate: chimneys, flues, fans, mechanical systems and air tightness (RdSAP 10
section 7; SAP 10.2 section 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ara_assets.sap10.rdsap.document import RegisterDocument, code, flag, items, num
from ara_assets.sap10.rdsap.geometry import Geometry

VENTILATION = {0: 1, 1: 7, 2: 6, 3: 5, 4: 8, 5: 3, 6: 4}  # register -> SAP-Schema ventilation code
# built form -> sheltered sides (RdSAP convention; UNCONFIRMED, see docs/sap10/RDSAP.md)
SHELTERED_SIDES = {1: 0, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3}


def expand_ventilation(
    cert: RegisterDocument,
    d: Mapping[str, Any],
    row: dict[str, Any],
    built_form: int | None,
    band: str,
    geo: Geometry,
) -> bool:
    rooms = code(d, "habitable_room_count") or 1
    fans = code(d, "extract_fans_count")
    if fans is None:
        # RdSAP default when not recorded: none before 1983, then by habitable rooms (UNCONFIRMED)
        fans = 0 if band in "ABCDEF" else (1 if rooms <= 2 else 2 if rooms <= 5 else 3 if rooms <= 8 else 4)
    open_chimneys = code(d, "open_chimneys_count")
    if open_chimneys is None:
        open_chimneys = code(d, "open_fireplaces_count") or 0
    row.update(
        open_chimneys=open_chimneys,
        open_flues=code(d, "open_flues_count") or 0,
        closed_fire_chimneys=code(d, "closed_flues_count") or 0,
        solid_fuel_boiler_flues=code(d, "boilers_flues_count") or 0,
        other_heater_flues=code(d, "other_flues_count") or 0,
        blocked_chimneys=code(d, "blocked_chimneys_count") or 0,
        intermittent_fans=fans,
        passive_vents=code(d, "psv_count") or 0,
        flueless_gas_fires=code(d, "flueless_gas_fires_count") or 0,
        draught_lobby=bool(flag(d, "has_draught_lobby", False)),
        sheltered_sides=SHELTERED_SIDES.get(built_form or 0, 2),
    )
    pct = num(d, "percent_draughtproofed")
    if pct is None:
        wins = items(d.get("sap_windows"))
        pct = 100.0 * sum(bool(flag(w, "draught_proofed", False)) for w in wins) / len(wins) if wins else 0.0
    row["windows_draughtproofed_pct"] = min(max(pct, 0.0), 100.0)
    test = code(d, "pressure_test")
    if test == 6:
        row["air_permeability_q50"] = num(d, "air_permeability")
    elif test == 7:
        q4 = num(d, "air_permeability")
        if q4 is None:
            raise cert.fail("air_permeability", None, "pressure test at 4 Pa without a result")
        # SAP 10.2 section 2.3: q50 from a low-pressure pulse test (UNCONFIRMED coefficients)
        row["air_permeability_q50"] = 5.254 * q4**0.9241
    mv = code(d, "mechanical_ventilation") or 0
    if mv not in VENTILATION:
        raise cert.fail("mechanical_ventilation", mv, "unknown ventilation code")
    row["ventilation_type"] = VENTILATION[mv]
    return mv != 0 and d.get("mechanical_ventilation_index_number") not in (None, "", 0)
