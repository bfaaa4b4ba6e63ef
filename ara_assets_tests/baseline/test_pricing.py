"""Bills: a hand-computed example (gas home; Economy 7 storage-heated home with PV), errors, many homes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from ara_assets.baseline import rates as r
from ara_assets.baseline.pricing import bill_totals, price_energy


def synthetic_rates() -> pl.DataFrame:
    rows = [
        ("mains_gas", "standard", 6.0, 30.0),
        ("electricity", "standard", 25.0, 50.0),
        ("electricity", "7h_high", 30.0, 55.0),
        ("electricity", "7h_low", 12.0, 55.0),
        ("electricity", "export", 15.0, 0.0),
    ]
    frame = pl.DataFrame(
        [
            {
                "fuel": f,
                "tariff": t,
                "unit_rate_p_per_kwh": u,
                "standing_charge_p_per_day": s,
                "valid_from": dt.date(2026, 1, 1),
                "source": "synthetic",
            }
            for f, t, u, s in rows
        ]
    )
    return r.rates_as_of(r.validate_rates(frame), dt.date(2026, 6, 1))


ENERGY = pl.DataFrame(
    {
        "property_id": [1, 1, 1, 1, 2, 2, 2, 2, 2],
        "end_use": [
            "space_heating_main",
            "water_heating",
            "lighting",
            "appliances",
            "space_heating_main",
            "water_heating",
            "lighting",
            "appliances",
            "pv_used",
        ],
        "fuel_code": [1, 1, 30, 30, 31, 31, 30, 30, 30],
        "kwh": [8000.0, 2000.0, 400.0, 1600.0, 6000.0, 1500.0, 500.0, 2000.0, 300.0],
        "offpeak_category": [None, None, None, None, "storage", None, None, None, None],
        # The immersion's Table 13 fraction comes from the calculator (it needs cylinder volume, occupancy).
        "high_rate_fraction": [None, None, None, None, None, 0.1, None, None, None],
    }
)
METERS = pl.DataFrame(
    {"property_id": [1, 2], "meter_type": ["single", "dual_7h"], "pv_export_kwh": [0.0, 700.0]}
)


def test_hand_computed_bills() -> None:
    priced = price_energy(ENERGY, METERS, synthetic_rates())
    rows = {
        (p, f): row
        for p, f, *row in priced.select(
            "property_id", "fuel", "kwh", "kwh_low_rate", "energy_cost_gbp", "standing_charge_gbp", "cost_gbp"
        ).rows()
    }
    # Home 1: 10,000 kWh gas at 6p + 30p/day; 2,000 kWh electricity at 25p + 50p/day.
    assert rows[(1, "mains_gas")] == pytest.approx([10000, 0, 600.0, 109.5, 709.5])
    assert rows[(1, "electricity")] == pytest.approx([2000, 0, 500.0, 182.5, 682.5])
    # Home 2 on Economy 7 (30p high / 12p low, 55p/day):
    #   storage heating 6000 all low (Table 12a: storage 0.00)         = 720.00
    #   immersion 1500 at 10% high: 150 x 30p + 1350 x 12p             = 45 + 162
    #   lighting 500 and appliances 2000 at 90% high (Grid 2)          = 135 + 6 + 540 + 24
    #   PV used on site 300 credited at 90% high                       = -(81 + 3.6)
    energy = 720 + 45 + 162 + 135 + 6 + 540 + 24 - 84.6
    assert rows[(2, "electricity")] == pytest.approx(
        [9700, 6000 + 1350 + 50 + 200 - 30, energy, 200.75, energy + 200.75]
    )
    # PV export 700 kWh at 15p is income.
    assert rows[(2, "pv_export")] == pytest.approx([700, 0, -105.0, 0.0, -105.0])
    totals = {row[0]: row[1:] for row in bill_totals(priced).rows()}
    assert totals[1] == pytest.approx([1100.0, 292.0, 0.0, 1392.0])
    assert totals[2] == pytest.approx([energy, 200.75, 105.0, energy + 200.75 - 105.0])
    assert priced.filter(pl.col("property_id") == 2)[
        "property_total_gbp"
    ].unique().to_list() == pytest.approx([energy + 200.75 - 105.0])


def test_unpriced_fuel_is_an_error_naming_the_fuel() -> None:
    energy = pl.DataFrame(
        {"property_id": [7], "end_use": ["space_heating_main"], "fuel_code": [43], "kwh": [5000.0]}
    )
    meters = pl.DataFrame({"property_id": [7], "meter_type": ["single"]})
    with pytest.raises(
        r.UnpricedFuelError, match=r"fuel 'heat_network'.*heat networks charge scheme by scheme"
    ):
        price_energy(energy, meters, synthetic_rates())
    # A tariff the rates lack is unpriced too, not priced at some other rate.
    elec = pl.DataFrame({"property_id": [7], "end_use": ["lighting"], "fuel_code": [30], "kwh": [100.0]})
    with pytest.raises(r.UnpricedFuelError, match=r"fuel 'electricity' \(tariff '10h_high'\)"):
        price_energy(elec, pl.DataFrame({"property_id": [7], "meter_type": ["dual_10h"]}), synthetic_rates())


def test_bundled_rates_price_every_common_fuel() -> None:
    rates, _ = r.load_bundled_rates()
    on = r.rates_as_of(rates, dt.date(2026, 11, 22))
    codes = [1, 2, 3, 4, 12, 20, 23, 30]
    energy = pl.DataFrame(
        {
            "property_id": list(range(len(codes))),
            "end_use": ["space_heating_main"] * len(codes),
            "fuel_code": codes,
            "kwh": [1000.0] * len(codes),
        }
    )
    meters = pl.DataFrame({"property_id": list(range(len(codes))), "meter_type": ["single"] * len(codes)})
    priced = price_energy(energy.with_columns(pl.lit("direct_acting").alias("offpeak_category")), meters, on)
    assert priced.height == len(codes)
    assert (priced["cost_gbp"] > 0).all()
    # Mains gas at the open Jul-Sep 2026 cap row: 1000 x 7.33p + 365 x 29.04p.
    gas = priced.filter(pl.col("fuel") == "mains_gas")
    assert gas["cost_gbp"][0] == pytest.approx(73.3 + 105.996)


def test_off_peak_without_a_table_12a_row_is_refused() -> None:
    energy = pl.DataFrame(
        {"property_id": [3], "end_use": ["space_heating_main"], "fuel_code": [31], "kwh": [4000.0]}
    )
    meters = pl.DataFrame({"property_id": [3], "meter_type": ["dual_7h"]})
    with pytest.raises(r.RatesError, match=r"property 3 end use 'space_heating_main' on meter 'dual_7h'"):
        price_energy(energy, meters, synthetic_rates())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kwh": -1.0}, r"field 'kwh' value -1.0 must be a number >= 0"),
        ({"fuel_code": 999}, r"field 'fuel_code' value 999 is not a SAP 10.2 Table 12 fuel code"),
        ({"end_use": "sauna"}, r"field 'end_use' value 'sauna'"),
        ({"fuel_code": 60}, r"belongs in meters.pv_export_kwh"),
        ({"fuel_code": "thirty"}, r"property 5: field 'fuel_code' value 'thirty' is not a valid Int64"),
    ],
)
def test_bad_energy_rows_are_refused(change: dict[str, object], message: str) -> None:
    row = {"property_id": 5, "end_use": "lighting", "fuel_code": 30, "kwh": 10.0, **change}
    meters = pl.DataFrame({"property_id": [5], "meter_type": ["single"]})
    with pytest.raises(r.RatesError, match=message):
        price_energy(pl.DataFrame([row]), meters, synthetic_rates())


def test_meter_errors() -> None:
    energy = pl.DataFrame({"property_id": [5], "end_use": ["lighting"], "fuel_code": [30], "kwh": [10.0]})
    with pytest.raises(r.RatesError, match="property 5 uses electricity but has no meter row"):
        price_energy(energy, pl.DataFrame({"property_id": [6], "meter_type": ["single"]}), synthetic_rates())
    with pytest.raises(r.RatesError, match=r"field 'meter_type' value 'smart'"):
        price_energy(energy, pl.DataFrame({"property_id": [5], "meter_type": ["smart"]}), synthetic_rates())


def test_many_homes_priced_alike_in_one_pass() -> None:
    n = 20_000
    copies = pl.DataFrame({"copy": list(range(n // 2))})

    def spread(frame: pl.DataFrame) -> pl.DataFrame:
        shifted = (pl.col("property_id") + 10 * pl.col("copy")).alias("property_id")
        return frame.join(copies, how="cross").with_columns(shifted).drop("copy")

    totals = bill_totals(price_energy(spread(ENERGY), spread(METERS), synthetic_rates()))
    assert totals.height == n
    per_kind = (
        totals.with_columns((pl.col("property_id") % 10).alias("kind"))
        .group_by("kind")
        .agg(pl.col("total_bill_gbp").n_unique().alias("distinct"))
    )
    assert per_kind["distinct"].to_list() == [1, 1]


def test_homes_take_their_region_rate_else_gb() -> None:
    national = synthetic_rates()
    north = national.filter(pl.col("fuel") == "mains_gas").with_columns(
        pl.lit("NORTH_WEST").alias("region"), pl.lit(5.0).alias("unit_rate_p_per_kwh")
    )
    all_regions = pl.concat([national.select(north.columns), north])
    energy = pl.DataFrame(
        {
            "property_id": [1, 2],
            "end_use": ["space_heating_main"] * 2,
            "fuel_code": [1, 1],
            "kwh": [1000.0] * 2,
        }
    )
    meters = pl.DataFrame(
        {"property_id": [1, 2], "meter_type": ["single"] * 2, "region": ["NORTH_WEST", "GB"]}
    )
    priced = price_energy(energy, meters, all_regions)
    assert priced["energy_cost_gbp"].to_list() == pytest.approx([50.0, 60.0])
    # The regional row carries its own standing charge (copied from GB's here).
    assert priced["standing_charge_gbp"].to_list() == pytest.approx([109.5, 109.5])
    # A frame already resolved for one region prices every home with it.
    resolved = r.rates_as_of(
        r.validate_rates(all_regions.drop("valid_to")), dt.date(2026, 6, 1), "NORTH_WEST"
    )
    assert price_energy(energy, meters.drop("region"), resolved)["energy_cost_gbp"].to_list() == [50.0, 50.0]
