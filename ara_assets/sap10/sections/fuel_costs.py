"""Section 10a: fuel costs (240)-(255) with Table 12, and the SAP rating (256)-(258), Table 14."""

from __future__ import annotations

import numpy as np

from ara_assets.sap10 import tables
from ara_assets.sap10.appendices import tariffs
from ara_assets.sap10.sections.generation import GENERATORS
from ara_assets.sap10.sheet import Sheet

STANDARD_ELECTRICITY = 30  # SAP 10.2 Table 12 code of standard-tariff electricity (the one definition)
PV_EXPORT = 60


def fuel_of(s: Sheet, column: str, fallback: np.ndarray) -> np.ndarray:
    """Fuel code column with a per-row fallback where it is null."""
    f = s.col(column)
    return np.where(np.isnan(f), fallback, f).astype(int)


def water_fuel_of(s: Sheet) -> np.ndarray:
    """Fuel of the water heating: its own column, else the main system it comes from (901 / 902)."""
    main_fuel = s.col("main_heating_fuel").astype(int)
    main2_fuel = fuel_of(s, "main_heating_2_fuel", main_fuel)
    from_main = np.where(s.col("water_heating_code") == 902, main2_fuel, main_fuel)
    return fuel_of(s, "water_heating_fuel", from_main)


def _use32(s: Sheet) -> np.ndarray:
    """Rows priced by RdSAP 10 Table 32 (the others by SAP 10.2 Table 12); cached, asked ~60 times."""
    mask = s.L.get("_use32")
    if mask is None:
        mask = s.L["_use32"] = s.col("price_table") == 32
        mask.flags.writeable = False  # shared by every caller
    return mask


def _lookup(s: Sheet, key: str, fuel: np.ndarray) -> np.ndarray:
    """Per-row value from the row's price table (12 or 32) for ``fuel``."""
    prices = tables.rating_prices()
    return np.where(_use32(s), prices[32][key][fuel], prices[12][key][fuel])


def _unit_price(s: Sheet, fuel: int) -> np.ndarray:
    """Per-row unit price (GBP/kWh) of one fuel code in the row's price table; cached per fuel (the same
    electricity rates are asked for by every electric end use)."""
    name = f"_unit_price_{fuel}"
    price = s.L.get(name)
    if price is None:
        prices = tables.rating_prices()
        key = "price_p_per_kwh"
        price = s.L[name] = np.where(_use32(s), prices[32][key][fuel], prices[12][key][fuel]) / 100.0
        price.flags.writeable = False  # shared by every caller
    return price


def _price(s: Sheet, fuel: np.ndarray, field_name: str, used: np.ndarray) -> np.ndarray:
    price = _lookup(s, "price_p_per_kwh", fuel) / 100.0
    s.refuse(used & np.isnan(price), field_name, "no price for this fuel code in the row's price table")
    return np.where(used, price, 0.0)


def sap_rating(ecf: np.ndarray) -> np.ndarray:
    """(258) continuous SAP rating from the energy cost factor: linear below ECF 3.5, logarithmic above."""
    a, b = tables.const_floats("sap_rating_linear")
    c0, c1, cut = tables.const_floats("sap_rating_log")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ecf >= cut, c0 - c1 * np.log10(np.maximum(ecf, 1e-9)), a - b * ecf)


def _electric_price(
    s: Sheet, fraction: np.ndarray, electric: np.ndarray, field_name: str, reason: str
) -> np.ndarray:
    """Unit price (GBP/kWh) of an electric end use: standard tariff, or the off-peak high and low rates
    weighted by the end use's high-rate fraction. Rows whose fraction is not transcribed are refused."""
    tariff = s.col("electricity_tariff", 1.0).astype(int)
    price = _unit_price(s, STANDARD_ELECTRICITY)
    s.refuse(electric & np.isnan(fraction), field_name, reason)
    for t, (high, low) in tariffs.RATES.items():
        on_t = tariff == t
        if not on_t.any():
            continue  # no row on this tariff: the price stays as it is
        p_high = _unit_price(s, high)
        p_low = _unit_price(s, low)
        price = np.where(on_t, fraction * p_high + (1.0 - fraction) * p_low, price)
    return price


def off_peak_standing_charge(s: Sheet, tariff: np.ndarray) -> np.ndarray:
    """Additional standing charge of an off-peak meter (GBP/year) for the row's price table (12 or 32).

    ``constants.json`` holds per price table a value per tariff and, where the value is not from the SAP
    10.2 / RdSAP 10 transcription, the approximation code it is recorded under."""
    spec = tables.const_table("off_peak_standing_charge_gbp")
    approx = tables.const_table("off_peak_standing_charge_approximation")
    use32 = _use32(s)
    extra = np.zeros(s.n)
    for table, mask in (("12", ~use32), ("32", use32)):
        for t, value in spec[table].items():
            rows = mask & (tariff == int(t))
            extra = np.where(rows, value, extra)
            code = approx[table].get(t)
            if code:
                s.approximate(rows, code)
    return extra


