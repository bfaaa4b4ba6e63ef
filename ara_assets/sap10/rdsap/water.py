"""Hot water of a certificate: the water-heating system, cylinder, showers and their WWHRS, and solar water
heating (RdSAP 10 section 12; SAP 10.2 section 4, Appendices G and H).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ara_assets.pcdb import ProductData
from ara_assets.sap10.appendices import water_extras
from ara_assets.sap10.rdsap import tables as t
from ara_assets.sap10.rdsap.document import (
    RegisterDocument,
    code,
    flag,
    heating_node,
    items,
    num,
    sap_fuel_code,
    value_of,
)
from ara_assets.sap10.tables import vertical_pitch_deg


def expand_water(
    cert: RegisterDocument,
    d: Mapping[str, Any],
    row: dict[str, Any],
    band: str,
    products: ProductData | None = None,
) -> tuple[bool, list[str]]:
    """Water-heating inputs of one certificate into ``row``. Returns (PCDB fallback: a lodged WWHRS index
    absent from the imported PCDB, approximation codes recorded)."""
    h = heating_node(d)
    lookup = _WwhrsLookup(cert, h, row, products)
    wh_code = code(h, "water_heating_code") or code(d, "water_heating_code") or 901
    row["water_heating_code"] = wh_code
    if wh_code not in (901, 902, 914):
        row["water_heating_fuel"] = sap_fuel_code(
            cert, code(h, "water_heating_fuel"), "sap_heating.water_heating_fuel"
        )
    size = code(h, "cylinder_size")
    has_cyl = flag(d, "has_hot_water_cylinder")
    volume: float | None = None
    if size in (2, 3, 4):
        volume = t.cylinder_volume()[str(size)]
    elif size == 6:
        volume = num(h, "cylinder_size_measured")
        if not volume:
            raise cert.fail(
                "sap_heating.cylinder_size_measured", volume, "measured cylinder without a volume"
            )
    elif size == 0:
        imm = code(h, "immersion_heating_type")
        vols = t.cylinder_volume()
        if imm == 1:
            volume = vols["no access: off-peak electric dual immersion"]
        elif row.get("main_heating_fuel") in (11, 12, 15, 20, 21, 23, 10):
            volume = vols["no access: from solid fuel boiler"]
        else:
            volume = vols["no access: otherwise"]
    elif size == 5:
        volume = _solar_store(h)[0]
        if not volume:
            raise cert.fail(
                "sap_heating.solar_water_heating_details.solar_volume_details.total_store_volume",
                volume,
                "cylinder size 5 refers to the solar store volume, which is not lodged",
            )
    elif has_cyl and size is None:
        raise cert.fail("sap_heating.cylinder_size", None, "cylinder present without a size")
    if volume:
        row["cylinder_volume_l"] = volume
        declared = num(h, "cylinder_heat_loss")
        if declared:
            row["cylinder_declared_loss_kwh_per_day"] = declared
        ins_type = code(h, "cylinder_insulation_type")
        ins_mm = num(h, "cylinder_insulation_thickness")
        if ins_type is None or ins_mm is None:
            row_def = next(
                r for r in t.table_rows("cylinder_insulation_defaults.csv") if r["age_band"] == band
            )
            ins_type = ins_type if ins_type is not None else int(row_def["insulation_type"])
            ins_mm = ins_mm if ins_mm is not None else float(row_def["insulation_mm"])
        if ins_type == 0:  # none: Table 2 at 0 mm gives the same loss for either type
            ins_type, ins_mm = 2, 0.0
        if ins_type not in (1, 2):
            raise cert.fail("sap_heating.cylinder_insulation_type", ins_type, "not 0-2")
        row["cylinder_insulation_type"] = ins_type
        row["cylinder_insulation_mm"] = ins_mm
        row["cylinder_thermostat"] = bool(flag(h, "cylinder_thermostat", False))
        row["primary_pipework_insulation"] = 1 if band in "ABCDEFGHIJ" else 4
    imm = code(h, "immersion_heating_type")
    if imm in (1, 2):
        row["immersion_type"] = imm
    elif (
        volume
        and row.get("electricity_tariff", 1) != 1
        and (wh_code == 903 or row.get("main_heating_fuel") == 30)
    ):
        row["immersion_type"] = 1  # RdSAP 10 section 10.5: with an off-peak meter a dual immersion is assumed
    # showers and baths (RdSAP 10 collects outlets; Appendix J flows by supply when not measured)
    outlets = items(h.get("shower_outlets"))
    mixer_flow = 7.0 if volume else 11.0  # vented cylinder 7 l/min, mains-pressure 11 l/min (UNCONFIRMED)
    mixers: list[float] = []
    mixer_wwhrs: list[int] = []  # INPUT_SCHEMA mixer_shower_wwhrs, one per mixer shower
    electric = 0
    # RdSAP-Schema-21 (RdSAP 10) lodges every shower outlet, so none lodged means no shower; older schemas
    # do not collect outlets and a mixer shower is assumed (UNCONFIRMED default)
    rdsap10 = str(d.get("schema_type", "")).startswith("RdSAP-Schema-21.")
    if not outlets and "shower_outlets" not in h and not rdsap10:
        mixers = [mixer_flow]
    for i, o in enumerate(outlets):
        kind = code(o, "shower_outlet_type")
        wwhrs = _shower_wwhrs(cert, o, i, lookup)
        if kind in (1, 0, None):
            mixers.append(mixer_flow)
            mixer_wwhrs.append(wwhrs)
        elif kind == 2:
            electric += 1
        elif kind == 3:
            mixers.append(mixer_flow)
            mixer_wwhrs.append(wwhrs)
            electric += 1
    row["mixer_shower_flow_l_per_min"] = mixers
    row["mixer_shower_wwhrs"] = mixer_wwhrs if any(mixer_wwhrs) else []
    row["electric_showers"] = electric
    baths = code(h, "number_baths")
    row["bath_present"] = True if baths is None else baths > 0
    baths_wwhrs = code(h, "number_baths_wwhrs") or 0
    if baths_wwhrs > 0:
        raise cert.fail(
            "sap_heating.number_baths_wwhrs", baths_wwhrs, "storage WWHRS (Appendix G4.2) not implemented"
        )
    _solar_water(cert, d, h, row, volume)
    return lookup.fallback, sorted(lookup.approximations)


# ShowerWWHRSCode (RdSAP-Schema-21) -> INPUT_SCHEMA mixer_shower_wwhrs
SHOWER_WWHRS = {1: 0, 2: 1, 3: 2, 4: 3}
FLAT_PANEL = 2  # SAP-SolarCollectorTypeCode


class _WwhrsLookup:
    """The instantaneous WWHRS a certificate lodges by PCDB index (``instantaneous_wwhrs``), looked up once
    per slot in the imported PCDB (Table 353)."""

    def __init__(
        self,
        cert: RegisterDocument,
        h: Mapping[str, Any],
        row: dict[str, Any],
        products: ProductData | None,
    ) -> None:
        self.cert, self.h, self.row, self.products = cert, h, row, products
        self.fallback = False
        self.approximations: set[str] = set()
        self._found: dict[int, bool] = {}

    def slot(self, slot: int) -> bool:
        """Whether WWHRS ``slot`` (1 or 2) is known; its record's inputs go into the row once."""
        if slot not in self._found:
            node = self.h.get("instantaneous_wwhrs")
            index = value_of(node.get(f"wwhrs_index_number{slot}")) if isinstance(node, Mapping) else None
            record = self.products.wwhrs_record(index) if self.products is not None and index else None
            if record is None:
                # RdSAP 10 has no default WWHRS (one is entered only when found in the PCDB): a system absent
                # from the imported data is left out of the score, which says so (``pcdb_fallback``)
                self.fallback = True
            else:
                self.row.update(record.worksheet_inputs(slot))
                if record.pcdf_format == 453:
                    self.approximations.add("wwhrs_sap_2012_record")
            self._found[slot] = record is not None
        return self._found[slot]


