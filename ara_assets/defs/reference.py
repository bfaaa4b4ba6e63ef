"""Reference assets: `fuel_rates` and `carbon_factors` (unpartitioned); their quarterly schedule is in
`schedules.py`.

Thin wiring: each asset refreshes its table in Postgres from a configurable source (the bundled snapshot by
default, or a CSV URL) through `ara_assets.resources.warehouse.repositories.rates`, then returns every row
of the current rates version as a polars frame (with its `rates_version` column). The output's data version
is a checksum of the table's content, so only a changed table makes `property_baseline` stale. An unchanged
source writes nothing.
"""

# No `from __future__ import annotations` here: Dagster reads the Config and resource annotations of
# asset functions at decoration time and cannot resolve them as strings.

import dagster as dg
import polars as pl

from ara_assets.baseline.rates import frame_checksum
from ara_assets.defs.metadata import md_table, standard
from ara_assets.resources.warehouse.repositories.rates import BUNDLED, ImportResult, refresh
from ara_assets.resources.warehouse.unit_of_work import WarehouseResource


class ReferenceSourceConfig(dg.Config):
    source: str = BUNDLED
    """'bundled' (the snapshot shipped with Ara) or an http(s) URL of a CSV in the table's format."""


def _materialise(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, source: str, which: str
) -> dg.Output[pl.DataFrame]:
    with warehouse.warehouse().unit_of_work() as uow:
        repo = uow.rates
        result: ImportResult = refresh(repo, source, (which,))
        frame = repo.rates() if which == "rates" else repo.factors()
    context.log.info(result.message)
    if result.version_id is None or frame.height == 0:
        raise dg.Failure(f"no {which} in the warehouse after refreshing from {source}")
    series = ["fuel", "region", "tariff"] if which == "rates" else ["fuel", "scheme"]
    latest = frame.sort("valid_from").group_by(series).agg(pl.col("valid_from").last())
    return dg.Output(
        frame,
        metadata={
            **standard(frame),
            "rates_version": result.version_id,
            "new_version": result.created,
            "source": source,
            "refresh": result.message,
            "rows": frame.height,
            "fuels": dg.MetadataValue.json(sorted(frame["fuel"].unique().to_list())),
            "latest_valid_from": latest["valid_from"].max().isoformat(),
            "valid_from_by_series": md_table(
                [*series, "valid from"],
                [
                    [*[r[c] for c in series], r["valid_from"].isoformat()]
                    for r in latest.sort(series).iter_rows(named=True)
                ],
            ),
        },
        # The table's content, not the version id: a version made by the other table's refresh must not
        # make this one (and everything downstream of it) look changed.
        data_version=dg.DataVersion(frame_checksum(frame, which)[:20]),
    )


# A new deployment gets its rates without waiting for the quarter: the automation daemon materialises a
# missing reference asset; the schedule refreshes them when the price cap changes.
@dg.asset(
    group_name="reference",
    kinds={"postgres", "polars"},
    automation_condition=dg.AutomationCondition.on_missing(),
    description="Fuel rates (unit rate p/kWh, standing charge p/day) by fuel, region and tariff, each valid "
    "from/to a date, in the current rates version. Refreshed from the bundled snapshot (Ofgem price cap and "
    "off-gas fuels) or a CSV URL; `ara rates import` adds manual corrections.",
)
def fuel_rates(
    context: dg.AssetExecutionContext, config: ReferenceSourceConfig, warehouse: WarehouseResource
) -> dg.Output[pl.DataFrame]:
    return _materialise(context, warehouse, config.source, "rates")


@dg.asset(
    group_name="reference",
    kinds={"postgres", "polars"},
    automation_condition=dg.AutomationCondition.on_missing(),
    description="Carbon factors (kg CO2e/kWh; SAP primary energy factors) by fuel at DESNZ and SAP 10.2 "
    "Table 12, each valid from/to a date, in the current rates version.",
)
def carbon_factors(
    context: dg.AssetExecutionContext, config: ReferenceSourceConfig, warehouse: WarehouseResource
) -> dg.Output[pl.DataFrame]:
    return _materialise(context, warehouse, config.source, "factors")