def fuel_costs(s: Sheet) -> None:
    """(240)-(255) costs with Table 12 or RdSAP 10 Table 32 prices (off-peak electricity split by Tables 12a
    and 13), (256) deflator, (257) ECF, (258) SAP."""
    L = s.L
    tariff = s.col("electricity_tariff", 1.0).astype(int)
    # the 24-hour tariff prices every use at its one rate (SAP 10.2 rule not transcribed: approximation)
    s.approximate(tariff == tariffs.TWENTY_FOUR_HOUR, tariffs.TWENTY_FOUR_HOUR_APPROXIMATION)
    elec_fuels = np.asarray(tables.ELECTRIC_FUELS)
    main_fuel = s.col("main_heating_fuel").astype(int)
    water_fuel = water_fuel_of(s)
    sec_fuel = fuel_of(s, "secondary_heating_fuel", np.zeros(s.n))
    has_sec = L["(201)"] > 0
    has_main2 = L["(205)"] > 0
    main2_fuel = fuel_of(s, "main_heating_2_fuel", main_fuel)
    no_row = "no Table 12a high-rate fraction transcribed for this system on this off-peak tariff"
    off_peak = tariff != tariffs.STANDARD
    other = _electric_price(
        s, tariffs.other_uses_fraction(tariff), off_peak, "electricity_tariff", "no Table 12a Grid 2 fraction"
    )
    L["_elec_other_price"] = other

    hp_data = L.get("_hp_data", np.zeros(s.n, dtype=bool))

    def space_price(fuel: np.ndarray, code_col: str, fuel_col: str, used: np.ndarray) -> np.ndarray:
        # electricity on an off-peak meter is split by Table 12a; every other fuel takes its own price
        split = used & np.isin(fuel, elec_fuels) & off_peak
        code = s.col(code_col, 0.0).astype(int)
        # product data (Appendix N) only exist for main system 1
        appendix_n = hp_data if code_col == "main_heating_code" else np.zeros(s.n, dtype=bool)
        fraction = tariffs.space_fraction(code, tariff, s, appendix_n, split)
        elec = _electric_price(s, fraction, split, code_col, no_row)
        return np.where(split, elec, _price(s, fuel, fuel_col, used & ~split))

    everyone = np.ones(s.n, dtype=bool)
    L["(240)"] = L["(211)"] * space_price(main_fuel, "main_heating_code", "main_heating_fuel", everyone)
    L["(241)"] = L["(213)"] * space_price(main2_fuel, "main_heating_2_code", "main_heating_2_fuel", has_main2)
    L["(242)"] = L["(215)"] * space_price(
        sec_fuel, "secondary_heating_code", "secondary_heating_fuel", has_sec
    )
    water_electric = np.isin(water_fuel, elec_fuels) & off_peak
    hp_water = L.get("_hp_water", np.zeros(s.n, dtype=bool))
    water_elec = _electric_price(
        s,
        tariffs.water_fraction(s, tariff, hp_water),
        water_electric & off_peak,
        "immersion_type",
        "off-peak electric water heating needs a cylinder and immersion type (Table 13) or a heat pump",
    )
    water_price = np.where(
        water_electric, water_elec, _price(s, water_fuel, "water_heating_fuel", ~water_electric)
    )
    L["(247)"] = L["(219)"] * water_price
    # instantaneous electric showers (64a): an "other use" of electricity (Grid 2 on off-peak meters)
    L["(247a)"] = L["(64a)"] * other
    L["(249)"] = L["(231)"] * other
    L["(250)"] = L["(232)"] * other
    # (248) space cooling: electricity at the "other uses" price (Table 12a Grid 2 on off-peak meters, K1)
    L["(248)"] = L["(221)"] * other
    elec = other  # PV used in the dwelling displaces imports at the other-uses price
    # a fuel's standing charge is paid once however many systems use it (gas; heat networks)
    fuels_used = np.stack(
        [
            main_fuel,
            water_fuel,
            np.where(has_sec, sec_fuel, main_fuel),
            np.where(has_main2, main2_fuel, main_fuel),
        ],
        axis=1,
    )
    fuels_used.sort(axis=1)
    first = np.ones_like(fuels_used, dtype=bool)
    first[:, 1:] = fuels_used[:, 1:] != fuels_used[:, :-1]
    standing = np.stack([_lookup(s, "standing_charge_gbp", fuels_used[:, k]) for k in range(4)], axis=1)
    for column, fuel, used in (
        ("main_heating_fuel", main_fuel, np.ones(s.n, dtype=bool)),
        ("main_heating_2_fuel", main2_fuel, has_main2),
        ("secondary_heating_fuel", sec_fuel, has_sec),
        ("water_heating_fuel", water_fuel, np.ones(s.n, dtype=bool)),
    ):
        s.refuse(
            used & np.isnan(_lookup(s, "standing_charge_gbp", fuel)),
            column,
            "standing charge of this fuel not transcribed in the row's price table",
        )
    # an off-peak meter's additional standing charge, once per dwelling, by the row's price table
    extra = off_peak_standing_charge(s, tariff)
    L["(251)"] = (np.nan_to_num(standing) * first).sum(axis=1) + extra
    export = _unit_price(s, PV_EXPORT)
    # generated electricity (PV, wind, hydro): the share used in the dwelling displaces imports, the rest
    # is sold at the export price (wind and hydro exports priced like PV: DEVIATIONS M3)
    for used, exported, cost, _, _ in GENERATORS:
        L[cost] = L[used] * elec + L[exported] * export
    L["(255)"] = (
        L["(240)"]
        + L["(241)"]
        + L["(242)"]
        + L["(247)"]
        + L["(247a)"]
        + L["(248)"]
        + L["(249)"]
        + L["(250)"]
        + L["(251)"]
        + L["(252)"]
        + L["(253)"]
        + L["(254)"]
    )
    L["(256)"] = np.full(s.n, tables.const_float("energy_cost_deflator"))
    L["(257)"] = L["(256)"] * L["(255)"] / (L["(4)"] + 45.0)
    L["sap_value"] = sap_rating(L["(257)"])
    # Ratings below 1 are reported as 1 (section 13)
    L["(258)"] = np.maximum(1.0, np.floor(L["sap_value"] + 0.5))