def _shower_wwhrs(cert: RegisterDocument, outlet: Mapping[str, Any], i: int, lookup: _WwhrsLookup) -> int:
    """The WWHRS a shower outlet drains through (0 none, 1/2 instantaneous system 1/2): an instantaneous
    WWHRS whose index is in the imported PCDB feeds (63a); one absent is left out (``pcdb_fallback``)."""
    lodged = code(outlet, "shower_wwhrs")
    wwhrs = SHOWER_WWHRS.get(lodged if lodged is not None else 1)
    where = f"sap_heating.shower_outlets[{i}].shower_wwhrs"
    if wwhrs is None:
        raise cert.fail(where, lodged, "unknown ShowerWWHRSCode")
    if wwhrs == 3:
        raise cert.fail(where, lodged, "storage WWHRS (Appendix G4.2) not implemented")
    if wwhrs in (1, 2) and not lookup.slot(wwhrs):
        return 0
    return wwhrs


def _solar_store(h: Mapping[str, Any]) -> tuple[float | None, float | None, bool | None]:
    """Lodged solar store: (total store volume, dedicated solar volume, combined cylinder)."""
    details = h.get("solar_water_heating_details")
    if not isinstance(details, Mapping):
        return None, None, None
    vol = details.get("solar_volume_details")
    if not isinstance(vol, Mapping):
        return None, None, None
    return (
        num(vol, "total_store_volume"),
        num(vol, "dedicated_solar_volume"),
        flag(vol, "combined_cylinder"),
    )


