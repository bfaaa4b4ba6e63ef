"""Main and secondary heating of a certificate, heat networks, controls, PCDB boilers and the electricity
tariff (RdSAP 10 sections 10-11; SAP 10.2 Tables 4a-4e, Appendix C).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ara_assets.pcdb.products import Boiler, ProductData
from ara_assets.sap10.appendices import heat_networks
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

EMITTER = {0: 1, 1: 1, 2: 2, 3: 4, 4: 3}  # register HeatEmitterCode -> INPUT_SCHEMA heat_emitter_type
FLOW_TEMPERATURE = {3: 45.0, 4: 35.0}  # emitter_temperature code -> design flow temperature, degC
NO_INTERLOCK_CONTROLS = (2101, 2102)  # no room thermostat: Table 4e group 1 without a thermostat
STORAGE_HEATER_CODES = range(401, 410)


def expand_heating(
    cert: RegisterDocument,
    d: Mapping[str, Any],
    row: dict[str, Any],
    band: str,
    products: ProductData | None = None,
) -> bool:
    h = heating_node(d)
    details = items(h.get("main_heating_details"))
    if not details:
        raise cert.fail("sap_heating.main_heating_details", None, "no main heating system")
    if len(details) > 1:
        raise cert.fail(
            "sap_heating.main_heating_details",
            len(details),
            "two main heating systems: INPUT_SCHEMA has no columns for main system 2",
        )
    m = details[0]
    where = "sap_heating.main_heating_details[0]"
    category = code(m, "main_heating_category")
    if category in (1, 12):
        raise cert.fail(
            f"{where}.main_heating_category",
            category,
            "no heating system: RdSAP assumed-heater rule not implemented",
        )
    fuel_reg = code(m, "main_fuel_type")
    sap_code = code(m, "sap_main_heating_code")
    pcdb = (
        m.get("main_heating_index_number") not in (None, "", 0) and code(m, "main_heating_data_source") == 1
    )
    if (
        sap_code is None
        and category == COMMUNITY_CATEGORY
        and m.get("community_heat_network_index_number") not in (None, "", 0)
    ):
        sap_code, pcdb = DEFAULT_NETWORK_CODE, True  # PCDB network record unavailable: RdSAP default boilers
    if pcdb:
        boiler = _pcdb_boiler(m, products)
        if boiler is not None:
            # SAP 10.2 D2.1: the product's seasonal efficiencies replace the Table 4b defaults; the Table 4b
            # row of the same kind keeps the type rules (combi loss, primary loss, Table 4c)
            sap_code = sap_code or boiler.table_4b_code()
            row["main_heating_efficiency_winter_pct"] = boiler.winter_efficiency_pct
            row["main_heating_efficiency_summer_pct"] = boiler.summer_efficiency_pct
            # SAP 10.2 Tables 3a-3c: the combi's tested loss or keep-hot row from its record (line (61))
            row.update(boiler.combi_loss_inputs())
            pcdb = sap_code is None  # found, but of a kind with no Table 4b row: still a fallback
    if sap_code is None and pcdb:
        sap_code = _pcdb_fallback_code(d, category, fuel_reg)
    if sap_code is None:
        raise cert.fail(
            f"{where}.sap_main_heating_code",
            None,
            "no SAP Table 4a/4b code (PCDB-only system; product database not available)",
        )
    if flag(m, "has_fghrs", False):
        # carried to the worksheet, which refuses it by its PCDB index (no Appendix G default exists)
        index = value_of(m.get("fghrs_index_number"))
        row["fghrs_present"] = True
        row["fghrs_index_number"] = None if index in (None, "", 0) else str(index)
    if value_of(m.get("compensating_controller_index_number")) not in (None, "", 0):
        # a weather or enhanced load compensator (its PCDB record is not available): Table 4c(1) of SAP 2012
        row["boiler_compensator"] = True
    control = code(m, "main_heating_control")
    if control is None:
        raise cert.fail(f"{where}.main_heating_control", None, "no control code")
    network = category == COMMUNITY_CATEGORY or sap_code in HEAT_NETWORK_CODES
    if network:
        fuel_reg, network_fallback = _heat_network(cert, d, m, row, where, fuel_reg)
        pcdb = pcdb or network_fallback
    emitter = code(m, "heat_emitter_type")
    row.update(
        main_heating_code=sap_code,
        main_heating_fuel=sap_fuel_code(cert, fuel_reg, f"{where}.main_fuel_type"),
        main_heating_control=control,
        heat_emitter_type=EMITTER.get(emitter if emitter is not None else 1, 1),
        flow_temperature_c=FLOW_TEMPERATURE.get(code(m, "emitter_temperature") or 0, 70.0),
        central_heating_pump_age=code(m, "central_heating_pump_age") or 0,
        main_heating_fraction=1.0,
        boiler_interlock=not (category == 2 and control in NO_INTERLOCK_CONTROLS),
    )
    if row["central_heating_pump_age"] not in (0, 1, 2):
        raise cert.fail(f"{where}.central_heating_pump_age", row["central_heating_pump_age"], "not 0-2")
    sec_code = code(h, "secondary_heating_type") or code(d, "secondary_heating_type")
    if sec_code:
        row["secondary_heating_code"] = sec_code
        sec_fuel = code(h, "secondary_fuel_type")
        row["secondary_heating_fuel"] = sap_fuel_code(cert, sec_fuel, "sap_heating.secondary_fuel_type")
    row["electricity_tariff"] = _tariff(cert, d, sap_code)
    # RdSAP 10 s19.1 (p.80-81): the ratings of an RdSAP assessment are costed with Table 32 prices
    row["price_table"] = 32
    return bool(pcdb)


COMMUNITY_CATEGORY = 6  # register main_heating_category: heat network (community scheme)
HEAT_NETWORK_CODES = range(301, 311)  # SAP 10.2 Table 4a heat networks
DEFAULT_NETWORK_CODE = 301  # heat-network boilers (UNCONFIRMED default for an unrecorded network)
FROM_NETWORK_DATA = 99  # register fuel: "from heat network data (community)", i.e. the PCDB record
COMMUNITY_MAINS_GAS = 20  # register fuel: mains gas (community)
SPACE_USES = (1, 3)  # SAP-CommunityHeatingUseCode: space heating only / space and water heating
UNKNOWN_DISTRIBUTION = 6  # SAP-HeatingDistributionCode "unknown" (RdSAP-Schema lodges 5, 6 or 9)


def _heat_network(
    cert: RegisterDocument,
    d: Mapping[str, Any],
    m: Mapping[str, Any],
    row: dict[str, Any],
    where: str,
    fuel: int | None,
) -> tuple[int | None, bool]:
    """Heat-network columns of the main system (Appendix C) -> (register fuel code, pcdb_fallback).

    The heat sources are not lodged in RdSAP: the worksheet takes the RdSAP 10 default sources of the
    Table 4a code. A lodged heat-network index number points at a PCDB record that is not available here,
    so the defaults stand in and ``pcdb_fallback`` is set; a network whose fuel is only "from heat network
    data" is then taken as mains-gas boilers (the RdSAP default for an unknown network; UNCONFIRMED, see
    docs/sap10/DEVIATIONS.md C3). Without a lodged distribution loss factor, an unknown (or unstated)
    distribution type takes the SAP 10.2 Table 12c default of the dwelling's age band (DEVIATIONS C8).
    """
    fallback = m.get("community_heat_network_index_number") not in (None, "", 0)
    dist = code(m, "community_heat_distribution_type")
    dlf = None
    # full-SAP style block (SapHeating.sap_community_heating_systems): the system that heats the space
    for c in items(heating_node(d).get("sap_community_heating_systems")):
        if code(c, "community_heating_use") in SPACE_USES:
            dist = code(c, "community_heating_distribution_type") or dist
            dlf = num(c, "community_heating_distribution_loss_factor")
            fallback = fallback or c.get("heat_network_index_number") not in (None, "", 0)
            break
    if dist is not None:
        if dist not in (5, 6, 7, 8, 9):
            raise cert.fail(f"{where}.community_heat_distribution_type", dist, "not a distribution code 5-9")
        row["heat_network_distribution_type"] = dist
    if dlf:
        row["heat_network_distribution_loss_factor"] = dlf
    elif dist in (None, UNKNOWN_DISTRIBUTION):
        # RdSAP 10 (s10, Table 29) -> SAP 10.2 Table 12c: a network whose loss factor is not known takes the
        # default of the main building part's age band (UNCONFIRMED single source, DEVIATIONS C8); a lodged
        # network record would carry its own factor, but it is not available, so the default stands in too
        row["heat_network_distribution_loss_factor"] = heat_networks.distribution_loss_by_age_band()[
            row["age_band"]
        ]
    chp = code(m, "community_heat_chp_electricity_generation")
    if chp is not None:
        # Table 12f by CHP generation option: only the flexible-operation default row is transcribed
        raise cert.fail(
            f"{where}.community_heat_chp_electricity_generation", chp, "Table 12f rows not transcribed"
        )
    if fuel in (None, FROM_NETWORK_DATA):
        if not fallback:
            raise cert.fail(f"{where}.main_fuel_type", fuel, "network fuel unknown and no network record")
        fuel = COMMUNITY_MAINS_GAS
    return fuel, fallback


GAS_FUELS = (1, 2, 3, 17, 26, 27, 51)
OIL_FUELS = (4, 28, 18, 37)


def _pcdb_boiler(m: Mapping[str, Any], products: ProductData | None) -> Boiler | None:
    """The PCDB boiler a main system lodges by index, if the imported data hold it."""
    if products is None or code(m, "main_heating_category") == COMMUNITY_CATEGORY:
        return None
    return products.boiler(value_of(m.get("main_heating_index_number")))


def _pcdb_fallback_code(d: Mapping[str, Any], category: int | None, fuel: int | None) -> int | None:
    """A PCDB boiler lodged without its SAP code: the Table 4b default for its kind (``pcdb_fallback``).

    Without the product record the type is read from the dwelling: no cylinder -> combi, else regular;
    condensing is not assumed (the non-condensing 1998-or-later rows). Other categories: no fallback.
    """
    if category != 2:
        return None
    h = heating_node(d)
    combi = code(h, "cylinder_size") in (None, 1) and not flag(d, "has_hot_water_cylinder", False)
    if fuel in GAS_FUELS:
        return 103 if combi else 101
    if fuel in OIL_FUELS:
        return 129 if combi else 126
    return None


def _tariff(cert: RegisterDocument, d: Mapping[str, Any], main_code: int) -> int:
    """Meter type -> tariff (RdSAP 10 section 12: a dual meter is 7- or 10-hour by the main system)."""
    src = d.get("sap_energy_source")
    meter = code(src, "meter_type") if isinstance(src, Mapping) else code(d, "meter_type")
    if meter in (None, 2, 3):
        return 1
    if meter == 4:
        return 4
    if meter == 5:
        return 5
    if meter == 6:
        return 3
    if meter != 1:
        raise cert.fail("sap_energy_source.meter_type", meter, "unknown meter type")
    if main_code == 192:
        return 3
    if main_code in STORAGE_HEATER_CODES or main_code in (193, 195, 421, 422):
        return 2
    if (
        main_code == 191
        or 211 <= main_code <= 224
        or 521 <= main_code <= 524
        or main_code in (691, 692, 693, 694, 699)
    ):
        return 3
    return 2
