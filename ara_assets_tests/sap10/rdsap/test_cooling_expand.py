"""RdSAP 10: the fixed air-conditioning flag reaches the worksheet, which refuses it (defaults missing)."""

from __future__ import annotations

import copy
from typing import Any

from ara_assets.sap10 import score_certificates
from ara_assets.sap10.rdsap import expand_certificate


def test_air_conditioning_flag_is_carried_and_refused(semi: dict[str, Any]) -> None:
    assert expand_certificate(semi)["has_fixed_air_conditioning"] is False
    doc = copy.deepcopy(semi)
    doc["data"]["has_fixed_air_conditioning"] = "true"
    row = expand_certificate(doc)
    assert row["has_fixed_air_conditioning"] is True and row.get("cooled_area_m2") is None
    out = score_certificates([semi, doc])
    assert out["error"][0] is None
    assert "cooled_area_m2" in out["error"][1]


def test_mechanical_ventilation_takes_table_4g_defaults(semi: dict[str, Any]) -> None:
    mvhr = copy.deepcopy(semi)
    mvhr["data"]["mechanical_ventilation"] = 4  # register code: balanced with heat recovery
    pcdb = copy.deepcopy(mvhr)
    pcdb["data"]["mechanical_ventilation_index_number"] = 500123
    out = score_certificates([semi, mvhr, pcdb])
    assert out["error"].to_list() == [None, None, None]
    assert out["pcdb_fallback"].to_list() == [False, False, True]  # PCDB lodged, database absent
    fans = out["pumps_fans_electricity_kwh"].to_list()
    assert fans[1] > fans[0] and fans[2] == fans[1]