def _solar_water(
    cert: RegisterDocument,
    d: Mapping[str, Any],
    h: Mapping[str, Any],
    row: dict[str, Any],
    cylinder: float | None,
) -> None:
    """Solar water heating (SAP 10.2 Appendix H inputs): lodged details where given, else the RdSAP 10
    section 10.11 Table 29 defaults (values and sources in sap10/tables/appendix_g_h_water.json)."""
    details = h.get("solar_water_heating_details")
    details = details if isinstance(details, Mapping) else {}
    if not (flag(d, "solar_water_heating", False) or details):
        return
    where = "sap_heating.solar_water_heating_details"
    table = water_extras.constants()["rdsap_table_29_solar"]
    assert isinstance(table, dict)
    if flag(details, "is_community_solar", False):
        raise cert.fail(f"{where}.is_community_solar", True, "community solar water heating not implemented")
    service = code(details, "service_provision")
    if service in (1, 2):
        raise cert.fail(
            f"{where}.service_provision", service, "solar space heating (H25)-(H29) not implemented"
        )
    area, eta0, a1, a2 = table["aperture_m2"], table["zero_loss_efficiency"], table["a1"], table["a2"]
    iam: float | None = table["incidence_angle_modifier"]
    loop: float | None = None
    loop_loss: float | None = None
    collector = details.get("solar_collector_details")
    collector = collector if isinstance(collector, Mapping) else {}
    area = num(collector, "aperture_area") or num(details, "solar_panel_aperture_area") or area
    if code(details, "solar_panel_collector_data_source") == 2:  # declared values

        def declared(node: Mapping[str, Any], name: str, within: str = "solar_collector_details.") -> float:
            value = num(node, name)
            if value is None:
                raise cert.fail(
                    f"{where}.{within}{name}", None, "declared solar collector without this value"
                )
            return value

        eta0 = declared(collector, "zero_loss_efficiency") / 100.0
        a1 = declared(collector, "linear_heat_loss_coefficient")
        a2 = declared(collector, "second_order_heat_loss_coefficient")
        iam = declared(details, "incidence_angle_modifier", within="")
        loop = num(details, "collector_loop_efficiency")
        loop_loss = num(details, "overall_heat_loss")
    elif collector and code(collector, "collector_type") not in (None, FLAT_PANEL):
        raise cert.fail(
            f"{where}.solar_collector_details.collector_type",
            code(collector, "collector_type"),
            "default parameters of unglazed / evacuated-tube collectors (Table H1) not transcribed",
        )
    pitch_code = code(details, "solar_panel_collector_pitch")
    # SAP-VerticalPitchCode; no code, or one outside the list, keeps the Table 29 default
    default_pitch = table["pitch_deg"]
    pitch = default_pitch if pitch_code is None else vertical_pitch_deg().get(pitch_code, default_pitch)
    orientation = code(details, "solar_panel_collector_orientation") or table["orientation"]
    if pitch == 0.0:
        orientation = 9
    overshading = code(details, "solar_panel_collector_overshading") or table["overshading"]
    if overshading not in (1, 2, 3, 4):
        raise cert.fail(
            f"{where}.solar_panel_collector_overshading", overshading, "no Table H2 factor for this code"
        )
    total, dedicated, combined = _solar_store(h)
    if combined is None or not dedicated:
        # not lodged: the store shares the cylinder when there is one (dedicated third), else a separate
        # 75 l pre-heat store (Table 29; both UNCONFIRMED, see COVERAGE.md)
        combined = bool(cylinder)
        dedicated = round(cylinder * table["combined_store_share"]) if cylinder else table["separate_store_l"]
    elif combined and not cylinder:
        raise cert.fail(
            f"{where}.solar_volume_details.combined_cylinder", True, "combined store without a cylinder"
        )
    row.update(
        solar_collector_area_m2=area,
        solar_zero_loss_efficiency=eta0,
        solar_a1=a1,
        solar_a2=a2,
        solar_incidence_angle_modifier=iam,
        solar_loop_efficiency=loop,
        solar_loop_heat_loss_w_per_k=loop_loss,
        solar_orientation=orientation,
        solar_pitch_deg=pitch,
        solar_overshading=overshading,
        solar_dedicated_volume_l=dedicated,
        solar_combined_cylinder=combined,
        # Table 29: electric pump 75 kWh/year; a PV-powered pump uses no grid electricity
        solar_pump_kwh_per_year=0.0 if code(details, "solar_water_pump") == 2 else table["pump_kwh_per_year"],
    )
